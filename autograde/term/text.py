"""Student text made inert for each place the instructor reads it: the terminal, Markdown, HTML.

Names of students and files, error messages, titles and labels reach the instructor's
screen from submissions and LMS exports. Each is data, never markup: on the terminal a
name holding ``\\r\\x1b[2K`` could erase the line above it (a NOT GRADED line), in Markdown
``# `` or ``<img onerror=...>`` would be a heading or a script, and in a matplotlib text
``$\\undefined$`` would be mathtext that stops ``savefig`` (the report's PNG draws its
texts with ``text.parse_math`` off, :mod:`.report_plot`).
"""
from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|!~])")


def one_line(text, limit: int = 0) -> str:
    """``text`` as one line of printable characters (control characters, escape sequences and
    line breaks become spaces), cut to ``limit`` characters when given."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    text = " ".join(text.split())
    return text if not limit or len(text) <= limit else text[:limit - 1] + "…"


def markdown(text, limit: int = 0) -> str:
    """``text`` for a Markdown page: one line, HTML escaped, Markdown's punctuation escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(one_line(text, limit), quote=False))
