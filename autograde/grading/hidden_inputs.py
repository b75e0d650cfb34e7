"""The hidden calls' inputs: fresh sentences and matrices, drawn when grading starts.

Knowing the checker's source gives a student nothing to hard-code: each
grading run draws a seed (or takes ``c.HiddenInputs.seed`` from
``nbgrader_config.py``), and each student's hidden sentences and matrices
come from that seed and the student's id. The seed is recorded in every
autograded notebook, so a grade can be reproduced.

A hidden call mirrors a public one exactly (same call shape: a list without
``ax``, an array with one); only the data differ: other tokens (never the
challenge's words), another size, and a matrix that is far from symmetric, with
rows that sum to 1, chosen so that a transposed, flipped or shifted picture
differs from the right one in at least half of its cells.
"""
from __future__ import annotations

import random
import secrets

from traitlets import Integer
from traitlets.config import Configurable

from autograde.checker.spec import CALL_SHAPES, PUBLIC_SENTENCE, make_call, public_calls

#: The hidden sentence's length for each call shape (the challenge's has 5 tokens).
HIDDEN_SIZES = {"no_ax": 6, "with_ax": 4}

_WORDS = """
apple bridge candle desert engine forest garden harbor island jacket kettle ladder meadow
needle orchard pepper quartz ribbon saddle tunnel umbrella valley wagon yellow zebra anchor
basket cactus dolphin feather glacier hammer igloo jungle koala lantern marble nectar olive
parrot quiver rocket sailor tiger violin walnut yogurt copper silver golden purple orange
river ocean mountain cloud storm thunder breeze shadow sunset morning evening winter summer
autumn spring quiet gentle rapid brave clever humble eager calm bright swift sleepy hungry
dancing singing reading painting running jumping floating glowing humming whisper laughing
""".split()


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


def hidden_sentence(rng: random.Random, size: int) -> list[str]:
    """``size`` distinct tokens, capitalised first word and a full stop, none from the challenge."""
    banned = {word.strip(".").lower() for word in PUBLIC_SENTENCE.split()}
    words = rng.sample([w for w in _WORDS if w not in banned], size)
    return [words[0].capitalize(), *words[1:-1], words[-1] + "."]


def hidden_matrix(rng: random.Random, size: int) -> list[list[float]]:
    """A ``size`` x ``size`` attention matrix (rows sum to 1, two decimals) whose picture
    changes visibly under a transpose, a flip or a shift by one row or column."""
    for _ in range(10_000):
        cents = []
        for _ in range(size):
            cuts = sorted(rng.sample(range(1, 100), size - 1))
            cents.append([b - a for a, b in zip([0, *cuts], [*cuts, 100])])
        if all(_differs(cents, moved) for moved in _rearrangements(cents)):
            return [[c / 100 for c in row] for row in cents]
    raise RuntimeError("could not draw a hidden matrix")  # pragma: no cover - never seen


def _rearrangements(rows):
    """The matrix transposed, flipped and shifted: the mistakes a picture must reveal."""
    columns = [list(column) for column in zip(*rows)]
    flipped_columns = [row[::-1] for row in rows]
    yield columns
    yield rows[::-1]
    yield flipped_columns
    yield flipped_columns[::-1]
    yield rows[1:] + rows[:1]
    yield rows[-1:] + rows[:-1]
    yield [row[1:] + row[:1] for row in rows]
    yield [row[-1:] + row[:-1] for row in rows]


def _differs(rows, other, cents=5) -> bool:
    """True when at least half the cells differ by ``cents`` hundredths or more."""
    cells = [abs(a - b) >= cents for row, moved in zip(rows, other) for a, b in zip(row, moved)]
    return sum(cells) * 2 >= len(cells)


def grading_calls(seed: int, student_id: str) -> list[dict]:
    """Every call grading makes for one student: the public ones, then one hidden call
    per call shape, drawn from ``seed`` and the student's id."""
    rng = random.Random(f"{seed}/{student_id}")
    hidden = []
    for shape in CALL_SHAPES:
        size = HIDDEN_SIZES[shape]
        hidden.append(make_call(f"hidden_{shape}", shape, hidden_sentence(rng, size),
                                hidden_matrix(rng, size), public=False))
    return public_calls() + hidden
