"""The checks of lessons 05-07: what each exercise's check cell judges, and the likely mistakes
each one names.

A check cell runs ``check(lesson=5, exercise=1)``. The answer is looked up in the notebook by
name, after :mod:`check_tools` has made sure that the answer cell ran without an error. The
right answers are computed here, from the lesson's own variables and the course's versions
in ``attention_math.py``, so none is written in the notebook. Reading this file (or
``attention_math.py``) before you answer gives the answers away: try the exercise first.
"""
import warnings

import numpy as np

import attention_math as course
from check_tools import Checks, Mistake, describe

__all__ = ["check"]

#: ``check(lesson=..., exercise=...)``, the call of every check cell of lessons 05-07.
check = Checks()


def _plain_softmax(scores):
    """Softmax along the last axis that gives nan, not an error, for a row of -inf: the
    mistakes below are recognised by computing them."""
    with np.errstate(all="ignore"):
        exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return exps / exps.sum(axis=-1, keepdims=True)


def _same(array, expected, atol=1e-8) -> bool:
    """Same shape and close values (nan matches nan)."""
    expected = np.asarray(expected, dtype=float)
    return array.shape == expected.shape and np.allclose(array, expected, atol=atol, equal_nan=True)


def _axis_advice(error):
    if isinstance(error, np.exceptions.AxisError):
        return "use axis=-1 so that a single 1-D row works too; axis=1 only exists in a matrix"
    return None


def _returned(answer, name, value):
    """What a student's function returned, as an array of floats."""
    if value is None:
        raise Mistake(f"{name}() returned None: end it with `return` and the result")
    try:
        return answer.numbers(name, value)
    except Mistake:
        raise Mistake(f"{name}() should return numbers (an array), but it returned "
                      f"{describe(value)}") from None


# --- lesson 5: computing attention -------------------------------------------------------------

@check.exercise(5, 1, "entry_1_0")
def one_entry_by_hand(answer):
    """Exercise 1: entry [1, 0] of A @ B, computed without @."""
    value, A, B = answer["entry_1_0"], answer.numbers("A"), answer.numbers("B")
    if np.ndim(value) != 0:
        raise Mistake(f"entry_1_0 should be one number, but it is {describe(value)}: after "
                      "multiplying entry by entry, add the products up with .sum()")
    got = float(answer.numbers("entry_1_0"))
    product = A @ B
    if not np.isclose(got, product[1, 0]):
        if np.isclose(got, product[0, 1]):
            problem = "that is entry [0, 1]: the row comes first, so take row 1 of A and column 0 of B"
        elif np.isclose(got, product[0, 0]):
            problem = "that is entry [0, 0]: row 1 of A is A[1] (Python counts from 0)"
        elif np.isclose(got, product[1, 1]):
            problem = "that is entry [1, 1]: column 0 of B is B[:, 0]"
        elif np.isclose(got, A[1].sum() * B[:, 0].sum()):
            problem = "you multiplied the two sums; multiply entry by entry first, then add up"
        else:
            problem = "multiply row 1 of A by column 0 of B entry by entry, then add up"
        raise Mistake(f"entry_1_0 is {got:g}, not entry [1, 0] of A @ B: {problem}")
    terms = " + ".join(f"{a:g}×{b:g}" for a, b in zip(A[1], B[:, 0]))
    return (f"Right: {terms} = {product[1, 0]:g}, entry [1, 0] of A @ B. (A[1] @ B[:, 0] gives the "
            "same number: @ of a row and a column is exactly this sum of products.)")


