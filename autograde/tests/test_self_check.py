"""The students' self-check, in-process: what it says before grading, and what it leaves behind."""
import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from autograde.checker.notebook import check_public, require, self_check  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402


def test_a_correct_function_passes_and_leaves_no_figure_open():
    before = plt.get_fignums()
    try:
        self_check(answer_function("solution"))
    except AssertionError as failure:
        # Say whether it fails again in this process (a state left by earlier tests) or not.
        again = {criterion: messages for criterion, messages in
                 check_public(answer_function("solution"))[0].items() if messages}
        raise AssertionError(f"{failure}\n(checked again at once: {again or 'passed'})") from None
    assert plt.get_fignums() == before


def test_hard_coded_tokens_show_before_grading():
    results, _ = check_public(answer_function("hardcoded_tokens"))
    assert results["x_ticks"] and "hard-code" in " ".join(results["x_ticks"])
    assert "Queries look at keys." in " ".join(results["x_ticks"])


def test_pyplot_drawing_next_to_the_given_ax_costs_the_return_value():
    results, _ = check_public(answer_function("pyplot_gca_given_ax"))
    assert [criterion for criterion, messages in results.items() if messages] == ["returns_axes"]
    assert "shows no heatmap" in results["returns_axes"][0] and "ax.imshow" in results["returns_axes"][0]


def test_one_failure_is_one_line_naming_every_criterion_it_costs():
    with pytest.raises(AssertionError) as error:
        self_check(answer_function("uses_fig_with_ax"))
    lines = [line for line in str(error.value).splitlines() if line.startswith("- ")]
    assert len(lines) == 1
    assert lines[0].startswith("- return value, matrix, x tick labels, y tick labels, colorbar, title: called with")
    with pytest.raises(AssertionError, match="title: called with an ax of ours"):
        require("title", answer_function("uses_fig_with_ax"))


def five_tick_positions(tokens, attention, ax=None):
    # A student's answer that only works for the challenge's five tokens.
    import numpy as np
    if ax is None:
        ax = plt.figure().add_subplot()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(5), labels=tokens)
    ax.set_yticks(range(5), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax


def test_ticks_for_five_tokens_only_are_named_once_with_the_fix():
    with pytest.raises(AssertionError) as error:
        self_check(five_tick_positions)
    lines = [line for line in str(error.value).splitlines() if line.startswith("- ")]
    assert len(lines) == 1, lines
    assert "(only with the sentence 'Queries look at keys.' (4 tokens))" in lines[0]
    assert "does not match the number of labels (4). Hint: " in lines[0]
    assert "range(len(tokens)), labels=tokens" in lines[0]


def test_a_sentence_is_named_once_when_both_call_shapes_fail_with_it():
    def labels_without_positions(tokens, attention, ax=None):
        ax = five_tick_positions(tokens, attention, ax)
        ax.set_xticks(range(len(tokens)))
        ax.set_xticklabels(list(reversed(tokens)))  # the public sentence's labels come out wrong
        return ax

    results, _ = check_public(labels_without_positions)
    assert results["x_ticks"], results
    assert any(message.startswith("called with and without an ax (only with the challenge's sentence):")
               for message in results["x_ticks"]), results["x_ticks"]
