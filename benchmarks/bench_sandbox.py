"""What does the grading sandbox cost? The challenge solution run with it on and off.

    python benchmarks/bench_sandbox.py [--n 10]

Runs the instructor's challenge notebook (``solutions/challenge/04_challenge.ipynb``,
beside its ``heatmap_check.py``, copied into a throwaway student folder) with
nbclient through ``SandboxedExecute``, ``--n`` times in each of three modes, taking
turns (in a rotating order) after one warm-up run of each, all in this one process:

* sandbox on;
* sandbox off, as nbgrader runs a kernel (it inherits the grader's environment);
* sandbox off with one BLAS/OpenMP thread, as the sandbox sets it: the difference
  to "on" is the cost of the sandbox itself (bwrap, launcher, scratch copy,
  watchdog), the difference to "off" what the thread setting saves.

Printed per notebook: CPU seconds (this process plus its child processes, kernels
included) and wall seconds, median and mean, and the CPU ratios. Issue 9's
target: the sandbox costs at most 15 % CPU per submission.

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

from autograde.grading.preprocessors.sandboxed_execute import SandboxedExecute

REPO = Path(__file__).resolve().parents[1]

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


ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
MODES = {"sandbox on": (True, {}), "sandbox off": (False, {}),
         "off, 1 BLAS thread": (False, ONE_THREAD)}


def run_once(mode: str, folder: Path) -> tuple[float, float]:
    """Execute the challenge notebook once in ``mode``; (CPU seconds, wall seconds)."""
    sandboxed, environment = MODES[mode]
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)  # an unsandboxed kernel inherits this process's
    try:
        return _run(sandboxed, folder)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def _run(sandboxed: bool, folder: Path) -> tuple[float, float]:
    config = Config()
    config.Sandbox.enabled = sandboxed
    # A fresh sandbox per kernel: the cost of the sandbox itself. (A warm template's kernels are
    # reaped by its server inside the sandbox, so their CPU would never reach RUSAGE_CHILDREN;
    # bench_grading.py measures them with the machine's CPU.)
    config.Sandbox.warm_kernels = False
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
        results = {mode: [] for mode in MODES}
        for mode in MODES:  # warm-up: font cache, sandbox probe, imports
            run_once(mode, folder)
        order = list(MODES)
        for index in range(args.n):
            for mode in order[index % 3:] + order[:index % 3]:
                results[mode].append(run_once(mode, folder))
                print(".", end="", flush=True)
        print()

    print(f"{NOTEBOOK.relative_to(REPO)}, {args.n} runs per mode, taking turns "
          f"({os.cpu_count()} cores, {'root' if os.geteuid() == 0 else 'normal user'})")
    print(f"{'':20}{'CPU s median':>14}{'CPU s mean':>12}{'wall s median':>15}")
    for mode, runs in results.items():
        cpu, wall = [c for c, _ in runs], [w for _, w in runs]
        print(f"{mode:20}{statistics.median(cpu):14.3f}{statistics.mean(cpu):12.3f}"
              f"{statistics.median(wall):15.3f}")
    on, off, off_one = (statistics.median(c for c, _ in results[mode]) for mode in MODES)
    print(f"CPU ratio on / off (nbgrader's kernel): {on / off:.3f} ({(on / off - 1) * 100:+.1f} %;"
          f" target: at most +15 %)")
    print(f"CPU ratio on / off with 1 BLAS thread (the sandbox alone): {on / off_one:.3f} "
          f"({(on / off_one - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    main()