@check.exercise(5, 2, "small_scores")
def every_query_with_every_key(answer):
    """Exercise 2: the dot product of every query with every key, Q_small @ K_small.T."""
    Q, K = answer.numbers("Q_small"), answer.numbers("K_small")
    scores = answer.numbers("small_scores", what="a 2×2 matrix of numbers")
    expected = Q @ K.T
    if scores.shape == (Q.shape[1], Q.shape[1]):
        raise Mistake(f"small_scores is {scores.shape[0]}×{scores.shape[1]}: that is Q_small.T @ "
                      f"K_small, with the queries transposed. The result needs one row per query "
                      f"({len(Q)}), so transpose the keys: Q_small @ K_small.T")
    if scores.shape == Q.shape:
        raise Mistake(f"small_scores is {Q.shape[0]}×{Q.shape[1]}, like Q_small: did you write "
                      "Q_small * K_small? `*` multiplies entry by entry; dot products of rows with "
                      "rows need the matrix product @ and a .T")
    if scores.shape != expected.shape:
        raise Mistake(f"small_scores should be {len(Q)}×{len(K)} ({len(Q)} queries × {len(K)} keys), "
                      f"got shape {scores.shape}")
    if _same(scores, expected.T) and not _same(scores, expected):
        raise Mistake("rows and columns are swapped: that is K_small @ Q_small.T. Rows must be the "
                      "queries, so put Q_small first: Q_small @ K_small.T")
    if not _same(scores, expected):
        by_hand = " + ".join(f"{q:g}×{k:g}" for q, k in zip(Q[0], K[1]))
        raise Mistake(f"small_scores is\n{scores}\nbut query 0 · key 1 = {by_hand} = "
                      f"{expected[0, 1]:g} should be at [0, 1]: compute Q_small @ K_small.T")
    return (f"Right: entry [0, 1] = {expected[0, 1]:g} is query 0 with key 1, and Q_small @ "
            "K_small.T gives all four.")


@check.exercise(5, 3, "scaled")
def scale_each_key(answer):
    """Exercise 3: every column j of scores_3x3 multiplied by key_scale[j] (broadcasting)."""
    scores, key_scale = answer.numbers("scores_3x3"), answer.numbers("key_scale")
    scaled = answer.numbers("scaled", what="a 3×3 matrix of numbers")
    if scaled.shape == key_scale.shape:
        raise Mistake(f"scaled has {scaled.size} numbers, not a {scores.shape[0]}×{scores.shape[1]} "
                      "matrix: that is a matrix product (@), which adds up products, not "
                      "broadcasting. Use *, scores_3x3 * key_scale: it multiplies entry by entry and "
                      "keeps the shape")
    if scaled.shape != scores.shape:
        raise Mistake(f"scaled should be a {scores.shape[0]}×{scores.shape[1]} matrix like "
                      f"scores_3x3, got shape {scaled.shape}")
    if _same(scaled, scores * key_scale[:, None]):
        raise Mistake("you scaled the rows: key_scale was made a column. Keep it a row, "
                      "scores_3x3 * key_scale, so that it acts on the columns")
    if _same(scaled, scores + key_scale):
        raise Mistake("you added key_scale; multiply instead: scores_3x3 * key_scale")
    if not _same(scaled, scores * key_scale):
        raise Mistake(f"scaled is\n{scaled}\nbut column j should be column j of scores_3x3 times "
                      "key_scale[j]: scores_3x3 * key_scale")
    return "Right: key_scale, a row, was repeated for every row, so it scaled the columns."


def _keepdims_advice(error):
    if isinstance(error, ValueError) and "broadcast" in str(error):
        return ("without keepdims=True the row sums form a row, which does not fit rows of another "
                "length. Keep the axis: x.sum(axis=-1, keepdims=True) is a column, one sum per row")
    return _axis_advice(error)


