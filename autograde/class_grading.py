"""Grade a whole class in one command: submissions -> grades, feedback, CSV, class report.

``python -m autograde grade [SUBMISSIONS] [--jobs N] [--force]`` (see
``autograde/__main__.py``) calls ``grade_class``. It gives the grades that
``nbgrader autograde <assignment>`` gives, because it runs nbgrader's own
``Autograde`` converter with the course's ``nbgrader_config.py``, only split
across processes:

* the main process does everything that writes: registering students and
  submissions (``Autograde.init_assignment``), ``SaveAutoGrades`` and the
  other preprocessors after it, writing the autograded notebook;
* long-lived worker processes (one per core by default) sanitize and execute
  the notebooks (see ``class_grading_worker``); they read a snapshot of the
  gradebook, so the SQLite file has a single writer and is never locked.

A submission counts as graded when its autograded notebook exists; the main
process writes that file only after the grades are in the gradebook, so a run
that is interrupted or loses a worker leaves nothing half-graded, and the next
run picks up exactly what is missing (``--force`` regrades everything). The
submissions a dead worker had in hand are retried one at a time; kernels it
left behind are stopped (on Linux the main process adopts orphaned
descendants, see ``adopt_orphans``).

Then the workers render nbgrader's feedback HTML, and the main process exports
``grades.csv`` (nbgrader's CSV export) and writes the class report
(``autograde/report.py``).
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from autograde import class_grading_worker as worker
from autograde.class_grading_inputs import ImportReport, SubmissionsError, import_submissions

DEFAULT_ASSIGNMENT = "challenge"
WORKER_DIED = "the grading worker process died twice while grading it (not a kernel failure)"


class GradingError(Exception):
    """A problem that stops the whole run, with a message meant for the instructor."""


@dataclass
class RunSummary:
    """What one ``grade_class`` run did and where it wrote it."""

    assignment_id: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)          # student -> reason
    feedback: list[str] = field(default_factory=list)             # students given feedback HTML
    feedback_failed: dict[str, str] = field(default_factory=dict)
    imported: ImportReport | None = None
    csv_path: Path | None = None
    report_paths: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _sqlite_path(db_url: str, root: Path) -> Path | None:
    """The file behind a ``sqlite:///`` URL (relative to the course root), else None."""
    match = re.match(r"^sqlite:///(.+)$", db_url)
    if not match:
        return None
    return (root / match.group(1)).resolve()


def _snapshot_gradebook(db_url: str, root: Path, into: Path) -> str:
    """Copy a SQLite gradebook for the workers to read; other databases are shared as is."""
    source = _sqlite_path(db_url, root)
    if source is None:
        return db_url
    target = into / "gradebook-snapshot.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{target}"


