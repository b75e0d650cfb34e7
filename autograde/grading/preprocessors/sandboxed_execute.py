"""``SandboxedExecute``: nbgrader's ``Execute`` with the kernel inside the grading sandbox.

``nbgrader_config.py`` puts it in place of ``Execute`` (or ``RobustExecute``) in
``Autograde.autograde_preprocessors``. For each submission it:

1. copies the student's folder (``resources["metadata"]["path"]``: nbgrader's
   ``autograded/<student>/<assignment>``, where the instructor's helper files
   were restored) into a scratch folder;
2. runs the notebook in a kernel in a bubblewrap sandbox (``autograde.sandbox``)
   whose working directory is that copy: the rest of the course, the network
   and the grader's processes are out of its reach, and its memory, processes,
   file sizes, disk and CPU time are limited;
3. copies back the files the notebook created or changed (regular files only,
   never the notebooks, within the size limits).

Like ``RobustExecute``, a kernel that dies (``os._exit``, a crash, a limit) or
that cannot be interrupted after the cell timeout does not abort grading: that
cell and every graded cell that could not run get an error output (0 points)
and the notebook is graded. A sandbox limit is named in the error it writes.
What happened is recorded in ``resources["sandbox"]``.

With ``c.Sandbox.enabled = False`` the kernel runs as nbgrader runs it (a loud
warning is logged once). With the sandbox enabled but bubblewrap unusable here,
:class:`autograde.sandbox.SandboxUnavailable` is raised: grading stops, and no
kernel runs unsandboxed by accident.
"""
from __future__ import annotations

import json
import os

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

from autograde.grading.protocol import EVIDENCE_CELL_KEY, add_flag
from autograde.sandbox import (MB, KernelSandbox, Sandbox, SandboxedKernelManager,
                               SandboxUnavailable, kernel_sandbox, limit_in_error, limit_message,
                               sandbox_problem)

#: Output budget of the grader's evidence cell (four pickled figures need about 1 MB).
EVIDENCE_OUTPUT_MB = 40

_warned_disabled = False


def _error(ename: str, message: str):
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


#: How much deeper than a message's content its lines are once in the notebook (nbformat
#: indents one space per level: notebook, cells, cell, outputs, output, ...).
_NOTEBOOK_DEPTH = 6
_INDENTED = json.JSONEncoder(indent=1, ensure_ascii=False, default=str)


