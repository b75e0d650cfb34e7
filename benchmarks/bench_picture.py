"""Benchmark: what reading a picture costs beyond the draw it needs, and what each check adds.

    python benchmarks/bench_picture.py [--repeat 20] [--baseline REV] [--profile]

For a few corpus answers (imshow, the seed lesson's code laid out by
``plt.tight_layout()``, seaborn with annotations, pcolor, the gallery's annotated
heatmap, matshow with its labels past the figure's top, and the faded, smoothed and
hand-made pictures), each drawn once on Agg and also pickled and unpickled (as the
grading inspector receives it), timings per picture, median of ``--repeat`` runs, all in
this one process:

1. ``figure.draw_without_rendering()`` alone (the floor);
2. ``read_picture(ax)`` of ``--baseline`` (default ``d6e0e57``: the reader before
   the pixel checks), the students' one-file checker of that revision loaded from git;
3. ``read_picture(ax)`` now: it renders the figure with Agg, noting what each text
   changed (the render without the texts that count is taken from that, or drawn once
   more when it cannot be), then holds the reading to the pixels;
4. ``judge_picture(picture, ...)`` on the dict.

Printed: milliseconds for each, the extra cost over the baseline (3 - 2) and
the ratio 3 / 2. With ``--profile``, then, for each picture, the milliseconds per
read spent in each check (cProfile's cumulative time, over ``--repeat`` reads of the
unpickled picture): the draws, the cells against the pixels, the texts (glyphs,
size, where their words are), the colours in CIELAB, the hand-made labels and scales.
"""
import argparse
import cProfile
import pickle
import pstats
import statistics
import subprocess
import time
import types
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.spec import PUBLIC_ATTENTION, PUBLIC_SENTENCE  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402

STYLES = ("solution", "seed_lesson_code", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap",
          "pytorch_show_attention", "faded_alpha", "smoothed_gaussian", "handmade_labels_and_scale")
#: The checks --profile times: (label, module file, function name).
CHECKS = (
    ("Agg draw (render)", "seen.py", "render"),
    ("  a redraw, the texts hidden", "seen.py", "redrawn_without"),
    ("  noting what texts changed", "text_changes.py", "after_text"),
    ("cells by area (seen_cells)", "seen_cells.py", "cells_shown"),
    ("smoothed cells", "seen_cells.py", "smoothed_cells_shown"),
    ("colorbar shown", "seen_cells.py", "colorbar_shown"),
    ("one colour (spread)", "heatmap_cells.py", "one_colour"),
    ("CIELAB conversions", "colours.py", "lab"),
    ("texts shown (incl. redraw)", "seen_texts.py", "texts_shown"),
    ("  glyphs that spell", "seen_texts.py", "spelled"),
    ("  words moved by whitespace", "seen_texts.py", "glyph_shift"),
    ("labels written by hand", "handmade.py", "_picture_free_labels"),
    ("scales drawn by hand", "handmade.py", "_picture_hand_colorbars"),
)
REPO = Path(__file__).resolve().parents[1]


def baseline_reader(revision):
    """read_picture as it was at ``revision``: the students' one-file checker of that revision
    (every module of the checker joined), loaded from git as a module of its own."""
    source = subprocess.run(["git", "show", f"{revision}:solutions/challenge/heatmap_check.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("baseline_checker")
    exec(compile(source, f"{revision}:heatmap_check.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.read_picture


def profile_checks(target, repeat):
    """Milliseconds per read spent in each of CHECKS (cumulative), over ``repeat`` reads."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        read_picture(target)
    profiler.disable()
    found = {}
    for (filename, _, function), (_, _, _, cumulative, _) in pstats.Stats(profiler).stats.items():
        found[(Path(filename).name, function)] = found.get((Path(filename).name, function), 0.0) + cumulative
    return [(label, 1000 * found.get((module, function), 0.0) / repeat) for label, module, function in CHECKS]


def median_ms(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def drawn_axes(name):
    plt.close("all")
    return answer_function(name)(PUBLIC_SENTENCE.split(), PUBLIC_ATTENTION)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", default="d6e0e57", help="git revision of the reader to compare")
    parser.add_argument("--profile", action="store_true", help="then the time each check takes")
    args = parser.parse_args()
    old_read = baseline_reader(args.baseline)
    tokens = PUBLIC_SENTENCE.split()
    print(f"{'picture':40} {'draw ms':>8} {'old read':>9} {'new read':>9} {'extra':>7} {'ratio':>6} "
          f"{'judge ms':>9}")
    profiles = []
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
        profiles.append((name, profile_checks(unpickled, args.repeat)) if args.profile else None)
    for name, checks in filter(None, profiles):
        print(f"\n{name} (unpickled): ms per read in each check")
        for label, milliseconds in checks:
            print(f"  {label:36} {milliseconds:7.2f}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
