"""Where a submission's CPU goes: ``python -m autograde grade`` in one process, phase by phase.

    python benchmarks/grading_phases.py --n 10

Runs the real grading run (:class:`autograde.term.class_grading.ClassGrader`: the
canary, nbgrader's conversion, the sandboxed kernels, the inspector, the gradebook,
the exports) with one worker that lives in this process instead of a pool, so that
one clock sees every step. The clock counts the CPU time of this process and of all
its descendants, living or ended (:func:`tree_cpu_seconds`: the sandboxed kernel and
the inspector are grandchildren nobody here waits for, so ``getrusage`` alone would
miss them), charged to the phase in progress; other work on the machine does not
count. ``--machine`` uses the whole machine's busy time (``/proc/stat``) instead, as
``bench_grading.py`` does: the same figures on an idle machine. Next to each phase's CPU,
its wall time and what of it was waiting (wall beyond CPU): a worker's waits are time its
core is idle, which more CPU cannot buy back.

Nothing is replaced: the phases are marked by wrapping the kit's, nbgrader's and
nbclient's own functions. The inspector's own split (its start, unpickling, each
draw, the reading checks) cannot be seen from outside its sandbox; after each
submission, with the clock stopped, the same evidence is read again in this
process, where the split can be measured, and the inspector's start is what its
process cost beyond that.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grading import _course, _machine_cpu_seconds  # noqa: E402

#: The table's rows, in the order a submission meets them; the last ones are per run.
PER_SUBMISSION = ["nbgrader: prepare (main process)", "nbgrader: conversion (worker)", "sandbox set-up",
                  "kernel start to ready", "the notebook's cells", "the four grading calls",
                  "kernel stop, sandbox end", "inspector: its process, beyond the reading", "unpickling",
                  "draw: the figure", "draw: again, the texts hidden", "draw: the shown PNG",
                  "reading checks", "judging", "nbgrader: save, writes (main process)"]
PER_RUN = ["worker start", "canary (the instructor's solution)", "run set-up", "exports and report"]


def tree_cpu_seconds(spent_reading: list) -> float:
    """CPU seconds of this process and all its descendants, living or ended: this process's and
    its waited-for children's (``getrusage``), plus each living descendant's own and its
    waited-for children's (``/proc/<pid>/stat``). This process adopts orphans (the run makes it
    a subreaper), and a sandbox's init waits for its own. What reading ``/proc`` costs is added
    to ``spent_reading[0]``, for the caller to leave out."""
    started = time.process_time()
    from autograde.sandbox.forkserver import process_stats

    parents, times = {}, {}
    for pid, fields in process_stats():
        parents.setdefault(int(fields[1]), []).append(pid)
        times[pid] = sum(map(int, fields[11:15]))  # utime stime cutime cstime
    living, todo = 0, list(parents.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        living += times.get(pid, 0)
        todo += parents.get(pid, [])
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    spent_reading[0] += time.process_time() - started
    return (own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
            + living / os.sysconf("SC_CLK_TCK"))


class PhaseClock:
    """CPU seconds charged to the innermost phase in progress: of the whole machine (``/proc/stat``,
    for an idle machine) or of this process's tree (:func:`tree_cpu_seconds`, on a busy one)."""

    def __init__(self, tree: bool = True):
        self.totals: dict[str, float] = defaultdict(float)
        self.stack = ["run set-up"]
        self.wholes: set[str] = set()
        self.spent_reading = [0.0]
        self.read = (lambda: tree_cpu_seconds(self.spent_reading) - self.spent_reading[0]) if tree \
            else _machine_cpu_seconds
        self.last = self.read()
        self.wall: dict[str, float] = defaultdict(float)  # the same phases' wall time: CPU + waiting
        self.wall_last = time.perf_counter()

    def _charge(self):
        now, wall_now = self.read(), time.perf_counter()
        self.totals[self.stack[-1]] += now - self.last
        self.wall[self.stack[-1]] += wall_now - self.wall_last
        self.last, self.wall_last = now, wall_now

    @contextlib.contextmanager
    def phase(self, name: str, whole: bool = False):
        """Charge what follows to ``name``; with ``whole``, also what its inner phases do."""
        self._charge()
        inside_whole = self.stack[-1] if self.stack[-1] in self.wholes else None
        if whole:
            self.wholes.add(name)
        self.stack.append(inside_whole or name)
        try:
            yield
        finally:
            self._charge()
            self.stack.pop()

    def wrap(self, owner, attribute: str, name):
        """Charge every call of ``owner.attribute`` to ``name`` (or ``name(*args)``, a function)."""
        original = getattr(owner, attribute)
        clock = self

        def chosen(args, kwargs):
            return name(*args, **kwargs) if callable(name) else name

        if inspect.iscoroutinefunction(original):
            @functools.wraps(original)
            async def wrapped(*args, **kwargs):
                with clock.phase(chosen(args, kwargs)):
                    return await original(*args, **kwargs)
        else:
            @functools.wraps(original)
            def wrapped(*args, **kwargs):
                with clock.phase(chosen(args, kwargs)):
                    return original(*args, **kwargs)
        setattr(owner, attribute, wrapped)


