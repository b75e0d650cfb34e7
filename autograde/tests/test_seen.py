"""Only what is visible counts: the reading held to the rendered pixels.

The red team's pictures that are read differently from how they are seen (a blank
white cover, a covering Axes, a clipped image, a one-cell view) and the reader-alone
tricks (near-zero opacity, transparent colormaps and "under" colours, empty clip
boxes, labels moved by an offset transform, white-on-white or covered texts) must
fail exactly what a fair person would fail; every honest style (the corpus, judged
in test_judge.py, and the styles listed below) must keep full marks. Figures are
drawn in-process on Agg; the points test runs the grading pipeline in-process
(collect, read_evidence, judge_call, split_points) without nbgrader. The tests that
take each red-team answer through both calls are marked ``corpus``.
"""
import functools
import io
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, IdentityTransform, offset_copy

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.seen import SeenRender  # noqa: E402
from autograde.checker.spec import OTHER_ATTENTION, OTHER_SENTENCE, PICTURE_CRITERIA, PUBLIC_ATTENTION, PUBLIC_SENTENCE  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402

PUBLIC_TOKENS = PUBLIC_SENTENCE.split()
# The self-check's second sentence: far from symmetric, and no row, column or flip of
# its matrix equals another.
TOKENS = OTHER_SENTENCE.split()
MATRIX = np.array(OTHER_ATTENTION)
N = len(TOKENS)
EVERY = set(PICTURE_CRITERIA)


def failed(verdicts):
    return {criterion: message for criterion, message in verdicts.items() if message}


@functools.cache  # a reading is deterministic: the message tests reuse the parametrized ones
def judge_answer(name, with_ax):
    """The picture verdicts for one corpus answer, called as grading calls it."""
    function = answer_function(name)
    plt.close("all")
    tokens, attention = (TOKENS, MATRIX) if with_ax else (PUBLIC_TOKENS, np.array(PUBLIC_ATTENTION))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if with_ax:
            _, given = plt.subplots()
            plt.figure()  # the given ax is not pyplot's current Axes
            ax = function(list(tokens), attention.copy(), ax=given)
        else:
            ax = function(list(tokens), attention.tolist())
        picture = read_picture(ax)
    plt.close("all")
    return failed(judge_picture(picture, tokens, attention.tolist(), public_tokens=PUBLIC_TOKENS))


# --------------------------------------------------------------------------
# The red team's answers, in-process
# --------------------------------------------------------------------------
#: Picture criteria a fair person fails, the same in both calls.
RED_TEAM = {
    # a blank white figure: nothing can be seen
    "attack_blank_cover": EVERY,
    # a covering Axes shows the transposed matrix; the right labels and title are white on
    # white; the colorbar beside it is seen, labelled (a person gives that point)
    "attack_overlay_axes": {"matrix", "x_ticks", "y_ticks", "title"},
    # the transposed matrix is what shows; the right image is clipped to nothing
    "attack_clipped_right_image": {"matrix"},
    # one cell of the matrix in view, and numbers for tick labels
    "attack_one_cell_view": {"matrix", "x_ticks", "y_ticks"},
    # the transposed matrix painted over the right one, but for pinholes where points are sampled
    "transposed_under_pinholes": {"matrix"},
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(RED_TEAM))
@pytest.mark.parametrize("with_ax", [False, True], ids=["no_ax", "with_ax"])
def test_red_team_answers_fail_what_a_person_would_fail(name, with_ax):
    verdicts = judge_answer(name, with_ax)
    assert set(verdicts) == RED_TEAM[name], verdicts


def test_the_messages_say_what_a_person_sees():
    blank = judge_answer("attack_blank_cover", False)
    assert "none of its cells shows its colour in the drawn figure" in blank["matrix"]
    assert 'the x tick labels ["Attention", "helps"' in blank["x_ticks"] and "cannot be seen" in blank["x_ticks"]
    assert "the colorbar cannot be seen" in blank["colorbar"]
    assert 'the title "Attention Heatmap" cannot be seen' in blank["title"]
    covered = judge_answer("attack_overlay_axes", True)["matrix"]
    assert covered.startswith("the heatmap is hidden or covered where the cells should be: ")
    assert judge_answer("attack_clipped_right_image", True)["matrix"].startswith("the heatmap is transposed")
    assert "only 1 of the 4 rows and 1 of the 4 columns are inside the axis limits" in (
        judge_answer("attack_one_cell_view", True)["matrix"])


