"""Plot attention weights as heatmaps: one matrix, or a grid of heads and layers.

The lessons import this module instead of copying plotting code into every
notebook::

    from attention_plots import plot_attention_heatmap, plot_attention_grid

    ax = plot_attention_heatmap(tokens, weights)                 # one matrix
    ax = plot_attention_heatmap(tokens, weights, mask=future,    # causal mask
                                annotate=True)                   # values in cells
    fig, axes = plot_attention_grid(tokens, heads)               # (heads, n, n)
    fig, axes = plot_attention_grid(tokens, layers_heads)        # (layers, heads, n, n)
    fig, axes = plot_matrix_product(A, B, row=0, column=1)       # how A @ B is made
    ax = plot_head_scores(scores, label="Entropy (bits)")        # one number per head

Conventions (the same as the course's challenge):

* rows are query tokens, columns are key tokens; ticks sit on cell centres;
* the colorbar is labelled "Attention Weight", the title is "Attention Heatmap",
  the axes "Key Tokens" (x) and "Query Tokens" (y);
* a *mask* is a boolean matrix that is True where a cell is masked (the query may
  not attend to that key), as in ``numpy.ma`` (libraries differ: check which
  value means "masked" in yours). Masked cells are drawn in a hatched grey that is not part of the
  colormap, and a legend entry says so; they are never drawn as a low weight.
* long sentences get thinned tick labels: at most ``max_labels`` per axis, every
  ``stride``-th token, each label on its own cell (see :func:`label_positions`);
* when ``vmin``/``vmax`` cut off some weights, the colorbar ends in an arrow on
  that side: those cells are drawn in the end colour of the scale.

Bad input raises ``ValueError`` with a message naming the problem (ragged rows,
a matrix that does not match the tokens, negative or NaN weights, a wrong
number of dimensions) before anything is drawn.

Only public matplotlib API is used; importing the module changes no global
state (no rcParams, no backend, no random seed).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.patches import Patch, Rectangle

__all__ = [
    "MAX_LABELS",
    "MASKED_COLOR",
    "MASKED_LABEL",
    "annotate_heatmap",
    "check_attention",
    "label_positions",
    "masked_legend_handle",
    "plot_attention_grid",
    "plot_attention_heatmap",
    "plot_matrix_product",
    "plot_head_scores",
]

#: Default largest number of tick labels per axis before labels are thinned.
MAX_LABELS = 40
#: Fill colour of masked cells: a light grey outside viridis and the other
#: perceptually uniform colormaps; the hatching tells it apart from any colormap.
MASKED_COLOR = "#d9d9d9"
#: Colour of the hatching drawn over masked cells.
MASKED_HATCH_COLOR = "#808080"
#: Legend text for masked cells.
MASKED_LABEL = "masked:\nnot attended"
#: Largest matrix that ``annotate=True`` will write numbers into.
MAX_ANNOTATED = 40


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _find_ragged(values, where: str):
    """Describe the first ragged level of nested lists/tuples, or return None."""
    if not isinstance(values, (list, tuple)) or not values:
        return None

    def size(item):
        if isinstance(item, (list, tuple, np.ndarray)):
            return len(item)
        return None

    sizes = [size(item) for item in values]
    odd = next((i for i, s in enumerate(sizes) if s != sizes[0]), None)
    if odd is not None:
        def describe(s):
            return "a single number" if s is None else f"{s} values"
        return (f"{where} is ragged: {where}[0] has {describe(sizes[0])} but "
                f"{where}[{odd}] has {describe(sizes[odd])}; every row needs one "
                "weight per key token")
    for i, item in enumerate(values):
        message = _find_ragged(item, f"{where}[{i}]")
        if message:
            return message
    return None


def _as_float_array(values, what: str):
    """Return ``(data, mask)`` as a float ndarray and a boolean mask, or raise ValueError."""
    message = _find_ragged(values, what)
    if message:
        raise ValueError(message)
    mask = np.ma.getmaskarray(values) if np.ma.isMaskedArray(values) else None
    try:
        data = np.asarray(np.ma.getdata(values), dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must contain only numbers") from None
    if mask is None:
        mask = np.zeros(data.shape, dtype=bool)
    return data, mask


def _as_mask(mask, shape: tuple, what: str) -> np.ndarray:
    """Turn a user mask (True = masked) into a boolean array broadcast to *shape*."""
    if mask is None:
        return np.zeros(shape, dtype=bool)
    message = _find_ragged(mask, "mask")
    if message:
        raise ValueError(message)
    array = np.asarray(mask)
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number) or not np.isin(array, (0, 1)).all():
            raise ValueError("mask must be boolean (True where a cell is masked)")
        array = array.astype(bool)
    try:
        return np.broadcast_to(array, shape)
    except ValueError:
        raise ValueError(
            f"mask is {_shape_text(array.shape)} but {what} is {_shape_text(shape)}"
        ) from None


def _shape_text(shape) -> str:
    return "×".join(str(s) for s in shape) if shape else "a single number"


def _check_tokens(tokens) -> list:
    if isinstance(tokens, str):
        raise ValueError("tokens must be a list of strings such as sentence.split(), "
                         "not one string")
    if not isinstance(tokens, (Sequence, np.ndarray)):
        raise ValueError(f"tokens must be a list of strings, not {type(tokens).__name__}")
    tokens = list(tokens)
    if not tokens:
        raise ValueError("tokens is empty: there is nothing to plot")
    bad = next((t for t in tokens if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"tokens must be strings; found {bad!r} "
                         f"({type(bad).__name__})")
    return tokens


def _check_values(tokens, data, mask, what: str) -> None:
    """NaN, infinity and negative weights among the cells that are not masked."""
    visible = ~mask
    for problem, bad in (("NaN", np.isnan(data)),
                         ("an infinite value", np.isinf(data)),
                         ("a negative weight", data < 0)):
        with np.errstate(invalid="ignore"):
            where = np.argwhere(bad & visible)
        if len(where):
            *head, row, col = where[0]
            place = (f"{what}" + (f"[{', '.join(str(h) for h in head)}]" if head else "")
                     + f" has {problem}")
            if problem == "a negative weight":
                place += f" ({data[tuple(where[0])]:g})"
            place += (f" at row {row}, column {col} (query {tokens[row]!r}, "
                      f"key {tokens[col]!r})")
            if problem == "a negative weight":
                hint = ("attention weights come out of a softmax and are never "
                        "negative; did you pass scores instead of weights?")
            else:
                hint = "weights must be finite numbers; to hide a cell, pass mask= instead"
            raise ValueError(f"{place}; {hint}")


def check_attention(tokens, attention, mask=None, *, what: str = "attention", ndim=None):
    """Validate a matrix (or stack of matrices) of attention weights against its tokens.

    Parameters
    ----------
    tokens : list of str
        The sentence's tokens, e.g. ``sentence.split()``.
    attention : array-like, shape (..., n, n)
        Weights, rows = query tokens, columns = key tokens. A list of lists, an
        ndarray or a ``numpy.ma`` masked array (its mask is kept).
    mask : array-like of bool, optional
        True where a cell is masked; broadcast against ``attention``.
    what : str
        The name used in error messages.
    ndim : int, optional
        The number of dimensions required (2 for one matrix); any by default.

    Returns
    -------
    tokens : list of str
    weights : numpy.ma.MaskedArray of float
        The weights with every masked cell masked.

    Raises
    ------
    ValueError
        With a message naming the problem: ragged rows, non-numbers, a matrix
        that is not n×n for n tokens, NaN, infinite or negative weights in cells
        that are not masked, or a mask of the wrong shape.
    """
    tokens = _check_tokens(tokens)
    data, own_mask = _as_float_array(attention, what)
    if data.ndim < 2 or (ndim is not None and data.ndim != ndim):
        hint = (" (for several heads use plot_attention_grid)"
                if ndim == 2 and data.ndim > 2 else "")
        raise ValueError(f"{what} must be a matrix (one row per query token), "
                         f"got {data.ndim}-D with shape {data.shape}{hint}")
    n = len(tokens)
    rows, cols = data.shape[-2:]
    if (rows, cols) != (n, n):
        raise ValueError(
            f"{what} is {rows}×{cols} but there are {n} tokens; it must be {n}×{n} "
            "(one row per query token, one column per key token)")
    full_mask = own_mask | _as_mask(mask, data.shape, what)
    _check_values(tokens, data, full_mask, what)
    return tokens, np.ma.masked_array(data, mask=full_mask)


# --------------------------------------------------------------------------
# Drawing pieces
# --------------------------------------------------------------------------

def label_positions(n: int, max_labels: int = MAX_LABELS) -> np.ndarray:
    """Indices of the tokens that get a tick label on an axis of *n* tokens.

    Every token is labelled when ``n <= max_labels``; otherwise every
    ``stride``-th token, ``stride = ceil(n / max_labels)``, starting at the first,
    so that at most *max_labels* labels are drawn and each stays on its own cell.

    >>> label_positions(7).tolist()
    [0, 1, 2, 3, 4, 5, 6]
    >>> label_positions(128)[:4].tolist(), len(label_positions(128))
    ([0, 4, 8, 12], 32)
    """
    if max_labels < 1:
        raise ValueError(f"max_labels must be at least 1, got {max_labels}")
    stride = max(1, math.ceil(n / max_labels))
    return np.arange(0, n, stride)


def _set_token_ticks(ax, tokens, max_labels: int) -> None:
    """Label the cells of *ax* with *tokens*, thinned to at most *max_labels* per axis."""
    shown = label_positions(len(tokens), max_labels)
    labels = [tokens[i] for i in shown]
    ax.set_xticks(shown, labels=labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(shown, labels=labels)


def _hatch_masked(ax, mask: np.ndarray) -> PatchCollection | None:
    """Hatch the masked cells: one rectangle per horizontal run of masked cells."""
    rectangles = []
    for row, line in enumerate(mask):
        padded = np.concatenate(([False], line, [False])).astype(int)
        edges = np.flatnonzero(np.diff(padded))
        for start, stop in zip(edges[::2], edges[1::2]):
            rectangles.append(Rectangle((start - 0.5, row - 0.5), stop - start, 1))
    if not rectangles:
        return None
    hatches = PatchCollection(rectangles, facecolor="none", edgecolor="none",
                              linewidth=0, hatch="//", label=MASKED_LABEL)
    hatches.set_hatchcolor(MASKED_HATCH_COLOR)
    ax.add_collection(hatches, autolim=False)
    return hatches


def _colorbar_extend(weights, vmin, vmax) -> str:
    """'neither', 'min', 'max' or 'both': which ends of the colour scale cut off weights.

    Matplotlib draws a weight above ``vmax`` in the top colour without saying so;
    an arrow at that end of the colorbar does.
    """
    visible = np.ma.compressed(weights)
    below = vmin is not None and visible.size and visible.min() < vmin
    above = vmax is not None and visible.size and visible.max() > vmax
    return {(False, False): "neither", (True, False): "min",
            (False, True): "max", (True, True): "both"}[(bool(below), bool(above))]


def masked_legend_handle() -> Patch:
    """A legend patch that looks like a masked cell."""
    return Patch(facecolor=MASKED_COLOR, edgecolor=MASKED_HATCH_COLOR,
                 hatch="//", label=MASKED_LABEL)


def _masked_cmap(cmap):
    """A copy of *cmap* (name or Colormap) that draws masked cells in MASKED_COLOR."""
    return mpl.colormaps[cmap].with_extremes(bad=MASKED_COLOR) if isinstance(cmap, str) \
        else cmap.with_extremes(bad=MASKED_COLOR)


def _text_color_for(rgba, colors=("black", "white")) -> str:
    """The one of *colors* (dark, light) with more contrast on the background *rgba*.

    Uses the WCAG relative luminance of the cell colour, so it works for any
    colormap (viridis is light at the top, 'Blues' is dark at the top).
    """
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgba(rgba)[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with black (L + .05) / .05 against white 1.05 / (L + .05)
    return colors[0] if luminance > 0.1791 else colors[1]


def annotate_heatmap(im, fmt: str = "{:.2f}", colors=("black", "white"), **text_kw):
    """Write each cell's value on the image *im*, in a colour readable on that cell.

    Parameters
    ----------
    im : matplotlib.image.AxesImage
        The heatmap, as returned by ``ax.imshow`` (``ax.images[0]``).
    fmt : str
        A ``str.format`` pattern for one value.
    colors : (str, str)
        Text colours for light and for dark cells. Each cell gets the one with
        more contrast against that cell's colour.
    **text_kw
        Passed to ``Axes.text`` (e.g. ``fontsize``).

    Returns
    -------
    list of matplotlib.text.Text
        One text per cell that is not masked, row by row.
    """
    data = np.ma.asarray(im.get_array())
    mask = np.ma.getmaskarray(data)
    kw = {"ha": "center", "va": "center", "fontsize": "small", **text_kw}
    texts = []
    for (row, col), value in np.ndenumerate(np.ma.getdata(data)):
        if mask[row, col]:
            continue
        color = _text_color_for(im.cmap(im.norm(value)), colors)
        texts.append(im.axes.text(col, row, fmt.format(value), color=color, **kw))
    return texts


# --------------------------------------------------------------------------
# Public plots
# --------------------------------------------------------------------------

def plot_attention_heatmap(tokens, attention, ax=None, *, mask=None, annotate=False,
                           fmt="{:.2f}", cmap="viridis", vmin=None, vmax=None,
                           colorbar=True, title="Attention Heatmap",
                           max_labels=MAX_LABELS):
    """Draw one attention matrix as a heatmap and return its Axes.

    Parameters
    ----------
    tokens : list of str
        The sentence's tokens; they label both axes.
    attention : list of lists, ndarray or masked array, shape (n, n)
        ``attention[i][j]`` is the weight from query token *i* (row) to key
        token *j* (column).
    ax : matplotlib.axes.Axes, optional
        Where to draw. By default a new figure is made.
    mask : array-like of bool, shape (n, n), optional
        True where the query may not attend to the key. Masked cells are drawn
        hatched grey (not a colour of the colormap) and a legend entry says so.
    annotate : bool
        Write each weight in its cell (up to 40 tokens), in black or white
        whichever reads better on that cell.
    fmt : str
        Format of the annotations.
    cmap : str or Colormap
        Colormap; perceptually uniform ``"viridis"`` by default.
    vmin, vmax : float, optional
        Colour limits; pass the same values to compare several heatmaps. Weights
        outside them get the end colours, and the colorbar ends in an arrow.
    colorbar : bool
        Add a colorbar labelled "Attention Weight" (reach it as
        ``ax.images[0].colorbar``).
    title : str
        Axes title.
    max_labels : int
        Largest number of tick labels per axis; longer sentences are labelled
        every ``ceil(n / max_labels)``-th token (see :func:`label_positions`).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For bad input; see :func:`check_attention`.
    """
    tokens, weights = check_attention(tokens, attention, mask, ndim=2)
    n = len(tokens)
    if annotate and n > MAX_ANNOTATED:
        raise ValueError(f"annotate=True would write {n}×{n} numbers, too small to read; "
                         f"annotate at most {MAX_ANNOTATED} tokens (plot a slice instead)")
    if ax is None:
        size = (8, 6) if n <= 20 else (10, 8)
        _, ax = plt.subplots(figsize=size, layout="constrained")

    im = ax.imshow(weights, cmap=_masked_cmap(cmap), vmin=vmin, vmax=vmax,
                   interpolation="nearest")
    _set_token_ticks(ax, tokens, max_labels)
    ax.set_title(title)
    ax.set_xlabel("Key Tokens")
    ax.set_ylabel("Query Tokens")
    cbar = (ax.figure.colorbar(im, ax=ax, label="Attention Weight",
                               extend=_colorbar_extend(weights, vmin, vmax))
            if colorbar else None)

    if np.ma.getmaskarray(weights).any():
        _hatch_masked(ax, np.ma.getmaskarray(weights))
        if cbar is not None:   # under the colorbar, where the rotated x labels leave room
            where = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.02)}
            legend_ax = cbar.ax
        else:                  # above the top right corner
            where = {"loc": "lower right", "bbox_to_anchor": (1.0, 1.0)}
            legend_ax = ax
        legend_ax.legend(handles=[masked_legend_handle()], fontsize="small",
                         frameon=False, handlelength=1.4, borderaxespad=0.0, **where)
    if annotate:
        annotate_heatmap(im, fmt)
    return ax


def plot_attention_grid(tokens, weights, *, mask=None, titles=None, layer_labels=None,
                        cmap="viridis", vmin=None, vmax=None, max_labels=MAX_LABELS,
                        panel_size=None, suptitle=None):
    """Draw several heads (and layers) of attention as a grid with one colour scale.

    Every panel uses the same colour limits, so the same colour means the same
    weight in every head, and the figure has a single colorbar. Token labels
    and axis labels are drawn on the outer panels only (left column, bottom
    row), as in d2l's ``show_heatmaps``; each panel has its own title.

    Parameters
    ----------
    tokens : list of str
        The sentence's tokens.
    weights : array-like, shape (heads, n, n) or (layers, heads, n, n)
        One attention matrix per head (per layer); rows = queries, columns = keys.
    mask : array-like of bool, optional
        True where a cell is masked; shape (n, n) for all panels, or the shape
        of *weights*.
    titles : list of str, optional
        One title per panel, shaped like ``weights.shape[:-2]`` (a list per
        layer for 4-D weights). Default "Head 1", "Head 2", ...
    layer_labels : list of str, optional
        For 4-D weights, one label per row of panels; default "Layer 1", ...
    cmap : str or Colormap
    vmin, vmax : float, optional
        The shared colour limits; default the smallest and largest weight that
        is not masked, over all panels.
    max_labels : int
        Largest number of tick labels per axis (see :func:`label_positions`).
    panel_size : float, optional
        Size of one panel in inches; grows with the sentence by default.
    suptitle : str, optional
        A title for the whole figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : numpy.ndarray of Axes, shape (layers, heads)
        Always 2-D: one row for 3-D weights.
    """
    tokens = _check_tokens(tokens)
    data, own_mask = _as_float_array(weights, "weights")
    if data.ndim not in (3, 4):
        hint = " (for one matrix use plot_attention_heatmap)" if data.ndim == 2 else ""
        raise ValueError(
            "weights must be 3-D (heads, queries, keys) or 4-D (layers, heads, queries, "
            f"keys); got {data.ndim}-D with shape {data.shape}{hint}")
    if 0 in data.shape[:-2]:
        raise ValueError(f"weights has no heads to plot (shape {data.shape})")
    tokens, stack = check_attention(tokens, np.ma.masked_array(data, own_mask), mask,
                                    what="weights")
    grid = stack.reshape((-1,) + stack.shape[-3:]) if stack.ndim == 4 else stack[None]
    n_layers, n_heads, n = grid.shape[0], grid.shape[1], len(tokens)

    if titles is None:
        titles = [[f"Head {h + 1}" for h in range(n_heads)] for _ in range(n_layers)]
    else:
        shape = np.shape(np.asarray(titles, dtype=object))
        if shape != data.shape[:-2]:
            raise ValueError(f"titles has shape {shape} but weights has "
                             f"{_shape_text(data.shape[:-2])} panels")
        titles = np.asarray(titles, dtype=object).reshape(n_layers, n_heads).tolist()
    if layer_labels is None:
        layer_labels = [f"Layer {i + 1}" for i in range(n_layers)] if data.ndim == 4 else [""]
    elif data.ndim != 4 or len(layer_labels) != n_layers:
        raise ValueError(f"layer_labels needs one label per layer ({n_layers}) and "
                         "4-D weights")

    visible = grid.compressed()
    if vmin is None:
        vmin = float(visible.min()) if visible.size else 0.0
    if vmax is None:
        vmax = float(visible.max()) if visible.size else 1.0
    norm = Normalize(vmin=vmin, vmax=vmax)

    size = panel_size or (2.8 if n <= 12 else 4.0)
    # Not sharex/sharey: sharing links every panel to every other, and setting the
    # ticks of 72 panels (a whole BERT layer stack) then took seconds.
    fig, axes = plt.subplots(n_layers, n_heads, squeeze=False,
                             figsize=(n_heads * size + 1.4, n_layers * size + 0.9),
                             layout="constrained")
    colormap = _masked_cmap(cmap)
    any_masked = False
    for (layer, head), ax in np.ndenumerate(axes):
        panel = grid[layer, head]
        im = ax.imshow(panel, cmap=colormap, norm=norm, interpolation="nearest")
        if np.ma.getmaskarray(panel).any():
            any_masked = True
            _hatch_masked(ax, np.ma.getmaskarray(panel))
        ax.set_title(titles[layer][head], fontsize="medium")
        if head == 0:
            label = "Query Tokens"
            ax.set_ylabel(f"{layer_labels[layer]}\n{label}" if layer_labels[layer] else label)
        if layer == n_layers - 1:
            ax.set_xlabel("Key Tokens")
    for ax in axes.flat:
        _set_token_ticks(ax, tokens, max_labels)
        ax.label_outer()   # tick labels on the left column and the bottom row only
    fig.colorbar(im, ax=axes.ravel().tolist(), label="Attention Weight", shrink=0.9,
                 extend=_colorbar_extend(grid, vmin, vmax))
    if any_masked:
        fig.legend(handles=[masked_legend_handle()], loc="outside lower right",
                   fontsize="small", frameon=False)
    if suptitle:
        fig.suptitle(suptitle)
    return fig, axes


# --------------------------------------------------------------------------
# How a matrix product is made
# --------------------------------------------------------------------------

#: Fill colours of the highlighted row of the left matrix, the highlighted
#: column (or rows) of the right one, and the entry (or row) they make.
ROW_COLOR, COLUMN_COLOR, PRODUCT_COLOR = "#ffd8a8", "#a5d8ff", "#b2f2bb"


def _as_matrix(values, what: str) -> np.ndarray:
    message = _find_ragged(values, what)
    if message:
        raise ValueError(message)
    try:
        matrix = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must contain only numbers") from None
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(f"{what} must be a matrix (rows and columns), got shape {matrix.shape}")
    return matrix


def _check_labels(labels, count: int, what: str):
    if labels is None:
        return None
    labels = list(labels)
    if len(labels) != count:
        raise ValueError(f"{what} has {len(labels)} labels but there are {count}")
    return [str(label) for label in labels]


def _draw_table(ax, matrix, highlight, color, fmt, title, row_labels, column_labels):
    """Draw *matrix* as a grid of numbers on *ax*, filling the cells where *highlight* is True."""
    rows, columns = matrix.shape
    for (row, column), value in np.ndenumerate(matrix):
        # Not clipped: the outer edges lie on the Axes' limits, where clipping would cut
        # them away (half their width, or all of it after rounding to pixels).
        ax.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, linewidth=1,
                               facecolor=color if highlight[row, column] else "white",
                               edgecolor="#9e9e9e", gid=f"cell {row},{column}", clip_on=False))
        ax.text(column, row, fmt.format(value), ha="center", va="center", fontsize="small")
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)   # row 0 at the top, as when NumPy prints a matrix
    ax.set_aspect("equal")
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    if column_labels is None:
        ax.set_xticks([])
    else:
        ax.set_xticks(range(columns), labels=column_labels, rotation=45, ha="left",
                      rotation_mode="anchor", fontsize="small")
    if row_labels is None:
        ax.set_yticks([])
    else:
        ax.set_yticks(range(rows), labels=row_labels, fontsize="small")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(f"{title}\n({rows}×{columns})")


def plot_matrix_product(left, right, row=0, column=None, *, names=("A", "B", "A @ B"),
                        fmt="{:g}", row_labels=None, inner_labels=None, column_labels=None):
    """Draw ``left @ right`` as three tables of numbers and show how one part is made.

    Row *row* of *left* is highlighted. With a *column*, column *column* of
    *right* and the entry ``[row, column]`` of the product are highlighted too,
    and the figure's caption writes that entry out as a sum of products (row
    times column). With ``column=None``, every row of *right* and row *row*
    of the product are highlighted: that row is a weighted sum of the rows of
    *right*, with the weights taken from row *row* of *left*.

    Parameters
    ----------
    left : array-like, shape (m, k)
    right : array-like, shape (k, p)
        The number of columns of *left* must equal the number of rows of *right*.
    row : int
        The row of *left* (and of the product) to highlight.
    column : int, optional
        The column of *right* (and of the product) to highlight.
    names : (str, str, str)
        Names of *left*, *right* and the product, written under each table.
    fmt : str
        A ``str.format`` pattern for one number.
    row_labels : list of str, optional
        Labels of the m rows of *left* and of the product (tokens, say).
    inner_labels : list of str, optional
        Labels of the k columns of *left*, which are the rows of *right*.
    column_labels : list of str, optional
        Labels of the p columns of *right* and of the product.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : list of three Axes
        The tables of *left*, *right* and the product, in that order.

    Raises
    ------
    ValueError
        When the shapes do not fit (naming both), a row or column is out of
        range, or a list of labels has the wrong length.
    """
    left, right = _as_matrix(left, names[0]), _as_matrix(right, names[1])
    (m, k), (k_right, p) = left.shape, right.shape
    if k != k_right:
        raise ValueError(
            f"{names[0]} is {m}×{k} and {names[1]} is {k_right}×{p}: in a matrix product the "
            f"number of columns of {names[0]} ({k}) must equal the number of rows of "
            f"{names[1]} ({k_right}); transpose one of them?")
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < m:
        raise ValueError(f"row must be a row number from 0 to {m - 1}, got {row!r}")
    if column is not None and (isinstance(column, bool) or not isinstance(column, (int, np.integer))
                               or not 0 <= column < p):
        raise ValueError(f"column must be a column number from 0 to {p - 1}, got {column!r}")
    row_labels = _check_labels(row_labels, m, "row_labels")
    inner_labels = _check_labels(inner_labels, k, "inner_labels")
    column_labels = _check_labels(column_labels, p, "column_labels")
    product = left @ right

    in_row = np.zeros(left.shape, dtype=bool)
    in_row[row] = True
    in_right = np.zeros(right.shape, dtype=bool)
    in_product = np.zeros(product.shape, dtype=bool)
    if column is None:
        in_right[:] = True
        in_product[row] = True
    else:
        in_right[:, column] = True
        in_product[row, column] = True

    cell = 0.55   # inches per cell
    width_ratios = [k, 1.2, p, 1.2, p]
    fig, axes = plt.subplots(1, 5, width_ratios=width_ratios, layout="constrained",
                             figsize=(cell * sum(width_ratios) + 1.5,
                                      cell * max(m, k) + 1.6))
    _draw_table(axes[0], left, in_row, ROW_COLOR, fmt, names[0], row_labels, inner_labels)
    _draw_table(axes[2], right, in_right, COLUMN_COLOR, fmt, names[1], inner_labels,
                column_labels)
    _draw_table(axes[4], product, in_product, PRODUCT_COLOR, fmt, names[2], row_labels,
                column_labels)
    for symbol_ax, symbol in ((axes[1], "@"), (axes[3], "=")):
        symbol_ax.axis("off")
        symbol_ax.text(0.5, 0.5, symbol, ha="center", va="center", fontsize="xx-large",
                       transform=symbol_ax.transAxes)

    def number(value):
        return fmt.format(value)

    product_name = names[2] if names[2].isidentifier() else f"({names[2]})"
    if column is None:
        terms = [f"{number(left[row, j])} × row {j}" for j in range(k)]
        start = f"row {row} of {names[2]} = "
        end = f"\na weighted sum of the rows of {names[1]}, weighted by row {row} of {names[0]}"
    else:
        terms = [f"{number(left[row, j])}×{number(right[j, column])}" for j in range(k)]
        start = f"{product_name}[{row}, {column}] = "
        end = f" = {number(product[row, column])}"
    shown = 3   # terms written out before "+ …"
    if k > shown + 1:
        terms = terms[:shown] + [f"… ({k} terms)"]
    fig.supxlabel(start + " + ".join(terms) + end, fontsize="medium")
    return fig, [axes[0], axes[2], axes[4]]


def plot_head_scores(scores, ax=None, *, label="Score", title=None, annotate=True,
                     fmt="{:.2f}", cmap="viridis", vmin=None, vmax=None):
    """Draw one number per attention head as a layers × heads heatmap; return its Axes.

    For measurements of every head of a model at once: the mean weight each
    head gives the previous token, the entropy of its rows, and so on.

    Parameters
    ----------
    scores : array-like, shape (layers, heads)
        ``scores[layer, head]``, 0-based; drawn with layer 1 at the top and
        head 1 on the left, as the panels of :func:`plot_attention_grid`.
    ax : matplotlib.axes.Axes, optional
        Where to draw. By default a new figure is made.
    label : str
        The colorbar's label: what the numbers are, with their unit.
    title : str, optional
        Axes title.
    annotate : bool
        Write each head's number in its cell (in black or white, whichever
        reads better there); at most 40 × 40 heads.
    fmt : str
        Format of the annotations.
    cmap : str or Colormap
    vmin, vmax : float, optional
        Colour limits; by default the smallest and largest score.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If *scores* is not a non-empty 2-D array of finite numbers.
    """
    message = _find_ragged(scores, "scores")
    if message:
        raise ValueError(message)
    try:
        data = np.asarray(scores, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("scores must contain only numbers") from None
    if data.ndim != 2 or 0 in data.shape:
        raise ValueError("scores must be a (layers, heads) matrix with one number per head; "
                         f"got shape {data.shape}")
    if not np.isfinite(data).all():
        layer, head = np.argwhere(~np.isfinite(data))[0]
        raise ValueError(f"scores has {data[layer, head]} at layer {layer + 1}, head {head + 1}; "
                         "every score must be a finite number")
    if annotate and max(data.shape) > MAX_ANNOTATED:
        raise ValueError(f"annotate=True would write {data.shape[0]}×{data.shape[1]} numbers, "
                         f"too small to read; annotate at most {MAX_ANNOTATED} per side")
    n_layers, n_heads = data.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * n_heads + 2.2, 0.5 * n_layers + 1.4),
                             layout="constrained")
    im = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks(np.arange(n_heads), labels=[str(h + 1) for h in range(n_heads)])
    ax.set_yticks(np.arange(n_layers), labels=[str(layer + 1) for layer in range(n_layers)])
    ax.set_xlabel("Head")
    ax.set_ylabel("Layer")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label=label)
    if annotate:
        annotate_heatmap(im, fmt, fontsize="medium")
    return ax
