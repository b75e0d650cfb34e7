"""Contract test: the pinned nbgrader still has what the adapter relies on.

``autograde/grading/nbgrader_adapter.py`` is the only module that touches nbgrader's
private API. If an nbgrader upgrade renames or changes any of it, this test
fails, naming the member, before any grading goes wrong.
"""
import importlib
import os
import shutil
from pathlib import Path

import pytest

from autograde.grading import nbgrader_adapter
from autograde.sandbox.disk import digest


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


def test_a_worker_compiles_the_instructors_python_files_of_the_assignment(challenge_course, monkeypatch):
    """The workers' kernels import the course's ``heatmap_check.py`` from the grader's ``.pyc``
    (:mod:`autograde.sandbox.compiled_files`): a worker compiles the files of nbgrader's source
    folder of the assignment."""
    import signal

    from autograde.sandbox import compiled_files
    from autograde.term import worker

    monkeypatch.setattr(compiled_files, "_COMPILED", {})
    cwd, interrupt = os.getcwd(), signal.getsignal(signal.SIGINT)
    try:
        worker.init_worker(str(challenge_course), "challenge",
                           f"sqlite:///{challenge_course / 'grading' / 'gradebook.db'}", {})
        source = Path(worker._STATE["steps"].source_folder())
    finally:
        signal.signal(signal.SIGINT, interrupt)
        os.chdir(cwd)
    assert source == challenge_course / "solutions" / "challenge"  # nbgrader's source folder
    assert list(compiled_files._COMPILED) == ["heatmap_check.py"]
    assert compiled_files._COMPILED["heatmap_check.py"][0] == digest(source / "heatmap_check.py")


# -- the gradebook at scale: indexes, and nbgrader's export fed from one read --------------------------
@pytest.fixture
def class_gradebook(tmp_path):
    """A real nbgrader gradebook with every kind of row the export writes: a practice assignment
    and the challenge (two graded cells, a due date); graded students, a hand override, extra
    credit, a late penalty, a cell with no grade (not graded), a student who did not hand in,
    students without names (ties in nbgrader's order) and a name with a comma."""
    import datetime

    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as book:
        book.add_assignment("lessons")
        book.add_assignment("challenge", duedate=datetime.datetime(2026, 3, 1, 12))
        book.add_notebook("04_challenge", "challenge")
        for cell, points in (("matrix", 3), ("title", 1.5)):
            book.add_grade_cell(cell, "04_challenge", "challenge", max_score=points, cell_type="code")
        people = {"zoe": {}, "ann": {"last_name": "Smith, Jr.", "first_name": "Ann", "email": "a@x.org"},
                  "bob": {}, "cy": {"last_name": "Smith, Jr.", "first_name": "Cy"}, "dee": {}, "absent": {}}
        for student, name in people.items():
            book.add_student(student, **name)
        for student, when, scores in (("zoe", datetime.datetime(2026, 3, 1, 9, 30, 1, 250000), (3, 1.5)),
                                      ("ann", datetime.datetime(2026, 3, 3, 9), (2, 0.5)),
                                      ("bob", None, (0, 0)), ("cy", datetime.datetime(2026, 3, 1, 8), (3, None)),
                                      ("dee", datetime.datetime(2026, 3, 1, 8), (1.5, 1.5))):
            submission = book.add_submission("challenge", student, timestamp=when)
            for cell, score in zip(("matrix", "title"), scores):
                grade = book.find_grade(cell, "04_challenge", "challenge", student)
                grade.auto_score, grade.needs_manual_grade = score, score is None
            if student == "ann":
                submission.notebooks[0].late_submission_penalty = 1.0
        book.find_grade("matrix", "04_challenge", "challenge", "bob").manual_score = 2.5  # formgrader
        book.find_grade("title", "04_challenge", "challenge", "dee").extra_credit = 0.25
        book.add_submission("lessons", "zoe")
        book.db.commit()
    return url


