"""How the answer cell last ran, in the student's kernel: the self-check says when it stopped.

The self-check judges the function the kernel holds. When the student edits the answer cell
and its new run stops with an error (a ``SyntaxError``, say), the kernel still holds the
function of an earlier run, and a self-check that passed on it would tell the student that
the broken cell is fine. IPython reports every cell it runs to its ``post_run_cell``
callbacks (the cell's source and the error it stopped with); :func:`follow_cells`, called by
the challenge's first cell, records the newest run of the answer cell (the cell that defines
``plot_attention_heatmap``: the kernel never sees the notebook's metadata), and
:func:`answer_cell_warning` says, before any points, that it stopped and where. The lessons'
``check_tools.py`` does the same for their exercises; this copy is the checker's own, as the
checker is shipped alone. Outside IPython (a plain script) nothing is followed.
"""
import ast
import re

#: The name the answer cell defines.
ANSWER_NAME = "plot_attention_heatmap"

_answer_runs = {}  # {"shell": the IPython shell, "last": the newest run of the answer cell or None}


def defines_answer(source: str) -> bool:
    """Whether a cell defines the answer (``def plot_attention_heatmap`` or an assignment to it).
    A cell that cannot be parsed does when a line starts ``def plot_attention_heatmap``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # also a cell with IPython's %magics
        return re.search(rf"^\s*def\s+{ANSWER_NAME}\b", source, re.MULTILINE) is not None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == ANSWER_NAME:
            return True
        if isinstance(node, ast.Name) and node.id == ANSWER_NAME and isinstance(node.ctx, ast.Store):
            return True
    return False


def first_line(source: str, width: int = 60) -> str:
    """The cell's first line of code, as a student sees it at the top of the cell (shortened)."""
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return line if len(line) <= width else line[:width - 1] + "\u2026"


def _run_of(result) -> dict:
    """The facts of one run (IPython's ``ExecutionResult``): its source, and its error or None."""
    source = result.info.raw_cell or ""
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return {"source": source, "error": None}
    if isinstance(error, SyntaxError):
        text, line = f"{type(error).__name__}: {error.msg}", error.lineno
    else:
        text, line = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, None
        tb = error.__traceback__
        while tb is not None:  # the outermost line of the cell itself (its code is "<module>")
            if tb.tb_frame.f_globals.get("__name__") == "__main__" and tb.tb_frame.f_code.co_name == "<module>":
                line = tb.tb_lineno
                break
            tb = tb.tb_next
    return {"source": source, "error": text[:300], "line": line}


def follow_cells() -> None:
    """Record, from now on, how the answer cell runs (once per kernel; nothing outside IPython).
    Returns nothing: the first cell, which calls it last, shows no output."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and _answer_runs.get("shell") is not shell:
        def record(result):
            run = _run_of(result)
            if defines_answer(run["source"]):
                _answer_runs["last"] = run

        shell.events.register("post_run_cell", record)
        _answer_runs.update(shell=shell, last=None)


def answer_cell_warning() -> str | None:
    """When the answer cell's newest run stopped with an error: that, where, and that the
    function being judged is the one an earlier run defined. None otherwise."""
    run = _answer_runs.get("last")
    if not run or not run["error"]:
        return None
    at = f" at line {run['line']}" if run.get("line") else ""
    return (f"Your answer cell (`{first_line(run['source'])}`) stopped with {run['error']}{at}: fix it and "
            f"run it again. Until then, the checks below judge the {ANSWER_NAME} that an earlier run "
            f"of it defined, if any.")