class InlinePool:
    """A worker pool of one worker, this process: the pool's interface, the worker's code."""

    def __init__(self, size, initializer, initargs, log=None, after_close=None):
        root, assignment, snapshot, config, _log_path = initargs
        self._initialize = lambda: initializer(root, assignment, snapshot, config, None)  # stderr stays here
        self._started = False
        self._after_close = after_close

    def start(self):
        if not self._started:
            self._initialize()
            self._started = True

    def run(self, function, argument_lists, stop=lambda: False):
        self.start()
        for arguments in argument_lists:
            if stop():
                return
            yield arguments, function(*arguments)

    def terminate(self):
        pass

    def close(self):
        if self._after_close:
            self._after_close()


def instrument(clock: PhaseClock) -> None:
    """Mark the phases on the kit's, nbgrader's and nbclient's own functions."""
    from nbclient import NotebookClient

    from autograde.checker import evidence, seen, unpickle
    from autograde.grading import nbgrader_adapter
    from autograde.grading.preprocessors import grade_from_evidence
    from autograde.grading.protocol import EVIDENCE_CELL_KEY
    from autograde.sandbox import kernel, kernel_template_client
    from autograde.term import class_grading, worker, worker_pool

    worker_pool.WorkerPool = InlinePool
    steps = nbgrader_adapter.AutogradeSteps
    clock.wrap(worker, "init_worker", "worker start")
    clock.wrap(steps, "prepare", "nbgrader: prepare (main process)")
    clock.wrap(steps, "sanitize_and_execute", "nbgrader: conversion (worker)")
    clock.wrap(steps, "save", "nbgrader: save, writes (main process)")
    clock.wrap(steps, "finish", "nbgrader: save, writes (main process)")
    clock.wrap(kernel.KernelSandbox, "__init__", "sandbox set-up")
    clock.wrap(kernel_template_client.KernelTemplate, "sandbox_for", "sandbox set-up")
    for name in ("end", "copy_back", "close"):
        clock.wrap(kernel.KernelSandbox, name, "kernel stop, sandbox end")
    # nbconvert's ExecutePreprocessor calls nbclient's synchronous methods
    clock.wrap(NotebookClient, "start_new_kernel", "kernel start to ready")
    clock.wrap(NotebookClient, "start_new_kernel_client", "kernel start to ready")
    clock.wrap(NotebookClient, "_cleanup_kernel", "kernel stop, sandbox end")
    clock.wrap(NotebookClient, "execute_cell", lambda self, cell, *a, **k: (
        "the four grading calls" if cell.metadata.get(EVIDENCE_CELL_KEY) else "the notebook's cells"))
    clock.wrap(grade_from_evidence, "judge_call", "judging")
    clock.wrap(class_grading, "export_and_report", "exports and report")
    # The canary is the ReferenceTask's grade_notebook call.
    original_grade = worker.grade_notebook

    def grade_notebook(task):
        name = "canary (the instructor's solution)" if isinstance(task, worker.ReferenceTask) else None
        with clock.phase(name, whole=True) if name else contextlib.nullcontext():
            return original_grade(task)
    worker.grade_notebook = grade_notebook  # looked up when the run starts its pool

    # The inspector: its whole process from here; its split read again in this process.
    original_inspect = grade_from_evidence.inspect_evidence

    def inspect_evidence(evidences, settings, inspector_settings, orders=None):
        with clock.phase("inspector: its process, beyond the reading"):
            readings = original_inspect(evidences, settings, inspector_settings, orders=orders)
            if clock.stack[-1] in clock.wholes:  # the canary: counted whole, not split
                return readings
            spent_before = [sum(kind[name] for name in INSPECTOR_SPLIT) for kind in (clock.totals, clock.wall)]
            with clock.phase("(read again)"):
                _read_again(evidences, orders)
            clock._charge()
            split = [sum(kind[name] for name in INSPECTOR_SPLIT) - before
                     for kind, before in zip((clock.totals, clock.wall), spent_before)]
        # the process cost what it cost: what the split shows is moved out of its start
        clock.totals["inspector: its process, beyond the reading"] -= split[0]
        clock.wall["inspector: its process, beyond the reading"] -= split[1]
        return readings
    grade_from_evidence.inspect_evidence = inspect_evidence

    def _read_again(evidences, orders):
        for record, order in zip(evidences, orders or [None] * len(evidences)):
            order = tuple(order) if order else ("returned", "given", "current")
            unpickle.read_evidence(record, order,
                                   show=lambda drawing, renders: evidence.shown_png(drawing, order, renders))

    clock.wrap(unpickle, "load_drawing", "unpickling")
    clock.wrap(seen.SeenRender, "render", "draw: the figure")
    clock.wrap(seen.SeenRender, "redrawn_without", "draw: again, the texts hidden")
    clock.wrap(evidence, "shown_png", "draw: the shown PNG")
    clock.wrap(unpickle, "read_evidence", "reading checks")  # what the reading spends besides the above


