"""The picture reader: what a person sees on an Axes, read through public matplotlib API.

Figures are drawn in-process on ``matplotlib.figure.Figure`` objects (no pyplot
state). Where a test says a cell "shows" a value, it also checks the rendered
pixels: the colour at the point under the two labels is the colormap's colour
for the value read there, so the reading is held to the real picture, not to
the reader's own idea of the geometry.
"""
import ast
import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REPO = Path(__file__).resolve().parents[2]
from autograde.checker.picture import PICTURE_MAX_CELLS, PICTURE_MAX_LABELS, read_picture  # noqa: E402
from autograde.checker.spec import OTHER_ATTENTION, OTHER_SENTENCE  # noqa: E402

# The self-check's second sentence: far from symmetric, and no row, column or flip of
# its matrix equals another.
TOKENS = OTHER_SENTENCE.split()
MATRIX = np.array(OTHER_ATTENTION)
N = len(TOKENS)


def new_axes(**subplot):
    figure = Figure(figsize=(4, 4), dpi=60)
    FigureCanvasAgg(figure)
    return figure.add_subplot(**subplot)


def read(ax):
    """read_picture, checking the dict is plain JSON of bounded size."""
    picture = read_picture(ax)
    text = json.dumps(picture, allow_nan=False)
    assert len(text) < 400_000
    return picture


def texts(labels):
    return [label["text"] for label in labels]


def shown_matrix(picture):
    """What is seen under the labels, indexed by token (query, key)."""
    x_index = [TOKENS.index(t) for t in texts(picture["x_labels"])]
    y_index = [TOKENS.index(t) for t in texts(picture["y_labels"])]
    seen = np.full((N, N), np.nan)
    for p, query in enumerate(y_index):
        for q, key in enumerate(x_index):
            value = picture["cells"]["values"][p][q]
            seen[query, key] = np.nan if value is None else value
    return seen


def assert_pixels_match(ax, picture):
    """The rendered colour under every pair of labels is the colour of the value read there."""
    figure = ax.figure
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba(), dtype=float) / 255
    height = pixels.shape[0]
    heatmap_artists = [child for child in ax.get_children()
                       if type(child).__name__ in ("AxesImage", "QuadMesh", "PolyQuadMesh")]
    order = sorted(range(len(heatmap_artists)),
                   key=lambda k: (heatmap_artists[k].get_zorder(), k))
    artists = [heatmap_artists[k] for k in order]
    checked = 0
    for p, y_label in enumerate(picture["y_labels"]):
        for q, x_label in enumerate(picture["x_labels"]):
            value = picture["cells"]["values"][p][q]
            owner = picture["cells"]["heatmap"][p][q]
            if value is None:
                continue
            x, y = ax.transData.transform((x_label["position"], y_label["position"]))
            colour = pixels[int(round(height - y)), int(round(x)), :3]
            expected = np.asarray(artists[owner].to_rgba(value))[:3]
            assert np.allclose(colour, expected, atol=3 / 255), (x_label["text"], y_label["text"])
            checked += 1
    assert checked == len(picture["x_labels"]) * len(picture["y_labels"])


# --------------------------------------------------------------------------
# Layouts: every way of drawing the same picture reads the same
# --------------------------------------------------------------------------
def imshow_default(ax):
    ax.imshow(MATRIX)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def imshow_origin_lower(ax):
    ax.imshow(MATRIX, origin="lower")
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def imshow_extent_edges(ax):
    ax.imshow(MATRIX, extent=(0, N, N, 0))
    ax.set_xticks(np.arange(N) + 0.5, labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS)


def imshow_extent_upward(ax):
    # extent bottom < top with origin="upper": row 0 sits at the top value, y = N - 1/2
    ax.imshow(MATRIX, extent=(0, N, 0, N))
    ax.set_xticks(np.arange(N) + 0.5, labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS[::-1])


def imshow_stretched_extent(ax):
    ax.imshow(MATRIX, extent=(10, 30, 8, 0), aspect="auto")
    ax.set_xticks(10 + 5 * np.arange(N) + 2.5, labels=TOKENS)
    ax.set_yticks(2 * np.arange(N) + 1, labels=TOKENS)


