"""Every colormap, norm and plot type: the reference solution grades 10/10 in the grading pipeline.

In-process, through what grading runs: each call collected in a forked child
(``evidence.collect``), read back by ``read_evidence`` (the restricted unpickler, then
the reader held to the render), judged (``judge_call``) and scored (``split_points``).
Each registered colormap (the ``_r`` ones are registered too) and each norm is the
reference solution's colormap or norm; each colormap is graded on one of the four
grading calls (taken in turn, so that every call shape and sentence is swept), each
norm and each plot type of the catalogue (``plot_types.py``) on all four. Marked
``corpus``, like the quick layer under the graded corpus. ``test_admitted.py`` holds
the fast round-trips; the sandboxed inspector reads a sample in
``test_admitted_inspector.py``.
"""
import matplotlib
import numpy as np
import pytest

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograde.checker.evidence import collect  # noqa: E402
from autograde.checker.unpickle import read_evidence  # noqa: E402
from autograde.checker.verdicts import judge_call, split_points  # noqa: E402
from autograde.corpus import notebook_points  # noqa: E402
from autograde.grading.hidden_inputs import grading_calls  # noqa: E402
from autograde.tests.plot_types import PLOT_TYPES  # noqa: E402
from autograde.tests.test_admitted import norms  # noqa: E402

pytestmark = pytest.mark.corpus

CALLS = grading_calls(20, "sweep")
COLORMAPS = sorted(matplotlib.colormaps)


def reference(cmap=None, norm=None):
    """The reference solution (corpus answer ``solution``) with another colormap or norm."""
    def plot_attention_heatmap(tokens, attention, ax=None):
        attention = np.asarray(attention, dtype=float)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 5))
        image = ax.imshow(attention, cmap=cmap, norm=norm)
        ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
        ax.set_yticks(range(len(tokens)), labels=tokens)
        ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
        ax.set_title("Attention Heatmap")
        ax.set_xlabel("Key Tokens")
        ax.set_ylabel("Query Tokens")
        return ax
    return plot_attention_heatmap


def graded(function, calls):
    """(total points, the failures) of ``function`` on ``calls``, as grading scores them, and
    every reading's refusal."""
    readings = {call["name"]: read_evidence(collect(function, call)) for call in calls}
    assert all(reading["refused"] is None and not reading["flags"] for reading in readings.values()), readings
    verdicts = {call["name"]: judge_call(readings[call["name"]], call) for call in calls}
    results = split_points(calls, verdicts, notebook_points())
    return sum(result["score"] for result in results.values()), [line for result in results.values()
                                                                  for line in result["failures"]]


@pytest.mark.parametrize("index", range(len(COLORMAPS)), ids=COLORMAPS)
def test_every_colormap_grades_full_marks(index):
    call = CALLS[index % len(CALLS)]
    score, failures = graded(reference(cmap=COLORMAPS[index]), [call])
    assert (score, failures) == (10, []), failures


@pytest.mark.parametrize("label, norm, cmap", norms(), ids=[label for label, _, _ in norms()])
def test_every_norm_grades_full_marks(label, norm, cmap):
    score, failures = graded(reference(cmap=cmap, norm=norm), CALLS)
    assert (score, failures) == (10, []), failures


@pytest.mark.parametrize("name", sorted(PLOT_TYPES))
def test_every_plot_type_grades_full_marks(name):
    score, failures = graded(PLOT_TYPES[name], CALLS)
    assert (score, failures) == (10, []), failures
