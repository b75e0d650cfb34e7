"""Grade a whole class in one command: submissions -> grades, feedback, CSVs, class report.

``python -m autograde grade`` (see :mod:`autograde.cli`) calls :func:`grade_class`.
It gives the grades ``nbgrader autograde <assignment>`` gives, because it runs
nbgrader's own ``Autograde`` with the course's ``nbgrader_config.py``, only
split across processes (:class:`autograde.grading.nbgrader_adapter.AutogradeSteps`):

* the main process does everything that writes: the gradebook backup,
  registering students and submissions, ``SaveAutoGrades`` and the rest of
  the chain, writing the autograded notebook;
* long-lived worker processes (one per core by default,
  :mod:`autograde.term.worker`) sanitize and execute the notebooks, each in
  its own sandbox, and judge the evidence; they read a snapshot of the
  gradebook, so the SQLite file has a single writer and is never locked.

Who is graded: everyone without a grade, everyone whose submission changed,
the students named with ``--student`` (regraded), everyone with ``--force``,
and everyone whose grade is out of date: graded with other points than the
gradebook has now, or by another version of the grading code
(:func:`autograde.grading.fingerprint.stale_reasons`). So totals are never stale.

Every worker uses this run's seed for the hidden inputs, so the whole run is
reproducible from the seed in the report. A submission counts as graded when
its autograded notebook exists; the main process writes that file only after
its grades are in the gradebook. A run journal (:mod:`autograde.term.run_journal`)
lists who this run grades, so a run that is interrupted (Ctrl-C lets the
notebooks in hand finish; a second Ctrl-C stops at once) or killed leaves
every student graded or listed as not graded with the reason, and the next
run grades exactly what is missing. Then the workers render nbgrader's
feedback HTML, and the main process writes, from one decision of who is graded
(:mod:`autograde.term.exports`), ``grades.csv`` (nbgrader's CSV export, this
assignment only), the LMS's CSV (:func:`autograde.term.lms.write_canvas_csv`, with
the roster's ids: :mod:`autograde.term.roster`), the feedback zip for Canvas and the
class report (:mod:`autograde.term.report_page`).
"""
from __future__ import annotations

import difflib
import itertools
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from autograde.grading import nbgrader_adapter
from autograde.grading.preprocessors.backup_gradebook import backup_gradebook
from autograde.grading.protocol import ASSIGNMENT, GraderFault
from autograde.term import run_journal, worker
from autograde.term.exports import export_and_report
from autograde.term.gradebook import index_gradebook, points_problem, snapshot_gradebook
from autograde.term.graded_notebooks import cache_path, files_in, read_facts
from autograde.term.lms import (ImportReport, LmsImport, SubmissionsError, import_submissions, load_import_record,
                                remember, save_import_record)
from autograde.term.roster import RosterError, roster_for_run, student_ids

WORKER_DIED = "the grading worker process died twice while grading it (not a kernel failure)"
INTERRUPTED = ("the run was interrupted (Ctrl-C) before it was graded; run `python -m autograde grade` "
               "again to grade it")
STOPPED = ("the run was stopped (a second Ctrl-C, or a kill signal) before it was graded; run "
           "`python -m autograde grade` again to grade it")


class GradingError(Exception):
    """A problem that stops the whole run, with a message meant for the instructor."""


