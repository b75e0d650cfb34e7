"""nbgrader preprocessors that make grading the challenge robust.

``nbgrader_config.py`` puts them into ``nbgrader autograde``:

* :class:`RestoreTestCells` (sanitize step, before nbgrader's ``OverwriteCells``)
  puts back every read-only cell a student deleted and records, as a flag,
  every graded or setup cell that was edited or deleted. (nbgrader's own
  ``add_missing_cells`` only re-adds graded cells, and only when the cell
  before them is a graded or answer cell.)
* :class:`RobustExecute` runs the notebook like nbgrader's ``Execute``, but when
  the student's code kills the kernel (``os._exit``, a crash) or hangs it
  beyond the timeout and an interrupt, it records an error in that cell and in
  every graded cell that could not run, so the student still gets a grade (0
  for what did not run) instead of an aborted autograde and a submission left
  "needs manual grade".
* :class:`CheckVerdicts` (after execution, before ``SaveAutoGrades``) trusts a
  graded cell only if the checker printed ``[heatmap-check] <criterion>:
  passed`` in it: a cell whose error was swallowed (``set_custom_exc``, a
  replaced ``showtraceback``, a rewritten cell) gets an error output and 0. It
  collects the checker's tampering flags, scans the student's cells for code
  that targets the grading itself (then every graded cell is withheld: 0 until
  an instructor reviews it) and stores all flags in the notebook metadata under
  ``heatmap_check.flags``, where :func:`autograde.flags.find_flags` reads them.
"""
import ast
import re

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

METADATA_KEY = "heatmap_check"
VERDICT = re.compile(r"^\[heatmap-check\] (\w+): (passed|FAILED)\s*$", re.MULTILINE)
FLAG = re.compile(r"^\[heatmap-check flag\] (.+?)\s*$", re.MULTILINE)
HIDDEN_TESTS = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.DOTALL)
#: Read-only cells whose edits are reported (other read-only cells are restored silently).
WATCHED_CELLS = ("setup",)

# Code in a student's cell that can stop the real checks from running at all
# (a stand-in checker module, cells rewritten before they run, a trace function
# active inside the checks): the automatic points are withheld for review.
# Other tampering (matplotlib or builtins patched, set_custom_exc,
# showtraceback, a fake Axes) is undone by the checker, which then grades the
# real plot; it is flagged too.
_SUBVERTING_ATTRIBUTES = {
    "modules": "sys.modules",
    "input_transformers_cleanup": "input transformers",
    "input_transformers_post": "input transformers",
    "input_transformer_manager": "input transformers",
    "ast_transformers": "AST transformers",
    "settrace": "sys.settrace",
    "setprofile": "sys.setprofile",
}


def _flags_of(nb):
    return nb.metadata.setdefault(METADATA_KEY, {}).setdefault("flags", [])


def _add_flag(nb, reason):
    flags = _flags_of(nb)
    if reason not in flags:
        flags.append(reason)


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _error(ename, message):
    return new_output("error", ename=ename, evalue=message,
                      traceback=[f"{ename}: {message}"])


