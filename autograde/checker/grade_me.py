"""A student's "grade me": the challenge's whole check, on the student's own saved notebook.

Grading runs the whole notebook in a fresh kernel, calls ``plot_attention_heatmap``
itself with the challenge's sentence and fresh ones, and judges what it drew.
:func:`grade_me` does the same on the student's machine, in the student's own
process: it runs the notebook as saved in a fresh kernel (cells that check
themselves stand aside, as at grading), makes grading's calls with sentences
drawn just now, reads and judges what they drew with grading's own code and
policy, and prints what grading would give. It needs nothing of the
instructor's kit and no sandbox (the code it runs is the student's own), only
this checker and Jupyter, which students have::

    heatmap_check.grade_me()                          # in a cell of the challenge
    python heatmap_check.py 04_challenge.ipynb        # in a terminal, next to the notebook

What it cannot know: a hidden sentence of grading's own (it draws others of the
same kind), and edits not saved yet (it says when the notebook was saved).
"""
import datetime
import os
import sys
import tempfile

from .answer_run import first_line
from .fresh import self_check_calls
from .notebook import is_grading, judge_evidence, points_report, recording_cell, show_pictures
from .spec import CALL_TIMEOUT, EVIDENCE_MIME

#: The challenge notebook's file name, graded when no other is named.
CHALLENGE_NOTEBOOK = "04_challenge.ipynb"
#: Seconds a cell may run, as at grading (``c.Execute.timeout``).
CELL_TIMEOUT = 60

def _is_graded(cell) -> bool:
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def _errors(notebook, before_cell) -> list:
    """``(the cell, "Name: message")`` of each cell above ``before_cell`` that stopped with an error,
    the cell named as a student sees it (JupyterLab shows no cell numbers): the answer cell as
    such, any other by its first line."""
    found = []
    for cell in notebook.cells[:notebook.cells.index(before_cell)]:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                shown = f"`{first_line(cell.source)}`"
                named = (f"Your answer cell ({shown})" if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
                         else f"The cell {shown}")
                found.append((named, f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"[:300]))
    return found


def run_notebook(path, calls, timeout=CELL_TIMEOUT):
    """Run the notebook at ``path`` in a fresh kernel with the grading calls' cell added before the
    graded cells; return ``(executed notebook, the added cell)``. Cells run on after an error, as
    at grading, and the self-check and graded cells only say that the grader judges them."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    notebook = nbformat.read(path, as_version=4)
    cell = new_code_cell(recording_cell(calls, "grade_me"))
    graded = [index for index, other in enumerate(notebook.cells) if _is_graded(other)]
    notebook.cells.insert(graded[0] if graded else len(notebook.cells), cell)
    folder = os.path.dirname(os.path.abspath(path))
    client = NotebookClient(notebook, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": folder}})
    with tempfile.TemporaryDirectory() as sockets, tempfile.TemporaryFile("w+") as kernel_stderr:
        if os.name == "posix":  # local sockets, not TCP: private to this user, and no warning about it
            manager = client.create_kernel_manager()
            manager.transport, manager.ip = "ipc", os.path.join(sockets, "kernel")
        try:  # the kernel's own start-up warnings are not the student's business, unless it fails
            client.execute(env=dict(os.environ, NBGRADER_EXECUTION="autograde"), stderr=kernel_stderr)
        except Exception:
            kernel_stderr.seek(0)
            sys.stderr.write(kernel_stderr.read()[-4000:])
            raise
    return notebook, cell


def grade_me(path=CHALLENGE_NOTEBOOK) -> None:
    """The "Grade me" cell: grade the saved notebook at ``path`` as grading would, print the result
    and show the picture of each call that lost points. Returns nothing, so that the cell shows
    the report alone (:func:`grade_notebook` returns the check)."""
    grade_notebook(path, pictures=True)


def grade_notebook(path=CHALLENGE_NOTEBOOK, pictures=False) -> dict:
    """Grade the saved notebook at ``path`` as grading would, and print the result.

    Returns the check (:func:`judge_evidence`'s dict); ``pictures``: also show each call
    that lost points (in a notebook)."""
    if is_grading():
        print("(at grading, the grader grades the whole notebook itself)")
        return {}
    if not os.path.exists(path):
        raise FileNotFoundError(f"there is no {path} here ({os.getcwd()}): name the challenge notebook, "
                                f"e.g. grade_me('{CHALLENGE_NOTEBOOK}')")
    saved = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%H:%M:%S")
    print(f"Grading {os.path.basename(path)} as saved at {saved} (save first to grade your latest edits), "
          f"in a fresh kernel, with sentences drawn just now...", flush=True)
    calls = self_check_calls()
    notebook, cell = run_notebook(path, calls)
    evidence = {}
    for output in cell.get("outputs", []):
        record = output.get("data", {}).get(EVIDENCE_MIME) if output.get("output_type") == "display_data" else None
        if isinstance(record, dict) and record.get("call") not in evidence:
            evidence[record.get("call")] = record
    for named, error in _errors(notebook, cell):
        print(f"{named} stopped with {error}; grading runs the cells after it too.")
    if not evidence:
        print("No call could be made: the notebook stopped before plot_attention_heatmap was called.")
    check = judge_evidence(calls, evidence)
    if pictures:
        show_pictures(check, only_failing=True)
    print(points_report(check)[1])
    return check


def main(argv=None) -> int:
    """``python heatmap_check.py [NOTEBOOK]``: grade the notebook (by default the challenge's here)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]) or len(argv) > 1:
        print(f"usage: python heatmap_check.py [NOTEBOOK]   (default: {CHALLENGE_NOTEBOOK})\n"
              f"Runs the saved notebook in a fresh kernel, calls plot_attention_heatmap as grading does "
              f"(each call at most {CALL_TIMEOUT:g} s) and prints what grading would give.")
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    import matplotlib
    matplotlib.use("agg")
    try:
        check = grade_notebook(argv[0] if argv else CHALLENGE_NOTEBOOK)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if points_report(check)[0] else 1


if __name__ == "__main__":
    sys.exit(main())
