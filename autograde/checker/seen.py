"""What a person sees: the figure rendered with Agg, the way Jupyter shows it.

:mod:`picture` reads a heatmap through matplotlib's data (the artists' arrays,
the tick label objects, the titles). That data can claim more than the picture
shows: an artist covered by a patch or by another Axes, clipped to nothing or
drawn transparent still holds its array; a text drawn white on white, covered,
or moved by an offset transform still holds its words and its position. The
reading is therefore held to one render of the figure:

* :class:`SeenRender` renders the figure with Agg the way Jupyter shows it, at
  the figure's own dpi (lower for a render of more than :data:`SEEN_MAX_PIXELS`
  pixels): ``savefig`` to raw RGBA on an Agg canvas that notes what each text
  changed (:mod:`text_changes`). Jupyter shows a figure as saved, widened to what
  is drawn (``bbox_inches="tight"``): a title or tick labels drawn past the
  figure's edge are seen there, so the render covers the figure and them
  together. It is cut from one drawing of the figure with a margin around it
  (``bbox_inches`` set to both: the same drawing, shifted by whole pixels); only
  what is drawn farther out is drawn again, over all of it. Saving also draws
  artists of an Axes marked animated, which a canvas draw skips. The reading's
  coordinates (``transData``, window extents) are the figure's, measured after
  the drawing, and :attr:`SeenRender.offset` places them on the render.
* :mod:`seen_cells`: which cells of a heatmap, and which colorbars, show their
  colours there (what covers most of a cell's area, in CIELAB ΔE: :mod:`colours`);
* :mod:`seen_texts`: which texts can be read there (they change pixels, in glyphs
  that spell them, big enough), and where their glyphs are.

Only public matplotlib API is used; nothing here changes the figure for good
(the canvas, the dpi and the texts' alpha are put back by :meth:`SeenRender.release`).
"""
import contextlib
import io
import math

import numpy as np

from .text_changes import TextChanges, anchor, watching_canvas

#: Largest render, in pixels; a bigger figure is rendered at a lower dpi.
SEEN_MAX_PIXELS = 4_000_000
#: Nothing smaller than this many pixels can be read at the size Jupyter shows a figure:
#: not a letter (a font this many pixels high has lowercase letters half as high), not a
#: cell (a speck whose colour the eye does not hold against the colorbar's).
SEEN_MIN_PIXELS = 6.0
#: Most pixels read of one rectangle (a cell, a bar): a bigger one is read on an even grid.
SEEN_MAX_BLOCK = 4096


def _inside(box, other) -> bool:
    """True when Bbox ``box`` lies inside Bbox ``other``."""
    return box.x0 >= other.x0 and box.y0 >= other.y0 and box.x1 <= other.x1 and box.y1 <= other.y1


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


def _seen_cell_alpha(artist, shape, rows, columns):
    """The artist's own alpha at cells (``rows``, ``columns``) of its array of ``shape``:
    one number, or one per cell."""
    alpha = artist.get_alpha()
    if alpha is None or np.ndim(alpha) == 0:
        return np.full(len(rows), _seen_scalar_alpha(alpha))
    alpha = np.clip(np.nan_to_num(np.asarray(alpha, dtype=float)), 0.0, 1.0)
    if alpha.size != shape[0] * shape[1]:
        return np.ones(len(rows))
    return alpha.reshape(shape)[rows, columns]


