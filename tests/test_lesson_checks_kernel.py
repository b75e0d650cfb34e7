"""What the lessons' checks say about the answer cell's own run, in a real kernel.

Only a kernel knows how a cell ran: IPython reports each run to ``post_run_cell``, which
check_tools follows. So these tests start an IPython kernel (jupyter_client, as JupyterLab and
nbval do) in a student copy's folder, run the student notebook's own cells, then a mistaken
answer the way a student would type it, then the check cell, and read the error the kernel
sends back: its message, and that Jupyter shows no traceback through the check's code.
"""
import os
import re

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from autograde.corpus.course_copy import REPO

STUDENT = REPO / "notebooks"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Kernel:
    """An IPython kernel in one lesson folder, and the student copy of one of its notebooks."""

    def __init__(self, notebook, cwd=None):
        self.path = STUDENT / notebook
        self.cells = {cell.id: cell.source for cell in nbformat.read(self.path, as_version=4).cells}
        # As JupyterLab starts it: ipykernel forwards what is written to its file descriptors (by
        # a kernel it starts, say) to the cell, except under pytest.
        environment = {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"}
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd or self.path.parent),
                                                     env=environment)

    def run(self, source: str) -> dict:
        """Run a cell; its printed text and its error (``ename``, and the text Jupyter shows)."""
        printed, error, shown = [], {}, []

        def output(message):
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] in ("execute_result", "display_data"):
                shown.append(content["data"])
            elif message["msg_type"] == "error":
                error.update(ename=content["ename"],
                             shown=ANSI.sub("", "\n".join(content["traceback"])))

        reply = self.client.execute_interactive(source, output_hook=output, timeout=120)
        return {"status": reply["content"]["status"], "number": reply["content"]["execution_count"],
                "printed": "".join(printed), "displayed": shown, **error}

    def run_cells(self, *cell_ids):
        for cell_id in cell_ids:
            outcome = self.run(self.cells[cell_id])
            assert outcome["status"] == "ok", f"{cell_id}: {outcome}"

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def lesson_1():
    kernel = Kernel("lessons/01_tokens.ipynb")
    kernel.run_cells("tokens-setup", "tokens-sentence", "tokens-split", "tokens-new-sentence")
    yield kernel
    kernel.close()


def said_by_check(outcome) -> str:
    """The check's message, after making sure it came as a Mistake without a traceback."""
    assert outcome.get("ename") == "Mistake", outcome
    shown = outcome["shown"]
    assert "Traceback" not in shown and "check_tools.py" not in shown, shown
    return " ".join(shown.split())   # the lines wrapped for the screen, joined again


def test_a_blank_answer_is_not_written_yet(lesson_1):
    blank = lesson_1.run(lesson_1.cells["tokens-ex1-answer"])
    assert blank.get("ename") == "NotImplementedError"
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex1-check"]))
    assert "Exercise 1: not yet." in said and "You have not written your answer yet" in said


def test_an_answer_cell_that_raised_is_named_with_its_line(lesson_1):
    lesson_1.run("new_tokens = new_sentence.split()")   # an earlier, right attempt ...
    raised = lesson_1.run("# Make a list called new_tokens.\nnew_tokens = new_sentence.splt()")
    assert raised.get("ename") == "AttributeError"
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex1-check"]))   # ... is not judged
    assert ("Your answer cell stopped with an error at line 2 (`new_tokens = new_sentence.splt()`): "
            "AttributeError: 'str' object has no attribute 'splt'") in said


def test_a_syntax_error_is_named(lesson_1):
    lesson_1.run("new_tokens = new_sentence.split((")
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex1-check"]))
    assert "Python found a syntax error at line 1 (`new_tokens = new_sentence.split((`)" in said
    assert "None of the cell ran" in said


def test_a_name_the_answer_cell_lacks_says_which_cells_to_run(lesson_1):
    lesson_1.run("new_tokens = new_sentnce.split()")
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex1-check"]))
    assert "NameError: name 'new_sentnce' is not defined" in said
    assert ("`new_sentnce` does not exist in this notebook. If a cell above makes it, run the cells "
            "above first") in said


def test_an_answer_cell_not_run_is_named(lesson_1):
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex2-check"]))
    assert "Exercise 2: not yet. You have not run your answer cell yet" in said


def test_an_answer_that_made_no_answer_is_named(lesson_1):
    lesson_1.run("important_positon = 5\nafter_focus = 'on'")
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex2-check"]))
    assert "but made no `important_position`: the answer must have exactly that name" in said


def test_a_wrong_answer_judged_after_other_cells_names_the_run(lesson_1):
    number = lesson_1.run("new_tokens = new_sentence.split(' ')")["number"]
    lesson_1.run("print('another cell')")
    said = said_by_check(lesson_1.run(lesson_1.cells["tokens-ex1-check"]))
    assert "Exercise 1: not right yet. expected 9 tokens, got 8: did you split on spaces" in said
    assert f"when it ran as In [{number}]. If you have changed that cell since, run it again" in said


