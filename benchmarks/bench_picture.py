"""Benchmark: what reading a picture costs beyond the draw it needs, and what checking
it against its pixels adds.

    python benchmarks/bench_picture.py [--repeat 20] [--baseline REV]

For a few corpus answers (imshow, seaborn with annotations, pcolor, the
gallery's annotated heatmap, matshow with its labels past the figure's top),
each drawn once on Agg and also pickled and unpickled (as the grading inspector
receives it), timings per picture, median of ``--repeat`` runs, all in this one
process:

1. ``figure.draw_without_rendering()`` alone (the floor);
2. ``read_picture(ax)`` of ``--baseline`` (default ``d6e0e57``: the reader before
   the pixel checks, loaded from git), which draws once itself, then reads;
3. ``read_picture(ax)`` now: it renders the figure with Agg and renders it once
   more without the texts that count, then holds the reading to the pixels;
4. ``judge_picture(picture, ...)`` on the dict.

Printed: milliseconds for each, the extra cost of the pixel checks (3 - 2) and
the ratio 3 / 2. The brief's target for the reading: well under 100 ms of its
own beyond the draw.
"""
import argparse
import pickle
import statistics
import subprocess
import time
import types
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.spec import PUBLIC_ATTENTION, PUBLIC_SENTENCE  # noqa: E402
from autograde.corpus import ANSWERS  # noqa: E402

STYLES = ("solution", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap",
          "pytorch_show_attention")
REPO = Path(__file__).resolve().parents[1]


def baseline_reader(revision):
    """read_picture as it was at ``revision`` (a module of its own, from git)."""
    source = subprocess.run(["git", "show", f"{revision}:autograde/checker/picture.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("baseline_picture")
    exec(compile(source, f"{revision}:picture.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.read_picture


def median_ms(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def drawn_axes(name):
    namespace = {"np": np, "plt": plt}
    exec(compile((ANSWERS / f"{name}.py").read_text(), name, "exec"), namespace)  # noqa: S102
    plt.close("all")
    return namespace["plot_attention_heatmap"](PUBLIC_SENTENCE.split(), PUBLIC_ATTENTION)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", default="d6e0e57", help="git revision of the reader to compare")
    args = parser.parse_args()
    old_read = baseline_reader(args.baseline)
    tokens = PUBLIC_SENTENCE.split()
    print(f"{'picture':40} {'draw ms':>8} {'old read':>9} {'new read':>9} {'extra':>7} {'ratio':>6} "
          f"{'judge ms':>9}")
    for name in STYLES:
        ax = drawn_axes(name)
        unpickled = pickle.loads(pickle.dumps(ax.figure)).axes[0]
        for label, target in ((name, ax), (f"{name} (unpickled)", unpickled)):
            figure = target.get_figure(root=True)
            draw = median_ms(figure.draw_without_rendering, args.repeat)
            old = median_ms(lambda: old_read(target), args.repeat)
            new = median_ms(lambda: read_picture(target), args.repeat)
            picture = read_picture(target)
            assert not picture["errors"] and picture["main"] is not None, (label, picture["errors"])
            judge = median_ms(lambda: judge_picture(picture, tokens, PUBLIC_ATTENTION,
                                                    public_tokens=tokens), args.repeat)
            print(f"{label:40} {draw:8.1f} {old:9.1f} {new:9.1f} {new - old:7.1f} {new / old:6.2f} "
                  f"{judge:9.2f}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