def imshow_inverted_y(ax):
    ax.imshow(MATRIX)
    ax.invert_yaxis()  # the first row now shows at the bottom; labels follow the rows
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def imshow_inverted_x(ax):
    ax.imshow(MATRIX)
    ax.invert_xaxis()
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def matshow_top_labels(ax):
    ax.matshow(MATRIX)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def pcolormesh_set_ylim(ax):
    ax.pcolormesh(MATRIX)
    ax.set_ylim(N, 0)
    ax.set_xticks(np.arange(N) + 0.5, labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS)


def pcolormesh_reversed_with_labels(ax):
    # data reversed together with its labels: the same picture as the correct one
    ax.pcolormesh(MATRIX[::-1])
    ax.set_xticks(np.arange(N) + 0.5, labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS[::-1])


def pcolormesh_nearest_centres(ax):
    ax.pcolormesh(np.arange(N), np.arange(N), MATRIX, shading="nearest")
    ax.invert_yaxis()
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)


def pcolormesh_decreasing_edges(ax):
    edges = np.arange(N, -1, -1.0)  # columns laid out right to left
    ax.pcolormesh(edges, np.arange(N + 1.0), MATRIX)
    ax.set_xticks(N - 0.5 - np.arange(N), labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS)


def pcolor_polyquadmesh(ax):
    ax.pcolor(MATRIX)
    ax.invert_yaxis()
    ax.set_xticks(np.arange(N) + 0.5, labels=TOKENS)
    ax.set_yticks(np.arange(N) + 0.5, labels=TOKENS)


def seaborn_heatmap(ax):
    import seaborn as sns
    sns.heatmap(MATRIX, xticklabels=TOKENS, yticklabels=TOKENS, ax=ax, cbar=False)


def minor_tick_labels(ax):
    ax.imshow(MATRIX)
    ax.set_xticks([])
    ax.set_xticks(range(N), labels=TOKENS, minor=True)
    ax.set_yticks(range(N), labels=TOKENS)


LAYOUTS = [imshow_default, imshow_origin_lower, imshow_extent_edges, imshow_extent_upward,
           imshow_stretched_extent, imshow_inverted_y, imshow_inverted_x, matshow_top_labels,
           pcolormesh_set_ylim, pcolormesh_reversed_with_labels, pcolormesh_nearest_centres,
           pcolormesh_decreasing_edges, pcolor_polyquadmesh, seaborn_heatmap, minor_tick_labels]


@pytest.mark.parametrize("layout", LAYOUTS, ids=[f.__name__ for f in LAYOUTS])
def test_every_layout_shows_each_weight_under_its_labels(layout):
    ax = new_axes()
    layout(ax)
    picture = read(ax)
    assert picture["drawn"] and picture["errors"] == []
    assert sorted(texts(picture["x_labels"])) == sorted(TOKENS)
    assert sorted(texts(picture["y_labels"])) == sorted(TOKENS)
    assert all(label["offset"] == pytest.approx(0, abs=1e-9) for label in
               picture["x_labels"] + picture["y_labels"])
    assert np.allclose(shown_matrix(picture), MATRIX, atol=1e-12)
    assert_pixels_match(ax, picture)


def test_labels_are_listed_in_screen_order_and_sides_are_named():
    ax = new_axes()
    imshow_origin_lower(ax)  # the first row at the bottom: top to bottom is the reverse
    picture = read(ax)
    assert texts(picture["y_labels"]) == TOKENS[::-1]
    assert texts(picture["x_labels"]) == TOKENS
    ax = new_axes()
    matshow_top_labels(ax)
    assert {side for label in read(ax)["x_labels"] for side in label["sides"]} == {"top"}
    ax = new_axes()
    imshow_default(ax)
    ax.tick_params(labeltop=True)  # the same label on both sides reads once
    labels = read(ax)["x_labels"]
    assert len(labels) == N and labels[0]["sides"] == ["bottom", "top"]


