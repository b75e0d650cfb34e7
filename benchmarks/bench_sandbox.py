"""What does the grading sandbox cost? The challenge solution run with it on and off.

    python benchmarks/bench_sandbox.py [--n 10]

Runs the instructor's challenge notebook (``solutions/challenge/04_challenge.ipynb``,
beside its ``heatmap_check.py``, copied into a throwaway student folder) with
nbclient through ``SandboxedExecute``, ``--n`` times with the sandbox on and
``--n`` times with it off, taking turns (on/off, then off/on, ...) after one
warm-up run of each, all in this one process. Printed per notebook: CPU seconds
(this process plus its child processes, kernels included) and wall seconds,
median and mean, and the ratio on/off. Issue 9's target: the sandbox costs at most
15 % CPU per submission.

A sandboxed kernel is a grandchild of bwrap's own init process, which bwrap does
not wait for: its CPU time would never reach this process's ``RUSAGE_CHILDREN``.
This process therefore makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``)
and reaps those orphans after each run, so both modes are counted the same way.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from traitlets.config import Config

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograde.preprocessors.sandboxed_execute import SandboxedExecute  # noqa: E402

CHALLENGE = REPO / "solutions" / "challenge"
NOTEBOOK = CHALLENGE / "04_challenge.ipynb"
PR_SET_CHILD_SUBREAPER = 36


def _cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _reap_orphans(wait: float = 2.0) -> None:
    """Wait for the processes re-parented to this subreaper (bwrap's init)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            time.sleep(0.01)


def run_once(sandboxed: bool, folder: Path) -> tuple[float, float]:
    """Execute the challenge notebook once; (CPU seconds, wall seconds)."""
    config = Config()
    config.Sandbox.enabled = sandboxed
    config.Execute.timeout = 60
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cpu, wall = _cpu_seconds(), time.perf_counter()
    executed, resources = SandboxedExecute(config=config).preprocess(
        notebook, {"metadata": {"path": str(folder)}})
    _reap_orphans()
    cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    failed = [c for c in executed.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    if failed or resources["sandbox"]["sandboxed"] is not sandboxed:
        sys.exit(f"the solution did not run cleanly (sandboxed={sandboxed}): "
                 f"{failed[0].outputs if failed else resources['sandbox']}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10, help="runs per mode (default 10)")
    args = parser.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cannot become a child subreaper: the sandboxed kernels' CPU would be missed")

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        folder = Path(scratch) / "student"
        shutil.copytree(CHALLENGE, folder, ignore=shutil.ignore_patterns("__pycache__"))
        results = {True: [], False: []}
        for sandboxed in (True, False):  # warm-up: font cache, sandbox probe, imports
            run_once(sandboxed, folder)
        for index in range(args.n):
            for sandboxed in ((True, False) if index % 2 == 0 else (False, True)):
                results[sandboxed].append(run_once(sandboxed, folder))
                print(".", end="", flush=True)
        print()

    print(f"{NOTEBOOK.relative_to(REPO)}, {args.n} runs per mode, taking turns "
          f"({os.cpu_count()} cores, {'root' if os.geteuid() == 0 else 'normal user'})")
    print(f"{'':14}{'CPU s median':>14}{'CPU s mean':>12}{'wall s median':>15}")
    for sandboxed, label in ((False, "sandbox off"), (True, "sandbox on")):
        cpu = [c for c, _ in results[sandboxed]]
        wall = [w for _, w in results[sandboxed]]
        print(f"{label:14}{statistics.median(cpu):14.3f}{statistics.mean(cpu):12.3f}"
              f"{statistics.median(wall):15.3f}")
    on = statistics.median(c for c, _ in results[True])
    off = statistics.median(c for c, _ in results[False])
    print(f"CPU ratio on/off (medians): {on / off:.3f} ({(on / off - 1) * 100:+.1f} %; "
          f"target: at most +15 %)")


if __name__ == "__main__":
    main()
