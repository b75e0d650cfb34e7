"""Grade sample submissions with the real ``nbgrader autograde`` in a throwaway course.

Used by the corpus test and by :mod:`autograde.naive_baseline`::

    course = make_course(tmp_path / "course")
    submit(course, cases())                      # autograde/submitted/<case>/challenge/...
    autograde(course)                            # real kernels, this repo's nbgrader_config.py
    scores(course)                               # {student: {grade_id: points}}
"""
import shutil
import subprocess
import sys
from pathlib import Path

from . import REPO, write_submission

ASSIGNMENT = "challenge"
NOTEBOOK = "04_challenge"


def make_course(root, solutions=None, config=True) -> Path:
    """Copy the config, ``autograde/`` code and the challenge into ``root``; generate it.

    ``solutions`` replaces the instructor's challenge folder and ``config=False``
    keeps a ``nbgrader_config.py`` already in ``root`` (the naive baseline
    grades with its own test cell and nbgrader's defaults this way).
    """
    root = Path(root)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "gradebook.db*",
                                    "submitted", "autograded", "feedback", "exchange",
                                    "source_with_tests", "solution", "reports")
    root.mkdir(parents=True, exist_ok=True)
    if config:
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "autograde", root / "autograde", ignore=ignore)
    shutil.copytree(solutions or REPO / "solutions" / ASSIGNMENT,
                    root / "solutions" / ASSIGNMENT, ignore=ignore)
    _nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def submit(course, cases, template=None) -> None:
    """Write each case as student ``case.name``'s submission (from ``template``,
    by default the repository's generated student notebook)."""
    for case in cases:
        write_submission(case, Path(course) / "autograde" / "submitted" / case.name
                         / ASSIGNMENT / f"{NOTEBOOK}.ipynb", template=template)


def autograde(course, *students) -> subprocess.CompletedProcess:
    """Run ``nbgrader autograde`` for all (or the given) students."""
    args = ["autograde", ASSIGNMENT, "--force"]
    if students:
        args.append("--student=" + ",".join(students))
    return _nbgrader(course, *args)


def scores(course) -> dict:
    """``{student: {grade_id: points}}`` from the course's gradebook;
    ``None`` for a cell left without an automatic score."""
    from nbgrader.api import Gradebook
    result = {}
    with Gradebook(f"sqlite:///{Path(course) / 'autograde' / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            try:
                notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id)
            except Exception:  # noqa: BLE001 - a student without a submission
                continue
            result[student.id] = {grade.name: (None if grade.needs_manual_grade else grade.score)
                                  for grade in notebook.grades}
    return result


def _nbgrader(course, *args) -> subprocess.CompletedProcess:
    process = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"],
                             cwd=course, capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{process.stdout}\n{process.stderr}")
    return process
