"""Read a drawn heatmap the way a person looking at it reads it.

:func:`read_picture` takes a genuine matplotlib ``Axes`` (possibly just
unpickled in the grading inspector, with no canvas manager), renders its figure
with Agg (:class:`seen.SeenRender`) so that tick labels are final and the pixels
can be read, and returns a plain dict (only dict, list, str, float, int, bool
and None; bounded in size) of what can be seen on that Axes. It judges
nothing: :mod:`judge` turns the dict into verdicts, and can run on the dict
alone (it needs no matplotlib). Only public matplotlib API is used.

What counts as seen
-------------------
matplotlib's data says what was drawn; the rendered pixels say what shows.
Both must agree for anything to count:

* Heatmap artists are ``AxesImage`` (``imshow``, ``matshow``), ``QuadMesh``
  (``pcolormesh``, ``seaborn.heatmap``) and ``PolyQuadMesh`` (``pcolor``). One
  is not drawn when ``get_visible()`` is False, its alpha is 0, all its cells
  are masked, or it lies outside the view limits. (One marked animated is drawn:
  Jupyter shows a figure as saved, and saving draws animated artists.) A cell of a drawn one is *seen* when the rendered pixels in the cell's
  inner area show the colour the artist gives its value (:mod:`seen`); a cell
  covered (by a patch, a text, another Axes, another heatmap), clipped away,
  or drawn (nearly) transparent is not. A heatmap none of whose cells is seen
  is hidden ("covered by another heatmap" when a heatmap is drawn over it, else
  "not seen").
* What is seen at a point is the value of the topmost heatmap whose cell there
  is seen (matplotlib draws an Axes' children sorted by zorder, stably, so the
  last one in that order is on top); a masked or NaN cell of a colormap whose
  "bad" colour is transparent lets the artist below show through.
* Tick labels are read after the render from every tick (major and minor,
  label1 at the bottom/left and label2 at the top/right): visible tick, visible
  label, alpha not 0, non-blank text, and *shown*: rendering the figure without
  it changes pixels inside its window extent (a label white on white, covered,
  clipped or off the figure changes nothing), at a readable size. A label is
  placed where its anchor is drawn (its transform applied to its position), not
  where its position alone claims, inside the view limits.
* The value "under" a pair of labels is what is seen at the point (x label
  position, y label position).
* Titles and colorbar labels count only when shown, like tick labels; a
  colorbar counts as shown when its bar shows its colormap.

The dict (schema 2)
-------------------
``schema``
    2 (1 had no pixel checks: no ``render``, ``shown``, ``seen``, ``*_unseen``).
``errors``
    List of str: what went wrong while reading; the reading carries on and
    reports what it could read.
``drawn``
    True when the figure could be rendered (a figure that cannot be drawn cannot
    be seen, nor saved).
``render``
    ``{"size": [width, height] in pixels, "dpi"}`` of the Agg render the pixels
    were read from, or None.
``axes``
    ``{"visible", "in_figure", "axis_on"}`` (bools), ``"xlim"``, ``"ylim"``
    (``[first, second]`` as set, so inverted axes show), ``"x_inverted"``,
    ``"y_inverted"`` (bools). None when the argument is not an Axes.
``heatmaps``
    List, in drawing order (bottom first), of every heatmap artist on the Axes,
    each a dict:

    - ``"index"`` (its place in this list), ``"kind"`` (class name:
      ``"AxesImage"``, ``"QuadMesh"``, ``"PolyQuadMesh"``), ``"zorder"``,
      ``"alpha"`` (float or None);
    - ``"hidden"``: None when it can be seen, else why not: ``"visible=False"``,
      ``"alpha=0"``, ``"all cells masked"``, ``"outside the
      view"``, ``"covered by another heatmap"``, ``"not seen"`` (drawn, but none
      of its cells shows its colour in the render: covered by something else,
      clipped, or transparent), ``"unreadable"``;
    - ``"shape"``: the stored array's shape (list of int); ``"colours"``: True
      when it is an RGB(A) image (it holds colours, not values);
    - ``"array"``: the stored array as nested lists (masked / non-finite values
      are None), at most ``PICTURE_MAX_CELLS`` square; ``"array_truncated"``;
    - ``"scale"``: how it maps values to colours, ``{"vmin", "vmax", "colours"}``
      (its colour limits and the RGBA colours of nine values from one to the
      other), or None (an RGB image);
    - ``"shown"``: nested lists like ``"array"`` (same cap) of bools: True where
      the render shows that cell in its value's colour (False outside the view,
      covered, clipped, transparent); ``[]`` when not checked;
    - ``"one_colour"``: True when its values differ but every cell is drawn in
      the same colour (it shows no values);
    - ``"grid"``: ``"cells"`` (a rectilinear grid of cells), ``"vertices"``
      (values at mesh vertices, ``shading="gouraud"``) or ``"irregular"``
      (cells not laid out in rows and columns; nothing below is read);
    - ``"along_x"``: which array index runs along the x axis, ``"columns"``
      (the normal case) or ``"rows"`` (a mesh laid out transposed);
    - ``"x_centres"``, ``"y_centres"``: cell centres in data coordinates, in
      array-index order of the index that runs along that axis;
      ``"x_edges"``, ``"y_edges"``: the cell edges likewise;
    - ``"x_order"``: ``"left_to_right"`` or ``"right_to_left"`` (how the array
      index along x runs on screen); ``"y_order"``: ``"top_to_bottom"`` or
      ``"bottom_to_top"``;
    - ``"in_view"``: ``[cells along y, cells along x]`` whose centres lie inside
      the view;
    - ``"colorbar"``: None, or the colorbar made for this artist:
      ``{"orientation", "visible", "shown", "long_label", "other_label",
      "title", "label", "unseen_label", "scale"}``: ``shown`` is True when its bar shows
      its colormap in the render; ``label`` is the long-axis label, else the
      other axis' label, else the bar's title (``cbar.ax.set_title``); labels
      and titles that cannot be seen read as "", and ``unseen_label`` holds the
      first such text that is set but cannot be seen ("" when none); ``scale``
      is its artist's (see above).
``main``
    Index (in ``heatmaps``) of the heatmap that is shown: the one seen over
    most of the view. None when no heatmap can be seen.
``x_labels``, ``y_labels``
    The tick labels seen along each axis, left to right / top to bottom, each
    ``{"text", "position" (data coordinate along the axis of the point where
    the label's anchor is drawn), "sides" (list of "bottom"/"top" or
    "left"/"right"), "minor" (bool), "cell" (index, along that axis, of the main
    heatmap's cell under the label, or None), "offset" (distance from that
    cell's centre, in cell widths, signed)}``. Labels with the same text at the
    same place (bottom and top) are one entry.
``x_labels_unseen``, ``y_labels_unseen``
    Texts of the tick labels that are drawn (visible, in the view) but cannot
    be seen in the render, in the same order; at most ``PICTURE_MAX_LABELS``.
``cells``
    What is seen under each pair of labels: ``{"values", "heatmap", "row",
    "column", "seen"}``, each a list (one per y label) of lists (one per x
    label): the value (None when nothing, a masked cell or colours are seen
    there), the index of the heatmap artist seen there, its array row and
    column, and ``seen``: True when a heatmap's cell is seen there, False when a
    heatmap is drawn there but none shows its colour (covered, clipped,
    transparent), None when no heatmap is there at all.
``titles``
    ``{"center"|"left"|"right": {"text", "visible", "shown"}}`` (the Axes
    titles; ``shown``: it can be seen in the render).
``suptitle``
    ``{"text", "visible", "shown"}`` or None (of the figure, or subfigure,
    holding the Axes).
``texts``
    Visible free texts with a letter in them (``ax.text``, ``fig.text``):
    ``[{"text", "where": "axes"|"figure"}]``, at most ``PICTURE_MAX_TEXTS``.
``other_colorbars``
    Colorbars in the figure that belong to no visible heatmap of this Axes:
    ``[{"label", "visible", "shown", "scale", "mappable": class name,
    "same_axes": bool}]`` (``same_axes``: the artist is on this Axes, e.g. a
    contour plot).
``truncated``
    True when some list was cut to its cap.
"""
import math

