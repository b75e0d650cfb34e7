"""The students' self-check, in-process: what it says before grading, and what it leaves behind."""
import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from autograde.checker.notebook import check_public, require, self_check  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402


def test_a_correct_function_passes_and_leaves_no_figure_open():
    before = plt.get_fignums()
    self_check(answer_function("solution"))
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
