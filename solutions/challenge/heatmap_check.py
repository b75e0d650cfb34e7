"""Checks for the attention-heatmap challenge: ``plot_attention_heatmap``.

The challenge notebook calls :func:`self_check` (the visible self-check) and
:func:`require` (one graded cell per criterion). Both call your function the
way grading does, without an ``ax`` and with one, on the challenge's sentence,
and explain in plain words what a person looking at your heatmap would find
wrong. At grading, the same checks also run on fresh sentences and matrices.

GENERATED from autograde/checker/*.py by `./course generate`: do not edit here.
"""

# ------------------------------------------------------------------------
# autograde/checker/spec.py
# ------------------------------------------------------------------------
"""What the challenge asks for: the criteria, the exact texts, the public data and the policy.

One place for these facts; the checker, the grader, the notebook's points table
and the README read them from here. Points live in the challenge notebook's
metadata and the policy's one setting in ``nbgrader_config.py``; both are copied
into :data:`POINTS` and :data:`JUDGE_WITH_AX_ON` by ``./course generate``, so that
the students' self-check counts as grading does.
"""

#: The graded criteria (nbgrader grade_ids), in notebook order, with what each means.
CRITERIA = {
    "returns_axes": "returns the matplotlib Axes it drew on (the ax it is given, if any)",
    "matrix": "the heatmap shows exactly the given matrix (rows = query tokens, columns = key tokens)",
    "x_ticks": "x tick labels are the tokens, one per column, centred on the columns",
    "y_ticks": "y tick labels are the tokens, one per row, centred on the rows",
    "colorbar": 'a colorbar for the heatmap, labelled "Attention Weight"',
    "title": 'the title is "Attention Heatmap"',
}
#: Short names used in messages.
CRITERION_NAMES = {"returns_axes": "return value", "matrix": "matrix", "x_ticks": "x tick labels",
                   "y_ticks": "y tick labels", "colorbar": "colorbar", "title": "title"}
#: The criteria read from the picture (all but the return value).
PICTURE_CRITERIA = ("matrix", "x_ticks", "y_ticks", "colorbar", "title")

EXPECTED_TITLE = "Attention Heatmap"
EXPECTED_COLORBAR_LABEL = "Attention Weight"

PUBLIC_SENTENCE = "Attention helps models understand context."
PUBLIC_ATTENTION = [
    [0.25, 0.15, 0.20, 0.20, 0.20],
    [0.10, 0.40, 0.15, 0.20, 0.15],
    [0.15, 0.10, 0.35, 0.20, 0.20],
    [0.20, 0.15, 0.20, 0.25, 0.20],
    [0.15, 0.20, 0.20, 0.20, 0.25],
]

#: The two ways the function is called, each once with the challenge's data (the
#: self-check and grading) and, at grading only, once more with fresh data.
#: Each criterion's points are split evenly over these shapes.
CALL_SHAPES = {
    "no_ax": {"with_ax": False, "as_array": False,
              "description": "a list of lists and no ax",
              "label": "called without ax (attention as a list of lists)"},
    "with_ax": {"with_ax": True, "as_array": True,
                "description": "a NumPy array and an ax of ours (not the current Axes)",
                "label": "called with an ax of ours (attention as a NumPy array)",
                # Under that call's picture: the right-hand Axes of ``plt.subplots(1, 2)`` (evidence.py).
                "picture_note": ("(The empty Axes on the right, if you see one, is the grader's, not yours: your "
                                 "function is given the left one as `ax`, and the right one is pyplot's current "
                                 "Axes, so that plt.* code which ignores `ax` draws there, where the check sees "
                                 "it.)")},
}

#: The grading policy, in words: the notebook, the README and the self-check say it with these
#: sentences, and :mod:`verdicts` applies it (see :func:`policy_rules`).
SPLIT_RULE = ("each criterion's points are split evenly over the two ways your function is called: half for "
              "the calls without `ax`, half for the calls with one; a way earns its half when the criterion "
              "passes with the challenge's sentence and with a fresh one")
#: How a call that is given an ``ax`` is judged (``c.HeatmapGrading.judge_with_ax_on``), in words.
#: "given": on that ax, which is what the caller sees; "returned": on the Axes the function
#: returns (the design card's "tests inspect the returned Axes", read literally).
WITH_AX_RULES = {
    "given": ("a call with an `ax` is judged on that `ax`, as the caller sees it: a function that ignores it "
              "and draws elsewhere loses that call's half of every criterion"),
    "returned": ("a call with an `ax` is judged on the Axes the function returns: one that ignores the "
                 "given `ax` and returns an Axes of its own loses only that call's half of the return value"),
}
RAISE_RULE = ("a function that raises keeps the points of what it drew before the error (on the given `ax`, "
              "or in the figure it made) and loses the return value's; the message names the line that raised")
SUPTITLE_RULE = ("a figure title (`fig.suptitle`) counts as the title when the heatmap's Axes and its "
                 "colorbar are the only Axes in the figure")

# Generated by ./course generate from the challenge notebook and nbgrader_config.py: do not edit.
#: Each criterion's points (the graded cells' nbgrader metadata).
POINTS = {"returns_axes": 1, "matrix": 3, "x_ticks": 2, "y_ticks": 2, "colorbar": 1, "title": 1}
#: The course's ``c.HeatmapGrading.judge_with_ax_on``: "given" or "returned".
JUDGE_WITH_AX_ON = "given"
# End of the generated settings.

#: Seconds one call of the student's function may take before it is stopped.
CALL_TIMEOUT = 10.0

#: The MIME type of the evidence a grading kernel sends back for each call.
EVIDENCE_MIME = "application/vnd.heatmap-check.evidence+json"


#: A second, fixed sentence with a far-from-symmetric matrix (no row, column or flip of it equals
#: another): the picture tests' example.
OTHER_SENTENCE = "Queries look at keys."
OTHER_ATTENTION = [
    [0.70, 0.05, 0.15, 0.10],
    [0.02, 0.08, 0.60, 0.30],
    [0.33, 0.27, 0.04, 0.36],
    [0.12, 0.48, 0.01, 0.39],
]


def policy_rules(judge_with_ax_on: str = None, points: dict = None) -> list:
    """The grading policy's rules, in words, each a sentence starting with a capital (by default
    the course's: :data:`JUDGE_WITH_AX_ON` and :data:`POINTS`)."""
    policy, total = judge_with_ax_on or JUDGE_WITH_AX_ON, sum((points or POINTS).values())
    with_ax = WITH_AX_RULES[policy] + (f" ({total / 2:g} of the {total:g} points)" if policy == "given" else "")
    rules = [SPLIT_RULE, with_ax, RAISE_RULE, SUPTITLE_RULE]
    return [rule[0].upper() + rule[1:] + "." for rule in rules]


def public_calls() -> list:
    """The calls grading makes with the challenge's data: one per call shape."""
    return [make_call(f"public_{shape}", shape, PUBLIC_SENTENCE.split(), PUBLIC_ATTENTION, public=True)
            for shape in CALL_SHAPES]


def make_call(name: str, shape: str, tokens: list, attention: list, public: bool) -> dict:
    """One call of the student's function, as plain data (JSON-serialisable)."""
    if shape not in CALL_SHAPES:
        raise ValueError(f"unknown call shape {shape!r}; expected one of {list(CALL_SHAPES)}")
    return {"name": name, "shape": shape, "tokens": list(tokens),
            "attention": [[float(value) for value in row] for row in attention], "public": public}


def describe_sentence(call: dict) -> str:
    """Which sentence a call passed, in words."""
    if call["tokens"] == PUBLIC_SENTENCE.split():
        return "the challenge's sentence"
    return f"the sentence {' '.join(call['tokens'])!r} ({len(call['tokens'])} tokens)"

# ------------------------------------------------------------------------
# autograde/checker/fresh.py
# ------------------------------------------------------------------------
"""Fresh sentences and matrices: the calls made beyond the challenge's own sentence.

Grading, the self-check and a student's "grade me" make the same calls: once per
call shape with the challenge's sentence, and once per call shape with a fresh
sentence and matrix drawn from a random generator. Only where the generator's
seed comes from differs: grading draws it from the run's secret seed and the
student's id (in the grader, never shipped), the self-check and "grade me"
from the operating system, anew each time. So knowing this code gives
nothing to hard-code, and a self-check that passes twice has met two sentences it
had never seen.

A fresh call mirrors a public one exactly (same call shape: a list without
``ax``, an array with one); only the data differ: other tokens (never the
challenge's words), another size, and a matrix that is far from symmetric, with
rows that sum to 1, chosen so that a transposed, flipped or shifted picture
differs from the right one in at least half of its cells.
"""
import random


#: The fresh sentence's length for each call shape (the challenge's has 5 tokens).
FRESH_SIZES = {"no_ax": 6, "with_ax": 4}

_WORDS = """
apple bridge candle desert engine forest garden harbor island jacket kettle ladder meadow
needle orchard pepper quartz ribbon saddle tunnel umbrella valley wagon yellow zebra anchor
basket cactus dolphin feather glacier hammer igloo jungle koala lantern marble nectar olive
parrot quiver rocket sailor tiger violin walnut yogurt copper silver golden purple orange
river ocean mountain cloud storm thunder breeze shadow sunset morning evening winter summer
autumn spring quiet gentle rapid brave clever humble eager calm bright swift sleepy hungry
dancing singing reading painting running jumping floating glowing humming whisper laughing
""".split()


def fresh_sentence(rng: random.Random, size: int) -> list:
    """``size`` distinct tokens, capitalised first word and a full stop, none from the challenge."""
    banned = {word.strip(".").lower() for word in PUBLIC_SENTENCE.split()}
    words = rng.sample([w for w in _WORDS if w not in banned], size)
    return [words[0].capitalize(), *words[1:-1], words[-1] + "."]


def fresh_matrix(rng: random.Random, size: int) -> list:
    """A ``size`` x ``size`` attention matrix (rows sum to 1, two decimals) whose picture
    changes visibly under a transpose, a flip or a shift by one row or column."""
    for _ in range(10_000):
        cents = []
        for _ in range(size):
            cuts = sorted(rng.sample(range(1, 100), size - 1))
            cents.append([b - a for a, b in zip([0, *cuts], [*cuts, 100])])
        if all(_differs(cents, moved) for moved in rearrangements(cents)):
            return [[c / 100 for c in row] for row in cents]
    raise RuntimeError("could not draw a fresh matrix")  # pragma: no cover - never seen


def rearrangements(rows):
    """The matrix transposed, flipped and shifted: the mistakes a picture must reveal."""
    columns = [list(column) for column in zip(*rows)]
    flipped_columns = [row[::-1] for row in rows]
    yield columns
    yield rows[::-1]
    yield flipped_columns
    yield flipped_columns[::-1]
    yield rows[1:] + rows[:1]
    yield rows[-1:] + rows[:-1]
    yield [row[1:] + row[:1] for row in rows]
    yield [row[-1:] + row[:-1] for row in rows]


def _differs(rows, other, cents=5) -> bool:
    """True when at least half the cells differ by ``cents`` hundredths or more."""
    cells = [abs(a - b) >= cents for row, moved in zip(rows, other) for a, b in zip(row, moved)]
    return sum(cells) * 2 >= len(cells)


def calls_with_fresh_data(rng: random.Random, prefix: str = "fresh") -> list:
    """The public calls (one per call shape), then one call per call shape with a fresh
    sentence and matrix from ``rng``, named ``<prefix>_<shape>``."""
    fresh = [make_call(f"{prefix}_{shape}", shape, fresh_sentence(rng, FRESH_SIZES[shape]),
                       fresh_matrix(rng, FRESH_SIZES[shape]), public=False)
             for shape in CALL_SHAPES]
    return public_calls() + fresh


def self_check_calls() -> list:
    """The calls the self-check and "grade me" make: grading's, with data never seen before."""
    return calls_with_fresh_data(random.Random(random.SystemRandom().getrandbits(64)))

# ------------------------------------------------------------------------
# autograde/checker/colours.py
# ------------------------------------------------------------------------
"""Colour differences as a person sees them: CIELAB and its ΔE.

A per-channel threshold on RGB misjudges what the eye tells apart: a step of
14/255 in green is a clear difference, the same step in blue next to nothing,
and a colormap that spans 14/255 of one channel shows a flat grey square. The
reader therefore compares colours in CIELAB (sRGB, D65 white), where the
Euclidean distance ΔE (CIE 1976) follows perceived difference: about 2.3 is
the smallest difference a person notices side by side, under 10 colours look
alike at a glance, 100 is black against white.
"""
import numpy as np

#: A pixel shows a colour when it is within this ΔE of it: rounding to 8 bits,
#: compositing and image resampling stay well inside it; two neighbouring values
#: of a heatmap are told apart beyond it.
SEEN_MATCH_DELTA_E = 6.0
#: A heatmap shows its values only when the colours of its cells span at least this ΔE
#: (as drawn, over what is behind them): a narrower range reads as one flat colour.
SEEN_MIN_SPREAD = 20.0
#: A text is seen where hiding it changes pixels by at least this ΔE.
SEEN_TEXT_DELTA_E = 10.0

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65


_LEVELS = np.arange(256) / 255
#: sRGB's 256 levels, linearised (colours are read and compared at the render's 8 bits).
_LINEAR = np.where(_LEVELS <= 0.04045, _LEVELS / 12.92, ((_LEVELS + 0.055) / 1.055) ** 2.4)


def lab(rgb):
    """CIELAB of sRGB colours ``rgb`` (..., 3) in 0-1, taken at 8 bits a channel as rendered."""
    levels = np.rint(np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0) * 255).astype(np.intp)
    xyz = _LINEAR[levels] @ _SRGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(first, second):
    """ΔE (CIE 1976) between sRGB colours (broadcast over their leading axes)."""
    return np.linalg.norm(lab(first) - lab(second), axis=-1)


def lab_delta_e(first_lab, second_lab):
    """ΔE between colours already in CIELAB."""
    return np.linalg.norm(np.asarray(first_lab) - np.asarray(second_lab), axis=-1)


def spread(rgb):
    """The largest ΔE between any two of the colours ``rgb`` (N, 3): how far apart the
    colours a picture uses are."""
    points = lab(np.asarray(rgb, dtype=float).reshape(-1, 3))
    if len(points) < 2:
        return 0.0
    points = np.unique(np.round(points, 1), axis=0)
    if len(points) > 512:  # the extremes along each axis bound the spread closely enough
        points = points[np.unique(np.concatenate([np.argmin(points, axis=0), np.argmax(points, axis=0)]))]
    return float(np.max(lab_delta_e(points[:, None, :], points[None, :, :])))

# ------------------------------------------------------------------------
# autograde/checker/text_changes.py
# ------------------------------------------------------------------------
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

# ------------------------------------------------------------------------
# autograde/checker/seen.py
# ------------------------------------------------------------------------
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

# ------------------------------------------------------------------------
# autograde/checker/seen_cells.py
# ------------------------------------------------------------------------
"""Which cells of a heatmap, and which colorbars, show their colours in the render.

A cell counts by what covers most of its area, not by a few sample points: a
picture painted over everything but pinholes at the points a reader samples shows
what it is painted with. So a cell is *shown* when most pixels of its inner area
(:data:`SEEN_INNER`: away from its edges and grid lines) are within
:data:`colours.SEEN_MATCH_DELTA_E` of the colour the artist gives its value
(``ScalarMappable.to_rgba``, with the artist's alpha, composited over the Axes'
background: :meth:`SeenRender.heatmap_colours`). A cell drawn at less than
:data:`SEEN_MIN_OPACITY` shows nothing of its own; nor does a cell drawn smaller than
:data:`seen.SEEN_MIN_PIXELS` a side, at the size Jupyter shows the figure.

A smoothed image (``interpolation="bilinear"``, ``"gaussian"``...) blends each value
with its neighbours', so its cells are read like a person reads them: most of the
middle of a cell shows colours of values between the smallest and the largest
around it (:func:`smoothed_cells_shown`).

Cost: the pixels of each cell's inner area (at most :data:`seen.SEEN_MAX_BLOCK`) are
converted to CIELAB once; no drawing.
"""
import numpy as np


#: A cell drawn less opaque than this shows nothing of its own colour: drawn at opacity
#: a, a colour differs from what is behind it by at most a x 100 ΔE (black on white),
#: under 10 below a tenth: colours alike at a glance.
SEEN_MIN_OPACITY = 0.1
#: A cell is shown when its colour covers more than this share of its inner area (the
#: rest may be grid lines, an annotation or contour lines drawn over it).
SEEN_MIN_SHARE = 0.5
#: The inner area of a cell, as fractions of its width and height.
SEEN_INNER = (0.2, 0.8)
#: The middle of a smoothed cell, where its own value weighs most.
SEEN_SMOOTHED_MIDDLE = (0.35, 0.65)
#: Around a smoothed cell, the values this many cells away blend into it.
SEEN_SMOOTHED_REACH = 2


def _inner(render, rectangles, fractions, ax, minimum=SEEN_MIN_PIXELS):
    """Display rectangles (left, right, bottom, top), clipped to the Axes (artists are
    clipped to it: only that part can show), narrowed to ``fractions`` of each; and
    whether enough of each is left to be seen (``minimum`` pixels a side as Jupyter shows
    it: the render may be at a lower dpi)."""
    x0, x1, y0, y1 = (np.asarray(r, dtype=float) for r in rectangles)
    box = ax.bbox
    left, right = np.maximum(np.minimum(x0, x1), box.x0), np.minimum(np.maximum(x0, x1), box.x1)
    bottom, top = np.maximum(np.minimum(y0, y1), box.y0), np.minimum(np.maximum(y0, y1), box.y1)
    smallest = minimum * render.figure.dpi / render.display_dpi
    present = (right - left >= smallest) & (top - bottom >= smallest)
    low, high = fractions
    width, height = right - left, top - bottom
    return (left + low * width, left + high * width, bottom + low * height, bottom + high * height), present