import numpy as np

from .seen import SEEN_COLOUR_TOLERANCE, SEEN_MIN_OPACITY, SeenRender

#: Caps that keep the dict small whatever was drawn.
PICTURE_MAX_CELLS = 60
PICTURE_MAX_LABELS = 60
PICTURE_MAX_TEXT = 200
PICTURE_MAX_TEXTS = 30
PICTURE_MAX_HEATMAPS = 20
#: Points per side of the grid sampled over the view to find the heatmap on top.
_PICTURE_SAMPLES = 24


def read_picture(ax):
    """Read what a person sees on ``ax``: see the module docstring for the dict.

    Never raises for a genuine matplotlib object graph, however odd: problems
    are listed under ``"errors"``. The figure is rendered twice (once as it is,
    once without the texts that count) and left as it was.
    """
    picture = {"schema": 2, "errors": [], "drawn": False, "render": None, "axes": None, "heatmaps": [],
               "main": None, "x_labels": [], "y_labels": [], "x_labels_unseen": [], "y_labels_unseen": [],
               "cells": {"values": [], "heatmap": [], "row": [], "column": [], "seen": []},
               "titles": {}, "suptitle": None, "texts": [], "other_colorbars": [],
               "truncated": False}
    try:
        from matplotlib.axes import Axes
    except Exception as exc:  # pragma: no cover - matplotlib is always installed
        picture["errors"].append(f"matplotlib could not be imported: {exc}")
        return picture
    if not isinstance(ax, Axes):
        picture["errors"].append(f"not a matplotlib Axes but a {type(ax).__name__}")
        return picture
    steps = (("draw", _picture_draw), ("axes", _picture_axes), ("shown texts", _picture_shown_texts),
             ("heatmaps", _picture_heatmaps), ("tick labels", _picture_tick_labels),
             ("cells", _picture_cells), ("titles", _picture_titles), ("texts", _picture_texts),
             ("colorbars", _picture_other_colorbars))
    try:
        for name, step in steps:
            try:
                step(ax, picture)
            except Exception as exc:  # noqa: BLE001 - any odd figure still gives a dict
                picture["errors"].append(f"reading the {name} failed: {type(exc).__name__}: "
                                         f"{_picture_clip(str(exc))}")
    finally:
        render = picture.pop("_render", None)
        if render is not None:
            render.release()
        for private in ("_readers", "_shown"):
            picture.pop(private, None)
    return picture


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
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


