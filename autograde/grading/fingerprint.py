"""Which grader graded a notebook: a fingerprint of the grading code, recorded at grading.

A grade is only as current as the code that computed it. :func:`grader_fingerprint`
hashes every module that decides a grade (the checker, the preprocessors, the
inspector, the hidden inputs, the sandbox, the shared protocol);
:class:`autograde.grading.preprocessors.RecordGradingRun` records it in the autograded
notebook's ``heatmap_grading`` metadata, with what the sandbox reported. ``python -m autograde grade``
compares it with the present code and regrades the students graded by
another version (:func:`stale_reasons`), together with those graded with
other points than the gradebook's.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from autograde.grading.protocol import criterion_points, recorded

PACKAGE = Path(__file__).resolve().parents[1]
#: The code that decides grades, relative to ``autograde/`` (folders: every .py file in them).
GRADING_CODE = ("checker", "sandbox", "grading/preprocessors", "grading/inspector.py", "grading/hidden_inputs.py",
                "grading/protocol.py")
#: Key of the fingerprint, and of the sandbox's report, in the grader's record.
FINGERPRINT_KEY = "grader"
SANDBOX_KEY = "sandbox"


@functools.lru_cache(maxsize=1)
def grader_fingerprint() -> str:
    """A short hash of the grading code's sources (the same code gives the same fingerprint)."""
    digest = hashlib.sha256()
    for entry in GRADING_CODE:
        path = PACKAGE / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(PACKAGE).as_posix().encode() + b"\0")
            digest.update(file.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()[:16]


def stale_reasons(notebook, gradebook_points: dict) -> list[str]:
    """Why an autograded notebook's grades are out of date; empty when they are current.

    ``gradebook_points`` is ``{criterion: points}`` as the gradebook has them now.
    """
    return stale_reasons_of(criterion_points(notebook), recorded(notebook).get(FINGERPRINT_KEY), gradebook_points)


def stale_reasons_of(graded_with: dict, fingerprint: str | None, gradebook_points: dict) -> list[str]:
    """:func:`stale_reasons` from what a notebook recorded: the points it was graded with
    (``{criterion: points}``) and the grader's fingerprint (None when it recorded none)."""
    reasons = []
    changes = [f"{criterion} {graded_with[criterion]:g} -> {points:g}"
               for criterion, points in gradebook_points.items()
               if criterion in graded_with and graded_with[criterion] != points]
    if changes:
        reasons.append("graded with other points (" + ", ".join(changes) + ")")
    if fingerprint is None:
        reasons.append("graded by a grader that recorded no fingerprint (an older grading kit)")
    elif fingerprint != grader_fingerprint():
        reasons.append("graded by another version of the grading code")
    return reasons
