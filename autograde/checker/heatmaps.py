"""Reading the heatmaps of a picture: which artists are heatmaps, how their cells lie on screen,
which cells the render shows, which heatmap is on top, and the value under each pair of labels."""
import numpy as np

from .artists import (PICTURE_MAX_CELLS, PICTURE_MAX_HEATMAPS, _picture_clip, _picture_is_invisible, _picture_number, _picture_rendered, _picture_scale, _picture_to_data)
from .heatmap_cells import _PictureHeatmap
from .seen import SEEN_MIN_PIXELS
from .texts import _picture_colorbar

#: Points per side of the grid sampled over the view to find the heatmap on top.
_PICTURE_SAMPLES = 24


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
#: colour is closer than the one on top by more than this (ΔE): ties go to the top.
_PICTURE_CLOSER = 2.0

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
    render = _picture_rendered(picture)
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
            # away, transparent or drawn too small to see
            small = render is not None and reader.cell_pixels(render) < SEEN_MIN_PIXELS
            entry["hidden"] = "too small" if small else "not seen" if top else "covered by another heatmap"
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