def _picture_all_colorbars(root):
    """(Axes, artist, colorbar) for every artist of the figure that has a colorbar."""
    from matplotlib.axes import Axes
    found = []
    for other in root.findobj(Axes):
        for child in other.get_children():
            colorbar = getattr(child, "colorbar", None)
            if colorbar is not None and hasattr(colorbar, "ax"):
                found.append((other, child, colorbar))
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


# --------------------------------------------------------------------------
# Steps of the reading
# --------------------------------------------------------------------------
def _picture_draw(ax, picture):
    # Rendered with Agg: tick labels (their texts and positions) are only final after a
    # draw, and the pixels are what a person sees.
    render = picture["_render"] = SeenRender(_picture_root(ax))
    render.render()
    picture["drawn"] = True
    picture["render"] = {"size": render.size, "dpi": float(render.figure.dpi)}


def _picture_shown_texts(ax, picture):
    """Which of the texts that can count (this Axes' tick labels and titles, the suptitle,
    every colorbar's labels and titles) can be seen: one more render without them."""
    picture["_shown"] = {}
    render = _picture_rendered(picture)
    if render is None:
        return
    candidates = []
    for axis in (ax.xaxis, ax.yaxis):
        for _, tick in _picture_ticks(axis):
            candidates += [tick.label1, tick.label2]
    candidates += _picture_title_texts(ax) + _picture_suptitle_texts(ax.get_figure())
    for _, _, colorbar in _picture_all_colorbars(render.figure):
        bar_ax = colorbar.ax
        candidates += [bar_ax.xaxis.label, bar_ax.yaxis.label] + _picture_title_texts(bar_ax)
    unique = {id(text): text for text in candidates if _picture_text_visible(text)}
    texts = list(unique.values())
    picture["_shown"] = dict(zip(unique, render.texts_shown(texts)))


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


def _picture_heatmap_artists(ax):
    from matplotlib.collections import QuadMesh
    from matplotlib.image import AxesImage
    try:  # matplotlib >= 3.8: what pcolor returns
        from matplotlib.collections import PolyQuadMesh
    except ImportError:  # pragma: no cover
        PolyQuadMesh = QuadMesh
    found = [(child.get_zorder(), order, child) for order, child in enumerate(ax.get_children())
             if isinstance(child, (AxesImage, QuadMesh, PolyQuadMesh))]
    # Axes.draw sorts its children by zorder with a stable sort: this is the drawing order.
    found.sort(key=lambda item: (item[0], item[1]))
    return [child for _, _, child in found]


def _picture_corners(ax, artist, shape):
    """(corners (R+1, C+1, 2) in data coordinates, "cells" | "vertices") or (None, why)."""
    from matplotlib.image import AxesImage, NonUniformImage, PcolorImage
    rows, columns = shape[0], shape[1]
    if isinstance(artist, (NonUniformImage, PcolorImage)):
        # Their cell edges (pcolorfast with uneven edges, NonUniformImage) have no public
        # getter: the cells cannot be placed, so they are reported as irregular.
        return None, "irregular"
    if isinstance(artist, AxesImage):
        left, right, bottom, top = (float(v) for v in artist.get_extent())
        # origin="upper" puts row 0 at the extent's `top` value (AxesImage.origin is documented).
        first, last = (top, bottom) if artist.origin == "upper" else (bottom, top)
        xs = np.linspace(left, right, columns + 1)
        ys = np.linspace(first, last, rows + 1)
        corners = np.stack(np.meshgrid(xs, ys), axis=-1)
        kind = "cells"
    else:
        corners = np.asarray(artist.get_coordinates(), dtype=float)
        if corners.ndim != 3 or corners.shape[2] != 2:
            return None, "irregular"
        if corners.shape[:2] == (rows + 1, columns + 1):
            kind = "cells"
        elif corners.shape[:2] == (rows, columns):  # shading="gouraud": values at vertices
            kind = "vertices"
        else:
            return None, "irregular"
    flat = _picture_to_data(ax, artist.get_transform(), corners.reshape(-1, 2))
    return np.asarray(flat, dtype=float).reshape(corners.shape), kind


def _picture_edges_from_centres(centres):
    centres = np.asarray(centres, dtype=float)
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (middle[0] - centres[0])], middle,
                           [centres[-1] + (centres[-1] - middle[-1])]])


