"""The inspector: reads what each call drew, in a process that never ran student code.

The grader (:func:`inspect_evidence`) sends the untrusted evidence of one submission, as
JSON, to a fresh fork of an inspector server (:mod:`autograde.sandbox.forkserver`:
``python -I -m autograde.grading.inspector`` in its own sandbox, no network, nothing
writable but a private /tmp, the sandbox's limits; matplotlib and the checker imported
once, before any evidence), with the Axes to read for each call (the policy's
:func:`autograde.checker.verdicts.axes_to_read`), and reads back, for each call,
what the drawing shows (:func:`autograde.checker.unpickle.read_evidence`) and
the figure as the caller sees it, drawn as a PNG
(:func:`autograde.checker.evidence.shown_png`: pixels, bounded in size, never
markup). The inspector only reads pictures; the verdicts and points are
computed by the grader from what it returns, against the data the grader
itself chose.

Unpickling happens only here, with the checker's restricted unpickler, so a
forged pickle can at worst be a genuine matplotlib figure; and as that
child holds nothing but one submission's evidence, and nothing it does outlives it
(the server's guarantees), even a flaw in the unpickler would not reach the
gradebook, the course or another student.
"""
from __future__ import annotations

import base64
import binascii
import json
import multiprocessing.util
import os
import resource
import signal
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
#: Largest reply accepted for one submission: its calls' (a submission is graded on four).
MAX_REPLIES = 16 * MAX_REPLY
#: The inspector servers of this process, by (pid, Python, sandbox settings).
_SERVERS: dict = {}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
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
    exception not get through (Python runs signal handlers between bytecodes only; the C
    unpickler runs none while it reads)."""
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


def answer(request: bytes, out) -> None:
    """Read one submission's evidence, ``{"evidence": [...], "read": [the Axes to read, per
    call], "cpu_seconds": budget}``, and write one line per call: ``{"reading": ...}`` (its
    ``png`` the picture of what the caller sees) or ``{"too_costly": true}``. Runs in a
    fresh fork of the inspector server, one per submission. After a drawing that may have
    changed this process (:func:`autograde.checker.fast_unpickle.marked`: a forged pickle read
    past what the checked unpickler refuses, a reading stopped midway), it reads no more and
    writes ``{"fresh_reader": true}``: the grader reads the rest in a fresh fork."""
    from autograde.checker.evidence import shown_png
    from autograde.checker.fast_unpickle import marked
    from autograde.checker.unpickle import read_evidence

    request = json.loads(request)
    for evidence, order in zip(request["evidence"], map(tuple, request["read"])):
        limits = _spend_at_most(float(request["cpu_seconds"]))
        try:
            reading = {"reading": read_evidence(
                evidence, order, show=lambda drawing, renders: shown_png(drawing, order, renders))}
        except DrawingTooCostly:
            reading = {"too_costly": True}
        finally:
            _disarm(limits)
        _say(reading)
        if marked():
            _say({"fresh_reader": True})
            return


def main(argv=None) -> int:
    """The inspector server: import what reading needs once, then serve each submission in a
    fork of itself (:func:`autograde.sandbox.forkserver.serve`). ``--wipe FOLDER``: the
    sandbox's scratch folder, emptied after each submission."""
    argv = sys.argv[1:] if argv is None else argv
    import matplotlib
    matplotlib.use("agg")
    from autograde.sandbox.forkserver import serve

    _warm_up()
    wipe = argv[argv.index("--wipe") + 1] if "--wipe" in argv else None
    return serve(answer, timeout=INSPECTOR_TIMEOUT, max_reply=MAX_REPLIES, wipe=wipe)


def _warm_up() -> None:
    """Draw and read a heatmap of the server's own, both ways it is called, before any evidence:
    what every reading loads on first use (modules imported lazily, fonts, matplotlib's
    caches) is then loaded once, in the server, instead of in every child."""
    from autograde.checker.evidence import collect, shown_png
    from autograde.checker.spec import EXPECTED_COLORBAR_LABEL, EXPECTED_TITLE, public_calls
    from autograde.checker.unpickle import read_evidence

    def heatmap(tokens, attention, ax=None):
        import matplotlib.pyplot as plt
        ax = ax if ax is not None else plt.subplots()[1]
        image = ax.imshow(attention, cmap="viridis")
        ax.set_xticks(range(len(tokens)), tokens, rotation=45)
        ax.set_yticks(range(len(tokens)), tokens)
        ax.figure.colorbar(image, ax=ax, label=EXPECTED_COLORBAR_LABEL)
        ax.set_title(EXPECTED_TITLE)
        return ax

    for call in public_calls():
        order = ("returned", "given", "current")
        read_evidence(collect(heatmap, call), order,
                      show=lambda drawing, renders: shown_png(drawing, order, renders))


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


