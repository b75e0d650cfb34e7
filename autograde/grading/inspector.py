"""The inspector: reads what each call drew, in a process that never ran student code.

The grader (:func:`inspect_evidence`) starts ``python -I -m autograde.grading.inspector``
in its own sandbox (no network, nothing writable but a private /tmp, the
sandbox's limits), writes the untrusted evidence of one submission to its
stdin as JSON, with the Axes to read for each call (the policy's
:func:`autograde.checker.verdicts.axes_to_read`), and reads back, for each call,
what the drawing shows (:func:`autograde.checker.unpickle.read_evidence`) and
the figure as the caller sees it, drawn as a PNG
(:func:`autograde.checker.evidence.shown_png`: pixels, bounded in size, never
markup). The inspector only reads pictures; the verdicts and points are
computed by the grader from what it returns, against the data the grader
itself chose.

Unpickling happens only here, with the checker's restricted unpickler, so a
forged pickle can at worst be a genuine matplotlib figure; and as this
process holds nothing but one submission's evidence, even a flaw in the
unpickler would not reach the gradebook, the course or another student.
"""
from __future__ import annotations

import base64
import binascii
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

from traitlets import Float
from traitlets.config import Configurable

from autograde.checker.evidence import PNG_MAX_BYTES
from autograde.grading.protocol import GraderFault

#: Seconds one inspector process may take in all (wall clock): the backstop behind the CPU
#: budget per call (c.Inspector.cpu_seconds) and the sandbox's own limits.
INSPECTOR_TIMEOUT = 180.0
#: Longest picture accepted from the inspector (its base64 text).
PNG_MAX_BASE64 = PNG_MAX_BYTES * 4 // 3 + 4
#: Largest reply accepted from the inspector for one call (bytes): its reading and its picture.
MAX_REPLY = 2_000_000 + PNG_MAX_BASE64
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The inspector's first line: it started and imported what it reads with. Without it, the
#: grader's own machinery failed (e.g. the kit cannot be imported), never the student's drawing.
READY = {"ready": True}
#: CPU seconds past the budget before the hard stop (SIGXCPU) when the budget's own timer
#: could not interrupt (a long step inside C code).
HARD_STOP_SLACK = 5


class Inspector(Configurable):
    """Settings of the inspector (``c.Inspector.<name>`` in ``nbgrader_config.py``)."""

    cpu_seconds = Float(20.0, help=(
        "CPU seconds the inspector may spend reading the drawing one call sent back "
        "(unpickling, checking, rendering it). An honest heatmap takes well under a second; "
        "past the budget the call fails with 'the drawing sent back was too costly to read' "
        "and the submission is flagged.")).tag(config=True)


class DrawingTooCostly(BaseException):
    """The drawing's CPU budget is spent (a BaseException: no reader's ``except Exception``
    may take it for a mere unreadable figure)."""


def _spend_at_most(seconds: float):
    """Arm the budget for one call: a CPU timer that raises :class:`DrawingTooCostly`, and a
    soft RLIMIT_CPU a little later that stops the process (SIGXCPU) should the timer's
    exception not get through (Python runs signal handlers between bytecodes only)."""
    def spent(signum, frame):
        raise DrawingTooCostly()

    signal.signal(signal.SIGPROF, spent)
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    stop = int(used.ru_utime + used.ru_stime + seconds + HARD_STOP_SLACK) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (stop if hard == resource.RLIM_INFINITY else min(stop, hard), hard))
    signal.setitimer(signal.ITIMER_PROF, seconds)
    return soft, hard


def _disarm(limits) -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    resource.setrlimit(resource.RLIMIT_CPU, limits)


