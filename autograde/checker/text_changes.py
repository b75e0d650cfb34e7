"""The render without the texts that count, taken from the render itself: no second draw.

Whether a person can read a text is tested by hiding it: pixels inside its window extent
must change (:func:`seen_texts.texts_shown`). Drawing the whole figure once more with those
texts transparent costs as much as the render (mostly laying out and drawing text). Instead
the render is drawn on a canvas (:func:`watching_canvas`) whose renderer notes, for each
text it draws, which pixels around the text that drawing changed and what they were before
(:class:`TextChanges`). The render without a set of texts is then the render with every
pixel those texts changed put back to its value before the first of them changed it.

That is the picture a second draw would give when nothing but those texts changed, after
one of them was drawn, a pixel it changed or a pixel of its box (:data:`TEXT_CHANGES_BOX_PAD`
around its window extent): a patch over a label, another text across it, a line drawn
later would have. The box counts because a cover drawn in the text's exact colour over
glyphs drawn without antialiasing changes none of the text's own pixels, only those around
them. What the pixels would be without the text is then unknown, so
:meth:`TextChanges.without` answers None and the caller draws the figure again, as before.
It answers None too when one of the texts is drawn in a way the renderer cannot attribute
(:func:`noted_when_drawn`): a text of several lines line by line, without naming the text;
one with path effects as paths; TeX apart; and when anything is drawn through an agg filter
(on a layer of its own, which the filter may change before pasting it). Elsewhere the two
are the same: a text drawn with alpha 0 changes nothing, and nothing drawn before it
depends on it. A pixel a text changed beyond the watched margin is not put back: such a
text can only read as less shown, never more.
"""
import functools
import math

import numpy as np

#: Pixels around a text's window extent watched for its drawing's changes, beyond a
#: margin of half its font size (glyphs may stick out of the extent a little).
TEXT_CHANGES_MARGIN = 3
#: Pixels around a text's window extent that nothing drawn later may change (else the
#: render without it is drawn): a cover that changes none of the text's own pixels (drawn in
#: the text's exact colour over glyphs drawn without antialiasing) changes those around them.
TEXT_CHANGES_BOX_PAD = 2
#: Most pixels compared while noting one render (a few tens of milliseconds; an everyday
#: heatmap needs well under a million). Past it, noting stops and the figure is drawn again:
#: a figure of thousands of texts costs one more draw, not a comparison per text and pixel.
TEXT_CHANGES_WORK = 20_000_000


