"""A submitted file that is not a notebook: said in the instructor's words, on both grading paths.

A student can hand in anything under the notebook's name: a half-saved file, a PDF renamed, a
JSON list. nbformat then raises whatever its parser meets (``NotJSONError``, ``AttributeError``,
a schema error), and nbgrader logs the traceback and stops with exit status 1. This exporter is
nbgrader's own ``NotebookExporter`` (``c.Autograde.exporter_class`` in ``nbgrader_config.py``,
so plain ``nbgrader autograde`` and ``python -m autograde grade`` both use it) with one check
before nbformat reads the file: is it JSON, an object with ``nbformat`` and a list of ``cells``,
and a valid notebook? If not, :class:`UnreadableSubmission` says so with the fix ("ask the
student to hand in the notebook again"), the student is not graded (never 0), and nbgrader's
log keeps that one line instead of a traceback.
"""
from __future__ import annotations

import json
import logging
import warnings

from nbconvert.exporters import NotebookExporter

ASK_AGAIN = "ask the student to hand in the notebook again"


class UnreadableSubmission(Exception):
    """The submitted file is not a notebook; the message is for the instructor."""


def unreadable_reason(path) -> str | None:
    """Why the file at ``path`` is not a notebook nbgrader can grade, or None when it is one."""
    import nbformat

    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except UnicodeDecodeError:
        return "the file is not a notebook (not text)"
    except ValueError as exc:
        return f"the file is not a notebook (not valid JSON: {str(exc)[:80]})"
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int) or \
            not isinstance(data.get("cells", []), list):
        return "the file is not a notebook (JSON, but without a notebook's nbformat and cells)"
    try:
        with warnings.catch_warnings():  # nbformat's warnings on old but valid notebooks are not ours to say
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.convert(nbformat.from_dict(data), 4))
    except Exception as exc:  # nbformat raises many kinds on a damaged notebook
        return f"the file is not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
    return None


class _DropItsTraceback(logging.Filter):
    """nbgrader logs a traceback for every failed submission; for this one, the message says it all."""

    def filter(self, record) -> bool:
        return "UnreadableSubmission:" not in str(record.msg)


class SubmissionExporter(NotebookExporter):
    """nbgrader's notebook exporter, refusing a file that is not a notebook with a clear reason."""

    def from_filename(self, filename, resources=None, **kwargs):
        reason = unreadable_reason(filename)
        if reason:
            log = getattr(self.parent, "log", None)
            if log is not None:
                if not any(isinstance(f, _DropItsTraceback) for f in log.filters):
                    log.addFilter(_DropItsTraceback())
                log.error("%s: %s; %s", filename, reason, ASK_AGAIN)
            raise UnreadableSubmission(f"{reason}; {ASK_AGAIN}")
        return super().from_filename(filename, resources=resources, **kwargs)
