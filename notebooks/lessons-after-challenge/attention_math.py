"""The computations of lessons 05-07, written once: softmax, masks, attention weights,
and two measurements of real attention.

Lessons 05 to 07 ask you to write these functions yourself. The cells after
each exercise use the versions in this module instead of your answer, so that
the rest of the lesson runs whatever state your answer is in; the notebooks
import them under names that start with ``course_``::

    from attention_math import softmax as course_softmax
    from attention_math import causal_mask as course_causal_mask

    weights = course_softmax(scores)                 # each row: positive, sums to 1
    future = course_causal_mask(7)                   # True above the diagonal
    weights = masked_softmax(scores, future)         # masked cells get weight 0
    weights = attention_weights(Q, K, mask=future)   # softmax(Q Kᵀ / √d_k), masked
    scores = offset_score(attention, -1)             # (layers, heads): weight on the previous token
    words = merge_subwords(weights, groups)          # WordPiece pieces merged into words

Finish the exercises before you read this file: it holds their answers.

Conventions: rows are queries, columns are keys, and a mask is True where a
cell is *masked* (the query may not attend to that key), as in the plotting
module ``attention_plots``. Bad input raises a ``ValueError`` that names the
problem. Importing the module changes no global state.
"""
from __future__ import annotations

import numpy as np

__all__ = ["attention_weights", "causal_mask", "masked_softmax", "merge_subwords",
           "offset_score", "softmax"]


def _as_scores(scores, what: str = "scores") -> np.ndarray:
    try:
        array = np.asarray(scores, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers in a rectangular array "
                         "(every row the same length)") from None
    if array.ndim == 0:
        raise ValueError(f"{what} must be a row or a matrix of numbers, not a single number")
    if array.shape[-1] == 0:
        raise ValueError(f"{what} has no columns: there is nothing to share the weight among")
    return array


