"""The class report's facts: one state per student, read back from everything a run leaves.

It accounts for every student, each in exactly one status (:data:`STATUSES`):
graded, graded but stopped early by a time or sandbox limit or a dead kernel
(0 for what did not run), not graded (with the reason and the fix), or on the
roster without a submission ("did not hand in"). Across statuses it notes the
flagged ones, the grades overridden by hand, late work and its penalty, the
grades made by out-of-date points or code, and the files of the LMS export
that were not used. For teaching, per criterion: how many students lost
points and the most common message, that is what the class misunderstood.

Everything is read back from nbgrader's gradebook (one pass,
:func:`autograde.term.gradebook.read_class`), the autograded notebooks (the
grader's record in their metadata, :mod:`.graded_notebooks`: only those that changed
since the last report are read again), the run journal
(:mod:`autograde.term.run_journal`) and the LMS import record
(:mod:`autograde.term.lms`), so the report also covers students graded in
earlier runs. The page is written by :mod:`.report_page`, the picture by
:mod:`.report_plot`.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograde.term.graded_notebooks import cache_path, files_in, read_facts


FIX_NOT_GRADED = ("run `python -m autograde grade` again (it grades whoever has no grade); "
                  "if it fails again, read the grading log")
ASK_AGAIN = "ask the student to hand in the notebook again"
#: Every student is in exactly one of these, in this order.
GRADED, STOPPED_EARLY, NOT_GRADED, NOT_HANDED_IN = ("graded", "graded, stopped early", "not graded",
                                                    "did not hand in")
STATUSES = (GRADED, STOPPED_EARLY, NOT_GRADED, NOT_HANDED_IN)
FIX_LIMIT = ("graded already, with 0 for what did not run; open the autograded notebook to see what ran. "
             "If honest code needs more, raise `c.Execute.timeout` or the `c.Sandbox` limits in "
             "nbgrader_config.py and regrade with `--student`")
FIX_FLAG = ("open the autograded notebook (or the feedback) and decide; the points are already those of "
            "what the function really drew, override them in formgrader if you disagree")
FIX_STALE = "run `python -m autograde grade` (without --student): it regrades them"


@dataclass
class StudentState:
    """What the report knows of one student."""

    student: str
    submitted: bool = False
    total: float | None = None             # None: no complete grade
    scores: dict = field(default_factory=dict)
    not_graded: str = ""                   # why there is no grade
    limits: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)  # criterion -> [distinct failure messages]
    handed_in: bool = True                 # False: on the roster, no submission
    overrides: dict = field(default_factory=dict)  # criterion -> (automatic score, score set by hand)
    submitted_at: object = None            # the submission time nbgrader has (UTC)
    seconds_late: float = 0.0
    penalty: float = 0.0                   # nbgrader's late penalty, in points
    marked_late: bool = False              # the LMS (Canvas's file name) says the file was late

    @property
    def status(self) -> str:
        """The one of :data:`STATUSES` this student is in."""
        if not self.handed_in:
            return NOT_HANDED_IN
        if self.total is None:
            return NOT_GRADED
        return STOPPED_EARLY if self.limits else GRADED

    def fix(self) -> str:
        """What the instructor does about a student who is not graded."""
        return "" if ASK_AGAIN in self.not_graded else FIX_NOT_GRADED


@dataclass
class ClassResults:
    """Scores of every submission of one assignment, read from the gradebook."""

    assignment_id: str
    criteria: list[tuple[str, float]] = field(default_factory=list)   # (grade_id, max points)
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # student -> grade_id -> score
    totals: dict[str, float] = field(default_factory=dict)
    max_score: float = 0.0
    submissions: dict = field(default_factory=dict)  # student -> gradebook.SubmissionGrades

    def graded_students(self) -> list[str]:
        """Students with a score for every criterion."""
        return sorted(s for s, cells in self.scores.items()
                      if cells and all(v is not None for v in cells.values()))

    def lost(self, grade_id: str) -> list[str]:
        """Graded students with less than the full points on one criterion."""
        points = dict(self.criteria)[grade_id]
        return [s for s in self.graded_students() if (self.scores[s].get(grade_id) or 0.0) < points]


def _release_order(coursedir, assignment_id: str) -> list[str]:
    """grade_ids in the order they appear in the released notebooks (best effort)."""
    import nbformat

    order = []
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment_id))
    for path in sorted(release.glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:
            continue
        order += [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    return [grade_id for grade_id in order if grade_id]


def class_results(coursedir, assignment_id: str, read) -> ClassResults:
    """The per-criterion scores of an assignment, from the gradebook's one-pass read
    (:func:`autograde.term.gradebook.read_class`; None: the gradebook has no such assignment)."""
    results = ClassResults(assignment_id)
    criteria = read.criteria if read else {}
    results.submissions = read.grades if read else {}
    results.scores = {student: {name: value for name, value in grades.scores.items() if name in criteria}
                      for student, grades in results.submissions.items()}
    results.totals = {student: grades.total for student, grades in results.submissions.items()}
    order = _release_order(coursedir, assignment_id)
    results.criteria = sorted(criteria.items(),
                              key=lambda item: (order.index(item[0]) if item[0] in order else len(order),
                                                item[0]))
    results.max_score = sum(points for _, points in results.criteria)
    return results


def normalise_message(message: str) -> str:
    """A failure message without what is particular to one student (their line, quoted texts),
    so that the same mistake is counted once across the class."""
    message = re.split(r", at line \d+ of your answer cell", message)[0]
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "…", message).strip()


def student_states(coursedir, assignment_id: str, results: ClassResults, not_graded: dict[str, str],
                   gradebook_points: dict, expected=()) -> dict[str, StudentState]:
    """Every student with a submission or a gradebook entry, and those ``expected`` (the roster's),
    with what the report says of them."""
    states: dict[str, StudentState] = {}
    submitted_root = Path(coursedir.root, coursedir.submitted_directory)
    for folder in sorted(submitted_root.glob("*")):
        if (folder / assignment_id).is_dir():
            states[folder.name] = StudentState(folder.name, submitted=True)
    for student in results.scores:
        states.setdefault(student, StudentState(student))
    for student in expected:
        states.setdefault(student, StudentState(student, handed_in=False))
    notebooks = {student: files_in(coursedir.format_path(coursedir.autograded_directory, student, assignment_id))
                 for student, state in states.items() if state.handed_in}
    facts = read_facts([path for paths in notebooks.values() for path in paths],
                       cache_path(coursedir, assignment_id))
    graded = set(results.graded_students())
    for student, state in states.items():
        if not state.handed_in:
            continue
        state.scores = results.scores.get(student, {})
        grades = results.submissions.get(student)
        if grades is not None:
            state.overrides = {name: pair for name, pair in grades.overrides.items() if name in gradebook_points}
            state.submitted_at, state.seconds_late, state.penalty = (grades.timestamp, grades.seconds_late,
                                                                     grades.penalty)
        # the last run's failures are not graded, whatever older grade the gradebook keeps (the
        # LMS file leaves them empty too)
        if student in graded and notebooks[student] and student not in not_graded:
            state.total = results.totals.get(student, 0.0)
        else:
            state.not_graded = (not_graded.get(student)
                                or ("no autograded notebook: it was never graded, or its grading did not "
                                    "finish" if not notebooks[student] else "no grade in the gradebook"))
        for path in notebooks[student]:
            fact = facts[path]
            if fact.error_name:  # a damaged file must not lose the rest of the report
                state.not_graded = state.not_graded or f"the autograded notebook cannot be read ({fact.error})"
                state.total = None
                continue
            state.limits += fact.limits
            state.flags += [flag for flag in fact.flags if flag not in state.flags]
            state.messages = fact.messages
            if state.total is not None:
                state.stale += fact.stale(gradebook_points)
    return states


#: Words of the message every criterion gets when the answer is nbgrader's untouched stub.
NOT_WRITTEN = "raised NotImplementedError"


def _left_blank(state: StudentState) -> bool:
    return any(NOT_WRITTEN in message for messages in state.messages.values() for message in messages)


def criterion_table(results: ClassResults, states: dict[str, StudentState]) -> list[dict]:
    """Per criterion: its points, who lost points and the most common message (what the class missed)."""
    rows = []
    graded = results.graded_students()
    for grade_id, points in results.criteria:
        lost = results.lost(grade_id)
        counts, example = Counter(), {}
        # What the class misunderstood shows in notebooks that ran with a function written:
        # those stopped early or left blank count only when no other student lost the criterion.
        ran = [s for s in lost if s in states and not states[s].limits and not _left_blank(states[s])]
        for student in ran or lost:
            state = states.get(student)
            mistakes = {}  # one count per student and mistake
            for message in (state.messages.get(grade_id, []) if state else []):
                mistakes.setdefault(normalise_message(message), message)
            for key, message in mistakes.items():
                counts[key] += 1
                example.setdefault(key, message)
        common = counts.most_common(1)
        rows.append({"criterion": grade_id, "points": points, "lost": len(lost), "graded": len(graded),
                     "message": example[common[0][0]] if common else "", "message_count": common[0][1] if common else 0,
                     "mean": statistics.fmean([results.scores[s].get(grade_id) or 0.0 for s in graded])
                     if graded else 0.0})
    return rows


def class_states(coursedir, assignment_id: str, read, not_graded: dict[str, str], expected=()
                 ) -> tuple[ClassResults, dict[str, StudentState]]:
    """The gradebook's scores and what the report says of every student (``state.total`` is
    None for a student who is not graded): the report and the grade files are written from these.
    ``read`` is the gradebook's one-pass read (:func:`autograde.term.gradebook.read_class`),
    ``not_graded`` is ``{student: reason}`` known from this run and the run journal; ``expected``
    the students of the roster (those without a submission did not hand in)."""
    results = class_results(coursedir, assignment_id, read)
    return results, student_states(coursedir, assignment_id, results, not_graded, dict(results.criteria),
                                   expected)
