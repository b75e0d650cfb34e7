"""Verdicts on a read picture: which criteria hold, and in plain words what to fix.

:func:`judge_picture` takes the dict :func:`picture.read_picture` made (it
needs no matplotlib: the trusted grader can run it on the dict alone), the
tokens and the matrix the call passed, and returns ``{criterion: None or
message}`` for :data:`spec.PICTURE_CRITERIA`. Messages say what is wrong and
how to fix it; they do not name the call (the caller adds that).

Which criterion is blamed
-------------------------
Each defect costs only its own points:

1. When the tick labels on both axes identify the tokens (each token once,
   centred on a row/column, in the order of the tokens or the reverse, or any
   order when the tokens are distinct) and every labelled cell shows its
   weight, the matrix passes; the labels are then judged on their own (either
   direction along the axis is fine, since the data follows them).
2. Otherwise, when the shown heatmap's own array is the given matrix (passed
   unchanged: rows along y, columns along x), or the picture as laid out on
   screen (first row at the top, first column at the left) is the given matrix,
   and every one of its cells is in view and seen in the rendered figure, the
   matrix passes and the labels are blamed: they must follow the data (e.g. y
   labels reversed while the rows are not: "the y tick labels run in the
   opposite order to the rows").
3. Otherwise the matrix fails, with a message saying how the picture differs
   (cells outside the view, hidden or covered, transposed, rows or columns
   reversed, rescaled, offset, shifted by one, cells missing, other values);
   the tick labels are judged on their own.

Only what can be seen counts (the reader checks it against the rendered
pixels): cells that do not show their colour, tick labels, titles and colorbar
labels that change no pixel, and a colorbar whose bar does not show its colours
count as absent, and the messages say they cannot be seen. A heatmap whose cells
are all drawn in one colour shows no weights. A colorbar made for another artist
that maps values to exactly the shown heatmap's colours (a hidden copy, another
Axes) reads the picture as well as the heatmap's own would, and counts as its
colorbar.
"""
import numpy as np

from .judge_texts import CENTRE_TOLERANCE, _judge_colorbar, _judge_key, _judge_ticks, _judge_title, _judge_unseen_labels
from .spec import PICTURE_CRITERIA

#: Two weights are the same when they differ by at most this much.
WEIGHT_TOLERANCE = 1e-6
#: How a heatmap may be drawn (named in messages).
HEATMAP_WAYS = "ax.imshow, ax.matshow, ax.pcolor, ax.pcolormesh or seaborn.heatmap"

_JUDGE_HIDDEN_REASONS = {
    "visible=False": "it is set invisible (visible=False)",
    "alpha=0": "it is fully transparent (alpha=0)",
    "all cells masked": "all of its values are masked or NaN",
    "outside the view": "it lies outside the axis limits",
    "covered by another heatmap": "another heatmap is drawn over it",
    "not seen": ("none of its cells shows its colour in the drawn figure (something is drawn over "
                 "it, it is clipped away, or it is transparent)"),
    "too small": ("its cells are drawn smaller than 6 pixels a side, too small to tell apart (a figure of "
                  "a tiny size or dpi): draw it at matplotlib's default size and dpi"),
    "unreadable": "it holds no matrix of numbers",
}


