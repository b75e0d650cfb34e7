"""What the grader refused to take from a student's submission, kept for the flags.

The exchange's collect (:mod:`autograde.grading.exchange`) and the check before
grading (:mod:`autograde.grading.submission_guard`) refuse links, FIFOs, devices,
hard links and folders planted under a classmate's name. Each refusal is written
next to the student's submitted folder, in ``submitted/<student>/.<assignment>-refused.json``
(nbgrader's globs skip dot files, so it is never taken for an assignment), and the sanitize
step (:class:`autograde.grading.preprocessors.FlagRefusedFiles`) turns each into a flag in
the student's autograded notebook: ``python -m autograde flags`` and the report list it.

The record has one list per source: ``collected`` (what the last collect of this submission
refused; replaced when it is collected again), ``grading`` (what the check before grading
removed from the submitted folder; emptied with it) and ``planted`` (folders this student
placed in the exchange under another student's name; kept).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

KINDS = ("collected", "grading", "planted")


def record_path(submitted_folder) -> Path:
    """The record of ``submitted/<student>/<assignment>``: a dot file beside that folder."""
    folder = Path(submitted_folder)
    return folder.parent / f".{folder.name}-refused.json"


def read(submitted_folder) -> dict[str, list[str]]:
    """The record (each kind a list of sentences; empty when there is none or it is unreadable)."""
    try:
        data = json.loads(record_path(submitted_folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return {kind: [str(reason) for reason in data.get(kind, [])] if isinstance(data, dict) else []
            for kind in KINDS}


def reasons(submitted_folder) -> list[str]:
    """Every refusal of a submission, once each, in the record's order."""
    return list(dict.fromkeys(reason for kind in KINDS for reason in read(submitted_folder)[kind]))


def note(submitted_folder, kind: str, found: list[str], *, replace: bool = False) -> None:
    """Add ``found`` to one kind of the record (``replace``: instead of what it held);
    ``collected`` replaced also empties ``grading`` (a new copy of the folder)."""
    data = read(submitted_folder)
    if replace and kind == "collected":
        data["grading"] = []
    data[kind] = list(found) if replace else list(dict.fromkeys(data[kind] + list(found)))
    path = record_path(submitted_folder)
    if not any(data.values()):
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)