@check.exercise(5, 4, "normalize_rows")
def rows_that_sum_to_one(answer):
    """Exercise 4: normalize_rows divides each row by its own sum, for a matrix and a 1-D row."""
    name = "normalize_rows"
    row = np.array([1.0, 3.0])
    got = _returned(answer, name, answer.call(name, row, shown="normalize_rows([1, 3])",
                                              advice=_axis_advice))
    if not _same(got, row / row.sum()):
        raise Mistake(f"normalize_rows([1, 3]) should be {row / row.sum()} (each number divided by "
                      f"the sum, {row.sum():g}), got {np.round(got, 3)}")
    wide = np.array([[1.0, 2.0, 5.0], [4.0, 4.0, 2.0]])
    got = _returned(answer, name, answer.call(name, wide, shown="normalize_rows of a 2×3 matrix",
                                              advice=_keepdims_advice))
    if _same(got, wide / wide.sum()):
        raise Mistake("you divided by the total of the whole matrix; divide each row by its own sum, "
                      "x.sum(axis=-1, keepdims=True)")
    if _same(got, wide / wide.sum(axis=0, keepdims=True)):
        raise Mistake("now the columns sum to 1: axis=0 adds down the columns. Use axis=-1, the last "
                      "axis")
    right = wide / wide.sum(axis=-1, keepdims=True)
    if not _same(got, right):
        raise Mistake(f"normalize_rows gives\n{np.round(got, 3)}\nbut each row of\n{wide}\nshould be "
                      f"divided by its own sum ({', '.join(f'{s:g}' for s in wide.sum(axis=-1))})")
    square = np.array([[1.0, 3.0], [6.0, 2.0]])
    got = _returned(answer, name, answer.call(name, square, shown="normalize_rows of a 2×2 matrix",
                                              advice=_keepdims_advice))
    if _same(got, square / square.sum(axis=-1)):
        raise Mistake("on a square matrix, column j was divided by the sum of row j: without "
                      "keepdims=True the sums form a row, which NumPy repeats for every row. Keep the "
                      "axis: keepdims=True")
    if not _same(got.sum(axis=-1), np.ones(len(square))):
        raise Mistake(f"the rows of normalize_rows({square.tolist()}) should sum to 1, got "
                      f"{np.round(got.sum(axis=-1), 3)}")
    return "Right: each row divided by its own sum, for a matrix and for a single row."


@check.exercise(5, 5, "softmax")
def stable_softmax(answer):
    """Exercise 5: softmax along the last axis, for a row or a matrix, that never overflows."""
    name = "softmax"
    row = np.array([1.0, 2.0, 3.0])
    one_row = _returned(answer, name, answer.call(name, row, shown="softmax([1, 2, 3])",
                                                  advice=_axis_advice))
    expected = course.softmax(row)
    if one_row.shape != row.shape:
        raise Mistake(f"softmax of {len(row)} scores should give {len(row)} weights, got shape "
                      f"{one_row.shape}")
    if not np.isclose(one_row.sum(), 1):
        raise Mistake(f"softmax([1, 2, 3]) gives {np.round(one_row, 3)}, which sums to "
                      f"{one_row.sum():.3f}, not 1: divide the exponentials by their sum")
    if not _same(one_row, expected):
        raise Mistake(f"softmax([1, 2, 3]) should be {np.round(expected, 3)}, got "
                      f"{np.round(one_row, 3)}: take np.exp of the shifted scores, then divide by "
                      "their sum")
    matrix = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [10.0, 0.0, -10.0]])
    rows = _returned(answer, name, answer.call(name, matrix, shown="softmax of a 3×3 matrix",
                                               advice=_axis_advice))
    if rows.shape != matrix.shape:
        raise Mistake(f"a 3×3 matrix of scores should give a 3×3 matrix of weights, got shape "
                      f"{rows.shape}")
    if not np.allclose(rows.sum(axis=1), 1):
        raise Mistake(f"every row must sum to 1, yours sum to {np.round(rows.sum(axis=1), 3)}: "
                      "divide each row by its own sum (axis=-1, keepdims=True)")
    for i, right in enumerate(course.softmax(matrix)):
        if not _same(rows[i], right):
            raise Mistake(f"row {i} of the scores, {matrix[i]}, should give {np.round(right, 3)} (the "
                          f"softmax of that row alone), got {np.round(rows[i], 3)}: each row's "
                          "maximum must be subtracted from that row only; "
                          "scores.max(axis=-1, keepdims=True) lines them up")
    huge = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [-1000.0, 0.0, 1000.0]])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        large = _returned(answer, name, answer.call(name, huge, shown="softmax of scores like 1000"))
        with_inf = _returned(answer, name, answer.call(name, np.array([0.0, -np.inf]),
                                                       shown="softmax([0, -inf])"))
    if not np.isfinite(large).all():
        raise Mistake("softmax gives nan or inf on scores like 1000 or -1000: subtract each row's own "
                      "maximum (axis=-1, keepdims=True) before np.exp")
    if not _same(large, course.softmax(huge)):
        raise Mistake("softmax([1000, 1001, 1002]) should equal softmax([1, 2, 3]); shifting a row by "
                      "a constant must not change its weights")
    if not _same(with_inf, [1.0, 0.0]):
        raise Mistake(f"softmax([0, -inf]) should be [1, 0], got {with_inf}: a score of -inf must get "
                      "weight exactly 0 (lesson 6 uses this for masks); subtract the maximum, not the "
                      "minimum")
    return "softmax is right: every row sums to 1, and scores like 1000 do not overflow."