def _by_cell(values, starts, counts, reduce):
    """``reduce`` of each cell's run of ``values`` (NaN for a cell with none)."""
    return np.array([reduce(values[start:start + count]) if count else np.nan
                     for start, count in zip(starts, counts)])


def _shown(present, opaque, starts, counts, difference, limit):
    """(shown, how far) of cells from the ΔE of each of their pixels: shown where more than
    SEEN_MIN_SHARE of them are within ``limit``; how far, their median ΔE."""
    share = _by_cell(difference <= limit, starts, counts, np.mean)
    distance = np.nan_to_num(_by_cell(difference, starts, counts, np.median), nan=np.inf)
    return present & np.asarray(opaque, dtype=bool) & (counts > 0) & (np.nan_to_num(share) > SEEN_MIN_SHARE), distance


def cells_shown(render, ax, rectangles, expected, opaque, fractions=SEEN_INNER, tolerance=1.0,
                minimum=SEEN_MIN_PIXELS):
    """For cells given as display rectangles ``(x0, x1, y0, y1)`` (arrays): (shown, how far):
    shown is True where most of the cell's inner area shows the ``expected`` RGB (N, 3)
    colour; how far is the median ΔE there (to tell which of two heatmaps of near colours
    is the one drawn). ``opaque`` (N,) is False for cells drawn too transparent to show
    their colour; ``tolerance`` scales the ΔE a pixel may differ by; a rectangle smaller than
    ``minimum`` pixels a side shows nothing."""
    inner, present = _inner(render, rectangles, fractions, ax, minimum)
    rgb, starts, counts = render.blocks(*inner)
    wanted = lab(np.asarray(expected, dtype=float).reshape(-1, 3))
    difference = lab_delta_e(lab(rgb), np.repeat(wanted, counts, axis=0))
    return _shown(present, opaque, starts, counts, difference, SEEN_MATCH_DELTA_E * tolerance)


def smoothed_cells_shown(render, ax, rectangles, candidates, opaque):
    """Like :func:`cells_shown` for a smoothed image: ``candidates`` (N, K, 3) are, for each
    cell, the RGB colours of K values from the smallest to the largest within
    :data:`SEEN_SMOOTHED_REACH` cells of it (what smoothing can blend there); a cell is shown
    when most of its middle shows one of them."""
    inner, present = _inner(render, rectangles, SEEN_SMOOTHED_MIDDLE, ax)
    rgb, starts, counts = render.blocks(*inner)
    pixels, choices = lab(rgb), lab(np.asarray(candidates, dtype=float))
    difference = np.empty(len(pixels))
    for cell, (start, number) in enumerate(zip(starts, counts)):  # each cell's pixels against its choices
        if number:
            mine = pixels[start:start + number]
            squared = (mine * mine).sum(1)[:, None] - 2 * mine @ choices[cell].T + (choices[cell] ** 2).sum(1)
            difference[start:start + number] = np.sqrt(np.maximum(squared.min(axis=1), 0.0))
    return _shown(present, opaque, starts, counts, difference, SEEN_MATCH_DELTA_E)


def colorbar_shown(render, colorbar):
    """True when the colorbar's bar shows its colormap: most points along its middle
    show colormap colours, spanning at least half of the colormap. (A bar of colours too
    alike to tell apart, or made transparent with its heatmap, is only checked to show
    that.)"""
    bar_ax = colorbar.ax
    steps = 256
    lut = np.asarray(colorbar.cmap(np.linspace(0, 1, steps)), dtype=float)
    lut[:, 3] *= _seen_scalar_alpha(getattr(colorbar, "alpha", None))
    expected = lab(_seen_over(lut, render.background(bar_ax)))
    alike = float(np.max(lab_delta_e(expected[:, None, :], expected[None, ::16, :]))) < SEEN_MIN_SPREAD
    along = np.linspace(0.05, 0.95, 19)
    middle = np.full_like(along, 0.5)
    points = np.stack([middle, along] if colorbar.orientation == "vertical" else [along, middle], axis=1)
    display = bar_ax.transAxes.transform(points)
    colours, inside = render.colours_at(display[:, 0], display[:, 1])
    difference = lab_delta_e(lab(colours)[:, None, :], expected[None, :, :])
    nearest = np.argmin(difference, axis=1)
    matching = inside & (difference[np.arange(len(nearest)), nearest] <= SEEN_MATCH_DELTA_E)
    if matching.mean() < 0.7:
        return False
    return alike or int(nearest[matching].max() - nearest[matching].min()) >= steps // 2

# ------------------------------------------------------------------------
# autograde/checker/seen_texts.py
# ------------------------------------------------------------------------
"""Which texts a person can read in the render, and where their glyphs are.

A text can be read when all of these hold:

* hiding it changes pixels inside its window extent by at least
  :data:`colours.SEEN_TEXT_DELTA_E` (a text white on white, covered, clipped or off the
  render changes nothing): the render with the texts made fully transparent (still laid
  out, so nothing moves) is taken from what each text changed in the render
  (:mod:`text_changes`), or drawn once more when that cannot be known;
* its letters are drawn in glyphs that spell them: a font may map a letter's code to
  another glyph (matplotlib's bundled ``cmex10`` draws "A" as a bracket piece, ``cmsy10``
  "t" as a dagger), so the glyph a letter or digit is drawn with must bear that
  letter's or digit's PostScript name (:func:`spelled`);
* it is drawn at least :data:`seen.SEEN_MIN_PIXELS` pixels high (its font size at the
  figure's dpi, as Jupyter shows it): smaller letters are a smear.

:func:`glyph_shift` tells how far a text's glyphs are drawn from where the same glyphs
would be without the spaces and newlines around them (which move them, e.g. onto the
next column), from two layouts of the text (no drawing).
"""
import math
import re

import numpy as np


