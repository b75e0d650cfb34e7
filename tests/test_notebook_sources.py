"""The notebooks are committed clean, and notebooks/ is exactly what nbgrader generates."""
import filecmp
from pathlib import Path

import nbformat
import pytest

from autograde.corpus.course_copy import copy_course
from autograde.corpus.course_copy import REPO

ALL_NOTEBOOKS = sorted(
    p.relative_to(REPO)
    for folder in ("solutions", "notebooks")
    for p in (REPO / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def test_there_are_lessons_and_a_challenge():
    names = {p.name for p in ALL_NOTEBOOKS}
    assert {"01_tokens.ipynb", "02_attention_matrix.ipynb",
            "03_plotting_heatmaps.ipynb", "04_challenge.ipynb"} <= names


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=str)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(REPO / path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not dirty, f"{path}: cells {dirty} have outputs or execution counts; clear them"


def _files(root: Path) -> set:
    return {p.relative_to(root) for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
            and ".ipynb_checkpoints" not in p.parts}


def test_student_notebooks_match_a_fresh_generation(tmp_path):
    """Hand edits to notebooks/ are caught: regenerate from solutions/ and compare."""
    course = copy_course(tmp_path / "course", regenerate=True)
    fresh, committed = course / "notebooks", REPO / "notebooks"
    assert _files(fresh) == _files(committed), (
        "notebooks/ has a different set of files than a fresh generation: run ./course generate")
    differing = [str(p) for p in sorted(_files(fresh))
                 if not filecmp.cmp(fresh / p, committed / p, shallow=False)]
    assert not differing, (
        f"notebooks/ differs from solutions/ in {differing}: edit solutions/, "
        "then run ./course generate")
