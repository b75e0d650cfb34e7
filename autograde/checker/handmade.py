"""Labels and colour scales made by hand: they count when they read the same as matplotlib's own.

A student may write the tokens with ``ax.text`` under each column and beside each row
instead of setting tick labels, and draw the colour scale by hand: a gradient image in an
Axes of its own, with numbered ticks. A person reads those exactly as tick labels and a
colorbar, and so does the reader:

* **Labels written by hand** (:func:`_picture_free_labels`) count only along an axis that
  shows no tick label: a text written on the Axes or its figure is a label of the x axis
  when it is drawn below or above the Axes (of the y axis: left or right of it), at the
  data position where its anchor is drawn (moved, like a tick label's, by the spaces and
  newlines around it), and when it can be read (:mod:`seen_texts`).
* **A colour scale drawn by hand** (:func:`_picture_hand_colorbars`): another Axes of the
  figure, not a colorbar's, holding one image or mesh of a single column or row of values,
  with at least two numbers for tick labels along it that can be read. It *reads as* the
  shown heatmap when, at each numbered tick and halfway between neighbouring ones, the
  render shows the colour the heatmap draws that number in (within
  :data:`colours.SEEN_MATCH_DELTA_E`): the same colours at the same values, which is all
  a colorbar tells a person.

Cost: a few pixels looked up in the render already made; no drawing.
"""
import numpy as np

from .artists import (_picture_anchor, _picture_bar_labels, _picture_clip, _picture_free_texts, _picture_gradient_axes,
                      _picture_placed, _picture_rendered, _picture_text_seen, _picture_text_visible, _picture_ticks)
from .colours import SEEN_MATCH_DELTA_E, delta_e

#: A text counts as outside the Axes when it reaches at most this far (pixels) into it.
_HANDMADE_SLACK = 2.0
#: A scale's colours are read this many pixels inside its ends (where resampling blends
#: its last colour with what is beyond it).
_EDGE = 4.0


def _picture_free_labels(ax, coordinate, sides, picture):
    """Texts written by hand as labels along one axis (``coordinate`` 0: x, 1: y): lists of
    (position, text, side, minor, padded) tuples (as for tick labels), those that can be read
    and those that cannot."""
    render = _picture_rendered(picture)
    if render is None:
        return [], []
    limits = ax.get_xlim() if coordinate == 0 else ax.get_ylim()
    low, high = min(limits), max(limits)
    box = ax.bbox
    seen, unseen = [], []
    for text in _picture_free_texts(ax):
        try:
            extent = text.get_window_extent(render.renderer) if _picture_text_visible(text) else None
        except Exception:  # noqa: BLE001 - a text that cannot be measured is not a label
            extent = None
        if extent is None:
            continue
        if coordinate == 0:
            side = (sides[0] if extent.y1 <= box.y0 + _HANDMADE_SLACK
                    else sides[1] if extent.y0 >= box.y1 - _HANDMADE_SLACK else None)
        else:
            side = (sides[0] if extent.x1 <= box.x0 + _HANDMADE_SLACK
                    else sides[1] if extent.x0 >= box.x1 - _HANDMADE_SLACK else None)
        position = _picture_anchor(ax, text, coordinate, picture)
        if side is None or position is None or not low <= position <= high:
            continue
        content = text.get_text()
        found = (position, _picture_clip(content.strip()), side, False, content != content.strip())
        (seen if _picture_text_seen(picture, text) else unseen).append(found)
    return seen, unseen


def _picture_number_of(text):
    """The number a tick label shows, or None."""
    content = str(text).replace("\N{MINUS SIGN}", "-").replace("$", "").replace("\\mathdefault{", "")
    try:
        return float(content.replace("}", "").strip())
    except ValueError:
        return None


def _picture_numbered_ticks(bar_ax, long_axis, coordinate, picture):
    """(display position along the scale, number) of its long axis' tick labels that can be
    read and show a number, in order along the scale."""
    found = {}
    for _, tick in _picture_ticks(long_axis):
        for label in (tick.label1, tick.label2):
            number = _picture_number_of(label.get_text())
            if number is None or not _picture_text_seen(picture, label):
                continue
            display = label.get_transform().transform(np.array([label.get_position()], dtype=float))[0]
            found[round(float(display[coordinate]), 3)] = number
    return sorted(found.items())


def _picture_reads_as(render, ax, reader, bar_ax, artist, vertical, picture):
    """True when the scale shows, at its numbered ticks and halfway between them, the colours
    the heatmap of ``reader`` draws those numbers in."""
    coordinate = 1 if vertical else 0
    ticks = _picture_numbered_ticks(bar_ax, bar_ax.yaxis if vertical else bar_ax.xaxis, coordinate, picture)
    extent = artist.get_window_extent(render.renderer)
    low, high = sorted((extent.y0, extent.y1) if vertical else (extent.x0, extent.x1))
    ticks = [(position, number) for position, number in ticks if low - 0.5 <= position <= high + 0.5]
    if len(ticks) < 2 or high - low < 4 * _EDGE:
        return False
    positions = np.array([position for position, _ in ticks])
    numbers = np.array([number for _, number in ticks])
    if (bar_ax.get_yscale() if vertical else bar_ax.get_xscale()) == "linear":
        # a linear scale is read between its numbers too, and up to its ends
        slope, offset = np.polyfit(positions, numbers, 1)
        if np.max(np.abs(slope * positions + offset - numbers)) > 1e-3 * max(np.ptp(numbers), 1e-12):
            return False  # numbers that do not lie on a linear scale
        positions = np.clip(np.concatenate([positions, (positions[:-1] + positions[1:]) / 2]), low + _EDGE, high - _EDGE)
        numbers = slope * positions + offset
    else:
        inside = (positions >= low + _EDGE) & (positions <= high - _EDGE)
        positions, numbers = positions[inside], numbers[inside]
    across = ((extent.x0 + extent.x1) if vertical else (extent.y0 + extent.y1)) / 2
    xs, ys = (np.full_like(positions, across), positions) if vertical else (positions, np.full_like(positions, across))
    seen, inside = render.colours_at(xs, ys)
    expected, _ = render.value_colours(ax, reader.artist, numbers[None, :], [0], [0])
    return bool(np.all(inside) and np.all(delta_e(seen, expected[0]) <= SEEN_MATCH_DELTA_E))


def _picture_hand_colorbars(ax, picture):
    """Colour scales drawn by hand, as entries of ``other_colorbars`` (see :mod:`picture`):
    ``mappable`` is "hand-drawn" and ``reads_as`` the index of the heatmap whose colours it
    shows at its numbers (the shown one), or None."""
    render = _picture_rendered(picture)
    main = picture.get("main")
    readers = picture.get("_readers", [])
    reader = readers[main] if render is not None and main is not None and main < len(readers) else None
    found = []
    for bar_ax, artist, orientation in _picture_gradient_axes(ax):
        vertical = orientation == "vertical"
        reads = reader is not None and reader.values is not None and _picture_reads_as(
            render, ax, reader, bar_ax, artist, vertical, picture)
        found.append({**_picture_bar_labels(bar_ax, vertical, picture), "orientation": orientation,
                      "visible": _picture_placed(bar_ax), "shown": bool(reads), "scale": None,
                      "mappable": "hand-drawn", "same_axes": False, "reads_as": main if reads else None})
    return found
