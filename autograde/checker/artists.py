"""The small readers every step of :func:`picture.read_picture` shares, and its first steps.

What a figure holds, read through public matplotlib API: its root figure, whether an artist
or a text is drawn and shown, the titles, colorbars and ticks, coordinates and colour scales;
then the first steps of a reading: the render, the Axes, which texts the render shows.
"""
import contextlib
import math

import numpy as np

from .seen import SeenRender
from .seen_texts import glyph_shift, texts_shown

#: Caps that keep the dict small whatever was drawn.
PICTURE_MAX_CELLS = 60
PICTURE_MAX_LABELS = 60
PICTURE_MAX_TEXT = 200
PICTURE_MAX_TEXTS = 30
PICTURE_MAX_HEATMAPS = 20


#: Within one reading (:func:`one_reading`), the Axes found in each figure: ``findobj`` walks
#: every artist of the figure, and the reading's steps ask for its Axes several times.
_FOUND_AXES = None


@contextlib.contextmanager
def one_reading():
    """Within it, each figure's Axes are found once: the reading changes no figure's Axes."""
    global _FOUND_AXES
    _FOUND_AXES = {}
    try:
        yield
    finally:
        _FOUND_AXES = None


def _picture_all_axes(figure):
    """Every Axes among ``figure``'s artists: inset Axes and the Axes of subfigures too."""
    from matplotlib.axes import Axes
    if _FOUND_AXES is None:
        return figure.findobj(Axes)
    found = _FOUND_AXES.get(id(figure))
    if found is None or found[0] is not figure:
        found = _FOUND_AXES[id(figure)] = (figure, figure.findobj(Axes))
    return found[1]


def _picture_clip(text):
    text = str(text)
    return text if len(text) <= PICTURE_MAX_TEXT else text[:PICTURE_MAX_TEXT - 3] + "..."


def _picture_number(value):
    """A JSON-safe float: None for masked, NaN or infinite values."""
    if value is None or value is np.ma.masked:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _picture_root(ax):
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10 has no root=
        figure = ax.get_figure()
        while getattr(figure, "get_figure", None) and figure.get_figure() is not figure:
            figure = figure.get_figure()
        return figure


def _picture_is_invisible(artist):
    """Why ``artist`` is not drawn at all, or None."""
    if not artist.get_visible():
        return "visible=False"
    alpha = artist.get_alpha()
    if isinstance(alpha, (int, float)) and alpha == 0:
        return "alpha=0"
    return None


def _picture_text_visible(text):
    """Drawn, with something to read: not hidden, not blank, not transparent, not of size 0."""
    from matplotlib.colors import to_rgba
    alpha = text.get_alpha()
    if not (text.get_visible() and text.get_text().strip()):
        return False
    if isinstance(alpha, (int, float)) and alpha == 0:
        return False
    try:
        return bool(text.get_fontsize() > 0 and to_rgba(text.get_color())[3] > 0)
    except (TypeError, ValueError):
        return True


def _picture_text_seen(picture, text):
    """Drawn with something to read, and shown in the render (see :func:`_picture_shown_texts`)."""
    return _picture_text_visible(text) and bool(picture.get("_shown", {}).get(id(text), False))


def _picture_rendered(picture):
    """The render of the figure, when it succeeded, else None."""
    render = picture.get("_render")
    return render if render is not None and render.drawn else None


def _picture_title_texts(ax):
    """The Texts of an Axes' three titles (centre, left, right). Only the centre one has a
    public attribute (ax.title); they are the Axes' Text children that are not in ax.texts."""
    from matplotlib.text import Text
    user_texts = set(map(id, ax.texts))
    return [child for child in ax.get_children() if isinstance(child, Text) and id(child) not in user_texts]


def _picture_suptitle_texts(figure):
    """The Text of the figure's suptitle (no public attribute: the child with its text)."""
    from matplotlib.text import Text
    text = _picture_suptitle_text(figure)
    if not text:
        return []
    return [child for child in figure.get_children() if isinstance(child, Text) and child.get_text() == text]


def _picture_suptitle_text(figure):
    return figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""


