"""Before nbgrader reads a submitted folder: nothing in it is followed, nothing in it is too big.

nbgrader's autograde set-up (``init_assignment``) copies every file of
``submitted/<student>/<assignment>/`` into the student's autograded folder with
``shutil.copy``, as the instructor, following links: a link to the gradebook planted there
(by a copy that keeps links: ``cp -a``, ``rsync -a``, an unzip) becomes the gradebook in the
folder the student's kernel runs in, and a FIFO stops the run. Then nbgrader parses each
notebook whole: an 11 MB notebook of 100,000 markdown cells took 216 s and 1.4 GB of the
grader, and was graded.

:func:`guard_submission` runs first, on both grading paths (``python -m autograde grade``
calls it from :meth:`AutogradeSteps.prepare`; plain ``nbgrader autograde`` from
:func:`pre_convert_hook`, named in ``nbgrader_config.py``):

* every entry that is not a regular file or folder (symbolic links, hard links, FIFOs,
  sockets, devices) is removed from the submitted folder without being followed, and
  recorded: the student is flagged (:mod:`autograde.grading.refusals`);
* each notebook to grade must be a regular file of at most ``max_notebook_mb``, whose JSON
  holds at most ``max_json_values`` values and ``max_cells`` cells, checked before
  anything parses it whole; else the student is not graded, with the reason and the fix.
"""
from __future__ import annotations

import json
import os
import stat
import sys

from traitlets import Integer
from traitlets.config import Configurable

from autograde.grading import refusals
from autograde.sandbox.files import NotRegular, read_regular, unsafe_entries
from autograde.sandbox.kernel_manager import json_values

#: The fix for every submission refused here.
HAND_IN_AGAIN = "ask the student to hand in their notebook again"


class SubmissionLimits(Configurable):
    """Limits on a submitted notebook, checked before nbgrader parses it
    (``c.SubmissionLimits.<name>`` in ``nbgrader_config.py``)."""

    max_notebook_mb = Integer(50, help=(
        "Largest submitted notebook, in MB. A challenge notebook is well under 1 MB, a few MB "
        "with many pictures in its outputs.")).tag(config=True)
    max_json_values = Integer(200_000, help=(
        "Most JSON values (cells, outputs, lists, mappings, strings: what parsing makes) in a "
        "submitted notebook. The challenge notebook holds about 550, a few thousand with outputs.")).tag(config=True)
    max_cells = Integer(2_000, help=(
        "Most cells in a submitted notebook. The challenge notebook has 16.")).tag(config=True)


class SubmissionRefused(Exception):
    """A submission the grader will not grade; the message says why and what to do."""


def check_notebook(path: str, limits: SubmissionLimits) -> None:
    """Raise :class:`SubmissionRefused` unless ``path`` is a notebook the grader may parse:
    a regular file (not a link, and not in a linked folder), within the limits."""
    name = os.path.basename(path)
    for folder in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
        if stat.S_ISLNK(os.lstat(folder).st_mode):
            raise SubmissionRefused(f"its folder {os.path.basename(folder)!r} is a symbolic link, not a folder: "
                                    f"nothing in it was read; {HAND_IN_AGAIN}")
    try:
        data = read_regular(path, limits.max_notebook_mb * 2**20)
    except NotRegular as refused:
        raise SubmissionRefused(f"{refused.strerror}, not a notebook file: nothing was read; {HAND_IN_AGAIN}") from None
    except ValueError:
        raise SubmissionRefused(f"{name!r} is {os.path.getsize(path) / 2**20:.1f} MB, more than the grader reads "
                                f"(c.SubmissionLimits.max_notebook_mb = {limits.max_notebook_mb}); "
                                f"{HAND_IN_AGAIN}, with its outputs cleared") from None
    values = json_values(data, limits.max_json_values)
    if values > limits.max_json_values:
        raise SubmissionRefused(f"{name!r} holds about {values:,} JSON values, more than the grader reads "
                                f"(c.SubmissionLimits.max_json_values = {limits.max_json_values:,}); {HAND_IN_AGAIN}")
    try:
        cells = json.loads(data).get("cells")
    except (ValueError, AttributeError):
        return  # not a notebook at all: nbgrader's reading says so
    if isinstance(cells, list) and len(cells) > limits.max_cells:
        raise SubmissionRefused(f"{name!r} has {len(cells):,} cells, more than the grader reads "
                                f"(c.SubmissionLimits.max_cells = {limits.max_cells:,}); {HAND_IN_AGAIN}")


