"""Build the students' copy of the checker, ``solutions/challenge/heatmap_check.py``.

The checker's source is the package :mod:`autograde.checker`; students get its
modules joined into one file (like d2l's generated ``d2l`` module), in
dependency order, with the package-internal imports removed. Everything in it
is public by design: nothing the grader keeps to itself (the hidden calls'
inputs, the sandbox, the grading preprocessors) lives in that package.
``./course generate`` runs :func:`write_checker`; a test fails when the
committed file differs from a fresh build.
"""
from __future__ import annotations

import re
from pathlib import Path

CHECKER_PACKAGE = Path(__file__).resolve().parents[1] / "checker"
#: Module order: each one only uses names from the modules before it.
MODULES = ("spec", "colours", "seen", "seen_cells", "seen_texts", "artists", "handmade", "texts", "heatmap_cells",
           "heatmaps", "picture", "judge_texts", "judge", "admitted", "unpickle", "evidence", "verdicts", "notebook")
STUDENT_CHECKER = Path("solutions") / "challenge" / "heatmap_check.py"

_INTERNAL_IMPORT = re.compile(r"^from \.\w+ import (?:\([^)]*\)|[^\n]+)\n", re.MULTILINE)

_HEADER = '''"""Checks for the attention-heatmap challenge: ``plot_attention_heatmap``.

The challenge notebook calls :func:`self_check` (the visible self-check) and
:func:`require` (one graded cell per criterion). Both call your function the
way grading does, without an ``ax`` and with one, on the challenge's sentence,
and explain in plain words what a person looking at your heatmap would find
wrong. At grading, the same checks also run on fresh sentences and matrices.

GENERATED from autograde/checker/*.py by `./course generate`: do not edit here.
"""
'''


def build_checker() -> str:
    """The text of the students' ``heatmap_check.py``."""
    parts = [_HEADER]
    for name in MODULES:
        source = (CHECKER_PACKAGE / f"{name}.py").read_text(encoding="utf-8")
        body = _INTERNAL_IMPORT.sub("", source)
        parts.append(f"\n# {'-' * 72}\n# autograde/checker/{name}.py\n# {'-' * 72}\n{body}")
    return "".join(parts)


def write_checker(course_root=".") -> Path:
    """Write the students' checker into ``solutions/challenge/`` of the course at ``course_root``."""
    target = Path(course_root) / STUDENT_CHECKER
    target.write_text(build_checker(), encoding="utf-8")
    return target
