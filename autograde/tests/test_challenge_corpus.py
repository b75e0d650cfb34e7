"""The whole submission corpus, graded by the real ``nbgrader autograde``.

Every sample submission in ``autograde/corpus`` is written into a throwaway
copy of the course and graded with this repository's ``nbgrader_config.py``
(real kernels, the real checker restored from the instructor's copy). Each
graded cell must score exactly what the case expects, every student must end
with a recorded grade, and the flagged students must be exactly the tampering
cases. The corpus is split over two course copies graded side by side.
"""
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `autograde` is importable
from autograde.corpus import cases  # noqa: E402
from autograde.corpus.course import autograde, make_course, scores, submit  # noqa: E402
from autograde.flags import find_flags  # noqa: E402

CASES = cases()
SHARDS = 2


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """({student: {grade_id: points}}, [(student, reason)]) for the whole corpus."""
    shards = [CASES[i::SHARDS] for i in range(SHARDS)]

    def grade(index):
        course = make_course(tmp_path_factory.mktemp(f"course{index}"))
        submit(course, shards[index])
        autograde(course)
        return scores(course), find_flags(course / "autograde" / "autograded")

    with ThreadPoolExecutor(SHARDS) as pool:
        results = list(pool.map(grade, range(SHARDS)))
    all_scores, all_flags = {}, []
    for shard_scores, shard_flags in results:
        all_scores.update(shard_scores)
        all_flags += shard_flags
    return all_scores, all_flags


def test_the_corpus_is_big_and_varied():
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 30 and kinds == {"valid", "defect", "crash", "tampering"}
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_scores_exactly_what_it_expects(graded, case):
    got = graded[0].get(case.name)
    assert got is not None, f"{case.name} has no recorded grade"
    assert got == case.expected, (
        f"{case.name} ({case.kind}) scored {got}, expected {case.expected}; "
        f"flags: {[r for s, r in graded[1] if s == case.name]}")


def test_flagged_students_are_exactly_the_tampering_cases(graded):
    flagged = {student for student, _ in graded[1]}
    assert flagged == {case.name for case in CASES if case.flagged}, graded[1]


def test_solution_scores_ten_and_blank_scores_zero(graded):
    assert sum(graded[0]["solution"].values()) == 10
    assert sum(graded[0]["blank"].values()) == 0