def adopt_orphans() -> bool:
    """Make this process adopt its orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    A kernel whose worker process died, or a process a student's code left
    running, then becomes our child instead of init's, and
    ``stop_stray_kernels`` can stop it. Returns False where unsupported.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # 36 = PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def stop_stray_kernels(log: logging.Logger) -> None:
    """Kill kernel processes (and their forks) adopted by this process; call with no pool running."""
    import psutil

    for _ in range(5):  # a killed kernel's own children are adopted next
        strays = []
        for child in psutil.Process().children():
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                    strays.append(child)
            except psutil.Error:
                continue
        for child in strays:
            log.warning("stopping a leftover kernel process %d", child.pid)
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(psutil.Process().children(), timeout=1)  # reaps zombies too
        if not strays:
            return


class WorkerPool:
    """A process pool that survives the death of a worker.

    At most ``jobs`` tasks are in flight at a time. When a worker dies, those
    in-flight tasks are put aside and the rest go on in a fresh pool; at the
    end each one put aside is retried alone in a fresh worker, and one that
    kills that worker too is reported as lost (``result is None``).
    """

    def __init__(self, jobs: int, root: Path, snapshot_db_url: str, log_path: Path | None = None,
                 log: logging.Logger | None = None, after_close=None):
        self.jobs = jobs
        self.log = log or logging.getLogger(__name__)
        self.after_close = after_close  # called once the workers are gone
        self.initargs = (str(root), snapshot_db_url, str(log_path) if log_path else None)
        self.executor: ProcessPoolExecutor | None = None

    def _start(self, workers: int) -> ProcessPoolExecutor:
        # fork: the workers inherit the modules the main process already imported
        # (nbgrader, nbconvert, ...), which saves seconds of CPU per worker.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        return ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method),
                                   initializer=worker.init_worker, initargs=self.initargs)

    def warm_up(self) -> None:
        """Start the workers now (before any progress-bar thread exists)."""
        if self.executor is None:
            self.executor = self._start(self.jobs)
        self.executor.submit(os.getpid).result()

    def run(self, function, argument_tuples):
        """Yield ``(arguments, result or None)`` as tasks finish, in any order."""
        queue, suspects = deque(argument_tuples), []
        in_flight: dict = {}
        while queue or in_flight:
            if self.executor is None:
                self.executor = self._start(self.jobs)
            while queue and len(in_flight) < self.jobs:
                arguments = queue.popleft()
                in_flight[self.executor.submit(function, *arguments)] = arguments
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                arguments = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    suspects.append(arguments)
                    broken = True
                    continue
                yield arguments, result
            if broken:  # the other tasks in flight finish or die with the pool
                for future in list(in_flight):
                    arguments = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        suspects.append(arguments)
                        continue
                    yield arguments, result
                self.log.warning("a grading worker process died; %d tasks lost with it so far "
                                 "will be retried one at a time at the end", len(suspects))
                self.close()
        for arguments in suspects:
            self.close()
            self.executor = self._start(1)
            try:
                result = self.executor.submit(function, *arguments).result()
            except BrokenProcessPool:
                self.log.error("a grading worker process died again on %s", arguments)
                result = None
            self.close()
            yield arguments, result

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
            if self.after_close:
                self.after_close()


class ClassGrader:
    """One grading run for one assignment of the course in ``root``."""

    give_feedback = True

    def __init__(self, root: Path, assignment_id: str, jobs: int | None, force: bool,
                 reports_dir: Path | None, progress: bool):
        from nbconvert.writers import FilesWriter

        self.root = Path(root).resolve()
        self.assignment_id = assignment_id
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.force = force
        self.progress = progress
        self.app = worker.load_app(str(self.root))
        self.coursedir = self.app.coursedir
        self.coursedir.assignment_id = assignment_id
        self.reports_dir = Path(reports_dir) if reports_dir else self.root / "autograde" / "reports"
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.reports_dir / f"{assignment_id}-grading.log"
        self._log_file = logging.FileHandler(self.log_path, mode="w", encoding="utf-8")
        self._log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self.app.log.addHandler(self._log_file)
        self.app.log.setLevel(logging.INFO)  # the log file gets nbgrader's INFO lines too
        self.log = self.app.log
        # nbgrader's SQLAlchemy warnings would garble the progress bar: log them instead
        logging.captureWarnings(True)
        logging.getLogger("py.warnings").addHandler(self._log_file)
        logging.getLogger("py.warnings").propagate = False

        self.converter = worker.autograde_part_class("save")(coursedir=self.coursedir, parent=self.app)
        self.converter.force = force
        self.converter.writer = FilesWriter(parent=self.converter, config=self.converter.config)
        self.converter.exporter = self.converter.exporter_class(parent=self.converter,
                                                                config=self.converter.config)
        self.notebook_ids = self._assignment_notebooks()

    # -- set-up ---------------------------------------------------------------------------
    def _assignment_notebooks(self) -> list[str]:
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
                assignment = gradebook.find_assignment(self.assignment_id)
                names = [notebook.name for notebook in assignment.notebooks]
        except MissingEntry:
            names = []
        if not names:
            raise GradingError(
                f"assignment '{self.assignment_id}' is not in the gradebook "
                f"({self.coursedir.db_url}). Generate it first: ./course generate "
                f"(or: nbgrader generate_assignment {self.assignment_id} --force).")
        return names

    def import_lms(self, source) -> ImportReport:
        """Copy an LMS export into the submitted folder; stale autograded copies are removed."""
        from nbgrader.utils import rmtree

        report = import_submissions(
            source, lambda student: self.coursedir.format_path(
                self.coursedir.submitted_directory, student, self.assignment_id),
            self.assignment_id, self.notebook_ids)
        for student in report.changed:
            dest = self.converter._format_dest(self.assignment_id, student)
            if os.path.exists(dest):
                self.log.warning("%s: the submission changed, regrading it", student)
                rmtree(dest)
        return report

    def _submissions(self) -> dict[str, list[str]]:
        """student -> submitted notebooks, as nbgrader's Autograde finds them."""
        from nbgrader.converters import NbGraderException

        self.coursedir.student_id = "*"
        self.converter._sanitizing = True
        try:
            self.converter.init_notebooks()
        except NbGraderException:
            return {}
        pattern = self.converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)",
                                                escape=True)
        found = {}
        for path, notebooks in sorted(self.converter.assignments.items()):
            match = re.match(pattern, path)
            if match:
                found[match.group("student_id")] = sorted(notebooks)
        return found

    def _needs_grading(self, student: str, notebooks: list[str]) -> bool:
        """nbgrader's rule (missing output, --force or a newer timestamp), per notebook file."""
        if self.coursedir.student_id_exclude and student in self.coursedir.student_id_exclude.split(","):
            return False
        if self.force:
            return True
        dest = self.converter._format_dest(self.assignment_id, student)
        known = [nb for nb in notebooks if Path(nb).stem in self.notebook_ids]
        if not all(os.path.exists(os.path.join(dest, os.path.basename(nb))) for nb in known):
            return True
        new = self.coursedir.get_existing_timestamp(self.converter._format_source(self.assignment_id, student))
        old = self.coursedir.get_existing_timestamp(dest)
        return new is not None and old is not None and new > old

    def _prepare(self, student: str, notebooks: list[str]) -> list[worker.GradeTask]:
        """Register the submission and restore the instructor's files (Autograde.init_assignment)."""
        from nbgrader.utils import rmtree

        dest = self.converter._format_dest(self.assignment_id, student)
        if os.path.exists(dest):
            rmtree(dest)
        self.converter._sanitizing = True
        self.converter.notebooks = list(notebooks)
        self.converter.run_pre_convert_hook()
        self.converter.init_assignment(self.assignment_id, student)
        os.makedirs(dest, exist_ok=True)  # the kernel runs there (nbgrader makes it when writing)
        return [worker.GradeTask(student, self.assignment_id, notebook,
                                 os.path.join(dest, os.path.basename(notebook)))
                for notebook in self.converter.notebooks]

    # -- saving results -----------------------------------------------------------------------
    def _save(self, result: worker.GradeResult) -> None:
        """Run SaveAutoGrades and the rest of the chain, then write the autograded notebook."""
        import nbformat

        task = result.task
        self.converter._sanitizing = False
        try:
            self.converter._init_preprocessors()
            resources = self.converter.init_single_notebook_resources(task.autograded_path)
            directory, basename = os.path.split(task.autograded_path)
            resources["metadata"] = {"name": os.path.splitext(basename)[0], "path": directory,
                                     "modified_date": time.strftime("%B %d, %Y")}
            output, resources = self.converter.exporter.from_notebook_node(
                nbformat.reads(result.notebook_text, as_version=4), resources=resources)
            self.converter.write_single_notebook(output, resources)
        finally:
            self.converter._sanitizing = True

    def _fail(self, student: str, reason: str, details: str = "") -> None:
        """Like nbgrader's failure handling: no autograded copy, so a re-run retries it."""
        from nbgrader.utils import rmtree

        self.summary.failed[student] = reason
        self.log.error("%s: could not be graded: %s%s", student, reason,
                       ("\n" + details) if details else "")
        dest = self.converter._format_dest(self.assignment_id, student)
        if os.path.exists(dest):
            rmtree(dest)

    def _bar(self, total: int, description: str):
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: workers may be forked while a bar is shown
        return tqdm(total=total, desc=description, unit="nb", dynamic_ncols=True,
                    disable=not self.progress or total == 0, file=sys.stderr)

    # -- the run --------------------------------------------------------------------------------
    def run(self, submissions=None) -> RunSummary:
        """Import, grade, give feedback, export and report; see the module docs."""
        started = time.monotonic()
        self.summary = RunSummary(self.assignment_id)
        if submissions is not None:
            try:
                self.summary.imported = self.import_lms(submissions)
            except SubmissionsError as exc:
                raise GradingError(str(exc)) from None

        found = self._submissions()
        if not found:
            where = self.coursedir.format_path(self.coursedir.submitted_directory, "*", self.assignment_id)
            raise GradingError(f"no submissions to grade: nothing matches {where}/*.ipynb")

        tasks: list[worker.GradeTask] = []
        for student, notebooks in found.items():
            if not self._needs_grading(student, notebooks):
                self.summary.skipped.append(student)
                continue
            try:
                tasks.extend(self._prepare(student, notebooks))
            except Exception as exc:  # nbgrader logged the details; its failure handling
                self._fail(student, worker.describe_failure(exc), traceback.format_exc())

        with tempfile.TemporaryDirectory(prefix="autograde-") as scratch:
            snapshot = _snapshot_gradebook(self.coursedir.db_url, self.root, Path(scratch))
            cleanup = (lambda: stop_stray_kernels(self.log)) if adopt_orphans() else None
            pool = WorkerPool(min(self.jobs, max(1, len(tasks))), self.root, snapshot, self.log_path,
                              self.log, after_close=cleanup)
            try:
                if tasks:
                    pool.warm_up()
                self._grade(pool, tasks)
                if self.give_feedback:
                    self._feedback(pool)
            finally:
                pool.close()

        self._export_and_report()
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _grade(self, pool: WorkerPool, tasks: list[worker.GradeTask]) -> None:
        remaining = {}
        for task in tasks:
            remaining.setdefault(task.student_id, []).append(task)
        with self._bar(len(tasks), f"grading {self.assignment_id}") as bar:
            for (task,), result in pool.run(worker.grade_notebook, [(task,) for task in tasks]):
                bar.update()
                student = task.student_id
                if student in self.summary.failed:
                    continue
                for line in (result.log_lines if result else []):
                    self.log.warning("%s: %s", student, line)
                if result is None:
                    self._fail(student, WORKER_DIED)
                elif result.error:
                    self._fail(student, result.error, result.details)
                else:
                    try:
                        self._save(result)
                        self.log.info("%s: %s executed in %.1f s", student,
                                      os.path.basename(task.autograded_path), result.seconds)
                    except Exception as exc:
                        self._fail(student, worker.describe_failure(exc), traceback.format_exc())
                if student in self.summary.failed:
                    bar.set_postfix(failed=len(self.summary.failed))
                    continue
                remaining[student].remove(task)
                if not remaining[student]:
                    self.converter.set_permissions(self.assignment_id, student)
                    self.converter.run_post_convert_hook()
                    self.summary.graded.append(student)
        self.summary.graded.sort()

    def _feedback(self, pool: WorkerPool) -> None:
        """nbgrader's feedback HTML for the students graded now and any graded earlier without it."""
        wanted = set(self.summary.graded)
        for student in self.summary.skipped:
            feedback = self.coursedir.format_path(self.coursedir.feedback_directory, student,
                                                  self.assignment_id)
            if not any(Path(feedback).glob("*.html")):
                wanted.add(student)
        with self._bar(len(wanted), "feedback") as bar:
            for (student, _), result in pool.run(worker.render_feedback,
                                                 [(s, self.assignment_id) for s in sorted(wanted)]):
                bar.update()
                error = WORKER_DIED if result is None else result[1]
                if error:
                    self.summary.feedback_failed[student] = error
                    self.log.error("%s: no feedback: %s", student, error)
                else:
                    self.summary.feedback.append(student)
        self.summary.feedback.sort()

    def _export_and_report(self) -> None:
        from nbgrader.api import Gradebook
        from nbgrader.plugins.export import CsvExportPlugin

        from autograde import report

        plugin = CsvExportPlugin(parent=self.app)
        if not plugin.to:
            plugin.to = str(self.reports_dir / "grades.csv")
        os.chdir(self.root)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            plugin.export(gradebook)
        self.summary.csv_path = (self.root / plugin.to).resolve()
        self.summary.report_paths = report.write_class_report(
            self.coursedir, self.assignment_id, self.summary.failed, self.reports_dir,
            csv_path=self.summary.csv_path)

    def close(self):
        logging.captureWarnings(False)
        logging.getLogger("py.warnings").removeHandler(self._log_file)
        self.app.log.removeHandler(self._log_file)
        self._log_file.close()


def grade_class(root=".", assignment_id: str = DEFAULT_ASSIGNMENT, submissions=None,
                jobs: int | None = None, force: bool = False, reports_dir=None,
                progress: bool = True, feedback: bool = True) -> RunSummary:
    """Grade every submission of ``assignment_id`` in the course at ``root``; see the module docs.

    With ``feedback=False`` no feedback HTML is written; the next run with it
    on writes it for every graded student who has none.
    """
    grader = ClassGrader(Path(root), assignment_id, jobs, force, reports_dir, progress)
    grader.give_feedback = feedback
    try:
        return grader.run(submissions)
    finally:
        grader.close()