@contextlib.contextmanager
def _without_idle_engine(figure):
    """The figure without its layout engine while it is drawn, when that engine lays out nothing
    (a ``PlaceHolderLayoutEngine``: what ``fig.tight_layout()`` leaves, as the lessons teach).
    ``savefig`` draws a figure that has an engine twice, the first time only to lay it out;
    with this one that draw changes nothing, and it costs about a fifth of a reading
    (``benchmarks/bench_picture.py``). Drawn once, the figure is drawn as every figure without
    an engine is."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    engine = figure.get_layout_engine()
    if type(engine) is not PlaceHolderLayoutEngine:
        yield
        return
    figure.set_layout_engine(None)  # no engine (the caller's rcParams choose none)
    try:
        yield
    finally:
        figure.set_layout_engine(engine)


class SeenRender:
    """One Agg render of a figure, with the checks made against its pixels.

    Use :meth:`render` once, then the checks, then :meth:`release` (always). A check
    that draws again (:meth:`redrawn_without`) measures its texts before: that drawing
    moves the axis labels to where the shifted drawing has them.
    """

    def __init__(self, figure):
        self.figure = figure
        self.drawn = False
        self.renderer = None
        self.area = None  # the area Jupyter shows, in inches (None: the figure itself)
        self.tight = None  # what is drawn (the figure's tight box), in inches (None: not known)
        self.dpi = None  # the render's dpi
        self.offset = np.zeros(2)  # display coordinates of the render's bottom-left pixel
        self.text_changes = None  # TextChanges of the drawing the pixels come from
        self._drawing = None  # the area drawn, in inches: the figure and a margin, or more
        self._origin = None  # display coordinates of the drawing's bottom-left pixel
        self._drawn = None  # the drawing's pixels, the render's among them
        self._crop = None  # (rows, columns) slices of the render in the drawing
        self._old_canvas = None
        self._old_dpi = None

    # ----------------------------------------------------------------------
    # Rendering
    # ----------------------------------------------------------------------
    def render(self):
        """Draw the figure with Agg (raises when it cannot be drawn); after this, tick
        labels and positions are final.

        Drawn once, with ``savefig`` (as Jupyter draws it) over the figure and a margin
        around it (:meth:`_margin`): what is drawn past the figure's edge (a title, tick
        labels) shows in the margin, and the render is the part Jupyter shows, cut from
        the drawing. Only what is drawn farther out than the margin costs a second drawing.
        """
        figure = self.figure
        # Drawn on an Agg canvas that notes what each text changed (an unpickled figure has a
        # bare canvas, a live one its own); the old canvas is put back by release().
        self._old_canvas = figure.canvas
        watching_canvas()(figure)  # attaches itself to the figure
        self._limit_dpi(figure.bbox.width * figure.bbox.height)
        self._draw(figure.bbox_inches, self._margin(figure.bbox_inches))
        if not self._laid_out_alike():  # placed by where the drawing starts: drawn where the figure starts
            self._draw(figure.bbox_inches, 0)
        shown = self.area if self.area is not None else figure.bbox_inches
        if not _inside(shown, self._drawing):  # drawn farther past the figure's edge than the margin
            self._limit_dpi(shown.width * shown.height * figure.dpi ** 2)
            self._draw(shown, 0)
        self._cut()
        self.drawn = True
        return self

    def _margin(self, box):
        """Pixels around ``box`` (inches) to draw: an inch, less when that would pass
        :data:`SEEN_MAX_PIXELS`; whole pixels, so that the figure is drawn on the pixel grid of
        a canvas draw."""
        dpi = self.figure.dpi
        width, height = box.width * dpi, box.height * dpi
        room = max(0.0, SEEN_MAX_PIXELS - width * height)  # 4 m² + 2 (w + h) m <= room
        return min(round(dpi), math.floor((math.sqrt((width + height) ** 2 + 4 * room) - (width + height)) / 4))

    def _draw(self, box, margin):
        """Draw ``box`` (inches) and ``margin`` pixels around it, noting what each text
        changed; then measure what is drawn (which also puts the axis labels back where the
        figure, not the drawing, has them)."""
        dpi = self.figure.dpi
        self._drawing = box.padded(margin / dpi)
        self._origin = np.array([box.x0 * dpi - margin, box.y0 * dpi - margin])
        self._drawn = self._noting_texts(self._draw_pixels)
        self.text_changes.finish(self._drawn)
        # the drawing's renderer (the canvas' get_renderer keeps it): it knows the texts' sizes
        self.renderer = self.figure.canvas.renderer
        self.dpi = dpi
        self.tight = self._tight_box()
        self.area = self._drawn_area()

    def _laid_out_alike(self):
        """True when every text noted in the drawing is placed where the figure, after it,
        places it. matplotlib lays out a few things in display coordinates, which the drawing
        shifts: a title above an Axes whose title is hidden is placed at twice the Axes' top,
        counted from the drawing's edge; a text may be placed in display coordinates. Such a
        figure is drawn where a canvas draws it."""
        for text, drawn in self.text_changes.anchors:
            try:
                placed = anchor(text)
            except Exception:  # noqa: BLE001 - it was placed while drawn: it is placed alike
                return False
            if not np.allclose(np.asarray(drawn) + self._origin, placed, rtol=0, atol=1e-3, equal_nan=True):
                return False
        return True

    def _cut(self):
        """The render: the part of the drawing Jupyter shows (:attr:`area`, or the figure),
        sized as Agg sizes a canvas for it, its bottom row where the figure puts it."""
        shown = self.area if self.area is not None else self.figure.bbox_inches
        dpi, drawing = self.dpi, self._drawing
        left = max(0, round((shown.x0 - drawing.x0) * dpi))  # whole pixels of the drawing's grid
        below = max(0, round((shown.y0 - drawing.y0) * dpi))
        bottom = self._drawn.shape[0] - below
        self._crop = (slice(max(0, bottom - int(shown.height * dpi)), bottom),
                      slice(left, left + int(shown.width * dpi)))
        self.offset = self._origin + np.array([left, below])

    @property
    def pixels(self):
        """The render's pixels: uint8 RGBA rows, the top row first."""
        return self._drawn[self._crop] if self.drawn else None

    def _noting_texts(self, draw):
        """``draw()``, with the canvas noting what each text changes in a new :attr:`text_changes`."""
        canvas = self.figure.canvas
        canvas.changes = self.text_changes = TextChanges()
        try:
            return draw()
        finally:
            canvas.changes = None

    def without_texts(self, texts):
        """The render's pixels with ``texts`` drawn transparent (still laid out, so nothing
        moves): from what each text changed in the render (:mod:`text_changes`), else drawn
        once more. Measure the texts before: that drawing may move axis labels."""
        without = self.taken_without(texts)
        return self.redrawn_without(texts) if without is None else without

    def taken_without(self, texts):
        """The render's pixels with ``texts`` drawn transparent as taken from what each text
        changed (:meth:`TextChanges.without`), or None when that cannot be known."""
        without = self.text_changes.without(texts, self._drawn)
        return None if without is None else without[self._crop]

    def redrawn_without(self, texts):
        """The render's pixels with ``texts`` drawn transparent, drawn once more."""
        texts = list(texts)
        saved = [text.get_alpha() for text in texts]
        try:
            for text in texts:
                text.set_alpha(0)
            return self._draw_pixels()[self._crop]
        finally:
            for text, alpha in zip(texts, saved):
                text.set_alpha(alpha)

    @property
    def size(self):
        """[width, height] of the render in pixels."""
        pixels = self.pixels
        return [int(pixels.shape[1]), int(pixels.shape[0])]

    @property
    def display_dpi(self):
        """The figure's own dpi, at which Jupyter shows it (the render's may be lower)."""
        return self._old_dpi if self._old_dpi is not None else self.figure.dpi

    def _limit_dpi(self, pixels):
        """Lower the figure's dpi so that a render of ``pixels`` pixels fits the limit."""
        if pixels <= SEEN_MAX_PIXELS:
            return False
        if self._old_dpi is None:
            self._old_dpi = self.figure.dpi
        self.figure.set_dpi(self.figure.dpi * math.sqrt(SEEN_MAX_PIXELS / pixels) * 0.99)
        return True

    def _tight_box(self):
        """What is drawn, in inches (the box ``bbox_inches="tight"`` crops to), or None."""
        tight = self.figure.get_tightbbox(self.renderer)
        return tight if tight is not None and np.all(np.isfinite(tight.extents)) else None

    def _drawn_area(self):
        """The figure and what is drawn past its edges together (inches), or None when
        everything is drawn inside the figure."""
        from matplotlib import rcParams
        from matplotlib.transforms import Bbox
        tight = self.tight
        if tight is None:
            return None
        inside = self.figure.bbox_inches
        if _inside(tight, inside):
            return None
        pad = rcParams["savefig.pad_inches"]
        pad = pad if isinstance(pad, (int, float)) else 0.1
        return Bbox.union([inside, tight.padded(pad)])

    def _draw_pixels(self):
        """Draw :attr:`_drawing` with ``savefig``, as Jupyter does (which also draws artists of
        an Axes marked animated, which a canvas draw skips), and return its pixels. The
        drawing is shifted, and axis labels keep the display position of their last draw:
        measure texts after :meth:`_tight_box`, before drawing again."""
        import matplotlib
        figure, drawing = self.figure, self._drawing
        buffer = io.BytesIO()
        # the student's rcParams must not crop, pad or make the background transparent (nor lay
        # out a figure whose engine is taken away below)
        with matplotlib.rc_context({"savefig.bbox": None, "figure.autolayout": False,
                                    "figure.constrained_layout.use": False}), _without_idle_engine(figure):
            figure.savefig(buffer, format="rgba", dpi=figure.dpi, bbox_inches=drawing, pad_inches=0,
                           facecolor="auto", edgecolor="auto", transparent=False)
        width, _ = figure.canvas.renderer.get_canvas_width_height()  # savefig sized it for the drawing
        data = np.frombuffer(buffer.getbuffer(), dtype=np.uint8)
        if width < 1 or data.size % (4 * width):
            raise ValueError(f"the render has {data.size} bytes, not rows of {width} pixels")
        return data.reshape(-1, width, 4).copy()

    def png(self, box, dpi):
        """PNG bytes of the render's pixels in ``box`` (inches, figure coordinates), scaled to
        ``dpi`` (area-averaged: each pixel of the picture the mean of the render's under it),
        with no drawing. Where ``box`` passes the render, the figure's background is shown, as
        ``savefig(bbox_inches=box)`` draws it there. Still valid after :meth:`release`."""
        from matplotlib.colors import to_rgba
        from PIL import Image
        pixels = self.pixels
        height, width = pixels.shape[:2]
        left, right = box.x0 * self.dpi - self.offset[0], box.x1 * self.dpi - self.offset[0]
        top, bottom = height - (box.y1 * self.dpi - self.offset[1]), height - (box.y0 * self.dpi - self.offset[1])
        before = [max(0, math.ceil(-top)), max(0, math.ceil(-left))]
        after = [max(0, math.ceil(bottom - height)), max(0, math.ceil(right - width))]
        if any(before + after):
            patch = self.figure.patch
            background = to_rgba(patch.get_facecolor()) if patch.get_visible() else (0, 0, 0, 0)
            framed = np.empty((height + before[0] + after[0], width + before[1] + after[1], 4), dtype=np.uint8)
            framed[...] = np.round(np.asarray(background) * 255).astype(np.uint8)
            framed[before[0]:before[0] + height, before[1]:before[1] + width] = pixels
            pixels = framed
        size = (max(1, int(box.width * dpi)), max(1, int(box.height * dpi)))  # as Agg sizes a canvas
        image = Image.fromarray(pixels, "RGBA").resize(size, Image.Resampling.BOX, box=(
            left + before[1], top + before[0], right + before[1], bottom + before[0]))
        buffer = io.BytesIO()
        image.save(buffer, format="png")
        return buffer.getvalue()

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
        return self._composited(ax, rgba, _seen_cell_alpha(artist, data.shape[:2], rows, columns))

    def value_colours(self, ax, artist, values, rows, columns):
        """(RGB (N, K, 3), opacity (N, K)): the colours ``artist`` draws values (N, K) in, the
        K values of each row at the artist's cell (``rows``, ``columns``)."""
        rgba = np.asarray(artist.to_rgba(np.asarray(values, dtype=float)), dtype=float)
        shape = np.shape(artist.get_array())[:2]
        alpha = _seen_cell_alpha(artist, shape, np.asarray(rows, dtype=int), np.asarray(columns, dtype=int))
        count = rgba.shape[1]
        colours, opacity = self._composited(ax, rgba.reshape(-1, rgba.shape[-1]), np.repeat(alpha, count))
        return colours.reshape(-1, count, 3), opacity.reshape(-1, count)

    def _composited(self, ax, rgba, alpha):
        if rgba.max(initial=0) > 1.0:  # colours given as bytes
            rgba = rgba / 255.0
        if rgba.shape[-1] == 3:
            rgba = np.concatenate([rgba, np.ones(rgba.shape[:-1] + (1,))], axis=-1)
        opacity = np.clip(rgba[:, 3], 0.0, 1.0) * alpha
        drawn = np.concatenate([rgba[:, :3], opacity[:, None]], axis=1)
        return _seen_over(drawn, self.background(ax)), opacity

    def blocks(self, left, right, bottom, top):
        """The pixels whose centres lie in display rectangles (arrays ``left``, ``right``,
        ``bottom``, ``top``): ``(rgb (M, 3) over white, starts (N,), counts (N,))``, the
        rectangles' pixels one after another. A rectangle narrower than a pixel gives the
        pixel under its centre; one outside the render gives none. A rectangle of more than
        :data:`SEEN_MAX_BLOCK` pixels is read on an even grid of that many."""
        pixels = self.pixels
        height, width = pixels.shape[:2]
        x0, x1 = np.asarray(left, dtype=float) - self.offset[0], np.asarray(right, dtype=float) - self.offset[0]
        y0, y1 = np.asarray(bottom, dtype=float) - self.offset[1], np.asarray(top, dtype=float) - self.offset[1]
        parts, counts = [], []
        for c0, c1, r0, r1, cx, cy in zip(np.ceil(x0 - 0.5), np.floor(x1 - 0.5), np.ceil(height - 0.5 - y1),
                                          np.floor(height - 0.5 - y0), (x0 + x1) / 2, height - (y0 + y1) / 2):
            if not np.all(np.isfinite((c0, c1, r0, r1))):
                counts.append(0)
                continue
            if c1 < c0 or r1 < r0:  # smaller than a pixel: the pixel under its centre
                c0 = c1 = math.floor(cx)
                r0 = r1 = math.floor(cy)
            c0, c1 = max(int(c0), 0), min(int(c1), width - 1)
            r0, r1 = max(int(r0), 0), min(int(r1), height - 1)
            if c1 < c0 or r1 < r0:
                counts.append(0)
                continue
            step = max(1, math.ceil(math.sqrt((c1 - c0 + 1) * (r1 - r0 + 1) / SEEN_MAX_BLOCK)))
            block = pixels[r0:r1 + 1:step, c0:c1 + 1:step].reshape(-1, 4)
            parts.append(block)
            counts.append(len(block))
        counts = np.asarray(counts, dtype=int)
        found = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.uint8)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int) if len(counts) else counts
        return _seen_over(found.astype(float) / 255, np.ones(3)), starts, counts
