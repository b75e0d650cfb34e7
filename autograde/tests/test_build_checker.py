"""The students' checker is built from the package, is current, and works on its own."""
import re
import shutil
import subprocess
import sys
import textwrap

from autograde.corpus import ANSWERS
from autograde.corpus.course_copy import REPO
from autograde.generate.checker import STUDENT_CHECKER, build_checker


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
    assert "public checks passed; more checks run at grading" in process.stdout
    assert "title: passed the public checks" in process.stdout
    assert "called with an ax of ours" in process.stdout and "ax.figure" in process.stdout
    assert "called without ax" not in process.stdout  # only the call with an ax fails