def softmax(scores):
    """Softmax along the last axis: every row becomes positive weights that sum to 1.

    Numerically stable: each row's largest score is subtracted before ``np.exp``
    (which does not change the result), so scores like 1000 do not overflow. A
    score of ``-inf`` gets weight exactly 0.

    >>> softmax([1.0, 2.0, 3.0]).round(3).tolist()
    [0.09, 0.245, 0.665]
    >>> softmax([[0.0, -np.inf], [1000.0, 1000.0]]).tolist()
    [[1.0, 0.0], [0.5, 0.5]]

    Raises ValueError for a row whose scores are all ``-inf`` (nothing to
    attend to) or that holds NaN or ``+inf``.
    """
    scores = _as_scores(scores)
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: compute the scores again; NaN has no softmax")
    if np.isposinf(scores).any():
        raise ValueError("scores contain +inf; only -inf (a masked cell) is allowed")
    all_masked = np.isneginf(scores).all(axis=-1)
    if all_masked.any():
        row = np.argwhere(np.atleast_1d(all_masked))[0]
        where = f"row {', '.join(str(i) for i in row)}" if scores.ndim > 1 else "the row"
        raise ValueError(f"every score of {where} is -inf: a query must be allowed to attend "
                         "to at least one key (a causal mask keeps the diagonal; is the mask the wrong way "
                         "round, True where attending is allowed?)")
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def causal_mask(n: int) -> np.ndarray:
    """The n×n causal mask: True where the key comes after the query (above the diagonal).

    >>> causal_mask(3).astype(int).tolist()
    [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of tokens, at least 1; got {n!r}")
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def masked_softmax(scores, mask):
    """Softmax of *scores* with the masked cells (mask True) set to -inf first.

    Masked cells get weight exactly 0, and every row's remaining weights sum
    to 1. *mask* must have the shape of *scores* (or broadcast to it).

    >>> masked_softmax([[1.0, 5.0], [1.0, 5.0]], causal_mask(2)).round(3).tolist()
    [[1.0, 0.0], [0.018, 0.982]]
    """
    scores = _as_scores(scores)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must hold True/False (True = masked), got dtype {mask.dtype}")
    try:
        mask = np.broadcast_to(mask, scores.shape)
    except ValueError:
        raise ValueError(f"mask has shape {mask.shape} but scores have shape {scores.shape}: "
                         "the mask needs one True/False per score") from None
    return softmax(np.where(mask, -np.inf, scores))


def attention_weights(Q, K, mask=None):
    """``softmax(Q Kᵀ / √d_k)``: row i says how query i spreads its attention over the keys.

    Parameters
    ----------
    Q : array-like, shape (n_queries, d_k)
        One query vector per row.
    K : array-like, shape (n_keys, d_k)
        One key vector per row, as long as the queries.
    mask : array-like of bool, shape (n_queries, n_keys), optional
        True where the query may not attend to the key.

    Returns
    -------
    numpy.ndarray, shape (n_queries, n_keys)
        Attention weights; every row sums to 1.
    """
    Q, K = _as_scores(Q, "Q"), _as_scores(K, "K")
    if Q.ndim != 2 or K.ndim != 2:
        raise ValueError(f"Q and K must be matrices (one row per token), got shapes "
                         f"{Q.shape} and {K.shape}")
    if Q.shape[1] != K.shape[1]:
        raise ValueError(f"queries have length {Q.shape[1]} but keys have length {K.shape[1]}: "
                         "a query and a key must be the same length to take their dot product")
    scores = Q @ K.T / np.sqrt(K.shape[1])
    return softmax(scores) if mask is None else masked_softmax(scores, mask)


def offset_score(attention, offset: int):
    """The mean weight each head gives the token *offset* places away (lesson 07).

    The weight query *i* gives key *i + offset* sits on one diagonal of the
    matrix: ``offset=-1`` is the diagonal just below the main one (the previous
    token), ``offset=1`` the one just above (the next token).

    Parameters
    ----------
    attention : array-like, shape (..., n, n)
        Attention weights, e.g. ``(layers, heads, n, n)``.
    offset : int
        Which diagonal: -1 for the previous token, +1 for the next, 0 for the
        token itself.

    Returns
    -------
    numpy.ndarray, shape (...)
        One mean per matrix, e.g. ``(layers, heads)``.

    >>> offset_score([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.5, 0.5]]], -1).tolist()
    [1.0, 0.5]
    """
    attention = _as_scores(attention, "attention")
    if attention.ndim < 2 or attention.shape[-1] != attention.shape[-2]:
        raise ValueError("attention must end in square matrices (..., n, n), got shape "
                         f"{attention.shape}")
    n = attention.shape[-1]
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or abs(offset) >= n:
        raise ValueError(f"offset must be a whole number from {1 - n} to {n - 1}, got {offset!r}")
    return np.diagonal(attention, offset=offset, axis1=-2, axis2=-1).mean(axis=-1)


def merge_subwords(weights, groups):
    """Merge one head's attention between WordPiece tokens into attention between words.

    Attention *to* a word is the sum over its pieces' columns (the word receives
    what its pieces receive, so each row still sums to 1); attention *from* a
    word is the mean over its pieces' rows. This is how Clark et al. (2019)
    merged BERT's pieces.

    Parameters
    ----------
    weights : array-like, shape (n, n)
        One head's attention between the n tokens.
    groups : sequence of int, length n
        The word of each token, numbered 0 to G - 1, every number used (as
        ``real_attention.word_groups`` gives them).

    Returns
    -------
    numpy.ndarray, shape (G, G)
        Entry ``[a, b]`` is the mean over the tokens of word *a* of the sum of
        their weights on the tokens of word *b*.

    >>> merge_subwords([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]], [0, 1, 1]).round(3).tolist()
    [[0.5, 0.5], [0.15, 0.85]]
    """
    weights = _as_scores(weights, "weights")
    groups = np.asarray(groups)
    n = weights.shape[-1]
    if weights.shape != (n, n):
        raise ValueError(f"weights must be one square matrix (n, n), got shape {weights.shape}")
    if groups.shape != (n,) or not np.issubdtype(groups.dtype, np.integer):
        raise ValueError(f"groups must hold one whole number per token ({n}), got "
                         f"{groups.tolist()!r}")
    n_groups = groups.max() + 1
    if groups.min() < 0 or set(groups.tolist()) != set(range(n_groups)):
        raise ValueError(f"groups must number the words 0 to G - 1, each used; got {groups.tolist()}")
    # one_hot[i, a] is 1 when token i belongs to word a: summing columns is "@ one_hot",
    # averaging rows is "one_hot.T @ ... / the size of each word".
    one_hot = (groups[:, None] == np.arange(n_groups)).astype(float)
    return (one_hot / one_hot.sum(axis=0)).T @ weights @ one_hot
