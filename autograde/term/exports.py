"""What a grading run writes for everyone at its end: nbgrader's CSV, the Canvas file, the report.

The three come from one decision of who is graded (:func:`autograde.term.report.class_states`),
so a student is "not graded" in all of them or in none. Called by
:class:`autograde.term.class_grading.ClassGrader` at the end of every run, interrupted or not.
"""
from __future__ import annotations

import os
from pathlib import Path

from autograde.term import report, run_journal
from autograde.term.lms import load_import_record, write_canvas_csv


def export_and_report(app, summary, *, state_dir: Path, reports_dir: Path, journal_path: Path,
                      import_record_path: Path, lms_column: str) -> None:
    """Write ``grades.csv`` (nbgrader's export, this assignment only), ``<assignment>-canvas.csv``
    and the class report; their paths and the report's accounting go into ``summary``."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    coursedir, assignment_id = app.coursedir, summary.assignment_id
    plugin = CsvExportPlugin(parent=app)
    if not plugin.to:
        plugin.to = str(state_dir / "grades.csv")
    plugin.assignment = [assignment_id]  # the graded assignment only (no practice rows)
    os.chdir(coursedir.root)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    summary.csv_path = (Path(coursedir.root) / plugin.to).resolve()

    record = load_import_record(import_record_path)
    not_graded = dict(run_journal.not_graded(journal_path))
    not_graded.update(summary.failed)
    # one decision of who is graded, for the report and the LMS file alike
    results, states = report.class_states(coursedir, assignment_id, not_graded)
    rows = [(student, record["lms_user_ids"].get(student), state.total)
            for student, state in sorted(states.items())]
    if any(user_id for _, user_id, _ in rows):  # a Canvas class: a row without an id will not match
        summary.lms_rows_without_id = [student for student, user_id, _ in rows if not user_id]
    summary.lms_csv_path = write_canvas_csv(
        summary.csv_path.parent / f"{assignment_id}-canvas.csv", lms_column, rows, results.max_score)

    summary.report_paths, summary.counts = report.write_class_report(
        coursedir, assignment_id, reports_dir, results, states,
        import_record=record if record.get("imported_at") else None, csv_path=summary.csv_path,
        lms_csv_path=summary.lms_csv_path, seed=summary.seed)
