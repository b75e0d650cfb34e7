"""The whole submission corpus, graded by the real ``nbgrader autograde``.

Every sample submission in ``autograde/corpus`` is written into a throwaway
copy of the course and graded with this repository's ``nbgrader_config.py``
(real kernels in the grading sandbox, the evidence read by the sandboxed
inspector). Each graded cell must score exactly what the case expects (derived
from the points in the notebook's metadata), every student must end with a
recorded grade, and the flagged students must be exactly the cases that expect
a flag. The corpus is split over two course copies graded side by side.
"""
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograde.corpus import cases, notebook_points
from autograde.corpus.course import autograde, scores_of, submit
from autograde.corpus.course_copy import REPO, copy_course
from autograde.term.flags import find_flags

pytestmark = pytest.mark.integration

CASES = cases()
SHARDS = 2


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """({student: {grade_id: points}}, [(student, reason)]) for the whole corpus."""
    shards = [CASES[i::SHARDS] for i in range(SHARDS)]

    def grade(index):
        course = copy_course(tmp_path_factory.mktemp(f"course{index}") / "course", assignments=["challenge"])
        submit(course, shards[index])
        autograde(course)
        return scores_of(course), find_flags(course / "grading" / "autograded")

    with ThreadPoolExecutor(SHARDS) as pool:
        results = list(pool.map(grade, range(SHARDS)))
    all_scores, all_flags = {}, []
    for shard_scores, shard_flags in results:
        all_scores.update(shard_scores)
        all_flags += shard_flags
    return all_scores, all_flags


def test_the_corpus_is_big_and_varied():
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 40 and kinds == {"valid", "defect", "crash", "attack"}
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_scores_exactly_what_it_expects(graded, case):
    got = graded[0].get(case.name)
    assert got is not None, f"{case.name} has no recorded grade"
    assert got == case.expected(notebook_points()), (
        f"{case.name} ({case.kind}) scored {got}, expected {case.expected()}; "
        f"flags: {[r for s, r in graded[1] if s == case.name]}")


def test_flagged_students_are_exactly_the_cases_that_expect_a_flag(graded):
    flagged = {student for student, _ in graded[1]}
    assert flagged == {case.name for case in CASES if case.flagged}, graded[1]


def test_a_course_that_judges_the_returned_axes_grades_as_it_says(tmp_path):
    """c.HeatmapGrading.judge_with_ax_on = "returned": ignoring the given ax costs the return value only."""
    config = (REPO / "nbgrader_config.py").read_text() + '\nc.HeatmapGrading.judge_with_ax_on = "returned"\n'
    course = copy_course(tmp_path / "course", assignments=["challenge"], config_text=config)
    chosen = [case for case in CASES if case.fails_when_returned] + [
        case for case in CASES if case.name == "raises_after_drawing"]
    submit(course, chosen)
    autograde(course)
    scores = scores_of(course)
    for case in chosen:
        assert scores[case.name] == case.expected(judge_with_ax_on="returned"), case.name
    assert sum(scores["ignores_given_ax"].values()) == 9.5


def test_solution_scores_full_marks_and_blank_scores_zero(graded):
    assert sum(graded[0]["solution"].values()) == sum(notebook_points().values())
    assert sum(graded[0]["blank"].values()) == 0
