"""Fixtures shared by the grading kit's tests."""
import pytest

from autograde.corpus.course_copy import copy_course


@pytest.fixture(scope="session")
def challenge_course(tmp_path_factory):
    """A copy of the course with the challenge generated into a fresh gradebook (nbgrader's
    generate_assignment, a few seconds): made once for the tests that only read it or add
    files of their own."""
    return copy_course(tmp_path_factory.mktemp("challenge") / "course", assignments=["challenge"])


@pytest.fixture(autouse=True)
def inspector_servers_closed():
    """A test that read evidence in this process leaves no inspector server running (tests of
    the sandbox look for leftover sandbox processes)."""
    yield
    import sys
    inspector = sys.modules.get("autograde.grading.inspector")
    if inspector is not None:
        inspector.close_servers()


@pytest.fixture(autouse=True)
def fast_unpickling_unmarked():
    """A test that read a forged pickle in this process leaves the next test's readings
    unmarked (:mod:`autograde.checker.fast_unpickle`: a grading reader serves one submission)."""
    yield
    import sys
    fast_unpickle = sys.modules.get("autograde.checker.fast_unpickle")
    if fast_unpickle is not None:
        fast_unpickle.clear_mark()
