"""The facts the grading kit shares, each written once.

The challenge's own facts (criteria, exact texts, public data, call shapes)
are in :mod:`autograde.checker.spec`, because students receive them too; this
module adds what only the grader needs: which assignment and notebook are
graded, the metadata keys the preprocessors and the tools read, and where
nbgrader's state lives. Points are not here: they are the ``points`` of each
graded cell in the notebook's nbgrader metadata (see :func:`criterion_points`).
"""
from __future__ import annotations

import re

from autograde.checker.unpickle import clean_text
from autograde.checker.spec import CRITERIA, EVIDENCE_MIME  # noqa: F401 - re-exported: one import for the grader

__all__ = ["ASSIGNMENT", "NOTEBOOK", "ANSWER_CELL", "SETUP_CELL", "SELF_CHECK_CELL", "PRACTICE_ASSIGNMENTS",
           "METADATA_KEY", "EVIDENCE_CELL_KEY", "KERNEL_FAULTS", "CRITERIA", "EVIDENCE_MIME", "graded_cells", "grade_id",
           "find_cell", "criterion_points", "plural", "points_text", "recorded", "grading_record", "add_flag", "flags_of",
           "GraderFault"]

#: The graded assignment and its notebook (nbgrader ids).
ASSIGNMENT = "challenge"
NOTEBOOK = "04_challenge"
#: The student's answer cell, and the read-only set-up and self-check cells of the challenge.
ANSWER_CELL = "answer_plot_attention_heatmap"
SETUP_CELL = "setup"
SELF_CHECK_CELL = "self_check"
#: The practice assignments: released with nbgrader, never graded (lessons 05-07 after the
#: challenge's due date: they carry the finished plotting helper).
PRACTICE_ASSIGNMENTS = ("lessons", "lessons-after-challenge")

#: Notebook metadata key under which the grader records its work in an
#: autograded notebook: the run's seed, the calls, the verdicts and the flags.
METADATA_KEY = "heatmap_grading"
#: Cell metadata key that marks the cell the grader appends to collect evidence.
EVIDENCE_CELL_KEY = "heatmap_grading_evidence"
#: The first line of a graded cell, "# Graded (2 points): ...": `./course generate` writes the
#: points into it, and a submission made before a points change is not an edit of the cell.
GRADED_LINE = re.compile(r"^# Graded \([^)]*\)")
#: Why a notebook stopped, by the name of the error nbclient raises or a cell's error output
#: shows (``KernelDied`` is SandboxedExecute's): the feedback, the report and the worker's
#: reasons all say it with these words.
KERNEL_FAULTS = {
    "DeadKernelError": "the kernel died",
    "KernelDied": "the kernel died",
    "KernelDiedError": "the kernel died",
    "CellTimeoutError": "a cell ran past the time limit",
    "TimeoutError": "a cell ran past the time limit",
    "UnresponsiveKernelError": "the kernel stopped responding",
}


class GraderFault(Exception):
    """The grader's own machinery failed (the inspector or the sandbox could not start, or
    the instructor's solution does not grade full marks): whoever it was grading is not
    graded, with this reason, and never given 0."""

    def __str__(self) -> str:
        return f"not graded (grader fault): {super().__str__()}"


def plural(count: float, noun: str) -> str:
    """``1 file``, ``2 files``, ``0.5 points``."""
    number = count if isinstance(count, int) else f"{count:g}"  # 2.0 -> 2, a million stays 1000000
    return f"{number} {noun}{'' if count == 1 else 's'}"


def points_text(points: float) -> str:
    """``1 point``, ``2 points``, ``0.5 points``."""
    return plural(points, "point")


def graded_cells(notebook) -> list:
    """The notebook's graded cells (nbgrader ``grade`` cells that are not answers), in order."""
    return [cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution")]


def grade_id(cell) -> str | None:
    """The nbgrader grade_id of a cell, or None."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def find_cell(notebook, wanted_id: str):
    """The cell whose nbgrader grade_id is ``wanted_id``; KeyError naming it otherwise."""
    for cell in notebook.cells:
        if grade_id(cell) == wanted_id:
            return cell
    raise KeyError(f"the notebook has no cell with grade_id {wanted_id!r}")


def criterion_points(notebook) -> dict[str, float]:
    """``{criterion: points}`` read from the graded cells' nbgrader metadata, in notebook order."""
    return {grade_id(cell): float(cell.metadata["nbgrader"]["points"])
            for cell in graded_cells(notebook)}


def grading_record(notebook) -> dict:
    """The grader's record in a notebook's metadata (created empty when missing)."""
    return notebook.metadata.setdefault(METADATA_KEY, {})


def add_flag(notebook, reason: str) -> None:
    """Record a reason for an instructor to look at this submission (once)."""
    reason = clean_text(reason)
    flags = grading_record(notebook).setdefault("flags", [])
    if reason not in flags:
        flags.append(reason)


def recorded(notebook) -> dict:
    """The grader's record, to read (empty when missing or not a mapping; nothing is created)."""
    record = notebook.metadata.get(METADATA_KEY)
    return record if isinstance(record, dict) else {}


def flags_of(notebook) -> list[str]:
    """The reasons recorded by :func:`add_flag` (whatever a notebook's metadata holds)."""
    flags = recorded(notebook).get("flags")
    return [clean_text(flag) for flag in flags] if isinstance(flags, list) else []
