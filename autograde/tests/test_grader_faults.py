"""A failure of the grader's own machinery is never a grade; a drawing too costly to read is the student's.

In-process (fast): the inspector's CPU budget per call (a pickle of allowed names only that
applies ``numpy.sin`` in place 300,000 times fails its own call, flagged, and the calls around
it are read); an inspector that cannot start raises :class:`GraderFault` instead of giving
readings (which would have been zeros); the run's canary holds every student's result until
the instructor's solution has passed.

End to end (marker ``integration``): the case met on a real class, two course folders sharing
one virtualenv whose editable install of the kit points at the other folder. The inspector's
sandbox then cannot import ``autograde`` ("No module named 'autograde'"); before, every student
was recorded with 0. Now both ``python -m autograde grade`` and plain ``nbgrader autograde``
stop at the canary, record nothing, say why and how to fix it, and grade everyone once fixed.
"""
import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import types

import pytest

from autograde.checker import evidence
from autograde.checker.spec import public_calls
from autograde.corpus import ANSWERS, answer_function, cases, notebook_points, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.corpus.course_copy import REPO, copy_course, nbgrader
from autograde.grading.inspector import Inspector, inspect_evidence
from autograde.grading.protocol import GraderFault
from autograde.sandbox import Sandbox
from autograde.term import run_journal
from autograde.term.worker import GradeResult, ReferenceTask, describe_failure, reference_first

NO_SANDBOX = Sandbox(enabled=False)  # the inspector as a plain child process: no lock needed


def _costly_evidence(monkeypatch) -> dict:
    """The evidence ``attack_costly_drawing`` sends, made from its own answer file."""
    monkeypatch.setitem(sys.modules, "heatmap_check", types.ModuleType("heatmap_check"))
    namespace = {}
    exec((ANSWERS / "attack_costly_drawing.py").read_text(), namespace)  # noqa: S102 - our own corpus
    return {"call": "costly", "status": "returned", "returned": "axes", "exception": None,
            "pickle": base64.b64encode(namespace["_costly_pickle"]()).decode(), "png": None}


def test_a_drawing_too_costly_to_read_fails_its_own_call_flagged(monkeypatch):
    honest = evidence.collect(answer_function("solution"), public_calls()[0])
    started = time.monotonic()
    readings = inspect_evidence([honest, _costly_evidence(monkeypatch), honest], NO_SANDBOX,
                                Inspector(cpu_seconds=1))
    assert time.monotonic() - started < 30  # the costly call alone would take minutes
    assert [reading["picture"] is not None for reading in (readings[0], readings[2])] == [True, True]
    assert readings[1]["problem"].startswith("the drawing sent back was too costly to read (more than 1 s of CPU)")
    assert readings[1]["flags"] == ["the drawing sent back for a call was too costly to read "
                                    "(more than 1 s of CPU; c.Inspector.cpu_seconds)"]


def test_an_inspector_that_cannot_start_is_a_grader_fault_not_a_reading(monkeypatch):
    honest = evidence.collect(answer_function("solution"), public_calls()[0])
    # a Python without the kit (and without matplotlib): the inspector cannot even be imported
    monkeypatch.setattr(sys, "executable", shutil.which("python3", path="/usr/bin:/bin"))
    with pytest.raises(GraderFault) as fault:
        inspect_evidence([honest], NO_SANDBOX)
    assert "could not start" in str(fault.value) and "No module named 'autograde'" in str(fault.value)
    assert describe_failure(fault.value).startswith("not graded (grader fault): the inspector")


def test_no_students_result_is_let_through_before_the_canary_passed():
    reference = ReferenceTask("challenge")
    students = [(f"student{i}",) for i in range(3)]
    results = [(students[0], GradeResult(students[0])), ((reference,), GradeResult(reference)),
               (students[1], GradeResult(students[1])), (students[2], None)]
    order = []
    for arguments, _ in reference_first(iter(results), reference):
        order.append(arguments[0])
    assert order == ["student0", "student1", "student2"]  # held, then let through, none lost
    failed = [(students[0], GradeResult(students[0])),
              ((reference,), GradeResult(reference, error="the inspector could not start"))]
    with pytest.raises(GraderFault, match="could not start"):
        list(reference_first(iter(failed), reference))  # and student0 never reaches the gradebook


