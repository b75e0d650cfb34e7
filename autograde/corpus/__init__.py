"""Sample submissions of the challenge, each with the points it must get.

Every case is one answer-cell source in ``answers/<name>.py`` (what a student
typed into the answer cell) plus, for a few tampering cases, edits to the
notebook's read-only cells. :func:`write_submission` turns a case into a
complete student notebook (the generated ``notebooks/challenge`` version with
the answer filled in), so any number of synthetic submissions can be made::

    from autograde.corpus import cases, write_submission
    for case in cases():
        write_submission(case, f"submitted/{case.name}/challenge/04_challenge.ipynb")

``case.expected`` maps every graded cell's grade_id to the points the case
must score; ``case.flagged`` says whether it tampers with the grading (and so
must appear, and appear only then, in :func:`autograde.flags.find_flags`).
"""
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).resolve().parent / "answers"
STUDENT_NOTEBOOK = REPO / "notebooks" / "challenge" / "04_challenge.ipynb"
ANSWER_CELL = "answer_plot_attention_heatmap"

#: grade_id -> points, in notebook order (the challenge's graded cells).
POINTS = {"returns_axes": 1, "matrix": 3, "x_ticks": 2, "y_ticks": 2, "colorbar": 1, "title": 1}


def _score(lost=(), only=None):
    """Full points except the ``lost`` criteria, or only the ``only`` criteria."""
    if only is not None:
        return {k: (v if k in only else 0) for k, v in POINTS.items()}
    return {k: (0 if k in lost else v) for k, v in POINTS.items()}


@dataclass(frozen=True)
class Case:
    """One sample submission."""

    name: str
    kind: str  # "valid", "defect", "crash" or "tampering"
    expected: dict
    flagged: bool = False
    #: read-only cells the submission rewrites (grade_id -> new source) or deletes.
    edited_cells: dict = field(default_factory=dict)
    deleted_cells: tuple = ()
    #: read-only cells whose grade_id the submission changes (old -> new).
    renamed_cells: dict = field(default_factory=dict)

    @property
    def answer_source(self) -> str:
        """The source of the answer cell as the student left it."""
        path = ANSWERS / f"{self.name}.py"
        if path.exists():
            return path.read_text()
        return _cell(_student_notebook(), ANSWER_CELL).source  # the blank answer


_CASES = (
    # every valid way of drawing the heatmap: full marks, no flag
    Case("solution", "valid", _score()),
    Case("seed_lesson_code", "valid", _score()),
    Case("matshow", "valid", _score()),
    Case("pcolormesh", "valid", _score()),
    Case("pcolormesh_edges", "valid", _score()),
    Case("imshow_extent", "valid", _score()),
    Case("seaborn_heatmap", "valid", _score()),
    Case("pyplot_state", "valid", _score()),
    Case("axes_locatable_cax", "valid", _score()),
    Case("horizontal_colorbar", "valid", _score()),
    Case("annotated_show_inside", "valid", _score()),
    Case("origin_lower_big_figure", "valid", _score()),
    Case("lesson_punctuation", "valid", _score()),
    Case("noisy_warnings", "valid", _score()),
    Case("pure_lists", "valid", _score()),
    # one defect each: only its own points are lost
    Case("transposed", "defect", _score(lost={"matrix"})),
    Case("rescaled", "defect", _score(lost={"matrix"})),
    Case("no_return", "defect", _score(lost={"returns_axes"})),
    Case("ignores_given_ax", "defect", _score(lost={"returns_axes"})),
    Case("labels_without_ticks", "defect", _score(lost={"x_ticks"})),
    Case("y_labels_reversed", "defect", _score(lost={"y_ticks"})),
    Case("colorbar_unlabelled", "defect", _score(lost={"colorbar"})),
    Case("no_colorbar", "defect", _score(lost={"colorbar"})),
    Case("title_lowercase", "defect", _score(lost={"title"})),
    Case("hardcoded_tokens", "defect", _score(lost={"x_ticks", "y_ticks"})),
    # crashes: 0 for what they break, and still a recorded grade
    Case("blank", "crash", _score(only=())),
    Case("raises", "crash", _score(only=())),
    Case("infinite_loop", "crash", _score(only=())),
    Case("sleeps", "crash", _score(only=())),
    Case("sys_exit", "crash", _score(only=())),
    Case("os_exit_in_function", "crash", _score(only=())),
    Case("os_exit_kills_kernel", "crash", _score(only=())),
    # tampering: flagged, and never paid for what it fakes
    Case("patch_axes_get_title", "tampering", _score(lost={"title"}), flagged=True),
    Case("patch_text_get_text", "tampering", _score(lost={"x_ticks"}), flagged=True),
    Case("patch_colorbar_inside_call", "tampering", _score(lost={"colorbar"}), flagged=True),
    Case("swap_code_object", "tampering", _score(lost={"title"}), flagged=True),
    Case("instance_override", "tampering", _score(lost={"title"}), flagged=True),
    Case("fake_axes", "tampering", _score(only={"matrix"}), flagged=True),
    Case("replace_builtin", "tampering", _score(lost={"returns_axes"}), flagged=True),
    Case("custom_exc_handler", "tampering", _score(only={"returns_axes"}), flagged=True),
    Case("showtraceback_silenced", "tampering", _score(lost={"title"}), flagged=True),
    Case("fake_checker_module", "tampering", _score(only=()), flagged=True),
    Case("input_transformer", "tampering", _score(only=()), flagged=True),
    Case("edits_test_cell", "tampering", _score(lost={"title"}), flagged=True,
         edited_cells={"title": "# Graded (1 point): the title.\npass"}),
    Case("deletes_test_cells", "tampering", _score(lost={"colorbar"}), flagged=True,
         deleted_cells=("colorbar", "title")),
    Case("renames_test_cell", "tampering", _score(lost={"title"}), flagged=True,
         edited_cells={"title": "pass"}, renamed_cells={"title": "title_checked"}),
)


def cases() -> list:
    """All sample submissions, valid ones first."""
    return list(_CASES)


def _student_notebook(template=None):
    template = Path(template or STUDENT_NOTEBOOK)
    if not template.exists():
        raise FileNotFoundError(f"{template} is missing: run ./course generate")
    return nbformat.read(template, as_version=4)


def _cell(notebook, grade_id):
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"the challenge notebook has no cell {grade_id!r}")


def write_submission(case: Case, path, template=None) -> Path:
    """Write ``case`` as a complete student notebook at ``path`` (folders are created).

    ``template`` is the student notebook to fill in; by default the generated
    ``notebooks/challenge/04_challenge.ipynb``.
    """
    notebook = _student_notebook(template)
    _cell(notebook, ANSWER_CELL).source = case.answer_source.rstrip("\n")
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
    for grade_id, source in case.edited_cells.items():
        if grade_id in present:  # a template without that cell (the naive baseline's)
            _cell(notebook, grade_id).source = source
    for grade_id, new_id in case.renamed_cells.items():
        if grade_id in present:
            _cell(notebook, grade_id).metadata["nbgrader"]["grade_id"] = new_id
    notebook.cells = [c for c in notebook.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") not in case.deleted_cells]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path
