"""The students' checker is built from the package, is current, and works on its own."""
import os
import re
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from autograde.corpus import ANSWERS
from autograde.corpus.course_copy import REPO
from autograde.generate.checker import STUDENT_CHECKER, build_checker
from autograde.grading.protocol import ANSWER_CELL, find_cell


def answer_source(name: str) -> str:
    return (ANSWERS / f"{name}.py").read_text()


def test_the_committed_student_checker_is_a_fresh_build():
    committed = (REPO / STUDENT_CHECKER).read_text(encoding="utf-8")
    assert committed == build_checker(), (
        f"{STUDENT_CHECKER} is not built from autograde/checker/: run ./course generate")


def test_the_student_checker_imports_nothing_from_the_grading_kit():
    text = build_checker()
    assert not re.search(r"^\s*from \.", text, re.MULTILINE)
    assert not re.search(r"^\s*(from|import) autograde", text, re.MULTILINE)
    for grader_only in ("hidden_inputs", "grading_calls", "run_in_sandbox", "GradeFromEvidence"):
        assert grader_only not in text


def test_the_student_checker_runs_the_self_check_on_its_own(tmp_path):
    shutil.copy(REPO / STUDENT_CHECKER, tmp_path / "heatmap_check.py")
    answers = "".join(f"{answer_source(name)}\n{name} = plot_attention_heatmap\n"
                      for name in ("solution", "uses_fig_with_ax"))
    script = textwrap.dedent("""
        import matplotlib
        matplotlib.use("agg")
        import numpy as np
        import matplotlib.pyplot as plt
        import heatmap_check
    """) + answers + textwrap.dedent("""
        heatmap_check.self_check(solution)
        heatmap_check.require("title", solution)
        try:
            heatmap_check.self_check(uses_fig_with_ax)
        except AssertionError as error:
            print(error)
    """)
    process = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert process.returncode == 0, process.stderr
    assert "All public checks passed: 10/10 on these calls." in process.stdout
    assert "title: 1/1 on the self-check's calls: passed" in process.stdout
    assert "8.5/10 on these calls. What costs points:" in process.stdout
    failures = [line for line in process.stdout.splitlines() if line.startswith("- ")]
    assert failures and all(": called with an ax of ours" in line for line in failures), failures
    assert "ax.figure" in process.stdout


@pytest.mark.integration  # three real kernels, no sandbox
def test_a_student_grades_the_saved_notebook_with_the_checker_alone(tmp_path):
    """`python heatmap_check.py 04_challenge.ipynb` in a folder holding nothing else: the notebook
    runs in a fresh kernel, the calls are made with fresh sentences, the points are printed."""
    from autograde.corpus import cases, write_submission

    shutil.copy(REPO / STUDENT_CHECKER, tmp_path / "heatmap_check.py")
    by_name = {case.name: case for case in cases()}
    write_submission(by_name["raises_after_drawing"], tmp_path / "04_challenge.ipynb")
    write_submission(by_name["blank"], tmp_path / "blank.ipynb")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    def grade_me(*arguments):
        return subprocess.run([sys.executable, "-I", "heatmap_check.py", *arguments], cwd=tmp_path, text=True,
                              capture_output=True, timeout=240, env=environment)

    drew_then_raised = grade_me()
    assert drew_then_raised.returncode == 1, drew_then_raised.stderr
    printed = drew_then_raised.stdout
    assert "Grading 04_challenge.ipynb as saved at " in printed
    assert "7/10 on these calls. What costs points:" in printed
    assert "AttributeError: 'Axes' object has no attribute 'colorbar', at line 10 of your answer cell" in printed
    assert "Points per criterion: return value 0/1, matrix 3/3, x tick labels 2/2, y tick labels 2/2, " \
           "colorbar 0/1, title 0/1." in printed
    blank = grade_me("blank.ipynb")
    assert "0/10 on these calls" in blank.stdout and "not written yet" in blank.stdout, blank.stdout
    notebook = nbformat.read(tmp_path / "blank.ipynb", as_version=4)
    find_cell(notebook, ANSWER_CELL).source = "def plot_attention_heatmap(tokens, attention, ax=None:\n    pass"
    nbformat.write(notebook, tmp_path / "syntax_error.ipynb")
    broken = grade_me("syntax_error.ipynb")
    # named as JupyterLab shows it (no cell numbers): by what the cell starts with
    assert "Your answer cell (`def plot_attention_heatmap(tokens, attention, ax=None:`) stopped with " \
           "SyntaxError" in broken.stdout, broken.stdout
    assert "0/10 on these calls" in broken.stdout