def guard_submission(folder: str, notebooks: list[str], limits: SubmissionLimits, log=None) -> str | None:
    """Make ``folder`` (``submitted/<student>/<assignment>``) safe for nbgrader's set-up to read.

    Removes (without following) every entry that is not a regular file or folder, other
    than the notebooks to grade, and records each for the student's flags; a submitted
    folder that is itself a link is removed (it is no one's work). Returns why the
    submission must not be graded (a notebook refused by :func:`check_notebook`), or None.
    """
    for linked in (os.path.dirname(folder), folder):
        if stat.S_ISLNK(os.lstat(linked).st_mode):
            os.unlink(linked)  # else nbgrader's set-up copies the files of whatever it points at
            return f"the submitted folder {os.path.basename(linked)!r} was a symbolic link: nothing in it was read; {HAND_IN_AGAIN}"
    graded = {os.path.normpath(notebook) for notebook in notebooks}
    removed = []
    for relative, why in unsafe_entries(folder):
        path = os.path.join(folder, relative)
        if os.path.normpath(path) not in graded:  # those are refused whole below
            os.unlink(path)  # the link, FIFO or extra name itself, never what it points at
            removed.append(f"removed before grading: {why}")
            if log:
                log.warning("%s: %s", os.path.basename(os.path.dirname(folder)), removed[-1])
    if removed:
        refusals.note(folder, "grading", removed)
    for notebook in notebooks:
        try:
            check_notebook(notebook, limits)
        except SubmissionRefused as refused:
            return str(refused)
    return None


_reference_checked: set[str] = set()  # assignments whose canary passed in this process


def _calling_converter():
    """The nbgrader converter whose ``run_pre_convert_hook`` calls the hook (nbgrader passes the
    hook only the assignment, the student and the notebooks; the converter has the settings)."""
    from nbgrader.converters import Autograde

    converter = sys._getframe(2).f_locals.get("self")  # pre_convert_hook <- run_pre_convert_hook
    return converter if isinstance(converter, Autograde) else None


def pre_convert_hook(assignment, student, notebooks):
    """``c.Autograde.pre_convert_hook``, called by nbgrader before each student's set-up, in plain
    ``nbgrader autograde`` and in formgrader's *Autograde*: :func:`guard_submission`, then the
    canary once per process (:func:`autograde.grading.canary.check_reference`). A refused
    submission's notebooks are taken out of nbgrader's list, so that nbgrader fails that student
    without reading it; a failed canary stops ``nbgrader autograde`` (in formgrader, it fails
    the student, whom the canary would have graded wrongly).

    ``python -m autograde grade`` makes these checks itself (:meth:`AutogradeSteps.prepare`, and
    the canary on a worker): there the hook does nothing.
    """
    from nbgrader.apps import AutogradeApp

    from autograde.grading.canary import check_reference
    from autograde.grading.nbgrader_adapter import AutogradeSteps
    from autograde.grading.protocol import GraderFault

    converter = _calling_converter()
    if converter is None or getattr(converter, "checks_submissions_itself", False) or not notebooks:
        return
    folder = os.path.dirname(notebooks[0])
    try:
        refused = guard_submission(folder, notebooks, SubmissionLimits(parent=converter), converter.log)
    except Exception as error:  # noqa: BLE001 - nbgrader would ignore it and follow what is left
        refused = f"the grader could not check the submitted folder ({type(error).__name__}: {error})"
    if not refused and assignment not in _reference_checked:
        try:
            check_reference(AutogradeSteps(converter.parent, assignment, part="execute"), assignment)
            _reference_checked.add(assignment)
        except GraderFault as fault:
            if AutogradeApp.initialized() and converter.parent is AutogradeApp.instance():
                raise SystemExit(f"nbgrader autograde stopped: {fault}") from None
            refused = str(fault)
    if refused:
        converter.log.error("%s: not graded: %s", os.path.basename(os.path.dirname(folder)), refused)
        notebooks.clear()
