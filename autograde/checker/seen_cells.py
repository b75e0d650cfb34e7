"""Which cells of a heatmap, and which colorbars, show their colours in the render.

A cell counts by what covers most of its area, not by a few sample points: a
picture painted over everything but pinholes at the points a reader samples shows
what it is painted with. So a cell is *shown* when most pixels of its inner area
(:data:`SEEN_INNER`: away from its edges and grid lines) are within
:data:`colours.SEEN_MATCH_DELTA_E` of the colour the artist gives its value
(``ScalarMappable.to_rgba``, with the artist's alpha, composited over the Axes'
background: :meth:`SeenRender.heatmap_colours`). A cell drawn at less than
:data:`SEEN_MIN_OPACITY` shows nothing of its own; nor does a cell drawn smaller than
:data:`seen.SEEN_MIN_PIXELS` a side, at the size Jupyter shows the figure.

A smoothed image (``interpolation="bilinear"``, ``"gaussian"``...) blends each value
with its neighbours', so its cells are read like a person reads them: most of the
middle of a cell shows colours of values between the smallest and the largest
around it (:func:`smoothed_cells_shown`).

Cost: the pixels of each cell's inner area (at most :data:`seen.SEEN_MAX_BLOCK`) are
converted to CIELAB once; no drawing.
"""
import numpy as np

from .colours import SEEN_MATCH_DELTA_E, SEEN_MIN_SPREAD, lab, lab_delta_e
from .seen import SEEN_MIN_PIXELS, _seen_over, _seen_scalar_alpha

#: A cell drawn less opaque than this shows nothing of its own colour: drawn at opacity
#: a, a colour differs from what is behind it by at most a x 100 ΔE (black on white),
#: under 10 below a tenth: colours alike at a glance.
SEEN_MIN_OPACITY = 0.1
#: A cell is shown when its colour covers more than this share of its inner area (the
#: rest may be grid lines, an annotation or contour lines drawn over it).
SEEN_MIN_SHARE = 0.5
#: The inner area of a cell, as fractions of its width and height.
SEEN_INNER = (0.2, 0.8)
#: The middle of a smoothed cell, where its own value weighs most.
SEEN_SMOOTHED_MIDDLE = (0.35, 0.65)
#: Around a smoothed cell, the values this many cells away blend into it.
SEEN_SMOOTHED_REACH = 2


def _inner(render, rectangles, fractions, ax, minimum=SEEN_MIN_PIXELS):
    """Display rectangles (left, right, bottom, top), clipped to the Axes (artists are
    clipped to it: only that part can show), narrowed to ``fractions`` of each; and
    whether enough of each is left to be seen (``minimum`` pixels a side as Jupyter shows
    it: the render may be at a lower dpi)."""
    x0, x1, y0, y1 = (np.asarray(r, dtype=float) for r in rectangles)
    box = ax.bbox
    left, right = np.maximum(np.minimum(x0, x1), box.x0), np.minimum(np.maximum(x0, x1), box.x1)
    bottom, top = np.maximum(np.minimum(y0, y1), box.y0), np.minimum(np.maximum(y0, y1), box.y1)
    smallest = minimum * render.figure.dpi / render.display_dpi
    present = (right - left >= smallest) & (top - bottom >= smallest)
    low, high = fractions
    width, height = right - left, top - bottom
    return (left + low * width, left + high * width, bottom + low * height, bottom + high * height), present


def _by_cell(values, starts, counts, reduce):
    """``reduce`` of each cell's run of ``values`` (NaN for a cell with none)."""
    return np.array([reduce(values[start:start + count]) if count else np.nan
                     for start, count in zip(starts, counts)])


def _shown(present, opaque, starts, counts, difference, limit):
    """(shown, how far) of cells from the ΔE of each of their pixels: shown where more than
    SEEN_MIN_SHARE of them are within ``limit``; how far, their median ΔE."""
    share = _by_cell(difference <= limit, starts, counts, np.mean)
    distance = np.nan_to_num(_by_cell(difference, starts, counts, np.median), nan=np.inf)
    return present & np.asarray(opaque, dtype=bool) & (counts > 0) & (np.nan_to_num(share) > SEEN_MIN_SHARE), distance