def _picture_layout(corners, kind):
    """Cells along x and y from the corner grid, or None when it is not rectilinear."""
    xs, ys = corners[..., 0], corners[..., 1]
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        return None
    scale = max(1.0, float(np.max(np.abs(corners))))
    tolerance = 1e-9 * scale

    def constant(values, axis):
        return bool(np.all(np.abs(values - np.take(values, [0], axis=axis)) <= tolerance))

    if constant(xs, 0) and constant(ys, 1):
        along_x, x_points, y_points = "columns", xs[0, :], ys[:, 0]
    elif constant(xs, 1) and constant(ys, 0):
        along_x, x_points, y_points = "rows", xs[:, 0], ys[0, :]
    else:
        return None
    if kind == "vertices":
        x_edges, y_edges = _picture_edges_from_centres(x_points), _picture_edges_from_centres(y_points)
    else:
        x_edges, y_edges = x_points, y_points
    for edges in (x_edges, y_edges):
        steps = np.diff(edges)
        if len(steps) and not (np.all(steps > 0) or np.all(steps < 0)):
            return None
    return {"along_x": along_x, "x_edges": np.asarray(x_edges, dtype=float),
            "y_edges": np.asarray(y_edges, dtype=float)}


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


class _PictureHeatmap:
    """What the reading needs about one heatmap artist (kept out of the dict)."""

    def __init__(self, ax, artist, entry, layout, values, see_through, data):
        self.ax, self.artist, self.entry, self.layout = ax, artist, entry, layout
        self.values, self.see_through = values, see_through  # values: float array, NaN = no value
        self.data = data  # what the colours come from: masked values (R, C), or colours (R, C, 3|4)
        self._shown = self._distance = None  # per cell: -1 not checked yet, 0 not seen, 1 seen

    def cells_shown(self, render, rows, columns):
        """For cells (array row and column indices), (shown, how far): True where the render
        shows each in its value's colour, and the colour difference seen there (checked once
        per cell)."""
        rows, columns = np.asarray(rows, dtype=int), np.asarray(columns, dtype=int)
        if self._shown is None:
            self._shown = np.full(self.data.shape[:2], -1, dtype=np.int8)
            self._distance = np.ones(self.data.shape[:2])
        unknown = self._shown[rows, columns] < 0
        if np.any(unknown):
            cells = np.unique(np.stack([rows[unknown], columns[unknown]], axis=1), axis=0)
            shown, distance = self._check(render, cells[:, 0], cells[:, 1])
            self._shown[cells[:, 0], cells[:, 1]] = shown
            self._distance[cells[:, 0], cells[:, 1]] = distance
        return self._shown[rows, columns] > 0, self._distance[rows, columns]

    def shown_grid(self, render):
        """Which of its cells (the first PICTURE_MAX_CELLS of each axis) the render shows."""
        rows = min(self.data.shape[0], PICTURE_MAX_CELLS)
        columns = min(self.data.shape[1], PICTURE_MAX_CELLS)
        row, column = (grid.ravel() for grid in np.meshgrid(np.arange(rows), np.arange(columns),
                                                             indexing="ij"))
        return self.cells_shown(render, row, column)[0].reshape(rows, columns)

    def one_colour(self, render):
        """True when its values differ but all its cells are drawn in one colour (a colormap
        of one colour, colour limits that clip every value to one end): it shows no values."""
        if self.values is None:
            return False
        shown = self.values[:PICTURE_MAX_CELLS, :PICTURE_MAX_CELLS]
        row, column = np.nonzero(np.isfinite(shown))
        if len(row) < 2 or float(np.ptp(shown[row, column])) == 0:
            return False
        colours, _ = render.heatmap_colours(self.ax, self.artist, self.data, row, column)
        return bool(np.max(np.ptp(colours, axis=0)) <= SEEN_COLOUR_TOLERANCE)

    def _check(self, render, rows, columns):
        from matplotlib.image import AxesImage
        ax, layout = self.ax, self.layout
        x_index, y_index = (columns, rows) if layout["along_x"] == "columns" else (rows, columns)
        x_edges, y_edges = layout["x_edges"], layout["y_edges"]
        if self.entry["grid"] == "vertices":
            # values at vertices, colours blended between them: only a vertex itself shows its
            # value's colour; look there (a pixel inside the mesh, off the Axes' spines, when
            # the vertex is on its edge: a little of the blend shows, hence a wider tolerance)
            centres = np.stack([(x_edges[x_index] + x_edges[x_index + 1]) / 2,
                                (y_edges[y_index] + y_edges[y_index + 1]) / 2], axis=1)
            spot = ax.transData.transform(centres)
            hull = ax.transData.transform(np.array(
                [[(x_edges[0] + x_edges[1]) / 2, (y_edges[0] + y_edges[1]) / 2],
                 [(x_edges[-2] + x_edges[-1]) / 2, (y_edges[-2] + y_edges[-1]) / 2]]))
            low, high = hull.min(axis=0), hull.max(axis=0)
            first = np.clip(spot - 3.0, low, high)
            second = np.clip(spot + 3.0, low, high)
            centre_only, tolerance = True, 2.0
        else:
            first = ax.transData.transform(np.stack([x_edges[x_index], y_edges[y_index]], axis=1))
            second = ax.transData.transform(np.stack([x_edges[x_index + 1], y_edges[y_index + 1]], axis=1))
            # a smoothly interpolated image shows a cell's own colour only at its centre
            centre_only = isinstance(self.artist, AxesImage) and str(
                self.artist.get_interpolation()).lower() not in ("nearest", "none", "auto", "antialiased")
            tolerance = 1.0
        expected, opacity = render.heatmap_colours(ax, self.artist, self.data, rows, columns)
        return render.cells_shown(ax, (first[:, 0], second[:, 0], first[:, 1], second[:, 1]), expected,
                                  opacity >= SEEN_MIN_OPACITY, centre_only=centre_only,
                                  tolerance=tolerance)

    def lookup(self, xs, ys):
        """(row, column, value, shows) for points; shows is False where nothing is drawn."""
        layout = self.layout
        x_index, _ = _picture_locate(layout["x_edges"], xs)
        y_index, _ = _picture_locate(layout["y_edges"], ys)
        inside = (x_index >= 0) & (y_index >= 0)
        if layout["along_x"] == "columns":
            rows, columns = y_index, x_index
        else:
            rows, columns = x_index, y_index
        rows, columns = np.where(inside, rows, 0), np.where(inside, columns, 0)
        if self.values is None:  # colours: no values, but it covers what is below
            values = np.full(np.shape(xs), np.nan)
            shows = inside
        else:
            values = self.values[rows, columns]
            shows = inside & ~(np.isnan(values) & self.see_through)
        return rows, columns, values, shows


