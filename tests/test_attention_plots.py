"""Unit tests for the lessons' plotting module, solutions/lessons-after-challenge/attention_plots.py.

Real matplotlib on the Agg backend: every test draws a figure and inspects it
through public API (``get_array()``, ``get_xticklabels()`` after a canvas draw,
``AxesImage.colorbar``, ``Axes.texts``).
"""

import matplotlib
import numpy as np
import pytest

from autograde.corpus.course_copy import run_in_lessons_folder

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import attention_plots as ap  # noqa: E402

TOKENS = "Transformers help models focus on important words.".split()
SEED_ATTENTION = [
    [0.20, 0.10, 0.05, 0.10, 0.25, 0.10, 0.20],
    [0.05, 0.30, 0.10, 0.10, 0.15, 0.20, 0.10],
    [0.10, 0.15, 0.35, 0.10, 0.10, 0.10, 0.10],
    [0.10, 0.10, 0.10, 0.30, 0.10, 0.15, 0.15],
    [0.15, 0.10, 0.10, 0.10, 0.30, 0.10, 0.15],
    [0.10, 0.10, 0.15, 0.10, 0.10, 0.35, 0.10],
    [0.20, 0.15, 0.10, 0.10, 0.10, 0.10, 0.25],
]
CAUSAL = np.triu(np.ones((7, 7), dtype=bool), k=1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def softmax_rows(scores):
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def random_heads(shape, seed=0):
    return softmax_rows(np.random.default_rng(seed).normal(size=shape) * 2)


def shown_labels(labels):
    return [t.get_text() for t in labels if t.get_visible() and t.get_text()]


# --------------------------------------------------------------------------
# plot_attention_heatmap: the challenge's conventions
# --------------------------------------------------------------------------

@pytest.mark.parametrize("as_array", [False, True], ids=["list", "ndarray"])
def test_heatmap_draws_the_matrix_with_centred_token_labels(as_array):
    attention = np.array(SEED_ATTENTION) if as_array else SEED_ATTENTION
    ax = ap.plot_attention_heatmap(TOKENS, attention)
    ax.figure.canvas.draw()
    (image,) = ax.images
    np.testing.assert_array_equal(np.ma.getdata(image.get_array()), np.array(SEED_ATTENTION))
    assert list(ax.get_xticks()) == list(range(7)) == list(ax.get_yticks())
    assert shown_labels(ax.get_xticklabels()) == TOKENS
    assert shown_labels(ax.get_yticklabels()) == TOKENS
    assert image.colorbar is not None
    assert image.colorbar.ax.get_ylabel() == "Attention Weight"
    assert ax.get_title() == "Attention Heatmap"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Key Tokens", "Query Tokens")


def test_heatmap_draws_on_the_given_axes_and_returns_it():
    fig, (left, right) = plt.subplots(1, 2)
    returned = ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION, ax=right)
    assert returned is right
    assert len(right.images) == 1 and not left.images
    assert len(plt.get_fignums()) == 1


def test_heatmap_without_ax_makes_a_new_figure():
    before = set(plt.get_fignums())
    ax = ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION)
    assert ax.figure.number not in before


# --------------------------------------------------------------------------
# masked cells
# --------------------------------------------------------------------------

def test_masked_cells_are_masked_not_low_values():
    weights = softmax_rows(np.where(CAUSAL, -np.inf, np.arange(49.0).reshape(7, 7) % 5))
    ax = ap.plot_attention_heatmap(TOKENS, weights, mask=CAUSAL)
    ax.figure.canvas.draw()
    array = ax.images[0].get_array()
    assert np.ma.isMaskedArray(array)
    np.testing.assert_array_equal(np.ma.getmaskarray(array), CAUSAL)
    # the visible cells keep their weights
    np.testing.assert_allclose(array.compressed(), weights[~CAUSAL])
    # a masked cell is drawn in the "bad" colour, which is none of the colormap's colours
    cmap = ax.images[0].cmap
    bad = np.array(cmap.get_bad())
    colours = cmap(np.linspace(0, 1, cmap.N))
    assert np.abs(colours - bad).sum(axis=1).min() > 0.1
    assert cmap(np.ma.masked_array([0.0], mask=[True]))[0].tolist() == bad.tolist()


