"""Each grading preprocessor, in-process, on small fixture notebooks (seconds, not minutes).

The evidence a kernel would send is made here with the checker's own
``collect`` (a forked child per call, as in a kernel), or forged by hand; the
graded cells' outputs are then read the way nbgrader's ``SaveAutoGrades``
reads them (:func:`nbgrader.utils.determine_grade`).
"""
import base64
import json
import os
import pickle
import sqlite3

import matplotlib

matplotlib.use("agg")

import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402
from nbgrader.utils import determine_grade  # noqa: E402
from traitlets.config import Config  # noqa: E402

from autograde.checker.evidence import collect  # noqa: E402
from autograde.checker.unpickle import MAX_PICKLE_BYTES  # noqa: E402
from autograde.corpus import STUDENT_NOTEBOOK, answer_function  # noqa: E402
from autograde.grading.preprocessors import (BackupGradebook, ClearGradingRecord, CollectEvidence,  # noqa: E402
                                     GradeFromEvidence, RestoreTestCells, StripActiveContent)
from autograde.grading.protocol import (ASSIGNMENT, EVIDENCE_CELL_KEY, EVIDENCE_MIME, NOTEBOOK, GraderFault, add_flag,  # noqa: E402
                                find_cell, flags_of, grade_id, graded_cells)


good = answer_function("solution")
uses_fig = answer_function("uses_fig_with_ax")  # correct without ax; with one, `fig` is unbound


class _RunsAShell:
    def __reduce__(self):
        return (os.system, ("true",))


def _resources(student="alice", db_url="sqlite:///nowhere.db"):
    return {"nbgrader": {"student": student, "assignment": ASSIGNMENT, "notebook": NOTEBOOK, "db_url": db_url}}


def _with_evidence_cell(student="alice"):
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    notebook, _ = CollectEvidence().preprocess(notebook, _resources(student))
    cell = next(c for c in notebook.cells if c.metadata.get(EVIDENCE_CELL_KEY))
    return notebook, cell


def _run_calls(notebook, cell, function):
    """What the kernel would send back: one evidence output per call."""
    cell.execution_count = 9
    cell.outputs = [new_output("display_data", data={EVIDENCE_MIME: collect(function, call)})
                    for call in notebook.metadata["heatmap_grading"]["calls"]]


def _points(notebook) -> dict:
    return {grade_id(cell): determine_grade(cell)[0] for cell in graded_cells(notebook)}


def test_collect_evidence_adds_one_cell_before_the_graded_cells_and_records_the_calls():
    notebook, cell = _with_evidence_cell()
    position = {grade_id(c) or ("evidence" if c is cell else None): i for i, c in enumerate(notebook.cells)}
    assert position["self_check"] < position["evidence"] < position["returns_axes"]
    assert position["returns_axes"] == min(notebook.cells.index(c) for c in graded_cells(notebook))
    calls = notebook.metadata["heatmap_grading"]["calls"]
    assert [call["name"] for call in calls] == ["public_no_ax", "public_with_ax", "hidden_no_ax", "hidden_with_ax"]
    assert json.dumps(calls) in cell.source
    assert isinstance(notebook.metadata["heatmap_grading"]["seed"], int)


def test_collect_evidence_leaves_other_notebooks_alone():
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    resources = _resources()
    resources["nbgrader"]["assignment"] = "lessons"
    before = len(notebook.cells)
    CollectEvidence().preprocess(notebook, resources)
    assert len(notebook.cells) == before and "heatmap_grading" not in notebook.metadata


def test_a_correct_function_gets_every_point_and_the_evidence_cell_is_removed():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, good)
    GradeFromEvidence().preprocess(notebook, _resources())
    assert not any(c.metadata.get(EVIDENCE_CELL_KEY) for c in notebook.cells)
    assert _points(notebook) == {"returns_axes": 1, "matrix": 3, "x_ticks": 2, "y_ticks": 2, "colorbar": 1,
                                 "title": 1}
    assert flags_of(notebook) == []
    text = find_cell(notebook, "matrix").outputs[0]["text"]
    assert "matrix: 3 of 3 points" in text and "called with an ax of ours" in text


def test_a_function_that_ignores_the_given_ax_keeps_half_of_every_criterion():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, answer_function("ignores_given_ax"))
    GradeFromEvidence().preprocess(notebook, _resources())
    assert _points(notebook) == {"returns_axes": 0.5, "matrix": 1.5, "x_ticks": 1, "y_ticks": 1,
                                 "colorbar": 0.5, "title": 0.5}
    text = find_cell(notebook, "title").outputs[0]["text"]
    assert "called without ax (attention as a list of lists): passed" in text
    assert "the ax you were given shows nothing" in text
    assert notebook.metadata["heatmap_grading"]["judge_with_ax_on"] == "given"


def test_judged_on_the_returned_axes_when_the_course_says_so():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, answer_function("ignores_given_ax"))
    config = Config({"HeatmapGrading": {"judge_with_ax_on": "returned"}})
    GradeFromEvidence(config=config).preprocess(notebook, _resources())
    assert _points(notebook) == {"returns_axes": 0.5, "matrix": 3, "x_ticks": 2, "y_ticks": 2, "colorbar": 1,
                                 "title": 1}
    assert notebook.metadata["heatmap_grading"]["judge_with_ax_on"] == "returned"