@dataclass
class RunSummary:
    """What one ``grade_class`` run did and where it wrote it."""

    assignment_id: str
    seed: int | None = None
    sandboxed: bool = True
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)              # already graded, left alone
    failed: dict[str, str] = field(default_factory=dict)          # student -> why not graded
    regraded: dict[str, list[str]] = field(default_factory=dict)  # student -> why the grade was out of date
    stale_left: dict[str, list[str]] = field(default_factory=dict)  # out of date, not chosen (--student)
    chosen: list[str] = field(default_factory=list)               # --student
    previous_run: dict[str, str] = field(default_factory=dict)    # an interrupted earlier run's leftovers
    interrupted: str | None = None                                # why this run stopped early
    feedback: list[str] = field(default_factory=list)             # students given feedback HTML
    feedback_failed: dict[str, str] = field(default_factory=dict)
    imported: ImportReport | None = None
    backup: Path | None = None
    csv_path: Path | None = None
    lms_csv_path: Path | None = None
    lms_rows_without_id: list[str] = field(default_factory=list)
    roster: str | None = None                                     # where the roster came from
    not_on_roster: list[str] = field(default_factory=list)        # submissions without a roster row
    feedback_zip: Path | None = None                              # for Canvas's Re-Upload Submissions
    feedback_zip_missing: list[str] = field(default_factory=list)  # graded, but not in the zip
    report_paths: list[Path] = field(default_factory=list)
    report_error: str | None = None                               # the report could not be written
    counts: dict = field(default_factory=dict)                    # the report's accounting
    seconds: float = 0.0