def test_masked_cells_are_hatched_and_explained_in_a_legend():
    ax = ap.plot_attention_heatmap(TOKENS, softmax_rows(np.where(CAUSAL, -np.inf, 0.0)),
                                   mask=CAUSAL)
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1
    # one rectangle per row that has masked cells (rows 0..5 of a causal mask)
    assert len(hatched[0].get_paths()) == 6
    colorbar_ax = ax.images[0].colorbar.ax
    legend = colorbar_ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [ap.MASKED_LABEL]
    assert "masked" in ap.MASKED_LABEL


def test_a_masked_array_keeps_its_mask_and_may_hide_nan():
    data = np.array(SEED_ATTENTION)
    data[0, 3] = np.nan
    masked = np.ma.masked_invalid(data)
    ax = ap.plot_attention_heatmap(TOKENS, masked)
    mask = np.ma.getmaskarray(ax.images[0].get_array())
    assert mask.sum() == 1 and mask[0, 3]


def test_no_mask_means_no_hatching_and_no_legend():
    ax = ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION)
    assert not np.ma.getmaskarray(ax.images[0].get_array()).any()
    assert not [c for c in ax.collections if c.get_hatch()]
    assert ax.images[0].colorbar.ax.get_legend() is None


# --------------------------------------------------------------------------
# tick-label thinning
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n, max_labels, expected_count, stride", [
    (7, 40, 7, 1), (40, 40, 40, 1), (41, 40, 21, 2), (128, 40, 32, 4), (128, 10, 10, 13),
])
def test_label_positions(n, max_labels, expected_count, stride):
    positions = ap.label_positions(n, max_labels)
    assert len(positions) == expected_count <= max_labels
    assert positions[0] == 0
    assert set(np.diff(positions)) <= {stride}


def test_long_sentence_labels_are_thinned_and_stay_on_their_cells():
    n = 128
    tokens = [f"tok{i}" for i in range(n)]
    ax = ap.plot_attention_heatmap(tokens, random_heads((n, n)))
    ax.figure.canvas.draw()
    for ticks, labels in ((ax.get_xticks(), ax.get_xticklabels()),
                          (ax.get_yticks(), ax.get_yticklabels())):
        texts = shown_labels(labels)
        assert len(texts) == 32
        assert list(ticks) == list(range(0, n, 4))
        # every label names the token of the cell it sits on
        assert texts == [tokens[int(t)] for t in ticks]
    # the cells are still there, one column per token
    assert ax.images[0].get_array().shape == (n, n)


def test_max_labels_is_respected():
    tokens = [f"t{i}" for i in range(50)]
    ax = ap.plot_attention_heatmap(tokens, random_heads((50, 50)), max_labels=10)
    ax.figure.canvas.draw()
    assert len(shown_labels(ax.get_xticklabels())) == 10
    assert shown_labels(ax.get_yticklabels())[1] == "t5"


# --------------------------------------------------------------------------
# annotations
# --------------------------------------------------------------------------

def test_annotations_write_every_unmasked_value():
    weights = softmax_rows(np.where(CAUSAL, -np.inf, np.arange(49.0).reshape(7, 7) % 3))
    ax = ap.plot_attention_heatmap(TOKENS, weights, mask=CAUSAL, annotate=True)
    assert len(ax.texts) == int((~CAUSAL).sum())
    by_cell = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
               for t in ax.texts}
    assert by_cell[(6, 2)] == f"{weights[6, 2]:.2f}"
    assert (0, 1) not in by_cell  # masked cells get no number


