"""What a person sees: the figure rendered with Agg, the way Jupyter shows it.

:mod:`picture` reads a heatmap through matplotlib's data (the artists' arrays,
the tick label objects, the titles). That data can claim more than the picture
shows: an artist covered by a patch or by another Axes, clipped to nothing or
drawn transparent still holds its array; a text drawn white on white, covered,
or moved by an offset transform still holds its words and its position. The
reading is therefore held to one render of the figure:

* :class:`SeenRender` renders the figure with Agg the way Jupyter shows it, at
  the figure's own dpi (lower for a render of more than :data:`SEEN_MAX_PIXELS`
  pixels): a draw on an Agg canvas that notes what each text changed
  (:mod:`text_changes`), or ``savefig`` to raw RGBA on it when that
  shows more. Jupyter shows a figure as saved, widened to what is drawn
  (``bbox_inches="tight"``): a title or tick labels drawn past the figure's edge
  are seen there, so then the render covers the figure and them together
  (``bbox_inches`` set to both: the same drawing, shifted); saving also draws
  artists of an Axes marked animated, which a canvas draw skips. The reading's
  coordinates (``transData``, window extents) come from the same drawing.
* :mod:`seen_cells`: which cells of a heatmap, and which colorbars, show their
  colours there (what covers most of a cell's area, in CIELAB ΔE: :mod:`colours`);
* :mod:`seen_texts`: which texts can be read there (they change pixels, in glyphs
  that spell them, big enough), and where their glyphs are.

Only public matplotlib API is used; nothing here changes the figure for good
(the canvas, the dpi and the texts' alpha are put back by :meth:`SeenRender.release`).
"""
import io
import math

import numpy as np

from .text_changes import TextChanges, watching_canvas

#: Largest render, in pixels; a bigger figure is rendered at a lower dpi.
SEEN_MAX_PIXELS = 4_000_000
#: Nothing smaller than this many pixels can be read at the size Jupyter shows a figure:
#: not a letter (a font this many pixels high has lowercase letters half as high), not a
#: cell (a speck whose colour the eye does not hold against the colorbar's).
SEEN_MIN_PIXELS = 6.0
#: Most pixels read of one rectangle (a cell, a bar): a bigger one is read on an even grid.
SEEN_MAX_BLOCK = 4096


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


class SeenRender:
    """One Agg render of a figure, with the checks made against its pixels.

    Use :meth:`render` once, then the checks, then :meth:`release` (always). The
    pixels are taken when first needed: :func:`seen_texts.texts_shown`, when it comes
    first, measures the texts before any drawing that could move them.
    """

    def __init__(self, figure):
        self.figure = figure
        self.drawn = False
        self.renderer = None
        self.area = None  # the area rendered, in inches (None: the figure itself)
        self.tight = None  # what is drawn (the figure's tight box), in inches (None: not known)
        self.dpi = None  # the render's dpi
        self.offset = np.zeros(2)  # display coordinates of the render's bottom-left pixel
        self._pixels = None
        self.text_changes = None  # TextChanges of the drawing the pixels come from
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
        figure = self.figure
        # Drawn on an Agg canvas that notes what each text changed (an unpickled figure has a
        # bare canvas, a live one its own); the old canvas is put back by release().
        self._old_canvas = figure.canvas
        watching_canvas()(figure)  # attaches itself to the figure
        self._limit_dpi(figure.bbox.width * figure.bbox.height)
        self._draw_canvas()
        if self.area is not None and self._limit_dpi(self.area.width * self.area.height * figure.dpi ** 2):
            self._draw_canvas()
        # Saving draws what a canvas draw skips: artists of an Axes marked animated.
        animated = any(child.get_animated() for axes in figure.findobj(Axes) for child in axes.get_children())
        self._saved = self.area is not None or animated
        if not self._saved:
            self._pixels = np.array(figure.canvas.buffer_rgba(), dtype=np.uint8)  # a copy
            self.text_changes.finish(self._pixels)
        self.drawn = True
        return self

    def _draw_canvas(self):
        figure = self.figure
        self._noting_texts(figure.canvas.draw)
        self.renderer = figure.canvas.get_renderer()
        self.dpi = figure.dpi
        self.tight = self._tight_box()
        self.area = self._drawn_area()

    @property
    def pixels(self):
        """The render's pixels: uint8 RGBA rows, the top row first."""
        if self._pixels is None and self.drawn:
            self._pixels = self._noting_texts(self._draw_pixels)
            self.text_changes.finish(self._pixels)
        return self._pixels

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
        pixels = self.pixels  # first: drawing them (savefig) notes the texts anew
        without = self.text_changes.without(texts, pixels)
        return self.redrawn_without(texts) if without is None else without

    def redrawn_without(self, texts):
        """The render's pixels with ``texts`` drawn transparent, drawn once more."""
        texts = list(texts)
        saved = [text.get_alpha() for text in texts]
        try:
            for text in texts:
                text.set_alpha(0)
            return self._draw_pixels()
        finally:
            for text, alpha in zip(texts, saved):
                text.set_alpha(alpha)

    @property
    def size(self):
        """[width, height] of the render in pixels."""
        box = self.area if self.area is not None else self.figure.bbox_inches
        return [int(box.width * self.figure.dpi), int(box.height * self.figure.dpi)]

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
