"""Read as a person reads it, at the size Jupyter shows it.

Fast and in-process, on Agg figures: a text counts when its glyphs spell it and are big
enough in pixels; a label where its words are drawn, not where its tick is; colours are
told apart in CIELAB ΔE, not per channel; a cell by what covers most of its area; faded,
smoothed and hand-made pictures count when they read the same. The corpus holds one
submission for each (graded by nbgrader in test_challenge_corpus.py, in-process in
test_judge.py and test_seen.py).
"""
import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.text import Text

matplotlib.use("agg")

from autograde.checker.colours import SEEN_MATCH_DELTA_E, SEEN_MIN_SPREAD, delta_e, spread  # noqa: E402
from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.seen_texts import glyph_shift, spelled  # noqa: E402
from autograde.checker.spec import OTHER_ATTENTION, OTHER_SENTENCE, PUBLIC_SENTENCE  # noqa: E402

TOKENS = OTHER_SENTENCE.split()
MATRIX = np.array(OTHER_ATTENTION)
N = len(TOKENS)


def figure_axes(size=(5, 4), dpi=60):
    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def failures(ax):
    picture = read_picture(ax)
    verdicts = judge_picture(picture, TOKENS, MATRIX.tolist(), public_tokens=PUBLIC_SENTENCE.split())
    return {criterion: message for criterion, message in verdicts.items() if message}


def reference(ax, image, **label_options):
    ax.set_xticks(range(N), labels=TOKENS, **label_options)
    ax.set_yticks(range(N), labels=TOKENS, **label_options)
    ax.get_figure().colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap", **label_options)
    return ax


# --------------------------------------------------------------------------
# Texts: glyphs that spell them, big enough, where their words are
# --------------------------------------------------------------------------
@pytest.mark.parametrize("family, spells", [("DejaVu Sans", True), ("cmr10", True), ("cmmi10", True),
                                            ("STIXGeneral", True), ("cmex10", False), ("cmsy10", False),
                                            ("STIXSizeOneSym", True)])  # no letters: drawn by the fallback
def test_a_text_counts_when_its_glyphs_spell_it(family, spells):
    assert spelled(Text(text="Attention 09", fontfamily=family)) is spells
    assert spelled(Text(text="$\\alpha$", fontfamily=family))  # mathtext picks its own fonts


def test_texts_in_a_font_of_symbols_cannot_be_read():
    ax = figure_axes()
    lost = failures(reference(ax, ax.imshow(MATRIX), fontfamily="cmex10"))
    assert set(lost) == {"x_ticks", "y_ticks", "title"}
    assert all("cannot be seen" in message and "glyphs" in message for message in lost.values())


@pytest.mark.parametrize("dpi, readable", [(6, False), (30, False), (60, True)])
def test_text_too_small_in_pixels_cannot_be_read(dpi, readable):
    """10-point texts: 0.8, 4.2 and 8.3 pixels high at these dpi."""
    ax = figure_axes(size=(8, 6), dpi=dpi)
    lost = failures(reference(ax, ax.imshow(MATRIX)))
    assert set(lost) == (set() if readable else {"x_ticks", "y_ticks", "colorbar", "title"})


def test_cells_too_small_in_pixels_cannot_be_read():
    ax = figure_axes(size=(5, 4), dpi=6)  # cells of 4 pixels
    lost = failures(reference(ax, ax.imshow(MATRIX)))
    assert "matrix" in lost and "smaller than 6 pixels" in lost["matrix"]


def test_a_label_counts_where_its_words_are_drawn():
    ax = figure_axes(size=(6, 5), dpi=100)
    ax.imshow(MATRIX)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.get_figure().canvas.draw()
    renderer = ax.get_figure().canvas.get_renderer()
    label = ax.get_xticklabels()[0]
    width = label.get_window_extent(renderer).width
    label.set_text(" " * 10 + TOKENS[0])  # centred: the spaces push the word right by half their width
    assert glyph_shift(label, renderer)[0] == pytest.approx((label.get_window_extent(renderer).width - width) / 2,
                                                            abs=1)
    label.set_horizontalalignment("right")  # right-aligned: leading spaces move nothing
    assert glyph_shift(label, renderer) == pytest.approx((0, 0), abs=0.5)
    assert label.get_text() == " " * 10 + TOKENS[0]  # left as it was
    label.set_rotation(90)
    label.set_text(TOKENS[0] + "\n\n")  # trailing newlines, turned: the word moves left
    assert glyph_shift(label, renderer)[0] < -5


def test_labels_moved_off_their_ticks_by_whitespace_fail_and_say_why():
    ax = figure_axes(size=(6, 5), dpi=100)
    image = ax.imshow(MATRIX)
    reference(ax, image)
    ax.set_xticks(range(N), labels=[" " * 40 + token for token in TOKENS])
    lost = failures(ax)
    assert set(lost) == {"x_ticks"} and "the spaces or newlines around the labels move their words" in lost["x_ticks"]
    ax.set_xticks(range(N), labels=[token + " " for token in TOKENS])  # a space: a pixel or two
    assert failures(ax) == {}


# --------------------------------------------------------------------------
# Colours told apart as a person tells them apart
# --------------------------------------------------------------------------
def test_colour_differences_are_perceptual():
    grey = np.array([0.5, 0.5, 0.5])
    assert delta_e(grey, grey + [0, 14 / 255, 0]) > delta_e(grey, grey + [0, 0, 14 / 255]) > delta_e(
        grey, grey + [14 / 255, 0, 0])  # one step, three differences: green shows most
    assert delta_e([0, 0, 0], [1, 1, 1]) == pytest.approx(100, abs=0.01)
    viridis = matplotlib.colormaps["viridis"](np.linspace(0, 1, 9))[:, :3]
    assert spread(viridis) > 100 and spread(0.05 * viridis + 0.95) < SEEN_MIN_SPREAD


