"""Benchmark: what showing each call's picture costs the inspector, and what the self-check costs.

    python benchmarks/bench_shown_pictures.py [--repeat 7]

For a few corpus answers, the four grading calls' evidence is collected once (as a
grading kernel sends it); then, in this one process, medians of ``--repeat`` runs:

1. reading one call's evidence as the grader read it before it showed pictures
   (``read_evidence``: unpickle, render, read the picture against its pixels);
2. the same with the call's picture made for the feedback, as the inspector makes it
   (``read_evidence(..., show=...)``: ``shown_png``, the figure as the caller saw it, a PNG
   of at most 900 px a side cut from the reading's render, while the drawing is open);
3. the same with the picture saved by ``savefig`` instead (``shown_png`` without the
   reading's renders: as the inspector made it before, and the self-check still does);
4. the students' self-check on the answer (four calls, forked, read and judged, their
   pictures drawn), wall time.

Printed: milliseconds per call for 1, 2 and 3, the ratios 2 / 1 and 3 / 1, the PNG's size,
and the self-check's seconds. CPU-heavy measurements are noisy on a shared machine: read
the ratios, taken within one run.
"""
import argparse
import statistics
import time
import warnings

import matplotlib

matplotlib.use("agg")
from autograde.checker.evidence import collect, shown_png  # noqa: E402
from autograde.checker.notebook import check_public  # noqa: E402
from autograde.checker.unpickle import read_evidence  # noqa: E402
from autograde.checker.verdicts import axes_to_read  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402
from autograde.grading.hidden_inputs import grading_calls  # noqa: E402

STYLES = ("solution", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap", "ignores_given_ax")


def median_ms(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def with_picture(evidence, order, from_render=True):
    def show(drawing, renders):
        return shown_png(drawing, order, renders if from_render else None)
    return read_evidence(evidence, order, show=show)["png"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    warnings.simplefilter("ignore")
    print(f"{'answer':28} {'read ms':>8} {'+picture ms':>11} {'ratio':>6} {'+savefig ms':>11} {'ratio':>6} "
          f"{'PNG kB':>7} {'self-check s':>12}")
    for name in STYLES:
        function = answer_function(name)
        reads, pictures, saved, sizes = [], [], [], []
        for call in grading_calls(1234, name):
            evidence, order = collect(function, call), axes_to_read(call)
            reads.append(median_ms(lambda: read_evidence(evidence, order), repeat))
            pictures.append(median_ms(lambda: with_picture(evidence, order), repeat))
            saved.append(median_ms(lambda: with_picture(evidence, order, from_render=False), repeat))
            sizes.append(len(with_picture(evidence, order) or "") * 3 / 4 / 1000)
        start = time.perf_counter()
        check_public(function, show=True)
        self_check = time.perf_counter() - start
        read, shown, drawn = statistics.mean(reads), statistics.mean(pictures), statistics.mean(saved)
        print(f"{name:28} {read:8.0f} {shown:11.0f} {shown / read:6.2f} {drawn:11.0f} {drawn / read:6.2f} "
              f"{statistics.mean(sizes):7.1f} {self_check:12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
