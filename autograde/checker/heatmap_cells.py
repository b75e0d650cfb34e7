"""One heatmap artist's cells: where each lies on screen, and which the render shows.

:class:`_PictureHeatmap` holds what the reading of :mod:`heatmaps` needs about one
artist: its values, its layout (cell edges along each axis), and, checked once per
cell against the render (:mod:`seen_cells`), which cells show their value's colour:

* a cell of a plain grid (``imshow`` with ``nearest``, meshes) by what covers most of
  its inner area;
* a cell of a smoothed image (``interpolation="bilinear"``, ``"gaussian"``, ...) by what
  covers most of its middle: colours of the values around it, which smoothing blends;
* a value at a mesh vertex (``shading="gouraud"``) by the pixels around that vertex.
"""
import numpy as np

from .artists import PICTURE_MAX_CELLS, _picture_locate
from .colours import SEEN_MIN_SPREAD, spread
from .seen import SEEN_MIN_PIXELS
from .seen_cells import SEEN_MIN_OPACITY, SEEN_SMOOTHED_REACH, cells_shown, smoothed_cells_shown

#: Interpolations that draw each cell in its own colour (the others blend neighbours).
_SHARP = ("nearest", "none", "auto", "antialiased")
#: Colours read across a smoothed cell's neighbourhood, from its smallest value to its largest
#: (close enough that a colour between two of them is within SEEN_MATCH_DELTA_E of one).
_SMOOTHED_STEPS = 64


class _PictureHeatmap:
    """What the reading needs about one heatmap artist (kept out of the dict)."""

    def __init__(self, ax, artist, entry, layout, values, see_through, data):
        self.ax, self.artist, self.entry, self.layout = ax, artist, entry, layout
        self.values, self.see_through = values, see_through  # values: float array, NaN = no value
        self.data = data  # what the colours come from: masked values (R, C), or colours (R, C, 3|4)
        self._shown = self._distance = None  # per cell: -1 not checked yet, 0 not seen, 1 seen

    def cells_shown(self, render, rows, columns):
        """For cells (array row and column indices), (shown, how far): True where the render
        shows each in its value's colour, and the colour difference (ΔE) seen there (checked
        once per cell)."""
        rows, columns = np.asarray(rows, dtype=int), np.asarray(columns, dtype=int)
        if self._shown is None:
            self._shown = np.full(self.data.shape[:2], -1, dtype=np.int8)
            self._distance = np.full(self.data.shape[:2], np.inf)
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
        """True when its values differ but its cells' colours, as drawn, span less than
        :data:`colours.SEEN_MIN_SPREAD` (a colormap of one colour or of colours too alike,
        colour limits that clip every value to one end, colours faded into the background):
        it shows no values."""
        if self.values is None:
            return False
        shown = self.values[:PICTURE_MAX_CELLS, :PICTURE_MAX_CELLS]
        row, column = np.nonzero(np.isfinite(shown))
        if len(row) < 2 or float(np.ptp(shown[row, column])) == 0:
            return False
        colours, _ = render.heatmap_colours(self.ax, self.artist, self.data, row, column)
        return spread(colours) < SEEN_MIN_SPREAD

    def cell_pixels(self, render):
        """The median width and height of its cells (or spacing of its vertices), the smaller
        of the two, in pixels as Jupyter shows the figure."""
        ax, layout = self.ax, self.layout
        sizes = []
        for edges, axis in ((layout["x_edges"], 0), (layout["y_edges"], 1)):
            points = np.zeros((len(edges), 2))
            points[:, axis] = edges
            points[:, 1 - axis] = (ax.get_ylim() if axis == 0 else ax.get_xlim())[0]
            display = ax.transData.transform(points)[:, axis]
            sizes.append(float(np.median(np.abs(np.diff(display)))) if len(display) > 1 else 0.0)
        return min(sizes) * render.display_dpi / render.figure.dpi

    def _smoothed(self):
        from matplotlib.image import AxesImage
        return (isinstance(self.artist, AxesImage) and self.values is not None
                and str(self.artist.get_interpolation()).lower() not in _SHARP)

    def _neighbourhood(self, rows, columns):
        """For cells, (N, _SMOOTHED_STEPS) values from the smallest to the largest within
        SEEN_SMOOTHED_REACH cells of each (NaN where there is none)."""
        reach = SEEN_SMOOTHED_REACH
        padded = np.pad(self.values, reach, constant_values=np.nan)
        windows = np.stack([padded[rows + dr, columns + dc] for dr in range(2 * reach + 1)
                            for dc in range(2 * reach + 1)], axis=1)
        with np.errstate(all="ignore"):
            low, high = np.nanmin(windows, axis=1), np.nanmax(windows, axis=1)
        return np.linspace(low, high, _SMOOTHED_STEPS, axis=1)

    def _check(self, render, rows, columns):
        ax, layout = self.ax, self.layout
        x_index, y_index = (columns, rows) if layout["along_x"] == "columns" else (rows, columns)
        x_edges, y_edges = layout["x_edges"], layout["y_edges"]
        expected, opacity = render.heatmap_colours(ax, self.artist, self.data, rows, columns)
        opaque = opacity >= SEEN_MIN_OPACITY
        if self.entry["grid"] == "vertices":
            # values at vertices, colours blended between them: only a vertex itself shows its
            # value's colour; look at the pixel there (moved inside the mesh, off the Axes'
            # spines, when the vertex is on its edge: a little of the blend shows, hence a
            # wider tolerance)
            centres = np.stack([(x_edges[x_index] + x_edges[x_index + 1]) / 2,
                                (y_edges[y_index] + y_edges[y_index + 1]) / 2], axis=1)
            spot = ax.transData.transform(centres)
            hull = ax.transData.transform(np.array(
                [[(x_edges[0] + x_edges[1]) / 2, (y_edges[0] + y_edges[1]) / 2],
                 [(x_edges[-2] + x_edges[-1]) / 2, (y_edges[-2] + y_edges[-1]) / 2]]))
            low, high = hull.min(axis=0), hull.max(axis=0)
            middle = (np.clip(spot - 3.0, low, high) + np.clip(spot + 3.0, low, high)) / 2
            first, second = middle - 0.5, middle + 0.5  # the pixel there
            rectangles = (first[:, 0], second[:, 0], first[:, 1], second[:, 1])
            opaque &= self.cell_pixels(render) >= SEEN_MIN_PIXELS  # vertices a readable distance apart
            return cells_shown(render, ax, rectangles, expected, opaque, fractions=(0.0, 1.0), tolerance=2.0,
                               minimum=0.0)
        first = ax.transData.transform(np.stack([x_edges[x_index], y_edges[y_index]], axis=1))
        second = ax.transData.transform(np.stack([x_edges[x_index + 1], y_edges[y_index + 1]], axis=1))
        rectangles = (first[:, 0], second[:, 0], first[:, 1], second[:, 1])
        if self._smoothed():
            candidates, _ = render.value_colours(ax, self.artist, self._neighbourhood(rows, columns), rows, columns)
            return smoothed_cells_shown(render, ax, rectangles, candidates, opaque)
        return cells_shown(render, ax, rectangles, expected, opaque)

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
