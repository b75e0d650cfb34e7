"""What a grading run writes for everyone at its end: nbgrader's CSV, the Canvas file, the feedback
zip for Canvas, the report.

All of them come from one decision of who is graded (:func:`autograde.term.report.class_states`),
so a student has one verdict in every file: a student who is not graded is blank in both grade
files (nbgrader's own export would say 0) with the reason in the report; a roster student who did
not hand in is 0 or blank in both, as the instructor chose. The grade files are written first; a
failure while writing the report is recorded in the summary and never loses them. Called by
:class:`autograde.term.class_grading.ClassGrader` at the end of every run, interrupted or not.
"""
from __future__ import annotations

import csv
import os
import traceback
from pathlib import Path

from autograde.term import report, run_journal
from autograde.term.feedback_zip import write_feedback_zip
from autograde.term.lms import load_import_record, write_canvas_csv
from autograde.term.report_page import status_counts, write_class_report
from autograde.term.roster import RosterEntry, absent_id, match


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _nbgrader_export(app, state_dir: Path, assignment_id: str) -> Path:
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    coursedir = app.coursedir
    plugin = CsvExportPlugin(parent=app)
    if not plugin.to:
        plugin.to = str(state_dir / "grades.csv")
    plugin.assignment = [assignment_id]  # the graded assignment only (no practice rows)
    os.chdir(coursedir.root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return (Path(coursedir.root) / plugin.to).resolve()


def _one_verdict(path: Path, assignment_id: str, verdicts: dict[str, str], absent: list[str], absent_score: str,
                 max_score: float) -> None:
    """Rewrite nbgrader's export so that each student's score is the one the Canvas file has:
    blank for a student who is not graded, ``absent_score`` for one who did not hand in (also
    roster students nbgrader has never seen)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames, list(reader)
    seen = set()
    for row in rows:
        student = row["student_id"]
        seen.add(student)
        if row["assignment"] != assignment_id:
            continue
        verdict = verdicts.get(student, absent_score)   # nbgrader's own students without a submission
        if verdict != "graded":
            row.update(raw_score=verdict, late_submission_penalty="", score=verdict)
    rows += [{**dict.fromkeys(columns, ""), "assignment": assignment_id, "student_id": student,
              "raw_score": absent_score, "score": absent_score, "max_score": f"{max_score}"}
             for student in absent if student not in seen]
    tmp = path.with_suffix(".part")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def export_and_report(app, summary, *, state_dir: Path, reports_dir: Path, journal_path: Path,
                      import_record_path: Path, lms_column: str, roster: list[RosterEntry] = (),
                      absent_zero: bool = False) -> None:
    """Write ``grades.csv`` (nbgrader's export, this assignment only), ``<assignment>-canvas.csv``,
    the feedback zip and the class report; their paths, the accounting and any failure to write the
    report go into ``summary``."""
    coursedir, assignment_id = app.coursedir, summary.assignment_id
    record = load_import_record(import_record_path)
    not_graded = dict(run_journal.not_graded(journal_path))
    not_graded.update(summary.failed)
    results, states = report.class_states(coursedir, assignment_id, not_graded)
    for student, late in record["late"].items():
        if student in states:
            states[student].marked_late = late
    matched, absent, unmatched = match(roster, states, record["lms_user_ids"]) if roster else ({}, [], [])
    for entry in absent:
        states[absent_id(entry)] = report.StudentState(absent_id(entry), handed_in=False)
    absent_score = "0" if absent_zero else ""
    absent_rows = {absent_id(entry): entry for entry in absent}

    summary.csv_path = _nbgrader_export(app, state_dir, assignment_id)
    verdicts = {student: ("graded" if state.total is not None else absent_score if not state.handed_in else "")
                for student, state in states.items()}
    _one_verdict(summary.csv_path, assignment_id, verdicts, list(absent_rows), absent_score, results.max_score)

    rows = []
    for student, state in sorted(states.items()):
        entry = matched.get(student) or absent_rows.get(student)
        first = entry.canvas_row() if entry else [student, record["lms_user_ids"].get(student, ""), "", "", ""]
        rows.append((first, absent_score if not state.handed_in else _score(state.total)))
    summary.lms_rows_without_id = [first[0] for first, _ in rows if not first[1]]
    summary.not_on_roster = unmatched if roster else []
    summary.lms_csv_path = write_canvas_csv(
        summary.csv_path.parent / f"{assignment_id}-canvas.csv", lms_column, rows, results.max_score)

    feedback_root = Path(coursedir.root, coursedir.feedback_directory)
    summary.feedback_zip, summary.feedback_zip_missing = write_feedback_zip(
        summary.csv_path.parent / f"{assignment_id}-canvas-feedback.zip", feedback_root, assignment_id,
        {student: state for student, state in states.items() if state.total is not None}, record)
    try:
        summary.report_paths, summary.counts = write_class_report(
            coursedir, assignment_id, reports_dir, results, states,
            import_record=record if record.get("imported_at") else None, csv_path=summary.csv_path,
            lms_csv_path=summary.lms_csv_path, seed=summary.seed, unmatched=summary.not_on_roster,
            extra_files=[f"- feedback for Canvas (*Re-Upload Submissions*): `{summary.feedback_zip}`"]
            if summary.feedback_zip else [])
    except Exception as exc:  # the grade files are written; the summary says what went wrong
        summary.report_error = f"{type(exc).__name__}: {exc}"
        app.log.error("the class report could not be written:\n%s", traceback.format_exc())
        summary.counts = status_counts(states, record, summary.not_on_roster)