def _matmul_advice(error):
    if isinstance(error, ValueError) and "matmul" in str(error):
        return ("a matrix product failed: queries and keys are both one row per token, so Q @ K does "
                "not fit; the scores are Q @ K.T, with K transposed")
    return None


@check.exercise(5, 6, "attention_weights")
def weights_in_one_function(answer):
    """Exercise 6: attention_weights(Q, K) = softmax(Q Kᵀ / √d_k), d_k taken from K."""
    name = "attention_weights"
    Q, K = answer.numbers("Q"), answer.numbers("K")
    n, d_k = K.shape
    mine = _returned(answer, name, answer.call(name, Q, K, shown="attention_weights(Q, K)",
                                               advice=_matmul_advice))
    if mine.shape == (d_k, d_k) != (n, n):
        raise Mistake(f"your weights are {d_k}×{d_k}: that is Q.T @ K, which pairs the {d_k} numbers "
                      "of the vectors, not the tokens. Transpose the keys instead: Q @ K.T")
    if mine.shape != (len(Q), n):
        raise Mistake(f"{len(Q)} queries and {n} keys should give {len(Q)}×{n} weights, got shape "
                      f"{mine.shape}: one row per query and one column per key, "
                      "softmax(Q @ K.T / √d_k)")
    expected = course.softmax(Q @ K.T / np.sqrt(d_k))
    if not _same(mine, expected):
        for wrong, mistake in [
                (Q @ K.T / np.sqrt(n), "you divided by the square root of K.shape[0], but K.shape[0] "
                 "(or len(K)) is the number of tokens; d_k is the length of one key, K.shape[-1]"),
                (Q @ K.T, "these are the weights without the scaling: divide the scores by "
                 "np.sqrt(d_k) before the softmax"),
                (Q @ K.T / d_k, "you divided the scores by d_k; divide by its square root, np.sqrt(d_k)"),
                (K @ Q.T / np.sqrt(d_k), "rows and columns are swapped: rows must be queries, so "
                 "compute Q @ K.T, not K @ Q.T")]:
            if _same(mine, course.softmax(wrong)):
                raise Mistake(mistake)
        if not np.allclose(mine.sum(axis=1), 1):
            raise Mistake(f"each row must sum to 1, yours sum to {np.round(mine.sum(axis=1), 3)}: "
                          "apply the softmax to the scaled scores")
        raise Mistake("attention_weights(Q, K) does not match softmax(Q @ K.T / √d_k)")
    rng = np.random.default_rng(1)   # its own generator, so the lesson's numbers stay the same
    Q3, K5 = rng.normal(size=(3, 8)), rng.normal(size=(5, 8))
    small = _returned(answer, name, answer.call(name, Q3, K5, shown="attention_weights with 3 "
                                                "queries and 5 keys of length 8"))
    if small.shape != (3, 5):
        raise Mistake(f"3 queries and 5 keys should give 3×5 weights (one row per query), got shape "
                      f"{small.shape}")
    if not _same(small, course.softmax(Q3 @ K5.T / np.sqrt(8))):
        raise Mistake("with vectors of length 8 your weights are wrong: take d_k from K.shape[-1], "
                      f"not from the d_k = {d_k} of this lesson")
    return "attention_weights is right: softmax(Q Kᵀ / √d_k), one row per query."


# --- lesson 6: masks and heads -----------------------------------------------------------------