def _indexed_columns(path) -> set[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {(table, db.execute(f"PRAGMA index_info('{index}')").fetchone()[2])
                for table in tables for _, index, *_ in db.execute(f"PRAGMA index_list('{table}')")}


def test_a_conversion_validates_the_notebook_once_after_its_last_preprocessor(challenge_course, monkeypatch):
    # nbconvert validates the whole notebook after every preprocessor unless told otherwise
    # (about 1.5 ms each, some 20 a submission); the adapter's converter validates it once, after
    # the last, before anything is written.
    import traceback

    import nbformat
    validations = []  # the whole notebook's, by the exporter (not reading and writing it)
    validate = nbformat.validate

    def noted(*args, **kwargs):
        if any(frame.name == "_validate_preprocessor" for frame in traceback.extract_stack()):
            validations.append(1)
        return validate(*args, **kwargs)

    monkeypatch.setattr(nbformat, "validate", noted)
    cwd = os.getcwd()
    try:
        app = nbgrader_adapter.load_app(str(challenge_course))
        steps = nbgrader_adapter.AutogradeSteps(app, "challenge", part="execute")
        submitted = Path(steps.submitted_folder("validated-once")) / "04_challenge.ipynb"
        submitted.parent.mkdir(parents=True)
        shutil.copy(challenge_course / "grading" / "release" / "challenge" / submitted.name, submitted)
        steps.converter._sanitizing = True
        steps.converter._init_preprocessors()
        resources = steps.converter.init_single_notebook_resources(str(submitted))
        steps.converter.exporter.from_filename(str(submitted), resources=resources)
    finally:
        os.chdir(cwd)
    assert len(steps.converter.exporter._preprocessors) > 5
    assert len(validations) == 1


def test_the_kit_indexes_every_foreign_key_of_nbgraders_gradebook_and_nbgrader_still_works(class_gradebook):
    import sqlite3

    from nbgrader.api import Gradebook, SubmittedAssignment
    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite

    from autograde.term.gradebook import index_gradebook, unindexed_foreign_keys

    path = class_gradebook[len("sqlite:///"):]
    missing = unindexed_foreign_keys()
    assert ("grade", "notebook_id") in missing and ("submitted_notebook", "assignment_id") in missing
    assert not set(missing) & _indexed_columns(path)  # nbgrader 0.9.6 indexes none of them itself
    assert index_gradebook(class_gradebook) is None and index_gradebook(class_gradebook) is None  # idempotent
    assert set(missing) <= _indexed_columns(path)
    # what made the export quadratic: each submission's score scanned whole tables
    score = select(SubmittedAssignment.score).where(SubmittedAssignment.student_id == "ann").compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with sqlite3.connect(path) as db:
        plan = " / ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {score}"))
    assert "SCAN" not in plan and "AUTOMATIC" not in plan, plan  # without them: SCAN submitted_notebook
    with Gradebook(class_gradebook, "course") as book:  # nbgrader reads and writes the indexed gradebook
        book.add_student("late-comer")
        book.add_submission("challenge", "late-comer")
        book.db.commit()
        assert book.find_submission("challenge", "ann").score == 2.5


def test_the_export_fed_from_one_read_is_nbgraders_own_export_byte_for_byte(class_gradebook, tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    from autograde.term.gradebook import export_csv, index_gradebook, read_class

    index_gradebook(class_gradebook)
    with Gradebook(class_gradebook, "course") as book:
        CsvExportPlugin(to=str(tmp_path / "nbgrader.csv"), assignment=["challenge"]).export(book)
        read = read_class(book, "challenge")
        export_csv(CsvExportPlugin(to=str(tmp_path / "kit.csv")), book, read)
    nbgrader_text = (tmp_path / "nbgrader.csv").read_text()
    assert (tmp_path / "kit.csv").read_text() == nbgrader_text
    rows = nbgrader_text.splitlines()
    assert len(rows) == 7 and all(row.startswith("challenge,") for row in rows[1:])  # each student, no practice
    # the cases are there: the override, extra credit, the late penalty, the one who did not hand in
    assert "challenge,2026-03-01 12:00:00,,bob,,,,2.5,0.0,2.5,4.5" in rows
    assert any(row.startswith("challenge,2026-03-01 12:00:00,2026-03-03 09:00:00,ann,Smith, Jr.,Ann,") and
               row.endswith(",2.5,1.0,1.5,4.5") for row in rows)
    assert "challenge,2026-03-01 12:00:00,,absent,,,,0.0,0.0,0.0,4.5" in rows
    assert read.grades["dee"].total == 3.25 and read.grades["ann"].total == 1.5  # the export's score
    assert read.grades["cy"].scores == {"matrix": 3.0, "title": None} and read.grades["bob"].overrides == {
        "matrix": (0.0, 2.5)}
    assert read.grades["ann"].seconds_late == 2 * 86400 - 3 * 3600 and read.grades["ann"].penalty == 1.0
    assert set(read.grades) == {"zoe", "ann", "bob", "cy", "dee"}


@pytest.mark.parametrize("metadata", [
    {"grade": True, "solution": False, "locked": True, "grade_id": "title", "points": 1, "schema_version": 3},
    {"grade": "yes", "solution": False, "locked": True, "grade_id": "title", "points": 1, "schema_version": 3},
    {"grade": True, "solution": False, "grade_id": "title", "points": 1, "schema_version": 3},
], ids=["valid", "a grade that is not true or false", "no locked"])
def test_cell_metadata_is_checked_as_nbgrader_checks_it(metadata):
    """The schema checked once per process (``_SchemaCheckedOnce``) gives jsonschema's own verdict."""
    import jsonschema
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    nbgrader_adapter._check_each_schema_once()
    validator = MetadataValidator()
    cell = nbformat.v4.new_code_cell(metadata={"nbgrader": dict(metadata)})
    try:
        jsonschema.validate(cell.metadata["nbgrader"], validator.schema)
        expected = None
    except jsonschema.ValidationError as error:
        expected = str(error)
    for _ in range(2):  # the second time, with the schema already checked
        try:
            validator.validate_cell(cell)
            found = None
        except jsonschema.ValidationError as error:
            found = str(error)
        assert found == expected
    from nbgrader.nbgraderformat import common
    assert isinstance(common.jsonschema, nbgrader_adapter._SchemaCheckedOnce)
