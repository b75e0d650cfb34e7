"""What a student hands in, on the instructor's side: files never followed, sizes bounded.

In-process, on real folders: the copy that takes regular files only
(:mod:`autograde.sandbox.files`), nbgrader's collect with it and the owner rule
(:class:`autograde.grading.exchange.SafeExchangeCollect`, real nbgrader exchange classes),
the check before nbgrader reads a submission (:mod:`autograde.grading.submission_guard`:
links removed and recorded, notebooks over the limits refused quickly and in little memory),
and the flags made of what was refused. The same attacks graded end to end, through both
grading paths and a real exchange with students of their own, are in ``test_attacks.py``
and ``test_exchange_hub.py``.
"""
import datetime
import os
import socket
import time

import nbformat
import pytest

from autograde.corpus import cases, instructor_side_cases, plant_files, write_submission
from autograde.grading import refusals
from autograde.grading.exchange import SafeExchangeCollect, owner_name
from autograde.grading.preprocessors import FlagRefusedFiles
from autograde.grading.protocol import flags_of
from autograde.grading.submission_guard import (SubmissionLimits, SubmissionRefused, check_notebook,
                                                guard_submission)
from autograde.sandbox.files import copy_regular_files

CASES = {case.name: case for case in instructor_side_cases()}
SOLUTION = next(case for case in cases() if case.name == "solution")


def _plant_everything(folder, outside):
    """A folder holding one of every entry a copy must refuse, next to regular files."""
    (folder / "sub").mkdir(parents=True)
    (folder / "answer.txt").write_text("mine")
    (folder / "sub" / "notes.md").write_text("mine too")
    (outside / "secret.db").write_text("the gradebook")
    (outside / "folder").mkdir()
    (outside / "folder" / "theirs.txt").write_text("a classmate's")
    os.symlink(outside / "secret.db", folder / "gradebook.txt")
    os.symlink(outside / "folder", folder / "sub" / "class")
    os.link(outside / "secret.db", folder / "grades.db")
    os.mkfifo(folder / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sub" / "socket"))
    server.close()


def test_a_copy_takes_regular_files_and_names_every_other_entry(tmp_path):
    source, outside = tmp_path / "submission", tmp_path / "outside"
    outside.mkdir()
    _plant_everything(source, outside)
    refused = copy_regular_files(source, tmp_path / "copy")
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["answer.txt", "sub", "sub/notes.md"]
    assert sorted(refused) == sorted([
        "'grades.db' is a hard link (one of 2 names of one file)",
        f"'gradebook.txt' is a symbolic link to '{outside / 'secret.db'}'",
        "'pipe' is a FIFO (named pipe)",
        f"'sub/class' is a symbolic link to '{outside / 'folder'}'",
        "'sub/socket' is a socket"])
    with pytest.raises(OSError):  # the folder itself must not be a link
        copy_regular_files(source / "sub" / "class", tmp_path / "copy2")


def test_a_name_with_control_characters_is_named_without_them(tmp_path):
    (tmp_path / "s").mkdir()
    os.symlink("/etc/passwd", tmp_path / "s" / "\x1b[2Kx\rnotes")
    refused = copy_regular_files(tmp_path / "s", tmp_path / "c")
    assert refused == ["'\\x1b[2Kx\\rnotes' is a symbolic link to '/etc/passwd'"]
    assert all(text.isprintable() for text in refused)


def test_the_check_before_grading_removes_what_it_must_not_follow_and_records_it(tmp_path):
    folder = tmp_path / "submitted" / "bob" / "challenge"
    outside = tmp_path / "outside"
    outside.mkdir()
    _plant_everything(folder, outside)
    notebook = write_submission(CASES["attack_links_gradebook"], folder / "04_challenge.ipynb")
    assert guard_submission(str(folder), [str(notebook)], SubmissionLimits()) is None
    left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    assert left == ["04_challenge.ipynb", "answer.txt", "sub", "sub/notes.md"]
    assert (outside / "secret.db").read_text() == "the gradebook"  # only the extra name went
    assert len(refusals.reasons(folder)) == 5
    assert all(reason.startswith("removed before grading: ") for reason in refusals.reasons(folder))
    # the sanitize step flags each of them in the student's notebook
    nb = nbformat.read(notebook, as_version=4)
    FlagRefusedFiles().preprocess(nb, {"metadata": {"path": str(folder)}})
    assert flags_of(nb) == refusals.reasons(folder)


@pytest.mark.parametrize("planted, words", [("04_challenge.ipynb", "is a symbolic link"),
                                            ("folder", "was a symbolic link")])
def test_a_notebook_or_folder_that_is_a_link_is_refused_unread(tmp_path, planted, words):
    classmate = write_submission(SOLUTION,
                                 tmp_path / "submitted" / "alice" / "challenge" / "04_challenge.ipynb")
    folder = tmp_path / "submitted" / "bob" / "challenge"
    folder.parent.mkdir(parents=True)
    if planted == "folder":
        os.symlink(classmate.parent, folder)
    else:
        folder.mkdir()
        plant_files(CASES["attack_notebook_is_a_link"], folder / "04_challenge.ipynb", {"classmate": classmate})
    refused = guard_submission(str(folder), [str(folder / "04_challenge.ipynb")], SubmissionLimits())
    assert words in refused and refused.endswith("ask the student to hand in their notebook again")
    assert classmate.exists() and not os.path.islink(folder)


def test_a_notebook_of_100000_cells_is_refused_in_a_second(tmp_path):
    """nbgrader took 216 s and 1.4 GB to read it; the check reads its bytes once and parses nothing
    (the grader's memory on it is measured end to end in ``test_attacks.py``)."""
    path = write_submission(CASES["attack_huge_notebook"], tmp_path / "04_challenge.ipynb")
    assert path.stat().st_size > 6 * 2**20
    started = time.process_time()
    with pytest.raises(SubmissionRefused) as refused:
        check_notebook(str(path), SubmissionLimits())
    seconds = time.process_time() - started
    assert "JSON values" in str(refused.value) and "hand in their notebook again" in str(refused.value)
    assert seconds < 3, seconds
    with pytest.raises(SubmissionRefused, match="0,01[0-9] cells, more than"):  # with a higher values limit
        check_notebook(str(path), SubmissionLimits(max_json_values=10**7))
    with pytest.raises(SubmissionRefused, match="max_notebook_mb = 5"):
        check_notebook(str(path), SubmissionLimits(max_notebook_mb=5))


def test_an_honest_notebook_is_well_inside_every_limit(tmp_path):
    path = write_submission(SOLUTION, tmp_path / "nb.ipynb")
    check_notebook(str(path), SubmissionLimits(max_cells=20, max_json_values=2_000, max_notebook_mb=1))


def _inbound(exchange, name, minutes_ago=0, answer="mine"):
    stamp = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago))
    folder = exchange / "course" / "inbound" / f"{name}+challenge+{stamp.strftime('%Y-%m-%d %H:%M:%S.%f %Z')}+x{minutes_ago}"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    (folder / "04_challenge.ipynb").write_text(answer)
    return folder