#: A text is seen when hiding it changes at least this many pixels by SEEN_TEXT_DELTA_E.
SEEN_TEXT_PIXELS = 3
_DIGITS = dict(zip("0123456789", ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")))
#: Glyph names that say nothing of the glyph (fonts without a names table).
_ANONYMOUS = re.compile(r"(|\.notdef|(glyph|g|cid|index)\d+)")


def spelled(text) -> bool:
    """True when every ASCII letter and digit of ``text`` is drawn with a glyph named for it.

    The glyph is the text's font's (``findfont``) when it has one for that character, else
    matplotlib falls back to another font, which draws the character itself. Mathtext
    (``$...$``) and TeX choose their own fonts and are not checked; nor are glyphs whose
    font names none."""
    from matplotlib import cbook
    from matplotlib.font_manager import findfont, get_font
    content = text.get_text()
    if text.get_usetex() or (text.get_parse_math() and cbook.is_math_text(content)):
        return True
    try:
        font = get_font(findfont(text.get_fontproperties()))
    except Exception:  # noqa: BLE001 - a font that cannot be opened is not judged
        return True
    for character in {c for c in content if c.isascii() and c.isalnum()}:
        index = font.get_char_index(ord(character))
        if index == 0:
            continue  # not in this font: drawn by matplotlib's fallback font
        name = font.get_glyph_name(index)
        standard = _DIGITS.get(character, character)
        if not (_ANONYMOUS.fullmatch(name) or name.startswith(standard)
                or name in (f"uni{ord(character):04X}", f"u{ord(character):04X}")):
            return False
    return True


def readable_size(render, text) -> bool:
    """True when ``text`` is drawn big enough to read at the figure's dpi (as Jupyter shows it)."""
    return text.get_fontsize() * render.display_dpi / 72 >= SEEN_MIN_PIXELS


def texts_shown(render, texts):
    """For each Text drawn in the render, True when a person can read it (see the module)."""
    texts = list(texts)
    if not texts:
        return []
    boxes = []
    for text in texts:
        try:
            boxes.append(text.get_window_extent(render.renderer))
        except Exception:  # noqa: BLE001 - a text that cannot be measured is not seen
            boxes.append(None)
    pixels = render.pixels  # (measured first: drawing the pixels may move axis labels)
    without = render.without_texts(texts)
    height, width = pixels.shape[:2]
    shown = []
    for text, box in zip(texts, boxes):
        if box is None or not (np.all(np.isfinite(box.extents)) and readable_size(render, text) and spelled(text)):
            shown.append(False)
            continue
        x0, x1 = box.x0 - render.offset[0], box.x1 - render.offset[0]
        y0, y1 = box.y0 - render.offset[1], box.y1 - render.offset[1]
        left, right = max(int(math.floor(x0)), 0), min(int(math.ceil(x1)), width)
        top, bottom = max(int(math.floor(height - y1)), 0), min(int(math.ceil(height - y0)), height)
        if right <= left or bottom <= top:
            shown.append(False)
            continue
        before, after = pixels[top:bottom, left:right], without[top:bottom, left:right]
        differ = np.any(before != after, axis=-1)  # only pixels that changed at all are measured
        difference = delta_e(_seen_over(before[differ] / 255.0, np.ones(3)), _seen_over(after[differ] / 255.0, np.ones(3)))
        shown.append(int(np.sum(difference >= SEEN_TEXT_DELTA_E)) >= SEEN_TEXT_PIXELS)
    return shown


def _layout_size(text, content, renderer):
    text.set_text(content)
    box = text.get_window_extent(renderer)
    return box.width, box.height


def glyph_shift(text, renderer):
    """(dx, dy) in display pixels: where ``text``'s glyphs are drawn, less where they would
    be drawn without the spaces and newlines around them; (0, 0) for a text without.

    Surrounding whitespace takes room on its side of the (unrotated) text block: the
    glyphs sit off the block's centre by half the difference, turned by the text's
    rotation; the block's centre is its window extent's centre."""
    content = text.get_text()
    stripped = content.strip()
    if content == stripped or not stripped:
        return 0.0, 0.0
    rotation = text.get_rotation()
    try:
        text.set_rotation(0)
        leading, plain, trailing = (_layout_size(text, part, renderer)
                                    for part in (content.rstrip(), stripped, content.lstrip()))
        text.set_rotation(rotation)
        text.set_text(content)
        block = text.get_window_extent(renderer)
        text.set_text(stripped)
        bare = text.get_window_extent(renderer)
    finally:
        text.set_text(content)
        text.set_rotation(rotation)
    left, right = leading[0] - plain[0], trailing[0] - plain[0]  # leading / trailing spaces
    top, bottom = leading[1] - plain[1], trailing[1] - plain[1]  # leading / trailing newlines
    dx, dy = (left - right) / 2, (bottom - top) / 2
    angle = math.radians(rotation)
    turned = (dx * math.cos(angle) - dy * math.sin(angle), dx * math.sin(angle) + dy * math.cos(angle))
    centre = ((block.x0 + block.x1) / 2 + turned[0], (block.y0 + block.y1) / 2 + turned[1])
    return centre[0] - (bare.x0 + bare.x1) / 2, centre[1] - (bare.y0 + bare.y1) / 2

# ------------------------------------------------------------------------
# autograde/checker/artists.py
# ------------------------------------------------------------------------
"""The small readers every step of :func:`picture.read_picture` shares, and its first steps.

What a figure holds, read through public matplotlib API: its root figure, whether an artist
or a text is drawn and shown, the titles, colorbars and ticks, coordinates and colour scales;
then the first steps of a reading: the render, the Axes, which texts the render shows.
"""
import contextlib
import math

import numpy as np


#: Caps that keep the dict small whatever was drawn.
PICTURE_MAX_CELLS = 60
PICTURE_MAX_LABELS = 60
PICTURE_MAX_TEXT = 200
PICTURE_MAX_TEXTS = 30
PICTURE_MAX_HEATMAPS = 20


#: Within one reading (:func:`one_reading`), the Axes found in each figure: ``findobj`` walks
#: every artist of the figure, and the reading's steps ask for its Axes several times.
_FOUND_AXES = None


@contextlib.contextmanager
def one_reading():
    """Within it, each figure's Axes are found once: the reading changes no figure's Axes."""
    global _FOUND_AXES
    _FOUND_AXES = {}
    try:
        yield
    finally:
        _FOUND_AXES = None


def _picture_all_axes(figure):
    """Every Axes among ``figure``'s artists: inset Axes and the Axes of subfigures too."""
    from matplotlib.axes import Axes
    if _FOUND_AXES is None:
        return figure.findobj(Axes)
    found = _FOUND_AXES.get(id(figure))
    if found is None or found[0] is not figure:
        found = _FOUND_AXES[id(figure)] = (figure, figure.findobj(Axes))
    return found[1]


def _picture_clip(text):
    text = str(text)
    return text if len(text) <= PICTURE_MAX_TEXT else text[:PICTURE_MAX_TEXT - 3] + "..."


def _picture_number(value):
    """A JSON-safe float: None for masked, NaN or infinite values."""
    if value is None or value is np.ma.masked:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _picture_root(ax):
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10 has no root=
        figure = ax.get_figure()
        while getattr(figure, "get_figure", None) and figure.get_figure() is not figure:
            figure = figure.get_figure()
        return figure


def _picture_is_invisible(artist):
    """Why ``artist`` is not drawn at all, or None."""
    if not artist.get_visible():
        return "visible=False"
    alpha = artist.get_alpha()
    if isinstance(alpha, (int, float)) and alpha == 0:
        return "alpha=0"
    return None


def _picture_text_visible(text):
    """Drawn, with something to read: not hidden, not blank, not transparent, not of size 0."""
    from matplotlib.colors import to_rgba
    alpha = text.get_alpha()
    if not (text.get_visible() and text.get_text().strip()):
        return False
    if isinstance(alpha, (int, float)) and alpha == 0:
        return False
    try:
        return bool(text.get_fontsize() > 0 and to_rgba(text.get_color())[3] > 0)
    except (TypeError, ValueError):
        return True


def _picture_text_seen(picture, text):
    """Drawn with something to read, and shown in the render (see :func:`_picture_shown_texts`)."""
    return _picture_text_visible(text) and bool(picture.get("_shown", {}).get(id(text), False))


def _picture_rendered(picture):
    """The render of the figure, when it succeeded, else None."""
    render = picture.get("_render")
    return render if render is not None and render.drawn else None


def _picture_title_texts(ax):
    """The Texts of an Axes' three titles (centre, left, right). Only the centre one has a
    public attribute (ax.title); they are the Axes' Text children that are not in ax.texts."""
    from matplotlib.text import Text
    user_texts = set(map(id, ax.texts))
    return [child for child in ax.get_children() if isinstance(child, Text) and id(child) not in user_texts]


def _picture_suptitle_texts(figure):
    """The Text of the figure's suptitle (no public attribute: the child with its text)."""
    from matplotlib.text import Text
    text = _picture_suptitle_text(figure)
    if not text:
        return []
    return [child for child in figure.get_children() if isinstance(child, Text) and child.get_text() == text]


def _picture_suptitle_text(figure):
    return figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""


def _picture_all_colorbars(root):
    """(Axes, artist, colorbar) for every artist of the figure that has a colorbar."""
    found = []
    for other in _picture_all_axes(root):
        for child in other.get_children():
            colorbar = getattr(child, "colorbar", None)
            if colorbar is not None and hasattr(colorbar, "ax"):
                found.append((other, child, colorbar))
    return found


def _picture_free_texts(ax):
    """The texts written on ``ax`` and on its figure (``ax.text``, ``fig.text``), the suptitle
    apart: where a student may write labels by hand."""
    figure = ax.get_figure()
    suptitle = set(map(id, _picture_suptitle_texts(figure)))
    return list(ax.texts) + [text for text in getattr(figure, "texts", []) if id(text) not in suptitle]


def _picture_gradient_axes(ax):
    """(Axes, artist, "vertical" | "horizontal") for every other Axes of the figure (not a
    colorbar's) that holds one image or mesh of one column or one row of values: a colour
    scale drawn by hand."""
    from matplotlib.collections import QuadMesh
    from matplotlib.image import AxesImage
    root = _picture_root(ax)
    bars = {id(colorbar.ax) for _, _, colorbar in _picture_all_colorbars(root)}
    found = []
    for other in _picture_all_axes(root):
        if other is ax or id(other) in bars:
            continue
        artists = [child for child in other.get_children() if isinstance(child, (AxesImage, QuadMesh))]
        if len(artists) != 1 or artists[0].get_array() is None:
            continue
        shape = np.shape(artists[0].get_array())
        if len(shape) == 2 and max(shape) >= 2 and min(shape) == 1:
            found.append((other, artists[0], "vertical" if shape[1] == 1 else "horizontal"))
    return found


def _picture_ticks(axis):
    """Every major and minor tick of ``axis`` after a draw, as (minor, tick) pairs."""
    return ([(False, tick) for tick in axis.get_major_ticks(len(axis.get_majorticklocs()))]
            + [(True, tick) for tick in axis.get_minor_ticks(len(axis.get_minorticklocs()))])


def _picture_to_data(ax, transform, points):
    """Points in ``transform``'s coordinates, in ax's data coordinates."""
    if transform == ax.transData:
        return points
    return ax.transData.inverted().transform(transform.transform(points))


def _picture_locate(edges, values):
    """For each value, (index of the cell of ``edges`` holding it or -1, offset from its centre
    in cell widths)."""
    edges = np.asarray(edges, dtype=float)
    values = np.asarray(values, dtype=float)
    count = len(edges) - 1
    if count < 1:
        return np.full(values.shape, -1), np.zeros(values.shape)
    increasing = edges[-1] > edges[0]
    ordered = edges if increasing else edges[::-1]
    index = np.searchsorted(ordered, values, side="right") - 1
    # a value exactly on the last edge belongs to the last cell
    index = np.where(values == ordered[-1], count - 1, index)
    inside = (index >= 0) & (index < count) & np.isfinite(values)
    index = np.where(inside, index, 0)
    if not increasing:
        index = count - 1 - index
    low, high = edges[index], edges[index + 1]
    width = np.where(high - low == 0, 1.0, high - low)
    offset = (values - (low + high) / 2) / width
    return np.where(inside, index, -1), np.where(inside, offset, 0.0)


def _picture_scale(artist):
    """How ``artist`` maps values to colours: its colour limits and the colours of nine
    values between them (RGBA, 3 decimals), or None (no limits, an RGB image)."""
    norm = getattr(artist, "norm", None)
    low, high = (_picture_number(getattr(norm, name, None)) for name in ("vmin", "vmax"))
    if low is None or high is None:
        return None
    colours = np.asarray(artist.to_rgba(np.linspace(low, high, 9)), dtype=float).reshape(9, -1)
    return {"vmin": low, "vmax": high,
            "colours": [[round(float(c), 3) for c in colour] for colour in colours.tolist()]}


def _picture_anchor(ax, text, coordinate, picture):
    """Where ``text`` is drawn, in ax's data coordinates along ``coordinate``: its anchor
    (its transform applied to its position: an offset transform moves a label for real),
    moved as far as the spaces and newlines around its words move its glyphs
    (:func:`seen_texts.glyph_shift`)."""
    position = text.get_position()
    try:
        display = text.get_transform().transform(np.array([position], dtype=float))
        render = _picture_rendered(picture)
        if render is not None:
            display = display + np.array([glyph_shift(text, render.renderer)])
        return _picture_number(ax.transData.inverted().transform(display)[0][coordinate])
    except Exception:  # noqa: BLE001 - an odd transform: the position as it claims
        return _picture_number(position[coordinate])


def _picture_placed(bar_ax):
    """True when an Axes is visible and drawn in its figure (an inset Axes, ax.inset_axes, is a
    child of its Axes, not in figure.axes)."""
    return bool(bar_ax.get_visible() and bar_ax.get_figure() is not None
                and any(bar_ax is other for other in _picture_all_axes(_picture_root(bar_ax))))


def _picture_bar_labels(bar_ax, vertical, picture):
    """The labels of a colour scale's Axes as seen: ``long_label`` (its long axis' label),
    ``other_label``, ``title``, ``label`` (the first of those that is set) and ``unseen_label``
    (the first that is set but cannot be seen)."""
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
    return {"long_label": long_label, "other_label": other_label, "title": title, "label": label,
            "unseen_label": unseen[0] if unseen else ""}


def _picture_draw(ax, picture):
    # Rendered with Agg: tick labels (their texts and positions) are only final after a
    # draw, and the pixels are what a person sees.
    render = picture["_render"] = SeenRender(_picture_root(ax))
    render.render()
    picture["drawn"] = True
    picture["render"] = {"size": render.size, "dpi": float(render.figure.dpi)}


def _picture_shown_texts(ax, picture):
    """Which of the texts that can count (this Axes' tick labels, titles and free texts, the
    suptitle, every colorbar's labels and titles, the labels and numbers of colour scales
    drawn by hand) can be seen: the render without them (taken from the render, else drawn)."""
    picture["_shown"] = {}
    render = _picture_rendered(picture)
    if render is None:
        return
    candidates = []
    for axis in (ax.xaxis, ax.yaxis):
        for _, tick in _picture_ticks(axis):
            candidates += [tick.label1, tick.label2]
    candidates += _picture_title_texts(ax) + _picture_suptitle_texts(ax.get_figure()) + _picture_free_texts(ax)
    for _, _, colorbar in _picture_all_colorbars(render.figure):
        bar_ax = colorbar.ax
        candidates += [bar_ax.xaxis.label, bar_ax.yaxis.label] + _picture_title_texts(bar_ax)
    for bar_ax, _, _ in _picture_gradient_axes(ax):  # colour scales drawn by hand: their numbers too
        candidates += [bar_ax.xaxis.label, bar_ax.yaxis.label] + _picture_title_texts(bar_ax)
        for axis in (bar_ax.xaxis, bar_ax.yaxis):
            for _, tick in _picture_ticks(axis):
                candidates += [tick.label1, tick.label2]
    unique = {id(text): text for text in candidates if _picture_text_visible(text)}
    texts = list(unique.values())
    picture["_shown"] = dict(zip(unique, texts_shown(render, texts)))


def _picture_axes(ax, picture):
    figure = ax.get_figure()
    picture["axes"] = {
        "visible": bool(ax.get_visible()),
        "in_figure": bool(figure is not None and ax in figure.axes),
        "axis_on": bool(ax.axison),
        "xlim": [_picture_number(v) for v in ax.get_xlim()],
        "ylim": [_picture_number(v) for v in ax.get_ylim()],
        "x_inverted": bool(ax.xaxis_inverted()),
        "y_inverted": bool(ax.yaxis_inverted()),
    }

# ------------------------------------------------------------------------
# autograde/checker/handmade.py
# ------------------------------------------------------------------------
"""Labels and colour scales made by hand: they count when they read the same as matplotlib's own.

A student may write the tokens with ``ax.text`` under each column and beside each row
instead of setting tick labels, and draw the colour scale by hand: a gradient image in an
Axes of its own, with numbered ticks. A person reads those exactly as tick labels and a
colorbar, and so does the reader:

* **Labels written by hand** (:func:`_picture_free_labels`) count only along an axis that
  shows no tick label: a text written on the Axes or its figure is a label of the x axis
  when it is drawn below or above the Axes (of the y axis: left or right of it), at the
  data position where its anchor is drawn (moved, like a tick label's, by the spaces and
  newlines around it), and when it can be read (:mod:`seen_texts`).
* **A colour scale drawn by hand** (:func:`_picture_hand_colorbars`): another Axes of the
  figure, not a colorbar's, holding one image or mesh of a single column or row of values,
  with at least two numbers for tick labels along it that can be read. It *reads as* the
  shown heatmap when, at each numbered tick and halfway between neighbouring ones, the
  render shows the colour the heatmap draws that number in (within
  :data:`colours.SEEN_MATCH_DELTA_E`): the same colours at the same values, which is all
  a colorbar tells a person.

Cost: a few pixels looked up in the render already made; no drawing.
"""
import numpy as np


#: A text counts as outside the Axes when it reaches at most this far (pixels) into it.
_HANDMADE_SLACK = 2.0
#: A scale's colours are read this many pixels inside its ends (where resampling blends
#: its last colour with what is beyond it).
_EDGE = 4.0


def _picture_free_labels(ax, coordinate, sides, picture):
    """Texts written by hand as labels along one axis (``coordinate`` 0: x, 1: y): lists of
    (position, text, side, minor, padded) tuples (as for tick labels), those that can be read
    and those that cannot."""
    render = _picture_rendered(picture)
    if render is None:
        return [], []
    limits = ax.get_xlim() if coordinate == 0 else ax.get_ylim()
    low, high = min(limits), max(limits)
    box = ax.bbox
    seen, unseen = [], []
    for text in _picture_free_texts(ax):
        try:
            extent = text.get_window_extent(render.renderer) if _picture_text_visible(text) else None
        except Exception:  # noqa: BLE001 - a text that cannot be measured is not a label
            extent = None
        if extent is None:
            continue
        if coordinate == 0:
            side = (sides[0] if extent.y1 <= box.y0 + _HANDMADE_SLACK
                    else sides[1] if extent.y0 >= box.y1 - _HANDMADE_SLACK else None)
        else:
            side = (sides[0] if extent.x1 <= box.x0 + _HANDMADE_SLACK
                    else sides[1] if extent.x0 >= box.x1 - _HANDMADE_SLACK else None)
        position = _picture_anchor(ax, text, coordinate, picture)
        if side is None or position is None or not low <= position <= high:
            continue
        content = text.get_text()
        found = (position, _picture_clip(content.strip()), side, False, content != content.strip())
        (seen if _picture_text_seen(picture, text) else unseen).append(found)
    return seen, unseen


def _picture_number_of(text):
    """The number a tick label shows, or None."""
    content = str(text).replace("\N{MINUS SIGN}", "-").replace("$", "").replace("\\mathdefault{", "")
    try:
        return float(content.replace("}", "").strip())
    except ValueError:
        return None


def _picture_numbered_ticks(bar_ax, long_axis, coordinate, picture):
    """(display position along the scale, number) of its long axis' tick labels that can be
    read and show a number, in order along the scale."""
    found = {}
    for _, tick in _picture_ticks(long_axis):
        for label in (tick.label1, tick.label2):
            number = _picture_number_of(label.get_text())
            if number is None or not _picture_text_seen(picture, label):
                continue
            display = label.get_transform().transform(np.array([label.get_position()], dtype=float))[0]
            found[round(float(display[coordinate]), 3)] = number
    return sorted(found.items())


def _picture_reads_as(render, ax, reader, bar_ax, artist, vertical, picture):
    """True when the scale shows, at its numbered ticks and halfway between them, the colours
    the heatmap of ``reader`` draws those numbers in."""
    coordinate = 1 if vertical else 0
    ticks = _picture_numbered_ticks(bar_ax, bar_ax.yaxis if vertical else bar_ax.xaxis, coordinate, picture)
    extent = artist.get_window_extent(render.renderer)
    low, high = sorted((extent.y0, extent.y1) if vertical else (extent.x0, extent.x1))
    ticks = [(position, number) for position, number in ticks if low - 0.5 <= position <= high + 0.5]
    if len(ticks) < 2 or high - low < 4 * _EDGE:
        return False
    positions = np.array([position for position, _ in ticks])
    numbers = np.array([number for _, number in ticks])
    if (bar_ax.get_yscale() if vertical else bar_ax.get_xscale()) == "linear":
        # a linear scale is read between its numbers too, and up to its ends
        slope, offset = np.polyfit(positions, numbers, 1)
        if np.max(np.abs(slope * positions + offset - numbers)) > 1e-3 * max(np.ptp(numbers), 1e-12):
            return False  # numbers that do not lie on a linear scale
        positions = np.clip(np.concatenate([positions, (positions[:-1] + positions[1:]) / 2]), low + _EDGE, high - _EDGE)
        numbers = slope * positions + offset
    else:
        inside = (positions >= low + _EDGE) & (positions <= high - _EDGE)
        positions, numbers = positions[inside], numbers[inside]
    across = ((extent.x0 + extent.x1) if vertical else (extent.y0 + extent.y1)) / 2
    xs, ys = (np.full_like(positions, across), positions) if vertical else (positions, np.full_like(positions, across))
    seen, inside = render.colours_at(xs, ys)
    expected, _ = render.value_colours(ax, reader.artist, numbers[None, :], [0], [0])
    return bool(np.all(inside) and np.all(delta_e(seen, expected[0]) <= SEEN_MATCH_DELTA_E))


def _picture_hand_colorbars(ax, picture):
    """Colour scales drawn by hand, as entries of ``other_colorbars`` (see :mod:`picture`):
    ``mappable`` is "hand-drawn" and ``reads_as`` the index of the heatmap whose colours it
    shows at its numbers (the shown one), or None."""
    render = _picture_rendered(picture)
    main = picture.get("main")
    readers = picture.get("_readers", [])
    reader = readers[main] if render is not None and main is not None and main < len(readers) else None
    found = []
    for bar_ax, artist, orientation in _picture_gradient_axes(ax):
        vertical = orientation == "vertical"
        reads = reader is not None and reader.values is not None and _picture_reads_as(
            render, ax, reader, bar_ax, artist, vertical, picture)
        found.append({**_picture_bar_labels(bar_ax, vertical, picture), "orientation": orientation,
                      "visible": _picture_placed(bar_ax), "shown": bool(reads), "scale": None,
                      "mappable": "hand-drawn", "same_axes": False, "reads_as": main if reads else None})
    return found

# ------------------------------------------------------------------------
# autograde/checker/texts.py
# ------------------------------------------------------------------------
"""Reading the words of a picture: tick labels where they are drawn, titles, free texts, and the
colorbars with their labels (and the labels and colour scales made by hand: :mod:`handmade`)."""



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

# ------------------------------------------------------------------------
# autograde/checker/heatmap_cells.py
# ------------------------------------------------------------------------
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

# ------------------------------------------------------------------------
# autograde/checker/heatmaps.py
# ------------------------------------------------------------------------
"""Reading the heatmaps of a picture: which artists are heatmaps, how their cells lie on screen,
which cells the render shows, which heatmap is on top, and the value under each pair of labels."""
import numpy as np


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

# ------------------------------------------------------------------------
# autograde/checker/picture.py
# ------------------------------------------------------------------------
"""Read a drawn heatmap the way a person looking at it reads it.

:func:`read_picture` takes a genuine matplotlib ``Axes`` (possibly just
unpickled in the grading inspector, with no canvas manager), renders its figure
with Agg (:class:`seen.SeenRender`) so that tick labels are final and the pixels
can be read, and returns a plain dict (only dict, list, str, float, int, bool
and None; bounded in size) of what can be seen on that Axes. It judges
nothing: :mod:`judge` turns the dict into verdicts, and can run on the dict
alone (it needs no matplotlib). Only public matplotlib API is used.

What counts as seen
-------------------
matplotlib's data says what was drawn; the rendered pixels say what shows.
Both must agree for anything to count:

* Heatmap artists are ``AxesImage`` (``imshow``, ``matshow``), ``QuadMesh``
  (``pcolormesh``, ``seaborn.heatmap``) and ``PolyQuadMesh`` (``pcolor``). One
  is not drawn when ``get_visible()`` is False, its alpha is 0, all its cells
  are masked, or it lies outside the view limits. (One marked animated is drawn:
  Jupyter shows a figure as saved, and saving draws animated artists.) A cell
  of a drawn one is *seen* when most of the rendered pixels of the cell's inner
  area show the colour the artist gives its value, in CIELAB ΔE
  (:mod:`seen_cells`, :mod:`colours`); a cell covered (by a patch, a text,
  another Axes, another heatmap, all but pinholes), clipped away, drawn (nearly)
  transparent or smaller than :data:`seen.SEEN_MIN_PIXELS` is not. A smoothed
  image's cell is seen when the middle of it shows colours of the values around
  it. A heatmap none of whose cells is seen is hidden ("covered by another
  heatmap" when a heatmap is drawn over it, "too small" when its cells are,
  else "not seen"). A heatmap whose cells' colours span less than
  :data:`colours.SEEN_MIN_SPREAD` shows no values (``one_colour``).
* What is seen at a point is the value of the topmost heatmap whose cell there
  is seen (matplotlib draws an Axes' children sorted by zorder, stably, so the
  last one in that order is on top); a masked or NaN cell of a colormap whose
  "bad" colour is transparent lets the artist below show through.
* Tick labels are read after the render from every tick (major and minor,
  label1 at the bottom/left and label2 at the top/right): visible tick, visible
  label, alpha not 0, non-blank text, and *shown*: rendering the figure without
  it changes pixels inside its window extent (a label white on white, covered,
  clipped or off the figure changes nothing), in glyphs that spell it (not a
  font that draws letters as symbols), at a readable size in pixels
  (:mod:`seen_texts`). A label is placed where it is drawn: its anchor (its
  transform applied to its position, not where its position alone claims),
  moved as far as the spaces and newlines around its words move them, inside
  the view limits. Along an axis without a tick label that can be seen, texts
  written by hand outside the Axes on that side are its labels (:mod:`handmade`).
* The value "under" a pair of labels is what is seen at the point (x label
  position, y label position).
* Titles and colorbar labels count only when shown, like tick labels; a
  colorbar counts as shown when its bar shows its colormap. A colour scale drawn
  by hand (a gradient in an Axes of its own, with numbered ticks) reads as the
  heatmap's colorbar when it shows the heatmap's colours at its numbers.

The dict (schema 2)
-------------------
``schema``
    2 (1 had no pixel checks: no ``render``, ``shown``, ``seen``, ``*_unseen``).
``errors``
    List of str: what went wrong while reading; the reading carries on and
    reports what it could read.
``drawn``
    True when the figure could be rendered (a figure that cannot be drawn cannot
    be seen, nor saved).
``render``
    ``{"size": [width, height] in pixels, "dpi"}`` of the Agg render the pixels
    were read from (lower than the figure's own for a very big figure), or None.
``axes``
    ``{"visible", "in_figure", "axis_on"}`` (bools), ``"xlim"``, ``"ylim"``
    (``[first, second]`` as set, so inverted axes show), ``"x_inverted"``,
    ``"y_inverted"`` (bools). None when the argument is not an Axes.
``heatmaps``
    List, in drawing order (bottom first), of every heatmap artist on the Axes,
    each a dict:

    - ``"index"`` (its place in this list), ``"kind"`` (class name:
      ``"AxesImage"``, ``"QuadMesh"``, ``"PolyQuadMesh"``), ``"zorder"``,
      ``"alpha"`` (float or None);
    - ``"hidden"``: None when it can be seen, else why not: ``"visible=False"``,
      ``"alpha=0"``, ``"all cells masked"``, ``"outside the
      view"``, ``"covered by another heatmap"``, ``"not seen"`` (drawn, but none
      of its cells shows its colour in the render: covered by something else,
      clipped, or transparent), ``"too small"`` (its cells are smaller than
      :data:`seen.SEEN_MIN_PIXELS` as Jupyter shows the figure), ``"unreadable"``;
    - ``"shape"``: the stored array's shape (list of int); ``"colours"``: True
      when it is an RGB(A) image (it holds colours, not values);
    - ``"array"``: the stored array as nested lists (masked / non-finite values
      are None), at most ``PICTURE_MAX_CELLS`` square; ``"array_truncated"``;
    - ``"scale"``: how it maps values to colours, ``{"vmin", "vmax", "colours"}``
      (its colour limits and the RGBA colours of nine values from one to the
      other), or None (an RGB image);
    - ``"shown"``: nested lists like ``"array"`` (same cap) of bools: True where
      the render shows that cell in its value's colour (False outside the view,
      covered, clipped, transparent); ``[]`` when not checked;
    - ``"one_colour"``: True when its values differ but its cells' colours, as
      drawn, span less than :data:`colours.SEEN_MIN_SPREAD` ΔE (it shows no values);
    - ``"grid"``: ``"cells"`` (a rectilinear grid of cells), ``"vertices"``
      (values at mesh vertices, ``shading="gouraud"``) or ``"irregular"``
      (cells not laid out in rows and columns; nothing below is read);
    - ``"along_x"``: which array index runs along the x axis, ``"columns"``
      (the normal case) or ``"rows"`` (a mesh laid out transposed);
    - ``"x_centres"``, ``"y_centres"``: cell centres in data coordinates, in
      array-index order of the index that runs along that axis;
      ``"x_edges"``, ``"y_edges"``: the cell edges likewise;
    - ``"x_order"``: ``"left_to_right"`` or ``"right_to_left"`` (how the array
      index along x runs on screen); ``"y_order"``: ``"top_to_bottom"`` or
      ``"bottom_to_top"``;
    - ``"in_view"``: ``[cells along y, cells along x]`` whose centres lie inside
      the view;
    - ``"colorbar"``: None, or the colorbar made for this artist:
      ``{"orientation", "visible", "shown", "long_label", "other_label",
      "title", "label", "unseen_label", "scale"}``: ``shown`` is True when its bar shows
      its colormap in the render; ``label`` is the long-axis label, else the
      other axis' label, else the bar's title (``cbar.ax.set_title``); labels
      and titles that cannot be seen read as "", and ``unseen_label`` holds the
      first such text that is set but cannot be seen ("" when none); ``scale``
      is its artist's (see above).
``main``
    Index (in ``heatmaps``) of the heatmap that is shown: the one seen over
    most of the view. None when no heatmap can be seen.
``x_labels``, ``y_labels``
    The tick labels seen along each axis, left to right / top to bottom, each
    ``{"text", "position" (data coordinate along the axis of the point where
    the label's anchor is drawn), "sides" (list of "bottom"/"top" or
    "left"/"right"), "minor" (bool), "cell" (index, along that axis, of the main
    heatmap's cell under the label, or None), "offset" (distance from that
    cell's centre, in cell widths, signed), "padded" (spaces or newlines around
    its words, which move them)}``. Labels with the same text at the same place
    (bottom and top) are one entry. Labels written by hand (``ax.text``) along
    an axis without tick labels are listed the same way.
``x_labels_unseen``, ``y_labels_unseen``
    Texts of the tick labels that are drawn (visible, in the view) but cannot
    be seen in the render, in the same order; at most ``PICTURE_MAX_LABELS``.
``cells``
    What is seen under each pair of labels: ``{"values", "heatmap", "row",
    "column", "seen"}``, each a list (one per y label) of lists (one per x
    label): the value (None when nothing, a masked cell or colours are seen
    there), the index of the heatmap artist seen there, its array row and
    column, and ``seen``: True when a heatmap's cell is seen there, False when a
    heatmap is drawn there but none shows its colour (covered, clipped,
    transparent), None when no heatmap is there at all.
``titles``
    ``{"center"|"left"|"right": {"text", "visible", "shown"}}`` (the Axes
    titles; ``shown``: it can be seen in the render).
``suptitle``
    ``{"text", "visible", "shown", "alone"}`` or None (of the figure, or subfigure,
    holding the Axes; ``alone``: the Axes and its artists' colorbars are the only
    visible Axes of that figure).
``texts``
    Visible free texts with a letter in them (``ax.text``, ``fig.text``):
    ``[{"text", "where": "axes"|"figure"}]``, at most ``PICTURE_MAX_TEXTS``.
``other_colorbars``
    Colorbars in the figure that belong to no visible heatmap of this Axes:
    ``[{"label", "unseen_label", "visible", "shown", "scale", "mappable": class
    name, "same_axes": bool}]`` (``same_axes``: the artist is on this Axes, e.g. a
    contour plot); then the colour scales drawn by hand, each with the keys of a
    heatmap's ``"colorbar"`` and ``"mappable": "hand-drawn"``, ``"scale": None``,
    ``"reads_as"``: the index of the heatmap whose colours it shows at its
    numbers (the shown one), or None.
``truncated``
    True when some list was cut to its cap.
"""


def read_picture(ax, renders=None):
    """Read what a person sees on ``ax``: see the module docstring for the dict.

    Never raises for a genuine matplotlib object graph, however odd: problems
    are listed under ``"errors"``. The figure is rendered once (:class:`seen.SeenRender`: drawn
    again only when something is drawn far past its edge) and left as it was; the render
    without the texts that count is taken from what each text changed in it
    (:mod:`text_changes`; drawn once more only when that cannot be known), and every check
    reads those pixels and the artists' extents, without drawing again.
    ``renders``: a dict to which the render as it is (:class:`seen.SeenRender`, its pixels
    kept) is added under its figure, for a picture of the figure made afterwards without
    drawing it again (:func:`evidence.figure_png`).
    """
    picture = {"schema": 2, "errors": [], "drawn": False, "render": None, "axes": None, "heatmaps": [],
               "main": None, "x_labels": [], "y_labels": [], "x_labels_unseen": [], "y_labels_unseen": [],
               "cells": {"values": [], "heatmap": [], "row": [], "column": [], "seen": []},
               "titles": {}, "suptitle": None, "texts": [], "other_colorbars": [],
               "truncated": False}
    try:
        from matplotlib.axes import Axes
    except Exception as exc:  # pragma: no cover - matplotlib is always installed
        picture["errors"].append(f"matplotlib could not be imported: {exc}")
        return picture
    if not isinstance(ax, Axes):
        picture["errors"].append(f"not a matplotlib Axes but a {type(ax).__name__}")
        return picture
    steps = (("draw", _picture_draw), ("axes", _picture_axes), ("shown texts", _picture_shown_texts),
             ("heatmaps", _picture_heatmaps), ("tick labels", _picture_tick_labels),
             ("cells", _picture_cells), ("titles", _picture_titles), ("texts", _picture_texts),
             ("colorbars", _picture_other_colorbars))
    try:
        with one_reading():
            for name, step in steps:
                try:
                    step(ax, picture)
                except Exception as exc:  # noqa: BLE001 - any odd figure still gives a dict
                    picture["errors"].append(f"reading the {name} failed: {type(exc).__name__}: "
                                             f"{_picture_clip(str(exc))}")
    finally:
        render = picture.pop("_render", None)
        if render is not None:
            _keep(render, renders)
            render.release()
        for private in ("_readers", "_shown"):
            picture.pop(private, None)
    return picture


def _keep(render, renders):
    """Add ``render`` to ``renders`` (when asked, and it was drawn)."""
    if renders is not None and render.drawn and render.figure not in renders:
        renders[render.figure] = render

# ------------------------------------------------------------------------
# autograde/checker/judge_texts.py
# ------------------------------------------------------------------------
"""Verdicts on the words of a read picture: the tick labels, the colorbar and its label, the title.

The part of :mod:`judge` that reads texts, on the dict :func:`picture.read_picture`
made (no matplotlib needed). Messages say what is wrong and how to fix it.
"""
import numpy as np


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

# ------------------------------------------------------------------------
# autograde/checker/judge.py
# ------------------------------------------------------------------------
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

# ------------------------------------------------------------------------
# autograde/checker/admitted.py
# ------------------------------------------------------------------------
"""What a figure's pickle may be made of, and what a refusal proves.

matplotlib pickles a figure as its objects' classes (named by module and exact name),
NumPy arrays, a few functions (the colormaps' segment functions, NumPy ufuncs in scale
transforms) and ``getattr(obj, name)`` for the bound methods its objects keep as
callbacks. :func:`admitted_global` and the guards below admit exactly that: everything
matplotlib's public API (and seaborn's heatmap) can put into a figure, by exact name,
and nothing that can run code of the sender's choosing: no builtin but plain data types,
no module's functions but the listed ones, ``getattr`` only for the method names
matplotlib's own pickles use, on matplotlib's own objects, and classes built at
unpickling only by matplotlib's own factories from matplotlib's own classes.
``autograde/tests/test_admitted.py`` pickles every registered colormap (with its
``_r``, ``with_extremes`` and ``resampled`` variants), every norm and a catalogue of
plot types, and reads each back.

A refusal is one of two kinds, because an honest student must never be accused:

* :class:`ForgedEvidence`: something no matplotlib call makes: a name from outside the
  libraries whose objects a figure holds (``os.system``, ``eval``, a class of the
  student's own), a ``getattr`` that reaches a special attribute or leaves matplotlib,
  a class changed while unpickling, a method replaced on a single object;
* :class:`NotAdmitted`: a name of those libraries (matplotlib, mpl_toolkits, seaborn,
  NumPy and the few they store) that the grader does not admit: an ordinary figure may
  hold it, so the grader, not the student, could not read it.
"""
import types

# Modules whose classes (defined there, by exact name) a figure may contain.
_CLASS_MODULES = frozenset({
    "matplotlib._enums", "matplotlib.artist", "matplotlib.axes._axes", "matplotlib.axes._base",
    "matplotlib.axes._secondary_axes", "matplotlib.axis", "matplotlib.category", "matplotlib.cbook",
    "matplotlib.collections", "matplotlib.colorbar", "matplotlib.colorizer", "matplotlib.colors",
    "matplotlib.container", "matplotlib.contour", "matplotlib.dates", "matplotlib.figure",
    "matplotlib.font_manager", "matplotlib.gridspec", "matplotlib.image", "matplotlib.inset",
    "matplotlib.layout_engine", "matplotlib.legend", "matplotlib.legend_handler", "matplotlib.lines",
    "matplotlib.markers", "matplotlib.offsetbox", "matplotlib.patches", "matplotlib.path",
    "matplotlib.patheffects", "matplotlib.projections.polar", "matplotlib.quiver", "matplotlib.scale",
    "matplotlib.spines", "matplotlib.table", "matplotlib.text", "matplotlib.ticker", "matplotlib.transforms",
    "matplotlib.tri._triangulation", "matplotlib.tri._tricontour", "matplotlib.tri._trifinder",
    "mpl_toolkits.axes_grid1.anchored_artists", "mpl_toolkits.axes_grid1.axes_divider",
    "mpl_toolkits.axes_grid1.axes_grid", "mpl_toolkits.axes_grid1.axes_size",
    "mpl_toolkits.axes_grid1.inset_locator", "mpl_toolkits.axes_grid1.mpl_axes",
    "mpl_toolkits.axes_grid1.parasite_axes", "mpl_toolkits.mplot3d.art3d", "mpl_toolkits.mplot3d.axes3d",
    "mpl_toolkits.mplot3d.axis3d",
})
# Classes that are never admitted even though their module is: they talk to the
# outside world (files, subprocesses, the pyplot state) when built or drawn, and no
# figure holds them.
_REFUSED_CLASSES = frozenset({("matplotlib.font_manager", "FontManager"),
                              ("matplotlib.cbook", "_lock_path")})
# Classes of other modules that matplotlib and seaborn store in a figure: a norm's
# signature (norm="symlog", "logit", "asinh"...), a date axis' values, a seaborn palette
# given as the colormap.
_OTHER_CLASSES = frozenset({
    ("inspect", "Signature"), ("inspect", "Parameter"), ("inspect", "_ParameterKind"), ("inspect", "_empty"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
    ("seaborn.palettes", "_ColorPalette"),
})
# Functions and other non-class globals matplotlib and NumPy pickles refer to.
_FUNCTIONS = frozenset({
    ("builtins", "getattr"), ("builtins", "object"), ("builtins", "slice"), ("builtins", "complex"),
    ("builtins", "frozenset"), ("builtins", "set"), ("builtins", "bytearray"), ("builtins", "range"),
    ("collections", "OrderedDict"), ("functools", "partial"), ("itertools", "count"),
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.ma", "MaskedArray"),
    ("numpy.ma.core", "MaskedArray"), ("numpy.ma.core", "_mareconstruct"),
    ("numpy.ma.core", "MaskedConstant"), ("numpy.ma.core", "mvoid"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.dtypes", "Float64DType"),
    # how a 3-D collection sorts its faces (Poly3DCollection.set_zsort)
    ("numpy", "average"), ("numpy", "min"), ("numpy", "max"),
    ("matplotlib.axis", "Axis._format_with_dict"), ("matplotlib.backend_bases", "_key_handler"),
    ("matplotlib.backend_bases", "_mouse_handler"), ("matplotlib.cbook", "_exception_printer"),
    ("matplotlib.colorbar", "_remove_cbar_axes"), ("matplotlib.colors", "_create_empty_object_of_class"),
    ("matplotlib.cbook", "_picklable_class_constructor"), ("matplotlib.artist", "_stale_axes_callback"),
    # a reversed colormap of segment functions (rainbow_r, gnuplot_r...): x -> f(1 - x)
    ("matplotlib.colors", "LinearSegmentedColormap._reverser"),
})
# Modules whose functions (defined there, by exact name) are admitted: matplotlib._cm holds the
# segment functions of the colormaps defined by formulas (rainbow, gnuplot, cubehelix, ocean, ...),
# plain arithmetic on the values they are given.
_FUNCTION_MODULES = frozenset({"matplotlib._cm"})
# The only (mixin, name format, attribute) combinations matplotlib builds classes from.
_CLASS_FACTORIES = {
    ("mpl_toolkits.axes_grid1.axes_grid.CbarAxesBase", "Cbar{}", None),
    ("mpl_toolkits.axes_grid1.parasite_axes.HostAxesBase", "{}HostAxes", "_base_axes_class"),
    ("mpl_toolkits.axes_grid1.parasite_axes.ParasiteAxesBase", "{}Parasite", None),
}
# getattr(obj, name) in a figure pickle: only these method names, on matplotlib
# objects (or `remove` on a list), never a dunder.
_GETATTR_NAMES = frozenset({
    "remove", "_remove_legend", "_unit_change_handler", "_cbar_cla", "_forward_boundaries",
    "_inverse_boundaries", "_get_view", "_set_view", "_set_view_from_bbox", "drag_pan", "inverse",
    "_remove_suplabel", "_remove_axes", "delaxes", "pick", "_findoffset", "_locate", "get_subplotspec",
    "get_affine", "get_matrix", "inverted", "transform", "transform_affine",
    "transform_non_affine", "transform_path", "transform_path_affine", "transform_path_non_affine",
    # inset_locator's insets, host_subplot's twins, an AnnotationBbox's image, a 3-D Axes' mouse
    "_unstale_viewLim", "_remove_any_twin", "_sync_lims", "get_window_extent",
    "_button_press", "_button_release", "_on_move",
})
# Top-level packages whose objects matplotlib's calls store in a figure: a name of theirs
# that is not admitted is the grader's limit, not proof of forgery.
_FIGURE_PACKAGES = frozenset({"matplotlib", "mpl_toolkits", "numpy", "seaborn", "inspect", "datetime",
                              "dateutil", "collections", "functools", "itertools"})


class ForgedEvidence(Exception):
    """The evidence holds something no matplotlib call makes."""


class NotAdmitted(Exception):
    """The evidence holds a name of matplotlib (or of a library whose objects figures hold)
    that the grader does not admit: an ordinary figure may hold it."""


def qualified(obj) -> str:
    """``module.QualifiedName`` of a class, or of an object's class."""
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_matplotlib(obj) -> bool:
    module = (type(obj).__module__ or "").split(".")[0]
    return module in ("matplotlib", "mpl_toolkits")


def _refused(module, name):
    """The refusal of a global: forged unless it comes from a package whose objects figures hold."""
    family = module.split(".")[0] in _FIGURE_PACKAGES and (module, name) not in _REFUSED_CLASSES
    return (NotAdmitted if family else ForgedEvidence)(f"{module}.{name}")


def _checked_getattr(obj, name, *default):
    from matplotlib.markers import MarkerStyle
    what = f"getattr({qualified(obj)}, {name!r})"
    # pickle writes a bound method as getattr(its object, its name): never with a default,
    # never a special name, and a figure's bound methods are matplotlib's (or a list's remove)
    if default or name.startswith("__"):
        raise ForgedEvidence(what)
    matplotlib_object = _is_matplotlib(obj) or (isinstance(obj, type) and obj.__module__.startswith("matplotlib"))
    if not (matplotlib_object or (type(obj) is list and name == "remove")):
        raise ForgedEvidence(what)
    # A MarkerStyle keeps the bound `_set_<marker>` method that draws its shape.
    marker_method = (isinstance(obj, MarkerStyle) and name.startswith("_set_")
                     and callable(getattr(MarkerStyle, name, None)))
    if not (name in _GETATTR_NAMES or marker_method):
        raise NotAdmitted(what)
    return getattr(obj, name)


def _checked_class_constructor(mixin_class, fmt, attr_name, base_class):
    from matplotlib.cbook import _picklable_class_constructor
    if (qualified(mixin_class), fmt, attr_name) not in _CLASS_FACTORIES or not (
            isinstance(base_class, type) and qualified(base_class).startswith(("matplotlib.", "mpl_toolkits."))):
        raise ForgedEvidence(f"a class built from {qualified(mixin_class)} and {fmt!r}")
    return _picklable_class_constructor(mixin_class, fmt, attr_name, base_class)


def _is_norm_class(cls) -> bool:
    from matplotlib.colors import Normalize
    return isinstance(cls, type) and issubclass(cls, Normalize)


def _checked_empty_object(cls):
    from matplotlib.colors import _create_empty_object_of_class
    if not _is_norm_class(cls):
        raise ForgedEvidence(f"an empty {qualified(cls)}")
    return _create_empty_object_of_class(cls)


def _checked_norm_constructor(scale_class, scale_args, scale_keywords, base_norm_class, signature):
    """A norm class made from a scale (``norm="symlog"``, ``make_norm_from_scale``): matplotlib's
    own factory, given a scale class, a norm class, a signature and plain arguments (used only
    as the factory's cache key: the norm's state comes from the pickle, its ``__init__`` is not run)."""
    import inspect

    from matplotlib.colors import _picklable_norm_constructor
    from matplotlib.scale import ScaleBase
    plain = (isinstance(scale_args, tuple) and isinstance(scale_keywords, tuple)
             and all(isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                     for item in scale_keywords))
    if not (isinstance(scale_class, type) and issubclass(scale_class, ScaleBase) and _is_norm_class(base_norm_class)
            and type(signature) is inspect.Signature and plain):
        raise ForgedEvidence(f"a norm built from {qualified(scale_class)} and {qualified(base_norm_class)}")
    return _picklable_norm_constructor(scale_class, scale_args, scale_keywords, base_norm_class, signature)


_GUARDED = {("builtins", "getattr"): _checked_getattr,
            ("matplotlib.cbook", "_picklable_class_constructor"): _checked_class_constructor,
            ("matplotlib.colors", "_create_empty_object_of_class"): _checked_empty_object,
            ("matplotlib.colors", "_picklable_norm_constructor"): _checked_norm_constructor}


def admitted_global(module, name, find):
    """What ``module.name`` in a figure's pickle stands for, found with ``find`` (the
    unpickler's own lookup) only once admitted; raises :class:`ForgedEvidence` or
    :class:`NotAdmitted` otherwise."""
    if (module, name) in _GUARDED:
        return _GUARDED[(module, name)]
    if (module, name) in _FUNCTIONS or (module, name) in _OTHER_CLASSES:
        return find(module, name)
    if module == "numpy" and "." not in name:
        import numpy
        value = getattr(numpy, name, None)
        if isinstance(value, numpy.ufunc):  # log10, exp, ... in scale transforms
            return value
    if module in _FUNCTION_MODULES and "." not in name:
        value = find(module, name)
        if isinstance(value, types.FunctionType) and value.__module__ == module and value.__qualname__ == name:
            return value
    if module in _CLASS_MODULES and (module, name) not in _REFUSED_CLASSES:
        value = find(module, name)
        if isinstance(value, type) and value.__module__ == module and value.__qualname__ == name:
            return value
    raise _refused(module, name)

# ------------------------------------------------------------------------
# autograde/checker/fast_unpickle.py
# ------------------------------------------------------------------------
"""Unpickling evidence fast: Python's C unpickler, its result kept only when it is the checked one's.

:class:`unpickle.FigureUnpickler` is Python's unpickler written in Python, so that its BUILD
step (set an object's attributes from the pickle) is checked as it happens: never on a
class, a function or a method, never a special attribute. That costs more than twice the C
unpickler and its walk (27 ms against 11 ms for a plain heatmap's pickle, read four times a
submission). The C unpickler admits names through the same :func:`admitted_global`, but its
BUILD cannot be checked as it runs. So :func:`load_fast` reads with it and keeps the result
only when no BUILD the checked unpickler refuses can have taken effect:

- while it reads, an audit hook stops any object's ``__class__`` being replaced (Python
  audits that; a BUILD on an instance's special attribute);
- afterwards, every class and function it was handed (by name, from ``getattr``, from
  matplotlib's class factories) is as it was when handed: what a BUILD on a class, or on a
  function or a bound method (their ``__dict__``, code, defaults, names), would change; and
  the objects all figures share (:func:`shared_objects`: the arrays matplotlib's classes keep,
  the members of its enums) are as they were before it: a BUILD or SETITEMS on one, handed
  out by an admitted call, would change every later figure (the checked unpickler refuses
  that too);
- and no object holds an attribute whose name is not a str or starts with two underscores
  (what a BUILD's attributes with such keys put there): :func:`unpickle.check_genuine`
  looks, walking the objects as it does anyway.

Anything else (the C unpickler failing for any reason, a change, a doubt) and its result
is dropped, the classes, functions and arrays are put back, and the checked unpickler reads
the pickle again and decides: a refusal and its words are the checked unpickler's. When the
checked unpickler refuses a pickle the C unpickler had read past something (a change, a
doubt), the process is marked (:func:`mark`): what it reads afterwards may have been set up
by that pickle, so it reads nothing more (each later drawing is the grader's fault, never
the student's; a grading reader serves one submission). A doubt the checked unpickler reads
through marks nothing; a reading stopped midway (the inspector's CPU budget) marks the
process too (:func:`reading`), as it may have stopped before a change was put back.

What differs, knowingly: an instance's whole ``__dict__`` replaced through a BUILD's slot
state is let through (Python does not audit it; the object is one the pickle can make
anyway: a new object of an admitted class with those attributes); so is a special
attribute set on an object the drawing does not hold (made and dropped: nothing read sees
it; the shared ones are checked, above); the C unpickler reads a
few old or malformed forms the Python one refuses (an INT written in C's octal, ``010``; an
argument running past its frame's end), so such a figure is read rather than refused as
unreadable; and the inspector's CPU budget stops a costly C unpickling by its hard stop
(``SIGXCPU``, a few seconds past the budget), as the C unpickler gives Python's signal
handlers no turn.
"""
import contextlib
import functools
import io
import pickle
import sys
import threading
import types
from operator import attrgetter, is_


#: The thread whose fast load is running (the audit hook stops changes made by it only).
_LOADING = {"thread": None}
#: ``why``: set when an unpickler went past something the checked unpickler refuses;
#: ``unfinished``: a reading began and has not ended (stopped midway: see :func:`reading`).
_MARKED = {"why": None, "unfinished": False}


class InDoubt(Exception):
    """The fast load may differ from the checked one: read again with the checked unpickler."""


def _stop_class_changes(event, args):
    """The audit hook: no object's class is replaced while this thread loads fast."""
    if (event == "object.__setattr__" and args[1] == "__class__"
            and _LOADING["thread"] == threading.get_ident()):
        raise InDoubt(f"the class of a {type(args[0]).__name__} replaced while unpickling")


#: What a BUILD may set on a function (besides its ``__dict__``).
_FUNCTION_PART_NAMES = ("__code__", "__defaults__", "__kwdefaults__", "__name__", "__qualname__", "__doc__",
                        "__module__", "__annotations__")
_FUNCTION_PARTS = attrgetter(*_FUNCTION_PART_NAMES)


class _Handed:
    """The classes and functions one load was handed, as they were when handed, and the objects
    all figures share (:func:`shared_objects`), as they were before the load."""

    def __init__(self):
        self.classes = {}
        self.functions = {}
        self.shared = [(shared, _state(shared)) for shared in shared_objects()]

    def add(self, value):
        function = value.__func__ if isinstance(value, types.MethodType) else value
        if isinstance(function, type) and id(function) not in self.classes:
            own = vars(function)
            self.classes[id(function)] = (function, function.__bases__, function.__name__, function.__qualname__,
                                          tuple(own), tuple(own.values()))
        elif isinstance(function, types.FunctionType) and id(function) not in self.functions:
            self.functions[id(function)] = (function, function.__dict__, tuple(function.__dict__.items()),
                                            *_FUNCTION_PARTS(function))
        return value

    def changed(self) -> bool:
        if any(_state(shared) != state for shared, state in self.shared):
            return True
        for cls, bases, name, qualname, keys, values in self.classes.values():
            own = vars(cls)
            if (cls.__bases__ is not bases or cls.__name__ != name or cls.__qualname__ != qualname
                    or tuple(own) != keys or not all(map(is_, own.values(), values))):
                return True
        return any(self._changed_function(function, own, items, parts)
                   for function, own, items, *parts in self.functions.values())

    @staticmethod
    def _changed_function(function, own, items, parts) -> bool:
        return (function.__dict__ is not own or len(own) != len(items)
                or not all(own.get(key, own) is value for key, value in items)
                or not all(map(is_, _FUNCTION_PARTS(function), parts)))

    def restore(self):
        """Put every class and function back as it was handed, and the shared objects as they were."""
        for cls, bases, name, qualname, keys, values in self.classes.values():
            for key in [key for key in vars(cls) if key not in keys]:
                delattr(cls, key)
            for key, value in zip(keys, values):
                if vars(cls).get(key, _Handed) is not value:
                    setattr(cls, key, value)
            if cls.__bases__ is not bases:
                cls.__bases__ = bases
            if (cls.__name__, cls.__qualname__) != (name, qualname):
                cls.__name__, cls.__qualname__ = name, qualname
        for shared, state in self.shared:
            if _state(shared) != state:
                _set_state(shared, state)
        for function, own, items, *parts in self.functions.values():
            if self._changed_function(function, own, items, parts):
                own.clear()
                own.update(items)
                function.__dict__ = own
                for name, part in zip(_FUNCTION_PART_NAMES, parts):
                    setattr(function, name, part)


@functools.lru_cache(maxsize=1)
def shared_objects() -> tuple:
    """The objects of matplotlib (and ``inspect``) that every figure of the process shares and a
    pickle can be handed, so change in place (a BUILD; SETITEMS on an array) without naming a
    class: the arrays its classes keep (``LogTransform(10).get_matrix()`` hands out
    ``IdentityTransform._mtx``, the process's one identity matrix) and the members of its enums
    (``JoinStyle("miter")`` is the one member). All of the admitted modules' are listed, by
    their private names (they are what a pickle reaches): ``autograde/tests/test_fast_unpickle.py``
    looks for others."""
    import inspect

    from matplotlib._enums import CapStyle, JoinStyle
    from matplotlib.collections import Collection
    from matplotlib.transforms import IdentityTransform
    return (IdentityTransform._mtx, Collection._transforms, *JoinStyle, *CapStyle, *inspect._ParameterKind)


def _state(shared):
    return shared.__reduce__()[2] if hasattr(shared, "__array__") else dict(vars(shared))


def _set_state(shared, state):
    if hasattr(shared, "__array__"):
        shared.__setstate__(state)
    else:
        vars(shared).clear()
        vars(shared).update(state)


def handed_global(found, handed: _Handed):
    """What ``find_class`` hands the unpickler for an admitted ``found``, noted in ``handed``
    (for getattr and matplotlib's class factories, what they hand out is noted too)."""
    if any(found is guard for guard in _GUARDED.values()):
        guard, add = found, handed.add

        def found(*args):
            return add(guard(*args))
    return handed.add(found)


class _FastFigureUnpickler(pickle.Unpickler):  # the C unpickler
    def __init__(self, file, handed):
        super().__init__(file)
        self.handed = handed

    def find_class(self, module, name):
        return handed_global(admitted_global(module, name, super().find_class), self.handed)


def load_fast(data: bytes, walk):
    """``(drawing, went_past)``: the unpickled ``data``, or None when only the checked unpickler
    can say what it is; ``went_past`` when the C unpickler went past something the checked one
    may refuse (a class or function changed, even if it then failed; an attribute no checked
    BUILD sets): if the checked unpickler then refuses the pickle, :func:`mark` the process.
    (A load stopped by the audit hook or by an error stopped where the checked unpickler
    stops, or before.)

    ``walk(drawing)`` is :func:`unpickle.check_genuine` for a fast load: it raises
    :class:`InDoubt` at an attribute no BUILD of the checked unpickler sets. (A marked process
    reads nothing: :func:`unpickle.load_drawing` asks :func:`marked` first.)"""
    _hook_installed()
    handed = _Handed()
    _LOADING["thread"] = threading.get_ident()
    try:
        drawing = _FastFigureUnpickler(io.BytesIO(data), handed).load()
    except Exception:  # noqa: BLE001 - the checked unpickler will say what this pickle is
        drawing = None
    finally:
        _LOADING["thread"] = None
    went_past = handed.changed()
    try:
        if drawing is not None and not went_past:
            walk(drawing)
            return drawing, False
    except InDoubt:
        went_past = True
    except Exception:  # noqa: BLE001 - as above
        pass
    try:
        handed.restore()
    except Exception:  # noqa: BLE001 - what cannot be put back leaves the process unfit to read
        mark()
        raise
    return None, went_past


def mark() -> None:
    """This process reads no more drawings: a pickle the checked unpickler refuses was read past
    what it refuses, and may have set up what the process would read next."""
    _MARKED["why"] = "an earlier drawing of this submission changed the reader's matplotlib"


@contextlib.contextmanager
def reading():
    """Around one unpickling: until it ends (with a drawing or an ordinary exception) the
    process counts as marked. A reading stopped midway (the inspector's CPU budget raises a
    BaseException between any two steps, even while classes are being put back) may have left
    matplotlib changed, so the reader reads no more."""
    _MARKED["unfinished"] = True
    try:
        yield
    except Exception:
        _MARKED["unfinished"] = False
        raise
    _MARKED["unfinished"] = False


def marked() -> str | None:
    """Why this process reads no more drawings, or None."""
    if _MARKED["unfinished"]:
        return "an earlier drawing of this submission was stopped while it was read"
    return _MARKED["why"]


def clear_mark() -> None:
    """Read again after a marking: only for a process that reads the evidence of several
    submissions (the tests); a grading reader serves one submission and ends."""
    _MARKED.update(why=None, unfinished=False)


def _hook_installed(_installed=[]):  # noqa: B006 - once per process: an audit hook cannot be removed
    if not _installed:
        sys.addaudithook(_stop_class_changes)
        _installed.append(True)

# ------------------------------------------------------------------------
# autograde/checker/unpickle.py
# ------------------------------------------------------------------------
"""Reading evidence: unpickle only genuine figures, then read what they show.

:func:`read_evidence` turns what :func:`evidence.collect` sent back into what a
person would see. It unpickles with :class:`FigureUnpickler`, which admits only
what matplotlib's figures are made of (:mod:`admitted`: exact names, and ``getattr``
only for the method names matplotlib's pickles use), checks the object graph for
forgery (methods shadowed on single objects), picks the Axes to judge and reads its
picture with :func:`read_picture`. A refusal says whose fault it is: forgery only
with proof that no matplotlib call made what was refused, else the grader's. At grading this runs in a separate
sandboxed process that never ran student code (``autograde.grading.inspector``);
in the self-check, in the student's kernel.

A forged evidence record can therefore only be a genuine matplotlib figure,
and it is judged on what it really shows.
"""
import base64
import collections
import functools
import io
import pickle
import types
import weakref


#: Largest pickled drawing accepted for one call (bytes).
MAX_PICKLE_BYTES = 8_000_000
#: Most objects inspected when checking an unpickled drawing for forgery.
MAX_OBJECTS = 200_000

class FigureUnpickler(pickle._Unpickler):  # the Python unpickler: its BUILD step can be checked
    """An unpickler that admits only what matplotlib figure pickles are made of."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, handed: _Handed):
        super().__init__(file)
        self.handed = handed

    def find_class(self, module, name):
        return handed_global(admitted_global(module, name, super().find_class), self.handed)

    def load_build(self):
        # BUILD sets attributes on the object below it: only ever on an instance (on a class it
        # would change how every object of that class behaves), and through "slot state" (setattr)
        # never a dunder (no changing an object's __class__ or __dict__ wholesale).
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                               types.MethodType)):
            raise ForgedEvidence(f"attributes set on {qualified(target)} itself while unpickling")
        if isinstance(state, tuple) and len(state) == 2:
            for part in state:
                if isinstance(part, dict) and any(not isinstance(k, str) or k.startswith("__") for k in part):
                    raise ForgedEvidence("an object's special attributes set while unpickling")
        super().load_build()
        _rekey_transform_parents(target)

    dispatch[pickle.BUILD[0]] = load_build


def _rekey_transform_parents(node):
    """File an unpickled transform's parents under their ids in this process.

    A transform tells its parents (the transforms computed from it) to recompute when it
    changes; it keeps them in ``_parents``, keyed by ``id(parent)``, and a new parent
    registers under its own id, replacing whatever was there. Matplotlib's unpickling keeps
    the keys of the process that pickled the figure: here they are stale ids. When a
    transform made while the figure is read (a drawing's, ``savefig``'s) happens to get one
    of those ids, it takes that key, the unpickled parent is no longer told of changes, and
    it draws with an outdated matrix: a colorbar, cells or tick labels drawn off their
    place, so an honest picture lost points at random (about one reading in 300 on a busy
    machine, when the figure was pickled by a fork of the reading process, as in the
    self-check). Keyed by their ids here, as ``TransformNode.set_children`` keys them, the
    ids cannot be taken while the parents live."""
    from matplotlib.transforms import TransformNode
    if not isinstance(node, TransformNode):
        return
    parents = [reference() for reference in node._parents.values()]
    node._parents = {}
    for parent in parents:
        if parent is not None:
            node._parents[id(parent)] = weakref.ref(
                parent, lambda _, pop=node._parents.pop, key=id(parent): pop(key))


def _load(data: bytes):
    """The drawing pickled in ``data``, checked (:func:`check_genuine`): read by the C
    unpickler when that is provably what the checked one reads (:mod:`fast_unpickle`)."""
    import matplotlib.pyplot  # noqa: F401 - unpickled pyplot figures re-register with it
    with reading():
        return _load_fast_or_checked(data)


def _load_fast_or_checked(data: bytes):
    drawing, went_past = load_fast(data, functools.partial(check_genuine, loaded_fast=True))
    if drawing is not None:
        return drawing
    handed = _Handed()
    try:
        drawing = FigureUnpickler(io.BytesIO(data), handed).load()
        # What the checked BUILD lets through: an object all figures share changed in place (an
        # array a class keeps, an enum's member). No matplotlib pickle changes matplotlib; what
        # ran after the change may have set up the next reading, so the reader reads no more.
        if handed.changed():
            went_past = True
            raise ForgedEvidence("matplotlib's own objects changed while unpickling")
        check_genuine(drawing)
        return drawing
    except BaseException:
        if went_past:
            mark()
        raise
    finally:
        handed.restore()


# Methods matplotlib itself installs on single objects: a colorbar puts its
# own navigation methods (and ``cla``) on its Axes; a TransformWrapper forwards
# its child's methods.
_COLORBAR_AXES_METHODS = {"_get_view": "_get_view", "_set_view": "_set_view",
                          "_set_view_from_bbox": "_set_view_from_bbox", "drag_pan": "drag_pan",
                          "cla": "_cbar_cla"}


def _allowed_shadow(obj, key, value) -> bool:
    from matplotlib.axes import Axes
    from matplotlib.colorbar import Colorbar
    from matplotlib.transforms import Transform, TransformWrapper
    owner = getattr(value, "__self__", None)
    function = getattr(value, "__func__", None)
    if owner is None or function is None:
        return False
    if isinstance(obj, TransformWrapper) and isinstance(owner, Transform):
        return function is getattr(type(owner), key, None)
    if isinstance(obj, Axes) and isinstance(owner, Colorbar) and key in _COLORBAR_AXES_METHODS:
        return function is getattr(Colorbar, _COLORBAR_AXES_METHODS[key]) and owner.ax is obj
    return False


@functools.lru_cache(maxsize=4096)
def _is_method(cls, key) -> bool:
    """True when ``cls`` gives ``key`` a method: an instance attribute of that name
    would replace it. (Properties cannot be replaced that way: they win over the
    instance's own attributes.)"""
    for klass in cls.__mro__:
        if key in vars(klass):
            found = type(vars(klass)[key])
            return hasattr(found, "__get__") and not hasattr(found, "__set__")
    return False


@functools.lru_cache(maxsize=4096)
def _method_names(cls) -> frozenset:
    """The names ``cls`` gives a method (:func:`_is_method`), all at once: most objects have no
    attribute of such a name, and a set says so without a look at each attribute."""
    return frozenset(key for klass in cls.__mro__ for key in vars(klass) if _is_method(cls, key))


def check_genuine(root, loaded_fast=False) -> None:
    """Raise :class:`ForgedEvidence` if any object reachable from ``root`` has a method
    replaced on it (an attribute that shadows its class's method or property), other
    than the few matplotlib installs itself. After the C unpickler (``loaded_fast``), also
    file each transform's parents anew, as :class:`FigureUnpickler` does after each BUILD,
    and raise :class:`fast_unpickle.InDoubt` at an attribute named by no name or by a
    special one (what only a BUILD the checked unpickler refuses puts there)."""
    from matplotlib.transforms import TransformNode
    seen, queue = set(), collections.deque([root])
    while queue:
        obj = queue.popleft()
        if type(obj) in _PLAIN or id(obj) in seen or isinstance(obj, _PLAIN_KINDS):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise NotAdmitted("far more objects than the grader reads")
        if isinstance(obj, dict):
            queue.extend(obj.keys())
            queue.extend(obj.values())
            continue
        if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            queue.extend(obj)
            continue
        if isinstance(obj, types.MethodType):
            queue.append(obj.__self__)
            continue
        if isinstance(obj, functools.partial):
            queue.extend((obj.func, obj.args, obj.keywords))
            continue
        own = getattr(obj, "__dict__", None)
        if own is None or qualified(obj).startswith("numpy."):
            continue
        if loaded_fast:
            if not _plain_names(own):
                raise InDoubt(f"an attribute of {qualified(obj)} that is no plain name")
            if isinstance(obj, TransformNode):
                _rekey_transform_parents(obj)
        if not own.keys().isdisjoint(_method_names(type(obj))):  # rare: looked at in the attributes' order
            for key, value in own.items():
                if callable(value) and _is_method(type(obj), key) and not _allowed_shadow(obj, key, value):
                    raise ForgedEvidence(f"{qualified(obj)}.{key} replaced on a single object")
        queue.extend(own.values())


#: What :func:`check_genuine` does not look into: plain values, functions and classes.
_PLAIN_KINDS = (str, bytes, int, float, bool, type(None), types.FunctionType, types.BuiltinFunctionType, type)
_PLAIN = frozenset(_PLAIN_KINDS)


def _plain_names(attributes: dict) -> bool:
    """True when every key is a str that does not start with two underscores."""
    try:
        return "\0__" not in "\0" + "\0".join(attributes)
    except TypeError:  # a key that is not a str
        return False


#: What the call says when the grader could not read a figure an ordinary matplotlib call may
#: have made: the student is not to blame.
GRADER_FAULT = ("the grader could not read this figure ({why}); this is not a mistake of yours: your "
                "instructor will look at it")


def _forged(why, problem=None):
    problem = problem or (f"the figure holds something the grader cannot read ({why}): draw with matplotlib's "
                          f"own artists, ticks and colorbar")
    return None, problem, [f"evidence refused: it holds {why}, which no matplotlib call makes"], "forged"


def _grader_fault(why):
    return (None, GRADER_FAULT.format(why=why),
            [f"grader fault: it could not read the evidence ({why}), which a plain matplotlib figure may hold: "
             f"grade this call by hand"], "grader")


def load_drawing(evidence: dict):
    """``(drawing, problem, flags, refused)``: the unpickled ``{"returned", "given", "current",
    "figures"}`` of one call, or None with a plain-words problem, the flags for the
    instructor, and why it was refused: "forged" (it holds something no matplotlib call
    makes: see :mod:`admitted`) or "grader" (the grader could not read it, though an
    ordinary matplotlib figure may hold it); refused is None when the drawing was read."""
    encoded = evidence.get("pickle")
    if not isinstance(encoded, str):
        return None, "no drawing was recorded for this call", [], None
    if len(encoded) > MAX_PICKLE_BYTES * 4 // 3 + 4:
        return _grader_fault(f"a drawing of more than {MAX_PICKLE_BYTES // 1_000_000} MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:  # evidence.collect always writes base64
        return _forged("text that is not a recorded drawing", "the drawing could not be read")
    if marked():
        return _grader_fault(marked())
    try:
        drawing = _load(data)
    except ForgedEvidence as exc:
        return _forged(exc)
    except NotAdmitted as exc:
        return _grader_fault(f"it holds {exc}")
    except RecursionError:
        return _grader_fault("a drawing nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a failure to read that proves nothing about the student
        return _grader_fault(f"{type(exc).__name__}: {str(exc)[:120]}")
    if not isinstance(drawing, dict) or set(drawing) != {"returned", "given", "current", "figures"}:
        return _forged("something other than a recorded drawing",
                       "the drawing is not in the expected form")
    return drawing, None, [], None


def _genuine_axes(value):
    from matplotlib.axes import Axes
    if not isinstance(value, Axes):
        return None
    figure = value.get_figure(root=False)
    return value if figure is not None and value in figure.axes else None


def read_evidence(evidence: dict, order=("returned", "given", "current"), show=None) -> dict:
    """What one call's evidence shows, as plain data for :func:`judge_call`.

    Keys: ``status``, ``exception`` and ``returned`` (copied from the evidence,
    untrusted facts), ``returned_given`` (the returned Axes is the given one),
    ``returned_axes`` (a genuine Axes in its figure came back), ``read_from``
    (the Axes whose picture was read: the first of ``order`` that shows a
    heatmap, else the first there is; the policy, :func:`verdicts.axes_to_read`,
    chooses ``order``), ``picture`` (:func:`read_picture` of it), ``problem``, ``flags``, and
    ``refused``: None, or why nothing was read: "forged" (the evidence holds something no
    matplotlib call makes; flagged as forged) or "grader" (the grader could not read a figure
    that an ordinary matplotlib call may have made: the student is not to blame, and is to be
    listed as not graded, by the grader's fault). A call that raised is read too when it sent
    a drawing. ``show``: a function of the unpickled drawing and the reading's renders (by
    figure: :func:`read_picture`) whose result becomes ``png`` (the inspector shows the figure
    the caller saw, from its render, while the drawing is open).
    """
    result = {"status": evidence.get("status"), "exception": _clean_exception(evidence.get("exception")),
              "returned": clean_text(evidence.get("returned"), 60), "returned_given": False,
              "returned_axes": False, "read_from": None, "picture": None, "problem": None, "flags": [],
              "refused": None}
    if result["status"] != "returned" and not (result["status"] == "raised" and evidence.get("pickle")):
        return result
    import matplotlib.pyplot as plt
    opened_before = set(plt.get_fignums())  # unpickled pyplot figures register with pyplot
    drawing, result["problem"], result["flags"], result["refused"] = load_drawing(evidence)
    if drawing is None:
        _close_figures_opened_since(opened_before)
        return result
    try:
        result["returned_axes"] = _genuine_axes(drawing["returned"]) is not None
        result["returned_given"] = result["returned_axes"] and drawing["returned"] is drawing["given"]
        # Judge the first Axes of `order` that holds the heatmap; the return value is
        # judged on its own. (Each reading renders the figure: read each Axes once, and
        # stop at the first with a heatmap.)
        candidates = [(name, _genuine_axes(drawing[name])) for name in order]
        pictures, chosen, renders = [], None, {} if show is not None else None
        for name, axes in candidates:
            if axes is None or any(axes is read for _, read, _ in pictures):
                continue
            pictures.append((name, axes, read_picture(axes, renders)))
            if pictures[-1][2].get("main") is not None:
                chosen = pictures[-1]
                break
        chosen = chosen or (pictures or [None])[0]
        if chosen is None:
            result["problem"] = "no matplotlib Axes was drawn or returned"
        else:
            result["read_from"], result["picture"] = chosen[0], chosen[2]
        if show is not None:
            result["png"] = show(drawing, renders)
    except Exception as exc:  # noqa: BLE001 - a genuine figure the reader fails on: the grader's fault
        _, result["problem"], result["flags"], result["refused"] = _grader_fault(
            f"{type(exc).__name__}: {str(exc)[:120]}")
    finally:
        _close_figures_opened_since(opened_before)
    return result


def _close_figures_opened_since(opened_before):
    """Close the figures unpickling registered with pyplot (and only those: in a student's
    kernel the others are the student's)."""
    import matplotlib.pyplot as plt
    for number in set(plt.get_fignums()) - opened_before:
        plt.close(number)


def clean_text(value, limit=300):
    """Text that may come from a submission, made safe to print or show: one line of
    printable characters (no terminal control codes), at most ``limit`` long."""
    if value is None:
        return None
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text[:limit]


def _clean_exception(exception):
    if not isinstance(exception, dict):
        return None
    line = exception.get("line")
    return {"type": clean_text(exception.get("type"), 60) or "Exception",
            "message": clean_text(exception.get("message")) or "",
            "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
            "code": clean_text(exception.get("code"), 160)}

# ------------------------------------------------------------------------
# autograde/checker/evidence.py
# ------------------------------------------------------------------------
"""Evidence: what the student's function drew, carried out of the process that ran it.

:func:`collect` calls the function once (one *call*: tokens, a matrix, maybe an
``ax``) in a forked child process, stopped after :data:`CALL_TIMEOUT` seconds,
and returns plain data: how the call ended, facts about an exception, and the
figures it drew, pickled with matplotlib's own figure pickling. Nothing in it is
trusted: at grading it comes from a sandboxed kernel that ran the student's
code, and :mod:`unpickle` reads it in a process that never did.
"""
import base64
import io
import json
import linecache
import math
import os
import pickle
import select
import signal
import sys
import time
import warnings


#: Most figures kept of one call.
MAX_FIGURES = 3
#: A shown figure's resolution (Jupyter's inline default is 72 dpi), longest side and size.
PNG_DPI = 72
PNG_MAX_SIDE = 900
PNG_MAX_BYTES = 400_000

_fork = getattr(os, "fork", None)  # missing on Windows: the call then runs in this process


def collect(function, call: dict, timeout: float = CALL_TIMEOUT, show=None) -> dict:
    """Call ``function`` as ``call`` says and return the evidence (plain, JSON-ready data).

    Keys: ``call`` (its name), ``status`` ("returned", "raised", "timeout",
    "crashed", "exited" or "unpicklable"), ``exception`` (type, message, line
    and code of the student's line, when it raised), ``returned`` (what kind of
    value came back: "axes", "none" or a type name), ``pickle`` (base64 of the
    pickled drawing: also when the call raised, with what it drew before) and
    ``png`` (base64 of the figure of the first Axes of ``show``, a sequence of
    the drawing's keys, for showing; None without ``show``).
    """
    if not callable(function):
        return _evidence(call, "raised", exception={
            "type": "TypeError", "line": None, "code": None,
            "message": not_a_function(function)})
    if _fork is None:
        return _collect_in_process(function, call, show)
    return _collect_in_child(function, call, timeout, show)


def not_a_function(value) -> str:
    """What a call says when the name holds no function (e.g. None: the cell never defined it)."""
    return f"plot_attention_heatmap is a {type(value).__name__}, not a function"


def _evidence(call, status, **facts) -> dict:
    record = {"call": call["name"], "status": status, "exception": None, "returned": None,
              "pickle": None, "png": None}
    record.update(facts)
    return record


def _arguments(call):
    """The tokens and matrix to pass: fresh copies, as a list of lists or an array."""
    import numpy as np
    tokens = list(call["tokens"])
    if CALL_SHAPES[call["shape"]]["as_array"]:
        return tokens, np.array(call["attention"], dtype=float)
    return tokens, [list(row) for row in call["attention"]]


def _axes_in(value):
    """The Axes a returned value hands the caller: the value itself, a Figure's current
    Axes, or the first of these in a tuple or list (``return fig, ax``)."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    for item in (value, *(value if isinstance(value, (tuple, list)) else ())):
        if isinstance(item, Axes):
            return item
    for item in (value, *(value if isinstance(value, (tuple, list)) else ())):
        if isinstance(item, Figure) and item.axes:
            return item.gca()
    return None


def _run_call(function, call, show):
    """Make the call here and now; returns the evidence. Used in the child (or in-process)."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    plt.switch_backend("agg")
    plt.close("all")
    tokens, attention = _arguments(call)
    given, value, raised = None, None, None
    if CALL_SHAPES[call["shape"]]["with_ax"]:
        # The given ax shares its figure with another Axes that is the current
        # one, as in `fig, axes = plt.subplots(1, 2)`: pyplot code that ignores
        # `ax` draws next to it, not on it.
        _, (given, _) = plt.subplots(1, 2, figsize=(11, 4.5))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = function(tokens, attention, ax=given) if given is not None else function(tokens, attention)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes evidence, with what was drawn
        raised = describe_exception(exc)
    # What the caller can see besides the given ax: pyplot's current Axes, else the Axes
    # handed back in a tuple or a figure (`plt.close(fig); return fig, ax`).
    current = None
    if plt.get_fignums():
        figure = plt.gcf()
        current = figure.gca() if figure.axes else None
    if current is None:
        current = _axes_in(value)
    returned = value if isinstance(value, Axes) else None
    kind = "axes" if returned is not None else "none" if value is None else type(value).__name__
    figures = []
    for axes in (returned, given, current):
        figure = getattr(axes, "figure", None)
        if figure is not None and figure not in figures:
            figures.append(figure)
    drawing = {"returned": returned, "given": given, "current": current, "figures": figures[:MAX_FIGURES]}
    data, problem = _pickle_drawing(drawing)
    png = shown_png(drawing, show or ())
    encoded = base64.b64encode(data).decode("ascii") if data is not None else None
    if raised is not None:
        return _evidence(call, "raised", exception=raised, pickle=encoded, png=png)
    if data is None:
        return _evidence(call, "unpicklable", returned=kind, exception={
            "type": "PicklingError", "message": problem, "line": None, "code": None})
    return _evidence(call, "returned", returned=kind, pickle=encoded, png=png)


def shown_png(drawing: dict, order, renders=None) -> str | None:
    """The PNG (:func:`figure_png`) of the figure of the first of ``order`` (the drawing's keys:
    "returned", "given", "current") that is an Axes: the figure the call is judged on, as the
    caller sees it (with an ax, the caller's figure, however empty). None when there is none.
    ``renders``: the reading's renders by figure (:func:`picture.read_picture`); the picture is
    made from that figure's render when the reading made one."""
    from matplotlib.axes import Axes
    shown = next((drawing.get(key) for key in order if isinstance(drawing.get(key), Axes)), None)
    if shown is None:
        return None
    figure = shown.get_figure(root=True)
    return figure_png(figure, (renders or {}).get(figure))


def figure_png(figure, render=None):
    """The figure as Jupyter shows it (cropped to what is drawn), as base64 PNG of at most
    :data:`PNG_MAX_SIDE` pixels a side and :data:`PNG_MAX_BYTES` bytes; None when it cannot
    be drawn. Anything drawn far outside the figure is not followed: the crop is then the
    figure itself. With ``render`` (a :class:`seen.SeenRender` of this figure, at
    :data:`PNG_DPI` or finer) its pixels are cropped and scaled down, without drawing the
    figure again; else the figure is saved at that dpi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox
    try:
        if render is None:
            canvas = FigureCanvasAgg(figure) if not isinstance(figure.canvas, FigureCanvasAgg) else figure.canvas
            tight = figure.get_tightbbox(canvas.get_renderer())
        else:
            tight = render.tight
        width, height = figure.get_size_inches()
        own = Bbox.from_bounds(0, 0, width, height)
        crop = tight if (tight is not None and all(map(math.isfinite, tight.bounds))
                         and tight.width <= 2 * width and tight.height <= 2 * height) else own
        crop = crop.padded(0.1)
        dpi = min(PNG_DPI, PNG_MAX_SIDE / max(crop.width, crop.height, 1e-3))
        if render is not None and render.dpi >= dpi:
            data = render.png(crop, dpi)
        else:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=crop)
            data = buffer.getvalue()
    except Exception:  # noqa: BLE001 - a figure that cannot be drawn is not shown
        return None
    return base64.b64encode(data).decode("ascii") if len(data) <= PNG_MAX_BYTES else None


def _pickle_drawing(drawing):
    """(pickled bytes, None) or (None, why not). What cannot be pickled but changes
    nothing a person sees is made picklable first: a tick formatter that is a lambda
    (replaced by the labels it drew), a method replaced on a single object by a
    lambda (removed, so the object shows what it really holds)."""
    try:
        return pickle.dumps(drawing, protocol=4), None
    except Exception:  # noqa: BLE001 - retried below, frozen
        pass
    try:
        for figure in drawing["figures"]:
            _drop_unpicklable_methods(figure)
            _freeze_tick_labels(figure)
        return pickle.dumps(drawing, protocol=4), None
    except Exception as exc:  # noqa: BLE001 - reported as the call's outcome
        return None, f"{type(exc).__name__}: {exc}"[:300]


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:  # noqa: BLE001 - any failure means no
        return False


def _drop_unpicklable_methods(figure):
    """Remove methods replaced on single objects by something that cannot be pickled."""
    objects = list(figure.findobj()) + [axis for axes in figure.axes for axis in (axes.xaxis, axes.yaxis)]
    for obj in objects:
        own = getattr(obj, "__dict__", {})
        for key in [k for k, v in own.items() if callable(v) and _is_method(type(obj), k) and not _picklable(v)]:
            del own[key]


def _freeze_tick_labels(figure):
    """Replace every tick formatter that cannot be pickled by the labels it drew."""
    from matplotlib.ticker import FixedFormatter, FixedLocator

    figure.draw_without_rendering()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for minor in (False, True):
                formatter = axis.get_minor_formatter() if minor else axis.get_major_formatter()
                try:
                    pickle.dumps(formatter)
                    continue
                except Exception:  # noqa: BLE001 - this is the one to freeze
                    pass
                positions = axis.get_ticklocs(minor=minor)
                labels = [label.get_text() for label in axis.get_ticklabels(minor=minor)]
                if minor:
                    axis.set_minor_locator(FixedLocator(positions))
                    axis.set_minor_formatter(FixedFormatter(labels))
                else:
                    axis.set_major_locator(FixedLocator(positions))
                    axis.set_major_formatter(FixedFormatter(labels))


def describe_exception(exc: BaseException) -> dict:
    """Facts about an exception raised by the student's function: type, message and the
    student's own line (the innermost frame that comes from a notebook cell)."""
    line = code = None
    frame = exc.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if _is_notebook_cell(filename):
            line = frame.tb_lineno
            code = linecache.getline(filename, line).strip() or None
        frame = frame.tb_next
    message = str(exc) if not isinstance(exc, SystemExit) else f"exit status {exc.code!r}"
    return {"type": type(exc).__name__, "message": message[:300], "line": line, "code": code}


def _is_notebook_cell(filename: str) -> bool:
    """True for code typed into a notebook: IPython names each cell's code after the
    kernel's cache folder (``.../ipykernel_<pid>/<hash>.py``) or ``<ipython-input-...>``."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _collect_in_process(function, call, show):
    """Where ``os.fork`` is missing (Windows): the same call in this process, with no
    time limit, the student's output swallowed and the plotting backend put back."""
    import matplotlib.pyplot as plt
    backend, streams = plt.get_backend(), (sys.stdout, sys.stderr)
    sys.stdout = sys.stderr = io.StringIO()
    try:
        return _run_call(function, call, show)
    finally:
        sys.stdout, sys.stderr = streams
        plt.close("all")
        plt.switch_backend(backend)


def _collect_in_child(function, call, timeout, show):
    read_fd, write_fd = os.pipe()
    try:
        pid = _fork()
    except OSError:  # no process left to fork (the notebook's own processes used them up)
        os.close(read_fd)
        os.close(write_fd)
        return _collect_in_process(function, call, show)
    if pid == 0:  # the child: never returns
        try:
            os.close(read_fd)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            sys.stdout = sys.stderr = io.StringIO()
            data = json.dumps(_run_call(function, call, show)).encode()
            os.write(write_fd, len(data).to_bytes(8, "big"))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        deadline = time.monotonic() + timeout
        header, ending = _read_exactly(read_fd, 8, deadline)
        data = None
        if header is not None:
            # Generous for the pickle itself, once the call has finished.
            data, ending = _read_exactly(read_fd, int.from_bytes(header, "big"), time.monotonic() + 30)
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        status = _wait(pid)
    if data is not None:
        try:
            return json.loads(data)
        except ValueError:
            ending = "garbled"
    if ending == "timeout":
        return _evidence(call, "timeout")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGKILL:
        return _evidence(call, "crashed", exception={
            "type": "signal", "message": f"signal {os.WTERMSIG(status)}", "line": None, "code": None})
    return _evidence(call, "exited", exception={
        "type": "exit", "message": f"exit code {os.WEXITSTATUS(status) if os.WIFEXITED(status) else '?'}",
        "line": None, "code": None})


def _wait(pid):
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return 0


def _read_exactly(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None, "timeout"
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None, "eof"
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks), None

# ------------------------------------------------------------------------
# autograde/checker/verdicts.py
# ------------------------------------------------------------------------
"""Verdicts: from what each call drew to a message per criterion, and to points. The policy.

:func:`judge_call` judges one call's reading (from :func:`read_evidence`)
against the data that call passed; :func:`split_points` turns the verdicts of
all calls into each criterion's points. The policy, applied here and nowhere
else (the self-check, "grade me" and the grader all call these functions):

* a criterion's points are split evenly over the call shapes (without ``ax``
  and with one), and a shape earns its share only if the criterion passes in
  every call of that shape; so a bug that only shows when an ``ax`` is given
  costs the ``ax`` share, not everything;
* a call with an ``ax`` is judged on that ``ax``, which is what the caller sees
  (:data:`spec.WITH_AX_RULES`): a function that draws elsewhere fails every
  criterion in that call. ``judge_with_ax_on="returned"`` (an nbgrader setting,
  ``c.HeatmapGrading.judge_with_ax_on``) judges the Axes it returns instead;
* a call that raises keeps what it drew before the error (the given ``ax``, or
  the figure it made: :func:`evidence.collect` sends it) and fails the return
  value, with the line that raised; a call that drew no heatmap before raising
  fails everything with that message;
* a figure title counts as the title when the heatmap's Axes and its colorbar
  are the only Axes in its figure (:func:`judge.judge_picture`).
"""

#: Hints for the exceptions students meet most, keyed by what the message says.
_EXCEPTION_HINTS = (
    (("NameError", "UnboundLocalError"), "'fig'",
     "when ax is given there is no `fig` of yours: use ax.figure instead "
     "(e.g. ax.figure.colorbar(image, ax=ax), ax.figure.tight_layout())"),
    (("RuntimeError", "ValueError"), "No mappable was found",
     "plt.colorbar() looks for an image in the current Axes, and the ax you are given need not be the "
     "current one: pass your image, ax.figure.colorbar(image, ax=ax)"),
    (("AttributeError",), "'Axes' object has no attribute 'colorbar'",
     "a colorbar belongs to the figure, not to the Axes: ax.figure.colorbar(image, ax=ax)"),
    (("AttributeError",), "'list' object has no attribute",
     "attention can be a plain list of lists: convert it first with attention = np.asarray(attention)"),
    (("TypeError",), "list indices must be integers",
     "attention can be a plain list of lists: convert it first with attention = np.asarray(attention)"),
    (("ValueError",), "does not match the number of labels",
     "the tick positions and the labels differ in number: with a sentence of another length your "
     f"code still uses {len(PUBLIC_SENTENCE.split())} positions or the challenge's words. Take both "
     "from the arguments: "
     "ax.set_xticks(range(len(tokens)), labels=tokens)"),
    (("NotImplementedError",), "",
     "plot_attention_heatmap is not written yet: replace `raise NotImplementedError()` with your code"),
    (("SystemExit",), "", "sys.exit() stops Python: return the Axes instead"),
    (("NameError",), "is not defined",
     "your function uses a name it does not define: make everything it needs from its arguments "
     "(tokens, attention, ax), e.g. n = len(tokens)"),
)


def explain_exception(exception: dict) -> str:
    """A message for an exception the function raised: what, where in the student's code,
    and the likely fix."""
    name, text = exception["type"], exception["message"]
    message = f"plot_attention_heatmap raised {name}" + (f": {text}" if text else "")
    if exception.get("line"):
        message += f", at line {exception['line']} of your answer cell"
        if exception.get("code"):
            message += f": `{exception['code']}`"
    for names, words, hint in _EXCEPTION_HINTS:
        if name in names and words in text:
            return f"{message.rstrip('.')}. Hint: {hint}"
    return message


def axes_to_read(call: dict, judge_with_ax_on: str = JUDGE_WITH_AX_ON) -> tuple:
    """Which of a drawing's Axes to read, in order (the first that shows a heatmap is read).

    With an ``ax`` and the "given" rule the given ax comes first, and the others are read
    only to say where the heatmap went instead (:func:`judge_call` then fails the call)."""
    if judge_with_ax_on not in WITH_AX_RULES:
        raise ValueError(f"judge_with_ax_on must be one of {list(WITH_AX_RULES)}, not {judge_with_ax_on!r}")
    if not CALL_SHAPES[call["shape"]]["with_ax"]:
        return ("returned", "current")
    if judge_with_ax_on == "given":
        return ("given", "returned", "current")
    return ("returned", "given", "current")


def _raised(reading: dict) -> str:
    return explain_exception(reading.get("exception") or {"type": "Exception", "message": ""})


def _failure_of_the_call(reading: dict) -> str | None:
    """Why nothing can be judged in this call (it raised before drawing, hung, crashed...), or None."""
    status = reading.get("status")
    if status == "returned":
        return reading.get("problem")
    if status == "raised":
        picture = reading.get("picture")
        if isinstance(picture, dict) and picture.get("main") is not None:
            return None  # it drew a heatmap before the error: judged on what it drew
        return _raised(reading)
    if status == "timeout":
        return ("plot_attention_heatmap did not finish within the time limit (an endless loop, or a long "
                "sleep?)")
    if status == "crashed":
        return "plot_attention_heatmap crashed Python (the process was killed by a signal)"
    if status == "exited":
        return ("plot_attention_heatmap ended the Python process (e.g. with os._exit()); it must return "
                "the Axes instead")
    if status == "unpicklable":
        detail = (reading.get("exception") or {}).get("message", "")
        return (f"the figure could not be saved for grading ({detail}); use matplotlib's own ticks, "
                f"labels and colorbar rather than custom Python objects")
    if status == "missing":
        return reading.get("problem") or "this call was not made"
    return f"the call ended in an unknown way ({status!r})"


def _judge_return(reading: dict, call: dict, read_from: str | None) -> str | None:
    """The return value's verdict; ``read_from``: the Axes whose picture is judged ("given" when
    the given ax was returned)."""
    if reading.get("status") == "raised":
        return _raised(reading)
    if not reading.get("returned_axes"):
        kind = reading.get("returned")
        if kind in (None, "none"):
            return "plot_attention_heatmap returned None: end it with `return ax`"
        if kind in ("tuple", "list"):
            return f"plot_attention_heatmap returned a {kind}: return only the Axes"
        if kind == "axes":  # said to be an Axes, but none came back in its figure
            return "plot_attention_heatmap did not return a matplotlib Axes that belongs to a figure"
        return f"plot_attention_heatmap returned a {kind}, not a matplotlib Axes: return the Axes you drew on"
    if CALL_SHAPES[call["shape"]]["with_ax"] and not reading.get("returned_given"):
        if read_from == "given":
            return "you drew on the ax you were given but returned another Axes: return the ax you were given"
        return ("you were given an ax but drew on (and returned) another Axes: when ax is given, draw on "
                "it and return it")
    if read_from == "current":
        return ("the Axes you returned shows no heatmap; it was drawn on another Axes (plt.imshow, "
                "plt.xticks and plt.title draw on the current Axes, which need not be yours): draw with "
                "ax.imshow, ax.set_xticks, ax.set_title, ... and return that ax")
    return None


#: Where the heatmap went when a call given an ax drew it elsewhere (by the Axes it was read on).
_DRAWN_ELSEWHERE = {
    "returned": "on an Axes of its own (the one it returned)",
    "current": "on pyplot's current Axes (plt.imshow, plt.xticks and plt.title draw there, and it is not "
               "the ax you were given)",
}


def _ignored_ax(read_from: str) -> str:
    return (f"you were given an ax, but the heatmap was drawn {_DRAWN_ELSEWHERE[read_from]}, so the ax "
            f"you were given shows nothing: when ax is given, draw on it (ax.imshow, ax.set_xticks, "
            f"ax.figure.colorbar(image, ax=ax), ax.set_title) and return it")


def _stopped_early(exception: dict | None) -> str:
    exception = exception or {}
    where = f" at line {exception['line']} of your answer cell" if exception.get("line") else ""
    return f" (plot_attention_heatmap stopped with {exception.get('type', 'an error')}{where} before it finished)"


def judge_call(reading: dict, call: dict, judge_with_ax_on: str = JUDGE_WITH_AX_ON) -> dict:
    """``{criterion: None (passed) or message}`` for one call, under the policy (module docstring).

    ``reading`` must have been read in the order :func:`axes_to_read` gives for the same
    ``judge_with_ax_on``."""
    failure = _failure_of_the_call(reading)
    if failure is not None:
        return {criterion: failure for criterion in CRITERIA}
    read_from, with_ax = reading.get("read_from"), CALL_SHAPES[call["shape"]]["with_ax"]
    if read_from == "returned" and reading.get("returned_given") and with_ax:
        read_from = "given"  # one Axes: the given one, returned
    if read_from is not None and read_from not in axes_to_read(call, judge_with_ax_on):
        return {criterion: "this call's drawing was read from the wrong Axes" for criterion in CRITERIA}
    if with_ax and judge_with_ax_on == "given" and read_from in _DRAWN_ELSEWHERE:
        return {criterion: _ignored_ax(read_from) for criterion in CRITERIA}
    verdicts = {"returns_axes": _judge_return(reading, call, read_from)}
    picture = reading.get("picture")
    if picture is None:
        verdicts.update({criterion: "no matplotlib Axes with a heatmap was drawn or returned"
                         for criterion in PICTURE_CRITERIA})
    else:
        judged = judge_picture(picture, call["tokens"], call["attention"], public_tokens=PUBLIC_SENTENCE.split())
        if reading.get("status") == "raised":
            judged = {criterion: message and message + _stopped_early(reading.get("exception"))
                      for criterion, message in judged.items()}
        verdicts.update(judged)
    return verdicts


def _failure_line(message: str, where: dict, calls: list) -> str:
    """One failure: the call shapes it happened in and, when it did not happen with every
    sentence those shapes were called with, the sentences it happened with."""
    label = ("called with and without an ax" if len(where) == len(CALL_SHAPES)
             else CALL_SHAPES[next(iter(where))]["label"])
    happened = [call for shaped in where.values() for call in shaped]
    if len(happened) < sum(call["shape"] in where for call in calls):
        sentences = dict.fromkeys(describe_sentence(call) for call in happened)  # each once
        label += " (only with " + " and ".join(sentences) + ")"
    return f"{label}: {message}"


def split_points(calls: list, verdicts: dict, points: dict) -> dict:
    """``{criterion: {"score", "max", "lines", "failures"}}`` from every call's verdicts.

    ``verdicts`` maps each call's name to :func:`judge_call`'s result (a call
    without verdicts counts as failed); ``points`` maps criteria to their points.
    ``lines`` say, per call shape, "passed" or each distinct failure (naming the
    sentence when it failed with one sentence only); ``failures`` are the latter,
    and ``failure_shapes`` the call shapes each of them failed in.
    """
    result = {}
    for criterion, maximum in points.items():
        passed_shapes, failures = 0, {}  # message -> {shape: the calls it happened in}
        for shape in CALL_SHAPES:
            shaped_failures = {}
            for call in (call for call in calls if call["shape"] == shape):
                verdict = verdicts.get(call["name"], {}).get(criterion, "this call was not graded")
                if verdict:
                    shaped_failures.setdefault(verdict, []).append(call)
            passed_shapes += not shaped_failures
            for message, where in shaped_failures.items():
                failures.setdefault(message, {})[shape] = where
        failing = [_failure_line(message, where, calls) for message, where in failures.items()]
        lines = [f"{about['label']}: passed" for shape, about in CALL_SHAPES.items()
                 if not any(shape in where for where in failures.values())] + failing
        score = round(maximum * passed_shapes / len(CALL_SHAPES), 4)
        result[criterion] = {"score": score, "max": maximum, "lines": lines, "failures": failing,
                             "failure_shapes": [list(where) for where in failures.values()]}
    return result


def points_lost(results: dict) -> list:
    """``[(failure line, [criterion, ...], points it costs)]`` from :func:`split_points`'s
    result: one entry per distinct failure, naming every criterion it costs. Each lost share
    (a criterion in a call shape) is counted once, for the first failure that caused it."""
    lost, counted = {}, set()
    for criterion, result in results.items():
        share = result["max"] / len(CALL_SHAPES)
        for line, shapes in zip(result["failures"], result["failure_shapes"]):
            entry = lost.setdefault(line, ([], 0.0))
            new = [shape for shape in shapes if (criterion, shape) not in counted]
            counted.update((criterion, shape) for shape in new)
            lost[line] = (entry[0] + [criterion], entry[1] + share * len(new))
    return [(line, criteria, round(cost, 4)) for line, (criteria, cost) in lost.items()]

# ------------------------------------------------------------------------
# autograde/checker/answer_run.py
# ------------------------------------------------------------------------
"""How the answer cell last ran, in the student's kernel: the self-check says when it stopped.

The self-check judges the function the kernel holds. When the student edits the answer cell
and its new run stops with an error (a ``SyntaxError``, say), the kernel still holds the
function of an earlier run, and a self-check that passed on it would tell the student that
the broken cell is fine. IPython reports every cell it runs to its ``post_run_cell``
callbacks (the cell's source and the error it stopped with); :func:`follow_cells`, called by
the challenge's first cell, records the newest run of the answer cell (the cell that defines
``plot_attention_heatmap``: the kernel never sees the notebook's metadata), and
:func:`answer_cell_warning` says, before any points, that it stopped and where. The lessons'
``check_tools.py`` does the same for their exercises; this copy is the checker's own, as the
checker is shipped alone. Outside IPython (a plain script) nothing is followed.
"""
import ast
import re

#: The name the answer cell defines.
ANSWER_NAME = "plot_attention_heatmap"

_answer_runs = {}  # {"shell": the IPython shell, "last": the newest run of the answer cell or None}


def defines_answer(source: str) -> bool:
    """Whether a cell defines the answer (``def plot_attention_heatmap`` or an assignment to it).
    A cell that cannot be parsed does when a line starts ``def plot_attention_heatmap``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # also a cell with IPython's %magics
        return re.search(rf"^\s*def\s+{ANSWER_NAME}\b", source, re.MULTILINE) is not None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == ANSWER_NAME:
            return True
        if isinstance(node, ast.Name) and node.id == ANSWER_NAME and isinstance(node.ctx, ast.Store):
            return True
    return False


def first_line(source: str, width: int = 60) -> str:
    """The cell's first line of code, as a student sees it at the top of the cell (shortened)."""
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[:width - 1] + "\u2026"


def _run_of(result) -> dict:
    """The facts of one run (IPython's ``ExecutionResult``): its source, and its error or None."""
    source = result.info.raw_cell or ""
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return {"source": source, "error": None}
    if isinstance(error, SyntaxError):
        text, line = f"{type(error).__name__}: {error.msg}", error.lineno
    else:
        text, line = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, None
        tb = error.__traceback__
        while tb is not None:  # the outermost line of the cell itself (its code is "<module>")
            if tb.tb_frame.f_globals.get("__name__") == "__main__" and tb.tb_frame.f_code.co_name == "<module>":
                line = tb.tb_lineno
                break
            tb = tb.tb_next
    return {"source": source, "error": text[:300], "line": line}


def follow_cells() -> None:
    """Record, from now on, how the answer cell runs (once per kernel; nothing outside IPython).
    Returns nothing: the first cell, which calls it last, shows no output."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and _answer_runs.get("shell") is not shell:
        def record(result):
            run = _run_of(result)
            if defines_answer(run["source"]):
                _answer_runs["last"] = run

        shell.events.register("post_run_cell", record)
        _answer_runs.update(shell=shell, last=None)


def answer_cell_warning() -> str | None:
    """When the answer cell's newest run stopped with an error: that, where, and that the
    function being judged is the one an earlier run defined. None otherwise."""
    run = _answer_runs.get("last")
    if not run or not run["error"]:
        return None
    at = f" at line {run['line']}" if run.get("line") else ""
    return (f"Your answer cell (`{first_line(run['source'])}`) stopped with {run['error']}{at}: fix it and "
            f"run it again. Until then, the checks below judge the {ANSWER_NAME} that an earlier run "
            f"of it defined, if any.")

# ------------------------------------------------------------------------
# autograde/checker/notebook.py
# ------------------------------------------------------------------------
"""What the challenge notebook calls: the self-check, the graded cells' checks, the evidence.

* :func:`self_check` (the visible self-check cell) makes the calls grading
  makes, in this kernel: without ``ax`` and with an ``ax`` of ours, on the
  challenge's sentence and on a sentence drawn just now, and judges them with
  grading's own code and policy. It shows what the function drew and prints
  what grading would give on these calls: the points per criterion and in
  total, and what each failure costs.
* :func:`require` (one graded cell per criterion) reports that criterion's
  points on the same calls (made once per function). At grading it does
  nothing: the grader judges these cells itself, from the evidence.
* :func:`record_evidence` is what the grader appends to a submission: it makes
  the grading calls and sends back what each one drew. The grader never trusts
  it for a verdict; a sandboxed inspector reads what was drawn.
"""
import base64
import json
import os


PASSED = "All public checks passed"

_results_by_function = {}  # id(function) -> (function, check)


class CheckFailed(AssertionError):
    """A check that did not pass, in plain words. Jupyter shows its message alone, once, in
    place of a traceback into this file (IPython's ``_render_traceback_``), and still as an
    error output: nbgrader's validate counts a graded cell that shows one as failed."""

    def _render_traceback_(self):
        title, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m{title}\x1b[0m", *rest]


def is_grading() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def _missing(function) -> str | None:
    if function is None:
        return "plot_attention_heatmap is not defined: run your answer cell first"
    if not callable(function):
        return f"plot_attention_heatmap should be a function, not a {type(function).__name__}"
    return None


def judge_evidence(calls, evidence, points=None, judge_with_ax_on=JUDGE_WITH_AX_ON) -> dict:
    """Read and judge each call's evidence (``{call name: evidence}``) as grading does.

    Returns ``{"calls", "verdicts", "results"}`` (:func:`split_points`'s, with ``points``,
    by default the course's :data:`POINTS`) and ``"pictures"`` (``{call name: PNG bytes or
    None}``)."""
    verdicts, pictures = {}, {}
    for call in calls:
        record = evidence.get(call["name"]) or {"status": "missing", "problem": "this call was not made"}
        order = axes_to_read(call, judge_with_ax_on)
        verdicts[call["name"]] = judge_call(read_evidence(record, order), call, judge_with_ax_on)
        png = record.get("png")
        pictures[call["name"]] = base64.b64decode(png) if isinstance(png, str) else None
    return {"calls": calls, "verdicts": verdicts, "pictures": pictures,
            "results": split_points(calls, verdicts, points or POINTS)}


def check_public(function, show=False, calls=None) -> dict:
    """Make the self-check's calls (by default grading's, with a sentence drawn just now) in
    this process and judge them: :func:`judge_evidence`'s result. ``show``: also draw each
    call's figure as the caller sees it (PNG)."""
    calls = calls or self_check_calls()
    evidence = {call["name"]: collect(function, call, show=axes_to_read(call) if show else None)
                for call in calls}
    return judge_evidence(calls, evidence)


def failures_of(check: dict) -> dict:
    """``{criterion: [failure line, ...]}`` of a check (empty lists for the criteria that passed)."""
    return {criterion: result["failures"] for criterion, result in check["results"].items()}


def describe_calls(calls) -> str:
    """The calls in words: each call shape and the sentences it was called with."""
    parts = []
    for shape, about in CALL_SHAPES.items():
        sentences = list(dict.fromkeys(describe_sentence(call) for call in calls if call["shape"] == shape))
        if sentences:
            parts.append(f"{about['label'].split(' (')[0]}, on {' and '.join(sentences)}")
    return "; ".join(parts)


def points_report(check: dict) -> tuple:
    """``(passed, text)``: what grading would give on the check's calls, in words.

    The first line is the total ("9.5/10 on these calls"), then one line per distinct
    failure with the criteria it costs and how much, the points per criterion, and the calls."""
    results = check["results"]
    total = sum(result["score"] for result in results.values())
    maximum = sum(result["max"] for result in results.values())
    lost = points_lost(results)
    calls = f"The calls: {describe_calls(check['calls'])}."
    if not lost:
        return True, f"{PASSED}: {total:g}/{maximum:g} on these calls.\n{calls}"
    lines = [f"{total:g}/{maximum:g} on these calls. What costs points:"]
    lines += [f"- {', '.join(CRITERION_NAMES.get(c, c) for c in criteria)}"
              + (f" (\u2212{cost:g})" if cost else "") + f": {line}" for line, criteria, cost in lost]
    lines.append("Points per criterion: " + ", ".join(
        f"{CRITERION_NAMES.get(c, c)} {r['score']:g}/{r['max']:g}" for c, r in results.items()) + ".")
    return False, "\n".join(lines + [calls])


def show_pictures(check: dict, only_failing: bool = False) -> None:
    """Display each call's picture (as the caller sees it) under a line saying which call it is."""
    from IPython.display import Image, display
    failing = {call["name"] for call in check["calls"]
               if any(check["verdicts"].get(call["name"], {}).values())}
    for index, call in enumerate(check["calls"]):
        png = check["pictures"].get(call["name"])
        if png and (index == 0 or not only_failing or call["name"] in failing):
            label = CALL_SHAPES[call["shape"]]["label"]
            print(f"{label[0].upper()}{label[1:]}, with {describe_sentence(call)}:")
            display(Image(png))
            if CALL_SHAPES[call["shape"]].get("picture_note"):
                print(CALL_SHAPES[call["shape"]]["picture_note"], end="\n\n")


def self_check(function):
    """The visible self-check: grading's calls here and now, their pictures, and their points."""
    if is_grading():
        print("(at grading, the grader calls your function itself)")
        return
    _stop_unless_defined(function)
    check = check_public(function, show=True)
    _results_by_function[id(function)] = (function, check)
    show_pictures(check, only_failing=True)
    passed, text = points_report(check)
    if not passed:
        raise CheckFailed(text)
    print(text)


def _stop_unless_defined(function) -> None:
    """Say first when the answer cell's newest run stopped with an error; raise
    :class:`CheckFailed` when there is no function to judge."""
    follow_cells()  # from now on, if the first cell was not run
    warning, missing = answer_cell_warning(), _missing(function)
    if missing:
        raise CheckFailed(warning or missing)
    if warning:
        print(f"\x1b[1;31m{warning}\x1b[0m\n")


def _check_of(function):
    cached = _results_by_function.get(id(function))
    if cached is None or cached[0] is not function:
        cached = (function, check_public(function))
        _results_by_function[id(function)] = cached
    return cached[1]


def require(criterion, function):
    """A graded cell's check: its points on the self-check's calls; CheckFailed unless all."""
    if criterion not in CRITERION_NAMES:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {list(CRITERION_NAMES)}")
    if is_grading():
        print(f"{CRITERION_NAMES[criterion]}: graded by the course's grader from what your function draws")
        return
    _stop_unless_defined(function)
    result = _check_of(function)["results"][criterion]
    heading = f"{CRITERION_NAMES[criterion]}: {result['score']:g}/{result['max']:g} on the self-check's calls"
    if result["failures"]:
        raise CheckFailed(f"{heading}: " + "; ".join(result["failures"]))
    print(f"{heading}: passed")


def recording_cell(calls, by: str) -> str:
    """The source of the cell that grading (``by`` "the grader") and "grade me" add before the
    graded cells: it makes ``calls`` on the notebook's function and sends back what each drew."""
    return (f"# Added by {by}: call plot_attention_heatmap the way grading does and record what it draws.\n"
            f"import heatmap_check as _grading_check\n"
            f"_grading_check.record_evidence(globals().get(\"plot_attention_heatmap\"), "
            f"__import__(\"json\").loads({json.dumps(calls)!r}))\n")


def record_evidence(function, calls):
    """At grading: make each call and send back what it drew (one output per call)."""
    from IPython.display import display
    for call in calls:
        display({EVIDENCE_MIME: collect(function, call)}, raw=True)

# ------------------------------------------------------------------------
# autograde/checker/grade_me.py
# ------------------------------------------------------------------------
"""A student's "grade me": the challenge's whole check, on the student's own saved notebook.

Grading runs the whole notebook in a fresh kernel, calls ``plot_attention_heatmap``
itself with the challenge's sentence and fresh ones, and judges what it drew.
:func:`grade_me` does the same on the student's machine, in the student's own
process: it runs the notebook as saved in a fresh kernel (cells that check
themselves stand aside, as at grading), makes grading's calls with sentences
drawn just now, reads and judges what they drew with grading's own code and
policy, and prints what grading would give. It needs nothing of the
instructor's kit and no sandbox (the code it runs is the student's own), only
this checker and Jupyter, which students have::

    heatmap_check.grade_me()                          # in a cell of the challenge
    python heatmap_check.py 04_challenge.ipynb        # in a terminal, next to the notebook

What it cannot know: a hidden sentence of grading's own (it draws others of the
same kind), and edits not saved yet (it says when the notebook was saved).
"""
import datetime
import os
import sys
import tempfile


#: The challenge notebook's file name, graded when no other is named.
CHALLENGE_NOTEBOOK = "04_challenge.ipynb"
#: Seconds a cell may run, as at grading (``c.Execute.timeout``).
CELL_TIMEOUT = 60

def _is_graded(cell) -> bool:
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def _errors(notebook, before_cell) -> list:
    """``(the cell, "Name: message")`` of each cell above ``before_cell`` that stopped with an error,
    the cell named as a student sees it (JupyterLab shows no cell numbers): the answer cell as
    such, any other by its first line."""
    found = []
    for cell in notebook.cells[:notebook.cells.index(before_cell)]:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                shown = f"`{first_line(cell.source)}`"
                named = (f"Your answer cell ({shown})" if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
                         else f"The cell {shown}")
                found.append((named, f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"[:300]))
    return found


def run_notebook(path, calls, timeout=CELL_TIMEOUT):
    """Run the notebook at ``path`` in a fresh kernel with the grading calls' cell added before the
    graded cells; return ``(executed notebook, the added cell)``. Cells run on after an error, as
    at grading, and the self-check and graded cells only say that the grader judges them."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    notebook = nbformat.read(path, as_version=4)
    cell = new_code_cell(recording_cell(calls, "grade_me"))
    graded = [index for index, other in enumerate(notebook.cells) if _is_graded(other)]
    notebook.cells.insert(graded[0] if graded else len(notebook.cells), cell)
    folder = os.path.dirname(os.path.abspath(path))
    client = NotebookClient(notebook, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": folder}})
    with tempfile.TemporaryDirectory() as sockets, tempfile.TemporaryFile("w+") as kernel_stderr:
        if os.name == "posix":  # local sockets, not TCP: private to this user, and no warning about it
            manager = client.create_kernel_manager()
            manager.transport, manager.ip = "ipc", os.path.join(sockets, "kernel")
        try:  # the kernel's own start-up warnings are not the student's business, unless it fails
            client.execute(env=dict(os.environ, NBGRADER_EXECUTION="autograde"), stderr=kernel_stderr)
        except Exception:
            kernel_stderr.seek(0)
            sys.stderr.write(kernel_stderr.read()[-4000:])
            raise
    return notebook, cell


def grade_me(path=CHALLENGE_NOTEBOOK) -> None:
    """The "Grade me" cell: grade the saved notebook at ``path`` as grading would, print the result
    and show the picture of each call that lost points. Returns nothing, so that the cell shows
    the report alone (:func:`grade_notebook` returns the check)."""
    grade_notebook(path, pictures=True)


def grade_notebook(path=CHALLENGE_NOTEBOOK, pictures=False) -> dict:
    """Grade the saved notebook at ``path`` as grading would, and print the result.

    Returns the check (:func:`judge_evidence`'s dict); ``pictures``: also show each call
    that lost points (in a notebook)."""
    if is_grading():
        print("(at grading, the grader grades the whole notebook itself)")
        return {}
    if not os.path.exists(path):
        raise FileNotFoundError(f"there is no {path} here ({os.getcwd()}): name the challenge notebook, "
                                f"e.g. grade_me('{CHALLENGE_NOTEBOOK}')")
    saved = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%H:%M:%S")
    print(f"Grading {os.path.basename(path)} as saved at {saved} (save first to grade your latest edits), "
          f"in a fresh kernel, with sentences drawn just now...", flush=True)
    calls = self_check_calls()
    notebook, cell = run_notebook(path, calls)
    evidence = {}
    for output in cell.get("outputs", []):
        record = output.get("data", {}).get(EVIDENCE_MIME) if output.get("output_type") == "display_data" else None
        if isinstance(record, dict) and record.get("call") not in evidence:
            evidence[record.get("call")] = record
    for named, error in _errors(notebook, cell):
        print(f"{named} stopped with {error}; grading runs the cells after it too.")
    if not evidence:
        print("No call could be made: the notebook stopped before plot_attention_heatmap was called.")
    check = judge_evidence(calls, evidence)
    if pictures:
        show_pictures(check, only_failing=True)
    print(points_report(check)[1])
    return check


def main(argv=None) -> int:
    """``python heatmap_check.py [NOTEBOOK]``: grade the notebook (by default the challenge's here)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]) or len(argv) > 1:
        print(f"usage: python heatmap_check.py [NOTEBOOK]   (default: {CHALLENGE_NOTEBOOK})\n"
              f"Runs the saved notebook in a fresh kernel, calls plot_attention_heatmap as grading does "
              f"(each call at most {CALL_TIMEOUT:g} s) and prints what grading would give.")
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    import matplotlib
    matplotlib.use("agg")
    try:
        check = grade_notebook(argv[0] if argv else CHALLENGE_NOTEBOOK)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if points_report(check)[0] else 1


if __name__ == "__main__":
    sys.exit(main())
