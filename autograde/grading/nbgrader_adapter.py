"""nbgrader behind one door: the only module that touches nbgrader's private API.

``python -m autograde grade`` runs nbgrader's own ``Autograde`` converter, but
one step at a time and split across processes (workers sanitize and execute;
the main process is the only one that writes the gradebook). nbgrader has no
public API for that, so this module drives the converter through the few
private members it relies on, all named in :data:`PRIVATE_MEMBERS`:
``Autograde._sanitizing`` and ``_init_preprocessors`` (choose the sanitize or
the autograde preprocessors), ``_format_source`` / ``_format_dest`` (the
submitted and autograded folders of one student), nbconvert's
``Exporter._preprocessors`` (the registered preprocessors), and the ``jsonschema``
that nbgrader's cell-metadata validator calls (:class:`_SchemaCheckedOnce`). The contract test
``autograde/tests/test_nbgrader_adapter.py`` checks that the pinned nbgrader
still has them and still behaves as relied on; an upgrade that changes them
fails there, loudly, and nowhere else.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time

#: nbgrader/nbconvert members used here that are not public API.
PRIVATE_MEMBERS = {
    "nbgrader.converters.Autograde": ("_sanitizing", "_init_preprocessors", "_format_source",
                                      "_format_dest"),
    "nbconvert.exporters.Exporter": ("_preprocessors",),
    "nbgrader.nbgraderformat.common": ("jsonschema",),
}


def load_app(root: str, app_class=None):
    """An initialised nbgrader app for the course in ``root`` (reads its ``nbgrader_config.py``).

    Its log handlers are removed (the caller decides where nbgrader's messages go).
    """
    from nbgrader.apps import AutogradeApp

    app_class = app_class or AutogradeApp
    os.chdir(root)
    app = app_class()
    app.initialize(["--log-level=WARN"], root=root)
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.propagate = False
    app.log.setLevel(logging.WARNING)
    return app


def course_directory(root: str = "."):
    """nbgrader's ``CourseDirectory`` of the course in ``root``, configured from its
    ``nbgrader_config.py`` (folders, gradebook URL, course id)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return CourseDirectory(config=config, root=os.path.abspath(root))


def split_autograde_preprocessors(preprocessors) -> int:
    """Index of the first autograde preprocessor that writes the gradebook (``SaveAutoGrades``).

    Everything before it (execution and judging) runs in a worker; it and
    everything after it run in the main process.
    """
    from nbgrader.preprocessors import SaveAutoGrades
    from traitlets.utils.importstring import import_item

    for index, preprocessor in enumerate(preprocessors):
        if isinstance(preprocessor, str):  # config names them "package.module.Class"
            preprocessor = import_item(preprocessor)
        cls = preprocessor if isinstance(preprocessor, type) else type(preprocessor)
        if issubclass(cls, SaveAutoGrades):
            return index
    raise RuntimeError("the configured Autograde.autograde_preprocessors have no SaveAutoGrades")


def _partial_autograde_class(part: str):
    """nbgrader's Autograde, limited to one part of its autograde preprocessors:
    ``"execute"`` stops before ``SaveAutoGrades``, ``"save"`` starts there."""
    from nbgrader.converters import Autograde

    class PartialAutograde(Autograde):
        #: prepare() guards each submission, and the run grades the canary on a worker: the
        #: course's pre_convert_hook (autograde.grading.submission_guard) leaves both to them.
        checks_submissions_itself = True

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


class _SchemaCheckedOnce:
    """What nbgrader's cell-metadata validator calls as ``jsonschema``: ``validate`` is
    jsonschema's own (the same checks, the same error), but each schema is checked once per
    process, not once per cell (nbgrader reads its schema anew for each notebook and
    ``jsonschema.validate`` checks it again each time: 1.6 ms a cell, about 36 ms a
    submission, more than half of the worker's conversion)."""

    def __init__(self):
        import jsonschema

        self._jsonschema = jsonschema
        self._validators = {}

    def validate(self, instance, schema):
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = self._jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        return getattr(self._jsonschema, name)


def _check_each_schema_once() -> None:
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _SchemaCheckedOnce):
        common.jsonschema = _SchemaCheckedOnce()


