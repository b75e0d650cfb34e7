"""Reading grades back from nbgrader's gradebook: the one reader the kit uses.

The class report, the corpus tests, the benchmarks and the LMS export all
read scores through :func:`submissions` (or :func:`scores`), so they agree on
what "a grade" is: a criterion's score is nbgrader's, the instructor's score
where one was set by hand (formgrader, nbgrader's API), else the automatic
one. nbgrader marks a cell ``needs_manual_grade`` whenever it holds a hand
score, so that flag never means "no grade": a score is ``None`` only when the
cell has neither. One pass over the assignment's submissions reads
everything the report needs: scores, hand overrides, the submission time,
lateness and nbgrader's late penalty.
"""
from __future__ import annotations

import datetime
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SubmissionGrades:
    """One student's submission as the gradebook has it."""

    scores: dict[str, float | None] = field(default_factory=dict)     # grade_id -> score
    overrides: dict[str, tuple[float | None, float]] = field(default_factory=dict)  # grade_id -> (auto, by hand)
    timestamp: datetime.datetime | None = None   # UTC, as nbgrader keeps it
    seconds_late: float = 0.0
    penalty: float = 0.0                          # nbgrader's late penalty, in points
    total: float = 0.0                            # the score with the penalty deducted (nbgrader's export)


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


def submissions(db_url: str, assignment_id: str) -> dict[str, SubmissionGrades]:
    """``{student: SubmissionGrades}`` for every submission of an assignment, in one pass."""
    from nbgrader.api import Gradebook, MissingEntry

    result = {}
    with Gradebook(db_url) as gradebook:
        try:
            assignment = gradebook.find_assignment(assignment_id)
        except MissingEntry:
            return {}
        for submission in assignment.submissions:
            grades = SubmissionGrades(timestamp=submission.timestamp,
                                      seconds_late=float(submission.total_seconds_late or 0.0),
                                      penalty=float(submission.late_submission_penalty or 0.0))
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    score = grade.manual_score if grade.manual_score is not None else grade.auto_score
                    grades.scores[grade.name] = None if score is None else float(score)
                    if grade.manual_score is not None:
                        auto = None if grade.auto_score is None else float(grade.auto_score)
                        grades.overrides[grade.name] = (auto, float(grade.manual_score))
            raw = sum(score or 0.0 for score in grades.scores.values())
            grades.total = max(0.0, raw - grades.penalty)
            result[submission.student_id] = grades
    return result


def scores(db_url: str, assignment_id: str) -> dict[str, dict[str, float | None]]:
    """``{student: {grade_id: score or None}}`` for every submission of an assignment."""
    return {student: grades.scores for student, grades in submissions(db_url, assignment_id).items()}


def max_points(db_url: str, assignment_id: str) -> dict[str, float]:
    """``{grade_id: max points}`` of an assignment's graded cells, as the gradebook has them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        assignment = gradebook.find_assignment(assignment_id)
        return {cell.name: float(cell.max_score) for notebook in assignment.notebooks
                for cell in notebook.grade_cells}


def snapshot_gradebook(db_url: str, into: Path) -> str:
    """Copy a SQLite gradebook for the workers to read; other databases are shared as is."""
    from autograde.grading.preprocessors.backup_gradebook import sqlite_file

    source = sqlite_file(db_url)
    if source is None:
        return db_url
    target = into / "gradebook-snapshot.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def points_problem(coursedir, assignment_id: str, in_gradebook: dict[str, float]) -> str | None:
    """Why the instructor's notebooks and the gradebook give different points (one source), or None."""
    import nbformat

    from autograde.grading.protocol import criterion_points

    source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment_id))
    in_source = {}
    for path in sorted(source.glob("*.ipynb")):
        in_source.update(criterion_points(nbformat.read(path, as_version=4)))

    def shown(points):
        return "no graded cell" if points is None else f"{points:g}"

    differ = [f"{name}: {shown(in_source.get(name))} in {source.relative_to(coursedir.root)}, "
              f"{shown(in_gradebook.get(name))} in the gradebook"
              for name in sorted(set(in_source) | set(in_gradebook)) if in_source.get(name) != in_gradebook.get(name)]
    if not (in_source and differ):
        return None
    return ("the points in the instructor's notebook are not those in the gradebook (" + "; ".join(differ)
            + "). Run ./course generate first: it updates the gradebook, the students' notebook and the points "
            "tables; then grade again (it regrades whoever was graded with the old points).")