@check.exercise(6, 1, "causal_mask")
def the_causal_mask(answer):
    """Exercise 1: causal_mask(n) is True above the diagonal."""
    mask4 = answer.call("causal_mask", 4, shown="causal_mask(4)")
    if mask4 is None:
        raise Mistake("causal_mask(4) returned None: end the function with `return` and the mask")
    mask4 = np.asarray(mask4)
    if mask4.shape != (4, 4):
        raise Mistake(f"causal_mask(4) should have shape (4, 4), got {mask4.shape}: build it from n, "
                      "not from a fixed size")
    if mask4.dtype != bool:
        raise Mistake(f"the mask should hold True/False, got dtype {mask4.dtype}: build it with "
                      "dtype=bool")
    if mask4.diagonal().any():
        raise Mistake("a token may attend to itself: the diagonal must be False (np.triu(..., k=1) "
                      "starts one above the diagonal)")
    if mask4[1, 0]:
        raise Mistake("row 1, column 0 is True, but query 1 may attend to the earlier key 0: True "
                      "must mark the future (above the diagonal); np.tril gives the opposite")
    expected = course.causal_mask(4)
    if not (mask4 == expected).all():
        raise Mistake(f"causal_mask(4) should be (1 = True)\n{expected.astype(int)}\nbut it is\n"
                      f"{mask4.astype(int)}")
    if np.shape(answer.call("causal_mask", 7, shown="causal_mask(7)")) != (7, 7):
        raise Mistake("causal_mask(7) should have shape (7, 7): build the mask from n")
    return "causal_mask is right: each token sees itself and the tokens before it."


@check.exercise(6, 2, "causal_weights")
def apply_the_mask(answer):
    """Exercise 2: the softmax of the scores with the future set to -inf."""
    scores, future = answer.numbers("scores"), np.asarray(answer["future"], dtype=bool)
    mine = answer.numbers("causal_weights", what="the weights, a matrix of numbers")
    if mine.shape != scores.shape:
        raise Mistake(f"causal_weights should be {scores.shape[0]}×{scores.shape[1]} like scores, got "
                      f"shape {mine.shape}")
    unmasked = _plain_softmax(scores)
    for wrong, mistake in [
            (np.where(future, -np.inf, scores), "causal_weights holds the masked scores, with -inf, "
             "not weights: apply course_softmax to them"),
            (unmasked, "this is the softmax of the scores without the mask: the future cells still "
             "get weight. Replace them by -np.inf first, with np.where(future, -np.inf, scores)"),
            (_plain_softmax(np.where(future, 0.0, scores)), "the masked cells still get weight: you "
             "set their scores to 0, and exp(0) = 1, not 0. Use -np.inf, whose exp is 0"),
            (_plain_softmax(np.where(future, scores, -np.inf)), "the mask is the wrong way round: you "
             "hid the past and kept the future. np.where(future, -np.inf, scores) puts -inf where "
             "future is True"),
            (np.where(future, 0.0, unmasked), "you set the masked weights to 0 after the softmax, so "
             "the rows no longer sum to 1: mask the scores before the softmax, and it shares all the "
             "weight among the allowed keys")]:
        if _same(mine, wrong):
            raise Mistake(mistake)
    if not np.allclose(mine[future], 0):
        raise Mistake("some masked (future) cells have a weight above 0: set their scores to -np.inf "
                      "before the softmax")
    if not np.allclose(mine.sum(axis=1), 1):
        raise Mistake(f"every row must sum to 1, yours sum to {np.round(mine.sum(axis=1), 3)}: apply "
                      "course_softmax to the masked scores")
    if not _same(mine, course.masked_softmax(scores, future)):
        raise Mistake("the allowed cells do not have the right weights: mask the scores of this "
                      "lesson, np.where(future, -np.inf, scores), then apply course_softmax")
    return "Right: every future cell has weight 0, and every row still sums to 1."


