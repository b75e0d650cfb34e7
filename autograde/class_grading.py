"""Grade a whole class in one command: submissions -> grades, feedback, CSV, class report.

``python -m autograde grade`` (see :mod:`autograde.cli`) calls :func:`grade_class`.
It gives the grades ``nbgrader autograde <assignment>`` gives, because it runs
nbgrader's own ``Autograde`` with the course's ``nbgrader_config.py``, only
split across processes (:class:`autograde.nbgrader_adapter.AutogradeSteps`):

* the main process does everything that writes: the gradebook backup,
  registering students and submissions, ``SaveAutoGrades`` and the rest of
  the chain, writing the autograded notebook;
* long-lived worker processes (one per core by default,
  :mod:`autograde.grading_worker`) sanitize and execute the notebooks, each in
  its own sandbox, and judge the evidence; they read a snapshot of the
  gradebook, so the SQLite file has a single writer and is never locked.

Every worker uses this run's seed for the hidden inputs, so the whole run is
reproducible from the seed in the report. A submission counts as graded when
its autograded notebook exists; the main process writes that file only after
its grades are in the gradebook, so a run that is interrupted or loses a worker
leaves nothing half-graded, and the next run picks up exactly what is missing.
Then the workers render nbgrader's feedback HTML, and the main process exports
``grades.csv`` (nbgrader's CSV export) and writes the class report
(:mod:`autograde.report`).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from autograde import grading_worker as worker
from autograde import nbgrader_adapter
from autograde.lms import ImportReport, SubmissionsError, import_submissions
from autograde.preprocessors.backup_gradebook import backup_gradebook, sqlite_file
from autograde.protocol import ASSIGNMENT
from autograde.worker_pool import WorkerPool, adopt_orphans, stop_stray_kernels

WORKER_DIED = "the grading worker process died twice while grading it (not a kernel failure)"


class GradingError(Exception):
    """A problem that stops the whole run, with a message meant for the instructor."""


@dataclass
class RunSummary:
    """What one ``grade_class`` run did and where it wrote it."""

    assignment_id: str
    seed: int | None = None
    sandboxed: bool = True
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)          # student -> reason
    feedback: list[str] = field(default_factory=list)             # students given feedback HTML
    feedback_failed: dict[str, str] = field(default_factory=dict)
    imported: ImportReport | None = None
    backup: Path | None = None
    csv_path: Path | None = None
    report_paths: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _snapshot_gradebook(db_url: str, into: Path) -> str:
    """Copy a SQLite gradebook for the workers to read; other databases are shared as is."""
    source = sqlite_file(db_url)
    if source is None:
        return db_url
    target = into / "gradebook-snapshot.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


class ClassGrader:
    """One grading run for one assignment of the course in ``root``."""

    def __init__(self, root: Path, assignment_id: str, jobs: int | None, force: bool,
                 reports_dir: Path | None, progress: bool, sandbox: bool = True, feedback: bool = True):
        from autograde.hidden_inputs import HiddenInputs
        from autograde.sandbox import Sandbox, sandbox_problem

        self.root = Path(root).resolve()
        self.assignment_id = assignment_id
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.force = force
        self.progress = progress
        self.give_feedback = feedback
        self.app = nbgrader_adapter.load_app(str(self.root))
        self.coursedir = self.app.coursedir
        self.reports_dir = Path(reports_dir) if reports_dir else (
            self.root / self.coursedir.autograded_directory).parent / "reports"
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

        self.summary = RunSummary(assignment_id, sandboxed=sandbox)
        self.worker_config = {"BackupGradebook": {"enabled": False}}  # the main process backs up
        if sandbox:
            problem = sandbox_problem(Sandbox(parent=self.app))
            if problem:
                raise GradingError(problem)
        else:
            self.worker_config["Sandbox"] = {"enabled": False}
            self.log.warning("GRADING WITHOUT THE SANDBOX (--no-sandbox): students' code runs with "
                             "your permissions")
            print("warning: grading WITHOUT the sandbox (--no-sandbox): students' code can read and "
                  "write whatever you can", file=sys.stderr)
        self.summary.seed = HiddenInputs(parent=self.app).run_seed()
        self.worker_config["HiddenInputs"] = {"seed": self.summary.seed}
        self.log.info("hidden inputs drawn from seed %d", self.summary.seed)
        self.steps = nbgrader_adapter.AutogradeSteps(self.app, assignment_id, part="save", force=force)
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
        report = import_submissions(
            source, lambda student: self.coursedir.format_path(
                self.coursedir.submitted_directory, student, self.assignment_id),
            self.assignment_id, self.notebook_ids)
        for student in report.changed:
            if os.path.exists(self.steps.autograded_folder(student)):
                self.log.warning("%s: the submission changed, regrading it", student)
                self.steps.discard(student)
        return report

    def _needs_grading(self, student: str, notebooks: list[str]) -> bool:
        """nbgrader's rule (missing output, --force or a newer timestamp), per notebook file."""
        if self.coursedir.student_id_exclude and student in self.coursedir.student_id_exclude.split(","):
            return False
        if self.force:
            return True
        dest = self.steps.autograded_folder(student)
        known = [nb for nb in notebooks if Path(nb).stem in self.notebook_ids]
        if not all(os.path.exists(os.path.join(dest, os.path.basename(nb))) for nb in known):
            return True
        new = self.coursedir.get_existing_timestamp(self.steps.submitted_folder(student))
        old = self.coursedir.get_existing_timestamp(dest)
        return new is not None and old is not None and new > old

    def _prepare(self, student: str, notebooks: list[str]) -> list[worker.GradeTask]:
        dest = self.steps.autograded_folder(student)
        return [worker.GradeTask(student, self.assignment_id, notebook,
                                 os.path.join(dest, os.path.basename(notebook)))
                for notebook in self.steps.prepare(student, notebooks)]

    def _fail(self, student: str, reason: str, details: str = "") -> None:
        """Like nbgrader's failure handling: no autograded copy, so a re-run retries it."""
        self.summary.failed[student] = reason
        self.log.error("%s: could not be graded: %s%s", student, reason, ("\n" + details) if details else "")
        self.steps.discard(student)

    def _bar(self, total: int, description: str):
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: workers may be forked while a bar is shown
        return tqdm(total=total, desc=description, unit="nb", dynamic_ncols=True,
                    disable=not self.progress or total == 0, file=sys.stderr)

    # -- the run --------------------------------------------------------------------------------
    def run(self, submissions=None) -> RunSummary:
        """Import, grade, give feedback, export and report; see the module docs."""
        started = time.monotonic()
        if submissions is not None:
            try:
                self.summary.imported = self.import_lms(submissions)
            except SubmissionsError as exc:
                raise GradingError(str(exc)) from None

        found = self.steps.submissions()
        if not found:
            where = self.coursedir.format_path(self.coursedir.submitted_directory, "*", self.assignment_id)
            raise GradingError(f"no submissions to grade: nothing matches {where}/*.ipynb")

        todo = {student: notebooks for student, notebooks in found.items()
                if self._needs_grading(student, notebooks)}
        self.summary.skipped = sorted(set(found) - set(todo))
        if todo:
            self.summary.backup = backup_gradebook(self.coursedir.db_url)
            if self.summary.backup:
                self.log.info("gradebook backed up to %s", self.summary.backup)
        tasks: list[worker.GradeTask] = []
        for student, notebooks in todo.items():
            try:
                tasks.extend(self._prepare(student, notebooks))
            except Exception as exc:  # nbgrader logged the details; its failure handling
                self._fail(student, worker.describe_failure(exc), traceback.format_exc())

        with tempfile.TemporaryDirectory(prefix="autograde-") as scratch:
            snapshot = _snapshot_gradebook(self.coursedir.db_url, Path(scratch))
            cleanup = (lambda: stop_stray_kernels(self.log)) if adopt_orphans() else None
            pool = WorkerPool(min(self.jobs, max(1, len(tasks))), initializer=worker.init_worker,
                              initargs=(str(self.root), self.assignment_id, snapshot, self.worker_config,
                                        str(self.log_path)),
                              log=self.log, after_close=cleanup)
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
                        self.steps.save(result.notebook_text, task.autograded_path)
                        self.log.info("%s: %s executed in %.1f s", student,
                                      os.path.basename(task.autograded_path), result.seconds)
                    except Exception as exc:
                        self._fail(student, worker.describe_failure(exc), traceback.format_exc())
                if student in self.summary.failed:
                    bar.set_postfix(failed=len(self.summary.failed))
                    continue
                remaining[student].remove(task)
                if not remaining[student]:
                    self.steps.finish(student)
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


def grade_class(root=".", assignment_id: str | None = None, submissions=None, jobs: int | None = None,
                force: bool = False, reports_dir=None, progress: bool = True, feedback: bool = True,
                sandbox: bool = True) -> RunSummary:
    """Grade every submission of an assignment (default: the challenge) in the course at ``root``.

    Args:
        root: the course root (the folder with ``nbgrader_config.py``).
        assignment_id: the nbgrader assignment to grade.
        submissions: an LMS export (folder or .zip) to import first, or None.
        jobs: notebooks graded at once (default: one per core).
        force: regrade submissions that are already graded.
        reports_dir: where the class report and the log go (default ``grading/reports``).
        progress: show progress bars.
        feedback: write nbgrader's feedback HTML (else the next run writes what is missing).
        sandbox: run the notebooks in the bubblewrap sandbox (``False`` is ``--no-sandbox``).

    Returns:
        A :class:`RunSummary`. Raises :class:`GradingError` for problems that stop the run.
    """
    grader = ClassGrader(Path(root), assignment_id or ASSIGNMENT, jobs, force, reports_dir, progress,
                         sandbox=sandbox, feedback=feedback)
    try:
        return grader.run(submissions)
    finally:
        grader.close()
