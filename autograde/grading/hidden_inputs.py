"""The hidden calls' inputs: fresh sentences and matrices, drawn when grading starts.

Knowing the checker's source gives a student nothing to hard-code: each
grading run draws a seed (or takes ``c.HiddenInputs.seed`` from
``nbgrader_config.py``), and each student's hidden sentences and matrices
come from that seed and the student's id
(:func:`autograde.checker.fresh.calls_with_fresh_data`, the very calls the
self-check makes with data of its own). The seed is recorded in every
autograded notebook, so a grade can be reproduced.
"""
from __future__ import annotations

import random
import secrets

from traitlets import Integer
from traitlets.config import Configurable

from autograde.checker.fresh import calls_with_fresh_data


class HiddenInputs(Configurable):
    """How the hidden calls' inputs are drawn."""

    seed = Integer(None, allow_none=True, help=(
        "Seed for the hidden sentences and matrices. Leave unset to draw a fresh seed for each "
        "grading run (it is recorded in every autograded notebook); set it to reproduce a run."
    )).tag(config=True)

    _run_seed = None  # drawn once per process when no seed is configured

    def run_seed(self) -> int:
        """This run's seed: the configured one, else one drawn once per process."""
        if self.seed is not None:
            return self.seed
        if HiddenInputs._run_seed is None:
            HiddenInputs._run_seed = secrets.randbits(31)
        return HiddenInputs._run_seed


def grading_calls(seed: int, student_id: str) -> list[dict]:
    """Every call grading makes for one student: the public ones, then one hidden call
    per call shape, drawn from ``seed`` and the student's id."""
    return calls_with_fresh_data(random.Random(f"{seed}/{student_id}"), prefix="hidden")