def _picture_heatmaps(ax, picture):
    picture["_readers"] = []  # removed before returning (see _picture_other_colorbars)
    artists = _picture_heatmap_artists(ax)
    if len(artists) > PICTURE_MAX_HEATMAPS:
        artists, picture["truncated"] = artists[-PICTURE_MAX_HEATMAPS:], True  # keep the ones on top
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    for index, artist in enumerate(artists):
        entry = {"index": index, "kind": type(artist).__name__, "zorder": float(artist.get_zorder()),
                 "alpha": None, "hidden": None, "shape": [], "colours": False, "array": [],
                 "array_truncated": False, "grid": "irregular", "along_x": "columns",
                 "x_centres": [], "y_centres": [], "x_edges": [], "y_edges": [],
                 "x_order": "left_to_right", "y_order": "top_to_bottom", "in_view": [0, 0],
                 "shown": [], "one_colour": False, "scale": None, "colorbar": None}
        picture["heatmaps"].append(entry)
        try:
            reader = _picture_read_heatmap(ax, artist, entry, xlim, ylim)
        except Exception as exc:  # noqa: BLE001
            entry["hidden"] = entry["hidden"] or "unreadable"
            picture["errors"].append(f"heatmap {index} ({entry['kind']}) could not be read: "
                                     f"{type(exc).__name__}: {_picture_clip(str(exc))}")
            reader = None
        try:
            entry["colorbar"] = _picture_colorbar(artist, picture)
        except Exception as exc:  # noqa: BLE001
            picture["errors"].append(f"the colorbar of heatmap {index} could not be read: {exc}")
        picture["_readers"].append(reader)
    _picture_find_covered(ax, picture)


def _picture_read_heatmap(ax, artist, entry, xlim, ylim):
    alpha = artist.get_alpha()
    entry["alpha"] = _picture_number(alpha) if isinstance(alpha, (int, float)) else None
    entry["hidden"] = _picture_is_invisible(artist)
    raw = artist.get_array()
    if raw is None:
        entry["hidden"] = entry["hidden"] or "unreadable"
        return None
    data = np.ma.asarray(raw)
    if data.dtype.kind not in "biuf":
        entry["shape"] = [int(s) for s in data.shape]
        entry["hidden"] = entry["hidden"] or "unreadable"
        return None
    data = np.ma.masked_invalid(data.astype(float))
    entry["shape"] = [int(s) for s in data.shape]
    if data.ndim == 3 and data.shape[2] in (3, 4):
        entry["colours"] = True
    elif data.ndim == 1 and hasattr(artist, "get_coordinates"):
        # A flattened mesh array (set_array with a 1-D array): shape it by the mesh.
        corners = np.asarray(artist.get_coordinates())
        if corners.ndim == 3 and (corners.shape[0] - 1) * (corners.shape[1] - 1) == data.shape[0]:
            data = data.reshape(corners.shape[0] - 1, corners.shape[1] - 1)
    if data.ndim != 2 and not entry["colours"]:
        entry["hidden"] = entry["hidden"] or "unreadable"
        return None
    rows, columns = data.shape[0], data.shape[1]
    if rows == 0 or columns == 0:
        entry["hidden"] = entry["hidden"] or "all cells masked"
        return None
    values = None
    if not entry["colours"]:
        entry["scale"] = _picture_scale(artist)
        values = np.ma.filled(data, np.nan)
        shown = values[:PICTURE_MAX_CELLS, :PICTURE_MAX_CELLS]
        entry["array"] = [[_picture_number(v) for v in row] for row in shown.tolist()]
        entry["array_truncated"] = rows > PICTURE_MAX_CELLS or columns > PICTURE_MAX_CELLS
        if np.all(np.isnan(values)):
            entry["hidden"] = entry["hidden"] or "all cells masked"
    corners, kind = _picture_corners(ax, artist, (rows, columns))
    if corners is None:
        return None
    layout = _picture_layout(corners, kind)
    if layout is None:
        return None
    entry["grid"], entry["along_x"] = kind, layout["along_x"]
    x_edges, y_edges = layout["x_edges"], layout["y_edges"]
    x_centres, y_centres = (x_edges[:-1] + x_edges[1:]) / 2, (y_edges[:-1] + y_edges[1:]) / 2
    cap = PICTURE_MAX_CELLS
    entry["x_edges"], entry["y_edges"] = x_edges.tolist()[:cap + 1], y_edges.tolist()[:cap + 1]
    entry["x_centres"], entry["y_centres"] = x_centres.tolist()[:cap], y_centres.tolist()[:cap]
    if len(x_centres) > 1:
        rising = (x_centres[-1] > x_centres[0]) != ax.xaxis_inverted()
        entry["x_order"] = "left_to_right" if rising else "right_to_left"
    if len(y_centres) > 1:
        rising = (y_centres[-1] > y_centres[0]) != ax.yaxis_inverted()
        entry["y_order"] = "bottom_to_top" if rising else "top_to_bottom"
    x_low, x_high = sorted(xlim)
    y_low, y_high = sorted(ylim)
    entry["in_view"] = [int(np.sum((y_centres >= y_low) & (y_centres <= y_high))),
                        int(np.sum((x_centres >= x_low) & (x_centres <= x_high)))]
    overlaps_x = min(x_edges.max(), x_high) > max(x_edges.min(), x_low)
    overlaps_y = min(y_edges.max(), y_high) > max(y_edges.min(), y_low)
    if not (overlaps_x and overlaps_y):
        entry["hidden"] = entry["hidden"] or "outside the view"
    colours_from = np.ma.asarray(raw) if entry["colours"] else data
    see_through = True
    if type(artist).__name__ != "PolyQuadMesh":  # pcolor does not draw masked cells at all
        try:  # masked/NaN cells show the colormap's "bad" colour: transparent unless set otherwise
            see_through = float(artist.get_cmap().get_bad()[3]) == 0.0
        except Exception:  # noqa: BLE001 - no colormap: nothing is drawn for masked cells
            pass
    return _PictureHeatmap(ax, artist, entry, layout, values, see_through, colours_from)


