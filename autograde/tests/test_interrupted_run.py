"""A grading run that is interrupted (Ctrl-C) or killed leaves no student without a recorded outcome.

Real nbgrader and kernels in a throwaway course: five students whose answer cell
sleeps 3 s before the solution (so that a run is caught in the middle), graded
one at a time. Ctrl-C (SIGINT to the process group, as a terminal sends it) once
a student is graded: the notebook in hand is finished and saved, no other is
started, and the command lists every student it did not grade with the reason.
Then a run killed with SIGKILL: its journal still says who it did not reach.
Then a plain run says so and grades them. Every student must, at every point,
be either graded (an autograded notebook and grades in the gradebook) or
listed as not graded.
"""
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograde.corpus import cases, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.corpus.course_copy import copy_course
from autograde.grading.protocol import ANSWER_CELL, find_cell
from autograde.term import run_journal

pytestmark = pytest.mark.integration

STUDENTS = ["ada", "ben", "cy", "dee", "eli"]


def _journal(course):
    return run_journal.journal_path(course / "grading", "challenge")


def _autograded(course):
    return {s for s in STUDENTS
            if (course / "grading" / "autograded" / s / "challenge" / "04_challenge.ipynb").exists()}


def _graded(course):
    """Students with an autograded notebook and a grade for every criterion."""
    scores = scores_of(course)
    return {s for s in _autograded(course) if s in scores and all(v is not None for v in scores[s].values())}


def _start(course):
    return subprocess.Popen([sys.executable, "-m", "autograde", "grade", "--jobs", "1", "--no-progress",
                             "--no-feedback"], cwd=course, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _wait_for_more_graded(course, process, than: int, timeout=300):
    deadline = time.monotonic() + timeout
    while len(_autograded(course)) <= than:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no student was graded in time"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("interrupted") / "course", assignments=["challenge"])
    solution = next(case for case in cases() if case.name == "solution")
    for student in STUDENTS:
        path = write_submission(solution, submitted_path(root, student))
        notebook = nbformat.read(path, as_version=4)
        cell = find_cell(notebook, ANSWER_CELL)
        cell.source = "import time\ntime.sleep(3)\n" + cell.source
        nbformat.write(notebook, path)
    return root


@pytest.fixture(scope="module")
def ctrl_c(course):
    process = _start(course)
    _wait_for_more_graded(course, process, than=0)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


def test_ctrl_c_finishes_the_notebook_in_hand_and_lists_the_rest(course, ctrl_c):
    returncode, stdout, stderr = ctrl_c
    assert returncode == 130, stderr
    assert "Traceback" not in stdout + stderr, stderr
    assert "Stopping: the notebooks being graded now are finished and saved" in stderr
    graded = _graded(course)
    not_graded = {line.split()[2].rstrip(":") for line in stdout.splitlines() if line.strip().startswith("NOT GRADED")}
    assert graded and not_graded, stdout
    assert graded | not_graded == set(STUDENTS) and not graded & not_graded
    assert "the run was interrupted (Ctrl-C) before it was graded" in stdout
    report = (course / "grading" / "reports" / "challenge-report.md").read_text()
    section = report.split("### Not graded")[1].split("###")[0]
    assert all(f"**{student}**: the run was interrupted (Ctrl-C)" in section for student in not_graded), section
    assert run_journal.load(_journal(course))["ended_by"].startswith("the run was interrupted")


@pytest.fixture(scope="module")
def killed(course, ctrl_c):
    before = len(_autograded(course))
    process = _start(course)
    _wait_for_more_graded(course, process, than=before)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    return process.returncode


def test_a_killed_run_leaves_everyone_graded_or_listed_in_its_journal(course, killed):
    assert killed == -signal.SIGKILL
    graded = _graded(course)
    listed = run_journal.not_graded(_journal(course))
    assert listed, "the killed run should have left someone not graded"
    assert graded | set(listed) == set(STUDENTS) and not graded & set(listed), (graded, listed)
    assert all("stopped before grading it (it was killed or crashed)" in reason or "interrupted" in reason
               for reason in listed.values()), listed


def test_the_next_run_says_what_the_last_one_left_and_grades_it(course, killed):
    left = set(run_journal.not_graded(_journal(course)))
    result = subprocess.run([sys.executable, "-m", "autograde", "grade", "--no-progress"], cwd=course,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "The previous run did not finish; it left" in result.stdout, result.stdout
    assert all(student in result.stdout.split("The previous run")[1].splitlines()[0] for student in left)
    assert _graded(course) == set(STUDENTS)
    assert run_journal.not_graded(_journal(course)) == {}
    assert sum(scores_of(course)["ada"].values()) == 10
