"""Student notebooks run cleanly except where the student has to write code.

This is nbgrader's ``validate --invert`` for the lessons, whose check cells are
plain read-only cells rather than graded tests: we execute each generated
notebook in a real kernel and require that

* an answer cell fails, if at all, only with the ``NotImplementedError`` that
  nbgrader put in place of the solution;
* every check cell (the cell right after an answer cell, and every graded test)
  does fail, so a blank answer is never reported as right;
* no other cell fails.

The graded challenge is also put through ``nbgrader validate --invert`` itself.
"""
import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.validator import Validator

from autograde.corpus.course_copy import REPO

STUDENT_NOTEBOOKS = sorted(p.relative_to(REPO) for p in (REPO / "notebooks").rglob("*.ipynb")
                           if ".ipynb_checkpoints" not in p.parts
                           and any(cell.cell_type == "code" for cell in nbformat.read(p, as_version=4).cells))


def _is_answer_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution", False)


def _is_graded_test(cell) -> bool:
    return cell.metadata.get("nbgrader", {}).get("grade", False) and not _is_answer_cell(cell)


def _error_of(cell):
    return next((out for out in cell.get("outputs", []) if out.output_type == "error"), None)


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=str)
def test_blank_student_notebook_fails_only_at_exercises(path):
    notebook = nbformat.read(REPO / path, as_version=4)
    NotebookClient(notebook, timeout=120, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str((REPO / path).parent)}}).execute()
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert any(_is_answer_cell(c) for c in code_cells), f"{path} has no exercise"

    previous = None
    for index, cell in enumerate(code_cells):
        error = _error_of(cell)
        where = f"{path}, code cell {index}:\n{cell.source[:300]}"
        if _is_answer_cell(cell):
            assert error is None or error.ename == "NotImplementedError", (
                f"a blank answer cell fails with {error.ename}; {where}")
        elif _is_graded_test(cell) or (previous is not None and _is_answer_cell(previous)):
            assert error is not None, f"this check accepts a blank answer; {where}"
        else:
            assert error is None, (
                f"a cell that is not an exercise fails in the student version "
                f"({error.ename}: {error.evalue}); {where}")
        previous = cell

def test_nbgrader_validate_invert_blank_challenge_fails_every_test():
    results = Validator(invert=True).validate(str(REPO / "notebooks/challenge/04_challenge.ipynb"))
    assert not results.get("passed"), f"graded tests pass on a blank answer: {results['passed']}"


def test_nbgrader_validate_solution_challenge_passes():
    results = Validator().validate(str(REPO / "solutions/challenge/04_challenge.ipynb"))
    failed = [f["source"] for f in results.get("failed", [])]
    assert not failed, f"the instructor solution fails graded tests: {failed}"
