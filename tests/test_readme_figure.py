"""The README's heatmap is the one the instructor solution draws today."""
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np

from conftest import REPO


def test_readme_heatmap_matches_the_solution(tmp_path):
    fresh = tmp_path / "challenge-heatmap.png"
    subprocess.run([sys.executable, "scripts/make_readme_figure.py", str(fresh)],
                   cwd=REPO, check=True, capture_output=True, text=True)
    committed = mpimg.imread(REPO / "docs" / "challenge-heatmap.png")
    drawn = mpimg.imread(fresh)
    assert committed.shape == drawn.shape and np.array_equal(committed, drawn), (
        "docs/challenge-heatmap.png is out of date: run python scripts/make_readme_figure.py")
