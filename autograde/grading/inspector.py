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
import subprocess
import sys
from pathlib import Path

from autograde.checker.evidence import PNG_MAX_BYTES

#: Seconds the inspector may take for one submission (four calls).
INSPECTOR_TIMEOUT = 180.0  # wall clock; its CPU time is limited by the sandbox (cpu_seconds)
#: Largest reply accepted from the inspector (bytes): the readings and four pictures.
MAX_REPLY = 2_000_000 + 4 * (PNG_MAX_BYTES * 4 // 3 + 4)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def main() -> int:
    """Process entry: evidence and the Axes to read on stdin, one reading per call on stdout (JSON)."""
    import matplotlib
    matplotlib.use("agg")
    from autograde.checker.evidence import shown_png
    from autograde.checker.unpickle import read_evidence

    request = json.loads(sys.stdin.buffer.read())
    readings = []
    for evidence, order in zip(request["evidence"], map(tuple, request["read"])):
        readings.append(read_evidence(evidence, order, show=lambda drawing: shown_png(drawing, order)))
    sys.stdout.write(json.dumps({"readings": readings}))
    return 0


def _checked_png(value):
    """A picture from the inspector, kept only when it is a PNG of bounded size (base64)."""
    if not isinstance(value, str) or len(value) > PNG_MAX_BYTES * 4 // 3 + 4:
        return None
    try:
        return value if base64.b64decode(value, validate=True).startswith(PNG_SIGNATURE) else None
    except (binascii.Error, ValueError):
        return None


def _failed_readings(count: int, why: str) -> list[dict]:
    return [{"status": "missing", "problem": f"the grader could not read this call's drawing ({why})",
             "flags": []} for _ in range(count)]


def inspect_evidence(evidence: list[dict], orders: list[tuple], sandbox=None) -> list[dict]:
    """Readings (one per evidence record, same order) made by a fresh inspector process.

    ``orders`` holds, for each record, the Axes to read (:func:`axes_to_read`). Each
    reading's ``png`` is the picture of what the caller sees (base64 PNG) or None.
    ``sandbox`` is the course's :class:`autograde.sandbox.Sandbox` settings; with
    None or ``enabled=False`` the inspector runs as a plain child process.
    """
    if not evidence:
        return []
    request = json.dumps({"evidence": evidence, "read": [list(order) for order in orders]}).encode()
    argv = [sys.executable, "-I", "-m", "autograde.grading.inspector"]
    package = str(Path(__file__).resolve().parents[1])  # autograde/: the checker too
    try:
        if sandbox is not None and sandbox.enabled:
            from autograde.sandbox import run_in_sandbox
            returncode, stdout, stderr, limit = run_in_sandbox(
                argv, input=request, timeout=INSPECTOR_TIMEOUT, readable=[package], settings=sandbox)
        else:
            process = subprocess.run(argv, input=request, capture_output=True, timeout=INSPECTOR_TIMEOUT)
            returncode, stdout, stderr, limit = process.returncode, process.stdout, process.stderr, None
    except subprocess.TimeoutExpired:
        return _failed_readings(len(evidence), f"the inspector took more than {INSPECTOR_TIMEOUT:g} s")
    if returncode != 0 or len(stdout) > MAX_REPLY:
        last = (stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
        why = f"inspector exit status {returncode}" + (f", {limit}" if limit else "") + (f": {last[0][:200]}" if last[0] else "")
        return _failed_readings(len(evidence), why)
    try:
        readings = json.loads(stdout)["readings"]
    except (ValueError, KeyError, TypeError):
        return _failed_readings(len(evidence), "its reply was not readable")
    if not isinstance(readings, list) or len(readings) != len(evidence) or not all(isinstance(r, dict) for r in readings):
        return _failed_readings(len(evidence), "its reply did not match the calls")
    for reading in readings:
        reading["png"] = _checked_png(reading.get("png"))
    return readings


if __name__ == "__main__":
    sys.exit(main())
