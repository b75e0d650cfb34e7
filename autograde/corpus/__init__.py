"""Sample submissions of the challenge, each with the criteria it must fail.

Every case is one answer-cell source in ``answers/<name>.py`` (what a student
typed into the answer cell) plus, for a few cases, edits to the notebook's
read-only cells. :func:`write_submission` turns a case into a complete student
notebook (the generated ``notebooks/challenge`` version with the answer filled
in), so any number of synthetic submissions can be made::

    from autograde.corpus import cases, write_submission
    for case in cases():
        write_submission(case, f"grading/submitted/{case.name}/challenge/04_challenge.ipynb")

A case names the criteria it fails and in which call shapes (``"no_ax"``,
``"with_ax"``); its expected points follow from the points in the notebook's
metadata (:meth:`Case.expected`), so changing a criterion's points never
needs a corpus edit. ``case.flagged`` says whether the grader must flag it for
review (and only then).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograde.checker.spec import CALL_SHAPES, CRITERIA, PICTURE_CRITERIA
from autograde.grading.protocol import ANSWER_CELL, criterion_points, find_cell

REPO = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).resolve().parent / "answers"
STUDENT_NOTEBOOK = REPO / "notebooks" / "challenge" / "04_challenge.ipynb"

BOTH = tuple(CALL_SHAPES)
NO_AX, WITH_AX = ("no_ax",), ("with_ax",)
EVERYTHING = "everything"  # every criterion fails in every call
CALL_CRITERIA = tuple(CRITERIA)


@dataclass(frozen=True)
class Case:
    """One sample submission."""

    name: str
    kind: str  # "valid", "defect", "crash", "attack"
    #: criterion -> the call shapes in which it fails (or EVERYTHING).
    fails: dict | str = field(default_factory=dict)
    flagged: bool = False
    #: read-only cells the submission rewrites (grade_id -> new source) or deletes.
    edited_cells: dict = field(default_factory=dict)
    deleted_cells: tuple = ()
    #: read-only cells whose grade_id the submission changes (old -> new).
    renamed_cells: dict = field(default_factory=dict)
    #: entries planted next to the notebook in the submitted folder (:func:`plant_files`):
    #: name -> "link:<target>", "hardlink:<target>" or "fifo"; the notebook's own name replaces it.
    files: dict = field(default_factory=dict)
    #: markdown cells added at the end of the notebook.
    extra_cells: int = 0
    #: words of the reason the grader gives for not grading it at all (None: it is graded).
    refused: str | None = None
    #: the answer file of another case this one hands in (its attack is in its files or size).
    answer: str | None = None
    #: its points follow from the grading policy (which Axes a call is judged on, what a raise
    #: keeps: autograde/checker/verdicts.py), not from one picture alone.
    by_policy: bool = False
    #: what it fails when the course judges the Axes returned (c.HeatmapGrading.judge_with_ax_on
    #: = "returned"), when that differs from ``fails``.
    fails_when_returned: dict | None = None

    @property
    def answer_source(self) -> str:
        """The source of the answer cell as the student left it."""
        path = ANSWERS / f"{self.answer or self.name}.py"
        if path.exists():
            return path.read_text()
        return find_cell(_student_notebook(), ANSWER_CELL).source  # the blank answer

    def failing_shapes(self, criterion: str, judge_with_ax_on: str = "given") -> tuple:
        """The call shapes in which ``criterion`` fails (under the course's with-ax setting)."""
        fails = self.fails_when_returned if judge_with_ax_on == "returned" and self.fails_when_returned else self.fails
        if fails == EVERYTHING:
            return BOTH
        return tuple(fails.get(criterion, ()))

    def expected(self, points: dict | None = None, judge_with_ax_on: str = "given") -> dict:
        """``{criterion: points}`` this case must score, from the notebook's points."""
        points = points or notebook_points()
        return {criterion: round(maximum * (1 - len(self.failing_shapes(criterion, judge_with_ax_on)) / len(BOTH)), 4)
                for criterion, maximum in points.items()}


def notebook_points(template=None) -> dict:
    """The graded cells' points, read from the student notebook's metadata."""
    return criterion_points(_student_notebook(template))


_CASES = (
    # every valid way of drawing the heatmap: full marks, no flag
    Case("solution", "valid"),
    Case("seed_lesson_code", "valid"),
    Case("matshow", "valid"),
    Case("pcolormesh", "valid"),
    Case("pcolormesh_edges", "valid"),
    Case("imshow_extent", "valid"),
    Case("seaborn_heatmap", "valid"),
    Case("pyplot_state", "valid"),
    Case("axes_locatable_cax", "valid"),
    Case("horizontal_colorbar", "valid"),
    Case("annotated_show_inside", "valid"),
    Case("origin_lower_big_figure", "valid"),
    Case("lesson_punctuation", "valid"),
    Case("noisy_warnings", "valid"),
    Case("pure_lists", "valid"),
    Case("pcolor_centred_ticks", "valid"),
    Case("pcolormesh_reversed_rows", "valid"),
    # real-world heatmap code (each answer cites its source), graded as a fair person would
    Case("gallery_annotated_heatmap", "valid"),
    Case("pytorch_show_attention", "valid"),
    Case("seaborn_spreadsheet", "valid"),
    Case("seaborn_cbar_ax_horizontal", "valid"),
    Case("captum_token2token", "valid"),
    Case("pcolor_table_layout", "valid"),
    Case("pcolormesh_ticks_top", "valid"),
    Case("inset_axes_colorbar", "valid"),
    Case("pcolormesh_categorical", "valid"),
    Case("contour_overlay", "valid"),
    Case("colorbar_title_label", "valid"),
    # every colormap, faded, smoothed, made by hand, among many artists: what a person reads counts
    Case("colormap_rainbow", "valid"),
    Case("faded_alpha", "valid"),
    Case("smoothed_gaussian", "valid"),
    Case("handmade_labels_and_scale", "valid"),
    Case("catalogue_of_artists", "valid"),
    Case("tf_nmt_plot_attention", "defect", {"colorbar": BOTH}),
    Case("tf_transformer_head", "defect", {"y_ticks": BOTH}),
    Case("d2l_show_heatmaps", "defect", {"x_ticks": BOTH, "y_ticks": BOTH}),
    Case("annotated_transformer_draw", "defect", {"colorbar": BOTH}),
    Case("seaborn_causal_mask", "defect", {"matrix": BOTH}),
    # one defect each: only its own points are lost
    Case("transposed", "defect", {"matrix": BOTH}),
    Case("rescaled", "defect", {"matrix": BOTH}),
    Case("no_return", "defect", {"returns_axes": BOTH}),
    # (a call with an ax is judged on that ax: drawing elsewhere costs that call's half of everything)
    Case("ignores_given_ax", "defect", {c: WITH_AX for c in CALL_CRITERIA}, by_policy=True,
         fails_when_returned={"returns_axes": WITH_AX}),
    Case("labels_without_ticks", "defect", {"x_ticks": BOTH}),
    Case("y_labels_reversed", "defect", {"y_ticks": BOTH}),
    Case("colorbar_unlabelled", "defect", {"colorbar": BOTH}),
    Case("no_colorbar", "defect", {"colorbar": BOTH}),
    Case("title_lowercase", "defect", {"title": BOTH}),
    # (its 5 hard-coded words raise with the 6-token hidden sentence, and mislabel the 4-token one)
    # (its 5 hard-coded words raise with the 6-token hidden sentence after the heatmap is drawn, and
    # mislabel the 4-token one)
    Case("hardcoded_tokens", "defect", {"returns_axes": NO_AX, "colorbar": NO_AX, "title": NO_AX,
                                        "x_ticks": BOTH, "y_ticks": BOTH}),
    Case("list_as_array", "defect", {c: NO_AX for c in CALL_CRITERIA}),
    Case("pyplot_ignores_ax", "defect", {c: WITH_AX for c in CALL_CRITERIA}, by_policy=True,
         fails_when_returned={"returns_axes": WITH_AX}),
    Case("pyplot_gca_given_ax", "defect", {c: WITH_AX for c in CALL_CRITERIA}, by_policy=True,
         fails_when_returned={"returns_axes": WITH_AX}),
    # (a function that raises keeps what it drew before the error: here the heatmap and its ticks)
    Case("uses_fig_with_ax", "defect", {c: WITH_AX for c in ("returns_axes", "colorbar", "title")}, by_policy=True),
    Case("raises_after_drawing", "defect", {c: BOTH for c in ("returns_axes", "colorbar", "title")}, by_policy=True),
    # (a suptitle is the title only when the heatmap and its colorbar are alone in the figure)
    Case("suptitle_title", "defect", {"title": WITH_AX}, by_policy=True),
    # (`plt.close(fig); return fig, ax`: the caller holds the figure and sees it)
    Case("returns_closed_figure_and_axes", "defect", {"returns_axes": BOTH}, by_policy=True),
    # the right matrix on top but invisible, the transposed one seen; its colorbar (the hidden
    # one's) shows the very colours seen, so a reader can use it: it counts
    Case("control_hidden_right_on_top", "defect", {"matrix": BOTH}),
    # unreadable pictures: only what a person can read counts
    Case("labels_in_cmex10", "defect", {c: BOTH for c in ("x_ticks", "y_ticks", "colorbar", "title")}),
    Case("thumbnail_6_dpi", "defect", {c: NO_AX for c in PICTURE_CRITERIA}),
    Case("labels_padded_off_their_ticks", "defect", {"x_ticks": BOTH, "y_ticks": BOTH}),
    Case("colormap_flat_grey", "defect", {"matrix": BOTH}),
    # crashes: 0 for what they break, and still a recorded grade
    Case("blank", "crash", EVERYTHING),
    Case("raises", "crash", EVERYTHING),
    Case("infinite_loop", "crash", EVERYTHING),
    Case("sleeps", "crash", EVERYTHING),
    Case("sys_exit", "crash", EVERYTHING),
    Case("os_exit_in_function", "crash", EVERYTHING),
    Case("os_exit_kills_kernel", "crash", EVERYTHING),
    # attacks from inside the kernel: graded on what the function really draws
    Case("patch_axes_get_title", "attack", {"title": BOTH}),
    Case("patch_text_get_text", "attack", {"x_ticks": BOTH}),
    Case("patch_colorbar_inside_call", "attack", {"colorbar": BOTH}),
    Case("swap_code_object", "attack", {"title": BOTH}),
    Case("instance_override", "attack", {"title": BOTH}),
    Case("fake_axes", "attack", {**{c: BOTH for c in ("returns_axes", "x_ticks", "y_ticks", "colorbar", "title")},
                                 "matrix": WITH_AX}),
    Case("replace_builtin", "attack", {"returns_axes": BOTH}),
    Case("custom_exc_handler", "attack", {c: BOTH for c in ("matrix", "x_ticks", "y_ticks", "colorbar", "title")}),
    Case("showtraceback_silenced", "attack", {"title": BOTH}),
    Case("fake_checker_module", "attack", EVERYTHING, flagged=True),
    Case("input_transformer", "attack", {c: BOTH for c in ("x_ticks", "y_ticks", "colorbar", "title")}),
    Case("transposed_under_pinholes", "attack", {"matrix": BOTH}),
    Case("edits_test_cell", "attack", {"title": BOTH}, flagged=True,
         edited_cells={"title": "# Graded (1 point): the title.\npass"}),
    Case("deletes_test_cells", "attack", {"colorbar": BOTH}, flagged=True,
         deleted_cells=("colorbar", "title")),
    Case("renames_test_cell", "attack", {"title": BOTH}, flagged=True,
         edited_cells={"title": "pass"}, renamed_cells={"title": "title_checked"}),
)


#: The attack section: a submission that tries to get what it did not earn, read or write what
#: no student may, reach the network, or deny grading to others. Each draws nothing unless its
#: attack worked, so any point it scored would be unearned.
_ATTACKS = (
    # forged verdicts
    Case("attack_prints_verdicts", "attack", EVERYTHING),
    Case("attack_replaces_recorder", "attack", EVERYTHING),
    Case("attack_shell_in_pickle", "attack", EVERYTHING, flagged=True),
    # (a genuine figure of the challenge's sentence, sent back for every call: it shows a title
    # and a colorbar, and the returned Axes cannot be checked from outside the kernel)
    Case("attack_replays_public_figure", "attack", {c: BOTH for c in ("matrix", "x_ticks", "y_ticks")}),
    # (its figure holds a method of another Axes, which the reader does not take, though a
    # figure may: no proof of forgery, so the student is not graded and graded by hand)
    Case("attack_shadowed_getter", "attack", EVERYTHING, refused="not graded (grader fault)"),
    Case("attack_hidden_right_image", "attack", {"matrix": BOTH}),
    Case("attack_pickle_bomb", "attack", EVERYTHING, flagged=True),
    Case("attack_class_patch_pickle", "attack", EVERYTHING, flagged=True),
    Case("attack_blank_cover", "attack", {c: BOTH for c in PICTURE_CRITERIA}),
    # (the colorbar beside the covering Axes is seen and labelled: a person gives that point)
    Case("attack_overlay_axes", "attack", {c: BOTH for c in ("matrix", "x_ticks", "y_ticks", "title")}),
    Case("attack_clipped_right_image", "attack", {"matrix": BOTH}),
    Case("attack_one_cell_view", "attack", {"matrix": BOTH, "x_ticks": BOTH, "y_ticks": BOTH}),
    Case("attack_flags_escape", "attack", EVERYTHING, flagged=True),
    Case("attack_formgrader_script", "attack", EVERYTHING),
    # reading what no student may see
    Case("attack_reads_solution", "attack", EVERYTHING),
    Case("attack_reads_classmates", "attack", EVERYTHING),
    Case("attack_reads_system_secrets", "attack", EVERYTHING),
    # writing where no student may write
    Case("attack_overwrites_classmates", "attack", EVERYTHING),
    Case("attack_edits_course_files", "attack", EVERYTHING),
    Case("attack_plants_pth", "attack", EVERYTHING),
    Case("attack_rewrites_gradebook", "attack", EVERYTHING),
    Case("attack_locks_gradebook", "attack", EVERYTHING),
    # the network
    Case("attack_network_exfiltrates", "attack", EVERYTHING),
    Case("attack_network_listens", "attack", EVERYTHING),
    # denial of service
    Case("attack_kills_grader", "attack", EVERYTHING),
    Case("attack_fork_bomb", "attack", EVERYTHING, flagged=True),  # its processes garble the kernel's messages
    Case("attack_memory_hog", "attack", EVERYTHING),
    Case("attack_fills_disk", "attack", EVERYTHING),
    Case("attack_lingers", "attack", EVERYTHING),
    Case("attack_burns_cpu", "attack", EVERYTHING),
    Case("attack_closes_kernel_sockets", "attack", EVERYTHING),
    Case("attack_floods_output", "attack", EVERYTHING),
    # (one message of ten million JSON values: never parsed, the notebook stopped and flagged)
    Case("attack_output_metadata", "attack", EVERYTHING, flagged=True),
    Case("attack_disk_unlinked", "attack", EVERYTHING),
    Case("attack_tmpfs_memory", "attack", EVERYTHING),
    Case("attack_starves_classmates", "attack", EVERYTHING),
    # a correct drawing that stalls the run: it keeps its points, and its notebook is stopped at the
    # sandbox's time budget (c.Sandbox.max_seconds)
    Case("attack_stalls_grading", "attack"),
)


#: The instructor's side: what a submission's files and size do to the grader's own processes
#: (nbgrader's set-up, the inspector), graded with honest classmates through both grading paths
#: by ``test_attacks.py``. The targets of links are the course's gradebook, an honest classmate's
#: notebook, the instructor's solution and the submitted folder of the whole class.
_INSTRUCTOR_SIDE = (
    # links that nbgrader's set-up would follow, as the instructor, into the kernel's folder
    Case("attack_links_gradebook", "attack", EVERYTHING, flagged=True,
         files={"gradebook.txt": "link:gradebook", "classmate.txt": "link:classmate",
                "solution.txt": "link:solution", "class": "link:submitted"}),
    Case("attack_hardlinks_gradebook", "attack", EVERYTHING, flagged=True, files={"grades.db": "hardlink:gradebook"}),
    # data.csv is a FIFO: opening it to copy it, nbgrader's set-up would wait for a writer for good,
    # and the whole run with it. The answer is right, and keeps its points.
    Case("attack_fifo_stalls_setup", "attack", flagged=True, files={"data.csv": "fifo"}, answer="solution"),
    # the notebook itself is a classmate's: never read, the student not graded
    Case("attack_notebook_is_a_link", "attack", EVERYTHING, files={"04_challenge.ipynb": "link:classmate"},
         refused="symbolic link"),
    # a right answer and 100,000 markdown cells (7 MB): nbgrader took 216 s and 1.4 GB to read such a
    # notebook, and graded it 10/10; now it is refused before anything parses it
    Case("attack_huge_notebook", "attack", extra_cells=100_000, refused="JSON values", answer="solution"),
    # allowed names only, minutes of the inspector's CPU: stopped at its budget, flagged
    Case("attack_costly_drawing", "attack", EVERYTHING, flagged=True),
)


def cases() -> list:
    """All sample submissions but the attack section, valid ones first."""
    return list(_CASES)


def attack_cases() -> list:
    """The attack section (graded with honest classmates by ``test_attacks.py``)."""
    return list(_ATTACKS)


def instructor_side_cases() -> list:
    """The attacks on the instructor's side (files, sizes, the inspector's budget)."""
    return list(_INSTRUCTOR_SIDE)


class _Shell:
    """Stands in for get_ipython() in answers that call it (`%matplotlib inline`)."""

    def run_line_magic(self, *args):
        return None


def answer_function(name: str):
    """The ``plot_attention_heatmap`` an answer defines, run outside a notebook (with ``np``
    and ``plt`` in scope, as the challenge's first cell provides)."""
    import matplotlib.pyplot as plt
    import numpy as np

    namespace = {"np": np, "plt": plt, "get_ipython": _Shell}
    path = ANSWERS / f"{name}.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own corpus
    return namespace["plot_attention_heatmap"]


def _student_notebook(template=None):
    template = Path(template or STUDENT_NOTEBOOK)
    if not template.exists():
        raise FileNotFoundError(f"{template} is missing: run ./course generate")
    return nbformat.read(template, as_version=4)


def write_submission(case: Case, path, template=None) -> Path:
    """Write ``case`` as a complete student notebook at ``path`` (folders are created).

    ``template`` is the student notebook to fill in; by default the generated
    ``notebooks/challenge/04_challenge.ipynb``.
    """
    notebook = _student_notebook(template)
    find_cell(notebook, ANSWER_CELL).source = case.answer_source.rstrip("\n")
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
    for grade_id, source in case.edited_cells.items():
        if grade_id in present:  # a template without that cell (the naive baseline's)
            find_cell(notebook, grade_id).source = source
    for grade_id, new_id in case.renamed_cells.items():
        if grade_id in present:
            find_cell(notebook, grade_id).metadata["nbgrader"]["grade_id"] = new_id
    notebook.cells = [c for c in notebook.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") not in case.deleted_cells]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if case.extra_cells:  # written as JSON: validating 100,000 cells would take nbformat minutes
        notebook.cells += [{"cell_type": "markdown", "id": f"note-{i}", "metadata": {}, "source": f"Note {i}."}
                           for i in range(case.extra_cells)]
        path.write_text(json.dumps(notebook), encoding="utf-8")
    else:
        nbformat.write(notebook, path)
    return path


def plant_files(case: Case, notebook_path, targets: dict) -> None:
    """Plant ``case.files`` next to the submitted notebook at ``notebook_path``: links and hard
    links to ``targets[<target>]`` (paths), and FIFOs."""
    folder = Path(notebook_path).parent
    for name, what in case.files.items():
        kind, _, target = what.partition(":")
        (folder / name).unlink(missing_ok=True)
        if kind == "link":
            os.symlink(targets[target], folder / name)
        elif kind == "hardlink":
            os.link(targets[target], folder / name)
        else:
            os.mkfifo(folder / name)