def test_geometry_of_the_heatmap_is_reported():
    ax = new_axes()
    pcolormesh_reversed_with_labels(ax)
    heatmap = read(ax)["heatmaps"][0]
    assert heatmap["kind"] == "QuadMesh" and heatmap["grid"] == "cells"
    assert heatmap["along_x"] == "columns" and heatmap["y_order"] == "bottom_to_top"
    assert heatmap["x_centres"] == [0.5, 1.5, 2.5, 3.5] and heatmap["in_view"] == [N, N]
    assert heatmap["array"] == MATRIX[::-1].tolist()
    ax = new_axes()
    pcolor_polyquadmesh(ax)
    heatmap = read(ax)["heatmaps"][0]
    assert heatmap["kind"] == "PolyQuadMesh" and heatmap["y_order"] == "top_to_bottom"


def test_a_mesh_laid_out_transposed_is_read_as_drawn():
    ax = new_axes()
    # X varies down the rows: matrix rows run along x, a transposed picture
    edges = np.arange(N + 1.0)
    xs, ys = np.meshgrid(edges, edges, indexing="ij")
    ax.pcolormesh(xs, ys, MATRIX)
    ax.set_xticks(edges[:-1] + 0.5, labels=TOKENS)
    ax.set_yticks(edges[:-1] + 0.5, labels=TOKENS)
    picture = read(ax)
    assert picture["heatmaps"][0]["along_x"] == "rows"
    assert np.allclose(shown_matrix(picture), MATRIX.T)
    assert_pixels_match(ax, picture)


def test_gouraud_mesh_reads_values_at_the_vertices():
    ax = new_axes()
    ax.pcolormesh(np.arange(N), np.arange(N), MATRIX, shading="gouraud")
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    assert picture["heatmaps"][0]["grid"] == "vertices"
    assert np.allclose(shown_matrix(picture), MATRIX)


# --------------------------------------------------------------------------
# Only what is visible counts
# --------------------------------------------------------------------------
@pytest.mark.parametrize("hide, reason", [
    (lambda image: image.set_visible(False), "visible=False"),
    (lambda image: image.set_alpha(0), "alpha=0"),
])
def test_a_hidden_image_under_labels_shows_nothing(hide, reason):
    ax = new_axes()
    correct = ax.imshow(MATRIX)
    ax.imshow(MATRIX.T, zorder=-1)  # the visible one, drawn first
    hide(correct)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    hidden = [h for h in picture["heatmaps"] if h["hidden"]]
    assert [h["hidden"] for h in hidden] == [reason]
    assert picture["heatmaps"][picture["main"]]["array"] == MATRIX.T.tolist()
    assert np.allclose(shown_matrix(picture), MATRIX.T)


def test_an_animated_image_is_drawn_as_jupyter_shows_it():
    # a normal canvas draw skips animated artists, but saving (and so Jupyter's inline
    # figures, the grader's PNGs) draws them: what is on top is what a person sees
    ax = new_axes()
    ax.imshow(MATRIX.T)
    ax.imshow(MATRIX).set_animated(True)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    assert [h["hidden"] for h in picture["heatmaps"]] == ["covered by another heatmap", None]
    assert np.allclose(shown_matrix(picture), MATRIX)


@pytest.mark.parametrize("on_top", ["transposed", "correct"])
def test_overlapping_images_show_the_one_on_top(on_top):
    ax = new_axes()
    first, second = (MATRIX, MATRIX.T) if on_top == "transposed" else (MATRIX.T, MATRIX)
    ax.imshow(first)
    ax.imshow(second)  # same zorder, added later: drawn on top
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    assert [h["hidden"] for h in picture["heatmaps"]] == ["covered by another heatmap", None]
    assert picture["main"] == 1
    assert np.allclose(shown_matrix(picture), second)
    assert_pixels_match(ax, picture)


def test_a_higher_zorder_is_on_top_even_when_added_first():
    ax = new_axes()
    ax.imshow(MATRIX, zorder=3)
    ax.imshow(MATRIX.T)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    main = picture["heatmaps"][picture["main"]]
    assert main["zorder"] == 3 and main["array"] == MATRIX.tolist()
    assert np.allclose(shown_matrix(picture), MATRIX)