class TextChanges:
    """What each text's drawing changed in one render, in drawing order.

    ``events`` holds ``(text, flat pixel indices it changed, their values before, flat
    indices of its box)`` for each ``draw_text`` call, and ``(None, indices, None, None)``
    for pixels of a text (changed by it, or in its box) that something else changed before
    the next text (or the render's end)."""

    def __init__(self):
        self.events = []
        self.anchors = []  # (text, display point of its anchor where it was drawn), each text noted
        self.shape = None  # (rows, columns) of the render, once finished
        self.lost = False  # noting stopped (the budget, an agg filter, a failure): no answer
        self._work = 0
        self._touched = np.empty(0, dtype=np.intp)  # pixels watched (changed by texts, in boxes)
        self._is_touched = None  # the same, as a mask over the render
        self._expected = None  # their values as last seen (after a text, or a check)

    @staticmethod
    def _words(rgba):
        """The pixels as one uint32 per pixel, (rows, columns): a view, not a copy."""
        rgba = np.asarray(rgba)
        return rgba.view(np.uint32).reshape(rgba.shape[:2])

    def _spend(self, pixels) -> bool:
        self._work += pixels
        self.lost = self.lost or self._work > TEXT_CHANGES_WORK
        return not self.lost

    def _note_drawn_over(self, words):
        if self._touched.size and self._spend(self._touched.size):
            flat = words.reshape(-1)
            differ = flat[self._touched] != self._expected[self._touched]
            if differ.any():
                indices = self._touched[differ]
                self.events.append((None, indices, None, None))
                self._expected[indices] = flat[indices]

    def before_text(self, renderer, text):
        """Before ``text`` is drawn: note what was drawn over earlier texts; keep the pixels
        around it (None once noting has stopped)."""
        words = self._words(renderer.buffer_rgba())
        self._note_drawn_over(words)
        rows, columns = words.shape
        try:
            self.anchors.append((text, anchor(text)))
            box = text.get_window_extent(renderer)
            margin = TEXT_CHANGES_MARGIN + text.get_fontsize() * renderer.dpi / 72 / 2
            window, guarded = (_clipped(rows - box.y1 - pad, rows - box.y0 + pad, box.x0 - pad, box.x1 + pad,
                                        rows, columns) for pad in (margin, TEXT_CHANGES_BOX_PAD))
        except Exception:  # noqa: BLE001 - no finite extent: watch every pixel
            window = guarded = (0, rows, 0, columns)
        top, bottom, left, right = window
        if not self._spend((bottom - top) * (right - left)):
            return None
        return window, guarded, words[top:bottom, left:right].copy()

    def after_text(self, renderer, text, kept):
        """After ``text`` is drawn: note which of the kept pixels it changed, and watch those
        and its box from now on."""
        if kept is None:
            return
        (top, bottom, left, right), (box_top, box_bottom, box_left, box_right), before = kept
        words = self._words(renderer.buffer_rgba())
        after = words[top:bottom, left:right]
        changed = before != after
        row, column = np.nonzero(changed)
        indices = (row + top) * words.shape[1] + column + left
        rows, columns = np.mgrid[box_top:box_bottom, box_left:box_right]
        box = (rows * words.shape[1] + columns).reshape(-1)
        self.events.append((text, indices, before[changed], box))
        if self._expected is None:
            self._expected = np.zeros(words.size, dtype=np.uint32)
            self._is_touched = np.zeros(words.size, dtype=bool)
        flat = words.reshape(-1)
        for watched in (indices, box):
            self._expected[watched] = flat[watched]
            new = watched[~self._is_touched[watched]]
            self._is_touched[new] = True
            self._touched = np.concatenate([self._touched, new])

    def finish(self, pixels):
        """The render is drawn: ``pixels`` (its RGBA rows, as read) are what was drawn last."""
        words = self._words(pixels)
        self._note_drawn_over(words)
        self.shape = words.shape

    def without(self, texts, pixels):
        """The render's ``pixels`` as they would be with ``texts`` drawn transparent, or None
        when that cannot be known without drawing again (see the module)."""
        texts = list(texts)
        if self.lost or self.shape is None or not all(map(noted_when_drawn, texts)):
            return None
        hidden = {id(text) for text in texts}
        words = self._words(pixels).reshape(-1).copy()
        restored = np.zeros(words.size, dtype=bool)
        guarded = np.zeros(words.size, dtype=bool)  # hidden texts' boxes and changes, so far
        for text, indices, before, box in self.events:
            if text is None or id(text) not in hidden:
                if guarded[indices].any():
                    return None  # drawn over a hidden text: its pixels without it are unknown
                continue
            new = ~restored[indices]
            words[indices[new]] = before[new]
            restored[indices] = True
            guarded[indices] = True
            guarded[box] = True
        return words.view(np.uint8).reshape(pixels.shape)


def _clipped(top, bottom, left, right, rows, columns):
    """Whole-pixel (top, bottom, left, right) around the given edges, inside the render (empty
    when outside it)."""
    top, left = min(rows, max(0, math.floor(top))), min(columns, max(0, math.floor(left)))
    return top, max(top, min(rows, math.ceil(bottom))), left, max(left, min(columns, math.ceil(right)))


def anchor(text):
    """The display point ``text`` is placed at (its transform applied to its position)."""
    return text.get_transform().transform(text.get_unitless_position())


def noted_when_drawn(text) -> bool:
    """True when matplotlib draws ``text`` (if at all) with one ``draw_text`` call that names it:
    not a text of several lines (each line is drawn unnamed), nor one with path effects (drawn
    as paths) or TeX (``draw_tex``)."""
    return not (text.get_path_effects() or text.get_usetex() or text.get_wrap() or "\n" in text.get_text())


@functools.lru_cache(maxsize=None)
def watching_canvas():
    """An Agg canvas class whose renderer reports each text it draws to the canvas'
    ``changes`` (a :class:`TextChanges`, or None: nothing noted). Made on first use, so that
    importing the checker does not import matplotlib."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    class TextWatchingRenderer(RendererAgg):
        changes = None

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            changes = self.changes
            if changes is None or mtext is None:
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            try:
                kept = changes.before_text(self, mtext)
            except Exception:  # noqa: BLE001 - noting must never stop the drawing
                kept, changes.lost = None, True
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            try:
                changes.after_text(self, mtext, kept)
            except Exception:  # noqa: BLE001 - likewise: no answer, the figure is drawn again
                changes.lost = True

        def start_filter(self):
            # An artist with an agg filter is drawn on a layer of its own, which the filter
            # may change before it is pasted: what its texts changed there is not what they
            # changed in the render. Noting stops; the figure is drawn again.
            if self.changes is not None:
                self.changes.lost = True
            super().start_filter()

    class TextWatchingCanvas(FigureCanvasAgg):
        changes = None
        _watching_key = None

        def get_renderer(self):
            width, height = self.get_width_height(physical=True)
            key = (width, height, self.figure.dpi)
            if self._watching_key != key:
                self.renderer = TextWatchingRenderer(width, height, self.figure.dpi)
                self._watching_key = key
            self.renderer.changes = self.changes
            return self.renderer

    return TextWatchingCanvas
