"""Fresh sentences and matrices: the calls made beyond the challenge's own sentence.

Grading, the self-check and a student's "grade me" make the same calls: once per
call shape with the challenge's sentence, and once per call shape with a fresh
sentence and matrix drawn from a random generator. Only where the generator's
seed comes from differs: grading draws it from the run's secret seed and the
student's id (in the grader, never shipped), the self-check and "grade me"
from the operating system, anew each time. So knowing this code gives
nothing to hard-code, and a self-check that passes twice has met two sentences it
had never seen.

A fresh call mirrors a public one exactly (same call shape: a list without
``ax``, an array with one); only the data differ: other tokens (never the
challenge's words), another size, and a matrix that is far from symmetric, with
rows that sum to 1, chosen so that a transposed, flipped or shifted picture
differs from the right one in at least half of its cells.
"""
import random

from .spec import CALL_SHAPES, PUBLIC_SENTENCE, make_call, public_calls

#: The fresh sentence's length for each call shape (the challenge's has 5 tokens).
FRESH_SIZES = {"no_ax": 6, "with_ax": 4}

_WORDS = """
apple bridge candle desert engine forest garden harbor island jacket kettle ladder meadow
needle orchard pepper quartz ribbon saddle tunnel umbrella valley wagon yellow zebra anchor
basket cactus dolphin feather glacier hammer igloo jungle koala lantern marble nectar olive
parrot quiver rocket sailor tiger violin walnut yogurt copper silver golden purple orange
river ocean mountain cloud storm thunder breeze shadow sunset morning evening winter summer
autumn spring quiet gentle rapid brave clever humble eager calm bright swift sleepy hungry
dancing singing reading painting running jumping floating glowing humming whisper laughing
""".split()


def fresh_sentence(rng: random.Random, size: int) -> list:
    """``size`` distinct tokens, capitalised first word and a full stop, none from the challenge."""
    banned = {word.strip(".").lower() for word in PUBLIC_SENTENCE.split()}
    words = rng.sample([w for w in _WORDS if w not in banned], size)
    return [words[0].capitalize(), *words[1:-1], words[-1] + "."]


def fresh_matrix(rng: random.Random, size: int) -> list:
    """A ``size`` x ``size`` attention matrix (rows sum to 1, two decimals) whose picture
    changes visibly under a transpose, a flip or a shift by one row or column."""
    for _ in range(10_000):
        cents = []
        for _ in range(size):
            cuts = sorted(rng.sample(range(1, 100), size - 1))
            cents.append([b - a for a, b in zip([0, *cuts], [*cuts, 100])])
        if all(_differs(cents, moved) for moved in rearrangements(cents)):
            return [[c / 100 for c in row] for row in cents]
    raise RuntimeError("could not draw a fresh matrix")  # pragma: no cover - never seen


def rearrangements(rows):
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


def calls_with_fresh_data(rng: random.Random, prefix: str = "fresh") -> list:
    """The public calls (one per call shape), then one call per call shape with a fresh
    sentence and matrix from ``rng``, named ``<prefix>_<shape>``."""
    fresh = [make_call(f"{prefix}_{shape}", shape, fresh_sentence(rng, FRESH_SIZES[shape]),
                       fresh_matrix(rng, FRESH_SIZES[shape]), public=False)
             for shape in CALL_SHAPES]
    return public_calls() + fresh


def self_check_calls() -> list:
    """The calls the self-check and "grade me" make: grading's, with data never seen before."""
    return calls_with_fresh_data(random.Random(random.SystemRandom().getrandbits(64)))