def test_an_image_partly_covered_stays_visible_and_masked_cells_show_what_is_below():
    ax = new_axes()
    ax.imshow(MATRIX)
    top = MATRIX.T.copy()
    top[0, :] = np.nan  # a transparent first row (the colormap's "bad" colour is transparent)
    ax.imshow(top)
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    assert [h["hidden"] for h in picture["heatmaps"]] == [None, None]
    seen = shown_matrix(picture)
    assert np.allclose(seen[0], MATRIX[0]) and np.allclose(seen[1:], MATRIX.T[1:])
    assert_pixels_match(ax, picture)


def test_a_heatmap_outside_the_view_is_hidden():
    ax = new_axes()
    ax.imshow(MATRIX)
    ax.set_xlim(100, 110)
    picture = read(ax)
    assert picture["heatmaps"][0]["hidden"] == "outside the view" and picture["main"] is None


def test_a_cropped_view_counts_only_the_cells_in_it():
    ax = new_axes()
    ax.imshow(MATRIX)
    ax.set_ylim(N - 1.5, -0.5)  # the last row is cut off
    assert read(ax)["heatmaps"][0]["in_view"] == [N - 1, N]


def test_an_rgb_image_holds_colours_not_values():
    ax = new_axes()
    ax.imshow(matplotlib.colormaps["viridis"](MATRIX))
    ax.set_xticks(range(N), labels=TOKENS)
    ax.set_yticks(range(N), labels=TOKENS)
    picture = read(ax)
    heatmap = picture["heatmaps"][0]
    assert heatmap["colours"] and heatmap["shape"] == [N, N, 4] and heatmap["array"] == []
    assert picture["cells"]["values"] == [[None] * N] * N
    assert picture["cells"]["heatmap"] == [[0] * N] * N


def test_tick_labels_count_only_when_a_person_can_see_them():
    ax = new_axes()
    imshow_default(ax)
    labels = ax.get_xticklabels()
    labels[0].set_visible(False)
    labels[1].set_alpha(0)
    ax.set_title("Attention Heatmap", color="none")  # an invisible ink
    ax.set_yticks(list(range(N)) + [N + 3], labels=TOKENS + ["far away"])
    ax.set_ylim(N - 0.5, -0.5)  # set_yticks widened the view; the last label is outside again
    picture = read(ax)
    assert texts(picture["x_labels"]) == TOKENS[2:]
    assert texts(picture["y_labels"]) == TOKENS
    assert picture["titles"]["center"]["visible"] is False
    ax = new_axes()
    imshow_default(ax)
    ax.set_xticks(range(N), labels=["", " ", "at", "keys."])  # blank labels are not labels
    assert texts(read(ax)["x_labels"]) == ["at", "keys."]
    ax = new_axes()
    imshow_default(ax)
    ax.axis("off")
    picture = read(ax)
    assert picture["x_labels"] == [] and picture["y_labels"] == []


def test_default_tick_labels_are_read_as_the_formatter_wrote_them():
    ax = new_axes()
    ax.imshow(MATRIX)
    ax.set_xlim(-1.5, 2.5)
    assert texts(read(ax)["x_labels"]) == ["\N{MINUS SIGN}1", "0", "1", "2"]


# --------------------------------------------------------------------------
# Titles, texts, colorbars
# --------------------------------------------------------------------------
def test_titles_suptitle_and_free_texts():
    ax = new_axes()
    ax.set_title("Left one", loc="left")
    ax.set_title("Right one", loc="right")
    ax.title.set_visible(False)
    ax.set_title("Centre")  # set_title keeps the Text, so it stays invisible
    ax.figure.suptitle("On the figure")
    ax.text(0.5, 0.5, "Written inside")
    ax.text(0.1, 0.1, "0.25")  # a number: not a candidate title
    picture = read(ax)
    assert picture["titles"] == {"center": {"text": "Centre", "visible": False, "shown": False},
                                 "left": {"text": "Left one", "visible": True, "shown": True},
                                 "right": {"text": "Right one", "visible": True, "shown": True}}
    assert picture["suptitle"] == {"text": "On the figure", "visible": True, "shown": True, "alone": True}
    assert picture["texts"] == [{"text": "Written inside", "where": "axes"}]


