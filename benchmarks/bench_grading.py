"""Benchmark: grade N synthetic submissions several ways in one run and compare.

    python benchmarks/bench_grading.py --n 40 [--jobs J] [--turns K]

0. plain ``nbgrader autograde challenge`` without the kit (nbgrader's own
   preprocessors: the notebook in a plain kernel, no sandbox, no grading calls):
   the floor the kit is compared with;
1. sequential ``nbgrader autograde challenge`` (the documented path: one
   process, one submission after another, each in the sandbox);
2. ``python -m autograde grade --no-feedback`` (parallel workers, sandboxed);
3. the same with ``--no-sandbox``, to price the sandbox;
4. ``python -m autograde grade`` again on (2), which only writes the feedback.

With ``--turns K``, (0) and (2) run K times each, taking turns, each time on a fresh copy of the
course: the machine's speed drifts from minute to minute (plain nbgrader's wall time moved by a
seventh between runs of the same hour), so the comparison with plain nbgrader is each turn's
ratio and their median, not one pair's.

``--kit-only`` runs (2) and (4) alone, for a large class (``--n 1000``): then it also
prints the peak memory (the largest process's, and the machine's memory in use above
its level at the start) and the pace through the run, from the run journal's graded
submissions counted every few seconds (a part that grew faster than the class would
slow the last quarter down).

Each way runs in its own throwaway copy of the course (the repository is not
touched), with the same hidden-input seed, so the kit's gradebooks must be identical.
Printed: wall time, the speed-up over sequential nbgrader, CPU seconds per
submission (of the waited-for child processes, and of the whole machine: run it
on an otherwise idle machine), the sandbox's CPU cost, and whether the
gradebooks agree; then where a submission's CPU goes, phase by phase
(``grading_phases.py``). The submissions are the corpus's valid and defective answers
and the blank one, cycled to N (a class, not a stress test: crashes and attacks
are the corpus's job).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograde.corpus import cases, write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.corpus.course_copy import copy_course

SEED = 20261128


def _run(command, cwd) -> None:
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    result = subprocess.run(command, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{result.stdout[-3000:]}")


def _course(where: Path, n: int) -> Path:
    """A course copy with N submissions and a fixed hidden-input seed."""
    course = copy_course(where, assignments=["challenge"])
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.HiddenInputs.seed = {SEED}  # the benchmark's runs must agree\n")
    chosen = [case for case in cases() if case.kind in ("valid", "defect") or case.name == "blank"]
    for index in range(n):
        case = chosen[index % len(chosen)]
        write_submission(case, submitted_path(course, f"s{index:03d}-{re.sub('[^a-z0-9]+', '-', case.name)}"))
    return course


#: Appended to a course copy's nbgrader_config.py: nbgrader as it comes, without the kit
#: (its own preprocessors, exporter and no hooks: the notebook runs in a plain kernel).
WITHOUT_THE_KIT = """
from nbgrader.converters import Autograde as _Autograde
for _name in ("sanitize_preprocessors", "autograde_preprocessors", "exporter_class"):
    setattr(c.Autograde, _name, _Autograde.class_traits()[_name].default())