def _collect(tmp_path, require_owner):
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(root=str(tmp_path / "course"), course_id="course", assignment_id="challenge",
                                db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    collect = SafeExchangeCollect(coursedir=coursedir, root=str(tmp_path / "exchange"), require_owner=require_owner)
    collect.start()
    return tmp_path / "course" / "submitted"


def test_collect_takes_a_students_own_newest_folder_and_only_its_regular_files(tmp_path):
    me = owner_name(os.geteuid())
    exchange = tmp_path / "exchange"
    _inbound(exchange, me, minutes_ago=10, answer="older")
    newest = _inbound(exchange, me, minutes_ago=1, answer="newest")
    (tmp_path / "secret.db").write_text("the gradebook")
    os.symlink(tmp_path / "secret.db", newest / "gradebook.txt")
    os.mkfifo(newest / "pipe")
    # a folder under another student's name with a later time, made by this user ("me")
    _inbound(exchange, "alice", minutes_ago=0, answer="blank, planted")
    submitted = _collect(tmp_path, "always")
    assert (submitted / me / "challenge" / "04_challenge.ipynb").read_text() == "newest"
    assert sorted(p.name for p in (submitted / me / "challenge").iterdir()) == ["04_challenge.ipynb", "timestamp.txt"]
    assert not (submitted / "alice" / "challenge").exists(), "a folder planted under alice's name was collected"
    reasons = refusals.reasons(submitted / me / "challenge")
    assert any("'gradebook.txt' is a symbolic link" in r for r in reasons), reasons
    assert any("'pipe' is a FIFO" in r for r in reasons), reasons
    assert any(f"claims to be 'alice''s but belongs to '{me}'" in r for r in reasons), reasons


def test_collect_in_auto_mode_takes_folders_the_collector_owns(tmp_path):
    """A course where students have no accounts of their own: the instructor's folders are taken."""
    _inbound(tmp_path / "exchange", "alice", answer="alice's")
    submitted = _collect(tmp_path, "auto")
    assert (submitted / "alice" / "challenge" / "04_challenge.ipynb").read_text() == "alice's"
    assert refusals.reasons(submitted / "alice" / "challenge") == []


@pytest.mark.integration
def test_formgraders_autograde_button_guards_the_submission_too(tmp_path):
    """Formgrader grades through nbgrader's API, in the notebook server: the course's hook runs there too."""
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    from autograde.corpus.course import scores_of, submitted_path
    from autograde.corpus.course_copy import copy_course
    from autograde.grading.nbgrader_adapter import course_directory

    course = copy_course(tmp_path / "course", assignments=["challenge"])
    notebook = write_submission(SOLUTION, submitted_path(course, "bob"))
    os.symlink(course / "grading" / "gradebook.db", notebook.parent / "gradebook.txt")
    cwd = os.getcwd()
    os.chdir(course)
    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        result = NbGraderAPI(coursedir=course_directory(course), config=config).autograde("challenge", "bob")
    finally:
        os.chdir(cwd)
    assert result["success"], result.get("error")
    assert not os.path.lexists(notebook.parent / "gradebook.txt")
    assert not (course / "grading" / "autograded" / "bob" / "challenge" / "gradebook.txt").exists()
    flags = flags_of(nbformat.read(course / "grading" / "autograded" / "bob" / "challenge" / "04_challenge.ipynb", 4))
    assert any("removed before grading: 'gradebook.txt' is a symbolic link" in flag for flag in flags), flags
    assert sum(scores_of(course)["bob"].values()) == sum(SOLUTION.expected().values())
