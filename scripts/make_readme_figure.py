"""Draw the README's figures from the course's own code.

* ``docs/challenge-heatmap.png``: runs the challenge solution's answer cell
  (``plot_attention_heatmap``) on the challenge sentence and matrix taken from
  the notebook itself, so the picture in the README is always the one the
  solution draws;
* ``docs/real-attention-heads.png``: four heads of lesson 07's real model
  (``real_attention.py``) on the lesson's sentence, each found by computation
  as in the lesson: the previous-token head, the next-token head, the head that
  gives ``[CLS]`` the most weight, and the head that links "it" to "animal".

Usage (from the repository root)::

    python scripts/make_readme_figure.py                     # both, into docs/
    python scripts/make_readme_figure.py OUTPUT_PNG          # the challenge heatmap only
    python scripts/make_readme_figure.py --real-heads OUTPUT_PNG
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, not a notebook: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from autograde.corpus.course_copy import lesson_module  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHALLENGE = REPO / "solutions" / "challenge" / "04_challenge.ipynb"
DEFAULT_OUTPUT = REPO / "docs" / "challenge-heatmap.png"
REAL_HEADS_OUTPUT = REPO / "docs" / "real-attention-heads.png"
LESSONS = REPO / "solutions" / "lessons-after-challenge"
SENTENCE = "The animal didn't cross the street because it was too tired."


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


def draw_real_heads(output: Path) -> Path:
    """Four heads of lesson 07's model on its sentence, each found by computation."""
    plot_attention_grid = lesson_module("attention_plots").plot_attention_grid
    real_attention = lesson_module("real_attention")
    load_model, run_model = real_attention.load_model, real_attention.run_model

    result = run_model(load_model(), SENTENCE)
    tokens, attention = result.tokens, result.attention
    it, animal = tokens.index("it"), tokens.index("animal")
    scores = {
        "previous token": np.diagonal(attention, -1, axis1=-2, axis2=-1).mean(axis=-1),
        "next token": np.diagonal(attention, 1, axis1=-2, axis2=-1).mean(axis=-1),
        "[CLS]": attention[..., 0].mean(axis=-1),
        "'it' → 'animal'": attention[:, :, it, animal],
    }
    heads = {name: np.unravel_index(score.argmax(), score.shape) for name, score in scores.items()}
    fig, _ = plot_attention_grid(
        tokens, np.stack([attention[layer, head] for layer, head in heads.values()]),
        vmin=0, vmax=1, panel_size=3.3,
        titles=[f"layer {layer + 1}, head {head + 1}: {name}"
                for name, (layer, head) in heads.items()],
        suptitle=f"all-MiniLM-L6-v2 on \"{SENTENCE}\"")
    output.parent.mkdir(parents=True, exist_ok=True)
    # bbox_inches="tight", as in a notebook: the rotated labels need the room
    fig.savefig(output, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return output


if __name__ == "__main__":
    if sys.argv[1:2] == ["--real-heads"]:
        print(f"wrote {draw_real_heads(Path(sys.argv[2]) if len(sys.argv) > 2 else REAL_HEADS_OUTPUT)}")
    elif len(sys.argv) > 1:
        print(f"wrote {draw_solution_heatmap(Path(sys.argv[1]))}")
    else:
        print(f"wrote {draw_solution_heatmap(DEFAULT_OUTPUT)}")
        print(f"wrote {draw_real_heads(REAL_HEADS_OUTPUT)}")
