"""Benchmark: what the main process costs for a class of 1,000, 3,000 and 10,000 students.

    python benchmarks/bench_class_size.py [--sizes 1000 3000 10000] [--lock /work/wt/sandbox.lock]

Grading one submission costs about 2.5 CPU seconds whatever the class size; this prices what
does grow with the class, with the kit's real code:

1. A template class: three real submissions (the solution, a transposed matrix, the blank
   notebook) graded by ``python -m autograde grade`` in the sandbox, in a throwaway course.
2. For each size N, a copy of it with N students, built quickly: each student is a copy of
   one template student's gradebook rows (new ids) and files (copies of the submitted and
   autograded notebooks and the feedback page). The class came
   through a Canvas export (every student has a Canvas user id and attachment id, so the
   feedback zip holds every page), and Canvas's roster lists them all plus 1% who did not
   hand in.
3. Measured, in a fresh process per size: the end-of-run step every run ends with
   (``grades.csv``, the Canvas file, the feedback zip and the class report, with its parts);
   per student: one run-journal write, and the real save path (nbgrader's ``init_assignment``,
   ``SaveAutoGrades`` and the rest of the chain, the autograded notebook written) of one
   template notebook for a student of the class; that process's peak RSS.
4. ``python -m autograde grade --student <one of them>`` end to end, and its peak RSS.

Steps 1 and 4 start sandboxes: on a shared machine, ``--lock FILE`` holds that lock (``flock``)
around them only. The 10,000 size takes a few minutes and about 8 GB of disk (every student's
files are copies).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from autograde.corpus import cases, write_submission
from autograde.corpus.course import submitted_path
from autograde.corpus.course_copy import copy_course

ASSIGNMENT, NOTEBOOK = "challenge", "04_challenge"
TEMPLATES = {"t0": "solution", "t1": "transposed", "t2": "blank"}
SAVE_SAMPLE, JOURNAL_SAMPLE = 10, 200


LOCK: Path | None = None


@contextlib.contextmanager
def _sandbox_lock():
    if LOCK is None:
        yield
        return
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _grade(course: Path, *args: str) -> tuple[float, int, str]:
    """``python -m autograde grade ARGS`` in ``course`` (under the sandbox lock): (wall seconds, peak
    RSS in MB of its largest process, output); exits on failure."""
    with _sandbox_lock():
        return _grade_now(course, *args)


def _grade_now(course: Path, *args: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autograde", "grade", "--no-progress", *args], cwd=course,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"grade {' '.join(args)} failed ({process.returncode}):\n{output[-3000:]}")
    return time.perf_counter() - start, usage.ru_maxrss // 1024, output


def template_class(where: Path) -> Path:
    """A course with three students graded for real (sandbox, real nbgrader)."""
    course = copy_course(where, assignments=[ASSIGNMENT])
    by_name = {case.name: case for case in cases()}
    for student, case in TEMPLATES.items():
        write_submission(by_name[case], submitted_path(course, student))
    _grade(course, "--jobs", "2")
    return course


# -- building a class of N from the template ---------------------------------------------------------
def _clone_rows(db: Path, students: list[str]) -> None:
    """Give every student a copy of one template student's gradebook rows, with new ids.

    nbgrader's tables hang off a student in one chain: student <- submitted_assignment <-
    submitted_notebook <- grade, comment (by their foreign keys)."""
    with sqlite3.connect(db) as con:
        def rows(table, where, args):
            cursor = con.execute(f"SELECT * FROM {table} WHERE {where}", args)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor]

        def insert(table, records):
            if records:
                names = list(records[0])
                con.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                                f"({', '.join('?' * len(names))})", [tuple(r[n] for n in names) for r in records])

        template = {}
        for name in TEMPLATES:
            submission = rows("submitted_assignment", "student_id = ?", (name,))
            notebooks = rows("submitted_notebook", "assignment_id = ?", (submission[0]["id"],))
            ids = tuple(nb["id"] for nb in notebooks)
            marks = ", ".join("?" * len(ids))
            template[name] = (rows("student", "id = ?", (name,)), submission, notebooks,
                              rows("grade", f"notebook_id IN ({marks})", ids),
                              rows("comment", f"notebook_id IN ({marks})", ids))
        new = {table: [] for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")}
        for index, student in enumerate(students):
            person, submission, notebooks, grades, comments = template[list(TEMPLATES)[index % len(TEMPLATES)]]
            new["student"].append({**person[0], "id": student})
            submission_id = uuid.uuid4().hex
            new["submitted_assignment"].append({**submission[0], "id": submission_id, "student_id": student})
            notebook_ids = {nb["id"]: uuid.uuid4().hex for nb in notebooks}
            new["submitted_notebook"] += [{**nb, "id": notebook_ids[nb["id"]], "assignment_id": submission_id}
                                          for nb in notebooks]
            for table, records in (("grade", grades), ("comment", comments)):
                new[table] += [{**r, "id": uuid.uuid4().hex, "notebook_id": notebook_ids[r["notebook_id"]]}
                               for r in records]
        for table, records in new.items():
            insert(table, records)


def _copy_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copy2(path, target / path.name)


def synthetic_class(template: Path, where: Path, n: int) -> tuple[Path, list[str]]:
    """A copy of the template course with ``n`` students (see the module's docs)."""
    course = where / f"class-{n}"
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("backups"))
    grading = course / "grading"
    students = [f"s{index:05d}" for index in range(n)]
    _clone_rows(grading / "gradebook.db", students)
    for index, student in enumerate(students):
        like = list(TEMPLATES)[index % len(TEMPLATES)]
        for folder in ("submitted", "autograded", "feedback"):
            # copies, as in a real class: a submitted notebook that is a hard link is refused, and
            # regrading one student of a hard-linked file would change the others' (its change time)
            _copy_tree(grading / folder / like / ASSIGNMENT, grading / folder / student / ASSIGNMENT)
    record = json.loads((grading / f"{ASSIGNMENT}-lms.json").read_text()) if (
        grading / f"{ASSIGNMENT}-lms.json").exists() else {}
    user_ids = {student: str(100000 + index) for index, student in enumerate(students)}
    record.update(lms_user_ids=user_ids, attachment_ids={s: str(500000 + i) for i, s in enumerate(students)},
                  files={s: f"{s}_{user_ids[s]}_{500000 + i}_{NOTEBOOK}.ipynb" for i, s in enumerate(students)},
                  late={s: False for s in students}, submitted_at={}, problems=[], duplicates={},
                  source="canvas-export.zip", imported_at="2026-12-05T10:00:00", lms_column="Challenge")
    (grading / f"{ASSIGNMENT}-lms.json").write_text(json.dumps(record), encoding="utf-8")
    absent = [f"absent{index:04d}" for index in range(max(1, n // 100))]
    roster = course.parent / f"roster-{n}.csv"
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section,Challenge",
             "    Points Possible,,,,,10"]
    lines += [f"Student {s},{user_ids[s]},S{s},{s},A," for s in students]
    lines += [f"Absent {s},{900000 + i},S{s},{s},B," for i, s in enumerate(absent)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from autograde.term.roster import roster_for_run
    roster_for_run(grading / f"{ASSIGNMENT}-roster.json", roster, None, False)
    return course, students


# -- measuring, in a fresh process per size --------------------------------------------------------
class Timer:
    """Wraps functions of the kit's modules to add up the time spent in each."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, module, name: str, label: str) -> None:
        function = getattr(module, name, None)
        if function is None:  # another version of the kit: its parts have other names
            return

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        setattr(module, name, timed)


def measure_in_process(course: Path, students: list[str]) -> dict:
    """The end-of-run step and the per-student costs at this class size (run in a fresh process)."""
    from autograde.grading import nbgrader_adapter
    from autograde.term import class_grading, exports, report, run_journal
    from autograde.term.roster import roster_for_run

    figures = {}
    timer = Timer()
    for module, name, label in (
            (exports, "_nbgrader_export", "nbgrader's CSV export"),
            (exports, "_read_and_export", "one read of the gradebook, nbgrader's CSV export from it"),
            (report, "class_states", "who is graded: the gradebook's scores, the autograded notebooks"),
            (exports, "_one_verdict", "grades.csv: one verdict per student"),
            (exports, "match", "match the roster"),
            (exports, "write_canvas_csv", "the Canvas file"),
            (exports, "write_feedback_zip", "the feedback zip"),
            (exports, "write_class_report", "the report page and picture")):
        timer.wrap(module, name, label)
    app = nbgrader_adapter.load_app(str(course))
    grading = course / "grading"
    roster, absent_zero, _ = roster_for_run(grading / f"{ASSIGNMENT}-roster.json", None, None, None)
    for run in ("first", "again"):  # the first reads every autograded notebook; later ones what changed
        summary = class_grading.RunSummary(ASSIGNMENT, seed=1)
        timer.seconds = {}
        start, cpu = time.perf_counter(), time.process_time()
        exports.export_and_report(app, summary, state_dir=grading, reports_dir=grading / "reports",
                                  journal_path=run_journal.journal_path(grading, ASSIGNMENT),
                                  import_record_path=grading / f"{ASSIGNMENT}-lms.json", lms_column="Challenge",
                                  roster=roster, absent_zero=absent_zero)
        figures[f"end of run, {run}"] = time.perf_counter() - start
        figures[f"end of run CPU, {run}"] = time.process_time() - cpu
        figures[f"end-of-run parts, {run}"] = timer.seconds
    figures["accounted"] = summary.counts.get("students")

    journal = run_journal.RunJournal(grading / "bench-run.json", seed=1)
    journal.start(students)
    sample = students[:: max(1, len(students) // JOURNAL_SAMPLE)][:JOURNAL_SAMPLE]
    start = time.perf_counter()
    for student in sample:
        journal.graded(student)
    figures["journal write"] = (time.perf_counter() - start) / len(sample)

    steps = nbgrader_adapter.AutogradeSteps(app, ASSIGNMENT, part="save")
    text = (grading / "autograded" / "t0" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    found = steps.submissions()
    sample = students[1:: max(1, len(students) // SAVE_SAMPLE)][:SAVE_SAMPLE]
    start = time.perf_counter()
    for student in sample:
        for notebook in steps.prepare(student, found[student]):
            steps.save(text, os.path.join(steps.autograded_folder(student), os.path.basename(notebook)))
        steps.finish(student)
    figures["save one student"] = (time.perf_counter() - start) / len(sample)
    figures["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return figures


def _size(template: Path, scratch: Path, n: int, student_run: bool) -> dict:
    start = time.perf_counter()
    course, students = synthetic_class(template, scratch, n)
    built = time.perf_counter() - start
    print(f"  {n} students built in {built:.1f} s", flush=True)
    process = subprocess.run([sys.executable, __file__, "--measure", str(course), str(n)], capture_output=True,
                             text=True)
    if process.returncode != 0:
        sys.exit(f"measuring {n} failed:\n{process.stdout[-2000:]}\n{process.stderr[-4000:]}")
    figures = json.loads(process.stdout.splitlines()[-1])
    if student_run:
        wall, rss, output = _grade(course, "--student", students[n // 2])
        if "This run: graded 1," not in output:
            sys.exit(f"grade --student did not grade one student:\n{output[-3000:]}")
        figures["grade --student"], figures["grade --student peak RSS MB"] = wall, rss
    shutil.rmtree(course, ignore_errors=True)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--no-student-run", action="store_true", help="skip `grade --student` (no sandbox)")
    parser.add_argument("--keep", action="store_true", help="keep the template course")
    parser.add_argument("--template", type=Path, help="reuse the template course of an earlier --keep run")
    parser.add_argument("--lock", type=Path, help="a lock file to hold (flock) while sandboxes run")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)  # the fresh process of step 3
    args = parser.parse_args(argv)
    global LOCK
    LOCK = args.lock
    if args.measure:
        course = Path(args.measure[0])
        students = [f"s{index:05d}" for index in range(int(args.measure[1]))]
        print(json.dumps(measure_in_process(course, students)))
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="bench-class-size-"))
    try:
        template = args.template or template_class(scratch / "template")
        print(f"template: 3 students graded for real in {template}", flush=True)
        results = {}
        for n in args.sizes:
            results[n] = _size(template, scratch, n, not args.no_student_run)
            print(json.dumps(results[n], indent=1), flush=True)
        sizes = list(results)
        print(f"\n{'students':<74}" + "".join(f"{n:>10,}" for n in sizes))
        rows = []
        for run in ("first", "again"):
            rows += [(f"end of run ({run}): grades.csv, Canvas file, feedback zip, report (s)", f"end of run, {run}",
                      1, ".1f"),
                     ("  its CPU time (s)", f"end of run CPU, {run}", 1, ".1f")]
            rows += [(f"  {label} (s)", (f"end-of-run parts, {run}", label), 1, ".2f")
                     for label in results[sizes[0]][f"end-of-run parts, {run}"]]
        rows += [("one run-journal write (ms)", "journal write", 1000, ".2f"),
                 ("save one student's grades, the real save path (ms)", "save one student", 1000, ".0f"),
                 ("peak RSS of the end-of-run process (MB)", "peak RSS MB", 1, ".0f"),
                 ("`grade --student` on one student, end to end (s)", "grade --student", 1, ".1f"),
                 ("  its peak RSS, largest process (MB)", "grade --student peak RSS MB", 1, ".0f")]
        for label, key, scale, form in rows:
            values = [(results[n][key[0]].get(key[1]) if isinstance(key, tuple) else results[n].get(key))
                      for n in sizes]
            print(f"{label:<74}" + "".join(f"{v * scale:>10{form}}" if v is not None else f"{'-':>10}"
                                            for v in values))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        return 0
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
