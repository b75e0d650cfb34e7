"""``python -m autograde grade`` through an instructor's term, on a handful of students.

Real nbgrader, real kernels, the repository's ``nbgrader_config.py`` (with the
cell time limit lowered to 20 s, so that a time-limit hit costs seconds), in a
throwaway course copy. The class, from the grading corpus:

* in nbgrader's submitted folder: alice (the solution), bob (a transposed
  matrix), carol (kills her kernel), erin (a syntax error in the answer cell)
  and frank (the solution behind a cell that sleeps past the time limit);
* in a Canvas export (.zip): dave twice, with his Canvas user id (an older file
  with a lowercase title and a newer solution), two students called Jane Smith (one
  of them late, with a penalty of 1 point per day begun), a file that names no
  student, and files whose names attack the instructor's terminal (``\r\x1b[2K``),
  the report's Markdown (``<img onerror>``, a heading) and its PNG (mathtext).

Each trap of issue 13 is reproduced and shown fixed, in the order of a term:
grade the export (duplicates, skipped files, a time-limit hit, the syntax error
said once, feedback without paths or hidden source, the Canvas CSV read back),
grade again (nothing to do), regrade one student with ``--student``, a grader
change and a points change followed by a plain ``grade``. Then issue 21's: a hand
override kept through ``--student``, a run with Canvas's roster, a file that is not
a notebook on both paths (``grade`` and plain ``nbgrader autograde``), the late
penalty, and the feedback zip for Canvas read back.
"""
import csv
import os
import re
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

from autograde.corpus import cases, notebook_points, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.corpus.course_copy import REPO, copy_course, nbgrader
from autograde.grading.fingerprint import FINGERPRINT_KEY
from autograde.grading.protocol import ANSWER_CELL, METADATA_KEY, find_cell
from autograde.term.lms import CANVAS_COLUMNS
from autograde.term.text import markdown
from autograde.term.worker_pool import WorkerPool

pytestmark = pytest.mark.integration

ASSIGNMENT, NOTEBOOK = "challenge", "04_challenge"
CASES = {case.name: case for case in cases()}
IN_SUBMITTED = {"alice": "solution", "bob": "transposed", "carol": "os_exit_kills_kernel", "erin": "solution",
                "frank": "solution"}
SCORED_AS = {**IN_SUBMITTED, "dave": "solution", "erin": "blank", "frank": "blank", "smithjane-5551": "solution",
             "smithjane-5552": "solution"}
DAVE_OLD, DAVE_NEW = "dave_4242_1001_04_challenge.ipynb", "dave_4242_1002_04_challenge.ipynb"
# two Canvas students with one name; the second handed in 25 hours after the due date: 2 days begun
JANE, LATE_JANE = "smithjane_5551_2001_04_challenge.ipynb", "smithjane_late_5552_2002_04_challenge.ipynb"
DUE, PENALTY = "2026-03-02 12:00:00 UTC", {"smithjane-5552": 2.0}
UNMAPPABLE = "notes (1).ipynb"
ATTACKS = ["x\r\x1b[2K\x1b[8mNOT GRADED nobody\n.ipynb", "<img src=x onerror=alert(1)># Heading.ipynb",
           "$a^^b$ notes.ipynb"]
TIME_LIMIT = 20
LMS_COLUMN = "Challenge (77)"


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