@pytest.mark.parametrize("cmap, dark_value_text, light_value_text", [
    ("viridis", "white", "black"),   # viridis: low = dark purple, high = yellow
    ("Blues", "black", "white"),     # Blues: low = near white, high = dark blue
])
def test_annotation_colour_reads_on_dark_and_light_cells(cmap, dark_value_text,
                                                         light_value_text):
    attention = np.full((7, 7), 0.5 / 6)
    np.fill_diagonal(attention, 0.5)
    ax = ap.plot_attention_heatmap(TOKENS, attention, annotate=True, cmap=cmap)
    colours = {(round(t.get_position()[1]), round(t.get_position()[0])):
               matplotlib.colors.to_hex(t.get_color()) for t in ax.texts}
    low, high = colours[(0, 1)], colours[(0, 0)]
    assert low == matplotlib.colors.to_hex(dark_value_text)
    assert high == matplotlib.colors.to_hex(light_value_text)


def test_no_annotations_by_default():
    assert not ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION).texts


def test_annotating_a_long_sentence_is_refused():
    tokens = [f"t{i}" for i in range(64)]
    with pytest.raises(ValueError, match="annotate at most 40 tokens"):
        ap.plot_attention_heatmap(tokens, random_heads((64, 64)), annotate=True)


# --------------------------------------------------------------------------
# plot_attention_grid
# --------------------------------------------------------------------------

def test_grid_of_heads_shares_one_colour_scale_and_one_colorbar():
    heads = random_heads((4, 7, 7))
    heads[2] *= 0.5  # one head with smaller weights must not get its own scale
    fig, axes = ap.plot_attention_grid(TOKENS, heads)
    assert axes.shape == (1, 4)
    images = [ax.images[0] for ax in axes.flat]
    limits = {im.get_clim() for im in images}
    assert limits == {(heads.min(), heads.max())}
    colorbars = {id(im.colorbar) for im in images if im.colorbar is not None}
    assert len(colorbars) == 1
    assert next(im.colorbar for im in images if im.colorbar).ax.get_ylabel() == \
        "Attention Weight"
    # only the panels and the one colorbar: no second colorbar axes
    assert len(fig.axes) == 4 + 1
    for im, head in zip(images, heads):
        np.testing.assert_allclose(np.ma.getdata(im.get_array()), head)


def test_grid_puts_token_labels_on_outer_axes_only():
    fig, axes = ap.plot_attention_grid(TOKENS, random_heads((2, 3, 7, 7)))
    fig.canvas.draw()
    assert axes.shape == (2, 3)
    for (layer, head), ax in np.ndenumerate(axes):
        x_labels = shown_labels(ax.get_xticklabels())
        y_labels = shown_labels(ax.get_yticklabels())
        assert x_labels == (TOKENS if layer == 1 else []), (layer, head)
        assert y_labels == (TOKENS if head == 0 else []), (layer, head)
        assert ax.get_xlabel() == ("Key Tokens" if layer == 1 else "")
        assert ax.get_ylabel().endswith("Query Tokens") == (head == 0)
    assert axes[1, 0].get_ylabel() == "Layer 2\nQuery Tokens"


def test_grid_titles_default_and_custom():
    _, axes = ap.plot_attention_grid(TOKENS, random_heads((3, 7, 7)))
    assert [ax.get_title() for ax in axes.flat] == ["Head 1", "Head 2", "Head 3"]
    names = ["previous token", "self", "first token"]
    _, axes = ap.plot_attention_grid(TOKENS, random_heads((3, 7, 7)), titles=names)
    assert [ax.get_title() for ax in axes.flat] == names


def test_grid_explicit_limits_and_masks_apply_to_every_panel():
    heads = softmax_rows(np.where(CAUSAL, -np.inf, random_heads((3, 7, 7))))
    fig, axes = ap.plot_attention_grid(TOKENS, heads, mask=CAUSAL, vmin=0, vmax=1)
    for ax in axes.flat:
        assert ax.images[0].get_clim() == (0, 1)
        np.testing.assert_array_equal(np.ma.getmaskarray(ax.images[0].get_array()), CAUSAL)
        assert [c for c in ax.collections if c.get_hatch()]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [ap.MASKED_LABEL]


