"""The pieces of the feedback and the class report that need no grading run (seconds, not minutes).

The feedback cleaner on a notebook shaped like an autograded one (real IPython
traceback texts), the report's reading of limits from real verdict messages,
the grouping of messages, and the staleness of a grade.
"""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograde.checker.spec import public_calls
from autograde.checker.verdicts import judge_call
from autograde.grading.feedback import CleanFeedback, clean_traceback, without_paths
from autograde.grading.fingerprint import FINGERPRINT_KEY, grader_fingerprint, stale_reasons
from autograde.grading.protocol import ANSWER_CELL, METADATA_KEY
from autograde.term.graded_notebooks import limit_hits
from autograde.term.report import ClassResults, StudentState, criterion_table, normalise_message

SYNTAX_TRACEBACK = ["  Cell In[3], line 14\n    return ax)\n             ^\n", "\x1b[0;31mSyntaxError\x1b[0m: unmatched ')'\n"]
LIBRARY_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mLinAlgError\x1b[0m                               Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 15\x1b[0m\n\x1b[0;32m---> 15\x1b[0m np\x1b[38;5;241m.\x1b[39mlinalg.inv(x)\n",
    "File \x1b[0;32m/home/teacher/course/.venv/lib/python3.11/site-packages/numpy/linalg/_linalg.py:641\x1b[0m, in inv(a)\n",
    "File \x1b[0;32m/home/teacher/course/.venv/lib/python3.11/site-packages/numpy/linalg/_linalg.py:245\x1b[0m, in _f(a)\n",
    "\x1b[0;31mLinAlgError\x1b[0m: Last 2 dimensions of the array must be square"]


def _cell(source, grade_id=None, solution=False, outputs=()):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": False, "locked": not solution}
    cell.outputs = list(outputs)
    return cell


def test_paths_are_cut_to_file_names_and_nothing_else_is_touched():
    assert without_paths("see /tmp/sandbox-1a2b/heatmap_check.py:12 and /home/t/x/y.txt") == \
        "see heatmap_check.py:12 and y.txt"
    for text in ("rows/columns", "1/2 of the points", "https://matplotlib.org/stable/api", "a / b"):
        assert without_paths(text) == text


def test_library_frames_become_one_line_and_the_students_frame_stays():
    cleaned = clean_traceback(LIBRARY_TRACEBACK)
    text = "".join(cleaned)
    assert "In[3], line 15" in text and "np.linalg.inv(x)" in text
    assert "2 frames inside numpy left out" in text
    assert "/home/teacher" not in text and "_linalg.py" not in text
    assert text.rstrip().endswith("LinAlgError: Last 2 dimensions of the array must be square")


def test_a_syntax_error_is_said_once_and_the_self_check_points_to_it():
    notebook = new_notebook(cells=[
        _cell("def plot_attention_heatmap(tokens, attention, ax=None):\n    return ax)", ANSWER_CELL, solution=True,
              outputs=[new_output("error", ename="SyntaxError", evalue="unmatched ')'", traceback=SYNTAX_TRACEBACK)]),
        _cell("heatmap_check.self_check(plot_attention_heatmap)", "self_check", outputs=[
            new_output("error", ename="NameError", evalue="name 'plot_attention_heatmap' is not defined",
                       traceback=["NameError: name 'plot_attention_heatmap' is not defined"])]),
        _cell("print(open('/srv/course/solutions/x').read())", "other", outputs=[
            new_output("stream", name="stdout", text="read /srv/course/solutions/challenge/secret.txt\n"),
            new_output("error", ename="NameError", evalue="name 'y' is not defined", traceback=["NameError"])]),
    ])
    cleaned, _ = CleanFeedback().preprocess(notebook, {})
    answer, check, other = cleaned.cells
    assert answer.outputs[0].ename == "SyntaxError" and "line 14" in "".join(answer.outputs[0].traceback)
    assert [o.output_type for o in check.outputs] == ["stream"]
    assert "did not run to its end (a SyntaxError stopped it" in check.outputs[0].text
    assert "never defined" in check.outputs[0].text
    assert other.outputs[0].text == "read secret.txt\n"
    assert other.outputs[1].ename == "NameError"  # not about the answer cell's names: kept


def test_limits_are_read_from_cells_the_sandbox_record_and_the_verdicts():
    timed_out = new_notebook(cells=[_cell("while True: pass", ANSWER_CELL, solution=True, outputs=[
        new_output("error", ename="CellTimeoutError", evalue="", traceback=[])])])
    assert limit_hits(timed_out) == ["a cell ran past the time limit (in answer_plot_attention_heatmap)"]

    sandboxed = new_notebook(cells=[_cell("x = 1", ANSWER_CELL, solution=True)])
    sandboxed.metadata[METADATA_KEY] = {"sandbox": {"limit": "cpu", "limit_message":
                                        "the notebook used more than 120 s of CPU time (the grading sandbox's limit) "
                                        "and was stopped"}}
    assert limit_hits(sandboxed) == ["the notebook used more than 120 s of CPU time (the grading sandbox's limit) "
                                     "and was stopped"]

    call = public_calls()[0]
    slow_call = new_notebook(cells=[_cell("x = 1", ANSWER_CELL, solution=True)])
    slow_call.metadata[METADATA_KEY] = {"verdicts": {call["name"]: judge_call({"status": "timeout"}, call)}}
    assert limit_hits(slow_call) == ["a call of plot_attention_heatmap ran past its time limit"]
    killed = new_notebook(cells=[])
    killed.metadata[METADATA_KEY] = {"verdicts": {call["name"]: judge_call({"status": "crashed"}, call)}}
    assert "killed by a signal" in limit_hits(killed)[0]
    assert limit_hits(new_notebook(cells=[_cell("x = 1", ANSWER_CELL, solution=True)])) == []


def test_the_same_mistake_of_two_students_counts_once_each():
    first = "plot_attention_heatmap raised NameError: name 'fig' is not defined, at line 9 of your answer cell: `fig.colorbar(im)`"
    second = "plot_attention_heatmap raised NameError: name 'fig' is not defined, at line 4 of your answer cell: `fig.x()`"
    assert normalise_message(first) == normalise_message(second)
    assert normalise_message('the title is "attention heatmap"') == normalise_message('the title is "Heatmap"')
    assert normalise_message("returned None") != normalise_message("returned a tuple")


def test_the_most_common_message_is_a_real_mistake_not_a_blank_answer():
    blank = ("plot_attention_heatmap raised NotImplementedError, at line 12 of your answer cell: "
             "`raise NotImplementedError()`. Hint: plot_attention_heatmap is not written yet")
    missing = 'the title is missing: expected "Attention Heatmap"'
    results = ClassResults("challenge", criteria=[("title", 1.0)],
                           scores={"anna": {"title": 0.0}, "ben": {"title": 0.0}, "cleo": {"title": 1.0}})
    states = {"anna": StudentState("anna", messages={"title": [blank]}),
              "ben": StudentState("ben", messages={"title": [missing]}), "cleo": StudentState("cleo")}
    row, = criterion_table(results, states)
    assert (row["message"], row["message_count"], row["lost"]) == (missing, 1, 2)
    # a class where only blank notebooks lost the point still says why
    states["ben"] = StudentState("ben", messages={"title": [blank]})
    assert criterion_table(results, states)[0]["message"] == blank


def test_a_grade_is_stale_with_other_points_or_another_grader():
    notebook = new_notebook(cells=[_cell("# Graded (1 point): the title.\npass", "title")])
    notebook.cells[0].metadata["nbgrader"].update(grade=True, points=1)
    notebook.metadata[METADATA_KEY] = {FINGERPRINT_KEY: grader_fingerprint()}
    assert stale_reasons(notebook, {"title": 1.0}) == []
    assert stale_reasons(notebook, {"title": 2.0}) == ["graded with other points (title 1 -> 2)"]
    notebook.metadata[METADATA_KEY][FINGERPRINT_KEY] = "0" * 16
    assert stale_reasons(notebook, {"title": 1.0}) == ["graded by another version of the grading code"]
    del notebook.metadata[METADATA_KEY][FINGERPRINT_KEY]
    assert "no fingerprint" in stale_reasons(notebook, {"title": 1.0})[0]
    assert nbformat.validate(notebook) is None
