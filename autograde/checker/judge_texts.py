"""Verdicts on the words of a read picture: the tick labels, the colorbar and its label, the title.

The part of :mod:`judge` that reads texts, on the dict :func:`picture.read_picture`
made (no matplotlib needed). Messages say what is wrong and how to fix it.
"""
import numpy as np

from .spec import EXPECTED_COLORBAR_LABEL, EXPECTED_TITLE

#: A tick label is on a cell's centre when it is at most this far from it, in cell widths.
CENTRE_TOLERANCE = 0.15
#: Why a text that is drawn cannot be seen (named in messages).
UNSEEN_WHY = ("covered, clipped, outside the figure, too small in pixels, in a font whose glyphs do not spell it, "
              "or in the colour of what is behind it")


def _judge_key(text):
    return str(text).strip().casefold()


def _judge_quote(texts):
    return "[" + ", ".join(f'"{text}"' for text in texts) + "]"


# --------------------------------------------------------------------------
# Tick labels
# --------------------------------------------------------------------------
def _judge_is_number(text):
    text = str(text).replace("\N{MINUS SIGN}", "-").replace("$", "").replace("\\mathdefault{", "")
    text = text.replace("}", "").strip()
    try:
        float(text)
    except ValueError:
        return False
    return True


def _judge_ticks(axis, labels, shown, tokens, public_tokens, order):
    """A message when the labels along ``axis`` are not the tokens, one per cell, centred (and
    why, when spaces or newlines around the labels move their words off their ticks)."""
    verdict = _judge_tick_texts(axis, labels, shown, tokens, public_tokens, order)
    if verdict and any(label.get("padded") for label in labels):
        what = "column" if axis == "x" else "row"
        return (f"{verdict} (the spaces or newlines around the labels move their words off their ticks: "
                f"label each {what} with its token as it is)")
    return verdict


def _judge_tick_texts(axis, labels, shown, tokens, public_tokens, order):
    what = "column" if axis == "x" else "row"
    fix = f"ax.set_{axis}ticks(range(len(tokens)), labels=tokens)"
    n = len(tokens)
    texts = [str(label.get("text", "")) for label in labels]
    if not labels:
        return f"the {axis} axis has no tick labels: label each {what} with its token, e.g. {fix}"
    numbers = all(_judge_is_number(text) for text in texts)
    if numbers and not all(_judge_is_number(token) for token in tokens):
        return (f"the {axis} tick labels are numbers ({', '.join(texts)}), not the tokens: pass the "
                f"tokens as the labels, e.g. {fix}")
    hard_coded = set(texts) <= set(public_tokens) and not set(texts) <= set(tokens)
    if tokens != public_tokens[:n] and hard_coded:
        return (f"the {axis} tick labels are the challenge's tokens, not the ones passed in: did you "
                f"hard-code them? Label the {what}s with the tokens argument (expected "
                f"{_judge_quote(tokens)}, found {_judge_quote(texts)})")
    gridded = shown is not None and shown.get("grid") in ("cells", "vertices")
    if gridded:
        centres = shown.get(f"{axis}_centres") or []
        for label in labels:
            offset = label.get("offset")
            if label.get("cell") is None or offset is None or abs(offset) > CENTRE_TOLERANCE:
                where = (f'the {axis} tick label "{label.get("text")}" is at {axis}={label.get("position"):g}, '
                         f"which is not the centre of a {what} ({what} centres are at "
                         f"{', '.join(f'{c:g}' for c in centres)})")
                return f"{where}: set the tick positions as well as the labels, e.g. {fix}"
        by_cell = {}
        for label in labels:
            cell = label["cell"]
            if cell in by_cell:
                return (f'{what} {cell + 1} has two {axis} tick labels, "{by_cell[cell]}" and '
                        f'"{label.get("text")}": keep one label per {what}, e.g. {fix}')
            by_cell[cell] = label.get("text")
        in_index_order = [by_cell[cell] for cell in sorted(by_cell)]
        full = [by_cell.get(cell, "") for cell in range(max(len(centres), max(by_cell) + 1))]
        if order == "screen" and (shown.get(f"{axis}_order") in ("right_to_left", "bottom_to_top")):
            in_index_order, full = in_index_order[::-1], full[::-1]
    else:  # no grid of cells to be centred on: read the labels along the axis
        in_index_order = full = [label.get("text") for label in
                                 sorted(labels, key=lambda item: item.get("position") or 0)]
    if in_index_order == tokens or (order == "either" and in_index_order == tokens[::-1]):
        return None
    if order != "either" and in_index_order == tokens[::-1]:
        first = "query" if axis == "y" else "key"
        return (f"the {axis} tick labels run in the opposite order to the {what}s: the first {what} "
                f'(the {first} "{tokens[0]}") is labelled "{in_index_order[0]}"; label the '
                f"{what}s in the matrix's order, e.g. {fix}")
    keys = [_judge_key(text) for text in in_index_order]
    token_keys = [_judge_key(token) for token in tokens]
    if keys == token_keys or (order == "either" and keys == token_keys[::-1]):
        return (f"the {axis} tick labels differ from the tokens in capitalisation (case matters): "
                f"expected {_judge_quote(tokens)}, found {_judge_quote(in_index_order)}")
    for sequence in ([full] if order != "either" else [full, full[::-1]]):
        if _judge_shifted_by_one(sequence, tokens):
            return (f"the {axis} tick labels are shifted by one {what}: expected "
                    f"{_judge_quote(tokens)}, found {_judge_quote(sequence)}; set the tick "
                    f"positions together with the labels, e.g. {fix}")
    if sorted(in_index_order) == sorted(tokens):
        return (f"the {axis} tick labels are the tokens in the wrong order: expected "
                f"{_judge_quote(tokens)}, found {_judge_quote(in_index_order)}")
    if len(in_index_order) < n and all(text in tokens for text in in_index_order):
        return (f"only {len(in_index_order)} of the {n} {what}s have a tick label "
                f"({_judge_quote(full)}): label every {what}, e.g. {fix}")
    return (f"the {axis} tick labels should be the tokens {_judge_quote(tokens)}, one per {what}, "
            f"in order; found {_judge_quote(full)}")