def cells_shown(render, ax, rectangles, expected, opaque, fractions=SEEN_INNER, tolerance=1.0,
                minimum=SEEN_MIN_PIXELS):
    """For cells given as display rectangles ``(x0, x1, y0, y1)`` (arrays): (shown, how far):
    shown is True where most of the cell's inner area shows the ``expected`` RGB (N, 3)
    colour; how far is the median ΔE there (to tell which of two heatmaps of near colours
    is the one drawn). ``opaque`` (N,) is False for cells drawn too transparent to show
    their colour; ``tolerance`` scales the ΔE a pixel may differ by; a rectangle smaller than
    ``minimum`` pixels a side shows nothing."""
    inner, present = _inner(render, rectangles, fractions, ax, minimum)
    rgb, starts, counts = render.blocks(*inner)
    wanted = lab(np.asarray(expected, dtype=float).reshape(-1, 3))
    difference = lab_delta_e(lab(rgb), np.repeat(wanted, counts, axis=0))
    return _shown(present, opaque, starts, counts, difference, SEEN_MATCH_DELTA_E * tolerance)


def smoothed_cells_shown(render, ax, rectangles, candidates, opaque):
    """Like :func:`cells_shown` for a smoothed image: ``candidates`` (N, K, 3) are, for each
    cell, the RGB colours of K values from the smallest to the largest within
    :data:`SEEN_SMOOTHED_REACH` cells of it (what smoothing can blend there); a cell is shown
    when most of its middle shows one of them."""
    inner, present = _inner(render, rectangles, SEEN_SMOOTHED_MIDDLE, ax)
    rgb, starts, counts = render.blocks(*inner)
    pixels, choices = lab(rgb), lab(np.asarray(candidates, dtype=float))
    difference = np.empty(len(pixels))
    for cell, (start, number) in enumerate(zip(starts, counts)):  # each cell's pixels against its choices
        if number:
            mine = pixels[start:start + number]
            squared = (mine * mine).sum(1)[:, None] - 2 * mine @ choices[cell].T + (choices[cell] ** 2).sum(1)
            difference[start:start + number] = np.sqrt(np.maximum(squared.min(axis=1), 0.0))
    return _shown(present, opaque, starts, counts, difference, SEEN_MATCH_DELTA_E)


def colorbar_shown(render, colorbar):
    """True when the colorbar's bar shows its colormap: most points along its middle
    show colormap colours, spanning at least half of the colormap. (A bar of colours too
    alike to tell apart, or made transparent with its heatmap, is only checked to show
    that.)"""
    bar_ax = colorbar.ax
    steps = 256
    lut = np.asarray(colorbar.cmap(np.linspace(0, 1, steps)), dtype=float)
    lut[:, 3] *= _seen_scalar_alpha(getattr(colorbar, "alpha", None))
    expected = lab(_seen_over(lut, render.background(bar_ax)))
    alike = float(np.max(lab_delta_e(expected[:, None, :], expected[None, ::16, :]))) < SEEN_MIN_SPREAD
    along = np.linspace(0.05, 0.95, 19)
    middle = np.full_like(along, 0.5)
    points = np.stack([middle, along] if colorbar.orientation == "vertical" else [along, middle], axis=1)
    display = bar_ax.transAxes.transform(points)
    colours, inside = render.colours_at(display[:, 0], display[:, 1])
    difference = lab_delta_e(lab(colours)[:, None, :], expected[None, :, :])
    nearest = np.argmin(difference, axis=1)
    matching = inside & (difference[np.arange(len(nearest)), nearest] <= SEEN_MATCH_DELTA_E)
    if matching.mean() < 0.7:
        return False
    return alike or int(nearest[matching].max() - nearest[matching].min()) >= steps // 2
