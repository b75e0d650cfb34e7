"""Reading grades back from nbgrader's gradebook: the one reader the kit uses.

The class report, the corpus tests, the benchmarks and the LMS export all
read scores through :func:`scores`, so they agree on what "a grade" is: a
criterion's score is nbgrader's (manual score if an instructor set one, else
the automatic one), and ``None`` means the criterion still needs a manual grade.
"""
from __future__ import annotations

from pathlib import Path


def gradebook_file(course_root) -> Path | None:
    """The SQLite file of the course's gradebook (from its nbgrader_config.py), or None when
    the gradebook is another database."""
    from autograde.grading.nbgrader_adapter import course_directory
    url = course_directory(course_root).db_url
    if not url.startswith("sqlite:///"):
        return None
    return Path(course_root).resolve() / url[len("sqlite:///"):]  # an absolute path stays absolute


def db_url_of(course_root) -> str:
    """The gradebook URL of the course at ``course_root``, with an absolute SQLite path."""
    from autograde.grading.nbgrader_adapter import course_directory
    path = gradebook_file(course_root)
    return f"sqlite:///{path}" if path is not None else course_directory(course_root).db_url


def scores(db_url: str, assignment_id: str) -> dict[str, dict[str, float | None]]:
    """``{student: {grade_id: score or None}}`` for every submission of an assignment."""
    from nbgrader.api import Gradebook, MissingEntry

    result = {}
    with Gradebook(db_url) as gradebook:
        try:
            assignment = gradebook.find_assignment(assignment_id)
        except MissingEntry:
            return {}
        for submission in assignment.submissions:
            result[submission.student_id] = {
                grade.name: (None if grade.needs_manual_grade else float(grade.score))
                for notebook in submission.notebooks for grade in notebook.grades}
    return result


def max_points(db_url: str, assignment_id: str) -> dict[str, float]:
    """``{grade_id: max points}`` of an assignment's graded cells, as the gradebook has them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        assignment = gradebook.find_assignment(assignment_id)
        return {cell.name: float(cell.max_score) for notebook in assignment.notebooks
                for cell in notebook.grade_cells}


def submission_totals(db_url: str, assignment_id: str) -> dict[str, float]:
    """``{student: total}`` of an assignment's submissions, as nbgrader computes it (late penalty
    deducted), for every student with a submission."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            assignment = gradebook.find_assignment(assignment_id)
        except MissingEntry:
            return {}
        return {submission.student_id: max(0.0, float(submission.score or 0.0)
                                           - float(submission.late_submission_penalty or 0.0))
                for submission in assignment.submissions}