def test_a_function_that_raises_keeps_what_it_drew_and_the_line_is_named():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, uses_fig)  # with an ax: the heatmap and its ticks, then `fig` is unbound
    GradeFromEvidence().preprocess(notebook, _resources())
    assert _points(notebook) == {"returns_axes": 0.5, "matrix": 3, "x_ticks": 2, "y_ticks": 2, "colorbar": 0.5,
                                 "title": 0.5}
    text = find_cell(notebook, "returns_axes").outputs[0]["text"]
    assert "UnboundLocalError" in text and "use ax.figure" in text
    assert "stopped with UnboundLocalError" in find_cell(notebook, "title").outputs[0]["text"]


def test_the_self_check_cell_shows_each_calls_picture_and_verdicts():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, answer_function("colorbar_unlabelled"))
    GradeFromEvidence().preprocess(notebook, _resources())
    outputs = find_cell(notebook, "self_check").outputs
    pictures = [base64.b64decode(o["data"]["image/png"]) for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 4 and all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pictures)
    # cut from the inspector's render of each figure, not drawn again by savefig (whose PNGs name matplotlib)
    assert not any(b"Matplotlib" in p for p in pictures)
    texts = [o["text"] for o in outputs if o.get("output_type") == "stream"]
    assert texts[1].startswith("\nCall 1 of 4: called without ax") and "the challenge's sentence" in texts[1]
    assert texts[2].splitlines() == ["- return value, matrix, x tick labels, y tick labels, title: passed",
                                     '- colorbar: the colorbar label is missing: expected "Attention Weight" '
                                     '(set it with colorbar.set_label("Attention Weight"))']
    assert not any(o.get("output_type") == "error" for o in outputs)
    # under each picture with an ax of ours (only there), whose the empty Axes beside it is
    heading, notes = None, []
    for output in outputs:
        heading = output["text"] if output.get("text", "").startswith("\nCall") else heading
        if "is the grader's, not yours" in output.get("text", ""):
            notes.append(heading)
    assert len(notes) == 2 and all("called with an ax of ours" in heading for heading in notes), notes


def test_what_the_kernel_printed_in_a_graded_cell_is_discarded():
    notebook, cell = _with_evidence_cell()
    cell.outputs, cell.execution_count = [], 9  # the cell ran but sent nothing back...
    title = find_cell(notebook, "title")  # ...but printed a pass in the graded cell
    title.outputs = [new_output("stream", name="stdout", text="title: passed\n")]
    GradeFromEvidence().preprocess(notebook, _resources())
    assert _points(notebook)["title"] == 0
    assert "no drawing came back" in title.outputs[0]["evalue"]
    assert any("no evidence came back" in flag for flag in flags_of(notebook))


def test_a_kernel_that_stopped_is_named_and_not_flagged():
    notebook, cell = _with_evidence_cell()
    find_cell(notebook, "answer_plot_attention_heatmap").outputs = [
        new_output("error", ename="KernelDied", evalue="the Python kernel died while running this cell",
                   traceback=[])]
    cell.outputs, cell.execution_count = [], None  # never run
    GradeFromEvidence().preprocess(notebook, _resources())
    assert set(_points(notebook).values()) == {0}
    message = find_cell(notebook, "matrix").outputs[0]["evalue"]
    assert "the notebook stopped before your function could be called (KernelDied: the Python kernel died" in message
    assert flags_of(notebook) == []


def test_a_broken_recording_cell_is_flagged():
    notebook, cell = _with_evidence_cell()
    cell.execution_count = 9
    cell.outputs = [new_output("error", ename="AttributeError",
                               evalue="module 'heatmap_check' has no attribute 'record_evidence'", traceback=[])]
    GradeFromEvidence().preprocess(notebook, _resources())
    assert set(_points(notebook).values()) == {0}
    assert any("the cell that records the grading calls failed" in flag for flag in flags_of(notebook))


def test_forged_and_repeated_evidence_earns_nothing_and_is_flagged():
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, good)
    forged = dict(cell.outputs[0]["data"][EVIDENCE_MIME])
    forged["pickle"] = base64.b64encode(pickle.dumps(_RunsAShell())).decode()
    first = dict(cell.outputs[0]["data"][EVIDENCE_MIME])
    cell.outputs[0] = new_output("display_data", data={EVIDENCE_MIME: forged})
    cell.outputs.append(new_output("display_data", data={EVIDENCE_MIME: first}))  # the real one, too late
    GradeFromEvidence().preprocess(notebook, _resources())
    assert _points(notebook) == {"returns_axes": 0.5, "matrix": 1.5, "x_ticks": 1, "y_ticks": 1,
                                 "colorbar": 0.5, "title": 0.5}
    flags = flags_of(notebook)
    assert any("posix.system" in flag for flag in flags)
    assert any("more than once" in flag for flag in flags)