def test_grid_default_scale_ignores_masked_cells():
    heads = np.where(CAUSAL, 99.0, random_heads((2, 7, 7)))  # junk under the mask
    _, axes = ap.plot_attention_grid(TOKENS, heads, mask=CAUSAL)
    assert axes[0, 0].images[0].get_clim()[1] < 1


def test_grid_thins_labels_for_long_sentences():
    n = 96
    tokens = [f"w{i}" for i in range(n)]
    fig, axes = ap.plot_attention_grid(tokens, random_heads((2, n, n)))
    fig.canvas.draw()
    assert shown_labels(axes[0, 0].get_xticklabels()) == tokens[::3]
    assert len(shown_labels(axes[0, 0].get_yticklabels())) == 32


def test_grid_panels_all_show_the_whole_matrix():
    """The panels are not shared axes (72 shared panels were slow), so check each one."""
    fig, axes = ap.plot_attention_grid(TOKENS, random_heads((6, 12, 7, 7)), panel_size=1.5)
    fig.canvas.draw()
    for ax in axes.flat:
        assert ax.get_xlim() == (-0.5, 6.5) and ax.get_ylim() == (6.5, -0.5)
        assert list(ax.get_xticks()) == list(range(7))


# --------------------------------------------------------------------------
# plot_head_scores: one number per head
# --------------------------------------------------------------------------

def test_head_scores_draw_layers_by_heads_with_numbers():
    scores = np.arange(12.0).reshape(3, 4) / 10
    ax = ap.plot_head_scores(scores, label="Entropy (bits)", title="Broad heads")
    ax.figure.canvas.draw()
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), scores)
    assert shown_labels(ax.get_xticklabels()) == ["1", "2", "3", "4"]
    assert shown_labels(ax.get_yticklabels()) == ["1", "2", "3"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("Head", "Layer", "Broad heads")
    assert image.colorbar.ax.get_ylabel() == "Entropy (bits)"
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in scores.flat]
    # the darkest cell (0.0 in viridis) gets white text, the brightest black
    assert (ax.texts[0].get_color(), ax.texts[-1].get_color()) == ("white", "black")


def test_head_scores_options():
    fig, (left, right) = plt.subplots(1, 2)
    returned = ap.plot_head_scores([[0.2, 0.4]], ax=right, annotate=False, vmin=0, vmax=1,
                                   fmt="{:.0%}")
    assert returned is right and not left.images and not right.texts
    assert right.images[0].get_clim() == (0, 1)
    ax = ap.plot_head_scores([[0.2, 0.4]], fmt="{:.0%}")
    assert [t.get_text() for t in ax.texts] == ["20%", "40%"]


@pytest.mark.parametrize("scores, message", [
    ([0.1, 0.2], r"a \(layers, heads\) matrix .* got shape \(2,\)"),
    (np.zeros((2, 3, 4)), r"got shape \(2, 3, 4\)"),
    (np.zeros((0, 3)), r"got shape \(0, 3\)"),
    ([[0.1, 0.2], [0.3]], r"scores is ragged"),
    ([["a", "b"]], r"only numbers"),
    ([[0.1, np.nan]], r"nan at layer 1, head 2"),
    (np.zeros((2, 41)), r"annotate at most 40"),
])
def test_head_scores_reject_bad_input_with_a_clear_message(scores, message):
    with pytest.raises(ValueError, match=message):
        ap.plot_head_scores(scores)
    assert not plt.get_fignums()


# --------------------------------------------------------------------------
# validation: every bad input gets a ValueError that names the problem
# --------------------------------------------------------------------------

RAGGED = [row[:] for row in SEED_ATTENTION]
RAGGED[3] = RAGGED[3][:6]