@pytest.mark.corpus
@pytest.mark.parametrize("name, points", [
    # fair grades out of 10: nothing seen but the return value; the return value and the
    # colorbar beside the covering Axes; all but the (transposed) matrix; one cell in view; all but
    # the matrix painted over with pinholes
    ("attack_blank_cover", 1), ("attack_overlay_axes", 2), ("attack_clipped_right_image", 7),
    ("attack_one_cell_view", 3), ("transposed_under_pinholes", 7)])
def test_red_team_points_in_the_grading_pipeline(name, points):
    """Every call of grading, in-process: collected, read back, judged and scored."""
    from autograde.checker.evidence import collect
    from autograde.checker.unpickle import read_evidence
    from autograde.checker.verdicts import judge_call, split_points
    from autograde.corpus import notebook_points
    from autograde.grading.hidden_inputs import grading_calls

    calls = grading_calls(1234, name)
    verdicts = {call["name"]: judge_call(read_evidence(collect(answer_function(name), call)), call)
                for call in calls}
    results = split_points(calls, verdicts, notebook_points())
    assert sum(result["score"] for result in results.values()) == points, results


# --------------------------------------------------------------------------
# Tricks on the reader alone: a visibly transposed picture under a right one that
# cannot be seen
# --------------------------------------------------------------------------
def draw(plot, size=(4, 4), dpi=60):
    """Draw with ``plot(ax)`` on a fresh Agg figure with the right labels, colorbar and
    title (plot returns the artist the colorbar is for); return the picture's failures."""
    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    artist = plot(ax)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    if artist is not None:
        figure.colorbar(artist, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax, failed(judge_picture(read_picture(ax), TOKENS, MATRIX.tolist(), public_tokens=PUBLIC_TOKENS))


def transparent_viridis():
    colours = matplotlib.colormaps["viridis"](np.linspace(0, 1, 256))
    colours[:, 3] = 0
    return ListedColormap(colours)


@pytest.mark.parametrize("hide_the_right_one", [
    lambda image: image.set_alpha(0.004),
    lambda image: image.set_alpha(np.zeros_like(MATRIX)),
    lambda image: image.set_cmap(transparent_viridis()),
    lambda image: (image.set_cmap(matplotlib.colormaps["viridis"].with_extremes(under=(0, 0, 0, 0))),
                   image.set_clim(2, 3)),
    lambda image: image.set_clip_box(Bbox([[0, 0], [0, 0]])),
    lambda image: image.set_clip_path(Rectangle((0, 0), 0, 0, transform=image.axes.transData)),
], ids=["opacity 0.004", "opacity array of zeros", "transparent colormap",
        "transparent under colour below the colour limits", "empty clip box", "empty clip path"])
def test_a_right_image_that_cannot_be_seen_does_not_pass_a_transposed_picture(hide_the_right_one):
    def plot(ax):
        shown = ax.imshow(MATRIX.T)
        right = ax.imshow(MATRIX)  # on top, but not seen
        hide_the_right_one(right)
        return shown
    _, verdicts = draw(plot)
    assert set(verdicts) == {"matrix"} and verdicts["matrix"].startswith("the heatmap is transposed"), verdicts

    def alone(ax):  # nothing below it: a person sees an empty Axes
        right = ax.imshow(MATRIX)
        hide_the_right_one(right)
        return None
    _, verdicts = draw(alone)
    assert "matrix" in verdicts and "cannot be seen" in verdicts["matrix"], verdicts


def test_tick_labels_count_where_they_are_drawn():
    def shifted(ax):
        image = ax.imshow(MATRIX)
        ax.set_xticks(range(N), labels=TOKENS)
        figure = ax.get_figure()
        figure.draw_without_rendering()
        cell = ax.bbox.width / N * 72 / figure.dpi  # one column, in points
        for label in ax.get_xticklabels():  # drawn one column to the right of their ticks
            label.set_transform(offset_copy(label.get_transform(), fig=figure, x=cell, units="points"))
        return image

    ax = Figure(figsize=(4, 4), dpi=60).add_subplot()
    FigureCanvasAgg(ax.get_figure())
    shifted(ax)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read_picture(ax)
    assert [label["text"] for label in picture["x_labels"]] == TOKENS[:-1]  # the last is off the axis
    assert [label["cell"] for label in picture["x_labels"]] == [1, 2, 3]
    verdicts = failed(judge_picture(picture, TOKENS, MATRIX.tolist(), public_tokens=PUBLIC_TOKENS))
    # (no colorbar or title here: only the matrix and the labels are judged)
    assert set(verdicts) - {"colorbar", "title"} == {"x_ticks"}, verdicts
    assert "shifted by one column" in verdicts["x_ticks"]


@pytest.mark.parametrize("hide, lost, words", [
    (lambda ax: ax.tick_params(axis="x", labelcolor="white"), {"x_ticks"}, "x tick labels"),
    (lambda ax: ax.add_patch(Rectangle((0, 0), 1, -0.3, transform=ax.transAxes, color="white",
                                       clip_on=False, zorder=5)), {"x_ticks"}, "x tick labels"),
    (lambda ax: ax.title.set_color("white"), {"title"}, 'the title "Attention Heatmap"'),
    (lambda ax: ax.title.set_fontsize(1), {"title"}, 'the title "Attention Heatmap"'),
    (lambda ax: ax.images[0].colorbar.ax.yaxis.label.set_color("white"), {"colorbar"},
     'the colorbar label "Attention Weight"'),
    (lambda ax: ax.get_figure().add_artist(Rectangle(
        ax.images[0].colorbar.ax.get_position().p0, *ax.images[0].colorbar.ax.get_position().size,
        transform=ax.get_figure().transFigure, color="white", zorder=10)), {"colorbar"},
     "the colorbar cannot be seen"),
])
def test_texts_and_colorbars_that_cannot_be_seen_do_not_count(hide, lost, words):
    def plot(ax):
        return ax.imshow(MATRIX)
    ax, verdicts = draw(plot)
    assert verdicts == {}
    hide(ax)
    picture = read_picture(ax)
    verdicts = failed(judge_picture(picture, TOKENS, MATRIX.tolist(), public_tokens=PUBLIC_TOKENS))
    assert set(verdicts) == lost, verdicts
    assert all(words in message and "cannot be seen" in message for message in verdicts.values()), verdicts


def test_a_covered_part_of_the_heatmap_is_named():
    def plot(ax):
        image = ax.imshow(MATRIX)
        ax.add_patch(Rectangle((1.5, -0.5), 1, 2, color="white", zorder=5))  # hides two cells
        return image
    _, verdicts = draw(plot)
    assert set(verdicts) == {"matrix"}
    assert verdicts["matrix"].startswith("the heatmap is hidden or covered where the cells should be: "
                                         "2 of the 16 cells")
    assert 'e.g. query "Queries", key "at"' in verdicts["matrix"]


def test_the_colorbar_title_is_its_label_when_the_label_is_empty():
    def plot(ax):
        image = ax.imshow(MATRIX)
        ax.get_figure().colorbar(image, ax=ax).ax.set_title("Attention Weight")
        return None
    _, verdicts = draw(plot)
    assert verdicts == {}

    def both(ax):
        image = ax.imshow(MATRIX)
        colorbar = ax.get_figure().colorbar(image, ax=ax, label="Weights")
        colorbar.ax.set_title("Attention Weight")  # the label is what the bar is labelled
        return None
    _, verdicts = draw(both)
    assert set(verdicts) == {"colorbar"} and 'is "Weights"' in verdicts["colorbar"]


# --------------------------------------------------------------------------
# Honest styles keep full marks
# --------------------------------------------------------------------------
def seaborn_annotated_lines(ax):
    import seaborn as sns
    sns.heatmap(MATRIX, annot=True, fmt=".2f", linewidths=2, linecolor="white", cbar=False, ax=ax,
                annot_kws={"fontsize": 11})
    return ax.collections[0]


def translucent_imshow(ax):
    return ax.imshow(MATRIX, alpha=0.8, cmap="Blues")


def clipped_colour_limits(ax):  # some cells take the end colours
    return ax.imshow(MATRIX, vmin=0.1, vmax=0.5)


def repeated_colours(ax):  # a colormap of three colours: many values, one colour
    return ax.imshow(MATRIX, cmap=ListedColormap(["navy", "teal", "gold"]))


def grid_on_top(ax):
    image = ax.imshow(MATRIX)
    ax.grid(True, color="white", linewidth=2)  # lines through the cell centres (the ticks)
    ax.set_axisbelow(False)
    ax.set_xticks(np.arange(N + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(N + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="black", linewidth=3)
    return image


def origin_lower_extent(ax):  # row 0 at y in [0, 1], shown at the top
    image = ax.imshow(MATRIX, origin="lower", extent=(0, N, 0, N))
    ax.invert_yaxis()
    return image


def pcolor_edges(ax):
    mesh = ax.pcolor(MATRIX, edgecolors="k", linewidths=1)
    ax.invert_yaxis()
    return mesh


def matshow_rotated_labels(ax):
    image = ax.matshow(MATRIX)
    return image


def smooth_interpolation(ax):
    return ax.imshow(MATRIX, interpolation="bilinear")


def annotated_text_cells(ax):
    image = ax.imshow(MATRIX, cmap="magma")
    for i in range(N):
        for j in range(N):
            ax.text(j, i, f"{MATRIX[i, j]:.2f}", ha="center", va="center", color="w", fontsize=12)
    return image


@pytest.mark.parametrize("plot", [seaborn_annotated_lines, translucent_imshow, clipped_colour_limits,
                                  repeated_colours, grid_on_top, origin_lower_extent, pcolor_edges,
                                  matshow_rotated_labels, smooth_interpolation, annotated_text_cells],
                         ids=lambda plot: plot.__name__)
@pytest.mark.parametrize("dpi", [60, 100])
def test_honest_styles_keep_full_marks(plot, dpi):
    figure = Figure(figsize=(5, 4), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    artist = plot(ax)
    centres = np.arange(N) + (0.5 if plot in (seaborn_annotated_lines, origin_lower_extent, pcolor_edges) else 0)
    ax.set_xticks(centres, labels=TOKENS, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(centres, labels=TOKENS)
    figure.colorbar(artist, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    picture = read_picture(ax)
    verdicts = failed(judge_picture(picture, TOKENS, MATRIX.tolist(), public_tokens=PUBLIC_TOKENS))
    assert verdicts == {}, verdicts
    assert all(all(row) for row in picture["heatmaps"][picture["main"]]["shown"])


def test_the_figure_is_left_as_it_was():
    figure = Figure(figsize=(4, 4), dpi=60)  # no Agg canvas of its own, as after unpickling
    canvas = figure.canvas
    ax = figure.add_subplot()
    ax.imshow(np.random.default_rng(0).random((3, 3)))
    label = ax.set_title("Attention Heatmap")
    read_picture(ax)
    assert figure.canvas is canvas and figure.dpi == 60 and label.get_alpha() is None
    big = Figure(figsize=(40, 40), dpi=100)  # 16 million pixels: rendered at a lower dpi
    ax = big.add_subplot()
    ax.imshow(MATRIX)
    picture = read_picture(ax)
    width, height = picture["render"]["size"]
    assert width * height <= 4_000_000 and big.dpi == 100


def _hanging_labels(dpi):
    """A heatmap whose long x tick labels hang below its figure's edge, as Jupyter widens it."""
    figure = Figure(figsize=(3, 3), dpi=dpi)  # no Agg canvas of its own, as after unpickling
    ax = figure.add_subplot()
    ax.imshow(MATRIX)
    ax.set_xticks(range(N), labels=[token * 2 for token in TOKENS], rotation=90)
    ax.set_yticks(range(N), labels=TOKENS)
    return figure, ax


def test_a_picture_drawn_past_its_figures_edge_is_drawn_once():
    figure, ax = _hanging_labels(dpi=80)
    draws = []
    figure.canvas.mpl_connect("draw_event", draws.append)
    picture = read_picture(ax)
    assert len(draws) == 1  # not once to measure, once more to see
    width, height = picture["render"]["size"]
    assert width > 3 * 80 and height > 3 * 80  # the labels left of and below the figure are in the render
    assert [label["text"] for label in picture["x_labels"]] == [token * 2 for token in TOKENS]


def test_a_figure_laid_out_by_tight_layout_is_drawn_once_as_savefig_draws_it_twice():
    def laid_out():
        figure, ax = _hanging_labels(dpi=80)
        figure.colorbar(ax.images[0], ax=ax, label="Attention weight")
        figure.tight_layout()  # leaves an engine that lays out nothing: savefig would draw twice
        return figure
    figure = laid_out()
    engine = figure.get_layout_engine()
    draws = []
    figure.canvas.mpl_connect("draw_event", draws.append)
    render = SeenRender(figure).render()
    assert len(draws) == 1 and figure.get_layout_engine() is engine
    # the same picture as savefig's own two draws, over the area the render shows
    twin, buffer = laid_out(), io.BytesIO()
    twin.savefig(buffer, format="rgba", dpi=80, bbox_inches=render.area, pad_inches=0)
    saved = np.frombuffer(buffer.getvalue(), dtype=np.uint8).reshape(render.pixels.shape)
    assert np.mean(np.any(render.pixels != saved, axis=-1)) < 0.001
    render.release()


def test_a_text_placed_in_display_pixels_is_read_where_a_canvas_draw_places_it():
    figure = Figure(figsize=(4, 3), dpi=72)
    ax = figure.add_subplot()
    ax.imshow(MATRIX)
    # in the figure's top left corner, clear of the tick labels: 36 pixels from its left edge,
    # so that a drawing with a margin of an inch (72 pixels) would place it outside the figure
    figure.suptitle("Attention", transform=IdentityTransform(), x=36, y=200, va="bottom")
    assert read_picture(ax)["suptitle"]["shown"]


@pytest.mark.parametrize("dpi", [72, 100, 61.3])
def test_a_picture_inside_its_figure_is_rendered_as_a_canvas_draws_it(dpi):
    def heatmap():
        figure = Figure(figsize=(4, 3), dpi=dpi)
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        figure.colorbar(ax.imshow(MATRIX), ax=ax, label="Attention weight")
        ax.set_title("Attention")
        return figure
    render = SeenRender(heatmap()).render()
    drawn = heatmap()
    drawn.canvas.draw()
    canvas = np.asarray(drawn.canvas.buffer_rgba())
    assert render.area is None and list(render.offset) == [0, 0] and render.pixels.shape == canvas.shape
    # the same pixels, but where the drawing's shift rounds an edge the other way
    assert np.mean(np.any(render.pixels != canvas, axis=-1)) < 0.001
    render.release()


def test_a_heatmap_of_one_colour_shows_no_weights():
    def plot(ax):
        ax.imshow(MATRIX.T)
        return ax.imshow(MATRIX, cmap=ListedColormap(["teal"]))  # on top, every cell teal
    _, verdicts = draw(plot)
    assert set(verdicts) == {"matrix"} and "drawn in (nearly) the same colour" in verdicts["matrix"]

    def clipped_to_one_end(ax):
        return ax.imshow(MATRIX, vmin=2, vmax=3)
    _, verdicts = draw(clipped_to_one_end)
    assert set(verdicts) == {"matrix"} and "drawn in (nearly) the same colour" in verdicts["matrix"]
