"""Placeholder until the sandbox lands: nbgrader's Execute that survives a dead kernel."""
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute


def _error(ename, message):
    return new_output("error", ename=ename, evalue=message,
                      traceback=[f"{ename}: {message}"])


class SandboxedExecute(Execute):
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
