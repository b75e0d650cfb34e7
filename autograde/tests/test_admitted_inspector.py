"""A sample of the colormap, norm and plot-type sweep, read by the sandboxed inspector.

``test_admitted_sweep.py`` reads every colormap, norm and plot type in-process; here a
sample of those the unpickler once refused (formula colormaps, reversed and with their
extremes set, a norm built from a scale, a seaborn palette, inset and divider colorbars,
subfigures) and the pictures read differently now (faded, smoothed, made by hand) goes
through what grading runs: ``autograde.grading.inspector.inspect_evidence`` in its own
bubblewrap sandbox, one process for all of them. Run it under the machine-wide lock.
"""
import matplotlib
import pytest

matplotlib.use("agg")

from autograde.checker.evidence import collect  # noqa: E402
from autograde.checker.spec import public_calls  # noqa: E402
from autograde.checker.verdicts import judge_call, split_points  # noqa: E402
from autograde.corpus import answer_function, notebook_points  # noqa: E402
from autograde.grading.inspector import inspect_evidence  # noqa: E402
from autograde.sandbox import Sandbox  # noqa: E402
from autograde.tests.plot_types import PLOT_TYPES  # noqa: E402
from autograde.tests.test_admitted_sweep import reference  # noqa: E402

pytestmark = pytest.mark.integration

SAMPLE = {
    "rainbow": reference(cmap="rainbow"),
    "cubehelix reversed": reference(cmap=matplotlib.colormaps["cubehelix"].reversed()),
    "gnuplot2 with extremes": reference(cmap=matplotlib.colormaps["gnuplot2"].with_extremes(bad="k", over="w")),
    "ocean resampled": reference(cmap=matplotlib.colormaps["ocean"].resampled(12)),
    'norm="symlog"': reference(norm="symlog"),
    **{name: PLOT_TYPES[name] for name in ("seaborn_listed_palette", "inset_colorbars", "subfigures_and_suptitle")},
    **{name: answer_function(name) for name in ("faded_alpha", "smoothed_gaussian", "handmade_labels_and_scale")},
}


def test_a_sample_of_the_sweep_grades_full_marks_through_the_sandboxed_inspector():
    calls = public_calls()
    evidence = [collect(function, call) for function in SAMPLE.values() for call in calls]
    readings = inspect_evidence(evidence, sandbox=Sandbox())
    assert len(readings) == len(evidence)
    for index, name in enumerate(SAMPLE):
        mine = readings[index * len(calls):(index + 1) * len(calls)]
        assert all(reading["refused"] is None and reading["flags"] == [] for reading in mine), (name, mine)
        verdicts = {call["name"]: judge_call(reading, call) for call, reading in zip(calls, mine)}
        results = split_points(calls, verdicts, notebook_points())
        assert sum(result["score"] for result in results.values()) == 10, (name, results)
