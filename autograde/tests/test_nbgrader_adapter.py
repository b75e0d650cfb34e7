"""Contract test: the pinned nbgrader still has what the adapter relies on.

``autograde/grading/nbgrader_adapter.py`` is the only module that touches nbgrader's
private API. If an nbgrader upgrade renames or changes any of it, this test
fails, naming the member, before any grading goes wrong.
"""
import importlib
import os

import pytest

from autograde.grading import nbgrader_adapter


@pytest.mark.parametrize("owner, member", [(owner, member) for owner, members in
                                           nbgrader_adapter.PRIVATE_MEMBERS.items() for member in members])
def test_every_private_member_still_exists(owner, member):
    module, name = owner.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    if member == "_preprocessors":  # an instance attribute of nbconvert exporters
        cls = cls()
    assert hasattr(cls, member), f"{owner}.{member} is gone: update autograde/grading/nbgrader_adapter.py"


def test_no_other_module_names_a_private_nbgrader_member():
    package = os.path.dirname(nbgrader_adapter.__file__)
    private = [member for members in nbgrader_adapter.PRIVATE_MEMBERS.values() for member in members]
    for folder, _, files in os.walk(package):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or path == nbgrader_adapter.__file__ or "tests" in folder:
                continue
            text = open(path, encoding="utf-8").read()
            used = [member for member in private if f".{member}" in text]
            assert not used, f"{path} uses nbgrader's private {used}: go through nbgrader_adapter"


def test_the_folders_and_the_preprocessor_split_behave_as_relied_on(challenge_course):
    cwd = os.getcwd()
    try:
        app = nbgrader_adapter.load_app(str(challenge_course))
        save = nbgrader_adapter.AutogradeSteps(app, "challenge", part="save")
        execute = nbgrader_adapter.AutogradeSteps(app, "challenge", part="execute")
        grading = challenge_course / "grading"
        assert save.submitted_folder("alice") == str(grading / "submitted" / "alice" / "challenge")
        assert save.autograded_folder("alice") == str(grading / "autograded" / "alice" / "challenge")
        names = {}
        for steps in (save, execute):
            steps.converter._sanitizing = False
            steps.converter._init_preprocessors()
            names[steps] = [type(p).__name__ for p in steps.converter.exporter._preprocessors]
        assert names[execute][-1] == "LimitOutput" and names[save][0] == "SaveAutoGrades"
        assert "SandboxedExecute" in names[execute] and "GradeFromEvidence" in names[execute]
        save.converter._sanitizing = True
        save.converter._init_preprocessors()
        assert [type(p).__name__ for p in save.converter.exporter._preprocessors][:4] == [
            "BackupGradebook", "ClearGradingRecord", "FlagRefusedFiles", "ClearOutput"]
    finally:
        os.chdir(cwd)