def _judge_shifted_by_one(labels, tokens):
    """True when ``labels`` (one per cell, "" where none) are the tokens one cell late or early."""
    n = len(tokens)
    return n >= 2 and (labels[1:n] == tokens[:n - 1] or labels[:n - 1] == tokens[1:])


def _judge_unseen_labels(axis, picture, verdict):
    """Say which tick labels are drawn but cannot be seen, when the labels fail."""
    unseen = [str(text) for text in picture.get(f"{axis}_labels_unseen") or []]
    if verdict is None or not unseen:
        return verdict
    if not picture.get(f"{axis}_labels"):
        what = "column" if axis == "x" else "row"
        return (f"the {axis} tick labels {_judge_quote(unseen)} cannot be seen in the drawn figure "
                f"({UNSEEN_WHY}): label each {what} with its token, visibly, e.g. "
                f"ax.set_{axis}ticks(range(len(tokens)), labels=tokens)")
    return f"{verdict} (and {_judge_quote(unseen)} cannot be seen: {UNSEEN_WHY})"


# --------------------------------------------------------------------------
# Colorbar and title
# --------------------------------------------------------------------------
def _judge_normalise(text):
    """Strip surrounding space and one trailing "." or ";" (the lesson quoted them)."""
    text = str(text).strip()
    if text[-1:] in (".", ";"):
        text = text[:-1].rstrip()
    return text


def _judge_text(what, actual, expected):
    got = _judge_normalise(actual)
    if got == expected:
        return None
    if not got:
        return f'{what} is missing: expected "{expected}"'
    if got.lower() == expected.lower():
        return f'{what} is "{got}": the capitalisation differs (case matters), expected "{expected}"'
    return f'{what} is "{got}", expected "{expected}"'


