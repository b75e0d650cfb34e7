"""What the challenge's self-check, graded cells and "Grade me" cell show a student, in a real kernel.

As for the lessons (``test_lesson_checks_kernel.py``, whose :class:`Kernel` this uses), only a
kernel knows how the answer cell ran and how Jupyter shows an error: these tests run the student
copy's own cells, then answers the way a student types them, and read what the kernel sends back.
"""
import re
import shutil

import pytest

from autograde.corpus import ANSWERS, cases, write_submission
from autograde.corpus.course_copy import REPO
from test_lesson_checks_kernel import Kernel

CHALLENGE = "challenge/04_challenge.ipynb"


def answer(name: str) -> str:
    return (ANSWERS / f"{name}.py").read_text()


@pytest.fixture(scope="module")
def challenge():
    kernel = Kernel(CHALLENGE)
    assert kernel.run(kernel.cells["setup"])["displayed"] == []   # the first cell shows nothing
    kernel.run_cells("data")
    yield kernel
    kernel.close()


def shown_once_without_a_traceback(outcome) -> str:
    """The error's text as Jupyter shows it, after checking that it is still an error output (what
    nbgrader's validate counts as a failed graded cell) with no traceback through the checker."""
    assert outcome["status"] == "error" and outcome.get("ename") == "CheckFailed", outcome
    shown = outcome["shown"]
    assert "Traceback" not in shown and "heatmap_check.py" not in shown and "AssertionError" not in shown, shown
    return shown


def test_a_failing_self_check_and_graded_cell_show_the_message_once_without_a_traceback(challenge):
    assert challenge.run(answer("colorbar_unlabelled"))["status"] == "ok"
    shown = shown_once_without_a_traceback(challenge.run(challenge.cells["self-check"]))
    assert shown.startswith("9/10 on these calls. What costs points:"), shown
    assert shown.count("What costs points") == 1 and shown.count("Points per criterion") == 1, shown
    graded = shown_once_without_a_traceback(challenge.run(challenge.cells["graded-colorbar"]))
    assert graded.count("colorbar: 0/1 on the self-check's calls") == 1, graded


def test_the_picture_with_an_ax_of_ours_says_whose_the_empty_axes_is(challenge):
    assert challenge.run(answer("colorbar_unlabelled"))["status"] == "ok"
    printed = challenge.run(challenge.cells["self-check"])["printed"]
    picture, note = printed.index("Called with an ax of ours"), printed.index("is the grader's, not yours")
    assert picture < note, printed


def test_an_answer_cell_that_stopped_is_named_before_the_points_of_the_old_function(challenge):
    assert challenge.run(answer("solution"))["status"] == "ok"
    broken = challenge.run("def plot_attention_heatmap(tokens, attention, ax=None:\n    return ax\n")
    assert broken.get("ename") == "SyntaxError"
    self_check = challenge.run(challenge.cells["self-check"])
    printed = re.sub(r"\x1b\[[0-9;]*m", "", self_check["printed"])
    warning = ("Your answer cell (`def plot_attention_heatmap(tokens, attention, ax=None:`) stopped with "
               "SyntaxError: ")
    assert printed.startswith(warning) and "at line 1: fix it and run it again" in printed, printed
    assert printed.index("earlier run") < printed.index("All public checks passed"), printed
    graded = re.sub(r"\x1b\[[0-9;]*m", "", challenge.run(challenge.cells["graded-title"])["printed"])
    assert graded.startswith(warning), graded
    assert challenge.run(answer("solution"))["status"] == "ok"   # fixed and run again: no warning
    assert "Your answer cell" not in challenge.run(challenge.cells["self-check"])["printed"]


def test_grade_me_shows_the_report_alone(tmp_path):
    """The "Grade me" cell prints its report, with no dict after it and no warning of the fresh
    kernel it starts; an answer cell that stopped is named by its first line, not a number."""
    shutil.copy(REPO / "notebooks/challenge/heatmap_check.py", tmp_path / "heatmap_check.py")
    case = next(case for case in cases() if case.name == "solution")
    write_submission(case, tmp_path / "04_challenge.ipynb")
    kernel = Kernel(CHALLENGE, cwd=tmp_path)
    try:
        kernel.run_cells("setup")
        graded = kernel.run(kernel.cells["grade-me"])
        assert graded["status"] == "ok", graded
        assert "All public checks passed: 10/10 on these calls." in graded["printed"], graded
        assert "WARNING" not in graded["printed"] and "TCP" not in graded["printed"], graded["printed"]
        assert not [data for data in graded["displayed"] if "image/png" not in data], graded["displayed"]
    finally:
        kernel.close()