def _message_size(msg, limit: float = float("inf")) -> int:
    """About how many bytes a message from the kernel adds to the notebook: the whole of it
    (content, metadata, binary buffers, which nbclient keeps in base64), measured as nbformat
    writes it. Indented JSON, not compact: one line per value, each indented by its depth, so
    that a deeply nested list of zeros is measured as the gigabytes it would take on disk.
    Stops measuring once past ``limit``."""
    size = sum(memoryview(buffer).nbytes * 4 // 3 for buffer in msg.get("buffers") or ())
    for part in ("content", "metadata"):
        for chunk in _INDENTED.iterencode(msg.get(part) or {}):
            size += len(chunk) + _NOTEBOOK_DEPTH * chunk.count("\n")
            if size > limit:
                return size
    return size


def _is_graded(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("grade"))


class SandboxedExecute(Execute):
    """Execute each notebook in a sandboxed kernel; survive a dead or hung kernel."""

    _stopped: str | None = None           # the error for graded cells that cannot run
    _sandbox: KernelSandbox | None = None  # the sandbox of the notebook being run
    _settings: Sandbox | None = None
    _record: dict | None = None            # resources["sandbox"]

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        self._settings = settings = Sandbox(parent=self)
        self._stopped = None
        self._output_spent = {}  # bytes of output kept so far: {is the evidence cell: bytes}
        self._record = resources["sandbox"] = {
            "sandboxed": False, "settings": settings.as_dict(), "limit": None,
            "limit_message": None, "cell": None, "exit_status": None,
            "copied_back": [], "not_copied": []}
        if not settings.enabled:
            self._warn_disabled()
            return self._execute(nb, resources, km)
        if km is not None:
            raise ValueError("SandboxedExecute starts its own sandboxed kernel: pass no km")
        problem = sandbox_problem(settings)
        if problem:
            raise SandboxUnavailable(problem)
        folder = resources.get("metadata", {}).get("path") or os.getcwd()
        with kernel_sandbox(settings, folder) as sandbox:
            self._sandbox = sandbox
            self._record["sandboxed"] = True
            try:
                nb, resources = self._execute(nb, resources, None)
            except RuntimeError as error:  # e.g. the kernel did not start: show why
                output = sandbox.output_tail().strip()
                if output:
                    error.add_note(f"The sandboxed kernel wrote:\n{output}")
                raise
            finally:
                self._sandbox = None
                sandbox.end()
                self._record["exit_status"] = sandbox.exit_status()
                if sandbox.limit_hit and self._record["limit"] is None:  # after the last cell
                    self._note_limit(sandbox.limit_hit, None)
            copied = sandbox.copy_back(folder)
        self._record["copied_back"], self._record["not_copied"] = copied["copied"], \
            copied["skipped"]
        return nb, resources

    def _execute(self, nb, resources, km):
        try:
            return super().preprocess(nb, resources, km=km)
        except Exception:
            # Raised again while shutting the kernel down: the cells are marked already.
            if self._stopped is None:
                raise
            return nb, resources

    def _warn_disabled(self) -> None:
        global _warned_disabled
        if not _warned_disabled:
            _warned_disabled = True
            self.log.warning(
                "THE GRADING SANDBOX IS OFF (c.Sandbox.enabled = False or --no-sandbox): "
                "student notebooks run with YOUR permissions and can read or change "
                "solutions/, the gradebook and every file you can, use the network, and "
                "leave processes running.")

    # The output budget. Whatever the kernel sends that the grader would keep is charged to
    # it: outputs, updates of displayed outputs (once per output they change) and widget
    # state (comm messages, which nbclient stores in the notebook's metadata).
    def _budget_mb(self, cell_index: int | None) -> tuple[bool, int]:
        """(is it the grader's evidence cell, its budget in MB): each kind has its own."""
        evidence = cell_index is not None and \
            bool(self.nb.cells[cell_index].metadata.get(EVIDENCE_CELL_KEY, False))
        return evidence, EVIDENCE_OUTPUT_MB if evidence else \
            self._settings.max_output_mb  # set by preprocess

    def _within_budget(self, msg, cell_index: int | None, copies: int = 1) -> bool:
        """Charge ``msg`` (``copies`` times) to its budget; False once that is spent."""
        evidence, budget_mb = self._budget_mb(cell_index)
        spent, budget = self._output_spent.get(evidence, 0), budget_mb * MB
        if spent > budget:  # spent already: no need to measure
            return False
        spent += _message_size(msg, limit=(budget - spent) / copies) * copies
        self._output_spent[evidence] = spent
        return spent <= budget

    def _note_cut(self, outs, cell_index: int) -> None:
        """Say once in ``outs`` that output was cut."""
        if not any(out.get("name") == "stdout" and "output cut" in out.get("text", "") for out in outs):
            note = (f"[output cut by the grader: the notebook sent more than "
                    f"{self._budget_mb(cell_index)[1]} MB of output]\n")
            outs.append(new_output("stream", name="stdout", text=note))

    def output(self, outs, msg, display_id, cell_index):
        """Keep a cell's output only within the notebook's output budget; note the cut once."""
        if self._within_budget(msg, cell_index):
            return super().output(outs, msg, display_id, cell_index)
        self._note_cut(outs, cell_index)
        return None

    def _update_display_id(self, display_id, msg):
        """An update of a displayed output replaces it in every output with its id: charged
        once per output, so that one update cannot fill a thousand small displays."""
        copies = sum(len(indices) for indices in self._display_id_map.get(display_id, {}).values())
        if not copies or self._within_budget(msg, None, copies):
            return super()._update_display_id(display_id, msg)
        return None

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widget state and buffers, kept by nbclient for the notebook's metadata."""
        if self._within_budget(msg, cell_index):
            return super().handle_comm_msg(outs, msg, cell_index)
        self._note_cut(outs, cell_index)
        return None

    def create_kernel_manager(self):
        if self._sandbox is None:
            return super().create_kernel_manager()
        self.km = SandboxedKernelManager(sandbox=self._sandbox, config=self.config)
        return self.km

    def _note_limit(self, limit: str, index: int | None, stopped: bool = True) -> str:
        message = limit_message(limit, self._settings, stopped=stopped)
        if self._record["limit"] is None:
            self._record.update(limit=limit, limit_message=message, cell=index)
        return message

    def preprocess_cell(self, cell, resources, index):
        if self._stopped is not None:
            if _is_graded(cell):
                cell.outputs = [_error("KernelStopped", self._stopped)]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            limit = self._sandbox.why_it_died() if self._sandbox else None
            if limit:
                message = self._note_limit(limit, index)
                self._stopped = f"not run: in an earlier cell, {message}"
                cell.outputs.append(_error("SandboxLimit", message))
            else:
                self._stopped = "not run: the Python kernel died in an earlier cell"
                cell.outputs.append(_error("KernelDied", "the Python kernel died while running "
                                           "this cell (os._exit, a crash, or running out of "
                                           "memory)"))
            return cell, resources
        except CellTimeoutError:
            self._stopped = "not run: the Python kernel could not be stopped in an earlier cell"
            cell.outputs.append(_error("CellTimeoutError", f"this cell ran for more than "
                                       f"{self.timeout} seconds and could not be interrupted"))
            return cell, resources
        except Exception as error:  # noqa: BLE001 - e.g. a message with a bad signature
            # The kernel's process is the student's: whatever it sends may be garbage. The
            # notebook stops here, and is still graded.
            self._stopped = "not run: the grader lost its connection to the kernel in an earlier cell"
            reason = f"{type(error).__name__}: {str(error)[:200]}"
            cell.outputs.append(_error("KernelDied", f"the grader could not read the kernel's messages "
                                       f"while it ran this cell ({reason})"))
            add_flag(self.nb, f"the kernel sent messages the grader could not read ({reason})")
            return cell, resources
        if self._sandbox is not None and cell.cell_type == "code":
            # Limits that surface as a Python error (MemoryError, EAGAIN, EFBIG): say which.
            for output in list(cell.outputs):
                limit = output.output_type == "error" and limit_in_error(
                    output.get("ename", ""), output.get("evalue", ""),
                    "\n".join(output.get("traceback", [])))
                if limit:
                    cell.outputs.append(_error("SandboxLimit",
                                               self._note_limit(limit, index, stopped=False)))
                    break
        return cell, resources
