"""The checker module on its own: plots read correctly, faults contained, tampering undone.

Each test runs a short script in a fresh Python (the checker records and
restores interpreter-wide state, which must not leak into pytest's process).
"""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # `autograde` is importable however pytest is started
from autograde.preprocessors import subverting_code  # noqa: E402

CHECKER_DIR = REPO / "solutions" / "challenge"

GOOD = """
def good(tokens, attention, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
"""
PRELUDE = """
import matplotlib
matplotlib.use("agg")
import numpy as np
import matplotlib.pyplot as plt
import heatmap_check as hc
hc.protect()
""" + GOOD


def run(body: str) -> str:
    """Run PRELUDE + body in a fresh interpreter beside the checker; return stdout."""
    process = subprocess.run([sys.executable, "-B", "-c", PRELUDE + textwrap.dedent(body)],
                             cwd=CHECKER_DIR, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_a_correct_function_passes_every_criterion():
    out = run("""
        results, flags, png = hc.check_function(good)
        print(results, flags, png[:4])
    """)
    assert "{'returns_axes': None, 'matrix': None, 'x_ticks': None, 'y_ticks': None, " \
           "'colorbar': None, 'title': None} [] b'\\x89PNG'" in out


def test_without_fork_the_checks_run_in_process_and_keep_the_backend():
    """Windows has no os.fork: students there must still get the self-check."""
    script = "import os\ndel os.fork\n" + PRELUDE + textwrap.dedent("""
        plt.switch_backend("svg")
        results, flags, png = hc.check_function(good)
        print(results, flags, png[:4], plt.get_backend())
        wrong_title = lambda tokens, attention, ax=None: good(tokens, attention, ax).set_title("Map")
        print(hc.check_function(wrong_title)[0]["title"])
    """)
    process = subprocess.run([sys.executable, "-B", "-c", script], cwd=CHECKER_DIR,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert "{'returns_axes': None, 'matrix': None, 'x_ticks': None, 'y_ticks': None, " \
           "'colorbar': None, 'title': None} [] b'\\x89PNG' svg" in process.stdout
    assert "title" in process.stdout.splitlines()[-1]


@pytest.mark.parametrize("line, change, criterion, words", [
    ("image =", "image = ax.imshow(np.asarray(attention).T)", "matrix", "transposed"),
    ("set_title", 'ax.set_title("attention heatmap")', "title", "case matters"),
    ("set_title", 'ax.set_title("Attention Map")', "title", "title"),
    ("set_xticks", "ax.set_xticks(np.arange(len(tokens)) + 0.5, labels=tokens)", "x_ticks",
     "not the centre"),
    ("colorbar(", "ax.figure.colorbar(image, ax=ax)", "colorbar", "colorbar label is missing"),
])
def test_one_defect_fails_only_its_own_criterion(line, change, criterion, words):
    bad = "\n".join(("    " + change) if line in text else text
                     for text in GOOD.replace("def good", "def bad").splitlines())
    out = run(bad + f"""
results, flags, _ = hc.check_function(bad)
print(sorted(c for c, m in results.items() if m))
print(results[{criterion!r}])
""")
    failing, message = out.splitlines()[:2]
    assert failing == str([criterion])
    assert words in message


def test_crashes_are_contained_and_named():
    out = run("""
        import os, sys, time
        def loops(tokens, attention, ax=None):
            while True:
                pass
        def exits(tokens, attention, ax=None):
            os._exit(3)
        def stops(tokens, attention, ax=None):
            sys.exit()
        for function in (loops, exits, stops):
            results, _, _ = hc.check_function(function, timeout=2)
            print(results["title"])
        print("still alive")
    """)
    loops, exits, stops, alive = out.splitlines()
    assert "did not finish within 2 seconds" in loops
    assert "exit code 3" in exits and "os._exit" in exits
    assert "sys.exit()" in stops
    assert alive == "still alive"


def test_patched_matplotlib_is_flagged_undone_and_graded_for_real():
    out = run("""
        from matplotlib.axes import Axes
        real = Axes.get_title
        Axes.get_title = lambda self, loc="center": "Attention Heatmap"
        def untitled(tokens, attention, ax=None):
            ax = good(tokens, attention, ax)
            ax.set_title("")
            return ax
        results, flags, _ = hc.check_function(untitled)
        print(results["title"] is not None, Axes.get_title is real)
        print(flags)
    """)
    verdict, flags = out.splitlines()
    assert verdict == "True True"
    assert "Axes.get_title was replaced" in flags


def test_a_fake_axes_earns_nothing_and_is_flagged():
    out = run("""
        class Impostor:
            def get_title(self, loc="center"):
                return "Attention Heatmap"
        results, flags, _ = hc.check_function(lambda tokens, attention, ax=None: Impostor())
        print(all(results.values()), flags)
    """)
    assert out.startswith("True") and "fake Axes-like object (Impostor)" in out


def test_code_that_targets_the_grading_is_recognised():
    assert subverting_code("import sys\nsys.modules['heatmap_check'] = object()") == [
        "sys.modules"]
    assert subverting_code("import heatmap_check\nheatmap_check.require = print") == [
        "the grading module heatmap_check"]
    assert subverting_code("get_ipython().input_transformers_cleanup.append(f)") == [
        "input transformers"]
    assert subverting_code("ax.imshow(attention)\nmodules = 3\nplt.show()") == []


def test_self_check_names_each_failing_criterion_or_says_public_checks_passed():
    bad = GOOD.replace("def good", "def bad").replace('"Attention Heatmap"', '"Heatmap"').replace(
        'label="Attention Weight"', 'label="weights"')
    out = run(bad + """
hc.self_check(good)
try:
    hc.self_check(bad)
except AssertionError as error:
    print(error)
""")
    assert "public checks passed; more checks run at grading" in out
    assert "- colorbar: the colorbar label is \"weights\"" in out
    assert "- title: the title is \"Heatmap\", expected \"Attention Heatmap\"" in out
