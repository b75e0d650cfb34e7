"""The hidden calls' inputs: fresh, fair, reproducible from the run's seed."""
import numpy as np
import pytest

from autograde.checker.spec import CALL_SHAPES, PUBLIC_SENTENCE, public_calls
from autograde.checker.fresh import FRESH_SIZES, rearrangements
from autograde.grading.hidden_inputs import HiddenInputs, grading_calls


@pytest.mark.parametrize("seed", range(40))
def test_hidden_calls_mirror_the_public_ones_with_fair_fresh_data(seed):
    calls = grading_calls(seed, f"student{seed}")
    assert calls[:len(CALL_SHAPES)] == public_calls()
    hidden = calls[len(CALL_SHAPES):]
    assert [call["shape"] for call in hidden] == list(CALL_SHAPES)
    public_words = {word.strip(".").lower() for word in PUBLIC_SENTENCE.split()}
    for call in hidden:
        tokens, matrix = call["tokens"], np.array(call["attention"])
        assert len(tokens) == FRESH_SIZES[call["shape"]] == len(set(tokens))
        assert not public_words & {token.strip(".").lower() for token in tokens}
        assert tokens[-1].endswith(".") and tokens[0][0].isupper()
        assert matrix.shape == (len(tokens), len(tokens)) and (matrix > 0).all()
        assert np.allclose(matrix.sum(axis=1), 1)
        for moved in rearrangements(call["attention"]):
            assert (np.abs(matrix - np.array(moved)) >= 0.05 - 1e-9).mean() >= 0.5


def test_the_same_seed_and_student_give_the_same_calls_and_others_differ():
    assert grading_calls(7, "alice") == grading_calls(7, "alice")
    assert grading_calls(7, "alice") != grading_calls(7, "bob")
    assert grading_calls(7, "alice") != grading_calls(8, "alice")


def test_a_run_draws_one_seed_unless_one_is_configured():
    assert HiddenInputs(seed=1234).run_seed() == 1234
    first = HiddenInputs().run_seed()
    assert HiddenInputs().run_seed() == first and isinstance(first, int)
