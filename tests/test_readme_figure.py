"""The README's figures are the ones the course's code draws today."""
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np

from autograde.corpus.course_copy import REPO


def test_readme_heatmap_matches_the_solution(tmp_path):
    fresh = tmp_path / "challenge-heatmap.png"
    subprocess.run([sys.executable, "scripts/make_readme_figure.py", str(fresh)],
                   cwd=REPO, check=True, capture_output=True, text=True)
    committed = mpimg.imread(REPO / "docs" / "challenge-heatmap.png")
    drawn = mpimg.imread(fresh)
    assert committed.shape == drawn.shape and np.array_equal(committed, drawn), (
        "docs/challenge-heatmap.png is out of date: run python scripts/make_readme_figure.py")


def test_readme_real_heads_match_the_model(tmp_path):
    """Lesson 07's four heads. Floating-point sums may differ in the last bits between
    machines (BLAS kernels), so a pixel may move by a shade; a changed head, title or
    label changes pixels by much more."""
    fresh = tmp_path / "real-attention-heads.png"
    subprocess.run([sys.executable, "scripts/make_readme_figure.py", "--real-heads", str(fresh)],
                   cwd=REPO, check=True, capture_output=True, text=True)
    committed = mpimg.imread(REPO / "docs" / "real-attention-heads.png")
    drawn = mpimg.imread(fresh)
    stale = ("docs/real-attention-heads.png is out of date: run "
             "python scripts/make_readme_figure.py --real-heads")
    assert committed.shape == drawn.shape, stale
    assert np.abs(committed - drawn).max() <= 2 / 255 + 1e-6, stale