class RestoreTestCells(NbGraderPreprocessor):
    """Re-add deleted read-only cells and flag edited or deleted graded cells."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(info["notebook"], info["assignment"])
            graded = {cell.name: cell.max_score for cell in source.grade_cells}
            source_cells = [(cell.name, cell.cell_type, cell.source, cell.locked)
                            for cell in source.source_cells]
        known = {name for name, *_ in source_cells}
        for cell in nb.cells:
            # A cell claiming an unknown grade_id (a renamed test cell) would make
            # nbgrader's OverwriteCells fail the whole submission: make it a plain cell.
            if _grade_id(cell) and _grade_id(cell) not in known:
                nbgrader = cell.metadata.pop("nbgrader")
                if nbgrader.get("grade") or nbgrader.get("locked"):
                    _add_flag(nb, f"a read-only cell was renamed to '{nbgrader['grade_id']}'")
        present = {_grade_id(cell): cell for cell in nb.cells if _grade_id(cell)}
        for name, _, text, locked in source_cells:
            cell = present.get(name)
            watched = name in graded or name in WATCHED_CELLS
            if cell is None or not (watched and locked):
                continue
            if _normalise(cell.source) != _normalise(HIDDEN_TESTS.sub("", text)):
                _add_flag(nb, f"the read-only cell '{name}' was edited (nbgrader restored it)")
        previous_index = -1
        for name, cell_type, text, locked in source_cells:
            if name in present:
                previous_index = next(i for i, c in enumerate(nb.cells) if c is present[name])
                continue
            if not (locked or name in graded):
                continue  # a deleted answer cell stays deleted: nothing to grade
            if name in graded or name in WATCHED_CELLS:
                _add_flag(nb, f"the read-only cell '{name}' was deleted (nbgrader restored it)")
            cell = new_code_cell(text) if cell_type == "code" else new_markdown_cell(text)
            cell.metadata["nbgrader"] = {
                "grade": name in graded, "grade_id": name, "locked": True, "solution": False,
                "task": False, "schema_version": 3}
            if name in graded:
                cell.metadata["nbgrader"]["points"] = graded[name]
            nb.cells.insert(previous_index + 1, cell)
            present[name] = cell
            previous_index += 1
        return nb, resources


def _normalise(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


class RobustExecute(Execute):
    """nbgrader's ``Execute`` that survives a kernel killed or hung by the student's code.

    A kernel that died, or that is still busy after the timeout and an interrupt
    (a loop that catches ``KeyboardInterrupt``), cannot run the later cells: they
    are not run, and every graded one gets an error output (0 points).
    """

    _stopped = None  # why the kernel can run no more cells

    def preprocess(self, nb, resources=None, km=None):
        self._stopped = None
        try:
            return super().preprocess(nb, resources, km=km)
        except (DeadKernelError, CellTimeoutError):
            # Raised again while shutting the kernel down: the cells are marked already.
            if self._stopped is None:
                raise
            return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if self._stopped is not None:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                cell.outputs = [_error("KernelStopped", f"not run: {self._stopped} in an earlier cell")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = "the Python kernel died"
            cell.outputs.append(_error("KernelDied", "the Python kernel died while running this "
                                       "cell (os._exit, a crash, or running out of memory)"))
        except CellTimeoutError:
            self._stopped = "the Python kernel could not be stopped"
            cell.outputs.append(_error("CellTimeoutError", f"this cell ran for more than "
                                       f"{self.timeout} seconds and could not be interrupted"))
        return cell, resources


def subverting_code(source):
    """Reasons why a student's cell targets the grading itself (may be empty)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    reasons = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _SUBVERTING_ATTRIBUTES:
            if node.attr != "modules" or (isinstance(node.value, ast.Name) and node.value.id == "sys"):
                reasons.append(_SUBVERTING_ATTRIBUTES[node.attr])
        elif isinstance(node, ast.Attribute) and node.attr == "register" and \
                isinstance(node.value, ast.Attribute) and node.value.attr == "events":
            reasons.append("IPython event callbacks")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(name.split(".")[0] == "heatmap_check" for name in names):
                reasons.append("the grading module heatmap_check")
        elif isinstance(node, ast.Name) and node.id == "heatmap_check":
            reasons.append("the grading module heatmap_check")
    return sorted(set(reasons))


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.output_type == "stream" and o.name == "stdout")


class CheckVerdicts(NbGraderPreprocessor):
    """Give a graded cell its points only with the checker's "passed" verdict; collect flags."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                for reason in FLAG.findall(_stdout(cell)):
                    _add_flag(nb, reason)
        student_cells = [cell for cell in nb.cells if cell.cell_type == "code"
                         and (cell.metadata.get("nbgrader", {}).get("solution")
                              or "nbgrader" not in cell.metadata)]
        subverting = sorted({r for cell in student_cells for r in subverting_code(cell.source)})
        for reason in subverting:
            _add_flag(nb, f"the student's code uses {reason}, which can fake the checks: "
                          "points withheld for review")
        for cell in nb.cells:
            nbgrader = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not nbgrader.get("grade") or nbgrader.get("solution"):
                continue
            criterion = nbgrader.get("grade_id")
            if subverting:
                cell.outputs.append(_error("PointsWithheld", "the submission's code targets the "
                                           "grading itself; an instructor will review it"))
                continue
            if any(o.output_type == "error" for o in cell.outputs):
                continue
            verdicts = [v for c, v in VERDICT.findall(_stdout(cell)) if c == criterion]
            if not verdicts or "FAILED" in verdicts:
                reason = ("its check failed but no error was shown" if verdicts
                          else "the checker printed no verdict")
                _add_flag(nb, f"graded cell '{criterion}': {reason} (an error was suppressed or "
                              "the cell was rewritten)")
                cell.outputs.append(_error("NoVerdict", f"not graded: {reason}"))
        return nb, resources