@check.exercise(6, 3, "previous_token_share", "previous_token_head")
def previous_token_head(answer):
    """Exercise 3: the mean weight below each head's diagonal, and the head where it is largest."""
    heads = answer.numbers("heads")
    share = answer.numbers("previous_token_share", what="one number per head")
    head = answer["previous_token_head"]
    right_share = np.array([h.diagonal(offset=-1).mean() for h in heads])
    if share.shape != right_share.shape:
        raise Mistake(f"previous_token_share should hold one number per head ({len(heads)} numbers), "
                      f"got shape {share.shape}: loop over the heads, `for head in heads`, and take the "
                      "mean below each head's diagonal (on the whole 3-D stack, .diagonal() runs "
                      "across the heads)")
    if not _same(share, right_share):
        same_as = {"offset=1, the cells above the diagonal, which the mask hides (all 0)":
                       [h.diagonal(offset=1).mean() for h in heads],
                   "offset=0, the diagonal itself: each token's weight on itself":
                       [h.diagonal().mean() for h in heads],
                   "the sum of the weights below the diagonal":
                       [h.diagonal(offset=-1).sum() for h in heads],
                   "the mean of the whole matrix": [h.mean() for h in heads]}
        mistake = next((what for what, values in same_as.items() if _same(share, values)), None)
        raise Mistake(f"previous_token_share is {np.round(share, 2)}"
                      + (f": that is {mistake}. " if mistake else ". ")
                      + "Take the mean of the cells just below each head's diagonal, "
                        "head.diagonal(offset=-1).mean()")
    if isinstance(head, str):
        raise Mistake(f"previous_token_head is the text {head!r}; write the number without quotes")
    if isinstance(head, (float, np.floating)):
        if float(head).is_integer():
            raise Mistake(f"previous_token_head is {float(head)}, a decimal number: write the head "
                          f"number as a whole number, with int(...): int({float(head)}) is {int(head)}")
        raise Mistake(f"previous_token_head is {float(head):.2f}, a share, not a head number: "
                      "np.argmax(previous_token_share) gives the position of the largest share, "
                      "counted from 0")
    if isinstance(head, (bool, np.bool_)) or not isinstance(head, (int, np.integer)):
        raise Mistake(f"previous_token_head must be a whole number from 1 to {len(heads)}, but it is "
                      f"{describe(head)}")
    best = int(np.argmax(right_share)) + 1
    if head == best - 1:
        raise Mistake(f"previous_token_head is {head}, the position of the largest share counted "
                      "from 0; heads are numbered from 1, as in the panel titles, so add 1")
    if head != best:
        raise Mistake(f"previous_token_head is {head}, but the largest share is another head's: pick "
                      "the head with the largest number in previous_token_share")
    others = np.delete(right_share, best - 1)
    return (f"Right: head {best} gives the token before {right_share[best - 1]:.0%} of its weight on "
            f"average; the other heads give at most {others.max():.0%}.")


# --- lesson 7: the attention of a real transformer --------------------------------------------

#: Exercise 1 recomputes this head (layer, head, counted from 1) and one more.
LAYER, HEAD = 4, 2
ANOTHER_LAYER, ANOTHER_HEAD = 1, 3


def _one_head_advice(error):
    if isinstance(error, ValueError) and "matmul" in str(error):
        return ("a matrix product failed: Q_head and K_head are both (tokens, 32), so Q_head @ K_head "
                "does not fit; transpose the keys: Q_head @ K_head.T. Use the function's own "
                "arguments, Q_head and K_head: Q and K outside it hold all 12 heads")
    return None


@check.exercise(7, 1, "head_weights", hints={
        "course_softmax": "this lesson has no course_softmax: its softmax is `softmax`, defined in "
                          "the cell at the top of the notebook; use that"})