def _judge_colorbar(picture, shown):
    heatmaps = picture.get("heatmaps") or []
    fix = f'colorbar = ax.figure.colorbar(image, ax=ax); colorbar.set_label("{EXPECTED_COLORBAR_LABEL}")'
    if shown is None:
        # No heatmap can be seen (the matrix criterion says so): judge the colorbar of
        # whatever was drawn on the Axes, so that one mistake costs one criterion.
        bars = [entry["colorbar"] for entry in heatmaps if entry.get("colorbar")]
        bars += [bar for bar in picture.get("other_colorbars") or [] if bar.get("same_axes")]
        if not bars:
            return f"no colorbar for a heatmap: draw the heatmap, then add its colorbar: {fix}"
        shown = {"colorbar": bars[-1]}
    colorbar = shown.get("colorbar") or _judge_same_colours_bar(picture, shown)
    if colorbar is None:
        others = picture.get("other_colorbars") or []
        if any(bar.get("mappable") != "hand-drawn" for bar in others):
            return ("the colorbar belongs to another plot, not to the heatmap that is shown: make it "
                    f"from the heatmap itself, e.g. image = ax.imshow(...); {fix}")
        if others:
            return ("the colour scale drawn by hand does not show the heatmap's colours at the numbers it is "
                    f"labelled with (or has no numbers that can be read): let matplotlib draw it, {fix}")
        return f"no colorbar for the heatmap: add one with {fix}"
    if not colorbar.get("visible"):
        return f"the colorbar is hidden: show it, e.g. {fix}"
    if not colorbar.get("shown"):
        return ("the colorbar cannot be seen in the drawn figure: its bar does not show its colours "
                f"(something is drawn over it, it is clipped, or it is transparent): show it, e.g. {fix}")
    problem = _judge_text("the colorbar label", colorbar.get("label", ""), EXPECTED_COLORBAR_LABEL)
    unseen = _judge_normalise(colorbar.get("unseen_label", ""))
    if problem and unseen and not _judge_normalise(colorbar.get("label", "")):
        return f'the colorbar label "{unseen}" cannot be seen in the drawn figure ({UNSEEN_WHY})'
    if problem and not _judge_normalise(colorbar.get("label", "")):
        problem += f' (set it with colorbar.set_label("{EXPECTED_COLORBAR_LABEL}"))'
    return problem


def _judge_same_scale(first, second):
    """Two artists map values to the same colours (same limits, same colours between)."""
    if not (isinstance(first, dict) and isinstance(second, dict)):
        return False
    try:
        limits = np.array([first["vmin"], first["vmax"]], dtype=float)
        others = np.array([second["vmin"], second["vmax"]], dtype=float)
        colours = np.array(first["colours"], dtype=float)
        other_colours = np.array(second["colours"], dtype=float)
    except (KeyError, TypeError, ValueError):
        return False
    scale = max(1.0, float(np.max(np.abs(limits))))
    return (colours.shape == other_colours.shape and float(np.max(np.abs(limits - others))) <= 1e-6 * scale
            and float(np.max(np.abs(colours - other_colours))) <= 0.01)


def _judge_same_colours_bar(picture, shown):
    """A visible colorbar made for another artist of the figure (a hidden heatmap, another
    Axes) that maps values to exactly the shown heatmap's colours, or a colour scale drawn
    by hand that shows the shown heatmap's colours at its numbers: it reads the picture as
    well as the heatmap's own would, so it counts as the heatmap's colorbar."""
    bars = [entry.get("colorbar") for entry in picture.get("heatmaps") or [] if entry is not shown]
    bars += list(picture.get("other_colorbars") or [])
    main = picture.get("main")
    for bar in bars:
        reads_as = bar and (_judge_same_scale(bar.get("scale"), shown.get("scale"))
                            or (bar.get("reads_as") is not None and bar.get("reads_as") == main))
        if reads_as and bar.get("visible"):
            return bar
    return None


def _judge_title(picture):
    titles = picture.get("titles") or {}
    drawn = [titles[loc] for loc in ("center", "left", "right")
             if titles.get(loc, {}).get("visible") and str(titles[loc].get("text", "")).strip()]
    shown = [title["text"] for title in drawn if title.get("shown")]
    suptitle = picture.get("suptitle") or {}
    if any(_judge_text("", title, EXPECTED_TITLE) is None for title in shown) or (
            suptitle.get("alone") and suptitle.get("visible") and suptitle.get("shown")
            and _judge_text("", suptitle.get("text", ""), EXPECTED_TITLE) is None):
        return None  # a figure's title is the heatmap's when the heatmap is alone in it
    if shown:
        return _judge_text("the title", shown[0], EXPECTED_TITLE)
    if drawn:
        return f'the title "{drawn[0]["text"]}" cannot be seen in the drawn figure ({UNSEEN_WHY})'
    fix = f'ax.set_title("{EXPECTED_TITLE}")'
    if (suptitle.get("visible") and suptitle.get("shown")
            and _judge_text("", suptitle.get("text", ""), EXPECTED_TITLE) is None):
        return (f"the title is on the figure (suptitle), which holds other Axes than the heatmap and "
                f"its colorbar, so it is not the heatmap's title: use {fix}")
    for text in picture.get("texts") or []:
        if _judge_text("", text.get("text", ""), EXPECTED_TITLE) is None:
            writer = "ax.text" if text.get("where") == "axes" else "fig.text"
            return f"the title is written as free text ({writer}), not set as the title: use {fix}"
    return f'the title is missing: expected "{EXPECTED_TITLE}" (set it with {fix})'
