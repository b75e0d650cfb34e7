"""Benchmark: unpickling one call's evidence, the checked way and the fast way.

    python benchmarks/bench_unpickle.py [--repeat 15]

For a few corpus answers, the four grading calls' evidence is collected once (as a grading
kernel sends it); then, in this one process, each pickle is read ``--repeat`` times both ways,
taking turns, and the best time of each is kept:

1. the checked unpickler (:class:`autograde.checker.unpickle.FigureUnpickler`, Python's
   unpickler written in Python, each BUILD checked) and :func:`check_genuine`;
2. what grading does now (:func:`autograde.checker.unpickle._load`): the C unpickler with its
   checks (:mod:`autograde.checker.fast_unpickle`), the checked one only when in doubt.

Printed: milliseconds per pickle both ways and the ratio, per answer, and whether any
reading fell back to the checked unpickler (it must not, for honest figures). CPU-heavy
measurements are noisy on a shared machine: read the ratios, taken within one run.
"""
import argparse
import base64
import functools
import io
import time

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograde.checker import fast_unpickle, unpickle  # noqa: E402
from autograde.checker.evidence import collect  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402
from autograde.grading.hidden_inputs import grading_calls  # noqa: E402

ANSWERS = ("solution", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap", "ignores_given_ax")


def checked(data: bytes):
    drawing = unpickle.FigureUnpickler(io.BytesIO(data), fast_unpickle._Handed()).load()
    unpickle.check_genuine(drawing)


def ms_per_pickle(action, pickles) -> float:
    started = time.process_time()
    for data in pickles:
        action(data)
    plt.close("all")
    return (time.process_time() - started) * 1000 / len(pickles)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="reads of each pickle each way (default 15)")
    args = parser.parse_args(argv)
    calls = grading_calls(20, "bench")
    print(f"{'answer':<28}{'KB':>6}{'checked ms':>12}{'fast ms':>10}{'fast/checked':>14}")
    for name in ANSWERS:
        function = answer_function(name)
        pickles = [base64.b64decode(collect(function, call)["pickle"]) for call in calls]
        times = {"checked": [], "fast": []}
        for _ in range(args.repeat):
            times["checked"].append(ms_per_pickle(checked, pickles))
            times["fast"].append(ms_per_pickle(unpickle._load, pickles))
        walk = functools.partial(unpickle.check_genuine, loaded_fast=True)
        fell_back = sum(fast_unpickle.load_fast(data, walk)[0] is None for data in pickles)
        plt.close("all")
        slow, fast = min(times["checked"]), min(times["fast"])
        size = sum(map(len, pickles)) / len(pickles) / 1000
        print(f"{name:<28}{size:>6.0f}{slow:>12.1f}{fast:>10.1f}{fast / slow:>13.2f}x"
              + (f"  ({fell_back} of {len(pickles)} read by the checked unpickler)" if fell_back else ""))
    print("marked:", fast_unpickle.marked())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