def a_real_heads_weights(answer):
    """Exercise 1: head_weights(Q_head, K_head) gives the model's own weights."""
    from real_attention import queries_keys_values  # here: lessons 5 and 6 need no tokenizer
    name, model, result = "head_weights", answer["model"], answer["result"]
    Q, K, _ = queries_keys_values(model, LAYER - 1, result.hidden_states[LAYER - 1])
    Q_head, K_head = Q[HEAD - 1], K[HEAD - 1]
    n, d = K_head.shape
    mine = _returned(answer, name, answer.call(name, Q_head, K_head,
                                               shown=f"head_weights of layer {LAYER}, head {HEAD}",
                                               advice=_one_head_advice))
    if mine.shape != (n, n):
        if mine.shape == (len(Q), n, n):
            fix = (f"one matrix for each of the layer's {len(Q)} heads: you used Q and K, which hold "
                   "all the heads. Inside the function use its arguments, Q_head and K_head (one head "
                   "each)")
        elif mine.shape == (d, d):
            fix = (f"that is Q_head.T @ K_head, which pairs the {d} numbers of the vectors, not the "
                   "tokens. Transpose the keys instead: Q_head @ K_head.T")
        elif mine.shape == (n, d):
            fix = ("the shape of Q_head: `*` multiplies entry by entry, but the scores need the "
                   "matrix product, Q_head @ K_head.T")
        else:
            fix = "one row per query and one column per key: softmax(Q_head @ K_head.T / √d)"
        raise Mistake(f"{n} queries and {n} keys should give {n}×{n} weights, got shape {mine.shape}: "
                      f"{fix}")
    model_weights = result.attention[LAYER - 1, HEAD - 1]
    if not _same(mine, model_weights, atol=1e-5):
        for wrong, mistake in [
                (Q_head @ K_head.T / np.sqrt(n), "you divided by the square root of K_head.shape[0], "
                 "but K_head.shape[0] (or len(K_head)) is the number of tokens; d is the length of "
                 "one key, K_head.shape[-1]"),
                (Q_head @ K_head.T, "these are the weights without the scaling: divide the scores by "
                 "np.sqrt(d) first"),
                (Q_head @ K_head.T / d, "you divided the scores by d; divide by its square root, "
                 "np.sqrt(d)"),
                (K_head @ Q_head.T / np.sqrt(d), "rows and columns are swapped: rows must be "
                 "queries, so compute Q_head @ K_head.T, not K_head @ Q_head.T")]:
            if _same(mine, course.softmax(wrong), atol=1e-5):
                raise Mistake(mistake)
        if not np.allclose(mine.sum(axis=1), 1):
            raise Mistake(f"each row must sum to 1, yours sum to {np.round(mine.sum(axis=1), 3)}: "
                          "apply the softmax to each row of scaled scores")
        raise Mistake(f"your weights differ from the model's for layer {LAYER}, head {HEAD} (largest "
                      f"difference {np.abs(mine - model_weights).max():.3f}): compute "
                      "softmax(Q_head @ K_head.T / √d)")
    Q1, K1, _ = queries_keys_values(model, ANOTHER_LAYER - 1, result.hidden_states[ANOTHER_LAYER - 1])
    other = _returned(answer, name, answer.call(name, Q1[ANOTHER_HEAD - 1], K1[ANOTHER_HEAD - 1],
                                                shown=f"head_weights of layer {ANOTHER_LAYER}, head "
                                                      f"{ANOTHER_HEAD}"))
    if not _same(other, result.attention[ANOTHER_LAYER - 1, ANOTHER_HEAD - 1], atol=1e-5):
        raise Mistake(f"right for layer {LAYER}, head {HEAD} but not for layer {ANOTHER_LAYER}, head "
                      f"{ANOTHER_HEAD}: use only Q_head and K_head inside the function, not "
                      "variables from outside it")
    return "head_weights is right: your weights match the model's, to 5 decimals."


@check.exercise(7, 2, "offset_score")
def previous_token_by_computation(answer):
    """Exercise 2: offset_score(attention, offset), the mean weight on a diagonal of each head."""
    name = "offset_score"
    rng = np.random.default_rng(7)   # its own generator: the lesson's numbers stay the same
    small = course.softmax(rng.normal(size=(2, 3, 5, 5)) * 2)
    expected_prev, expected_next = course.offset_score(small, -1), course.offset_score(small, 1)
    mine = _returned(answer, name, answer.call(name, small, -1, shown="offset_score(small, -1) for "
                                               "2 layers × 3 heads"))
    if mine.shape != expected_prev.shape:
        raise Mistake(f"for 2 layers × 3 heads the scores should have shape (2, 3), got {mine.shape}: "
                      "take the diagonal with axis1=-2, axis2=-1 and average over the last axis only")
    if _same(mine, np.diagonal(small, offset=-1, axis1=-2, axis2=-1).sum(axis=-1)):
        raise Mistake("these are the sums of the weights on the diagonal, not their mean: a longer "
                      "text would give every head a larger score. Average over the last axis with "
                      ".mean(axis=-1), so that a score is the average weight, between 0 and 1")
    if _same(mine, expected_next):
        raise Mistake("these are the next-token scores: offset=-1 is the diagonal below the main one, "
                      "pass the offset on to np.diagonal as it is")
    if not _same(mine, expected_prev):
        raise Mistake(f"offset_score(small, -1) should be\n{np.round(expected_prev, 3)}\ngot\n"
                      f"{np.round(mine, 3)}: the mean of attention[layer, head, i, i - 1] over i")
    mine_next = _returned(answer, name, answer.call(name, small, 1, shown="offset_score(small, 1)"))
    if not _same(mine_next, expected_next):
        raise Mistake("right for offset -1 but not for +1: use the `offset` argument, not a fixed -1")
    scores = course.offset_score(answer["long_result"].attention, -1)
    layer, head = np.unravel_index(scores.argmax(), scores.shape)
    return (f"offset_score is right. The previous-token head: layer {layer + 1}, head {head + 1}, "
            f"{scores[layer, head]:.0%} of its weight on the previous token, on average.")