#: Where the inspector's process time goes, as measured by reading the same evidence again.
INSPECTOR_SPLIT = ["unpickling", "draw: the figure", "draw: again, the texts hidden", "draw: the shown PNG",
                   "reading checks"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10, help="number of submissions (default 10)")
    parser.add_argument("--machine", action="store_true",
                        help="the whole machine's CPU (/proc/stat; an idle machine) instead of this process "
                             "tree's (the default: other work on the machine does not count)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course")
    args = parser.parse_args(argv)
    print(phase_table(args.n, keep=args.keep, tree=not args.machine))
    return 0


def phase_table(n: int, keep: bool = False, tree: bool = True) -> str:
    """Grade ``n`` submissions in this process and return the table of CPU by phase."""
    from autograde.term.class_grading import grade_class

    scratch = Path(tempfile.mkdtemp(prefix="bench-phases-"))
    try:
        course = _course(scratch / "course", n)
        cwd = os.getcwd()
        clock = PhaseClock(tree)
        instrument(clock)
        start = time.perf_counter()
        try:
            summary = grade_class(course, "challenge", jobs=1, progress=False, feedback=False)
        finally:
            os.chdir(cwd)
        clock._charge()
        wall = time.perf_counter() - start
        clock.totals.pop("(read again)", None)
        graded = len(summary.graded)
        lines = [f"{n} submissions ({graded} graded), one worker in this process, {os.cpu_count()} cores; "
                 f"{wall:.1f} s wall; load average at the end {os.getloadavg()[0]:.2f}; CPU of "
                 f"{'this process tree' if tree else 'the whole machine'}",
                 "", "| phase | CPU s per submission | share | wall s | of which waiting |",
                 "|---|---:|---:|---:|---:|"]
        per_submission = sum(clock.totals[name] for name in PER_SUBMISSION) / n
        wall_per_submission = sum(clock.wall[name] for name in PER_SUBMISSION) / n
        for name in PER_SUBMISSION:
            value, wall = clock.totals[name] / n, clock.wall[name] / n
            lines.append(f"| {name} | {value:.3f} | {100 * value / per_submission:.0f}% | {wall:.3f} "
                         f"| {max(0.0, wall - value):.3f} |")
        lines.append(f"| **per submission** | **{per_submission:.3f}** | | **{wall_per_submission:.3f}** | |")
        lines += ["", "| once per run | CPU s |", "|---|---:|"]
        lines += [f"| {name} | {clock.totals[name]:.2f} |" for name in PER_RUN]
        unknown = set(clock.totals) - set(PER_SUBMISSION) - set(PER_RUN)
        if unknown:
            lines.append(f"(also: {', '.join(f'{name} {clock.totals[name]:.2f}' for name in sorted(unknown))})")
        return "\n".join(lines)
    finally:
        if keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
