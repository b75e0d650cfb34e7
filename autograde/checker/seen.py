"""What a person sees: the figure rendered with Agg, and the reading held to its pixels.

:mod:`picture` reads a heatmap through matplotlib's data (the artists' arrays,
the tick label objects, the titles). That data can claim more than the picture
shows: an artist covered by a patch or by another Axes, clipped to nothing or
drawn transparent still holds its array; a text drawn white on white, covered,
or moved by an offset transform still holds its words and its position. This
module renders the figure and answers, from the pixels, what can be seen:

* :class:`SeenRender` renders the figure with Agg the way Jupyter shows it, at
  the figure's own dpi (lower for a render of more than :data:`SEEN_MAX_PIXELS`
  pixels): a ``FigureCanvasAgg`` draw, or ``savefig`` to raw RGBA when that
  shows more. Jupyter shows a figure as saved, widened to what is drawn
  (``bbox_inches="tight"``): a title or tick labels drawn past the figure's edge
  are seen there, so then the render covers the figure and them together
  (``bbox_inches`` set to both: the same drawing, shifted); saving also draws
  artists of an Axes marked animated, which a canvas draw skips. The reading's
  coordinates (``transData``, window extents) come from the same drawing.
* :meth:`SeenRender.cells_shown`: for cells of a heatmap artist, whether the
  pixels in each cell's inner area (several points away from its edges, grid
  lines and a centred annotation) show the colour the artist gives the cell's
  value (``ScalarMappable.to_rgba``, with the artist's alpha, composited over the
  Axes' background). A cell counts when at least :data:`SEEN_MIN_SHARE` of its
  points show that colour; a cell drawn at less than :data:`SEEN_MIN_OPACITY`
  shows nothing of its own.
* :meth:`SeenRender.texts_shown`: renders once more with the given texts made
  fully transparent and tells, for each, whether pixels inside its window extent
  changed (a text white on white, covered or clipped changes nothing), and
  whether it is big enough to read.
* :meth:`SeenRender.colorbar_shown`: whether a colorbar's bar shows its colormap
  (not covered or blank).

Only public matplotlib API is used; nothing here changes the figure for good
(the canvas, the dpi and the texts' alpha are put back by :meth:`release`).
"""
import io
import math

import numpy as np

#: Largest render, in pixels; a bigger figure is rendered at a lower dpi.
SEEN_MAX_PIXELS = 4_000_000
#: A pixel shows a colour when no channel differs by more than this (0-1 scale):
#: rounding, resampling and antialiasing stay well inside it.
SEEN_COLOUR_TOLERANCE = 12 / 255
#: A cell drawn less opaque than this shows nothing of its own colour.
SEEN_MIN_OPACITY = 0.25
#: A cell is seen when at least this share of its sampled points shows its colour
#: (the rest may be grid lines, an annotation or contour lines drawn over it).
SEEN_MIN_SHARE = 0.3
#: A text is seen when hiding it changes at least SEEN_TEXT_PIXELS pixels by this much.
SEEN_TEXT_CONTRAST = 0.12
SEEN_TEXT_PIXELS = 3
#: Texts smaller than this (in points) cannot be read.
SEEN_MIN_FONT_POINTS = 3.0
#: Cells narrower or lower than this (in pixels) are sampled at their centre only.
SEEN_SMALL_CELL = 6.0
#: Where a cell is sampled, as fractions of its width and height.
_SEEN_FRACTIONS = np.array([0.2, 0.35, 0.5, 0.65, 0.8])


def _seen_over(rgba, below):
    """RGB of colours ``rgba`` (..., 4), 0-1, composited over the RGB colour ``below``."""
    rgba = np.asarray(rgba, dtype=float)
    alpha = np.clip(rgba[..., 3:4], 0.0, 1.0)
    return rgba[..., :3] * alpha + np.asarray(below, dtype=float) * (1.0 - alpha)


def _seen_scalar_alpha(alpha):
    """An artist's alpha as one number (1 when unset or not a single number)."""
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and math.isfinite(alpha):
        return min(max(float(alpha), 0.0), 1.0)
    return 1.0