@pytest.mark.parametrize("tokens, attention, message", [
    (TOKENS, RAGGED,
     r"attention is ragged: attention\[0\] has 7 values but attention\[3\] has 6"),
    (TOKENS, np.array(SEED_ATTENTION)[:6],
     r"attention is 6×7 but there are 7 tokens; it must be 7×7"),
    (TOKENS, np.array(SEED_ATTENTION)[:5, :5], r"attention is 5×5 but there are 7 tokens"),
    (TOKENS[:5], SEED_ATTENTION, r"attention is 7×7 but there are 5 tokens"),
    (TOKENS, np.array(SEED_ATTENTION) - 0.15,
     r"attention has a negative weight \(-0\.05\) at row 0, column 1 "
     r"\(query 'Transformers', key 'help'\).*scores instead of weights"),
    (TOKENS, np.where(np.eye(7, k=1, dtype=bool), np.nan, SEED_ATTENTION),
     r"attention has NaN at row 0, column 1 \(query 'Transformers', key 'help'\)"
     r".*pass mask= instead"),
    (TOKENS, np.where(np.eye(7, dtype=bool), np.inf, SEED_ATTENTION),
     r"attention has an infinite value at row 0, column 0"),
    (TOKENS, [["a"] * 7] * 7, r"attention must contain only numbers"),
    (TOKENS, np.array(SEED_ATTENTION)[0],
     r"attention must be a matrix \(one row per query token\), got 1-D"),
    (TOKENS, random_heads((2, 7, 7)), r"got 3-D .*use plot_attention_grid"),
    ("Transformers help models", SEED_ATTENTION, r"tokens must be a list of strings"),
    ([], SEED_ATTENTION, r"tokens is empty"),
    (TOKENS[:6] + [7], SEED_ATTENTION, r"tokens must be strings; found 7"),
], ids=["ragged", "non-square", "too-small", "too-few-tokens", "negative", "nan", "inf",
        "strings", "1-D", "3-D", "one-string", "no-tokens", "non-string-token"])
def test_heatmap_rejects_bad_input_with_a_clear_message(tokens, attention, message):
    with pytest.raises(ValueError, match=message):
        ap.plot_attention_heatmap(tokens, attention)
    assert not plt.get_fignums(), "nothing is drawn before the input is checked"


def test_mask_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"mask is 5×5 but attention is 7×7"):
        ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION, mask=np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match=r"mask must be boolean"):
        ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION, mask=np.full((7, 7), 0.5))


def test_nan_under_the_mask_is_allowed():
    weights = np.where(CAUSAL, np.nan, SEED_ATTENTION)
    ax = ap.plot_attention_heatmap(TOKENS, weights, mask=CAUSAL)
    assert np.ma.getmaskarray(ax.images[0].get_array()).sum() == CAUSAL.sum()


@pytest.mark.parametrize("weights, message", [
    (np.array(SEED_ATTENTION), r"weights must be 3-D \(heads, queries, keys\) or 4-D "
                               r"\(layers, heads, queries, keys\); got 2-D with shape "
                               r"\(7, 7\) \(for one matrix use plot_attention_heatmap\)"),
    (np.zeros((1, 2, 2, 7, 7)), r"got 5-D with shape \(1, 2, 2, 7, 7\)"),
    (np.zeros((0, 7, 7)), r"weights has no heads to plot"),
    (random_heads((2, 7, 6)), r"weights is 7×6 but there are 7 tokens"),
    ([SEED_ATTENTION, RAGGED],
     r"weights\[1\] is ragged: weights\[1\]\[0\] has 7 values but weights\[1\]\[3\] has 6"),
    (np.stack([SEED_ATTENTION, np.array(SEED_ATTENTION) - 0.15]),
     r"weights\[1\] has a negative weight .* at row 0, column 1"),
    (np.where(np.eye(7, dtype=bool), np.nan, random_heads((2, 3, 7, 7))),
     r"weights\[0, 0\] has NaN at row 0, column 0"),
], ids=["2-D", "5-D", "no-heads", "non-square", "ragged-head", "negative", "nan"])
def test_grid_rejects_bad_input_with_a_clear_message(weights, message):
    with pytest.raises(ValueError, match=message):
        ap.plot_attention_grid(TOKENS, weights)
    assert not plt.get_fignums()