c.Autograde.pre_convert_hook = None
"""


def _machine_cpu_seconds() -> float:
    """CPU time the whole machine has been busy since boot (all cores, from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _memory_in_use_mb() -> float:
    """The machine's memory in use (total less available, /proc/meminfo), in MB."""
    with open("/proc/meminfo") as meminfo:
        kb = {line.split(":")[0]: int(line.split()[1]) for line in meminfo}
    return (kb["MemTotal"] - kb["MemAvailable"]) / 1024


class Pace:
    """Every few seconds, how many submissions of ``course`` are graded (the run journal's
    "graded" lines), and the machine's memory in use: for the pace through a long run and
    its peak memory."""

    def __init__(self, course: Path, every: float = 5.0):
        self.journal, self.every = course / "grading" / "challenge-run.jsonl", every
        self.samples: list[tuple[float, int]] = []
        self.memory_at_start = self.peak_memory = _memory_in_use_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._take()  # the run's end: else the last quarter has no sample past it

    def _sample(self):
        while not self._stop.wait(self.every):
            self._take()

    def _take(self):
        with contextlib.suppress(OSError), open(self.journal, "rb") as journal:
            done = journal.read().count(b'"event": "graded"')
            self.samples.append((time.perf_counter() - self.started, done))
        self.peak_memory = max(self.peak_memory, _memory_in_use_mb())

    def quarters(self, n: int) -> list[float]:
        """Seconds per submission in each quarter of the class (the first from its first
        graded submission: the run's start is not in it)."""
        seconds = []
        for quarter in range(4):
            low, high = max(1, n * quarter // 4), n * (quarter + 1) // 4
            first = next(((t, done) for t, done in self.samples if done >= low), None)
            last = next(((t, done) for t, done in self.samples if done >= high), None)
            if first and last and last[1] > first[1]:
                seconds.append((last[0] - first[0]) / (last[1] - first[1]))
        return seconds


def measure(function):
    """(wall seconds, CPU seconds of waited-for child processes, CPU seconds of the whole
    machine) spent by ``function()``.

    The children's figure misses processes nobody waits for (a sandbox's processes are
    reaped inside it); the machine's includes whatever else runs meanwhile, so it is the
    one to read on an otherwise idle machine.
    """
    before, machine_before = resource.getrusage(resource.RUSAGE_CHILDREN), _machine_cpu_seconds()
    start = time.perf_counter()
    function()
    wall = time.perf_counter() - start
    after, machine_after = resource.getrusage(resource.RUSAGE_CHILDREN), _machine_cpu_seconds()
    children = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, children, machine_after - machine_before


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for the parallel command")
    parser.add_argument("--phases", type=int, default=10, metavar="N",
                        help="then grade N submissions with one worker in this process and print the CPU "
                             "per submission phase by phase (benchmarks/grading_phases.py; 0: skip)")
    parser.add_argument("--turns", type=int, default=1, metavar="K",
                        help="run plain nbgrader and the kit K times each, taking turns, and compare them "
                             "turn by turn (the median of the ratios)")
    parser.add_argument("--kit-only", action="store_true",
                        help="only `python -m autograde grade` (and its feedback run), with its peak "
                             "memory and pace: for a large class, e.g. --n 1000")
    parser.add_argument("--keep", action="store_true", help="keep the temporary courses")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        if args.kit_only:
            return _kit_only(scratch, args)
        turns = range(2, args.turns + 1)
        courses = {name: _course(scratch / name, args.n)
                   for name in ("plain", "sequential", "parallel", "unsandboxed",
                                *(f"{name}-{turn}" for turn in turns for name in ("plain", "parallel")))}
        for name, course in courses.items():
            if name.startswith("plain"):
                with open(course / "nbgrader_config.py", "a") as config:
                    config.write(WITHOUT_THE_KIT)
        grade = _grade_command(args)
        nbgrader = [sys.executable, "-m", "nbgrader", "autograde", "challenge", "--log-level=ERROR"]
        runs = {  # label: (command, course)
            "plain nbgrader, without the kit": (nbgrader, "plain"),
            "nbgrader autograde (sequential)": (nbgrader, "sequential"),
            "autograde grade --no-feedback": (grade + ["--no-feedback"], "parallel"),
            "  the same, --no-sandbox": (grade + ["--no-feedback", "--no-sandbox"], "unsandboxed"),
            "  then feedback (2nd run)": (grade, "parallel"),
        }
        for turn in turns:  # plain nbgrader and the kit again, taking turns
            runs[f"plain nbgrader, turn {turn}"] = (nbgrader, f"plain-{turn}")
            runs[f"autograde grade, turn {turn}"] = (grade + ["--no-feedback"], f"parallel-{turn}")
        print(f"{args.n} submissions, {os.cpu_count()} cores; courses in {scratch}", flush=True)
        figures = {}
        for label, (command, course) in runs.items():
            print(f"running: {label.strip()} ...", flush=True)
            figures[label] = measure(functools.partial(_run, command, courses[course]))

        sequential_wall = figures["nbgrader autograde (sequential)"][0]
        print(f"\n{'':34} {'wall s':>8} {'speed-up':>9}   CPU s per submission: "
              f"{'children':>8} {'machine':>8}")
        for label, (wall, children, machine) in figures.items():
            print(f"{label:34} {wall:8.1f} {sequential_wall / wall:8.2f}x   {'':21} "
                  f"{children / args.n:8.2f} {machine / args.n:8.2f}")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        for column, name in ((1, "children"), (2, "machine")):
            sandboxed = figures["autograde grade --no-feedback"][column]
            unsandboxed = figures["  the same, --no-sandbox"][column]
            print(f"sandbox CPU cost ({name}): {sandboxed / unsandboxed:.3f}x the same run without it "
                  f"({(sandboxed - unsandboxed) / args.n:+.2f} s per submission; target: at most 1.15x)")

        ratios = [figures["plain nbgrader, without the kit"][0] / figures["autograde grade --no-feedback"][0]]
        ratios += [figures[f"plain nbgrader, turn {turn}"][0] / figures[f"autograde grade, turn {turn}"][0]
                   for turn in turns]
        print(f"python -m autograde grade against plain nbgrader without the kit (wall): "
              f"{statistics.median(ratios):.2f}x as fast (target: at least 2x)"
              + (f"; the median of {len(ratios)} turns: {', '.join(f'{ratio:.2f}x' for ratio in ratios)}"
                 if len(ratios) > 1 else ""))
        grades = {name: scores_of(course) for name, course in courses.items() if not name.startswith("plain")}
        agree = all(graded == grades["sequential"] for graded in grades.values())
        count = sum(len(cells) for cells in grades["sequential"].values())
        print(f"grades identical in all {len(grades)} runs of the kit: {'yes' if agree else 'NO'} "
              f"({count} grades of {len(grades['sequential'])} students)")
        if not agree:
            for student in sorted(grades["sequential"]):
                rows = {name: grades[name].get(student) for name in grades}
                if len({str(row) for row in rows.values()}) > 1:
                    print(f"  {student}: {rows}")
        if args.phases:
            from grading_phases import phase_table
            print(f"\nCPU by phase ({args.phases} more submissions, one worker in this process):")
            print(phase_table(args.phases))
        return 0 if agree else 1
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _grade_command(args) -> list[str]:
    return [sys.executable, "-m", "autograde", "grade", "--no-progress", "--allow-ungraded"] + (
        ["--jobs", str(args.jobs)] if args.jobs else [])


def _kit_only(scratch: Path, args) -> int:
    """``python -m autograde grade`` alone on N submissions: wall, CPU, peak memory, pace."""
    course = _course(scratch / "parallel", args.n)
    grade = _grade_command(args)
    print(f"{args.n} submissions, {os.cpu_count()} cores; course in {scratch}", flush=True)
    with Pace(course) as pace:
        wall, children, machine = measure(lambda: _run(grade + ["--no-feedback"], course))
    feedback_wall, _, feedback_machine = measure(lambda: _run(grade, course))
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    graded = len(scores_of(course))
    print(f"python -m autograde grade --no-feedback: {wall:.1f} s wall, "
          f"{machine / args.n:.2f} CPU s per submission (machine), {children / args.n:.2f} (children); "
          f"{graded} of {args.n} students graded")
    print(f"then the feedback HTML: {feedback_wall:.1f} s wall, {feedback_machine / args.n:.2f} CPU s per submission")
    print(f"peak memory: largest process {largest:.0f} MB; machine in use {pace.peak_memory - pace.memory_at_start:+.0f} MB "
          f"above the start ({pace.memory_at_start:.0f} MB)")
    print("seconds per submission, by quarter of the class: "
          + ", ".join(f"{seconds:.2f}" for seconds in pace.quarters(args.n)))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if graded == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
