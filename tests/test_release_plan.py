"""Nothing released with lessons 01-03 answers the challenge.

Lessons 01-03 (assignment ``lessons``) are released before the challenge; lessons 05-07
(``lessons-after-challenge``), whose ``attention_plots.py`` holds a finished
``plot_attention_heatmap``, only after its due date. So every function a student receives
with lessons 01-03, in a module or defined by a notebook cell, is put through the
challenge's own public checks (``heatmap_check.check_public``, the students' copy): none may
pass a criterion that is about the picture. The same search on the instructor copy must find
lesson 3's solution, which passes them all: so the search can fail.
"""
import json
import subprocess
import sys

from autograde.corpus.course_copy import REPO

#: Criteria that a function passes only by drawing part of the challenge's heatmap.
DRAWN = {"matrix", "x_ticks", "y_ticks", "colorbar", "title"}

FIND_FUNCTIONS = r"""
import importlib, inspect, json, pathlib, sys, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat

folder, challenge = pathlib.Path.cwd(), sys.argv[1]
sys.path[:0] = [str(folder), challenge]
import heatmap_check

functions = {}
for path in sorted(folder.glob("*.py")):
    module = importlib.import_module(path.stem)
    functions.update({f"{path.name}:{name}": value for name, value in vars(module).items()
                      if inspect.isfunction(value) and value.__module__ == module.__name__})
for path in sorted(folder.glob("*.ipynb")):
    namespace = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(cell.source, namespace)
            except Exception:   # blank answers and their checks
                pass
            plt.close("all")
    functions.update({f"{path.name}:{name}": value for name, value in namespace.items()
                      if inspect.isfunction(value) and value.__module__ == "__main__"})
passed = {}
for name, function in functions.items():
    failures = heatmap_check.failures_of(heatmap_check.check_public(function))
    passed[name] = sorted(criterion for criterion, failed in failures.items() if not failed)
    plt.close("all")
print(json.dumps(passed))
"""


def criteria_passed_by_functions_in(folder) -> dict:
    """``{"file:function": [criteria it passes]}`` for every function released in ``folder``."""
    run = subprocess.run([sys.executable, "-c", FIND_FUNCTIONS, str(REPO / "notebooks" / "challenge")],
                         cwd=folder, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_no_function_released_with_lessons_01_to_03_draws_any_of_the_challenge():
    passed = criteria_passed_by_functions_in(REPO / "notebooks" / "lessons")
    assert "03_plotting_heatmaps.ipynb:plot_attention_heatmap" in passed   # the blank one, tried too
    drawing = {name: sorted(DRAWN & set(criteria)) for name, criteria in passed.items() if DRAWN & set(criteria)}
    assert not drawing, f"released with lessons 01-03, these answer the challenge: {drawing}"


def test_the_search_finds_lesson_3s_solution_in_the_instructor_copy():
    passed = criteria_passed_by_functions_in(REPO / "solutions" / "lessons")
    assert DRAWN <= set(passed["03_plotting_heatmaps.ipynb:plot_attention_heatmap"])


def test_the_challenge_ends_with_how_to_hand_in_then_lesson_5_once_it_is_due():
    """Lessons 05-07 come after the challenge's due date: its last words must not send a student
    to lesson 5 before telling how to hand in, nor promise lesson 5 is there already."""
    import nbformat

    for folder in ("solutions", "notebooks"):
        cells = nbformat.read(REPO / folder / "challenge" / "04_challenge.ipynb", as_version=4).cells
        headings = [cell.source.splitlines()[0] for cell in cells
                    if cell.cell_type == "markdown" and cell.source.startswith("## ")]
        assert headings[-2:] == ["## How to hand in", "## Summary"], (folder, headings)
        next_line = cells[-1].source[cells[-1].source.index("**Next:**"):]
        assert "once the\nchallenge is due" in next_line, next_line
