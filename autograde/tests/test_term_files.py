"""The term's pieces that need no grading run (seconds): the gradebook read with hand overrides,
the roster, the feedback zip's names, a file that is not a notebook, the late penalty, the
report's histogram, and student text made inert for the terminal, Markdown and the PNG."""
import csv
import datetime

import pytest

from autograde.grading.late_penalty import LatePenalty
from autograde.grading.submission_file import unreadable_reason
from autograde.term.feedback_zip import feedback_entry_name
from autograde.term.gradebook import submissions
from autograde.term.report import ClassResults
from autograde.term.report_plot import plot_class_report, score_bins
from autograde.term.roster import RosterError, match, read_roster
from autograde.term.text import markdown, one_line


@pytest.fixture
def gradebook(tmp_path):
    """A real nbgrader gradebook: one assignment, one graded cell worth 3, two students graded 0."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as book:
        book.add_assignment("challenge", duedate=datetime.datetime(2026, 3, 1, 12))
        book.add_notebook("04_challenge", "challenge")
        book.add_grade_cell("matrix", "04_challenge", "challenge", max_score=3, cell_type="code")
        for student, when in (("erin", datetime.datetime(2026, 3, 1, 9)), ("lee", datetime.datetime(2026, 3, 3, 9))):
            book.add_student(student)
            book.add_submission("challenge", student, timestamp=when)
            grade = book.find_grade("matrix", "04_challenge", "challenge", student)
            grade.auto_score, grade.needs_manual_grade = 0.0, False
        book.db.commit()
    return url


def test_a_hand_override_is_a_grade_although_nbgrader_marks_it_needs_manual_grade(gradebook):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook) as book:
        grade = book.find_grade("matrix", "04_challenge", "challenge", "erin")
        # what formgrader does, and what nbgrader's SaveAutoGrades then does at the next regrade
        grade.manual_score, grade.needs_manual_grade = 3.0, True
        book.db.commit()
    read = submissions(gradebook, "challenge")
    assert read["erin"].scores == {"matrix": 3.0} and read["erin"].total == 3.0
    assert read["erin"].overrides == {"matrix": (0.0, 3.0)}
    assert read["lee"].overrides == {} and read["lee"].scores == {"matrix": 0.0}
    assert read["erin"].seconds_late == 0 and read["lee"].seconds_late == 2 * 86400 - 3 * 3600


def test_the_late_penalty_counts_each_day_begun_after_the_grace_period():
    plugin = LatePenalty(points_per_day=1.5, grace_minutes=10)
    assert plugin.late_submission_penalty("lee", 10, 5 * 60) is None
    assert plugin.late_submission_penalty("lee", 10, 3600) == 1.5
    assert plugin.late_submission_penalty("lee", 10, 86400 + 3600) == 3.0
    assert plugin.late_submission_penalty("lee", 2, 10 * 86400) == 2
    assert LatePenalty(penalty_method="zero").late_submission_penalty("lee", 7, 60) == 7
    assert LatePenalty().late_submission_penalty("lee", 7, 10 * 86400) is None


ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section,Challenge (77)\n"
          "    Points Possible,,,,,10\n"
          '"Smith, Jane",111,S1,JSmith1,A,\n'
          '"Smith, Jane",222,S2,jsmith2,A,\n'
          "Alice Ames,333,S3,alice,B,\n"
          "Ivan Ito,444,S4,ivan,B,\n")


def test_the_roster_matches_by_canvas_id_then_by_login_and_lists_the_rest(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    entries = read_roster(path)
    assert [e.user_id for e in entries] == ["111", "222", "333", "444"]  # not the Points Possible row
    matched, absent, unmatched = match(entries, ["smithjane", "jsmith1", "alice", "bob"], {"smithjane": "222"})
    assert matched["smithjane"].sis_login_id == "jsmith2" and matched["jsmith1"].user_id == "111"
    assert matched["alice"].canvas_row() == ["Alice Ames", "333", "S3", "alice", "B"]
    assert [e.name for e in absent] == ["Ivan Ito"] and unmatched == ["bob"]
    with pytest.raises(RosterError, match="no column 'Email'.*--roster-key"):
        read_roster(path, key="Email")
    (tmp_path / "grades.csv").write_text("assignment,student_id\nchallenge,alice\n")
    with pytest.raises(RosterError, match="Grades › Export"):
        read_roster(tmp_path / "grades.csv")


def test_with_a_roster_a_canvas_student_is_imported_under_their_login(tmp_path):
    from autograde.term.lms import import_submissions
    from autograde.term.roster import student_ids

    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    export = tmp_path / "export"
    export.mkdir()
    for name in ("smithjane_111_5_04_challenge.ipynb", "amesalice_333_7_04_challenge.ipynb"):
        (export / name).write_bytes(b"{}")
    known = student_ids(read_roster(path), {"alice-a": "333"})  # an earlier import named 333 already
    report = import_submissions(export, lambda student: tmp_path / "submitted" / student, "challenge",
                                ["04_challenge"], known_user_ids=known)
    assert report.lms_user_ids == {"JSmith1": "111", "alice-a": "333"}


def test_feedback_zip_names_give_canvas_the_user_and_attachment_ids_first():
    name = feedback_entry_name("smith_jane-222", "222", "6001", "04_challenge.html")
    # what Canvas does with a re-uploaded file's name: split at "_", the first two all-digit parts
    assert [part for part in name.split("_") if part.isdigit()][:2] == ["222", "6001"]


@pytest.mark.parametrize("content, reason", [
    (b"{ not a notebook", "not valid JSON"),
    (b"[]", "without a notebook's nbformat and cells"),
    (b"\xff\xfe\x00", "not a notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"x": 1}]}', "not a valid notebook"),
])
def test_a_file_that_is_not_a_notebook_is_said_so(tmp_path, content, reason):
    path = tmp_path / "04_challenge.ipynb"
    path.write_bytes(content)
    assert reason in unreadable_reason(path)


def test_a_notebook_is_not_refused(tmp_path):
    import nbformat

    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), tmp_path / "n.ipynb")
    assert unreadable_reason(tmp_path / "n.ipynb") is None


def test_each_score_has_its_own_histogram_bar():
    import numpy as np

    for totals in ([9.5, 10.0, 10.0], [9.0, 10.0, 10.0], [8.25, 9.5, 10.0, 10.0]):
        counts, _ = np.histogram(totals, bins=score_bins(totals, 10))
        assert sorted(c for c in counts if c) == [1] * (len(totals) - 2) + [2], totals  # the two 10s alone
        assert counts[np.nonzero(counts)[0][-1]] == 2  # the highest bar is the full score's


def test_student_text_is_inert_on_the_terminal_and_in_markdown():
    name = "eve\r\x1b[2K\x1b[8mNOT GRADED nobody\n# Heading <img src=x onerror=alert(1)> | [link](x)"
    line = one_line(name)
    assert "\x1b" not in line and "\r" not in line and "\n" not in line and line.isprintable()
    text = markdown(name)
    assert "<img" not in text and "&lt;img" in text and "\\#" in text and "\\|" in text and "\\[link\\]" in text


def test_mathtext_in_student_text_is_drawn_as_typed(tmp_path):
    results = ClassResults("challenge", criteria=[("title", 1.0)], scores={"eve": {"title": 0.0}},
                           totals={"eve": 0.0}, max_score=1.0)
    rows = [{"criterion": "title", "points": 1.0, "lost": 1, "graded": 1, "mean": 0.0, "message_count": 1,
             "message": r"the title is '$\undefinedcommand$' and '$a^^b$'"}]
    path = plot_class_report(results, rows, r"$\undefinedcommand$", [("LMS files not used", [r"$\frac{$.ipynb"])],
                             tmp_path / "report.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_the_roster_reads_a_bom_and_quoted_names(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeff".encode() + ROSTER.encode())
    assert read_roster(path)[0].name == "Smith, Jane"
    assert list(csv.reader(ROSTER.splitlines()))[2][0] == "Smith, Jane"
