"""``python -m autograde grade`` through an instructor's term, on a handful of students.

Real nbgrader, real kernels, the repository's ``nbgrader_config.py`` (with the
cell time limit lowered to 20 s, so that a time-limit hit costs seconds), in a
throwaway course copy. The class, from the grading corpus:

* in nbgrader's submitted folder: alice (the solution), bob (a transposed
  matrix), carol (kills her kernel), erin (a syntax error in the answer cell)
  and frank (the solution behind a cell that sleeps past the time limit);
* in a Canvas export (.zip): dave twice, with his Canvas user id (an older file
  with a lowercase title and a newer solution), and a file that names no student.

Each trap of issue 13 is reproduced and shown fixed, in the order of a term:
grade the export (duplicates, skipped files, a time-limit hit, the syntax error
said once, feedback without paths or hidden source, the Canvas CSV read back),
grade again (nothing to do), regrade one student with ``--student``, a grader
change and a points change followed by a plain ``grade``.
"""
import csv
import os
import re
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograde.corpus import cases, notebook_points, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.corpus.course_copy import REPO, copy_course, nbgrader
from autograde.grading.fingerprint import FINGERPRINT_KEY
from autograde.grading.protocol import ANSWER_CELL, METADATA_KEY, find_cell
from autograde.term.lms import CANVAS_COLUMNS
from autograde.term.worker_pool import WorkerPool

pytestmark = pytest.mark.integration

ASSIGNMENT, NOTEBOOK = "challenge", "04_challenge"
CASES = {case.name: case for case in cases()}
IN_SUBMITTED = {"alice": "solution", "bob": "transposed", "carol": "os_exit_kills_kernel", "erin": "solution",
                "frank": "solution"}
SCORED_AS = {**IN_SUBMITTED, "dave": "solution", "erin": "blank", "frank": "blank"}
DAVE_OLD, DAVE_NEW = "dave_4242_1001_04_challenge.ipynb", "dave_4242_1002_04_challenge.ipynb"
UNMAPPABLE = "notes (1).ipynb"
TIME_LIMIT = 20


def _grade(course, *args):
    return subprocess.run([sys.executable, "-m", "autograde", "grade", *args, "--no-progress"],
                          cwd=course, capture_output=True, text=True, timeout=900)


