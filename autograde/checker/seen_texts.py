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

from .colours import SEEN_TEXT_DELTA_E, delta_e
from .seen import SEEN_MIN_PIXELS, _seen_over

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