def _server(sandbox):
    """This process's inspector server for these sandbox settings (started when first used)."""
    from autograde.sandbox.forkserver_client import ForkServer

    sandboxed = sandbox is not None and sandbox.enabled
    key = (os.getpid(), sys.executable, json.dumps(sandbox.as_dict(), sort_keys=True) if sandboxed else None)
    if key not in _SERVERS:
        argv = [sys.executable, "-I", "-m", "autograde.grading.inspector"] + (["--wipe", "/tmp"] if sandboxed else [])
        package = str(Path(__file__).resolve().parents[1])  # autograde/: the checker too
        _SERVERS[key] = ForkServer(argv, settings=sandbox if sandboxed else None, readable=[package],
                                   max_reply=MAX_REPLIES)
        if len(_SERVERS) == 1:
            multiprocessing.util.Finalize(None, close_servers, exitpriority=10)  # also in pool workers
    return _SERVERS[key]


def close_servers() -> None:
    """End this process's inspector servers (they end with it anyway; this is sooner)."""
    for key in [key for key in _SERVERS if key[0] == os.getpid()]:
        _SERVERS.pop(key).close()


def _run(evidence: list[dict], orders: list[tuple], sandbox, settings: Inspector):
    """One submission's evidence read by a fresh fork of the inspector server:
    ``(lines, exit status, last stderr line, limit)``; ``lines`` None when the server cannot
    start (it did not say it was ready: the grader's own machinery failed, e.g. the kit cannot
    be imported, never the student's drawing)."""
    from autograde.sandbox import CPU, TIMEOUT
    from autograde.sandbox.command import limit_from_status
    from autograde.sandbox.forkserver_client import ServerUnavailable

    request = json.dumps({"evidence": evidence, "read": [list(order) for order in orders],
                          "cpu_seconds": settings.cpu_seconds}).encode()
    try:
        reply = _server(sandbox).request(request, INSPECTOR_TIMEOUT)
    except ServerUnavailable as unavailable:
        return None, None, str(unavailable)[-300:], None
    lines = []
    for line in reply.output.splitlines():
        try:
            lines.append(json.loads(line) if len(line) <= MAX_REPLY else None)
        except ValueError:
            lines.append(None)
    last = reply.stderr.strip().splitlines()[-1:] or [""]
    sandboxed = sandbox is not None and sandbox.enabled
    # Outside a sandbox, SIGXCPU is the budget's own hard stop (_spend_at_most): the C unpickler
    # does not let the budget's timer interrupt it.
    limit = TIMEOUT if reply.timed_out else (
        limit_from_status(reply.status, reply.stderr.encode(), sandbox) if sandboxed
        else CPU if reply.status == 128 + signal.SIGXCPU else None)
    return lines, reply.status, last[0][:200], limit


def inspect_evidence(evidence: list[dict], sandbox=None, settings: Inspector | None = None,
                     orders: list[tuple] | None = None) -> list[dict]:
    """Readings (one per evidence record, same order) made by fresh inspector processes.

    ``orders`` holds, for each record, the Axes to read (:func:`axes_to_read`; None: the
    returned, the given, then the current one, for each). Each
    reading's ``png`` is the picture of what the caller sees (base64 PNG) or None.

    ``sandbox`` is the course's :class:`autograde.sandbox.Sandbox` settings; with None or
    ``enabled=False`` the inspector runs as a plain child process. A call whose drawing
    stops the inspector (its CPU budget, the sandbox's memory or time) fails, flagged, and
    the calls after it are read by a fresh inspector, as are those after a drawing that may
    have changed the inspector (it asks for a fresh one).

    Raises :class:`GraderFault` when the inspector cannot start: that is the grader's own
    machinery failing, and no student may be graded by it.
    """
    from autograde.sandbox import CPU, MEMORY, TIMEOUT

    settings = settings or Inspector()
    orders = orders or [("returned", "given", "current")] * len(evidence)
    readings: list[dict] = []
    while len(readings) < len(evidence):
        lines, returncode, last, limit = _run(evidence[len(readings):], orders[len(readings):], sandbox, settings)
        if lines is None:  # ``last`` says how it ended and what it wrote
            raise GraderFault(f"the inspector, which reads the drawings, could not start ({last})")
        # a fresh fork for the rest, when asked after at least one reading (never a loop)
        fresh = len(lines) > 1 and lines[-1] == {"fresh_reader": True}
        for line in lines[:-1] if fresh else lines:
            if isinstance(line, dict) and line.get("too_costly"):
                readings.append(_too_costly(settings, f"more than {settings.cpu_seconds:g} s of CPU"))
            elif isinstance(line, dict) and isinstance(line.get("reading"), dict):
                readings.append(dict(line["reading"], png=_checked_png(line["reading"].get("png"))))
            else:
                readings.append(_failed_reading("the grader could not read this call's drawing (its reading "
                                                "was not in the expected form)", "an unreadable reading"))
        if len(readings) < len(evidence) and not fresh:  # it stopped while reading the next call
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
