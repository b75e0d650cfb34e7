"""Unit tests for solutions/lessons-after-challenge/attention_math.py, the course's versions of the
computations that lessons 05-07 ask students to write (softmax, masks, weights, the
weight on a diagonal, subword merging)."""

import numpy as np
import pytest

from autograde.corpus.course_copy import run_in_lessons_folder

import attention_math as am  # noqa: E402


def direct_softmax(row):
    """The textbook formula, for scores small enough not to overflow."""
    e = np.exp(np.asarray(row, dtype=float))
    return e / e.sum()


def test_softmax_of_one_row_matches_the_formula():
    np.testing.assert_allclose(am.softmax([1.0, 2.0, 3.0]), direct_softmax([1, 2, 3]))
    np.testing.assert_allclose(am.softmax([1.0, 2.0, 3.0]), [0.09003057, 0.24472847, 0.66524096])


def test_softmax_works_row_by_row_on_matrices_and_stacks():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(2, 3, 5))
    weights = am.softmax(scores)
    assert weights.shape == scores.shape
    for index in np.ndindex(2, 3):
        np.testing.assert_allclose(weights[index], direct_softmax(scores[index]))


def test_softmax_does_not_overflow_and_ignores_a_shift():
    big = am.softmax([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    assert np.isfinite(big).all()
    np.testing.assert_allclose(big[0], direct_softmax([0, 1, 2]))
    np.testing.assert_allclose(big[1], direct_softmax([0, -1, -2]))


def test_minus_infinity_gets_weight_exactly_zero():
    weights = am.softmax([[0.0, -np.inf, 1.0]])
    assert weights[0, 1] == 0.0
    np.testing.assert_allclose(weights.sum(axis=-1), 1)


@pytest.mark.parametrize("scores, message", [
    ([[-np.inf, -np.inf], [0.0, 1.0]], r"every score of row 0 is -inf"),
    ([-np.inf, -np.inf], r"every score of the row is -inf"),
    ([[0.0, np.nan]], r"scores contain NaN"),
    ([[0.0, np.inf]], r"scores contain \+inf"),
    (3.0, r"not a single number"),
    ([[1.0, 2.0], [3.0]], r"rectangular array"),
    ([["a", "b"]], r"must be numbers"),
], ids=["all-masked-row", "all-masked-1d", "nan", "plus-inf", "scalar", "ragged", "strings"])
def test_softmax_rejects_bad_scores_with_a_clear_message(scores, message):
    with pytest.raises(ValueError, match=message):
        am.softmax(scores)


def test_causal_mask_is_true_strictly_above_the_diagonal():
    mask = am.causal_mask(4)
    assert mask.dtype == bool and mask.shape == (4, 4)
    for i in range(4):
        for j in range(4):
            assert mask[i, j] == (j > i)
    assert am.causal_mask(1).tolist() == [[False]]


@pytest.mark.parametrize("n", [0, -3, 2.5, "7", True])
def test_causal_mask_rejects_a_bad_size(n):
    with pytest.raises(ValueError, match="n must be a whole number of tokens"):
        am.causal_mask(n)


def test_masked_softmax_zeroes_masked_cells_and_renormalises_the_rest():
    scores = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    weights = am.masked_softmax(scores, am.causal_mask(3))
    assert (weights[am.causal_mask(3)] == 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1)
    np.testing.assert_allclose(weights[1, :2], direct_softmax([1, 2]))
    np.testing.assert_allclose(weights[2], direct_softmax([1, 2, 3]))


def test_masked_softmax_rejects_a_mask_that_does_not_fit():
    with pytest.raises(ValueError, match=r"mask has shape \(2, 2\) but scores have shape \(3, 3\)"):
        am.masked_softmax(np.zeros((3, 3)), am.causal_mask(2))
    with pytest.raises(ValueError, match="mask must hold True/False"):
        am.masked_softmax(np.zeros((3, 3)), np.triu(np.ones((3, 3)), 1))


def test_attention_weights_is_the_scaled_softmax_of_q_k_transposed():
    rng = np.random.default_rng(1)
    Q, K = rng.normal(size=(3, 8)), rng.normal(size=(5, 8))
    weights = am.attention_weights(Q, K)
    assert weights.shape == (3, 5)
    for i in range(3):
        np.testing.assert_allclose(weights[i], direct_softmax(Q[i] @ K.T / np.sqrt(8)))


def test_attention_weights_with_a_causal_mask():
    rng = np.random.default_rng(2)
    Q = K = rng.normal(size=(4, 6))
    weights = am.attention_weights(Q, K, mask=am.causal_mask(4))
    assert weights[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(weights.sum(axis=1), 1)


def test_attention_weights_names_vectors_of_different_lengths():
    with pytest.raises(ValueError, match="queries have length 8 but keys have length 6"):
        am.attention_weights(np.zeros((3, 8)), np.zeros((3, 6)))
    with pytest.raises(ValueError, match=r"Q and K must be matrices"):
        am.attention_weights(np.zeros(8), np.zeros((3, 8)))


def _random_attention(shape, seed=3):
    return am.softmax(np.random.default_rng(seed).normal(size=shape) * 2)


@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3])
def test_offset_score_is_the_mean_weight_on_one_diagonal_of_every_head(offset):
    attention = _random_attention((2, 3, 5, 5))
    scores = am.offset_score(attention, offset)
    assert scores.shape == (2, 3)
    for layer, head in np.ndindex(2, 3):
        cells = [attention[layer, head, i, i + offset] for i in range(5) if 0 <= i + offset < 5]
        assert scores[layer, head] == pytest.approx(np.mean(cells))


def test_offset_score_finds_a_previous_token_head():
    previous = np.eye(4, k=-1)
    previous[0, 0] = 1
    stack = np.stack([np.full((4, 4), 0.25), previous])
    assert am.offset_score(stack, -1).tolist() == [0.25, 1.0]
    assert am.offset_score(stack, 1).tolist() == [0.25, 0.0]


@pytest.mark.parametrize("attention, offset, message", [
    (np.eye(3), 3, r"offset must be a whole number from -2 to 2, got 3"),
    (np.eye(3), -1.0, r"offset must be a whole number"),
    (np.eye(3), True, r"offset must be a whole number"),
    (np.ones(3), -1, r"must end in square matrices"),
    (np.ones((2, 3)), -1, r"must end in square matrices"),
], ids=["too-far", "float", "bool", "1-d", "not-square"])
def test_offset_score_rejects_bad_input_with_a_clear_message(attention, offset, message):
    with pytest.raises(ValueError, match=message):
        am.offset_score(attention, offset)


def test_merge_subwords_sums_columns_and_averages_rows():
    weights = _random_attention((7, 7))
    groups = [0, 1, 1, 2, 3, 3, 3]
    merged = am.merge_subwords(weights, groups)
    assert merged.shape == (4, 4)
    members = [np.flatnonzero(np.array(groups) == g) for g in range(4)]
    for a, rows in enumerate(members):
        for b, columns in enumerate(members):
            expected = np.mean([weights[i, columns].sum() for i in rows])
            assert merged[a, b] == pytest.approx(expected)
    np.testing.assert_allclose(merged.sum(axis=1), 1)


def test_merge_subwords_with_one_token_per_word_changes_nothing():
    weights = _random_attention((5, 5))
    np.testing.assert_allclose(am.merge_subwords(weights, range(5)), weights)


@pytest.mark.parametrize("groups, message", [
    ([0, 1], r"one whole number per token \(3\)"),
    ([0.0, 1.0, 1.0], r"one whole number per token"),
    ([0, 2, 2], r"number the words 0 to G - 1"),
    ([1, 1, 1], r"number the words 0 to G - 1"),
    ([-1, 0, 0], r"number the words 0 to G - 1"),
], ids=["too-short", "floats", "gap", "no-zero", "negative"])
def test_merge_subwords_rejects_bad_groups_with_a_clear_message(groups, message):
    with pytest.raises(ValueError, match=message):
        am.merge_subwords(np.eye(3), groups)


def test_importing_the_module_changes_no_global_state():
    result = run_in_lessons_folder("""
        import sys, numpy as np
        state = np.random.get_state()[1].copy()
        import attention_math
        assert (np.random.get_state()[1] == state).all(), 'numpy seeded'
        assert 'matplotlib' not in sys.modules, 'matplotlib imported'
        print('ok')
    """)
    assert result.stdout.strip() == "ok", result.stderr


def test_every_public_function_has_a_docstring_with_an_example_that_holds():
    import doctest
    for name in am.__all__:
        assert getattr(am, name).__doc__.strip(), name
    failures, tried = doctest.testmod(am, extraglobs={"np": np})
    assert tried >= 6 and failures == 0