def _picture_all_colorbars(root):
    """(Axes, artist, colorbar) for every artist of the figure that has a colorbar."""
    found = []
    for other in _picture_all_axes(root):
        for child in other.get_children():
            colorbar = getattr(child, "colorbar", None)
            if colorbar is not None and hasattr(colorbar, "ax"):
                found.append((other, child, colorbar))
    return found


def _picture_free_texts(ax):
    """The texts written on ``ax`` and on its figure (``ax.text``, ``fig.text``), the suptitle
    apart: where a student may write labels by hand."""
    figure = ax.get_figure()
    suptitle = set(map(id, _picture_suptitle_texts(figure)))
    return list(ax.texts) + [text for text in getattr(figure, "texts", []) if id(text) not in suptitle]


def _picture_gradient_axes(ax):
    """(Axes, artist, "vertical" | "horizontal") for every other Axes of the figure (not a
    colorbar's) that holds one image or mesh of one column or one row of values: a colour
    scale drawn by hand."""
    from matplotlib.collections import QuadMesh
    from matplotlib.image import AxesImage
    root = _picture_root(ax)
    bars = {id(colorbar.ax) for _, _, colorbar in _picture_all_colorbars(root)}
    found = []
    for other in _picture_all_axes(root):
        if other is ax or id(other) in bars:
            continue
        artists = [child for child in other.get_children() if isinstance(child, (AxesImage, QuadMesh))]
        if len(artists) != 1 or artists[0].get_array() is None:
            continue
        shape = np.shape(artists[0].get_array())
        if len(shape) == 2 and max(shape) >= 2 and min(shape) == 1:
            found.append((other, artists[0], "vertical" if shape[1] == 1 else "horizontal"))
    return found


def _picture_ticks(axis):
    """Every major and minor tick of ``axis`` after a draw, as (minor, tick) pairs."""
    return ([(False, tick) for tick in axis.get_major_ticks(len(axis.get_majorticklocs()))]
            + [(True, tick) for tick in axis.get_minor_ticks(len(axis.get_minorticklocs()))])


def _picture_to_data(ax, transform, points):
    """Points in ``transform``'s coordinates, in ax's data coordinates."""
    if transform == ax.transData:
        return points
    return ax.transData.inverted().transform(transform.transform(points))


def _picture_locate(edges, values):
    """For each value, (index of the cell of ``edges`` holding it or -1, offset from its centre
    in cell widths)."""
    edges = np.asarray(edges, dtype=float)
    values = np.asarray(values, dtype=float)
    count = len(edges) - 1
    if count < 1:
        return np.full(values.shape, -1), np.zeros(values.shape)
    increasing = edges[-1] > edges[0]
    ordered = edges if increasing else edges[::-1]
    index = np.searchsorted(ordered, values, side="right") - 1
    # a value exactly on the last edge belongs to the last cell
    index = np.where(values == ordered[-1], count - 1, index)
    inside = (index >= 0) & (index < count) & np.isfinite(values)
    index = np.where(inside, index, 0)
    if not increasing:
        index = count - 1 - index
    low, high = edges[index], edges[index + 1]
    width = np.where(high - low == 0, 1.0, high - low)
    offset = (values - (low + high) / 2) / width
    return np.where(inside, index, -1), np.where(inside, offset, 0.0)


def _picture_scale(artist):
    """How ``artist`` maps values to colours: its colour limits and the colours of nine
    values between them (RGBA, 3 decimals), or None (no limits, an RGB image)."""
    norm = getattr(artist, "norm", None)
    low, high = (_picture_number(getattr(norm, name, None)) for name in ("vmin", "vmax"))
    if low is None or high is None:
        return None
    colours = np.asarray(artist.to_rgba(np.linspace(low, high, 9)), dtype=float).reshape(9, -1)
    return {"vmin": low, "vmax": high,
            "colours": [[round(float(c), 3) for c in colour] for colour in colours.tolist()]}


def _picture_anchor(ax, text, coordinate, picture):
    """Where ``text`` is drawn, in ax's data coordinates along ``coordinate``: its anchor
    (its transform applied to its position: an offset transform moves a label for real),
    moved as far as the spaces and newlines around its words move its glyphs
    (:func:`seen_texts.glyph_shift`)."""
    position = text.get_position()
    try:
        display = text.get_transform().transform(np.array([position], dtype=float))
        render = _picture_rendered(picture)
        if render is not None:
            display = display + np.array([glyph_shift(text, render.renderer)])
        return _picture_number(ax.transData.inverted().transform(display)[0][coordinate])
    except Exception:  # noqa: BLE001 - an odd transform: the position as it claims
        return _picture_number(position[coordinate])