#: A heatmap lower down is the one seen at a cell whose colours match both only when its
#: colour is closer than the one on top by more than this (0-1 scale): ties go to the top.
_PICTURE_CLOSER = 3 / 255
#: Why a heatmap is not drawn at all (nothing of it can show anywhere).
_PICTURE_UNDRAWN = ("visible=False", "alpha=0", "all cells masked", "unreadable")


def _picture_topmost(picture, xs, ys):
    """For points, the index of the drawn heatmap on top there by geometry (-1: none),
    with its row, column and value."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    owner = np.full(xs.shape, -1)
    rows, columns = np.zeros(xs.shape, dtype=int), np.zeros(xs.shape, dtype=int)
    values = np.full(xs.shape, np.nan)
    readers = picture.get("_readers", [])
    for index in range(len(readers) - 1, -1, -1):  # top first
        reader = readers[index]
        entry = picture["heatmaps"][index]
        if reader is None or entry["hidden"] in _PICTURE_UNDRAWN:
            continue
        open_points = owner < 0
        if not np.any(open_points):
            break
        row, column, value, shows = reader.lookup(xs, ys)
        take = open_points & shows
        owner = np.where(take, index, owner)
        rows, columns = np.where(take, row, rows), np.where(take, column, columns)
        values = np.where(take, value, values)
    return owner, rows, columns, values


def _picture_seen_at(picture, xs, ys):
    """For points, (owner, rows, columns, values, drawn): the heatmap whose cell there the
    render shows in its value's colour (owner -1: none), that cell's row, column and
    value, and ``drawn``: whether some heatmap is drawn there at all (by geometry). When
    several do (near colours), the closest colour wins; on a tie, the heatmap whose cells
    are seen the most (a person reads the picture that shows), then the one on top.

    Without a render (the figure could not be drawn) the geometry alone answers."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    geometric, rows, columns, values = _picture_topmost(picture, xs, ys)
    render = _picture_rendered(picture)
    if render is None:
        return geometric, rows, columns, values, geometric >= 0
    owner = np.full(xs.shape, -1)
    rows, columns = np.zeros(xs.shape, dtype=int), np.zeros(xs.shape, dtype=int)
    values, best = np.full(xs.shape, np.nan), np.full(xs.shape, np.inf)
    readers = picture.get("_readers", [])
    drawn = [index for index in range(len(readers) - 1, -1, -1)  # top first
             if readers[index] is not None and picture["heatmaps"][index]["hidden"] not in _PICTURE_UNDRAWN]
    drawn.sort(key=lambda index: -float(np.mean(readers[index].shown_grid(render))))  # stable
    for index in drawn:
        reader = readers[index]
        row, column, value, shows = reader.lookup(xs, ys)
        if not np.any(shows):
            continue
        # covered, clipped or transparent there: what is below may show instead
        take, distance = np.zeros(xs.shape, dtype=bool), np.full(xs.shape, np.inf)
        take[shows], distance[shows] = reader.cells_shown(render, row[shows], column[shows])
        take &= distance < best - _PICTURE_CLOSER
        best = np.where(take, distance, best)
        owner = np.where(take, index, owner)
        rows, columns = np.where(take, row, rows), np.where(take, column, columns)
        values = np.where(take, value, values)
    return owner, rows, columns, values, geometric >= 0