def test_grid_titles_must_match_the_panels():
    with pytest.raises(ValueError, match=r"titles has shape \(2,\) but weights has 3 panels"):
        ap.plot_attention_grid(TOKENS, random_heads((3, 7, 7)), titles=["a", "b"])


# --------------------------------------------------------------------------
# the module itself
# --------------------------------------------------------------------------

def test_importing_the_module_changes_no_global_state():
    """Import it in a fresh interpreter and compare rcParams and the RNG state."""
    result = run_in_lessons_folder("""
        import numpy as np, matplotlib as mpl
        before = dict(mpl.rcParams); state = np.random.get_state()[1].copy()
        import attention_plots
        assert dict(mpl.rcParams) == before, 'rcParams changed'
        assert (np.random.get_state()[1] == state).all(), 'numpy seeded'
        import matplotlib.pyplot as plt
        assert not plt.get_fignums(), 'a figure was made'
        print('ok')
    """)
    assert result.stdout.strip() == "ok", result.stderr


def test_every_public_function_has_a_docstring():
    for name in ap.__all__:
        obj = getattr(ap, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 40, name
    assert ap.__doc__ and "plot_attention_grid" in ap.__doc__


# --------------------------------------------------------------------------
# colour limits that cut off weights are shown on the colorbar
# --------------------------------------------------------------------------

@pytest.mark.parametrize("vmin, vmax, extend", [
    (None, None, "neither"), (0, 1, "neither"), (0, 0.3, "max"),
    (0.1, 1, "min"), (0.1, 0.3, "both")])
def test_heatmap_colorbar_arrow_says_which_weights_are_cut_off(vmin, vmax, extend):
    ax = ap.plot_attention_heatmap(TOKENS, SEED_ATTENTION, vmin=vmin, vmax=vmax)
    assert ax.images[0].colorbar.extend == extend


def test_cut_off_ignores_masked_cells():
    weights = np.where(CAUSAL, 5.0, SEED_ATTENTION)   # huge, but masked
    ax = ap.plot_attention_heatmap(TOKENS, weights, mask=CAUSAL, vmin=0, vmax=0.5)
    assert ax.images[0].colorbar.extend == "neither"


def test_grid_colorbar_arrow_when_limits_cut_off():
    def the_colorbar(axes):
        return next(ax.images[0].colorbar for ax in axes.flat if ax.images[0].colorbar)

    fig, axes = ap.plot_attention_grid(TOKENS, random_heads((2, 7, 7)), vmin=0, vmax=0.2)
    assert the_colorbar(axes).extend == "max"
    fig, axes = ap.plot_attention_grid(TOKENS, random_heads((2, 7, 7)))
    assert the_colorbar(axes).extend == "neither"


# --------------------------------------------------------------------------
# plot_matrix_product: the row × column picture of lesson 05
# --------------------------------------------------------------------------

A_SMALL = [[1, 2, 3], [4, 5, 6]]
B_SMALL = [[7, 8], [9, 10], [11, 12]]


def table_numbers(ax):
    return [t.get_text() for t in ax.texts]


def highlighted_cells(ax):
    """(row, column) of the cells filled with a colour other than white."""
    cells = []
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("cell ") and patch.get_facecolor()[:3] != (1.0, 1.0, 1.0):
            cells.append(tuple(int(i) for i in gid[5:].split(",")))
    return sorted(cells)


def test_matrix_product_writes_the_three_matrices():
    fig, (left, right, product) = ap.plot_matrix_product(A_SMALL, B_SMALL, row=0, column=1)
    assert table_numbers(left) == ["1", "2", "3", "4", "5", "6"]
    assert table_numbers(right) == ["7", "8", "9", "10", "11", "12"]
    expected = np.array(A_SMALL) @ np.array(B_SMALL)
    assert table_numbers(product) == [f"{v:g}" for v in expected.ravel()]
    assert [ax.get_xlabel() for ax in (left, right, product)] == [
        "A\n(2×3)", "B\n(3×2)", "A @ B\n(2×2)"]


def test_matrix_product_highlights_row_times_column_and_writes_the_sum():
    fig, (left, right, product) = ap.plot_matrix_product(A_SMALL, B_SMALL, row=1, column=0)
    assert highlighted_cells(left) == [(1, 0), (1, 1), (1, 2)]
    assert highlighted_cells(right) == [(0, 0), (1, 0), (2, 0)]
    assert highlighted_cells(product) == [(1, 0)]
    caption = fig.get_supxlabel()
    assert caption == "(A @ B)[1, 0] = 4×7 + 5×9 + 6×11 = 139"
    assert 4 * 7 + 5 * 9 + 6 * 11 == 139


def test_matrix_product_without_a_column_shows_a_weighted_sum_of_rows():
    weights = np.full((7, 7), 1 / 7)
    values = np.arange(14.0).reshape(7, 2)
    fig, (left, right, product) = ap.plot_matrix_product(
        weights, values, row=3, names=("weights", "V", "output"), fmt="{:.2f}",
        row_labels=TOKENS, inner_labels=TOKENS)
    assert highlighted_cells(left) == [(3, j) for j in range(7)]
    assert len(highlighted_cells(right)) == 14
    assert highlighted_cells(product) == [(3, 0), (3, 1)]
    caption = fig.get_supxlabel()
    assert caption.startswith("row 3 of output = 0.14 × row 0 + 0.14 × row 1 + 0.14 × row 2 + "
                              "… (7 terms)")
    assert "weighted sum of the rows of V" in caption
    fig.canvas.draw()
    assert shown_labels(left.get_yticklabels()) == TOKENS
    assert shown_labels(right.get_yticklabels()) == TOKENS
    assert shown_labels(left.get_xticklabels()) == TOKENS


def test_matrix_product_draws_the_outer_border_of_every_table():
    """The outer edges lie on the Axes' limits: clipped there, they were cut away."""
    fig, tables = ap.plot_matrix_product(A_SMALL, B_SMALL, row=0, column=1)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    height = pixels.shape[0]
    for name, ax in zip(("A", "B", "A @ B"), tables):
        (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
        middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
        for edge, (x, y) in {"left": (left, middle_y), "right": (right, middle_y),
                             "top": (middle_x, top), "bottom": (middle_x, bottom)}.items():
            column, row = ax.transData.transform((x, y))
            column, row = int(round(column)), int(round(height - row))
            around = pixels[row - 1:row + 2, column - 1:column + 2]
            assert around.min() < 200, f"the {edge} border of {name} is not drawn"


@pytest.mark.parametrize("kwargs, message", [
    ({"left": A_SMALL, "right": A_SMALL},
     r"A is 2×3 and B is 2×3: .* number of columns of A \(3\) must equal the number of rows "
     r"of B \(2\); transpose one of them\?"),
    ({"left": [1, 2, 3], "right": B_SMALL}, r"A must be a matrix \(rows and columns\)"),
    ({"left": [[1, 2], [3]], "right": B_SMALL}, r"A is ragged"),
    ({"left": A_SMALL, "right": B_SMALL, "row": 2}, r"row must be a row number from 0 to 1"),
    ({"left": A_SMALL, "right": B_SMALL, "column": 5},
     r"column must be a column number from 0 to 1"),
    ({"left": A_SMALL, "right": B_SMALL, "row_labels": ["x"]},
     r"row_labels has 1 labels but there are 2"),
    ({"left": [["a", "b"]], "right": [[1], [2]]}, r"A must contain only numbers"),
], ids=["shapes", "1-D", "ragged", "row", "column", "labels", "strings"])
def test_matrix_product_rejects_bad_input_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ap.plot_matrix_product(**kwargs)
    assert not plt.get_fignums()