# --- end to end: the virtualenv whose kit is another folder's --------------------------------------

STUDENTS = ("alice", "bob")


@pytest.fixture(scope="module")
def course_with_its_own_kit(tmp_path_factory):
    """A course folder with a copy of the kit in it (the kit this course's commands run), while the
    virtualenv's editable install points at the repository's: the inspector's sandbox, run with
    ``python -I``, finds only the latter, which it cannot see."""
    course = copy_course(tmp_path_factory.mktemp("own-kit") / "course", assignments=["challenge"])
    shutil.copytree(REPO / "autograde", course / "autograde",
                    ignore=shutil.ignore_patterns("__pycache__", "tests", "answers"))
    solution = next(case for case in cases() if case.name == "solution")
    for student in STUDENTS:
        write_submission(solution, submitted_path(course, student))
    return course


def _auto_scores(course) -> list:
    with sqlite3.connect(course / "grading" / "gradebook.db") as db:
        return db.execute("select auto_score from grade").fetchall()


@pytest.mark.integration
def test_no_module_named_autograde_stops_both_paths_and_records_no_zero(course_with_its_own_kit):
    course = course_with_its_own_kit
    env = dict(os.environ, PYTHONPATH=str(course))  # nbgrader too runs this course's kit
    plain = nbgrader(course, "autograde", "challenge", check=False, env=env)
    assert plain.returncode == 1
    assert "nbgrader autograde stopped: not graded (grader fault)" in plain.stderr, plain.stderr[-3000:]
    assert "No module named 'autograde'" in plain.stderr and "Likely cause: this virtualenv's grading kit" \
        in plain.stderr
    assert not (course / "grading" / "autograded").exists() and all(score is None for (score,) in _auto_scores(course))

    graded = subprocess.run([sys.executable, "-m", "autograde", "grade", "--no-progress"], cwd=course,
                            capture_output=True, text=True, timeout=600)
    assert graded.returncode == 1 and "Traceback" not in graded.stderr, graded.stderr
    assert graded.stderr.startswith("error: not graded (grader fault): the grader's own check failed")
    assert "No module named 'autograde'" in graded.stderr
    listed = run_journal.not_graded(run_journal.journal_path(course / "grading", "challenge"))
    assert sorted(listed) == list(STUDENTS) and all(r.startswith("not graded (grader fault)") for r in listed.values())
    report = (course / "grading" / "reports" / "challenge-report.md").read_text()
    assert all(f"**{student}**: not graded (grader fault)" in report for student in STUDENTS), report
    scores = _auto_scores(course)  # the run registered the submissions, and recorded no score
    assert scores and all(score is None for (score,) in scores), "a grader fault was recorded as a grade"

    shutil.rmtree(course / "autograde")  # fixed: the course runs the virtualenv's kit again
    fixed = subprocess.run([sys.executable, "-m", "autograde", "grade", "--no-progress"], cwd=course,
                           capture_output=True, text=True, timeout=600)
    assert fixed.returncode == 0, fixed.stderr
    full = sum(notebook_points().values())
    assert {student: sum(points.values()) for student, points in scores_of(course).items()} == {
        student: full for student in STUDENTS}


def test_after_a_drawing_that_may_have_changed_the_inspector_the_rest_is_read_by_a_fresh_one():
    """A forged pickle the C unpickler read past a refused BUILD (``Artist`` changed while it
    read) marks the inspector: it asks for a fresh one, and the submission's next calls are read
    there, as they would be by themselves (not lost as the grader's fault)."""
    from autograde.tests.test_fast_unpickle import _ON_A_CLASS, _in_front

    honest = evidence.collect(answer_function("solution"), public_calls()[0])
    forged = dict(honest, pickle=base64.b64encode(_in_front(_ON_A_CLASS)).decode())
    readings = inspect_evidence([forged, honest, honest], NO_SANDBOX)
    assert readings[0]["refused"] == "forged" and "itself while unpickling" in readings[0]["flags"][0]
    assert [(reading["refused"], reading["picture"] is not None) for reading in readings[1:]] == [(None, True)] * 2
