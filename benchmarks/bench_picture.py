"""Benchmark: what reading a picture costs beyond the draw it needs.

    python benchmarks/bench_picture.py [--repeat 20]

For a few corpus answers (imshow, seaborn with annotations, pcolor, the
gallery's annotated heatmap), each drawn once on Agg and also pickled and
unpickled (as the grading inspector receives it), three timings per picture,
median of ``--repeat`` runs, all in this one process:

1. ``figure.draw_without_rendering()`` alone (the floor);
2. ``read_picture(ax)`` (which draws once itself, then reads);
3. ``judge_picture(picture, ...)`` on the dict.

Printed: milliseconds for each, the reading's own cost (2 - 1) and the ratio
2 / 1. The brief's target: the reading's own cost well under 100 ms.
"""
import argparse
import pickle
import statistics
import time
import warnings

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.spec import PUBLIC_ATTENTION, PUBLIC_SENTENCE  # noqa: E402
from autograde.corpus import ANSWERS  # noqa: E402

STYLES = ("solution", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap")


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
    args = parser.parse_args()
    tokens = PUBLIC_SENTENCE.split()
    print(f"{'picture':38} {'draw ms':>8} {'read ms':>8} {'read-draw':>9} {'ratio':>6} {'judge ms':>9}")
    for name in STYLES:
        ax = drawn_axes(name)
        unpickled = pickle.loads(pickle.dumps(ax.figure)).axes[0]
        for label, target in ((name, ax), (f"{name} (unpickled)", unpickled)):
            figure = target.get_figure(root=True)
            draw = median_ms(figure.draw_without_rendering, args.repeat)
            read = median_ms(lambda: read_picture(target), args.repeat)
            picture = read_picture(target)
            judge = median_ms(lambda: judge_picture(picture, tokens, PUBLIC_ATTENTION,
                                                    public_tokens=tokens), args.repeat)
            print(f"{label:38} {draw:8.1f} {read:8.1f} {read - draw:9.1f} {read / draw:6.2f} "
                  f"{judge:9.2f}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
