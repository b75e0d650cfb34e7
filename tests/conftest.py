"""Shared fixtures for the course tests."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (where nbgrader_config.py lives)."""
    return REPO