class AutogradeSteps:
    """One part of nbgrader's ``Autograde``, step by step, for one course and assignment.

    ``part="execute"`` (workers): :meth:`sanitize_and_execute`. ``part="save"``
    (the main process): :meth:`submissions`, :meth:`prepare`, :meth:`save`,
    :meth:`finish`. Together they do what ``Autograde.convert_notebooks`` does
    for each submission.
    """

    def __init__(self, app, assignment_id: str, part: str, force: bool = False):
        from nbconvert.writers import FilesWriter

        self.app = app
        self.coursedir = app.coursedir
        self.coursedir.assignment_id = assignment_id
        self.assignment_id = assignment_id
        self.converter = _partial_autograde_class(part)(coursedir=self.coursedir, parent=app)
        self.converter.force = force
        self.converter.writer = FilesWriter(parent=self.converter, config=self.converter.config)
        self.converter.exporter = _exporter_of(self.converter)
        _check_each_schema_once()

    # -- folders ---------------------------------------------------------------------------
    def submitted_folder(self, student: str) -> str:
        """``submitted/<student>/<assignment>``."""
        self.converter._sanitizing = True
        return self.converter._format_source(self.assignment_id, student)

    def autograded_folder(self, student: str) -> str:
        """``autograded/<student>/<assignment>``."""
        return self.converter._format_dest(self.assignment_id, student)

    def source_folder(self) -> str:
        """nbgrader's source folder of the assignment (the course's ``solutions/<assignment>``):
        the instructor's files, which nbgrader restores into every autograded folder."""
        return self.coursedir.format_path(self.coursedir.source_directory, ".", self.assignment_id)

    def submissions(self) -> dict[str, list[str]]:
        """``{student: [submitted notebook paths]}``, as nbgrader's Autograde finds them."""
        from nbgrader.converters import NbGraderException

        self.coursedir.student_id = "*"
        self.converter._sanitizing = True
        try:
            self.converter.init_notebooks()
        except NbGraderException:
            return {}
        pattern = self.converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True)
        found = {}
        for path, notebooks in sorted(self.converter.assignments.items()):
            match = re.match(pattern, path)
            if match:
                found[match.group("student_id")] = sorted(notebooks)
        return found

    # -- main process ----------------------------------------------------------------------
    def prepare(self, student: str, notebooks: list[str]) -> list[str]:
        """Register the submission in the gradebook and restore the instructor's files into
        the student's autograded folder (nbgrader's ``init_assignment``); returns the
        notebooks to grade (those the gradebook knows).

        First the submitted folder is made safe to read (links and the like removed) and the
        notebooks checked against the limits
        (:func:`autograde.grading.submission_guard.guard_submission`): a refused submission
        raises :class:`~autograde.grading.submission_guard.SubmissionRefused` before nbgrader
        reads anything of it.
        """
        from nbgrader.utils import rmtree

        from autograde.grading.submission_guard import SubmissionLimits, SubmissionRefused, guard_submission

        refused = guard_submission(self.submitted_folder(student), notebooks, SubmissionLimits(parent=self.app),
                                   self.app.log)
        if refused:
            raise SubmissionRefused(refused)
        dest = self.autograded_folder(student)
        if os.path.exists(dest):
            rmtree(dest)
        self.coursedir.student_id = student
        self.converter._sanitizing = True
        self.converter.notebooks = list(notebooks)
        self.converter.run_pre_convert_hook()
        self.converter.init_assignment(self.assignment_id, student)
        os.makedirs(dest, exist_ok=True)  # the kernel runs there (nbgrader makes it when writing)
        return list(self.converter.notebooks)

    def save(self, notebook_text: str, autograded_path: str) -> None:
        """Run ``SaveAutoGrades`` and the rest of the chain, then write the autograded notebook."""
        import nbformat

        self.converter._sanitizing = False
        try:
            self.converter._init_preprocessors()
            resources = self._resources(autograded_path)
            output, resources = self.converter.exporter.from_notebook_node(
                nbformat.reads(notebook_text, as_version=4), resources=resources)
            self.converter.write_single_notebook(output, resources)
        finally:
            self.converter._sanitizing = True

    def finish(self, student: str) -> None:
        """After every notebook of a student is saved: permissions and nbgrader's post hook."""
        self.converter.set_permissions(self.assignment_id, student)
        self.converter.run_post_convert_hook()

    def discard(self, student: str) -> None:
        """Remove a student's autograded folder (nbgrader's failure handling: a re-run retries)."""
        from nbgrader.utils import rmtree

        dest = self.autograded_folder(student)
        if os.path.exists(dest):
            rmtree(dest)

    # -- workers ---------------------------------------------------------------------------
    def _resources(self, autograded_path: str) -> dict:
        self.converter._sanitizing = False  # resources name the autograded folder as the input
        resources = self.converter.init_single_notebook_resources(autograded_path)
        directory, basename = os.path.split(autograded_path)
        resources["metadata"] = {"name": os.path.splitext(basename)[0], "path": directory,
                                 "modified_date": time.strftime("%B %d, %Y")}
        return resources

    def sanitize_and_execute(self, submitted_path: str, autograded_path: str, resources: dict | None = None) -> str:
        """Sanitize a submitted notebook, then run the autograde preprocessors before
        ``SaveAutoGrades`` on it; returns the notebook as text (nothing is written).

        ``resources`` (nbgrader's, for a notebook outside the course's folders: the canary)
        replace those made from the paths; the notebook's own folder is then its working folder.
        """
        import copy

        import nbformat

        try:
            self.converter._sanitizing = True
            self.converter._init_preprocessors()
            first = copy.deepcopy(resources) if resources else \
                self.converter.init_single_notebook_resources(submitted_path)
            sanitized, first = self.converter.exporter.from_filename(submitted_path, resources=first)
            # Executed as if read back from the autograded folder (nbgrader writes it
            # there and reads it again): the kernel's folder holds the instructor's files.
            second = dict(copy.deepcopy(resources), metadata=first["metadata"]) if resources else \
                self._resources(autograded_path)
            self.converter._sanitizing = False
            self.converter._init_preprocessors()
            with grading_environment():
                executed, _ = self.converter.exporter.from_notebook_node(
                    nbformat.reads(sanitized, as_version=4), resources=second)
            return executed
        finally:
            self.converter._sanitizing = True