def test_a_drawing_the_grader_cannot_read_leaves_the_student_not_graded_never_with_zero():
    # a figure may be that big (a huge image behind the heatmap): the grader's limit, no proof
    # of anything, so no grade at all rather than the points of the calls it could read
    notebook, cell = _with_evidence_cell()
    _run_calls(notebook, cell, good)
    huge = dict(cell.outputs[1]["data"][EVIDENCE_MIME], pickle="A" * (MAX_PICKLE_BYTES * 2))
    cell.outputs[1] = new_output("display_data", data={EVIDENCE_MIME: huge})
    with pytest.raises(GraderFault, match=r"^not graded \(grader fault\): call .*more than 8 MB"):
        GradeFromEvidence().preprocess(notebook, _resources())
    assert "points" not in notebook.metadata["heatmap_grading"]


def test_restore_test_cells_puts_back_and_flags_what_a_student_removed(challenge_course):
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    notebook.cells = [c for c in notebook.cells if grade_id(c) not in ("title", "setup")]
    find_cell(notebook, "colorbar").source = "pass"
    db_url = f"sqlite:///{challenge_course / 'grading' / 'gradebook.db'}"
    RestoreTestCells().preprocess(notebook, _resources(db_url=db_url))
    assert [grade_id(c) for c in graded_cells(notebook)][-1] == "title"
    assert "import heatmap_check" in find_cell(notebook, "setup").source
    flags = flags_of(notebook)
    assert "the read-only cell 'title' was deleted (nbgrader restored it)" in flags
    assert "the read-only cell 'colorbar' was edited (nbgrader restored it)" in flags


def test_backup_gradebook_copies_it_once_per_process(challenge_course, monkeypatch):
    monkeypatch.chdir(challenge_course)
    db_url = "sqlite:///grading/gradebook.db"
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    for _ in range(3):
        BackupGradebook().preprocess(notebook, _resources(db_url=db_url))
    backups = sorted((challenge_course / "grading" / "backups").glob("gradebook-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("select name from assignment").fetchall() == [("challenge",)]
    assert os.path.getsize(backups[0]) > 0


def test_a_grading_record_the_submission_brings_is_cleared():
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    notebook.metadata["heatmap_grading"] = {"flags": None, "points": {"title": 1}}
    find_cell(notebook, "title").metadata[EVIDENCE_CELL_KEY] = True
    ClearGradingRecord().preprocess(notebook, _resources())
    assert "heatmap_grading" not in notebook.metadata
    assert not any(cell.metadata.get(EVIDENCE_CELL_KEY) for cell in notebook.cells)


def test_flags_are_one_printable_line_whatever_a_notebook_holds():
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    notebook.metadata["heatmap_grading"] = {"flags": None}
    assert flags_of(notebook) == []
    notebook.metadata["heatmap_grading"] = {}
    add_flag(notebook, "refused \x1b[2K\rzz_honest\tthe read-only cell 'title' was edited\x1b[8m" + "x" * 500)
    [flag] = flags_of(notebook)
    assert "\x1b" not in flag and "\r" not in flag and "\t" not in flag and len(flag) <= 300


def test_active_content_is_dropped_from_the_notebook_and_said_so():
    notebook = nbformat.read(STUDENT_NOTEBOOK, as_version=4)
    cell = find_cell(notebook, "answer_plot_attention_heatmap")
    cell.outputs = [new_output("display_data", data={"text/html": '<img src=x onerror="alert(1)">',
                                                     "application/javascript": "alert(1)",
                                                     "text/plain": "<IPython.core.display.HTML object>"}),
                    new_output("display_data", data={"image/svg+xml": "<svg onload='alert(1)'/>"})]
    StripActiveContent().preprocess(notebook, _resources())
    kinds = [kind for output in cell.outputs for kind in output.get("data", {})]
    assert kinds == ["text/plain"]
    assert "not application/javascript, image/svg+xml, text/html" in cell.outputs[-1]["text"]


def test_why_a_cell_stopped_is_said_in_the_words_the_report_uses():
    from autograde.grading.preprocessors.grade_from_evidence import why_cell_stopped
    from autograde.term.graded_notebooks import FAULT_NAMES

    def stopped(ename, evalue=""):
        return why_cell_stopped([new_output("stream", name="stdout", text="drawing...\n"),
                                 new_output("error", ename=ename, evalue=evalue, traceback=[])])

    assert stopped("CellTimeoutError") == FAULT_NAMES["CellTimeoutError"] == "a cell ran past the time limit"
    assert stopped("DeadKernelError") == stopped("KernelDied") == "the kernel died"
    assert stopped("SandboxLimit", "the grading sandbox's disk limit (256 MB) was reached\nmore") == (
        "it was stopped: the grading sandbox's disk limit (256 MB) was reached")
    assert stopped("ZeroDivisionError") == "a ZeroDivisionError stopped it, shown under the cell at its line"
    assert stopped("AttributeError").startswith("an AttributeError")
    assert why_cell_stopped([new_output("stream", name="stdout", text="fine\n")]) is None