class ClassGrader:
    """One grading run for one assignment of the course in ``root``."""

    def __init__(self, root: Path, assignment_id: str, jobs: int | None, force: bool,
                 reports_dir: Path | None, progress: bool, sandbox: bool = True, feedback: bool = True,
                 students: list[str] | None = None, lms_column: str | None = None, roster=None,
                 roster_key: str | None = None, absent_zero: bool | None = None):
        from autograde.grading.hidden_inputs import HiddenInputs
        from autograde.sandbox import Sandbox, sandbox_problem

        self.root = Path(root).resolve()
        self.assignment_id = assignment_id
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.force = force
        self.students = sorted(set(students)) if students else None
        self.progress = progress
        self.give_feedback = feedback
        self.app = nbgrader_adapter.load_app(str(self.root))
        self.coursedir = self.app.coursedir
        # grading/: nbgrader's state; the run journal and the LMS import record live there too
        self.state_dir = (self.root / self.coursedir.autograded_directory).parent
        self.reports_dir = Path(reports_dir) if reports_dir else self.state_dir / "reports"
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        self.journal_path = run_journal.journal_path(self.state_dir, assignment_id)
        self.import_record_path = self.state_dir / f"{assignment_id}-lms.json"
        kept_column = load_import_record(self.import_record_path)["lms_column"]  # --lms-column is kept
        self.lms_column = lms_column or kept_column or assignment_id
        if lms_column and lms_column != kept_column:
            remember(self.import_record_path, lms_column=lms_column)
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

        self.summary = RunSummary(assignment_id, sandboxed=sandbox, chosen=self.students or [])
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
        problem = index_gradebook(self.coursedir.db_url)  # nbgrader's foreign keys have none
        if problem:
            self.log.warning("could not index the gradebook (a large class is graded more slowly): %s", problem)
        self.steps = nbgrader_adapter.AutogradeSteps(self.app, assignment_id, part="save", force=force)
        self.notebook_ids = self._assignment_notebooks()
        self.journal = run_journal.RunJournal(self.journal_path, self.summary.seed)
        try:
            self.roster, self.absent_zero, self.summary.roster = roster_for_run(
                self.state_dir / f"{assignment_id}-roster.json", roster, roster_key, absent_zero)
        except RosterError as exc:
            raise GradingError(str(exc)) from None
        self._stopping = False      # a first Ctrl-C: finish the notebooks in hand, start no more
        self._in_hand: set[str] = set()

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

    def gradebook_points(self) -> dict[str, float]:
        from autograde.term.gradebook import max_points

        return max_points(self.coursedir.db_url, self.assignment_id)

    def import_lms(self, source) -> ImportReport:
        """Copy an LMS export into the submitted folder; stale autograded copies are removed."""
        report = import_submissions(
            source, lambda student: self.coursedir.format_path(
                self.coursedir.submitted_directory, student, self.assignment_id),
            self.assignment_id, self.notebook_ids, LmsImport(parent=self.app),
            student_ids(self.roster, load_import_record(self.import_record_path)["lms_user_ids"]))
        save_import_record(self.import_record_path, report, source)
        for student in report.changed:
            if os.path.exists(self.steps.autograded_folder(student)):
                self.log.warning("%s: the submission changed, regrading it", student)
                self.steps.discard(student)
        for student, why in report.duplicates.items():
            self.log.warning("%s: %s", student, why)
        return report

    def _has_grade_file(self, student: str) -> bool:
        """Whether the student has an autograded notebook (written only once the grades are saved)."""
        return bool(files_in(self.steps.autograded_folder(student)))

    def _stale(self, notebooks: dict[str, list[Path]], points: dict) -> dict[str, list[str]]:
        """Why each graded student's grade is out of date (points or grading code changed), if it is:
        from the facts kept of their autograded notebooks (only those that changed are read)."""
        facts = read_facts([path for paths in notebooks.values() for path in paths],
                           cache_path(self.coursedir, self.assignment_id))
        reasons = {}
        for student, paths in notebooks.items():
            reasons[student] = []
            for path in paths:  # unreadable: regrading is the way out
                reasons[student] += ([f"its autograded notebook cannot be read ({facts[path].error_name})"]
                                     if facts[path].error_name else facts[path].stale(points))
        return reasons

    def _needs_grading(self, student: str, notebooks: list[str]) -> bool:
        """nbgrader's rule (missing output, --force or a newer timestamp), per notebook file."""
        if self.force:
            return True
        dest = self.steps.autograded_folder(student)
        known = [nb for nb in notebooks if Path(nb).stem in self.notebook_ids]
        if not all(os.path.exists(os.path.join(dest, os.path.basename(nb))) for nb in known):
            return True
        new = self.coursedir.get_existing_timestamp(self.steps.submitted_folder(student))
        old = self.coursedir.get_existing_timestamp(dest)
        return new is not None and old is not None and new > old

    def _plan(self, found: dict[str, list[str]]) -> dict[str, list[str]]:
        """The students to grade now, with their notebooks; fills the summary's skipped/regraded."""
        excluded = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        if self.students is not None:
            unknown = [s for s in self.students if s not in found]
            if unknown:
                hints = [f"'{s}'" + (f" (did you mean {', '.join(difflib.get_close_matches(s, found, 3))}?)"
                                     if difflib.get_close_matches(s, found, 3) else "") for s in unknown]
                where = self.coursedir.format_path(self.coursedir.submitted_directory, "<student>",
                                                   self.assignment_id)
                raise GradingError(f"no submission for {', '.join(hints)} in {where}; "
                                   f"{len(found)} students have one")
        todo = {}
        for student, notebooks in found.items():
            if student in excluded:
                continue
            if self.students is not None and student in self.students:
                todo[student] = notebooks
            elif self.students is None and self._needs_grading(student, notebooks):
                todo[student] = notebooks
        graded = {student: files_in(self.steps.autograded_folder(student)) for student in found
                  if student not in todo and student not in excluded}
        for student, reasons in self._stale(graded, self.gradebook_points()).items():
            if reasons and self.students is None:
                todo[student] = found[student]
                self.summary.regraded[student] = reasons
                self.log.warning("%s: regrading: %s", student, "; ".join(reasons))
            elif reasons:
                self.summary.stale_left[student] = reasons
            elif self.students is None or graded[student]:
                self.summary.skipped.append(student)
        self.summary.skipped.sort()
        return {student: notebooks for student, notebooks in found.items() if student in todo}

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
        self.journal.not_graded(student, reason)

    def _bar(self, total: int, description: str):
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: workers may be forked while a bar is shown
        return tqdm(total=total, desc=description, unit="nb", dynamic_ncols=True,
                    disable=not self.progress or total == 0, file=sys.stderr)

    # -- interruption -----------------------------------------------------------------------------
    def _on_signal(self, signum, frame):
        if self._stopping or signum != signal.SIGINT:
            raise KeyboardInterrupt
        self._stopping = True
        print("\nStopping: the notebooks being graded now are finished and saved, no others are "
              "started (Ctrl-C again to stop at once).", file=sys.stderr)

    def _install_signal_handlers(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}

    # -- the run --------------------------------------------------------------------------------
    def run(self, submissions=None) -> RunSummary:
        """Import, grade, give feedback, export and report; see the module docs."""
        started = time.monotonic()
        previous = run_journal.interrupted_run(self.journal_path)
        carried = run_journal.not_graded(self.journal_path)
        if submissions is not None:
            try:
                self.summary.imported = self.import_lms(submissions)
            except SubmissionsError as exc:
                raise GradingError(str(exc)) from None
        problem = points_problem(self.coursedir, self.assignment_id, self.gradebook_points())
        if problem:
            raise GradingError(problem)

        found = self.steps.submissions()
        if not found:
            where = self.coursedir.format_path(self.coursedir.submitted_directory, "*", self.assignment_id)
            raise GradingError(f"no submissions to grade: nothing matches {where}/*.ipynb")
        todo = self._plan(found)
        ungraded = {s: why for s, why in carried.items() if s in found and not self._has_grade_file(s)}
        if previous:
            self.summary.previous_run = ungraded
        self.journal.start(todo, carried={s: why for s, why in ungraded.items() if s not in todo})

        handlers = self._install_signal_handlers()
        hard_stop, fault = False, None
        try:
            if todo:
                self.summary.backup = backup_gradebook(self.coursedir.db_url)
                if self.summary.backup:
                    self.log.info("gradebook backed up to %s", self.summary.backup)
            self._run_workers(todo)
        except GraderFault as exc:  # the canary failed: nobody of this run is graded
            fault = str(exc)
        except KeyboardInterrupt:
            hard_stop = True
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            if hard_stop or self._stopping:
                self.summary.interrupted = STOPPED if hard_stop else INTERRUPTED
            left = self.journal.finish(interrupted=self.summary.interrupted or fault)
            for student, reason in left.items():
                self.summary.failed.setdefault(student, reason)
                self.steps.discard(student)  # a half-prepared folder must not count as graded
            export_and_report(self.app, self.summary, state_dir=self.state_dir, reports_dir=self.reports_dir,
                              journal_path=self.journal_path, import_record_path=self.import_record_path,
                              lms_column=self.lms_column, roster=self.roster, absent_zero=self.absent_zero)
            self.summary.seconds = time.monotonic() - started
        if fault:
            raise GradingError(fault)
        return self.summary

    def _run_workers(self, todo: dict) -> None:
        with tempfile.TemporaryDirectory(prefix="autograde-") as scratch:
            from autograde.term.worker_pool import WorkerPool, adopt_orphans, stop_stray_kernels

            # The workers read the assignment from it, never a student's rows (registered as they grade).
            snapshot = snapshot_gradebook(self.coursedir.db_url, Path(scratch))
            cleanup = (lambda: stop_stray_kernels(self.log)) if adopt_orphans() else None
            pool = WorkerPool(min(self.jobs, max(1, len(todo))), initializer=worker.init_worker,
                              initargs=(str(self.root), self.assignment_id, snapshot, self.worker_config,
                                        str(self.log_path)),
                              log=self.log, after_close=cleanup)
            try:
                if todo:
                    pool.start()
                self._grade(pool, todo)
                if self.give_feedback and not self._stopping:
                    self._feedback(pool)
            except (KeyboardInterrupt, GraderFault):  # stop at once: nothing more of this run is saved
                pool.terminate()
                raise
            finally:
                pool.close()

    def _prepared(self, todo: dict, remaining: dict, bar):
        """Each student's notebooks, prepared (registered, the instructor's files restored) as
        the workers ask for more, not the whole class first (0.04 CPU-s a student). One who
        cannot be prepared is failed here, and leaves the progress bar's total."""
        for student, notebooks in todo.items():
            try:
                tasks = self._prepare(student, notebooks)
            except Exception as exc:  # nbgrader logged the details; its failure handling
                self._fail(student, worker.describe_failure(exc), traceback.format_exc())
                tasks = []
            bar.total -= len(notebooks) - len(tasks)  # shown at the bar's next update
            remaining[student] = list(tasks)
            yield from tasks

    def _grade(self, pool, todo: dict) -> None:
        remaining: dict[str, list[worker.GradeTask]] = {}
        with self._bar(sum(map(len, todo.values())), f"grading {self.assignment_id}") as bar:
            tasks = self._prepared(todo, remaining, bar)
            first = next(tasks, None)
            if first is None:  # nobody could be prepared: not even the canary runs
                return
            reference = worker.ReferenceTask(self.assignment_id)  # the canary: no grade is saved unless it passes
            arguments = itertools.chain([(reference,), (first,)], ((task,) for task in tasks))
            results = pool.run(worker.grade_notebook, arguments, stop=lambda: self._stopping)
            for (task,), result in worker.reference_first(results, reference):
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
                    self.journal.graded(student)
        self.summary.graded.sort()

    def _feedback(self, pool) -> None:
        """nbgrader's feedback HTML for the students graded now and any graded earlier without it."""
        wanted = set(self.summary.graded)
        for student in self.summary.skipped:
            feedback = self.coursedir.format_path(self.coursedir.feedback_directory, student,
                                                  self.assignment_id)
            if not files_in(feedback, ".html"):
                wanted.add(student)
        with self._bar(len(wanted), "feedback") as bar:
            for (student, _), result in pool.run(worker.render_feedback,
                                                 [(s, self.assignment_id) for s in sorted(wanted)],
                                                 stop=lambda: self._stopping):
                bar.update()
                error = WORKER_DIED if result is None else result[1]
                if error:
                    self.summary.feedback_failed[student] = error
                    self.log.error("%s: no feedback: %s", student, error)
                else:
                    self.summary.feedback.append(student)
        self.summary.feedback.sort()

    def close(self):
        logging.captureWarnings(False)
        logging.getLogger("py.warnings").removeHandler(self._log_file)
        self.app.log.removeHandler(self._log_file)
        self._log_file.close()