def grading_environment():
    """The environment nbgrader's autograde runs notebooks in (``NBGRADER_EXECUTION=autograde``,
    which the checker reads). A sandbox copies it when it starts, and a warm kernel template
    hands it to every kernel it forks: start one outside it, and each notebook would run as if
    not graded (the self-check, say, making its calls in the kernel)."""
    from nbgrader import utils

    return utils.setenv(NBGRADER_EXECUTION="autograde")


def _exporter_of(converter):
    """The converter's exporter, which validates the whole notebook once, after its last
    preprocessor: nbconvert's default validates it after every one (about 1.5 ms each, some 20
    a submission). The same invalid notebook is refused before anything is written; the
    message then names the last preprocessor."""
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    exporter.optimistic_validation = True
    return exporter


def feedback_converter(root: str):
    """nbgrader's ``GenerateFeedback`` converter for the course in ``root``, ready for
    :func:`render_feedback` (loaded once per worker)."""
    from nbconvert.writers import FilesWriter
    from nbgrader.apps import GenerateFeedbackApp
    from nbgrader.converters import GenerateFeedback

    app = load_app(root, GenerateFeedbackApp)
    feedback = GenerateFeedback(coursedir=app.coursedir, parent=app)
    feedback.force = True
    feedback.writer = FilesWriter(parent=feedback, config=feedback.config)
    feedback.exporter = _exporter_of(feedback)
    for preprocessor in feedback.preprocessors:
        feedback.exporter.register_preprocessor(preprocessor)
    return feedback


def render_feedback(feedback, student_id: str, assignment_id: str) -> None:
    """Write nbgrader's feedback HTML for one student (raises on failure)."""
    feedback.coursedir.student_id = student_id
    feedback.coursedir.assignment_id = assignment_id
    feedback.init_notebooks()
    feedback.convert_notebooks()