def _list_advice(error):
    if isinstance(error, AttributeError) and "'list' object" in str(error):
        return ("a list has no NumPy methods such as .max(); convert it first with "
                "`groups = np.asarray(groups)`")
    return None


@check.exercise(7, 3, "merge_subwords")
def words_not_pieces(answer):
    """Exercise 3: merge_subwords sums a word's columns and averages its rows."""
    name = "merge_subwords"
    tiny = np.array([[0.5, 0.3, 0.2],
                     [0.1, 0.6, 0.3],
                     [0.2, 0.2, 0.6]])
    groups = [0, 1, 1]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a result with nan is explained below
        mine = _returned(answer, name, answer.call(name, tiny, groups, shown="merge_subwords(tiny, "
                                                   "[0, 1, 1]), with groups as a Python list",
                                                   advice=_list_advice))
    expected = course.merge_subwords(tiny, groups)
    if mine.shape != expected.shape:
        raise Mistake(f"2 groups should give a 2×2 matrix, got shape {mine.shape}: one row and one "
                      "column per group")
    if np.isnan(mine).any():
        raise Mistake(f"merge_subwords(tiny, [0, 1, 1]) gave\n{np.round(mine, 3)}\nYour result has "
                      "nan: `groups == b` on a Python list compares the whole list with b; convert "
                      "first with `groups = np.asarray(groups)`")
    members = [np.asarray(groups) == g for g in range(2)]
    for wrong, mistake in [
            ([[tiny[a][:, b].mean(axis=1).sum() for b in members] for a in members],
             "you averaged the columns and summed the rows: attention TO a word is the sum over its "
             "columns, attention FROM a word the mean over its rows"),
            ([[tiny[a][:, b].mean() for b in members] for a in members],
             "you averaged the whole block of each pair of words, its rows and its columns: only the "
             "rows are averaged. Attention TO a word is what all its pieces receive, so first sum "
             "over the word's columns (.sum(axis=1)), then take the mean of those row sums"),
            ([[tiny[a][:, b].sum() for b in members] for a in members],
             "a row sums to more than 1: average the rows of a split word (mean), don't add them up")]:
        if _same(mine, wrong):
            raise Mistake(mistake)
    if not _same(mine, expected):
        raise Mistake(f"tokens [A, B1, B2] with groups [0, 1, 1] and weights\n{tiny}\nshould merge "
                      f"to\n{expected}\ngot\n{np.round(mine, 3)}: sum the columns of each group, then "
                      "average the rows")
    pieces, word_groups, labels = answer["pieces"], answer["groups"], answer["word_labels"]
    merged = _returned(answer, name, answer.call(name, pieces.attention[0, 2], word_groups,
                                                 shown="merge_subwords on the lesson's sentence"))
    if merged.shape != (len(labels), len(labels)):
        raise Mistake(f"{len(labels)} groups should give a {len(labels)}×{len(labels)} matrix, got "
                      f"{merged.shape}: take the number of groups from `groups`, not from this example")
    if not np.allclose(merged.sum(axis=1), 1):
        raise Mistake(f"every merged row should still sum to 1, got {np.round(merged.sum(axis=1), 3)}")
    return ("merge_subwords is right: each word receives the sum of its pieces and attends like their "
            "average.")
