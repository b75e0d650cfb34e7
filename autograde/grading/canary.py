"""The canary: before anyone is graded, the instructor's solution must earn full marks.

When the grader's own machinery is broken, every student graded by it gets what the broken
machinery gives: two course folders sharing one virtualenv whose editable install of the kit
points at the other folder left the inspector unable to import ``autograde``, and a class of
96 students was recorded with 0 on every criterion. So each run first grades the instructor's
solution (the ``source`` notebook, answer and all) as if a student had handed it in, through
the real path: nbgrader's sanitize and autograde preprocessors, the kernel in the sandbox, the
inspector in its own. Unless it scores every point, nobody is graded and the run stops with
what went wrong (:class:`autograde.grading.protocol.GraderFault`).

``python -m autograde grade`` runs it on a worker next to the first students and saves no
grade before it passes; plain ``nbgrader autograde`` runs it from the course's
``pre_convert_hook`` (:mod:`autograde.grading.submission_guard`), before the first student.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograde.grading.protocol import GraderFault, criterion_points, plural, recorded

#: The student id the solution is graded as (its hidden inputs are drawn for this name).
REFERENCE_STUDENT = "instructor-solution"


def _kit_mismatch() -> str | None:
    """When a fresh, isolated Python of this virtualenv imports another ``autograde`` than this
    process (an editable install of another course folder), the sentence that says so."""
    ours = str(Path(__file__).resolve().parents[1])
    found = subprocess.run([sys.executable, "-I", "-c", "import autograde, os; print(os.path.dirname("
                            "os.path.realpath(autograde.__file__)))"], capture_output=True, text=True)
    theirs = found.stdout.strip() or "nowhere (it cannot be imported)"
    if theirs == ours:
        return None
    return (f"this virtualenv's grading kit is installed from {theirs}, but this course runs {ours}: "
            f"reinstall it from here (./course generate, or pip install --no-deps -e .), or give each "
            f"course folder its own virtualenv")


def _why_not_full(notebook) -> str:
    points, record = criterion_points(notebook), recorded(notebook)
    earned = record.get("points") if isinstance(record.get("points"), dict) else {}
    lost = [name for name, maximum in points.items() if earned.get(name) != maximum]
    messages = [message for verdicts in (record.get("verdicts") or {}).values() if isinstance(verdicts, dict)
                for name, message in verdicts.items() if name in lost and message]
    return (f"it earned {sum(float(earned.get(name) or 0) for name in points):g} of "
            f"{plural(sum(points.values()), 'point')} (lost: {', '.join(lost)})"
            + (f"; first reason: {messages[0]}" if messages else ""))


def grade_reference(steps, assignment_id: str):
    """Grade the instructor's solution of ``assignment_id`` with ``steps`` (an
    :class:`autograde.grading.nbgrader_adapter.AutogradeSteps` of the ``execute`` part), in a
    scratch copy of the assignment's source folder. Returns the graded notebooks."""
    import nbformat

    coursedir = steps.coursedir
    source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment_id))
    graded = []
    with tempfile.TemporaryDirectory(prefix="autograde-canary-") as scratch:
        folder = Path(scratch) / assignment_id
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns(*coursedir.ignore))
        for path in sorted(folder.glob("*.ipynb")):
            resources = {"unique_key": path.stem, "output_files_dir": f"{path.stem}_files",
                         "nbgrader": {"student": REFERENCE_STUDENT, "assignment": assignment_id,
                                      "notebook": path.stem, "db_url": coursedir.db_url}}
            graded.append(nbformat.reads(steps.sanitize_and_execute(str(path), str(path), resources=resources),
                                         as_version=4))
    return graded


def check_reference(steps, assignment_id: str) -> None:
    """Raise :class:`GraderFault` unless the instructor's solution earns every point."""
    source = steps.coursedir.format_path(steps.coursedir.source_directory, ".", assignment_id)
    try:
        notebooks = grade_reference(steps, assignment_id)
        problems = [_why_not_full(notebook) for notebook in notebooks
                    if criterion_points(notebook) and recorded(notebook).get("points") != criterion_points(notebook)]
    except GraderFault as fault:
        problems = [str(fault.args[0])]
    except Exception as error:  # noqa: BLE001 - whatever broke, the grader cannot grade
        problems = [f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300] if str(error).strip() else ''}"]
    if not problems:
        return
    hint = _kit_mismatch()
    raise GraderFault(
        f"the grader's own check failed, so nobody was graded: the instructor's solution "
        f"({os.path.relpath(source)}), graded as a student's submission through the sandbox and the "
        f"inspector, does not earn full marks: {problems[0]}. "
        + (f"Likely cause: {hint}. " if hint else "")
        + "Fix the grader, then grade again.")