def test_colorbars_are_read_from_the_heatmap_they_belong_to():
    ax = new_axes()
    image = ax.imshow(MATRIX)
    bar = ax.figure.colorbar(image, ax=ax, orientation="horizontal")
    bar.set_label("Attention Weight")
    heatmap = read(ax)["heatmaps"][0]
    colorbar = heatmap["colorbar"]
    assert colorbar.pop("scale") == heatmap["scale"] and heatmap["scale"]["vmin"] == MATRIX.min()
    assert colorbar == {
        "orientation": "horizontal", "visible": True, "shown": True, "long_label": "Attention Weight",
        "other_label": "", "title": "", "label": "Attention Weight", "unseen_label": ""}
    ax = new_axes()
    image = ax.imshow(MATRIX)
    ax.figure.colorbar(image, ax=ax).ax.set_xlabel("Attention Weight")  # the short axis
    colorbar = read(ax)["heatmaps"][0]["colorbar"]
    assert colorbar["long_label"] == "" and colorbar["label"] == "Attention Weight"
    ax = new_axes()
    image = ax.imshow(MATRIX)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight").ax.set_visible(False)
    assert read(ax)["heatmaps"][0]["colorbar"]["visible"] is False


def test_a_colorbar_of_another_artist_is_listed_apart():
    ax = new_axes()
    ax.imshow(MATRIX)
    other = ax.figure.add_axes((0.6, 0.1, 0.3, 0.3))
    line_image = other.imshow(MATRIX)
    ax.figure.colorbar(line_image, ax=other, label="Attention Weight")
    picture = read(ax)
    assert picture["heatmaps"][0]["colorbar"] is None
    assert picture["other_colorbars"][0].pop("scale") == picture["heatmaps"][0]["scale"]
    assert picture["other_colorbars"] == [{"label": "Attention Weight", "unseen_label": "", "visible": True,
                                           "shown": True, "mappable": "AxesImage", "same_axes": False}]


def test_make_axes_locatable_colorbar():
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    ax = new_axes()
    image = ax.imshow(MATRIX)
    cax = make_axes_locatable(ax).append_axes("right", size="5%", pad=0.1)
    ax.figure.colorbar(image, cax=cax).ax.set_ylabel("Attention Weight")
    assert read(ax)["heatmaps"][0]["colorbar"]["label"] == "Attention Weight"


# --------------------------------------------------------------------------
# Pickled figures, odd figures, bounds
# --------------------------------------------------------------------------
def test_a_figure_read_after_pickling_gives_the_same_dict():
    import seaborn as sns
    ax = new_axes()
    sns.heatmap(MATRIX, xticklabels=TOKENS, yticklabels=TOKENS, ax=ax, annot=True,
                cbar_kws={"label": "Attention Weight"})
    ax.set_title("Attention Heatmap")
    ax.figure.suptitle("Layer 1")
    before = read(ax)
    copy = pickle.loads(pickle.dumps(ax.figure))
    # the unpickled figure has a bare canvas and no manager: read_picture draws it itself
    assert copy.canvas.manager is None
    assert read(copy.axes[0]) == before


