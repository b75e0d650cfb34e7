"""The students' self-check, in-process: what grading would give on its calls, and what it leaves behind."""
import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from autograde.checker.notebook import check_public, failures_of, points_report, require, self_check  # noqa: E402
from autograde.checker.spec import OTHER_ATTENTION, OTHER_SENTENCE, make_call, public_calls  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402

#: The self-check's calls with a fixed second sentence instead of one drawn at random.
FIXED_CALLS = public_calls() + [make_call("fresh_no_ax", "no_ax", OTHER_SENTENCE.split(), OTHER_ATTENTION, False)]


def test_a_correct_function_gets_10_of_10_and_leaves_no_figure_open(capsys):
    before = plt.get_fignums()
    try:
        self_check(answer_function("solution"))
    except AssertionError as failure:
        # Say whether it fails again in this process (a state left by earlier tests) or not.
        again = {criterion: messages for criterion, messages in
                 failures_of(check_public(answer_function("solution"))).items() if messages}
        raise AssertionError(f"{failure}\n(checked again at once: {again or 'passed'})") from None
    printed = capsys.readouterr().out
    assert "All public checks passed: 10/10 on these calls.\nThe calls: called without ax, on the challenge's " \
           "sentence and the sentence '" in printed
    assert plt.get_fignums() == before


def test_the_calls_are_grading_calls_with_a_sentence_drawn_each_time():
    first, second = (check_public(answer_function("solution"))["calls"] for _ in range(2))
    assert [call["name"] for call in first] == ["public_no_ax", "public_with_ax", "fresh_no_ax", "fresh_with_ax"]
    assert first[:2] == second[:2] == public_calls() and first[2:] != second[2:]


def test_hard_coded_tokens_show_before_grading():
    results = failures_of(check_public(answer_function("hardcoded_tokens"), calls=FIXED_CALLS))
    assert results["x_ticks"] and "hard-code" in " ".join(results["x_ticks"])
    assert "Queries look at keys." in " ".join(results["x_ticks"])


def test_a_failure_is_one_line_with_every_criterion_it_costs_and_the_points_lost():
    with pytest.raises(AssertionError) as error:
        self_check(answer_function("pyplot_gca_given_ax"))
    text = str(error.value)
    assert text.startswith("5/10 on these calls. What costs points:\n")
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == 1
    assert lines[0].startswith("- return value, matrix, x tick labels, y tick labels, colorbar, title (\u22125): "
                               "called with an ax of ours")
    assert "pyplot's current Axes" in lines[0] and "ax.imshow" in lines[0]
    assert "Points per criterion: return value 0.5/1, matrix 1.5/3, x tick labels 1/2, " in text
    with pytest.raises(AssertionError, match=r"title: 0\.5/1 on the self-check's calls: called with an ax of ours"):
        require("title", answer_function("pyplot_gca_given_ax"))


def test_what_a_raise_costs_is_what_it_kept_from_being_drawn():
    passed, text = points_report(check_public(answer_function("uses_fig_with_ax"), calls=public_calls()))
    assert not passed and text.startswith("8.5/10 on these calls.")
    assert "- return value (\u22120.5): called with an ax of ours" in text and "use ax.figure" in text
    assert "- colorbar (\u22120.5): called with an ax of ours (attention as a NumPy array): no colorbar" in text


def test_the_self_check_shows_the_picture_of_each_call_that_lost_points(capsys):
    with pytest.raises(AssertionError):
        self_check(answer_function("ignores_given_ax"))
    printed = capsys.readouterr().out
    assert printed.count("<IPython.core.display.Image object>") == 3  # the first call, and the two with an ax
    assert "Called with an ax of ours (attention as a NumPy array), with the challenge's sentence:" in printed


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
    _, text = points_report(check_public(five_tick_positions, calls=FIXED_CALLS))
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert all("(only with the sentence 'Queries look at keys.' (4 tokens))" in line for line in lines), lines
    [raised] = [line for line in lines if "does not match the number of labels (4). Hint: " in line]
    assert raised.startswith("- return value (\u22120.5): ") and "range(len(tokens)), labels=tokens" in raised
    assert not any(line.startswith("- matrix") for line in lines)  # drawn before the error: it counts


def test_a_sentence_is_named_once_when_both_call_shapes_fail_with_it():
    def labels_without_positions(tokens, attention, ax=None):
        ax = five_tick_positions(tokens, attention, ax)
        ax.set_xticks(range(len(tokens)))
        ax.set_xticklabels(list(reversed(tokens)))  # the public sentence's labels come out wrong
        return ax

    results = failures_of(check_public(labels_without_positions, calls=FIXED_CALLS))
    assert results["x_ticks"], results
    assert any(message.startswith("called with and without an ax (only with the challenge's sentence):")
               for message in results["x_ticks"]), results["x_ticks"]
