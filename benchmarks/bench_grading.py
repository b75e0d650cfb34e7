"""Benchmark: grade N synthetic submissions three ways in one run and compare.

    python benchmarks/bench_grading.py --n 40 [--jobs J]

1. sequential ``nbgrader autograde challenge`` (one process, one submission
   after another);
2. the floor: nbclient alone (kernel start + run, no nbgrader) executing the
   same notebooks nbgrader executed (its autograded notebooks, outputs
   cleared), one after another;
3. ``python -m autograde grade --no-feedback`` (parallel grading, grades.csv
   and the class report), then ``python -m autograde grade`` again, which
   only writes the feedback HTML; both are shown and summed.

Each way runs in its own throwaway copy of the course under a temporary
folder (the repository is not touched). Printed: wall time, CPU seconds per
submission (this process's children, kernels included), the speed-up over
sequential nbgrader, the CPU ratio to the floor, and whether the two
gradebooks hold identical grades. The submissions come from the grading
corpus (``autograde.corpus``), cycled to N.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "challenge"
NOTEBOOK = "04_challenge.ipynb"
RUNTIME = ("submitted", "autograded", "feedback", "exchange", "source_with_tests", "solution",
           "reports", "gradebook.db*", "grades.csv")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _run(command, cwd, quiet=True) -> None:
    result = subprocess.run(command, cwd=cwd, env=_env(), text=True,
                            stdout=subprocess.PIPE if quiet else None,
                            stderr=subprocess.STDOUT if quiet else None)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{result.stdout or ''}")


def make_course(where: Path) -> Path:
    """A throwaway copy of the course with the assignment in its gradebook."""
    course = where / "course"
    course.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    for folder in ("solutions", "notebooks"):
        shutil.copytree(REPO / folder, course / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    # the grading kit (nbgrader_config.py imports autograde.preprocessors), without runtime state
    shutil.copytree(REPO / "autograde", course / "autograde", ignore=shutil.ignore_patterns(
        "__pycache__", "tests", *RUNTIME))
    _run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force",
          "--log-level=WARN"], cwd=course)
    return course


def _student_id(index: int, name: str) -> str:
    return f"s{index:03d}-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40]


def write_submissions(course: Path, n: int) -> list[str]:
    """N submitted notebooks in nbgrader's submitted folder, cycling through the corpus."""
    sys.path.insert(0, str(REPO))
    try:
        from autograde.corpus import cases, write_submission
        corpus = [(case.name, lambda target, case=case: write_submission(case, target))
                  for case in cases()]
    except ImportError:  # no corpus yet: the instructor solution and the blank notebook
        print("autograde.corpus not found: using the solution and the blank student notebook")
        corpus = [(name, lambda target, source=source: shutil.copy(source, target))
                  for name, source in [("solution", course / "solutions" / ASSIGNMENT / NOTEBOOK),
                                       ("blank", course / "notebooks" / ASSIGNMENT / NOTEBOOK)]]
    students = []
    for index in range(n):
        name, write = corpus[index % len(corpus)]
        student = _student_id(index, name)
        target = course / "autograde" / "submitted" / student / ASSIGNMENT / NOTEBOOK
        target.parent.mkdir(parents=True)
        write(target)
        students.append(student)
    return students


def measure(function):
    """(wall seconds, CPU seconds of finished child processes) spent by ``function()``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    function()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def floor_run(run_dir: Path) -> None:
    """Child-process mode: execute every notebook under ``run_dir`` with nbclient alone.

    ``run_dir`` is a copy of sequential nbgrader's autograded folder with the
    outputs cleared: exactly the notebooks grading executes (the instructor's
    test cells restored, the helper modules beside them), in their folders.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    timeout = 60
    config = (REPO / "nbgrader_config.py").read_text()
    match = re.search(r"Execute\.timeout\s*=\s*(\d+)", config)
    if match:
        timeout = int(match.group(1))
    for path in sorted(run_dir.glob(f"*/{ASSIGNMENT}/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        client = NotebookClient(notebook, timeout=timeout, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute()
        except DeadKernelError:
            pass  # a submission that kills its kernel: the run stops there, as it does for nbgrader


def gradebook_scores(course: Path) -> dict:
    """(student, grade_id) -> (score, needs_manual_grade) for the challenge."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[(submission.student_id, grade.name)] = (grade.score, grade.needs_manual_grade)
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for the parallel command")
    parser.add_argument("--keep", action="store_true", help="keep the temporary courses")
    parser.add_argument("--floor-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_only:
        floor_run(args.floor_only)
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        template = make_course(scratch / "template")
        write_submissions(template, args.n)
        courses = {}
        for name in ("sequential", "parallel"):
            courses[name] = scratch / name
            shutil.copytree(template, courses[name], symlinks=True)
        floor_dir = scratch / "floor"
        parallel = [sys.executable, "-m", "autograde", "grade", "--no-progress"] + (
            ["--jobs", str(args.jobs)] if args.jobs else [])

        print(f"{args.n} submissions, {os.cpu_count()} cores; courses in {scratch}", flush=True)
        runs = {
            "nbgrader autograde (sequential)": lambda: _run(
                [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--log-level=ERROR"],
                cwd=courses["sequential"]),
            "nbclient floor": lambda: (
                shutil.copytree(courses["sequential"] / "autograde" / "autograded", floor_dir),
                _run([sys.executable, __file__, "--floor-only", floor_dir], cwd=REPO)),
            "autograde grade --no-feedback": lambda: _run(parallel + ["--no-feedback"],
                                                          cwd=courses["parallel"]),
            "  then feedback (2nd run)": lambda: _run(parallel, cwd=courses["parallel"]),
        }
        figures = {}
        for label, function in runs.items():
            print(f"running: {label.strip()} ...", flush=True)
            figures[label] = measure(function)
        both = [figures["autograde grade --no-feedback"], figures["  then feedback (2nd run)"]]
        figures["  grading + feedback"] = (sum(w for w, _ in both), sum(c for _, c in both))

        sequential = gradebook_scores(courses["sequential"])
        parallel = gradebook_scores(courses["parallel"])
        differences = sorted(key for key in set(sequential) | set(parallel)
                             if sequential.get(key) != parallel.get(key))

        floor_cpu = figures["nbclient floor"][1] / args.n
        seq_wall = figures["nbgrader autograde (sequential)"][0]
        print()
        print(f"{'':34} {'wall s':>8} {'CPU s/sub':>10} {'speed-up':>9} {'CPU/floor':>10}")
        order = ["nbclient floor", "nbgrader autograde (sequential)", "autograde grade --no-feedback",
                 "  then feedback (2nd run)", "  grading + feedback"]
        figures = {label: figures[label] for label in order}
        for label, (wall, cpu) in figures.items():
            print(f"{label:34} {wall:8.1f} {cpu / args.n:10.2f} {seq_wall / wall:8.2f}x "
                  f"{cpu / args.n / floor_cpu:9.2f}x")
        graded = len({student for student, _ in sequential})
        print(f"\ngrades identical to sequential nbgrader: {'yes' if not differences else 'NO'} "
              f"({len(sequential)} grades of {graded} students compared)")
        for student, grade_id in differences[:20]:
            print(f"  {student} {grade_id}: nbgrader {sequential.get((student, grade_id))}, "
                  f"autograde {parallel.get((student, grade_id))}")
        return 0 if not differences else 1
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
