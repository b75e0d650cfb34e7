"""What a long-lived grading worker process does, one submission at a time.

``python -m autograde grade`` starts a few of these workers and keeps them for
the whole run, so nbgrader, nbconvert and the course config are loaded once per
worker instead of once per student. A worker runs the part of nbgrader's own
``Autograde`` converter that needs no database writes:

* the sanitize preprocessors (clear outputs, restore the instructor's test
  cells from the gradebook, check metadata), exactly as configured;
* the autograde preprocessors that come before ``SaveAutoGrades`` (``Execute``
  in a fresh kernel, ``IgnorePattern``, ``ClearMetadataPreprocessor``,
  ``LimitOutput`` and whatever the course config adds there).

It returns the executed notebook as text. The main process then runs the rest
of the chain (``SaveAutoGrades``, ``AssignLatePenalties``, ...) and writes the
autograded notebook, so only one process ever writes the SQLite gradebook.
Workers read a snapshot copy of the gradebook, so they never hold a lock on the
live one either.

Workers also render nbgrader's feedback HTML once all grades are saved (that
step only reads the gradebook).
"""
from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass, field

# Worker state, filled in by ``init_worker`` in each worker process.
_STATE: dict = {}


@dataclass
class GradeTask:
    """One notebook of one student's submission to execute."""

    student_id: str
    assignment_id: str
    submitted_path: str      # nbgrader's submitted/<student>/<assignment>/<nb>.ipynb
    autograded_path: str     # where nbgrader will write the autograded notebook


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
    """Collects log lines of one task so the main process can file them."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.levelname}: {record.getMessage()}")
        except Exception:  # a broken log message must not break grading
            self.lines.append(f"{record.levelname}: {record.msg!r}")


def split_autograde_preprocessors(preprocessors) -> int:
    """Index of the first autograde preprocessor that writes the gradebook.

    Everything before it (execution and output clean-up) runs in a worker;
    ``SaveAutoGrades`` and everything after it run in the main process.
    """
    from nbgrader.preprocessors import SaveAutoGrades
    from traitlets.utils.importstring import import_item

    for index, preprocessor in enumerate(preprocessors):
        if isinstance(preprocessor, str):  # config may name them "package.module.Class"
            preprocessor = import_item(preprocessor)
        cls = preprocessor if isinstance(preprocessor, type) else type(preprocessor)
        if issubclass(cls, SaveAutoGrades):
            return index
    raise RuntimeError("the configured Autograde.autograde_preprocessors have no SaveAutoGrades")


def load_app(root: str, app_class=None):
    """An initialized nbgrader app for the course in ``root`` (reads its nbgrader_config.py)."""
    from nbgrader.apps import AutogradeApp

    app_class = app_class or AutogradeApp
    os.chdir(root)
    app = app_class()
    app.initialize(["--log-level=WARN"], root=root)
    # nbgrader logs to stderr; inside the workers the log goes back to the main
    # process with each result instead (it would garble the progress bar).
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.propagate = False
    app.log.setLevel(logging.WARNING)
    return app


def autograde_part_class(part: str):
    """nbgrader's Autograde, limited to one part of its autograde preprocessors.

    ``"execute"`` stops before ``SaveAutoGrades`` (the workers: nothing is written
    to the gradebook); ``"save"`` starts there (the main process, the only writer).
    Sanitizing is nbgrader's own in both.
    """
    from nbgrader.converters import Autograde

    class PartialAutograde(Autograde):
        def _init_preprocessors(self):  # as nbgrader's own, with a slice of the list
            self.exporter._preprocessors = []
            if self._sanitizing:
                chosen = self.sanitize_preprocessors
            else:
                split = split_autograde_preprocessors(self.autograde_preprocessors)
                chosen = (self.autograde_preprocessors[:split] if part == "execute"
                          else self.autograde_preprocessors[split:])
            for preprocessor in chosen:
                self.exporter.register_preprocessor(preprocessor)

    return PartialAutograde


def init_worker(root: str, snapshot_db_url: str, log_path: str | None = None) -> None:
    """Process-pool initializer: load the course config and build the converters once.

    With ``log_path``, the worker's stderr (and so its kernels' stderr) goes to
    that file instead of the terminal, where it would garble the progress bar.
    """
    if log_path:
        descriptor = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(descriptor, 2)
        os.close(descriptor)
    from nbconvert.writers import FilesWriter
    from nbgrader.apps import GenerateFeedbackApp
    from nbgrader.converters import GenerateFeedback

    app = load_app(root)
    app.coursedir.db_url = snapshot_db_url
    converter = autograde_part_class("execute")(coursedir=app.coursedir, parent=app)
    converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
    handler = _ListHandler()
    app.log.addHandler(handler)

    feedback_app = load_app(root, GenerateFeedbackApp)
    feedback = GenerateFeedback(coursedir=feedback_app.coursedir, parent=feedback_app)
    feedback.force = True
    feedback.writer = FilesWriter(parent=feedback, config=feedback.config)
    feedback.exporter = feedback.exporter_class(parent=feedback, config=feedback.config)
    for preprocessor in feedback.preprocessors:
        feedback.exporter.register_preprocessor(preprocessor)
    feedback_app.log.addHandler(handler)

    _STATE.update(root=root, converter=converter, feedback=feedback, handler=handler)


def describe_failure(exc: BaseException) -> str:
    """A one-line, instructor-facing reason for a submission that could not be graded."""
    name = type(exc).__name__
    if name == "DeadKernelError":
        return "the kernel died while running the notebook"
    if name == "UnresponsiveKernelError":
        return "the kernel stopped responding and could not be interrupted"
    if name in ("CellTimeoutError", "TimeoutError"):
        return "a cell ran past the time limit"
    if name in ("NotJSONError", "JSONDecodeError", "ValidationError") or "JSON" in name:
        return f"the file is not a readable notebook ({name})"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0][:200]}" if text else name


def grade_notebook(task: GradeTask) -> GradeResult:
    """Sanitize and execute one submitted notebook; never raises."""
    import nbformat

    converter = _STATE["converter"]
    handler = _STATE["handler"]
    handler.lines = []
    result = GradeResult(task)
    start = time.monotonic()
    try:
        # 1. sanitize, as Autograde.convert_single_notebook does first
        converter._sanitizing = True
        converter._init_preprocessors()
        resources = converter.init_single_notebook_resources(task.submitted_path)
        sanitized, _ = converter.exporter.from_filename(task.submitted_path, resources=resources)

        # 2. execute, as if reading the sanitized copy back from the autograded
        #    folder (nbgrader writes it there and reads it again): the kernel's
        #    working directory is that folder, where the instructor's helper
        #    files were restored.
        converter._sanitizing = False
        converter._init_preprocessors()
        resources = converter.init_single_notebook_resources(task.autograded_path)
        directory, basename = os.path.split(task.autograded_path)
        resources["metadata"] = {"name": os.path.splitext(basename)[0], "path": directory,
                                 "modified_date": time.strftime("%B %d, %Y")}
        from nbgrader import utils
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            executed, _ = converter.exporter.from_notebook_node(
                nbformat.reads(sanitized, as_version=4), resources=resources)
        result.notebook_text = executed
    except Exception as exc:  # any failure is reported per submission, like nbgrader does
        result.error = describe_failure(exc)
        result.details = traceback.format_exc()
    finally:
        converter._sanitizing = True
    result.log_lines = handler.lines
    result.seconds = time.monotonic() - start
    return result


def render_feedback(student_id: str, assignment_id: str) -> tuple[str, str | None]:
    """Write nbgrader's feedback HTML for one student; returns (student, error or None)."""
    feedback = _STATE["feedback"]
    handler = _STATE["handler"]
    handler.lines = []
    os.chdir(_STATE["root"])
    feedback.coursedir.student_id = student_id
    feedback.coursedir.assignment_id = assignment_id
    try:
        feedback.init_notebooks()
        feedback.convert_notebooks()
    except Exception as exc:
        return student_id, describe_failure(exc) + "".join("\n  " + line for line in handler.lines)
    return student_id, None
