"""The inspector: reads what each call drew, in a process that never ran student code.

The grader (:func:`inspect_evidence`) starts ``python -I -m autograde.grading.inspector``
in its own sandbox (no network, nothing writable but a private /tmp, the
sandbox's limits), writes the untrusted evidence of one submission to its
stdin as JSON, and reads back, for each call, what the drawing shows
(:func:`autograde.checker.unpickle.read_evidence`). The inspector only reads
pictures; the verdicts and points are computed by the grader from what it
returns, against the data the grader itself chose.

Unpickling happens only here, with the checker's restricted unpickler, so a
forged pickle can at worst be a genuine matplotlib figure; and as this
process holds nothing but one submission's evidence, even a flaw in the
unpickler would not reach the gradebook, the course or another student.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Seconds the inspector may take for one submission (four calls).
INSPECTOR_TIMEOUT = 180.0  # wall clock; its CPU time is limited by the sandbox (cpu_seconds)
#: Largest reply accepted from the inspector (bytes).
MAX_REPLY = 2_000_000


def main() -> int:
    """Process entry: evidence list on stdin, one reading per call on stdout (JSON)."""
    import matplotlib
    matplotlib.use("agg")
    from autograde.checker.unpickle import read_evidence

    request = json.loads(sys.stdin.buffer.read())
    readings = [read_evidence(evidence) for evidence in request["evidence"]]
    sys.stdout.write(json.dumps({"readings": readings}))
    return 0


def _failed_readings(count: int, why: str) -> list[dict]:
    return [{"status": "missing", "problem": f"the grader could not read this call's drawing ({why})",
             "flags": []} for _ in range(count)]


def inspect_evidence(evidence: list[dict], sandbox=None) -> list[dict]:
    """Readings (one per evidence record, same order) made by a fresh inspector process.

    ``sandbox`` is the course's :class:`autograde.sandbox.Sandbox` settings; with
    None or ``enabled=False`` the inspector runs as a plain child process.
    """
    if not evidence:
        return []
    request = json.dumps({"evidence": evidence}).encode()
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
    return readings


if __name__ == "__main__":
    sys.exit(main())