def test_odd_figures_give_a_dict_never_a_traceback():
    from matplotlib.collections import QuadMesh
    oddities = []
    ax = new_axes()
    oddities.append(ax)  # empty
    ax = new_axes(projection="polar")
    ax.pcolormesh(np.linspace(0, 6, N + 1), np.arange(N + 1), MATRIX)
    oddities.append(ax)
    ax = new_axes(projection="3d")
    ax.plot([0, 1], [0, 1], [0, 1])
    oddities.append(ax)
    ax = new_axes()
    ax.imshow(np.full((N, N), np.nan))
    oddities.append(ax)
    ax = new_axes()
    ax.imshow(np.arange(N * N).reshape(N, N) > 5)  # booleans
    oddities.append(ax)
    ax = new_axes()
    mesh = ax.pcolormesh(MATRIX)
    mesh.set_array(MATRIX.ravel())  # a flattened mesh array
    oddities.append(ax)
    ax = new_axes()
    ax.add_collection(QuadMesh(np.zeros((2, 2, 2))))  # a degenerate mesh, no array
    oddities.append(ax)
    ax = new_axes()
    ax.imshow(MATRIX, transform=ax.transAxes)  # an image placed in axes coordinates
    oddities.append(ax)
    ax = new_axes()
    ax.set_xscale("log")
    ax.pcolormesh(np.geomspace(1, 100, N + 1), np.arange(N + 1), MATRIX)
    oddities.append(ax)
    ax = new_axes()
    ax.imshow(MATRIX)
    ax.remove()  # an Axes no longer in its figure
    oddities.append(ax)
    figure = Figure()
    ax = figure.subfigures(1, 2)[1].add_subplot()  # an Axes in a subfigure
    imshow_default(ax)
    ax.get_figure().suptitle("Sub")
    oddities.append(ax)
    ax = new_axes()
    ax.pcolorfast([0, 1, 3, 4, 7], [0, 1, 2, 3, 4], MATRIX)  # uneven cells: a PcolorImage
    oddities.append(ax)
    for ax in oddities:
        picture = read(ax)
        assert set(picture) >= {"heatmaps", "x_labels", "cells", "titles", "errors"}
    assert read(oddities[0])["heatmaps"] == [] and read(oddities[0])["main"] is None
    assert read(oddities[3])["heatmaps"][0]["hidden"] == "all cells masked"
    assert read(oddities[5])["heatmaps"][0]["shape"] == [N * N]
    assert read(oddities[5])["heatmaps"][0]["grid"] == "cells"
    assert read(oddities[8])["heatmaps"][0]["grid"] == "cells"
    assert read(oddities[9])["axes"]["in_figure"] is False
    in_subfigure = read(oddities[10])
    assert in_subfigure["drawn"] and in_subfigure["suptitle"]["text"] == "Sub"
    assert np.allclose(shown_matrix(in_subfigure), MATRIX)
    assert read(oddities[11])["heatmaps"][0]["grid"] == "irregular"
    assert read("not an Axes")["errors"] == ["not a matplotlib Axes but a str"]


def test_a_figure_that_cannot_be_drawn_is_reported():
    ax = new_axes()
    imshow_default(ax)
    ax.set_title(r"$\frac{$")  # bad mathtext: drawing raises
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        picture = read(ax)
    assert picture["drawn"] is False
    assert picture["errors"] and picture["errors"][0].startswith("reading the draw failed")


def test_big_pictures_are_cut_to_bounded_size():
    size = max(PICTURE_MAX_CELLS, PICTURE_MAX_LABELS) + 5
    ax = new_axes()
    ax.imshow(np.random.default_rng(0).random((size, size)))
    ax.set_xticks(range(size), labels=[f"t{i}" for i in range(size)])
    ax.set_yticks(range(size), labels=[f"t{i}" for i in range(size)])
    picture = read(ax)
    heatmap = picture["heatmaps"][0]
    assert heatmap["array_truncated"] and len(heatmap["array"]) == PICTURE_MAX_CELLS
    assert len(picture["x_labels"]) == PICTURE_MAX_LABELS and picture["truncated"]
    assert len(picture["cells"]["values"]) == PICTURE_MAX_LABELS
    ax = new_axes()
    ax.set_title("x" * 500)
    assert len(read(ax)["titles"]["center"]["text"]) <= 200


# --------------------------------------------------------------------------
# The module itself
# --------------------------------------------------------------------------
def test_importing_the_checker_has_no_side_effects():
    # rcParams.copy() and dict equality read the stored values without resolving the
    # backend (reading rcParams["backend"] would import pyplot itself)
    script = ("import sys, matplotlib; before = matplotlib.rcParams.copy();"
              "import autograde.checker.picture, autograde.checker.judge;"
              "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported';"
              "assert dict.__eq__(matplotlib.rcParams, before), 'rcParams changed';"
              "print('clean')")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.strip() == "clean", result.stderr


def test_checker_modules_can_be_joined_into_one_file():
    """Joined for students by dropping `from .x import` statements: no name may clash, and every
    module-internal import is one the build removes."""
    from autograde.generate.checker import build_checker

    assert "from ." not in build_checker()
    defined = {}
    for path in sorted((REPO / "autograde" / "checker").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level:
                line = ast.get_source_segment(path.read_text(), node)
                assert node.level == 1, f"{path.name}: {line}"
                continue
            names = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for name in names:
                assert name not in defined, f"{name} is defined in {defined.get(name)} and {path.name}"
                defined[name] = path.name
    assert {"read_picture", "judge_picture"} <= set(defined)