def _picture_find_covered(ax, picture):
    """Mark heatmaps that are seen nowhere, and pick the one seen over most of the view."""
    readers = picture["_readers"]
    if not readers:
        return
    steps = (np.arange(_PICTURE_SAMPLES) + 0.5) / _PICTURE_SAMPLES
    grid = np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 2)
    view = ax.transData.inverted().transform(ax.transAxes.transform(grid))
    owner = _picture_seen_at(picture, view[:, 0], view[:, 1])[0]
    on_top = _picture_topmost(picture, view[:, 0], view[:, 1])[0]
    x_low, x_high = sorted(ax.get_xlim())
    y_low, y_high = sorted(ax.get_ylim())
    for index, reader in enumerate(readers):
        entry = picture["heatmaps"][index]
        if reader is None or entry["hidden"]:
            continue
        # Is it seen at any of its own cell centres (inside the view) or any view sample?
        xc, yc = np.asarray(entry["x_centres"]), np.asarray(entry["y_centres"])
        seen = bool(np.any(owner == index))
        top = bool(np.any(on_top == index))
        if len(xc) and len(yc) and not seen:
            px, py = (grid.ravel() for grid in np.meshgrid(xc, yc))
            in_view = (px >= x_low) & (px <= x_high) & (py >= y_low) & (py <= y_high)
            seen = bool(np.any((_picture_seen_at(picture, px, py)[0] == index) & in_view))
            top = top or bool(np.any((_picture_topmost(picture, px, py)[0] == index) & in_view))
        if not seen:
            # on top by geometry, yet not seen: something else covers it, or it is clipped
            # away or transparent
            entry["hidden"] = "not seen" if top else "covered by another heatmap"
    counts = [(int(np.sum(owner == index)), index) for index in range(len(readers))
              if not picture["heatmaps"][index]["hidden"]]
    if counts:
        picture["main"] = max(counts)[1]  # most of the view; on a tie the one on top
    _picture_shown_cells(picture)


def _picture_shown_cells(picture):
    """Each drawn heatmap's ``shown`` grid: which of its cells the render shows."""
    render = _picture_rendered(picture)
    if render is None:
        return
    for reader, entry in zip(picture["_readers"], picture["heatmaps"]):
        if reader is not None and entry["hidden"] not in _PICTURE_UNDRAWN:
            entry["shown"] = [[bool(v) for v in line] for line in reader.shown_grid(render).tolist()]
            entry["one_colour"] = reader.one_colour(render)


def _picture_anchor(ax, text, coordinate):
    """Where ``text``'s anchor is drawn (its transform applied to its position), in ax's
    data coordinates along ``coordinate``: an offset transform moves a label for real."""
    position = text.get_position()
    try:
        display = text.get_transform().transform(np.array([position], dtype=float))
        return _picture_number(ax.transData.inverted().transform(display)[0][coordinate])
    except Exception:  # noqa: BLE001 - an odd transform: the position as it claims
        return _picture_number(position[coordinate])


def _picture_axis_labels(ax, axis, coordinate, sides, picture):
    """The tick labels drawn along ``axis``: lists of (position, text, side, minor) tuples,
    those seen and those that cannot be seen in the render."""
    limits = ax.get_xlim() if coordinate == 0 else ax.get_ylim()
    low, high = min(limits), max(limits)
    slack = 1e-9 * max(1.0, high - low)
    seen, unseen = [], []
    if not (ax.axison and axis.get_visible()):
        return seen, unseen
    for minor, tick in _picture_ticks(axis):
        if not tick.get_visible():
            continue
        for label, side in ((tick.label1, sides[0]), (tick.label2, sides[1])):
            if not _picture_text_visible(label):
                continue
            position = _picture_anchor(ax, label, coordinate)
            if position is None or not low - slack <= position <= high + slack:
                continue
            found = (position, _picture_clip(label.get_text().strip()), side, minor)
            (seen if _picture_text_seen(picture, label) else unseen).append(found)
    return seen, unseen


def _picture_tick_labels(ax, picture):
    main = picture["main"]
    entry = picture["heatmaps"][main] if main is not None else None
    for name, axis, coordinate, sides, inverted in (
            ("x_labels", ax.xaxis, 0, ("bottom", "top"), bool(ax.xaxis_inverted())),
            ("y_labels", ax.yaxis, 1, ("left", "right"), not bool(ax.yaxis_inverted()))):
        seen, unseen = _picture_axis_labels(ax, axis, coordinate, sides, picture)
        merged = {}
        for position, text, side, minor in seen:
            key = (text, round(position, 9))
            label = merged.setdefault(key, {"text": text, "position": position, "sides": [],
                                            "minor": minor, "cell": None, "offset": None})
            if side not in label["sides"]:
                label["sides"].append(side)
            label["minor"] = label["minor"] and minor
        # on-screen order: left to right, top to bottom
        labels = sorted(merged.values(), key=lambda item: item["position"], reverse=inverted)
        if len(labels) > PICTURE_MAX_LABELS:
            labels, picture["truncated"] = labels[:PICTURE_MAX_LABELS], True
        if entry is not None and entry["grid"] != "irregular":
            edges = entry["x_edges"] if coordinate == 0 else entry["y_edges"]
            index, offset = _picture_locate(edges, [label["position"] for label in labels])
            for label, cell, shift in zip(labels, index.tolist(), offset.tolist()):
                if cell >= 0:
                    label["cell"], label["offset"] = int(cell), float(shift)
        picture[name] = labels
        hidden = {(text, round(position, 9)): (position, text) for position, text, _, _ in unseen
                  if (text, round(position, 9)) not in merged}
        ordered = sorted(hidden.values(), key=lambda item: item[0], reverse=inverted)
        if len(ordered) > PICTURE_MAX_LABELS:
            ordered, picture["truncated"] = ordered[:PICTURE_MAX_LABELS], True
        picture[f"{name}_unseen"] = [text for _, text in ordered]


