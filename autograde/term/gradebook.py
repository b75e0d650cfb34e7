"""Reading grades back from nbgrader's gradebook: the one reader the kit uses.

The class report, the grade files, the corpus tests, the benchmarks and the LMS export all
read scores through :func:`read_class` (or :func:`submissions`, :func:`scores`), so they agree on
what "a grade" is: a criterion's score is nbgrader's, the instructor's score where one was set
by hand (formgrader, nbgrader's API), else the automatic one. nbgrader marks a cell
``needs_manual_grade`` whenever it holds a hand score, so that flag never means "no grade": a
score is ``None`` only when the cell has neither. A student's total is nbgrader's score with its
late penalty deducted, the score of nbgrader's CSV export.

The whole class is read in a few queries (its submissions with nbgrader's own score and late
penalty, then every grade), never one ORM walk per student, and nbgrader's CSV export is fed
from the same read (:func:`export_csv`). Those queries, and nbgrader's own per-student ones, need
indexes on the gradebook's foreign keys, which nbgrader does not create: without them each
student's score scans the whole grade table, and a class of 10,000 took minutes.
:func:`index_gradebook` adds them (``CREATE INDEX IF NOT EXISTS``: nbgrader neither needs nor
minds them).
"""
from __future__ import annotations

import datetime
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

#: Prefix of the indexes the kit adds to nbgrader's gradebook.
INDEX_PREFIX = "ix_autograde_"


@dataclass
class SubmissionGrades:
    """One student's submission as the gradebook has it."""

    scores: dict[str, float | None] = field(default_factory=dict)     # grade_id -> score
    overrides: dict[str, tuple[float | None, float]] = field(default_factory=dict)  # grade_id -> (auto, by hand)
    timestamp: datetime.datetime | None = None   # UTC, as nbgrader keeps it
    seconds_late: float = 0.0
    penalty: float = 0.0                          # nbgrader's late penalty, in points
    total: float = 0.0                            # the score with the penalty deducted (nbgrader's export)


@dataclass
class ClassGrades:
    """One assignment of the gradebook, read in one pass (:func:`read_class`)."""

    assignment: object                     # nbgrader's Assignment
    criteria: dict[str, float] = field(default_factory=dict)   # grade_id -> max points
    submitted: dict = field(default_factory=dict)  # student -> nbgrader's SubmittedAssignment, score loaded
    grades: dict[str, SubmissionGrades] = field(default_factory=dict)


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


def unindexed_foreign_keys() -> list[tuple[str, str]]:
    """``(table, column)`` of every foreign key of nbgrader's schema that no index of nbgrader's
    serves (an index is there only for a primary key or a unique constraint that starts with it)."""
    from nbgrader.api import Base
    from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

    found = []
    for table in Base.metadata.sorted_tables:
        leading = {constraint.columns.values()[0].name for constraint in table.constraints
                   if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))}
        found += [(table.name, key.parent.name) for key in table.foreign_keys if key.parent.name not in leading]
    return sorted(found)


def index_gradebook(db_url: str) -> str | None:
    """Add an index on each foreign key nbgrader leaves without one; returns why it could not, or None.

    Idempotent and cheap once done. A gradebook whose database refuses (a read-only file, a server
    without ``IF NOT EXISTS``) is graded all the same, only slower for a large class.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            for table, column in unindexed_foreign_keys():
                connection.execute(text(f"CREATE INDEX IF NOT EXISTS {INDEX_PREFIX}{table}_{column} "
                                        f"ON {table} ({column})"))
    except Exception as exc:  # an optimisation: never a reason to stop grading
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()
    return None


def read_class(gradebook, assignment_id: str) -> ClassGrades | None:
    """Every submission of an assignment, from an open nbgrader ``Gradebook``, in two queries;
    None when the gradebook has no such assignment."""
    from nbgrader.api import BaseCell, Grade, MissingEntry, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy.orm import undefer

    try:
        assignment = gradebook.find_assignment(assignment_id)
    except MissingEntry:
        return None
    read = ClassGrades(assignment, _criteria(assignment))
    query = (gradebook.db.query(SubmittedAssignment)
             .options(undefer(SubmittedAssignment.score), undefer(SubmittedAssignment.late_submission_penalty))
             .filter(SubmittedAssignment.assignment_id == assignment.id))
    for submission in query:
        penalty = float(submission.late_submission_penalty or 0.0)
        read.submitted[submission.student_id] = submission
        read.grades[submission.student_id] = SubmissionGrades(
            timestamp=submission.timestamp, seconds_late=float(submission.total_seconds_late or 0.0),
            penalty=penalty, total=max(0.0, submission.score - penalty))
    cells = (gradebook.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.auto_score, Grade.manual_score)
             .select_from(Grade)
             .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
             .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
             .join(BaseCell, Grade.cell_id == BaseCell.id)
             .filter(SubmittedAssignment.assignment_id == assignment.id))
    for student, name, auto, manual in cells:
        grades = read.grades[student]
        score = manual if manual is not None else auto
        grades.scores[name] = None if score is None else float(score)
        if manual is not None:
            grades.overrides[name] = (None if auto is None else float(auto), float(manual))
    return read


class _ReadGradebook:
    """nbgrader's ``Gradebook`` as its CSV export plugin reads it (``assignments``, ``students``,
    ``find_submission``), for one assignment whose submissions were read in one query: the plugin's
    own ``find_submission`` and ``score`` cost three queries per student."""

    def __init__(self, gradebook, read: ClassGrades):
        self.assignments = [read.assignment]
        self.students = gradebook.students
        self._submitted = read.submitted

    def find_submission(self, assignment: str, student: str):
        from nbgrader.api import MissingEntry

        try:
            return self._submitted[student]
        except KeyError:
            raise MissingEntry() from None


def export_csv(plugin, gradebook, read: ClassGrades) -> None:
    """Run nbgrader's export ``plugin`` (its ``CsvExportPlugin``) on the assignment ``read`` holds:
    nbgrader's own code writes the file, from the submissions read in one pass."""
    plugin.assignment = [read.assignment.name]
    plugin.export(_ReadGradebook(gradebook, read))


def submissions(db_url: str, assignment_id: str) -> dict[str, SubmissionGrades]:
    """``{student: SubmissionGrades}`` for every submission of an assignment (:func:`read_class`)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        read = read_class(gradebook, assignment_id)
    return read.grades if read else {}


def scores(db_url: str, assignment_id: str) -> dict[str, dict[str, float | None]]:
    """``{student: {grade_id: score or None}}`` for every submission of an assignment."""
    return {student: grades.scores for student, grades in submissions(db_url, assignment_id).items()}


def _criteria(assignment) -> dict[str, float]:
    return {cell.name: float(cell.max_score) for notebook in assignment.notebooks for cell in notebook.grade_cells}


def max_points(db_url: str, assignment_id: str) -> dict[str, float]:
    """``{grade_id: max points}`` of an assignment's graded cells, as the gradebook has them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        return _criteria(gradebook.find_assignment(assignment_id))


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