def judge_picture(picture, tokens, attention, *, public_tokens):
    """``{criterion: None (passed) or a message}`` for every picture criterion.

    ``tokens`` and ``attention`` (a list of lists of floats, one row per query
    token) are what the call passed; ``public_tokens`` is the challenge's own
    sentence split, to recognise labels hard-coded from it.
    """
    # tick label texts are read stripped, so the tokens are compared stripped too
    tokens = [str(token).strip() for token in tokens]
    public_tokens = [str(token).strip() for token in public_tokens]
    expected = _judge_expected(attention, len(tokens))
    problem = _judge_unreadable(picture)
    if problem:
        return {criterion: problem for criterion in PICTURE_CRITERIA}
    heatmaps = picture.get("heatmaps") or []
    main = picture.get("main")
    shown = heatmaps[main] if isinstance(main, int) and 0 <= main < len(heatmaps) else None
    matrix, order = _judge_matrix(picture, shown, tokens, expected)
    verdicts = {
        "matrix": matrix,
        "x_ticks": _judge_unseen_labels("x", picture, _judge_ticks(
            "x", picture.get("x_labels") or [], shown, tokens, public_tokens, order)),
        "y_ticks": _judge_unseen_labels("y", picture, _judge_ticks(
            "y", picture.get("y_labels") or [], shown, tokens, public_tokens, order)),
        "colorbar": _judge_colorbar(picture, shown),
        "title": _judge_title(picture),
    }
    return {criterion: verdicts[criterion] for criterion in PICTURE_CRITERIA}


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------
def _judge_expected(attention, n):
    """The given matrix as an n x n float array (a clear error for a bad one)."""
    try:
        rows = [list(row) for row in attention]
        matrix = np.array(rows, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("attention must be a list of rows of numbers, one row per token") from None
    if matrix.ndim != 2 or matrix.shape != (n, n):
        raise ValueError(f"attention must be a {n}x{n} matrix (one row and one column per token); "
                         f"got shape {matrix.shape}")
    return matrix


def _judge_unreadable(picture):
    """A message for every criterion when nothing can be judged, else None."""
    if not isinstance(picture, dict) or picture.get("schema") != 2:
        return "the drawing could not be read"
    errors = "; ".join(picture.get("errors") or [])
    if picture.get("axes") is None:
        return f"no matplotlib Axes could be read ({errors or 'none was given'})"
    if not picture.get("drawn"):
        return f"the figure could not be drawn, so nothing on it can be seen ({errors})"
    if not picture["axes"].get("visible", True):
        return "the Axes is hidden (set_visible(False)), so nothing on it can be seen"
    return None


def _judge_array(entry):
    """The heatmap's stored values as a float array (NaN = no value), or None."""
    if entry is None or entry.get("colours") or entry.get("array_truncated"):
        return None
    rows = entry.get("array") or []
    try:
        array = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.ndim == 2 and array.size else None


def _judge_same(values, expected):
    return (values is not None and values.shape == expected.shape and not np.isnan(values).any()
            and float(np.max(np.abs(values - expected))) <= WEIGHT_TOLERANCE)


def _judge_shown(entry):
    """The heatmap's ``shown`` grid (which cells the render shows) as a bool array, or None."""
    rows = entry.get("shown") if entry else None
    try:
        array = np.array(rows or [], dtype=bool)
    except (TypeError, ValueError):
        return None
    return array if array.ndim == 2 and array.size else None


def _judge_all_seen(entry, n):
    """Every one of the heatmap's n x n cells is inside the view and shown in the render."""
    shown = _judge_shown(entry)
    return (list(entry.get("in_view") or []) == [n, n] and shown is not None
            and shown.shape == (n, n) and bool(shown.all()))


def _judge_screen(entry, stored):
    """The stored array as laid out on screen: first row at the top, first column at the left."""
    laid = stored if entry.get("along_x") == "columns" else stored.T
    if entry.get("y_order") == "bottom_to_top":
        laid = laid[::-1]
    if entry.get("x_order") == "right_to_left":
        laid = laid[:, ::-1]
    return laid


# --------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------
def _judge_matrix(picture, shown, tokens, expected):
    """(message or None, how the labels must be ordered: "either", "array" or "screen")."""
    n = len(tokens)
    if shown is None:
        return _judge_no_heatmap(picture.get("heatmaps") or []), "either"
    if shown.get("colours"):
        return ("the heatmap is an image of colours (RGB), not of the attention values: pass the "
                "matrix itself and let the colormap pick the colours"), "either"
    if shown.get("one_colour"):
        return ("every cell of the heatmap is drawn in (nearly) the same colour, so it shows none of the "
                "weights (a colormap of one colour or of colours too alike to tell apart, colour limits that "
                "put every weight at one end, or colours faded into the background): use a colormap such as "
                "viridis and the weights' own range"), "either"
    if shown.get("grid") == "irregular":
        return ("the heatmap's cells are not laid out in rows and columns: draw the matrix on a "
                f"plain grid with {HEATMAP_WAYS}"), "either"
    # Rule 1: read the picture through its labels.
    x_tokens = _judge_label_tokens(picture.get("x_labels") or [], tokens)
    y_tokens = _judge_label_tokens(picture.get("y_labels") or [], tokens)
    seen = None
    if x_tokens is not None and y_tokens is not None:
        seen = _judge_seen(picture.get("cells") or {}, x_tokens, y_tokens, n)
        if _judge_same(seen, expected) and list(shown.get("in_view") or []) == [n, n]:
            return None, "either"
    # Rule 2: the data itself is right; the labels are to blame.
    stored = _judge_array(shown)
    if stored is not None and stored.shape == expected.shape and _judge_all_seen(shown, n):
        if shown.get("along_x") == "columns" and _judge_same(stored, expected):
            return None, "array"
        if _judge_same(_judge_screen(shown, stored), expected):
            return None, "screen"
    # Rule 3: the picture is wrong; say how.
    if stored is not None:
        rows, columns = _judge_screen(shown, stored).shape
    else:
        rows, columns = (list(shown.get("shape") or [0, 0]) + [0, 0])[:2]
        if shown.get("along_x") == "rows":
            rows, columns = columns, rows
    in_view = (list(shown.get("in_view") or [0, 0]) + [0, 0])[:2]
    if (rows, columns) == (n, n) and in_view != [n, n]:
        return (f"only {in_view[0]} of the {n} rows and {in_view[1]} of the {n} columns are inside the "
                f"axis limits: show the whole matrix (do not set the limits to a part of it)"), "either"
    if seen is not None:
        rows, columns = in_view
    if (rows, columns) != (n, n):
        return (f"the heatmap shows {rows} rows and {columns} columns, but there are {n} tokens: "
                f"draw the {n}x{n} matrix as it is, one row and one column per token"), "either"
    if seen is not None:
        hidden = _judge_hidden_cells(picture.get("cells") or {}, x_tokens, y_tokens, tokens)
        return hidden or _judge_difference(seen, expected, tokens, by_labels=True), "either"
    if stored is None:
        return "the heatmap's values could not be read", "either"
    hidden = _judge_hidden_on_screen(shown, n)
    return hidden or _judge_difference(_judge_screen(shown, stored), expected, tokens, by_labels=False), "either"


def _judge_covered(count, total, where):
    return (f"the heatmap is hidden or covered where the cells should be: {count} of the {total} cells "
            f"do not show their colour in the drawn figure (something is drawn over them, they are "
            f"clipped away, or they are transparent), e.g. {where}: draw nothing over the heatmap")


def _judge_hidden_cells(cells, x_tokens, y_tokens, tokens):
    """A message when a heatmap is drawn under some pairs of labels but is not seen there."""
    seen = cells.get("seen") or []
    hidden = [(y_tokens[p], x_tokens[q]) for p in range(len(y_tokens)) for q in range(len(x_tokens))
              if p < len(seen) and q < len(seen[p]) and seen[p][q] is False]
    if not hidden:
        return None
    query, key = min(hidden)
    return _judge_covered(len(hidden), len(tokens) ** 2, _judge_where(tokens, query, key, True))


def _judge_hidden_on_screen(entry, n):
    """A message when some of the heatmap's cells are not seen (read as laid out on screen)."""
    shown = _judge_shown(entry)
    if shown is None or shown.shape != (n, n) or shown.all():
        return None
    hidden = np.argwhere(~_judge_screen(entry, shown))
    i, j = hidden[0]
    return _judge_covered(len(hidden), n * n, _judge_where([""] * n, i, j, False))


def _judge_no_heatmap(heatmaps):
    hidden = [entry.get("hidden") for entry in heatmaps if entry.get("hidden")]
    ways = f"draw the matrix with {HEATMAP_WAYS}"
    if hidden:
        reason = _JUDGE_HIDDEN_REASONS.get(hidden[-1], hidden[-1])
        return f"the heatmap on the Axes cannot be seen: {reason}; {ways}, visible on the Axes"
    return f"no heatmap can be seen on the Axes: {ways}"


def _judge_label_tokens(labels, tokens):
    """For each label (in the picture's order), the index of the token it names, when the
    labels identify the tokens: each once, centred on its own cell. Else None."""
    n = len(tokens)
    if len(labels) != n or n == 0:
        return None
    cells = [label.get("cell") for label in labels]
    offsets = [label.get("offset") for label in labels]
    if any(c is None or o is None or abs(o) > CENTRE_TOLERANCE for c, o in zip(cells, offsets)):
        return None
    if len(set(cells)) != n:
        return None
    keys = [_judge_key(label.get("text", "")) for label in labels]
    token_keys = [_judge_key(token) for token in tokens]
    by_cell = sorted(range(n), key=lambda k: cells[k])
    in_cell_order = [keys[k] for k in by_cell]
    found = [0] * n
    if in_cell_order == token_keys:
        for rank, k in enumerate(by_cell):
            found[k] = rank
    elif in_cell_order == token_keys[::-1]:
        for rank, k in enumerate(by_cell):
            found[k] = n - 1 - rank
    elif len(set(token_keys)) == n and sorted(keys) == sorted(token_keys):
        found = [token_keys.index(key) for key in keys]
    else:
        return None
    return found


def _judge_seen(cells, x_tokens, y_tokens, n):
    """The matrix as read through the labels: seen[query, key] (NaN where nothing is shown)."""
    seen = np.full((n, n), np.nan)
    values = cells.get("values") or []
    for p, query in enumerate(y_tokens):
        for q, key in enumerate(x_tokens):
            try:
                value = values[p][q]
            except (IndexError, TypeError):
                value = None
            if value is not None:
                seen[query, key] = value
    return seen


def _judge_close(values, target):
    """Equal within the tolerance, relative to the target's size when it is above 1."""
    scale = max(1.0, float(np.max(np.abs(target))))
    return float(np.max(np.abs(values - target))) <= WEIGHT_TOLERANCE * scale


def _judge_difference(seen, expected, tokens, *, by_labels):
    """How the picture ``seen`` (rows = queries, columns = keys) differs from ``expected``."""
    n = len(tokens)
    unchanged = ": plot the attention weights as they are"
    missing = np.argwhere(np.isnan(seen))
    if len(missing):
        i, j = missing[0]
        where = _judge_where(tokens, i, j, by_labels)
        return (f"{len(missing)} of the {n * n} cells show no value (masked, NaN or not drawn), "
                f"e.g. {where}: every weight must be shown")
    if n > 1 and _judge_close(seen, expected.T) and not _judge_close(expected, expected.T):
        return ("the heatmap is transposed: rows must be the query tokens and columns the key "
                "tokens (plot the matrix as it is, not its .T)")
    first, last = tokens[0], tokens[-1]
    flips = ((expected[::-1], "rows", f'the row labelled "{first}" shows the weights of "{last}"'),
             (expected[:, ::-1], "columns",
              f'the column labelled "{first}" shows the weights of "{last}"'),
             (expected[::-1, ::-1], "rows and the columns",
              f'the cell labelled "{first}", "{first}" shows the weight of "{last}", "{last}"'))
    for flipped, what, example in flips:
        if n > 1 and _judge_close(seen, flipped):
            if by_labels:
                return (f"the {what} run in the opposite order to their labels: {example}; "
                        f"reverse the labels together with the data, or neither")
            return (f"the heatmap's {what} are in reverse order (the last token's come first): "
                    f"plot the matrix as it is, without reversing it")
    rotations = (np.rot90(expected, 1), np.rot90(expected, 3), expected.T[::-1, ::-1])
    if n > 1 and any(_judge_close(seen, rotated) for rotated in rotations):
        return ("the heatmap is rotated or transposed: rows must be the query tokens (top to "
                "bottom) and columns the key tokens (plot the matrix as it is)")
    scale = _judge_rescaled(seen, expected)
    if scale:
        return (f"the heatmap shows the weights {scale}{unchanged}, so the colorbar reads the "
                f"real weights")
    offset = _judge_offset(seen, expected)
    if offset is not None:
        return f"every value in the heatmap is offset by {offset:+.4g}{unchanged}"
    shifted = _judge_shifted(seen, expected, tokens, by_labels)
    if shifted:
        return shifted
    i, j = np.unravel_index(int(np.argmax(np.abs(seen - expected))), seen.shape)
    where = _judge_where(tokens, i, j, by_labels)
    return (f"the heatmap shows different values from the given matrix: e.g. the cell of {where} "
            f"shows {seen[i, j]:.4g}, but its weight is {expected[i, j]:.4g}{unchanged}")


def _judge_where(tokens, i, j, by_labels):
    if by_labels:
        return f'query "{tokens[i]}", key "{tokens[j]}"'
    return f"row {i + 1} from the top, column {j + 1} from the left"


def _judge_rescaled(seen, expected):
    """How ``seen`` is a rescaling of ``expected`` ("multiplied by 100", ...), or None."""
    norm = float(np.sum(expected * expected))
    if norm == 0:
        return None
    factor = float(np.sum(seen * expected)) / norm
    if abs(factor - 1) > 1e-9 and _judge_close(seen, factor * expected):
        largest, total = float(np.max(expected)), float(np.sum(expected))
        if largest and abs(factor * largest - 1) <= 1e-6:
            return "normalised (divided by their largest value)"
        if total and abs(factor * total - 1) <= 1e-6:
            return "divided by their sum"
        if abs(factor - round(factor)) <= 1e-9 and round(factor) > 1:
            return f"multiplied by {round(factor)}"
        return f"multiplied by {factor:.4g}"
    for axis, what in ((1, "row"), (0, "column")):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.sum(seen * expected, axis=axis) / np.sum(expected * expected, axis=axis)
        if np.all(np.isfinite(ratios)) and np.ptp(ratios) > 1e-9:
            rescaled = seen / (ratios[:, None] if axis == 1 else ratios[None, :])
            if _judge_close(rescaled, expected):
                return f"rescaled {what} by {what} (e.g. each {what} divided by its largest value)"
    design = np.stack([expected.ravel(), np.ones(expected.size)], axis=1)
    (slope, intercept), *_ = np.linalg.lstsq(design, seen.ravel(), rcond=None)
    if (abs(slope - 1) > 1e-9 and abs(intercept) > 1e-9
            and _judge_close(seen, slope * expected + intercept)):
        return "rescaled and offset (e.g. min-max normalised)"
    return None


def _judge_offset(seen, expected):
    difference = seen - expected
    offset = float(np.mean(difference))
    if abs(offset) > WEIGHT_TOLERANCE and _judge_close(seen, expected + offset):
        return offset
    return None


def _judge_shifted(seen, expected, tokens, by_labels):
    """A message when the cells are shifted by one row or column (np.roll, an off-by-one slice)."""
    if len(tokens) < 3:
        return None
    relative = " relative to their labels" if by_labels else ""
    for what, later, earlier in (
            ("column", (seen[:, 1:], expected[:, :-1]), (seen[:, :-1], expected[:, 1:])),
            ("row", (seen[1:], expected[:-1]), (seen[:-1], expected[1:]))):
        for (part, target), neighbour in ((later, "the one before"), (earlier, "the one after")):
            if _judge_close(part, target):
                return (f"the heatmap's {what}s are shifted by one{relative}: each {what} shows "
                        f"the weights of {neighbour} it (an off-by-one slice or np.roll?); plot "
                        f"the matrix as it is")
    return None
