"""Reading the words of a picture: tick labels where their anchors are drawn, titles, free texts,
and the colorbars with their labels."""
import numpy as np

from .artists import (PICTURE_MAX_HEATMAPS, PICTURE_MAX_LABELS, PICTURE_MAX_TEXTS, _picture_all_colorbars, _picture_clip,
                      _picture_locate, _picture_number, _picture_rendered, _picture_root, _picture_scale,
                      _picture_suptitle_text, _picture_suptitle_texts, _picture_text_seen, _picture_text_visible,
                      _picture_ticks, _picture_title_texts)


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
    from matplotlib.axes import Axes
    bars = [getattr(getattr(child, "colorbar", None), "ax", None) for child in ax.get_children()]
    return not [other for other in figure.findobj(Axes) if other is not ax and other.get_visible()
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
            bar = {"label": "", "visible": False, "shown": False, "scale": None}
        found.append({"label": bar["label"], "visible": bar["visible"], "shown": bar["shown"],
                      "scale": bar["scale"], "mappable": type(child).__name__, "same_axes": other is ax})
    if len(found) > PICTURE_MAX_HEATMAPS:
        found, picture["truncated"] = found[:PICTURE_MAX_HEATMAPS], True
    picture["other_colorbars"] = found