@pytest.mark.parametrize("cmap, shows", [
    (LinearSegmentedColormap.from_list("flat", [(0.5, 0.5, 0.5), (0.5, 0.5 + 14 / 255, 0.5)]), False),
    (LinearSegmentedColormap.from_list("pale", [(0.95, 0.95, 0.95), (0.55, 0.55, 0.55)]), True),
    ("binary", True)])
def test_a_heatmap_shows_values_only_when_its_colours_differ_to_the_eye(cmap, shows):
    ax = figure_axes()
    lost = failures(reference(ax, ax.imshow(MATRIX, cmap=cmap)))
    assert ("matrix" not in lost) is shows
    assert shows or "(nearly) the same colour" in lost["matrix"]


@pytest.mark.parametrize("alpha, readable", [(0.22, True), (0.15, True), (0.12, False), (0.08, False), (0.004, False)])
def test_a_faded_heatmap_counts_while_a_person_can_read_it(alpha, readable):
    ax = figure_axes()
    lost = failures(reference(ax, ax.imshow(MATRIX, alpha=alpha)))
    assert ("matrix" not in lost) is readable, lost


# --------------------------------------------------------------------------
# A cell by what covers most of its area; smoothed cells by what smoothing can show
# --------------------------------------------------------------------------
def test_a_cell_counts_by_what_covers_most_of_it_not_by_sample_points():
    ax = figure_axes(size=(6, 5), dpi=100)
    image = ax.imshow(MATRIX)
    k = 40
    cover = image.cmap(image.norm(np.kron(MATRIX.T, np.ones((k, k)))))
    spots = ((np.arange(N)[:, None] + np.linspace(0.05, 0.95, 13)) * k).astype(int).ravel()
    cover[np.ix_(spots, spots)] = 0  # a 13 x 13 grid of holes in every cell
    ax.imshow(cover, extent=(-0.5, N - 0.5, N - 0.5, -0.5))
    picture = read_picture(ax)
    # the right matrix shows only through the holes: none of its cells whose colour differs from
    # its transposed one's is seen
    differ = delta_e(image.to_rgba(MATRIX)[..., :3], image.to_rgba(MATRIX.T)[..., :3]) > SEEN_MATCH_DELTA_E + 1
    assert differ.sum() >= N * (N - 1) / 2 and not np.array(picture["heatmaps"][0]["shown"])[differ].any()
    assert "matrix" in failures(reference(ax, image))


@pytest.mark.parametrize("interpolation", ["gaussian", "bicubic", "quadric", "bessel", "mitchell", "hamming"])
def test_smoothed_heatmaps_keep_full_marks_and_a_smoothed_transpose_does_not(interpolation):
    ax = figure_axes()
    assert failures(reference(ax, ax.imshow(MATRIX, interpolation=interpolation))) == {}
    ax = figure_axes()
    lost = failures(reference(ax, ax.imshow(MATRIX.T, interpolation=interpolation)))
    assert set(lost) == {"matrix"} and "transposed" in lost["matrix"]


# --------------------------------------------------------------------------
# Made by hand: labels written with ax.text, a colour scale drawn as a gradient
# --------------------------------------------------------------------------
def handmade(ax, scale_range=None, numbered=True):
    ax.imshow(MATRIX)
    ax.set_xticks([])
    ax.set_yticks([])
    for index, token in enumerate(TOKENS):
        ax.text(index, N - 0.4, token, rotation=45, ha="right", va="top", rotation_mode="anchor")
        ax.text(-0.6, index, token, ha="right", va="center")
    low, high = scale_range or (MATRIX.min(), MATRIX.max())
    scale = ax.inset_axes([1.05, 0.0, 0.06, 1.0])
    scale.imshow(np.linspace(high, low, 256)[:, None], aspect="auto", extent=(0, 1, low, high))
    scale.set_xticks([])
    scale.yaxis.tick_right()
    if not numbered:
        scale.set_yticks([])
    scale.set_ylabel("Attention Weight")
    scale.yaxis.set_label_position("right")
    ax.set_title("Attention Heatmap")
    return ax


def test_labels_and_a_colour_scale_made_by_hand_count_when_they_read_the_same():
    assert failures(handmade(figure_axes(size=(6, 5), dpi=80))) == {}
    lost = failures(handmade(figure_axes(size=(6, 5), dpi=80), scale_range=(0, 1)))  # other colours at its numbers
    assert set(lost) == {"colorbar"} and "drawn by hand does not show the heatmap's colours" in lost["colorbar"]
    assert set(failures(handmade(figure_axes(size=(6, 5), dpi=80), numbered=False))) == {"colorbar"}


def test_texts_written_by_hand_do_not_count_beside_tick_labels_nor_inside_the_heatmap():
    ax = figure_axes(size=(6, 5), dpi=80)
    reference(ax, ax.imshow(MATRIX))
    ax.text(0.5, -0.15, "Key Tokens", transform=ax.transAxes, ha="center", va="top")  # an axis title
    for (row, column), value in np.ndenumerate(MATRIX):  # the weights, in their cells
        ax.text(column, row, f"{value:.2f}", ha="center", va="center", color="white")
    assert failures(ax) == {}