def _autograded(course, student):
    return course / "grading" / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def _feedback(course, student):
    return (course / "grading" / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _answer(path, change):
    notebook = nbformat.read(path, as_version=4)
    cell = find_cell(notebook, ANSWER_CELL)
    cell.source = change(cell.source)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    config = (REPO / "nbgrader_config.py").read_text() + (
        f"\nc.Execute.timeout = {TIME_LIMIT}\nc.ExecutePreprocessor.timeout = {TIME_LIMIT}\n")
    root = copy_course(tmp_path_factory.mktemp("grade-command") / "course", assignments=["challenge"],
                       config_text=config)
    for student, case in IN_SUBMITTED.items():
        write_submission(CASES[case], submitted_path(root, student))
    _answer(submitted_path(root, "erin"), lambda source: source.replace("    return ax", "    return ax)", 1))
    _answer(submitted_path(root, "frank"), lambda source: "import time\ntime.sleep(600)\n" + source)
    export = root.parent / "lms-export"
    write_submission(CASES["title_lowercase"], export / DAVE_OLD)
    write_submission(CASES["solution"], export / DAVE_NEW)
    write_submission(CASES["solution"], export / UNMAPPABLE)
    with zipfile.ZipFile(root.parent / "lms-export.zip", "w") as archive:
        for name, when in [(DAVE_OLD, (2026, 3, 1, 9, 0, 0)), (DAVE_NEW, (2026, 3, 2, 9, 0, 0)),
                           (UNMAPPABLE, (2026, 3, 1, 9, 0, 0))]:
            archive.writestr(zipfile.ZipInfo(f"export/{name}", when), (export / name).read_bytes())
    return root


@pytest.fixture(scope="module")
def first_run(course):
    return _grade(course, str(course.parent / "lms-export.zip"), "--jobs", "2", "--lms-column", "Challenge (77)")


# -- the first run: an LMS export, every student accounted for ------------------------------------
def test_the_command_runs_cleanly_and_accounts_for_everyone(first_run):
    assert first_run.returncode == 0, first_run.stderr
    assert "Traceback" not in first_run.stdout + first_run.stderr, first_run.stderr
    assert "Graded 6, already graded (skipped) 0, not graded 0" in first_run.stdout, first_run.stdout
    assert ("Every student accounted for: 6 students, 6 graded, 0 not graded; 2 failed to run (not graded, "
            "or stopped early by a time limit, a sandbox limit or a dead kernel: 2); 0 flagged; 1 LMS file "
            "not used") in first_run.stdout


def test_every_student_gets_the_points_the_corpus_expects(course, first_run):
    assert scores_of(course) == {student: CASES[case].expected(notebook_points())
                                 for student, case in SCORED_AS.items()}


def test_two_files_of_one_student_the_newest_is_graded_and_said(course, first_run):
    line = next(line for line in first_run.stdout.splitlines() if line.strip().startswith("dave sent"))
    assert f"graded the newest, {DAVE_NEW} (2026-03-02 09:00:00), by the file time stored in the .zip" in line
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    assert f"**dave** sent 2 files ({DAVE_OLD}, {DAVE_NEW}); graded the newest, {DAVE_NEW}" in report


def test_a_file_without_a_student_is_listed_with_the_reason_and_the_fix(course, first_run):
    line = next(line for line in first_run.stdout.splitlines() if UNMAPPABLE in line)
    assert "not a usable student id" in line and "<student>.ipynb" in line
    unused = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text().split(
        "### Files of the LMS export that were not used")[1].split("##")[0]
    assert f"`{UNMAPPABLE}`: 'notes (1)' is not a usable student id" in unused and "*Fix:* rename" in unused


def test_a_time_limit_hit_and_a_dead_kernel_count_as_failed_to_run(course, first_run):
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    assert "2 failed to run (not graded, or stopped early by a time limit, a sandbox limit or a dead kernel: 2)" in report
    limits = report.split("### Stopped early: a time or sandbox limit, or a dead kernel")[1].split("###")[0]
    assert "- **frank** (0 points): a cell ran past the time limit (in answer_plot_attention_heatmap)" in limits
    assert "- **carol** (0 points): the kernel died (in answer_plot_attention_heatmap)" in limits
    assert not any(f"**{s}**" in limits for s in ("alice", "bob", "dave", "erin")), limits


def test_the_class_report_says_what_the_class_got_wrong(course, first_run):
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    matrix = next(line for line in report.splitlines() if line.startswith("| matrix |"))
    # bob (transposed), carol, erin and frank lost the matrix's points; alice and dave did not
    assert "| 4 of 6 |" in matrix, matrix
    title = next(line for line in report.splitlines() if line.startswith("| title |"))
    assert "| 3 of 6 |" in title and "(1 student)" in title, title
    png = course / "grading" / "reports" / f"{ASSIGNMENT}-report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_the_syntax_error_is_said_once_at_its_line(course, first_run):
    page = _feedback(course, "erin")
    text = re.sub(r"<[^>]+>", "", page)
    assert text.count("SyntaxError") >= 1 and "line 14" in text
    assert "NameError" not in text and "NoneType" not in text
    assert "did not run to its end (a SyntaxError stopped it, shown under the cell at its line)" in text
    notebook = nbformat.read(_autograded(course, "erin"), as_version=4)
    assert notebook.metadata[METADATA_KEY]["points"] == {c: 0.0 for c in notebook_points()}


def test_feedback_names_the_criteria_and_shows_no_paths_tracebacks_or_hidden_source(course, first_run):
    pages = sorted(p.relative_to(course / "grading" / "feedback").as_posix()
                   for p in (course / "grading" / "feedback").rglob("*.html"))
    assert pages == [f"{s}/{ASSIGNMENT}/{NOTEBOOK}.html" for s in sorted(SCORED_AS)]
    for student in SCORED_AS:
        page = _feedback(course, student)
        assert str(course) not in page and str(REPO) not in page and sys.prefix not in page, student
        assert "site-packages" not in page and "/tmp/" not in page, student
        assert "record_evidence" not in page and "HIDDEN TESTS" not in page and "hidden_inputs" not in page
        assert "Test cell" not in page
        assert '>the title "Attention Heatmap"</a>' in page, student  # the score summary names each criterion
    assert "kernel died" in _feedback(course, "carol")
    alice = re.sub(r"<[^>]+>", "", _feedback(course, "alice"))
    assert "title: 1 of 1 point" in alice and "called with an ax of ours (attention as a NumPy array): passed" in alice


def test_nbgrader_export_and_the_canvas_csv_have_only_the_challenge(course, first_run):
    expected = {student: float(sum(CASES[case].expected().values())) for student, case in SCORED_AS.items()}
    rows = _rows(course / "grading" / "grades.csv")
    assert {row["assignment"] for row in rows} == {ASSIGNMENT}
    assert {row["student_id"]: float(row["score"]) for row in rows} == expected
    canvas = _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")
    assert list(canvas[0]) == [*CANVAS_COLUMNS, "Challenge (77)"]
    assert canvas[0]["Student"].strip() == "Points Possible" and canvas[0]["Challenge (77)"] == "10"
    students = {row["Student"]: row for row in canvas[1:]}
    assert {name: float(row["Challenge (77)"]) for name, row in students.items()} == expected
    assert students["dave"]["ID"] == "4242" and students["alice"]["ID"] == ""


def test_no_checksum_warnings_in_the_log(course, first_run):
    log = (course / "grading" / "reports" / f"{ASSIGNMENT}-grading.log").read_text()
    assert "checksum" not in log.lower()
    assert "carol" in log  # the log is the one written by this run


# -- later runs ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def second_run(course, first_run):
    stamps = {p: p.stat().st_mtime_ns for p in (course / "grading" / "autograded").rglob("*.ipynb")}
    return _grade(course), stamps


def test_a_second_run_grades_nothing_and_touches_nothing(course, second_run):
    again, stamps = second_run
    assert again.returncode == 0, again.stderr
    assert "Graded 0, already graded (skipped) 6" in again.stdout, again.stdout
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


@pytest.fixture(scope="module")
def student_run(course, second_run):
    write_submission(CASES["solution"], submitted_path(course, "bob"))  # bob's fixed file, put in by hand
    others = {s: _autograded(course, s).stat().st_mtime_ns for s in SCORED_AS if s != "bob"}
    return _grade(course, "--student", "bob"), others


def test_student_regrades_only_that_student_and_updates_the_files(course, student_run):
    result, others = student_run
    assert result.returncode == 0, result.stderr
    assert "Chosen with --student: bob" in result.stdout and "Graded 1," in result.stdout, result.stdout
    assert {s: _autograded(course, s).stat().st_mtime_ns for s in others} == others
    assert sum(scores_of(course)["bob"].values()) == 10
    assert next(r for r in _rows(course / "grading" / "grades.csv") if r["student_id"] == "bob")["score"] == "10.0"
    canvas = {row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")}
    assert canvas["bob"][ASSIGNMENT] == "10"


def test_an_unknown_student_is_a_message_with_a_suggestion(course, student_run):
    result = _grade(course, "--student", "bobb")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no submission for 'bobb'" in result.stderr and "did you mean bob?" in result.stderr


@pytest.fixture(scope="module")
def grader_change(course, student_run):
    path = _autograded(course, "alice")
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata[METADATA_KEY][FINGERPRINT_KEY] = "0" * 16  # as if graded by an older grader
    nbformat.write(notebook, path)
    return _grade(course)


def test_a_grader_change_regrades_whoever_it_graded(grader_change):
    assert grader_change.returncode == 0, grader_change.stderr
    assert "Regraded 1 student whose grade was out of date:" in grader_change.stdout
    assert "alice: graded by another version of the grading code" in grader_change.stdout
    assert "Graded 1, already graded (skipped) 5" in grader_change.stdout, grader_change.stdout


@pytest.fixture(scope="module")
def points_change(course, grader_change):
    source = course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = nbformat.read(source, as_version=4)
    find_cell(notebook, "title").metadata["nbgrader"]["points"] = 2
    nbformat.write(notebook, source)
    refused = _grade(course)
    build = subprocess.run([sys.executable, "-m", "autograde", "build"], cwd=course, capture_output=True, text=True)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force",
             "--CourseDirectory.release_directory=grading/release")
    return refused, build, _grade(course)


def test_grading_refuses_points_that_were_not_generated(points_change):
    refused, _, _ = points_change
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "title: 2 in solutions/challenge, 1 in the gradebook" in refused.stderr
    assert "Run ./course generate first" in refused.stderr


def test_after_a_points_change_plain_grade_regrades_and_totals_are_right(course, points_change):
    _, build, regrade = points_change
    assert "wrote the points into solutions/challenge/04_challenge.ipynb" in build.stdout, build.stderr
    assert regrade.returncode == 0, regrade.stderr
    assert "Regraded 6 students whose grade was out of date:" in regrade.stdout, regrade.stdout
    assert "alice: graded with other points (title 1 -> 2)" in regrade.stdout
    points = {**notebook_points(), "title": 2.0}
    expected = {s: CASES["solution" if s == "bob" else case].expected(points) for s, case in SCORED_AS.items()}
    assert scores_of(course) == expected
    rows = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    assert rows["alice"]["score"] == "11.0" and {row["max_score"] for row in rows.values()} == {"11.0"}
    canvas = _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")
    assert canvas[0][ASSIGNMENT] == "11"
    released = nbformat.read(course / "grading" / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    assert find_cell(released, "title").source.startswith("# Graded (2 points)")
    assert "| **total** | **11** |" in released.cells[0].source
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    assert next(line for line in report.splitlines() if line.startswith("| title |")).startswith("| title | 2 |")


def test_a_points_change_flags_nobody(course, points_change):
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    assert "0 flagged for review" in report


@pytest.fixture(scope="module")
def failed_regrade(course, points_change):
    # bob, graded before, hands in a file that is not a notebook: his old grade stays in the
    # gradebook, but this run could not grade him
    submitted_path(course, "bob").write_text("{ not a notebook")
    return _grade(course, "--student", "bob")


def test_a_student_this_run_could_not_grade_is_not_graded_in_the_report_and_the_lms_file(course, failed_regrade):
    assert "bob" in failed_regrade.stdout and "not a readable notebook" in failed_regrade.stdout, failed_regrade.stdout
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    not_graded = report.split("### Not graded", 1)[1].split("###", 1)[0]
    assert "- **bob**: the file is not a readable notebook" in not_graded
    canvas = {row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")}
    assert canvas["bob"][ASSIGNMENT] == "" and canvas["alice"][ASSIGNMENT] == "11"


# -- quick checks -------------------------------------------------------------------------------------
def test_a_bad_submissions_argument_is_a_message_not_a_traceback(course, first_run):
    result = _grade(course, str(course / "nbgrader_config.py"))
    assert result.returncode == 1
    assert "error:" in result.stderr and "neither a folder nor a .zip" in result.stderr
    assert "Traceback" not in result.stderr


def test_grade_help_documents_student_and_says_where_the_files_go():
    result = subprocess.run([sys.executable, "-m", "autograde", "grade", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--student NAME" in text and "repeat it for several" in text
    assert "grading/<assignment>-canvas.csv" in text
    assert "--reports REPORTS folder for the class report" in text and "c.ExportPlugin.to (grading/grades.csv)" in text


def _exit_on(word):
    """Runs in a grading worker: kills the worker process itself on "die"."""
    if word == "die":
        os._exit(3)
    return word.upper()


def test_a_dying_worker_loses_only_its_own_task():
    pool = WorkerPool(2)
    try:
        results = dict(pool.run(_exit_on, [("a",), ("die",), ("b",), ("c",)]))
    finally:
        pool.close()
    assert results == {("a",): "A", ("die",): None, ("b",): "B", ("c",): "C"}