def _picture_cells(ax, picture):
    xs = [label["position"] for label in picture["x_labels"]]
    ys = [label["position"] for label in picture["y_labels"]]
    cells = picture["cells"]
    if not xs or not ys:
        return
    px, py = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    owner, rows, columns, values, drawn = _picture_seen_at(picture, px, py)
    for p in range(len(ys)):
        found = owner[p].tolist()
        cells["values"].append([_picture_number(v) if o >= 0 else None
                                for v, o in zip(values[p].tolist(), found)])
        cells["heatmap"].append([int(o) if o >= 0 else None for o in found])
        cells["row"].append([int(r) if o >= 0 else None for r, o in zip(rows[p].tolist(), found)])
        cells["column"].append([int(c) if o >= 0 else None for c, o in zip(columns[p].tolist(), found)])
        cells["seen"].append([True if o >= 0 else False if there else None
                              for o, there in zip(found, drawn[p].tolist())])


def _picture_colorbar(artist, picture):
    colorbar = getattr(artist, "colorbar", None)
    if colorbar is None:
        return None
    bar_ax = colorbar.ax
    vertical = colorbar.orientation == "vertical"
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
    bar_figure = bar_ax.get_figure()
    render = _picture_rendered(picture)
    from matplotlib.axes import Axes
    # an inset Axes (ax.inset_axes) is a child of its Axes, not in figure.axes
    placed = bar_figure is not None and any(bar_ax is other for other in _picture_root(bar_ax).findobj(Axes))
    return {"orientation": str(colorbar.orientation),
            "visible": bool(bar_ax.get_visible() and placed),
            "shown": bool(render is not None and render.colorbar_shown(colorbar)),
            "long_label": long_label, "other_label": other_label, "title": title, "label": label,
            "unseen_label": unseen[0] if unseen else "", "scale": _picture_scale(colorbar.mappable)}


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


def _picture_titles(ax, picture):
    title_texts = _picture_title_texts(ax)
    for loc in ("center", "left", "right"):
        text = ax.get_title(loc)
        if loc == "center":
            candidates = [ax.title]
        else:  # found by their text (only the centre one has a public attribute)
            candidates = [t for t in title_texts if t is not ax.title and t.get_text() == text]
        picture["titles"][loc] = {"text": _picture_clip(text),
                                  "visible": any(_picture_text_visible(t) for t in candidates),
                                  "shown": any(_picture_text_seen(picture, t) for t in candidates)}
    figure = ax.get_figure()
    text = _picture_suptitle_text(figure)
    if text:
        candidates = _picture_suptitle_texts(figure)
        picture["suptitle"] = {"text": _picture_clip(text),
                               "visible": any(_picture_text_visible(t) for t in candidates),
                               "shown": any(_picture_text_seen(picture, t) for t in candidates)}


def _picture_suptitle_text(figure):
    return figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""


def _picture_texts(ax, picture):
    figure = ax.get_figure()
    suptitle = _picture_suptitle_text(figure)
    found = []
    for where, texts in (("axes", ax.texts), ("figure", getattr(figure, "texts", []))):
        for text in texts:
            content = text.get_text()
            if where == "figure" and suptitle and content == suptitle:
                continue  # the suptitle is among the figure's texts
            if _picture_text_visible(text) and any(c.isalpha() for c in content):
                found.append({"text": _picture_clip(content.strip()), "where": where})
    if len(found) > PICTURE_MAX_TEXTS:
        found, picture["truncated"] = found[:PICTURE_MAX_TEXTS], True
    picture["texts"] = found


def _picture_other_colorbars(ax, picture):
    readers = picture.get("_readers", [])
    shown = {id(reader.artist) for reader, entry in zip(readers, picture["heatmaps"])
             if reader is not None and not entry["hidden"]}
    found = []
    for other, child, _ in _picture_all_colorbars(_picture_root(ax)):
        if id(child) in shown:
            continue
        try:
            bar = _picture_colorbar(child, picture)
        except Exception:  # noqa: BLE001 - an odd colorbar: listed, with no label
            bar = {"label": "", "visible": False, "shown": False, "scale": None}
        found.append({"label": bar["label"], "visible": bar["visible"], "shown": bar["shown"],
                      "scale": bar["scale"], "mappable": type(child).__name__, "same_axes": other is ax})
    if len(found) > PICTURE_MAX_HEATMAPS:
        found, picture["truncated"] = found[:PICTURE_MAX_HEATMAPS], True
    picture["other_colorbars"] = found