def _picture_placed(bar_ax):
    """True when an Axes is visible and drawn in its figure (an inset Axes, ax.inset_axes, is a
    child of its Axes, not in figure.axes)."""
    return bool(bar_ax.get_visible() and bar_ax.get_figure() is not None
                and any(bar_ax is other for other in _picture_all_axes(_picture_root(bar_ax))))


def _picture_bar_labels(bar_ax, vertical, picture):
    """The labels of a colour scale's Axes as seen: ``long_label`` (its long axis' label),
    ``other_label``, ``title``, ``label`` (the first of those that is set) and ``unseen_label``
    (the first that is set but cannot be seen)."""
    long_axis, other_axis = (bar_ax.yaxis, bar_ax.xaxis) if vertical else (bar_ax.xaxis, bar_ax.yaxis)
    unseen = []

    def read(text):
        if not _picture_text_visible(text):
            return ""
        if _picture_text_seen(picture, text):
            return _picture_clip(text.get_text())
        unseen.append(_picture_clip(text.get_text().strip()))
        return ""

    # Axis.label is the documented Text of an axis label
    long_label, other_label = read(long_axis.label), read(other_axis.label)
    title = next((text for text in map(read, _picture_title_texts(bar_ax)) if text.strip()), "")
    label = next((text for text in (long_label, other_label, title) if text.strip()), "")
    return {"long_label": long_label, "other_label": other_label, "title": title, "label": label,
            "unseen_label": unseen[0] if unseen else ""}


def _picture_draw(ax, picture):
    # Rendered with Agg: tick labels (their texts and positions) are only final after a
    # draw, and the pixels are what a person sees.
    render = picture["_render"] = SeenRender(_picture_root(ax))
    render.render()
    picture["drawn"] = True
    picture["render"] = {"size": render.size, "dpi": float(render.figure.dpi)}


def _picture_shown_texts(ax, picture):
    """Which of the texts that can count (this Axes' tick labels, titles and free texts, the
    suptitle, every colorbar's labels and titles, the labels and numbers of colour scales
    drawn by hand) can be seen: the render without them (taken from the render, else drawn)."""
    picture["_shown"] = {}
    render = _picture_rendered(picture)
    if render is None:
        return
    candidates = []
    for axis in (ax.xaxis, ax.yaxis):
        for _, tick in _picture_ticks(axis):
            candidates += [tick.label1, tick.label2]
    candidates += _picture_title_texts(ax) + _picture_suptitle_texts(ax.get_figure()) + _picture_free_texts(ax)
    for _, _, colorbar in _picture_all_colorbars(render.figure):
        bar_ax = colorbar.ax
        candidates += [bar_ax.xaxis.label, bar_ax.yaxis.label] + _picture_title_texts(bar_ax)
    for bar_ax, _, _ in _picture_gradient_axes(ax):  # colour scales drawn by hand: their numbers too
        candidates += [bar_ax.xaxis.label, bar_ax.yaxis.label] + _picture_title_texts(bar_ax)
        for axis in (bar_ax.xaxis, bar_ax.yaxis):
            for _, tick in _picture_ticks(axis):
                candidates += [tick.label1, tick.label2]
    unique = {id(text): text for text in candidates if _picture_text_visible(text)}
    texts = list(unique.values())
    picture["_shown"] = dict(zip(unique, texts_shown(render, texts)))


def _picture_axes(ax, picture):
    figure = ax.get_figure()
    picture["axes"] = {
        "visible": bool(ax.get_visible()),
        "in_figure": bool(figure is not None and ax in figure.axes),
        "axis_on": bool(ax.axison),
        "xlim": [_picture_number(v) for v in ax.get_xlim()],
        "ylim": [_picture_number(v) for v in ax.get_ylim()],
        "x_inverted": bool(ax.xaxis_inverted()),
        "y_inverted": bool(ax.yaxis_inverted()),
    }
