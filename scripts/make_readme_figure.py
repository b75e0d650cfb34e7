"""Draw the README's challenge heatmap from the instructor solution.

Runs the solution's answer cell (``plot_attention_heatmap``) on the challenge
sentence and matrix taken from the notebook itself, so the picture in the
README is always the one the solution draws.

Usage (from the repository root)::

    python scripts/make_readme_figure.py [OUTPUT_PNG]
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, not a notebook: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHALLENGE = REPO / "solutions" / "challenge" / "04_challenge.ipynb"
DEFAULT_OUTPUT = REPO / "docs" / "challenge-heatmap.png"


def _cell_with_grade_id(notebook, grade_id):
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise LookupError(f"{CHALLENGE.name} has no cell with grade_id {grade_id!r}")


def draw_solution_heatmap(output: Path) -> Path:
    """Run the challenge's given-data and solution cells; save the heatmap to ``output``."""
    notebook = nbformat.read(CHALLENGE, as_version=4)
    namespace = {"np": np, "plt": plt}
    for grade_id in ("given_data", "answer_plot_attention_heatmap"):
        source = _cell_with_grade_id(notebook, grade_id).source
        exec(compile(source, f"{CHALLENGE.name}:{grade_id}", "exec"), namespace)
    ax = namespace["plot_attention_heatmap"](namespace["tokens"], namespace["attention"])
    output.parent.mkdir(parents=True, exist_ok=True)
    # No Software/date metadata, so the same picture gives the same bytes.
    ax.figure.savefig(output, dpi=100, metadata={"Software": None})
    plt.close(ax.figure)
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(f"wrote {draw_solution_heatmap(target)}")