def _report(course):
    return (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()


def _section(course, title):
    return _report(course).split(f"### {title}", 1)[1].split("###", 1)[0]


def _expected_totals(points=None):
    return {student: float(sum(CASES[case].expected(points).values())) - PENALTY.get(student, 0.0)
            for student, case in SCORED_AS.items()}


def _answer(path, change):
    notebook = nbformat.read(path, as_version=4)
    cell = find_cell(notebook, ANSWER_CELL)
    cell.source = change(cell.source)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    config = (REPO / "nbgrader_config.py").read_text() + (
        f"\nc.Execute.timeout = {TIME_LIMIT}\nc.ExecutePreprocessor.timeout = {TIME_LIMIT}\n"
        "c.LatePenalty.points_per_day = 1\n")
    root = copy_course(tmp_path_factory.mktemp("grade-command") / "course", assignments=["challenge"],
                       config_text=config)
    nbgrader(root, "db", "assignment", "add", ASSIGNMENT, "--duedate", DUE)
    for student, case in IN_SUBMITTED.items():
        write_submission(CASES[case], submitted_path(root, student))
    _answer(submitted_path(root, "erin"), lambda source: source.replace("    return ax", "    return ax)", 1))
    _answer(submitted_path(root, "frank"), lambda source: "import time\ntime.sleep(600)\n" + source)
    export = root.parent / "lms-export"
    write_submission(CASES["title_lowercase"], export / DAVE_OLD)
    write_submission(CASES["solution"], export / DAVE_NEW)
    for name in (JANE, LATE_JANE, UNMAPPABLE, *ATTACKS):
        write_submission(CASES["solution"], export / "solution.ipynb")
        (export / "solution.ipynb").rename(export / name)
    with zipfile.ZipFile(root.parent / "lms-export.zip", "w") as archive:
        for name, when in [(DAVE_OLD, (2026, 3, 1, 9, 0, 0)), (DAVE_NEW, (2026, 3, 2, 9, 0, 0)),
                           (JANE, (2026, 3, 1, 9, 0, 0)), (LATE_JANE, (2026, 3, 3, 13, 0, 0)),
                           *((name, (2026, 3, 1, 9, 0, 0)) for name in (UNMAPPABLE, *ATTACKS))]:
            archive.writestr(zipfile.ZipInfo(f"export/{name}", when), (export / name).read_bytes())
    return root


@pytest.fixture(scope="module")
def first_run(course):
    started = time.time() - 1
    result = _grade(course, str(course.parent / "lms-export.zip"), "--jobs", "2", "--lms-column", LMS_COLUMN)
    result.started = started
    return result


# -- the first run: an LMS export, every student accounted for ------------------------------------
def test_the_command_runs_cleanly_and_accounts_for_everyone(first_run):
    assert first_run.returncode == 0, first_run.stderr
    assert "Traceback" not in first_run.stdout + first_run.stderr, first_run.stderr
    assert "This run: graded 8, left 0 already graded, could not grade 0" in first_run.stdout, first_run.stdout
    # one line per status, adding up to the class
    assert ("The class: 8 students\n     6 graded\n     2 graded, stopped early: carol, frank\n"
            "     0 not graded\n     0 did not hand in\n") in first_run.stdout, first_run.stdout
    assert "LMS files not used: 4" in first_run.stdout


def test_grade_indexes_the_gradebooks_foreign_keys(course, first_run):
    import sqlite3

    from autograde.term.gradebook import INDEX_PREFIX, unindexed_foreign_keys

    with sqlite3.connect(course / "grading" / "gradebook.db") as db:
        names = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {f"{INDEX_PREFIX}{table}_{column}" for table, column in unindexed_foreign_keys()} <= names


def test_student_names_are_data_on_the_terminal_in_the_report_and_its_picture(course, first_run):
    # names holding a carriage return and escape codes cannot erase or hide a line of the summary
    assert all(line.isprintable() for line in first_run.stdout.splitlines()), first_run.stdout
    assert "\x1b" not in first_run.stdout + first_run.stderr
    not_used = [line for line in first_run.stdout.splitlines() if line.startswith("  not used: ")]
    assert len(not_used) == 4 and any("NOT GRADED nobody" in line for line in not_used)
    report = _report(course)
    assert "<img" not in report and "&lt;img src=x onerror=alert(1)&gt;\\# Heading.ipynb" in report
    assert "\n# Heading" not in report and "$a^^b$ notes.ipynb" in report  # mathtext is text in the PNG too
    png = course / "grading" / "reports" / f"{ASSIGNMENT}-report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_mtime >= first_run.started


def test_two_canvas_students_with_one_name_are_two_students(course, first_run):
    canvas = {row["ID"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")[1:]}
    assert canvas["5551"]["Student"] == "smithjane-5551" and canvas["5552"]["Student"] == "smithjane-5552"
    assert float(canvas["5551"][LMS_COLUMN]) == 10 and float(canvas["5552"][LMS_COLUMN]) == 8


def test_every_student_gets_the_points_the_corpus_expects(course, first_run):
    assert scores_of(course) == {student: CASES[case].expected(notebook_points())
                                 for student, case in SCORED_AS.items()}


def test_two_files_of_one_student_the_newest_is_graded_and_said(course, first_run):
    line = next(line for line in first_run.stdout.splitlines() if line.strip().startswith("dave sent"))
    assert f"graded the newest, {DAVE_NEW} (2026-03-02 09:00:00), by the file time stored in the .zip" in line
    sent = markdown(f"2 files ({DAVE_OLD}, {DAVE_NEW}); graded the newest, {DAVE_NEW}")
    assert f"**dave** sent {sent}" in _report(course)


def test_a_file_without_a_student_is_listed_with_the_reason_and_the_fix(course, first_run):
    line = next(line for line in first_run.stdout.splitlines() if UNMAPPABLE in line)
    assert "not a usable student id" in line and "<student>.ipynb" in line
    unused = _section(course, "Files of the LMS export that were not used")
    assert f"- {UNMAPPABLE}: 'notes (1)' is not a usable student id" in unused and "*Fix:* rename" in unused


def test_a_time_limit_hit_and_a_dead_kernel_count_as_failed_to_run(course, first_run):
    assert "- graded, stopped early: 2 (carol, frank)" in _report(course)
    limits = _section(course, "Stopped early: a time or sandbox limit, or a dead kernel")
    where = markdown("(in answer_plot_attention_heatmap)")
    assert f"- **frank** (0 points): a cell ran past the time limit {where}" in limits
    assert f"- **carol** (0 points): the kernel died {where}" in limits
    assert not any(f"**{s}**" in limits for s in ("alice", "bob", "dave", "erin")), limits
    assert all(f"- **{s}**" in _section(course, "0 points") for s in ("carol", "erin", "frank"))  # to look at


def test_the_report_has_a_row_for_every_student(course, first_run):
    table = _report(course).split("## Every student", 1)[1].split("##", 1)[0]
    rows = {line.split("|")[1].strip(" *").replace("\\", ""): line for line in table.splitlines()[4:] if line}
    assert set(rows) == set(SCORED_AS), rows
    assert rows["bob"].startswith("| **bob** | 1 | 0 | 2 | 2 | 1 | 1 | 7 | graded |"), rows["bob"]
    assert "| 8 | graded |" in rows["smithjane-5552"] and "penalty 2" in rows["smithjane-5552"]


def test_late_work_costs_its_penalty_in_the_files_the_report_and_the_feedback(course, first_run):
    grades = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    assert grades["smithjane-5552"]["late_submission_penalty"] == "2.0" and grades["smithjane-5552"]["score"] == "8.0"
    assert grades["dave"]["late_submission_penalty"] == "0.0"  # on time: 3 hours before the due date
    late = _section(course, "Late")
    assert "submitted 2026-03-03 13:00 UTC, 25.0 h late, penalty 2" in late and "dave" not in late
    assert "Late submission penalty (Score: -2.0)" in _feedback(course, "smithjane-5552")


def test_the_feedback_zip_for_canvas_reads_back(course, first_run):
    with zipfile.ZipFile(course / "grading" / f"{ASSIGNMENT}-canvas-feedback.zip") as archive:
        pages = {tuple(p for p in name.split("_") if p.isdigit())[:2]: archive.read(name).decode()
                 for name in archive.namelist()}
    # Canvas's Re-Upload Submissions: the first two all-digit parts are the user and the file handed in
    assert set(pages) == {("4242", "1002"), ("5551", "2001"), ("5552", "2002")}
    assert pages[("4242", "1002")] == _feedback(course, "dave")
    assert pages[("5552", "2002")] == _feedback(course, "smithjane-5552")
    assert "Feedback for Canvas's Re-Upload Submissions" in first_run.stdout


def test_the_class_report_says_what_the_class_got_wrong(course, first_run):
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    matrix = next(line for line in report.splitlines() if line.startswith("| matrix |"))
    # bob (transposed), carol, erin and frank lost the matrix's points; alice, dave and the Janes did not
    assert "| 4 of 8 |" in matrix, matrix
    title = next(line for line in report.splitlines() if line.startswith("| title |"))
    assert "| 3 of 8 |" in title and "(1 student)" in title, title
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
    expected = _expected_totals()
    rows = _rows(course / "grading" / "grades.csv")
    assert {row["assignment"] for row in rows} == {ASSIGNMENT}
    assert {row["student_id"]: float(row["score"]) for row in rows} == expected
    canvas = _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")
    assert list(canvas[0]) == [*CANVAS_COLUMNS, LMS_COLUMN]
    assert canvas[0]["Student"].strip() == "Points Possible" and canvas[0][LMS_COLUMN] == "10"
    students = {row["Student"]: row for row in canvas[1:]}
    assert {name: float(row[LMS_COLUMN]) for name, row in students.items()} == expected
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
    assert "This run: graded 0, left 8 already graded" in again.stdout, again.stdout
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


@pytest.fixture(scope="module")
def student_run(course, second_run):
    write_submission(CASES["solution"], submitted_path(course, "bob"))  # bob's fixed file, put in by hand
    others = {s: _autograded(course, s).stat().st_mtime_ns for s in SCORED_AS if s != "bob"}
    return _grade(course, "--student", "bob"), others


def test_student_regrades_only_that_student_and_updates_the_files(course, student_run):
    result, others = student_run
    assert result.returncode == 0, result.stderr
    assert "Chosen with --student: bob" in result.stdout and "This run: graded 1," in result.stdout, result.stdout
    assert {s: _autograded(course, s).stat().st_mtime_ns for s in others} == others
    assert sum(scores_of(course)["bob"].values()) == 10
    assert next(r for r in _rows(course / "grading" / "grades.csv") if r["student_id"] == "bob")["score"] == "10.0"
    canvas = {row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")}
    assert canvas["bob"][LMS_COLUMN] == "10"  # --lms-column is kept from the first run


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
    assert "This run: graded 1, left 7 already graded" in grader_change.stdout, grader_change.stdout


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
    assert "Regraded 8 students whose grade was out of date:" in regrade.stdout, regrade.stdout
    assert "alice: graded with other points (title 1 -> 2)" in regrade.stdout
    points = {**notebook_points(), "title": 2.0}
    expected = {s: CASES["solution" if s == "bob" else case].expected(points) for s, case in SCORED_AS.items()}
    assert scores_of(course) == expected
    rows = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    assert rows["alice"]["score"] == "11.0" and {row["max_score"] for row in rows.values()} == {"11.0"}
    canvas = _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")
    assert canvas[0][LMS_COLUMN] == "11"
    released = nbformat.read(course / "grading" / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    assert find_cell(released, "title").source.startswith("# Graded (2 points)")
    assert "| **total** | **11** |" in released.cells[0].source
    report = (course / "grading" / "reports" / f"{ASSIGNMENT}-report.md").read_text()
    assert next(line for line in report.splitlines() if line.startswith("| title |")).startswith("| title | 2 |")


def test_a_points_change_flags_nobody(course, points_change):
    assert "Across them: flagged for review 0;" in _report(course)


@pytest.fixture(scope="module")
def override_run(course, points_change):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gradebook:  # what formgrader does
        gradebook.find_grade("matrix", NOTEBOOK, ASSIGNMENT, "erin").manual_score = 3.0
        gradebook.db.commit()
    return _grade(course, "--student", "erin")


def test_a_hand_override_is_kept_through_a_regrade_of_that_student(course, override_run):
    assert override_run.returncode == 0, override_run.stdout + override_run.stderr
    assert "This run: graded 1," in override_run.stdout and "NOT GRADED" not in override_run.stdout
    assert "of them 1 with a grade set by hand (kept): erin" in override_run.stdout
    grades = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    canvas = {row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")}
    assert grades["erin"]["score"] == "3.0" and canvas["erin"][LMS_COLUMN] == "3"  # both files agree
    assert "- **erin**: matrix: automatic 0, set to 3" in _section(course, "Grades set by hand (formgrader)")
    assert "erin" not in _section(course, "Not graded")


ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,Challenge (77)\n    Points Possible,,,,,11\n"
          "Alice Ames,9001,S1,alice,A,\nDave Dunn,4242,S2,d.dunn,A,\n\"Smith, Jane\",5551,S3,jsmith1,B,\n"
          "\"Smith, Jane\",5552,S4,jsmith2,B,\nIvan Ito,9004,S5,ivan,B,\n")


@pytest.fixture(scope="module")
def roster_run(course, override_run):
    (course.parent / "canvas-gradebook.csv").write_text(ROSTER, encoding="utf-8")
    return _grade(course, "--roster", str(course.parent / "canvas-gradebook.csv"), "--not-handed-in", "zero")


def test_the_roster_fills_canvas_ids_and_lists_who_did_not_hand_in(course, roster_run):
    assert roster_run.returncode == 0, roster_run.stdout + roster_run.stderr
    assert "This run: graded 0," in roster_run.stdout
    canvas = {row["ID"] or row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")[1:]}
    # alice came through nbgrader's submitted folder: matched by her login; dave and the Janes by Canvas id
    assert canvas["9001"]["Student"] == "Alice Ames" and canvas["9001"]["Section"] == "A"
    assert canvas["5552"]["SIS Login ID"] == "jsmith2" and canvas["4242"]["Student"] == "Dave Dunn"
    assert canvas["9004"]["Student"] == "Ivan Ito" and canvas["9004"][LMS_COLUMN] == "0"
    grades = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    assert grades["ivan"]["score"] == "0"
    assert "     1 did not hand in: ivan" in roster_run.stdout
    assert "of them 4 not on the roster: bob, carol, erin, frank" in roster_run.stdout
    assert "warning: 4 rows without a Canvas user id" in roster_run.stdout
    assert "- **bob**" in _section(course, "Submissions without a roster entry")


@pytest.fixture(scope="module")
def failed_regrade(course, roster_run):
    # bob, graded before, hands in a file that is not a notebook: his old grade stays in the
    # gradebook, but this run could not grade him
    submitted_path(course, "bob").write_text("{ not a notebook")
    return _grade(course, "--student", "bob")


def test_a_file_that_is_not_a_notebook_is_blank_in_both_files_and_said_with_the_fix(course, failed_regrade):
    out = failed_regrade.stdout
    assert failed_regrade.returncode == 3, out + failed_regrade.stderr  # a student not graded: documented
    assert "Traceback" not in out + failed_regrade.stderr
    assert ("NOT GRADED bob: the file is not a notebook (not valid JSON: Expecting property name enclosed in double "
            "quotes: line 1 column 3 (char 2)); ask the student to hand in the notebook again") in out, out
    assert "- **bob**: the file is not a notebook" in _section(course, "Not graded")
    canvas = {row["Student"]: row for row in _rows(course / "grading" / f"{ASSIGNMENT}-canvas.csv")}
    grades = {row["student_id"]: row for row in _rows(course / "grading" / "grades.csv")}
    assert canvas["bob"][LMS_COLUMN] == "" and grades["bob"]["score"] == ""
    assert canvas["Alice Ames"][LMS_COLUMN] == "11" and grades["alice"]["score"] == "11.0"
    allowed = _grade(course, "--allow-ungraded")
    assert allowed.returncode == 0 and "NOT GRADED bob" in allowed.stdout, allowed.stdout


def test_plain_nbgrader_says_the_same_without_a_traceback(course, failed_regrade):
    result = nbgrader(course, "autograde", ASSIGNMENT, "--student=bob", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "the file is not a notebook (not valid JSON" in output
    assert "ask the student to hand in the notebook again" in output


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


def test_the_pool_takes_each_task_when_a_worker_is_free_for_it():
    # The main process prepares each student as the workers ask for more (registered in the
    # gradebook, the instructor's files restored), not the whole class first: one task per
    # worker and one waiting for the first that is free; once stopped, it prepares nobody more.
    taken, stopping = [], []

    def prepared():
        for name in ("a", "b", "c", "d", "e"):
            taken.append(name)
            yield (name,)

    pool = WorkerPool(2)
    try:
        results = pool.run(_exit_on, prepared(), stop=lambda: bool(stopping))
        first = next(results)
        assert first[0] in (("a",), ("b",), ("c",)) and taken == ["a", "b", "c"]
        stopping.append(True)
        assert len(list(results)) == 2 and taken == ["a", "b", "c"]
    finally:
        pool.close()
