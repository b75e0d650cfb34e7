"""How a naive one-cell test grades the corpus (what the checker is worth).

The usual nbgrader plot test is one graded cell of asserts, worth all 10
points, with nbgrader's default settings. This script grades every sample
submission in :mod:`autograde.corpus` that way, through the real
``nbgrader autograde`` in a throwaway course, and prints how many submissions
it grades wrongly (a total different from the case's expected total, or no
grade at all). Run from the repository root::

    python benchmarks/naive_baseline.py
"""
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograde.corpus import REPO, cases, notebook_points
from autograde.corpus.course import autograde, scores_of, submit
from autograde.corpus.course_copy import copy_course

NAIVE_TEST = '''
# Graded (10 points): the heatmap.
import matplotlib
ax = plot_attention_heatmap(tokens, attention)
assert isinstance(ax, matplotlib.axes.Axes), "plot_attention_heatmap must return an Axes"
image = ax.get_images()[0]
assert np.allclose(image.get_array(), attention), "wrong matrix"
assert [t.get_text() for t in ax.get_xticklabels()] == tokens, "wrong x tick labels"
assert [t.get_text() for t in ax.get_yticklabels()] == tokens, "wrong y tick labels"
assert image.colorbar.ax.get_ylabel() == "Attention Weight", "wrong colorbar label"
assert ax.get_title() == "Attention Heatmap", "wrong title"
'''.strip()


def naive_config() -> str:
    """nbgrader's defaults, but the course's folders (read from nbgrader_config.py)."""
    config = (REPO / "nbgrader_config.py").read_text().splitlines()
    folders = [line for line in config if line.startswith(("c.CourseDirectory.", "c.Exchange.", "c.ExportPlugin."))]
    return "\n".join(["c = get_config()", *folders, "c.OverwriteCells.add_missing_cells = True", ""])


def naive_challenge(folder: Path) -> Path:
    """The challenge with its check cells replaced by one 10-point test cell."""
    folder.mkdir(parents=True)
    source = REPO / "solutions" / "challenge"
    for path in source.glob("*.py"):
        (folder / path.name).write_text(path.read_text())
    notebook = nbformat.read(source / "04_challenge.ipynb", as_version=4)
    kept = []
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.metadata.get("nbgrader", {}).get("grade") or grade_id == "self_check":
            continue
        kept.append(cell)
        if grade_id == "answer_plot_attention_heatmap":
            test = new_code_cell(NAIVE_TEST, id="naive-test")
            test.metadata["nbgrader"] = {"grade": True, "grade_id": "naive_test", "locked": True,
                                         "points": 10, "solution": False, "task": False,
                                         "schema_version": 3}
            kept.append(test)
    notebook.cells = kept
    nbformat.write(notebook, folder / "04_challenge.ipynb")
    return folder


def main() -> int:
    corpus = cases()
    points = notebook_points()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = copy_course(tmp / "course", assignments=["challenge"], config_text=naive_config(),
                             challenge_source=naive_challenge(tmp / "naive"), regenerate=True)
        submit(course, corpus, template=course / "notebooks" / "challenge" / "04_challenge.ipynb")
        process = autograde(course, check=False)  # nbgrader exits non-zero when a kernel dies
        if process.returncode:
            print(f"(nbgrader reported errors, exit status {process.returncode})")
        got = scores_of(course)
    wrong = []
    for case in corpus:
        expected = sum(case.expected(points).values())
        cells = got.get(case.name)
        total = None if cells is None or None in cells.values() else sum(cells.values())
        if total != expected:
            wrong.append(case.name)
        print(f"{case.name:28s} {case.kind:9s} expected {expected:>4g}  naive "
              f"{'no grade' if total is None else f'{total:g}':>8}{'  WRONG' if total != expected else ''}")
    totals = {case.name: (None if got.get(case.name) is None or None in got[case.name].values()
                          else sum(got[case.name].values())) for case in corpus}
    full = sum(points.values())
    unfair = [c.name for c in corpus if c.kind == "valid" and totals[c.name] != full]
    overpaid = [c.name for c in corpus
                if totals[c.name] is not None and totals[c.name] > sum(c.expected(points).values())]
    ungraded = [c.name for c in corpus if totals[c.name] is None]
    print(f"\nvalid submissions given less than {full:g}: {len(unfair)}/"
          f"{sum(c.kind == 'valid' for c in corpus)}; paid for points not earned: "
          f"{len(overpaid)}; left without a grade: {len(ungraded)}")
    print(f"naive one-cell test: {len(wrong)}/{len(corpus)} submissions graded wrongly "
          f"({len(wrong) / len(corpus):.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