def _say(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()  # the grader knows how far it got even if a later call stops the process


def main() -> int:
    """Process entry: ``{"evidence": [...], "read": [the Axes to read, per call], "cpu_seconds":
    budget}`` on stdin; on stdout :data:`READY`, then one line per call: ``{"reading": ...}``
    (its ``png`` the picture of what the caller sees) or ``{"too_costly": true}``."""
    import matplotlib
    matplotlib.use("agg")
    from autograde.checker.evidence import shown_png
    from autograde.checker.unpickle import read_evidence

    _say(READY)
    request = json.loads(sys.stdin.buffer.read())
    for evidence, order in zip(request["evidence"], map(tuple, request["read"])):
        limits = _spend_at_most(float(request["cpu_seconds"]))
        try:
            reading = {"reading": read_evidence(evidence, order, show=lambda drawing, renders: shown_png(drawing, order, renders))}
        except DrawingTooCostly:
            reading = {"too_costly": True}
        finally:
            _disarm(limits)
        _say(reading)
    return 0


def _checked_png(value):
    """A picture from the inspector, kept only when it is a PNG of bounded size (base64)."""
    if not isinstance(value, str) or len(value) > PNG_MAX_BASE64:
        return None
    try:
        return value if base64.b64decode(value, validate=True).startswith(PNG_SIGNATURE) else None
    except (binascii.Error, ValueError):
        return None


def _failed_reading(problem: str, flag: str | None = None) -> dict:
    return {"status": "returned", "problem": problem, "flags": [flag] if flag else []}


def _too_costly(settings: Inspector, why: str) -> dict:
    return _failed_reading(
        f"the drawing sent back was too costly to read ({why}): draw one heatmap, with "
        f"matplotlib's own artists",
        f"the drawing sent back for a call was too costly to read ({why}; c.Inspector.cpu_seconds)")


def _run(evidence: list[dict], orders: list[tuple], sandbox, settings: Inspector):
    """One inspector process on ``evidence``: ``(lines, returncode, last stderr line, limit)``."""
    request = json.dumps({"evidence": evidence, "read": [list(order) for order in orders],
                          "cpu_seconds": settings.cpu_seconds}).encode()
    argv = [sys.executable, "-I", "-m", "autograde.grading.inspector"]
    package = str(Path(__file__).resolve().parents[1])  # autograde/: the checker too
    if sandbox is not None and sandbox.enabled:
        from autograde.sandbox import run_in_sandbox
        returncode, stdout, stderr, limit = run_in_sandbox(
            argv, input=request, timeout=INSPECTOR_TIMEOUT, readable=[package], settings=sandbox)
    else:
        try:
            process = subprocess.run(argv, input=request, capture_output=True, timeout=INSPECTOR_TIMEOUT)
            returncode, stdout, stderr, limit = process.returncode, process.stdout, process.stderr, None
        except subprocess.TimeoutExpired as expired:
            from autograde.sandbox import TIMEOUT
            returncode, stdout, stderr, limit = -9, expired.stdout or b"", expired.stderr or b"", TIMEOUT
    lines = []
    for line in stdout.splitlines():
        try:
            lines.append(json.loads(line) if len(line) <= MAX_REPLY else None)
        except ValueError:
            lines.append(None)
    last = (stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
    return lines, returncode, last[0][:200], limit


def inspect_evidence(evidence: list[dict], sandbox=None, settings: Inspector | None = None,
                     orders: list[tuple] | None = None) -> list[dict]:
    """Readings (one per evidence record, same order) made by fresh inspector processes.

    ``orders`` holds, for each record, the Axes to read (:func:`axes_to_read`; None: the
    returned, the given, then the current one, for each). Each
    reading's ``png`` is the picture of what the caller sees (base64 PNG) or None.

    ``sandbox`` is the course's :class:`autograde.sandbox.Sandbox` settings; with None or
    ``enabled=False`` the inspector runs as a plain child process. A call whose drawing
    stops the inspector (its CPU budget, the sandbox's memory or time) fails, flagged, and
    the calls after it are read by a fresh inspector.

    Raises :class:`GraderFault` when the inspector cannot start: that is the grader's own
    machinery failing, and no student may be graded by it.
    """
    from autograde.sandbox import CPU, MEMORY, TIMEOUT

    settings = settings or Inspector()
    orders = orders or [("returned", "given", "current")] * len(evidence)
    readings: list[dict] = []
    while len(readings) < len(evidence):
        lines, returncode, last, limit = _run(evidence[len(readings):], orders[len(readings):], sandbox, settings)
        if not lines or lines[0] != READY:
            raise GraderFault(f"the inspector, which reads the drawings, could not start (exit status "
                              f"{returncode}{', ' + limit if limit else ''}{': ' + last if last else ''})")
        for line in lines[1:]:
            if isinstance(line, dict) and line.get("too_costly"):
                readings.append(_too_costly(settings, f"more than {settings.cpu_seconds:g} s of CPU"))
            elif isinstance(line, dict) and isinstance(line.get("reading"), dict):
                readings.append(dict(line["reading"], png=_checked_png(line["reading"].get("png"))))
            else:
                readings.append(_failed_reading("the grader could not read this call's drawing (its reading "
                                                "was not in the expected form)", "an unreadable reading"))
        if len(readings) < len(evidence):  # the process stopped while reading the next call
            if limit in (CPU, TIMEOUT):
                readings.append(_too_costly(settings, f"more than {settings.cpu_seconds:g} s of CPU"))
            elif limit == MEMORY:
                readings.append(_too_costly(settings, f"more than the sandbox's {sandbox.memory_mb} MB"
                                            if sandbox is not None else "more memory than allowed"))
            else:
                readings.append(_failed_reading(
                    f"the drawing sent back stopped the program that reads it (exit status {returncode})",
                    f"evidence stopped the inspector (exit status {returncode}{': ' + last if last else ''})"))
    return readings[:len(evidence)]


if __name__ == "__main__":
    sys.exit(main())