class SeenRender:
    """One Agg render of a figure, with the checks made against its pixels.

    Use :meth:`render` once, then the checks, then :meth:`release` (always). The
    pixels are taken when first needed: :meth:`texts_shown`, when it comes first,
    measures the texts before any drawing that could move them.
    """

    def __init__(self, figure):
        self.figure = figure
        self.drawn = False
        self.renderer = None
        self.area = None  # the area rendered, in inches (None: the figure itself)
        self.offset = np.zeros(2)  # display coordinates of the render's bottom-left pixel
        self._pixels = None
        self._saved = False  # the pixels must come from savefig (not the canvas' last draw)
        self._old_canvas = None
        self._old_dpi = None

    # ----------------------------------------------------------------------
    # Rendering
    # ----------------------------------------------------------------------
    def render(self):
        """Draw the figure with Agg (raises when it cannot be drawn); after this, tick
        labels and positions are final."""
        from matplotlib.axes import Axes
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        figure = self.figure
        if not isinstance(figure.canvas, FigureCanvasAgg):
            # an unpickled figure has a bare canvas: draw on Agg, put the old one back later
            self._old_canvas = figure.canvas
            FigureCanvasAgg(figure)  # attaches itself to the figure
        self._limit_dpi(figure.bbox.width * figure.bbox.height)
        figure.canvas.draw()
        self.renderer = figure.canvas.get_renderer()
        self.area = self._drawn_area()
        if self.area is not None and self._limit_dpi(self.area.width * self.area.height * figure.dpi ** 2):
            figure.canvas.draw()
            self.renderer = figure.canvas.get_renderer()
            self.area = self._drawn_area()
        # Saving draws what a canvas draw skips: artists of an Axes marked animated.
        animated = any(child.get_animated() for axes in figure.findobj(Axes) for child in axes.get_children())
        self._saved = self.area is not None or animated
        if not self._saved:
            self._pixels = np.array(figure.canvas.buffer_rgba(), dtype=np.uint8)  # a copy
        self.drawn = True
        return self

    @property
    def pixels(self):
        """The render's pixels: uint8 RGBA rows, the top row first."""
        if self._pixels is None and self.drawn:
            self._pixels = self._draw_pixels()
        return self._pixels

    @property
    def size(self):
        """[width, height] of the render in pixels."""
        box = self.area if self.area is not None else self.figure.bbox_inches
        return [int(box.width * self.figure.dpi), int(box.height * self.figure.dpi)]

    def _limit_dpi(self, pixels):
        """Lower the figure's dpi so that a render of ``pixels`` pixels fits the limit."""
        if pixels <= SEEN_MAX_PIXELS:
            return False
        if self._old_dpi is None:
            self._old_dpi = self.figure.dpi
        self.figure.set_dpi(self.figure.dpi * math.sqrt(SEEN_MAX_PIXELS / pixels) * 0.99)
        return True

    def _drawn_area(self):
        """The figure and what is drawn past its edges together (inches), or None when
        everything is drawn inside the figure."""
        from matplotlib import rcParams
        from matplotlib.transforms import Bbox
        figure = self.figure
        tight = figure.get_tightbbox(self.renderer)
        if tight is None or not np.all(np.isfinite(tight.extents)):
            return None
        inside = figure.bbox_inches
        if (tight.x0 >= inside.x0 and tight.y0 >= inside.y0 and tight.x1 <= inside.x1
                and tight.y1 <= inside.y1):
            return None
        pad = rcParams["savefig.pad_inches"]
        pad = pad if isinstance(pad, (int, float)) else 0.1
        return Bbox.union([inside, tight.padded(pad)])

    def _draw_pixels(self):
        """Draw the figure as it is now and return its pixels. With savefig when it must
        (the drawn area, animated artists): that drawing is shifted, and axis labels keep
        the display position of their last draw, so measure texts before it."""
        import matplotlib
        figure = self.figure
        if not self._saved:
            figure.canvas.draw()
            return np.array(figure.canvas.buffer_rgba(), dtype=np.uint8)
        dpi = figure.dpi
        buffer = io.BytesIO()
        # the student's rcParams must not crop, pad or make the background transparent
        with matplotlib.rc_context({"savefig.bbox": None}):
            figure.savefig(buffer, format="rgba", dpi=dpi, bbox_inches=self.area, pad_inches=0,
                           facecolor="auto", edgecolor="auto", transparent=False)
        width = self.size[0]
        data = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
        if width < 1 or data.size % (4 * width):
            raise ValueError(f"the render has {data.size} bytes, not rows of {width} pixels")
        if self.area is not None:
            self.offset = np.array([self.area.x0 * dpi, self.area.y0 * dpi])
        return data.reshape(-1, width, 4).copy()

    def release(self):
        """Put the figure's dpi and canvas back as they were."""
        if self._old_dpi is not None:
            self.figure.set_dpi(self._old_dpi)
            self._old_dpi = None
        if self._old_canvas is not None:
            self.figure.set_canvas(self._old_canvas)
            self._old_canvas = None

    def colours_at(self, xs, ys, pixels=None):
        """(RGB over white, inside) of the pixels under display points ``xs``, ``ys``."""
        pixels = self.pixels if pixels is None else pixels
        height, width = pixels.shape[:2]
        xs = np.asarray(xs, dtype=float) - self.offset[0]
        ys = np.asarray(ys, dtype=float) - self.offset[1]
        finite = np.isfinite(xs) & np.isfinite(ys)
        columns = np.floor(np.where(finite, xs, -1.0)).astype(int)
        rows = np.floor(height - np.where(finite, ys, -1.0)).astype(int)  # row 0 is the top
        inside = finite & (columns >= 0) & (columns < width) & (rows >= 0) & (rows < height)
        found = pixels[np.where(inside, rows, 0), np.where(inside, columns, 0)].astype(float) / 255
        return _seen_over(found, np.ones(3)), inside

    def background(self, ax):
        """The RGB colour behind an Axes' artists: its face over the figure's over a white page."""
        from matplotlib.colors import to_rgba
        colour = np.ones(3)
        figures = [self.figure]
        own = ax.get_figure()
        if own is not None and own is not self.figure:
            figures.append(own)  # a subfigure
        layers = [figure.patch for figure in figures if figure.patch.get_visible()]
        if ax.axison and ax.get_frame_on() and ax.patch.get_visible():
            layers.append(ax.patch)
        for patch in layers:
            colour = _seen_over(np.asarray(to_rgba(patch.get_facecolor()), dtype=float), colour)
        return colour

    # ----------------------------------------------------------------------
    # Heatmap cells
    # ----------------------------------------------------------------------
    def heatmap_colours(self, ax, artist, data, rows, columns):
        """(RGB (N, 3), opacity (N,)) the cells (``rows``, ``columns``) of ``artist`` are drawn
        in, over the Axes' background. ``data`` is what its colours come from: its values
        (masked where there is none: the colormap's "bad" colour) or its RGB(A) colours."""
        rows, columns = np.asarray(rows, dtype=int), np.asarray(columns, dtype=int)
        picked = data[rows, columns]
        if np.ndim(picked) == 2:  # colours, one row per cell: to_rgba passes RGB(A) images through
            rgba = np.asarray(artist.to_rgba(np.asarray(picked)[None]), dtype=float)[0]
        else:
            rgba = np.asarray(artist.to_rgba(picked), dtype=float)
        if rgba.max(initial=0) > 1.0:  # colours given as bytes
            rgba = rgba / 255.0
        if rgba.shape[-1] == 3:
            rgba = np.concatenate([rgba, np.ones(rgba.shape[:-1] + (1,))], axis=-1)
        alpha = artist.get_alpha()
        if alpha is None or np.ndim(alpha) == 0:
            per_cell = np.full(len(rows), _seen_scalar_alpha(alpha))
        else:  # one alpha per cell
            alpha = np.clip(np.nan_to_num(np.asarray(alpha, dtype=float)), 0.0, 1.0)
            shape = data.shape[:2]
            per_cell = (alpha.reshape(shape)[rows, columns] if alpha.size == shape[0] * shape[1]
                        else np.ones(len(rows)))
        opacity = np.clip(rgba[:, 3], 0.0, 1.0) * per_cell
        drawn = np.concatenate([rgba[:, :3], opacity[:, None]], axis=1)
        return _seen_over(drawn, self.background(ax)), opacity

    def cells_shown(self, ax, rectangles, expected, opaque, centre_only=False, tolerance=1.0):
        """For cells given as display rectangles ``(x0, x1, y0, y1)`` (arrays): (shown, how
        far): shown is True where the pixels in the cell's inner area show the ``expected``
        RGB (N, 3) colour; how far is the median colour difference of its points (0-1),
        to tell which of two heatmaps of near colours is the one drawn.

        ``opaque`` (N,) is False for cells drawn too transparent to show their colour;
        ``centre_only`` samples each cell at its centre (smooth shading, where only the
        centre has the value's own colour); ``tolerance`` scales the colour tolerance."""
        x0, x1, y0, y1 = (np.asarray(r, dtype=float) for r in rectangles)
        left, right = np.minimum(x0, x1), np.maximum(x0, x1)
        bottom, top = np.minimum(y0, y1), np.maximum(y0, y1)
        # artists are clipped to the Axes: only the part inside it can show
        box = ax.bbox
        left, right = np.maximum(left, box.x0), np.minimum(right, box.x1)
        bottom, top = np.maximum(bottom, box.y0), np.minimum(top, box.y1)
        present = (right > left) & (top > bottom)
        count = len(left)
        if count == 0:
            return np.zeros(0, dtype=bool), np.zeros(0)
        width, height = right - left, top - bottom
        small = centre_only | (width < SEEN_SMALL_CELL) | (height < SEEN_SMALL_CELL)
        fx, fy = np.meshgrid(_SEEN_FRACTIONS, _SEEN_FRACTIONS)
        fx = np.where(small[:, None], 0.5, fx.ravel()[None, :])
        fy = np.where(small[:, None], 0.5, fy.ravel()[None, :])
        xs = left[:, None] + fx * width[:, None]
        ys = bottom[:, None] + fy * height[:, None]
        colours, inside = self.colours_at(xs, ys)
        difference = np.max(np.abs(colours - np.asarray(expected, dtype=float)[:, None, :]), axis=-1)
        matching = inside & (difference <= SEEN_COLOUR_TOLERANCE * tolerance)
        share = matching.sum(axis=1) / matching.shape[1]
        distance = np.median(np.where(inside, difference, 1.0), axis=1)
        return present & np.asarray(opaque, dtype=bool) & (share >= SEEN_MIN_SHARE), distance

    # ----------------------------------------------------------------------
    # Texts and colorbars
    # ----------------------------------------------------------------------
    def texts_shown(self, texts):
        """For each Text drawn in the render, True when a person can see it: big enough to
        read, and rendering without it changes pixels inside its window extent."""
        texts = list(texts)
        if not texts:
            return []
        boxes = []
        for text in texts:
            try:
                boxes.append(text.get_window_extent(self.renderer))
            except Exception:  # noqa: BLE001 - a text that cannot be measured is not seen
                boxes.append(None)
        pixels = self.pixels  # (measured first: this drawing may move axis labels)
        saved = [text.get_alpha() for text in texts]
        try:
            for text in texts:
                text.set_alpha(0)  # still laid out (unlike set_visible(False)): nothing moves
            without = self._draw_pixels()
        finally:
            for text, alpha in zip(texts, saved):
                text.set_alpha(alpha)
        height, width = pixels.shape[:2]
        shown = []
        for text, box in zip(texts, boxes):
            if box is None or not (np.all(np.isfinite(box.extents)) and text.get_fontsize()
                                   >= SEEN_MIN_FONT_POINTS):
                shown.append(False)
                continue
            x0, x1 = box.x0 - self.offset[0], box.x1 - self.offset[0]
            y0, y1 = box.y0 - self.offset[1], box.y1 - self.offset[1]
            left, right = max(int(math.floor(x0)), 0), min(int(math.ceil(x1)), width)
            top, bottom = max(int(math.floor(height - y1)), 0), min(int(math.ceil(height - y0)), height)
            if right <= left or bottom <= top:
                shown.append(False)
                continue
            before = _seen_over(pixels[top:bottom, left:right] / 255.0, np.ones(3))
            after = _seen_over(without[top:bottom, left:right] / 255.0, np.ones(3))
            changed = np.max(np.abs(before - after), axis=-1) >= SEEN_TEXT_CONTRAST
            shown.append(int(changed.sum()) >= SEEN_TEXT_PIXELS)
        return shown

    def colorbar_shown(self, colorbar):
        """True when the colorbar's bar shows its colormap: most points along its middle
        show colormap colours, spanning at least half of the colormap. (A bar of one
        colour, or made transparent with its heatmap, is only checked to show that.)"""
        bar_ax = colorbar.ax
        steps = 256
        lut = np.asarray(colorbar.cmap(np.linspace(0, 1, steps)), dtype=float)
        lut[:, 3] *= _seen_scalar_alpha(getattr(colorbar, "alpha", None))
        expected = _seen_over(lut, self.background(bar_ax))
        one_colour = bool(np.max(np.ptp(expected, axis=0)) <= SEEN_COLOUR_TOLERANCE)
        along = np.linspace(0.05, 0.95, 19)
        middle = np.full_like(along, 0.5)
        points = np.stack([middle, along] if colorbar.orientation == "vertical" else [along, middle], axis=1)
        display = bar_ax.transAxes.transform(points)
        colours, inside = self.colours_at(display[:, 0], display[:, 1])
        difference = np.max(np.abs(colours[:, None, :] - expected[None, :, :]), axis=-1)
        nearest = np.argmin(difference, axis=1)
        matching = inside & (difference[np.arange(len(nearest)), nearest] <= SEEN_COLOUR_TOLERANCE)
        if matching.mean() < 0.7:
            return False
        return one_colour or int(nearest[matching].max() - nearest[matching].min()) >= steps // 2