def grade_class(root=".", assignment_id: str | None = None, submissions=None, jobs: int | None = None,
                force: bool = False, reports_dir=None, progress: bool = True, feedback: bool = True,
                sandbox: bool = True, students: list[str] | None = None,
                lms_column: str | None = None, roster=None, roster_key: str | None = None,
                absent_zero: bool | None = None) -> RunSummary:
    """Grade every submission of an assignment (default: the challenge) in the course at ``root``.

    Args:
        root: the course root (the folder with ``nbgrader_config.py``).
        assignment_id: the nbgrader assignment to grade.
        submissions: an LMS export (folder or .zip) to import first, or None.
        jobs: notebooks graded at once (default: one per core).
        force: regrade every submission, graded or not.
        reports_dir: where the class report and the log go (default ``grading/reports``).
        progress: show progress bars.
        feedback: write nbgrader's feedback HTML (else the next run writes what is missing).
        sandbox: run the notebooks in the bubblewrap sandbox (``False`` is ``--no-sandbox``).
        students: grade (or regrade) only these students.
        lms_column: the assignment's column header in the LMS's CSV (default: the assignment id).
        roster: Canvas's gradebook export (:mod:`autograde.term.roster`), or None for the one kept.
        roster_key: the roster's column holding nbgrader student ids (default ``SIS Login ID``).
        absent_zero: roster students without a submission get 0 (True) or blank (False) in both grade
            files; None keeps the choice made with the roster (default blank).

    Returns:
        A :class:`RunSummary` (its ``interrupted`` says whether Ctrl-C cut the run short).
        Raises :class:`GradingError` for problems that stop the run.
    """
    grader = ClassGrader(Path(root), assignment_id or ASSIGNMENT, jobs, force, reports_dir, progress,
                         sandbox=sandbox, feedback=feedback, students=students, lms_column=lms_column,
                         roster=roster, roster_key=roster_key, absent_zero=absent_zero)
    try:
        return grader.run(submissions)
    finally:
        grader.close()
