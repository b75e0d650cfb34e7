"""Shared fixtures and helpers for the course tests."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (where nbgrader_config.py lives)."""
    return REPO


def run_in_lessons_folder(script: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter from ``solutions/lessons`` (where a notebook
    imports the lessons' modules from)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO / "solutions" / "lessons",
                          capture_output=True, text=True, timeout=120)
