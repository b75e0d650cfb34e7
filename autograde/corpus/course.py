"""Grade sample submissions with the real ``nbgrader autograde`` in a throwaway course.

Used by the corpus tests, the benchmarks and `benchmarks/naive_baseline.py`::

    course = copy_course(tmp_path / "course", assignments=["challenge"])
    submit(course, cases())                      # grading/submitted/<case>/challenge/...
    autograde(course)                            # real kernels, real sandbox, this repo's config
    scores_of(course)                            # {student: {grade_id: points}}
"""
from pathlib import Path

from autograde.corpus.course_copy import nbgrader
from autograde.grading.nbgrader_adapter import course_directory
from autograde.grading.protocol import ASSIGNMENT, NOTEBOOK
from autograde.term.gradebook import db_url_of, scores

from . import write_submission


def submitted_path(course, student: str) -> Path:
    """Where nbgrader expects ``student``'s challenge notebook in ``course``."""
    folder = course_directory(course).format_path(course_directory(course).submitted_directory,
                                                  student, ASSIGNMENT)
    return Path(course) / folder / f"{NOTEBOOK}.ipynb"


def submit(course, cases, template=None) -> None:
    """Write each case as student ``case.name``'s submission (from ``template``,
    by default the repository's generated student notebook)."""
    for case in cases:
        write_submission(case, submitted_path(course, case.name), template=template)


def autograde(course, *students, check=True):
    """Run ``nbgrader autograde`` for all (or the given) students."""
    args = ["autograde", ASSIGNMENT, "--force"]
    if students:
        args.append("--student=" + ",".join(students))
    return nbgrader(course, *args, check=check)


def scores_of(course) -> dict:
    """``{student: {grade_id: points}}`` from the course's gradebook."""
    return scores(db_url_of(course), ASSIGNMENT)
