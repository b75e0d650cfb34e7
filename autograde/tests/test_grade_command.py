"""``python -m autograde grade`` on a handful of submissions in a throwaway course.

Real nbgrader, real kernels, the repository's ``nbgrader_config.py``: four
students from the grading corpus, three in nbgrader's submitted folder (a
correct one, a defective one, one whose code kills its kernel) and one
arriving in an LMS-style ``.zip`` next to a file whose name maps to no student.
The command must give every student the points the corpus expects, write one
feedback page per student, the CSV rows and a class report naming the
submission that failed to run; a second run must skip what is graded.
"""
import csv
import os
import subprocess
import sys
import zipfile

import pytest

from autograde.corpus import cases, notebook_points, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.course_copy import copy_course
from autograde.lms import student_for
from autograde.worker_pool import WorkerPool

pytestmark = pytest.mark.integration

ASSIGNMENT, NOTEBOOK = "challenge", "04_challenge"
CASES = {case.name: case for case in cases()}
IN_SUBMITTED = {"alice": "solution", "bob": "transposed", "carol": "os_exit_kills_kernel"}
IN_ZIP = {"dave": "title_lowercase"}
STUDENTS = {**IN_SUBMITTED, **IN_ZIP}
UNMAPPABLE = "notes (1).ipynb"


def _grade(course, *args):
    return subprocess.run([sys.executable, "-m", "autograde", "grade", *args, "--no-progress"],
                          cwd=course, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("grade-command") / "course", assignments=["challenge"])
    for student, case in IN_SUBMITTED.items():
        write_submission(CASES[case], submitted_path(root, student))
    export = root.parent / "lms-export"
    write_submission(CASES["title_lowercase"], export / f"dave_{ASSIGNMENT}.ipynb")
    write_submission(CASES["solution"], export / UNMAPPABLE)
    with zipfile.ZipFile(root.parent / "lms-export.zip", "w") as archive:
        for path in export.iterdir():
            archive.write(path, f"export/{path.name}")
    return root


@pytest.fixture(scope="module")
def first_run(course):
    return _grade(course, str(course.parent / "lms-export.zip"), "--jobs", "2")


def test_the_command_runs_cleanly(first_run):
    assert first_run.returncode == 0, first_run.stderr
    assert "Traceback" not in first_run.stdout + first_run.stderr, first_run.stderr
    assert "Graded 4," in first_run.stdout, first_run.stdout


def test_every_student_gets_the_points_the_corpus_expects(course, first_run):
    got = scores_of(course)
    assert got == {student: CASES[case].expected(notebook_points()) for student, case in STUDENTS.items()}


def test_an_unmappable_file_name_gets_a_clear_message(first_run):
    line = next((line for line in first_run.stdout.splitlines() if UNMAPPABLE in line), None)
    assert line is not None, first_run.stdout
    assert "not a usable student id" in line and "<student>.ipynb" in line


def test_one_feedback_page_per_student(course, first_run):
    pages = sorted(p.relative_to(course / "grading" / "feedback").as_posix()
                   for p in (course / "grading" / "feedback").rglob("*.html"))
    assert pages == [f"{s}/{ASSIGNMENT}/{NOTEBOOK}.html" for s in sorted(STUDENTS)]
    carol = (course / "grading" / "feedback" / "carol" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert "kernel died" in carol
    alice = (course / "grading" / "feedback" / "alice" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert "passed" in alice and "heatmap_check.require" in alice


def test_csv_has_one_row_per_student_with_the_total(course, first_run):
    with open(course / "grading" / "grades.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT]
    assert {row["student_id"]: float(row["score"]) for row in rows} == {
        student: float(sum(CASES[case].expected().values())) for student, case in STUDENTS.items()}
    assert {float(row["max_score"]) for row in rows} == {10.0}


def test_class_report_names_the_submission_that_failed_to_run(course, first_run):
    reports = course / "grading" / "reports"
    png = reports / f"{ASSIGNMENT}-report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    markdown = (reports / f"{ASSIGNMENT}-report.md").read_text()
    failed = markdown.split("## Submissions that failed to run")[1].split("##")[0]
    assert "**carol**" in failed and "kernel died" in failed
    assert not any(f"**{s}**" in failed for s in ("alice", "bob", "dave")), failed
    assert "4 submissions in the gradebook" in markdown


def test_a_second_run_skips_what_is_graded(course, first_run):
    before = scores_of(course)
    stamps = {p: p.stat().st_mtime_ns for p in (course / "grading" / "autograded").rglob("*.ipynb")}
    again = _grade(course)
    assert again.returncode == 0, again.stderr
    assert "Graded 0, already graded (skipped) 4" in again.stdout, again.stdout
    assert scores_of(course) == before
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_a_bad_submissions_argument_is_a_message_not_a_traceback(course, first_run):
    result = _grade(course, str(course / "nbgrader_config.py"))
    assert result.returncode == 1
    assert "error:" in result.stderr and "neither a folder nor a .zip" in result.stderr
    assert "Traceback" not in result.stderr


def _exit_on(word):
    """Runs in a grading worker: kills the worker process itself on "die"."""
    if word == "die":
        os._exit(3)
    return word.upper()


def test_a_dying_worker_loses_only_its_own_task(course, first_run):
    pool = WorkerPool(2)
    try:
        results = dict(pool.run(_exit_on, [("a",), ("die",), ("b",), ("c",)]))
    finally:
        pool.close()
    assert results == {("a",): "A", ("die",): None, ("b",): "B", ("c",): "C"}


@pytest.mark.parametrize("name, student", [
    ("alice.ipynb", "alice"),
    ("alice_challenge.ipynb", "alice"),
    ("alice-04_challenge.ipynb", "alice"),
    ("smithjane_12345_67890_04_challenge.ipynb", "smithjane"),
    ("smithjane_late_12345_67890_04_challenge-1.ipynb", "smithjane"),
    ("04_challenge.ipynb", None),
    ("challenge.ipynb", None),
    ("Jane Smith.ipynb", None),
])
def test_lms_file_names_map_to_students(name, student):
    assert student_for(name, ASSIGNMENT, [NOTEBOOK])[0] == student
