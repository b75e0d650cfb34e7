"""Reading the words of a picture: tick labels where they are drawn, titles, free texts, and the
colorbars with their labels (and the labels and colour scales made by hand: :mod:`handmade`)."""

from .artists import (PICTURE_MAX_HEATMAPS, PICTURE_MAX_LABELS, PICTURE_MAX_TEXTS, _picture_all_axes,
                      _picture_all_colorbars, _picture_anchor, _picture_bar_labels, _picture_clip, _picture_locate,
                      _picture_placed, _picture_rendered, _picture_root, _picture_scale, _picture_suptitle_text,
                      _picture_suptitle_texts, _picture_text_seen, _picture_text_visible, _picture_ticks,
                      _picture_title_texts)
from .handmade import _picture_free_labels, _picture_hand_colorbars
from .seen_cells import colorbar_shown


def _picture_axis_labels(ax, axis, coordinate, sides, picture):
    """The tick labels drawn along ``axis``: lists of (position, text, side, minor, padded) tuples
    (padded: spaces or newlines around its words, which move them),
    those seen and those that cannot be seen in the render. Along an axis without a tick
    label that can be seen, the labels written by hand (:mod:`handmade`)."""
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
            position = _picture_anchor(ax, label, coordinate, picture)
            if position is None or not low - slack <= position <= high + slack:
                continue
            content = label.get_text()
            found = (position, _picture_clip(content.strip()), side, minor, content != content.strip())
            (seen if _picture_text_seen(picture, label) else unseen).append(found)
    if not seen:  # no tick label can be read: labels may be written by hand
        handmade, hidden = _picture_free_labels(ax, coordinate, sides, picture)
        seen, unseen = handmade, unseen + hidden
    return seen, unseen


def _picture_tick_labels(ax, picture):
    main = picture["main"]
    entry = picture["heatmaps"][main] if main is not None else None
    for name, axis, coordinate, sides, inverted in (
            ("x_labels", ax.xaxis, 0, ("bottom", "top"), bool(ax.xaxis_inverted())),
            ("y_labels", ax.yaxis, 1, ("left", "right"), not bool(ax.yaxis_inverted()))):
        seen, unseen = _picture_axis_labels(ax, axis, coordinate, sides, picture)
        merged = {}
        for position, text, side, minor, padded in seen:
            key = (text, round(position, 9))
            label = merged.setdefault(key, {"text": text, "position": position, "sides": [],
                                            "minor": minor, "cell": None, "offset": None, "padded": padded})
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
        hidden = {(text, round(position, 9)): (position, text) for position, text, *_ in unseen
                  if (text, round(position, 9)) not in merged}
        ordered = sorted(hidden.values(), key=lambda item: item[0], reverse=inverted)
        if len(ordered) > PICTURE_MAX_LABELS:
            ordered, picture["truncated"] = ordered[:PICTURE_MAX_LABELS], True
        picture[f"{name}_unseen"] = [text for _, text in ordered]


def _picture_colorbar(artist, picture):
    colorbar = getattr(artist, "colorbar", None)
    if colorbar is None:
        return None
    render = _picture_rendered(picture)
    return {"orientation": str(colorbar.orientation), "visible": _picture_placed(colorbar.ax),
            "shown": bool(render is not None and colorbar_shown(render, colorbar)),
            **_picture_bar_labels(colorbar.ax, colorbar.orientation == "vertical", picture),
            "scale": _picture_scale(colorbar.mappable)}


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
                               "shown": any(_picture_text_seen(picture, t) for t in candidates),
                               "alone": _picture_alone_in_figure(ax, figure)}


def _picture_alone_in_figure(ax, figure):
    """True when ``ax`` and the colorbars of its artists are the only visible Axes of ``figure``
    (so that the figure's title is the heatmap's)."""
    bars = [getattr(getattr(child, "colorbar", None), "ax", None) for child in ax.get_children()]
    return not [other for other in _picture_all_axes(figure) if other is not ax and other.get_visible()
                and not any(other is bar for bar in bars)]


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
            bar = {"label": "", "unseen_label": "", "visible": False, "shown": False, "scale": None}
        found.append({"label": bar["label"], "unseen_label": bar["unseen_label"], "visible": bar["visible"],
                      "shown": bar["shown"], "scale": bar["scale"], "mappable": type(child).__name__,
                      "same_axes": other is ax})
    found += _picture_hand_colorbars(ax, picture)
    if len(found) > PICTURE_MAX_HEATMAPS:
        found, picture["truncated"] = found[:PICTURE_MAX_HEATMAPS], True
    picture["other_colorbars"] = found