def test_the_right_answer_passes(lesson_1):
    lesson_1.run("new_tokens = new_sentence.split()")
    outcome = lesson_1.run(lesson_1.cells["tokens-ex1-check"])
    assert outcome["status"] == "ok" and "Right: 9 tokens" in outcome["printed"]


def test_importing_follows_nothing_and_following_starts_once():
    kernel = Kernel("lessons/01_tokens.ipynb")
    try:
        count = "print(len(get_ipython().events.callbacks['post_run_cell']))"
        before = kernel.run(count)["printed"]
        kernel.run("import check_tools, checks_01_03")
        assert kernel.run(count)["printed"] == before
        kernel.run("checks_01_03.check.follow_cells(); checks_01_03.check.follow_cells()")
        assert int(kernel.run(count)["printed"]) == int(before) + 1
    finally:
        kernel.close()


def test_a_check_run_without_the_first_cell_says_what_to_run():
    """After a restart, a student may run the check cell alone: no NameError for `check`."""
    kernel = Kernel("lessons/01_tokens.ipynb")
    try:
        said = said_by_check(kernel.run(kernel.cells["tokens-ex1-check"]))
        assert "You have not run your answer cell yet" in said
    finally:
        kernel.close()


def test_lesson_2_not_on_a_boolean_array_points_to_the_tilde():
    kernel = Kernel("lessons/02_attention_matrix.ipynb")
    try:
        kernel.run_cells("matrix-setup", "matrix-tokens", "matrix-typed")
        kernel.run("close = np.isclose(typed.sum(axis=1), 1)\nbad_rows = list(np.array(tokens)[not close])")
        said = said_by_check(kernel.run(kernel.cells["matrix-ex1-check"]))
        assert "at line 2 (`bad_rows = list(np.array(tokens)[not close])`): ValueError: The truth value" in said
        assert "on a boolean array use `~`, `&` and `|`" in said
    finally:
        kernel.close()


def test_lesson_6_does_not_judge_an_earlier_attempt():
    """The issue's case: the answer cell raised after an earlier right attempt, and the check
    reported on the earlier attempt, contradicting the answer cell's own error."""
    kernel = Kernel("lessons-after-challenge/06_masks_and_heads.ipynb")
    try:
        kernel.run_cells("l06-setup", "l06-recap", "l06-future")
        kernel.run("causal_weights = course_softmax(np.where(future, -np.inf, scores))")
        kernel.run("# Set causal_weights.\ncausal_weights = course_softmax(np.where(future, -np.inf, scores), "
                   "axis=-1)")
        said = said_by_check(kernel.run(kernel.cells["l06-apply-check"]))
        assert ("Your answer cell stopped with an error at line 2 (`causal_weights = course_softmax("
                "np.where(future, -np.inf, scores), axis=-1)`): TypeError") in said
    finally:
        kernel.close()


def test_lesson_3_exercise_2_before_exercise_1_says_to_finish_exercise_1():
    kernel = Kernel("lessons/03_plotting_heatmaps.ipynb")
    try:
        kernel.run_cells("heatmap-setup", "heatmap-data", "heatmap-random")
        kernel.run(kernel.cells["heatmap-ex1-answer"])   # the blank function
        kernel.run("fig, (left, right) = plt.subplots(1, 2)\nplot_attention_heatmap(tokens, attention, ax=left)")
        said = said_by_check(kernel.run(kernel.cells["heatmap-ex2-check"]))
        assert ("Your answer cell calls plot_attention_heatmap(), which still raises NotImplementedError at "
                "line 2") in said
        assert "that is your function from exercise 1: finish exercise 1 first" in said
    finally:
        kernel.close()


def test_lesson_7_with_lesson_5s_course_softmax_quotes_the_line():
    """The issue's case: `course_softmax` (lesson 5's name) crashed the check with a NameError."""
    kernel = Kernel("lessons-after-challenge/07_real_attention.ipynb")
    try:
        kernel.run_cells("l07-setup", "l07-softmax", "l07-run", "l07-qkv")
        kernel.run("def head_weights(Q_head, K_head):\n    d = K_head.shape[-1]\n"
                   "    return course_softmax(Q_head @ K_head.T / np.sqrt(d))")
        said = said_by_check(kernel.run(kernel.cells["l07-qk-check"]))
        assert ("stopped with NameError: name 'course_softmax' is not defined in your head_weights() at "
                "line 3 of its cell (`return course_softmax(Q_head @ K_head.T / np.sqrt(d))`)") in said
        assert "this lesson has no course_softmax: its softmax is `softmax`" in said
    finally:
        kernel.close()
