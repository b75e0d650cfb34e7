"""What a long-lived grading worker process does, one submission at a time.

``python -m autograde grade`` starts a few of these workers and keeps them for
the whole run, so nbgrader, nbconvert and the course config are loaded once per
worker instead of once per student. A worker runs the part of nbgrader's own
``Autograde`` that writes nothing to the gradebook
(:class:`autograde.grading.nbgrader_adapter.AutogradeSteps`, ``part="execute"``): the
sanitize preprocessors, then the autograde preprocessors before
``SaveAutoGrades`` (the evidence cell, the sandboxed kernel, the inspector and
the graded cells' outputs). It returns the notebook as text; the main process
saves the grades. Workers read a snapshot copy of the gradebook, so they never
hold a lock on the live one; once all grades are saved they also render
nbgrader's feedback HTML (a read-only step).
"""
from __future__ import annotations

import logging
import os
import signal
import time
import traceback
from dataclasses import dataclass, field

from autograde.grading import nbgrader_adapter
from autograde.grading.protocol import KERNEL_FAULTS
from autograde.sandbox.compiled_files import trust_folder

# Worker state, filled in by ``init_worker`` in each worker process.
_STATE: dict = {}


@dataclass
class GradeTask:
    """One notebook of one student's submission to execute."""

    student_id: str
    assignment_id: str
    submitted_path: str      # nbgrader's submitted/<student>/<assignment>/<nb>.ipynb
    autograded_path: str     # where the autograded notebook will be written


@dataclass
class GradeResult:
    """What a worker sends back for a ``GradeTask``."""

    task: GradeTask
    notebook_text: str | None = None      # executed notebook (nbformat JSON), None on failure
    error: str | None = None              # short, instructor-facing reason when it failed
    details: str = ""                     # traceback for the log
    log_lines: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _ListHandler(logging.Handler):
    """Collects the log lines of one task so the main process can file them."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.levelname}: {record.getMessage()}")
        except Exception:  # a broken log message must not break grading
            self.lines.append(f"{record.levelname}: {record.msg!r}")


def init_worker(root: str, assignment_id: str, snapshot_db_url: str, config: dict,
                log_path: str | None = None) -> None:
    """Process-pool initializer: load the course config and build the converters once.

    ``config`` holds settings the run imposes on every worker (e.g. this run's
    hidden-input seed, the sandbox switch), as ``{"Section": {"name": value}}``.
    With ``log_path``, the worker's stderr (and its kernels') goes to that file
    instead of the terminal, where it would garble the progress bar.
    """
    # Ctrl-C is the main process's to handle: it lets the notebooks in hand finish (a notebook
    # cut short would be graded as if the student's code had failed) or stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if log_path:
        descriptor = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(descriptor, 2)
        os.close(descriptor)
    app = nbgrader_adapter.load_app(root)
    app.coursedir.db_url = snapshot_db_url
    for section, values in config.items():
        for name, value in values.items():
            app.config[section][name] = value
    steps = nbgrader_adapter.AutogradeSteps(app, assignment_id, part="execute")
    trust_folder(steps.source_folder())
    handler = _ListHandler()
    app.log.addHandler(handler)
    feedback = nbgrader_adapter.feedback_converter(root)
    feedback.parent.log.addHandler(handler)
    _STATE.update(root=root, steps=steps, feedback=feedback, handler=handler)


def describe_failure(exc: BaseException) -> str:
    """A one-line, instructor-facing reason for a submission that could not be graded."""
    from autograde.grading.protocol import GraderFault
    from autograde.grading.submission_guard import SubmissionRefused

    if isinstance(exc, (GraderFault, SubmissionRefused)):  # they say it in words, with the fix
        return str(exc)
    name = type(exc).__name__
    if name in KERNEL_FAULTS:
        return KERNEL_FAULTS[name]
    text = str(exc).strip().splitlines()
    if name == "UnreadableSubmission":  # autograde.grading.submission_file: the reason and the fix
        return text[0]
    if name in ("NotJSONError", "JSONDecodeError", "ValidationError") or "JSON" in name:
        return f"the file is not a readable notebook ({name}); ask the student to hand in the notebook again"
    return f"{name}: {text[0][:200]}" if text else name


@dataclass
class ReferenceTask:
    """The canary: grade the instructor's solution (:mod:`autograde.grading.canary`)."""

    assignment_id: str
    student_id: str = "(the instructor's solution)"


def grade_notebook(task: GradeTask | ReferenceTask) -> GradeResult:
    """Sanitize and execute one submitted notebook (or check the instructor's solution:
    ``error`` says why it failed); never raises."""
    from autograde.grading.canary import check_reference
    from autograde.grading.protocol import GraderFault

    handler = _STATE["handler"]
    handler.lines = []
    result = GradeResult(task)
    start = time.monotonic()
    try:
        if isinstance(task, ReferenceTask):
            try:
                check_reference(_STATE["steps"], task.assignment_id)
            except GraderFault as fault:
                result.error = fault.args[0]
        else:
            result.notebook_text = _STATE["steps"].sanitize_and_execute(task.submitted_path, task.autograded_path)
    except Exception as exc:  # any failure is reported per submission, like nbgrader does
        result.error = describe_failure(exc)
        result.details = traceback.format_exc()
    result.log_lines = handler.lines
    result.seconds = time.monotonic() - start
    return result


def reference_first(results, reference: ReferenceTask):
    """The results of a pool run that began with ``reference`` (the canary), students' only:
    those that come back before the canary's are held, and yielded once it passed. Raises
    :class:`GraderFault` when it failed: no grade of this run may be saved."""
    from autograde.grading.protocol import GraderFault

    held, passed = [], False
    for arguments, result in results:
        if arguments[0] is reference:
            if result is None or result.error:
                raise GraderFault(result.error if result else "the grading worker died while it graded the "
                                  "instructor's solution")
            passed = True
            yield from held
            held = []
        elif passed:
            yield arguments, result
        else:
            held.append((arguments, result))


def render_feedback(student_id: str, assignment_id: str) -> tuple[str, str | None]:
    """Write nbgrader's feedback HTML for one student; returns (student, error or None)."""
    handler = _STATE["handler"]
    handler.lines = []
    os.chdir(_STATE["root"])
    try:
        nbgrader_adapter.render_feedback(_STATE["feedback"], student_id, assignment_id)
    except Exception as exc:
        return student_id, describe_failure(exc) + "".join("\n  " + line for line in handler.lines)
    return student_id, None
