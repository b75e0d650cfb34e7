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
  Jupyter shows a figure as saved, and saving draws animated artists.) A cell
  of a drawn one is *seen* when most of the rendered pixels of the cell's inner
  area show the colour the artist gives its value, in CIELAB ΔE
  (:mod:`seen_cells`, :mod:`colours`); a cell covered (by a patch, a text,
  another Axes, another heatmap, all but pinholes), clipped away, drawn (nearly)
  transparent or smaller than :data:`seen.SEEN_MIN_PIXELS` is not. A smoothed
  image's cell is seen when the middle of it shows colours of the values around
  it. A heatmap none of whose cells is seen is hidden ("covered by another
  heatmap" when a heatmap is drawn over it, "too small" when its cells are,
  else "not seen"). A heatmap whose cells' colours span less than
  :data:`colours.SEEN_MIN_SPREAD` shows no values (``one_colour``).
* What is seen at a point is the value of the topmost heatmap whose cell there
  is seen (matplotlib draws an Axes' children sorted by zorder, stably, so the
  last one in that order is on top); a masked or NaN cell of a colormap whose
  "bad" colour is transparent lets the artist below show through.
* Tick labels are read after the render from every tick (major and minor,
  label1 at the bottom/left and label2 at the top/right): visible tick, visible
  label, alpha not 0, non-blank text, and *shown*: rendering the figure without
  it changes pixels inside its window extent (a label white on white, covered,
  clipped or off the figure changes nothing), in glyphs that spell it (not a
  font that draws letters as symbols), at a readable size in pixels
  (:mod:`seen_texts`). A label is placed where it is drawn: its anchor (its
  transform applied to its position, not where its position alone claims),
  moved as far as the spaces and newlines around its words move them, inside
  the view limits. Along an axis without a tick label that can be seen, texts
  written by hand outside the Axes on that side are its labels (:mod:`handmade`).
* The value "under" a pair of labels is what is seen at the point (x label
  position, y label position).
* Titles and colorbar labels count only when shown, like tick labels; a
  colorbar counts as shown when its bar shows its colormap. A colour scale drawn
  by hand (a gradient in an Axes of its own, with numbered ticks) reads as the
  heatmap's colorbar when it shows the heatmap's colours at its numbers.

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
    were read from (lower than the figure's own for a very big figure), or None.
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
      clipped, or transparent), ``"too small"`` (its cells are smaller than
      :data:`seen.SEEN_MIN_PIXELS` as Jupyter shows the figure), ``"unreadable"``;
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
    - ``"one_colour"``: True when its values differ but its cells' colours, as
      drawn, span less than :data:`colours.SEEN_MIN_SPREAD` ΔE (it shows no values);
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
    cell's centre, in cell widths, signed), "padded" (spaces or newlines around
    its words, which move them)}``. Labels with the same text at the same place
    (bottom and top) are one entry. Labels written by hand (``ax.text``) along
    an axis without tick labels are listed the same way.
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
    ``{"text", "visible", "shown", "alone"}`` or None (of the figure, or subfigure,
    holding the Axes; ``alone``: the Axes and its artists' colorbars are the only
    visible Axes of that figure).
``texts``
    Visible free texts with a letter in them (``ax.text``, ``fig.text``):
    ``[{"text", "where": "axes"|"figure"}]``, at most ``PICTURE_MAX_TEXTS``.
``other_colorbars``
    Colorbars in the figure that belong to no visible heatmap of this Axes:
    ``[{"label", "unseen_label", "visible", "shown", "scale", "mappable": class
    name, "same_axes": bool}]`` (``same_axes``: the artist is on this Axes, e.g. a
    contour plot); then the colour scales drawn by hand, each with the keys of a
    heatmap's ``"colorbar"`` and ``"mappable": "hand-drawn"``, ``"scale": None``,
    ``"reads_as"``: the index of the heatmap whose colours it shows at its
    numbers (the shown one), or None.
``truncated``
    True when some list was cut to its cap.
"""
from .artists import (PICTURE_MAX_CELLS, PICTURE_MAX_HEATMAPS, PICTURE_MAX_LABELS, PICTURE_MAX_TEXT,  # noqa: F401
                      PICTURE_MAX_TEXTS, _picture_axes, _picture_clip, _picture_draw, _picture_shown_texts, one_reading)
from .heatmaps import _picture_cells, _picture_heatmaps
from .texts import _picture_other_colorbars, _picture_texts, _picture_tick_labels, _picture_titles


def read_picture(ax, renders=None):
    """Read what a person sees on ``ax``: see the module docstring for the dict.

    Never raises for a genuine matplotlib object graph, however odd: problems
    are listed under ``"errors"``. The figure is rendered once (:class:`seen.SeenRender`: drawn
    again only when something is drawn far past its edge) and left as it was; the render
    without the texts that count is taken from what each text changed in it
    (:mod:`text_changes`; drawn once more only when that cannot be known), and every check
    reads those pixels and the artists' extents, without drawing again.
    ``renders``: a dict to which the render as it is (:class:`seen.SeenRender`, its pixels
    kept) is added under its figure, for a picture of the figure made afterwards without
    drawing it again (:func:`evidence.figure_png`).
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
        with one_reading():
            for name, step in steps:
                try:
                    step(ax, picture)
                except Exception as exc:  # noqa: BLE001 - any odd figure still gives a dict
                    picture["errors"].append(f"reading the {name} failed: {type(exc).__name__}: "
                                             f"{_picture_clip(str(exc))}")
    finally:
        render = picture.pop("_render", None)
        if render is not None:
            _keep(render, renders)
            render.release()
        for private in ("_readers", "_shown"):
            picture.pop(private, None)
    return picture


def _keep(render, renders):
    """Add ``render`` to ``renders`` (when asked, and it was drawn)."""
    if renders is not None and render.drawn and render.figure not in renders:
        renders[render.figure] = render
