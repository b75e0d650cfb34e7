"""The class report's PNG: the score histogram, the students to look at, and per criterion how many
lost points with the most common message.

Names and messages drawn here come from students (names, file names, error texts): the figure is
drawn with matplotlib's ``text.parse_math`` off, so ``$\\undefined$`` is drawn as typed instead of
stopping ``savefig``, and every text is one printable line (:func:`autograde.term.text.one_line`).
"""
from __future__ import annotations

import math
import statistics
from pathlib import Path

from autograde.grading.protocol import plural
from autograde.term.text import one_line


def score_bins(totals: list[float], top: float):
    """Histogram bin edges that give every score its own bar: one bar per point when every score is
    a whole number, per half point when they are halves; else (a late penalty's fractions) one bar
    per point, [k, k+1), and the full score's own. A 9.5 is never counted in the 10 bar."""
    import numpy as np

    if all(float(total).is_integer() for total in totals):
        step = 1.0
    elif all(float(2 * total).is_integer() for total in totals):
        step = 0.5
    else:
        return np.arange(0, math.ceil(top) + 2, dtype=float)
    values = np.arange(0, top + step / 2, step)
    return np.append(values - step / 2, values[-1] + step / 2)


def plot_class_report(results, rows: list[dict], headline: str, look_at: list[tuple[str, list[str]]],
                      path) -> Path:
    """Draw the PNG (``results``: :class:`autograde.term.report.ClassResults`; ``rows``: its
    criterion table; ``look_at``: ``[(label, names)]``) and save it at ``path``."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        students = results.graded_students()
        totals = [results.totals[s] for s in students]
        fig = Figure(figsize=(12, 8), layout="constrained")
        fig.suptitle(one_line(headline), fontsize=11)
        top_row, lost_ax = fig.subfigures(2, 1, height_ratios=[1, 1.15])
        hist_ax, look_ax = top_row.subplots(1, 2, width_ratios=[1.2, 1])
        _histogram(hist_ax, totals, max(results.max_score, max(totals, default=0)), results.max_score)
        look_ax.axis("off")
        look_ax.set_title("Students to look at (the report says why, and the fix)")
        lines = []
        for label, names in look_at:
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            lines.append(f"{label} ({len(names)}): {one_line(shown, 48) if names else '-'}")
        look_ax.text(0.0, 0.95, "\n\n".join(lines), va="top", ha="left", fontsize=10,
                     transform=look_ax.transAxes, family="DejaVu Sans")
        _lost_points(lost_ax.subplots(), rows, len(students))
        path = Path(path)
        fig.savefig(path, dpi=100)
    return path


def _histogram(ax, totals: list[float], top: float, max_score: float) -> None:
    bins = score_bins(totals, top)
    counts, _, _ = ax.hist(totals, bins=bins, color="#3b75af", edgecolor="white")
    top_count = max(counts.max() if len(counts) else 0, 1) * 1.18  # headroom for the label
    ax.set_ylim(0, top_count)
    if totals:
        mean = statistics.fmean(totals)
        ax.axvline(mean, color="#d1495b", linestyle="--")
        ax.text(mean, top_count, f" mean {mean:.1f} ", color="#d1495b", va="top",
                ha="right" if mean > top / 2 else "left")  # keep the label inside the axes
    ax.set_xticks(range(0, math.ceil(top) + 1))
    ax.set_xlim(bins[0], bins[-1])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of the {len(totals)} graded students")
    ax.spines[["top", "right"]].set_visible(False)


def _lost_points(ax, rows: list[dict], graded: int) -> None:
    import numpy as np

    labels = [f"{row['criterion']} ({row['points']:g} pt{'s' if row['points'] != 1 else ''})" for row in rows]
    positions = np.arange(len(labels))
    ax.barh(positions, [row["lost"] for row in rows], color="#d1495b", height=0.6)
    ax.set_yticks(positions, labels=labels)
    ax.invert_yaxis()
    most = max([graded, *(row["lost"] for row in rows), 1])
    ax.set_xlim(0, most * 2.6)  # room on the right for the messages
    ax.set_xticks(range(0, most + 1, max(1, most // 5)))
    for y, row in zip(positions, rows):
        note = f"{row['lost']}" + (f" ({100 * row['lost'] / graded:.0f}%)" if graded else "")
        if row["message"]:
            note += f"   most common: {one_line(row['message'], 80)} ({plural(row['message_count'], 'student')})"
        ax.text(row["lost"] + most * 0.02, y, note, va="center", fontsize=9)
    ax.set_xlabel(f"students who lost points (of {graded} graded)")
    ax.set_title("Where the class lost points, and the most common message")
    ax.spines[["top", "right"]].set_visible(False)
