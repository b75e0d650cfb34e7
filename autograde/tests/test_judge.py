"""The judge: verdicts and messages from a read picture, as a fair person would give them.

Every sample answer of the corpus (and the real-world styles wrapped as the
challenge function) is run in-process on Agg, read and judged for two calls:
the challenge's own tokens and matrix without an ``ax``, and other tokens with
a far-from-symmetric 4x4 matrix and an ``ax`` that is not pyplot's current
Axes. The failing criteria must be exactly the expected ones. Focused tests
then pin the blaming rule and the wording of each message.
"""
import json
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

REPO = Path(__file__).resolve().parents[2]
from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.spec import (CRITERIA, OTHER_ATTENTION, OTHER_SENTENCE, PICTURE_CRITERIA,
                                     PUBLIC_ATTENTION, PUBLIC_SENTENCE)  # noqa: E402
from autograde.corpus import answer_function, cases  # noqa: E402

PUBLIC_TOKENS = PUBLIC_SENTENCE.split()
# The self-check's second sentence: far from symmetric, and no row, column or flip of
# its matrix equals another.
TOKENS = OTHER_SENTENCE.split()
MATRIX = OTHER_ATTENTION
N = len(TOKENS)

# --------------------------------------------------------------------------
# The corpus: every answer, both calls
# --------------------------------------------------------------------------
#: Real-world styles (sources cited in each answer file), with the picture criteria each
#: fails; they are judged here whether or not autograde/corpus lists them yet.
REAL_WORLD = {
    "gallery_annotated_heatmap": set(),
    "pytorch_show_attention": set(),
    "tf_nmt_plot_attention": {"colorbar"},
    "tf_transformer_head": {"y_ticks"},
    "d2l_show_heatmaps": {"x_ticks", "y_ticks"},
    "annotated_transformer_draw": {"colorbar"},
    "seaborn_spreadsheet": set(),
    "seaborn_cbar_ax_horizontal": set(),
    "seaborn_causal_mask": {"matrix"},
    "captum_token2token": set(),
    "pcolor_table_layout": set(),
    "pcolormesh_ticks_top": set(),
}
#: Failing criteria that differ between the two calls: (public call, other call).
BY_CALL = {"hardcoded_tokens": (set(), {"x_ticks", "y_ticks"})}


def corpus_expectations():
    expected = {}
    for case in cases():
        failing = {criterion for criterion in CRITERIA if case.failing_shapes(criterion)}
        # (not a crash in disguise, nor a case of the policy: test_policy.py judges those)
        if case.kind in ("valid", "defect") and failing != set(CRITERIA) and not case.by_policy:
            lost = tuple({criterion for criterion in PICTURE_CRITERIA if shape in case.failing_shapes(criterion)}
                         for shape in ("no_ax", "with_ax"))  # the two calls below, in order
            expected[case.name] = BY_CALL.get(case.name, lost)
    for name, lost in REAL_WORLD.items():
        # once wired into the corpus, the corpus' points must say the same
        assert expected.setdefault(name, (lost, lost)) == (lost, lost), name
    return expected


EXPECTED = corpus_expectations()


def run_call(function, tokens, attention, with_ax):
    """Call like grading does; return the Axes that holds the picture."""
    plt.close("all")
    given = None
    if with_ax:
        _, given = plt.subplots()
        plt.figure()  # the given ax is not pyplot's current Axes
        returned = function(list(tokens), np.array(attention), ax=given)
    else:
        returned = function(list(tokens), [list(row) for row in attention])
    # as grading does: the returned Axes, else the given one, else wherever pyplot drew, the
    # first that holds a heatmap (`no_return`, `pyplot_gca_given_ax`: judge what was drawn)
    candidates = [axes for axes in (returned, given, plt.gca()) if axes is not None]
    return next((axes for axes in candidates if axes.images or axes.collections), candidates[0])


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_answer_fails_exactly_its_criteria(name):
    function = answer_function(name)
    calls = ((PUBLIC_TOKENS, PUBLIC_ATTENTION, False), (TOKENS, MATRIX, True))
    for (tokens, attention, with_ax), lost in zip(calls, EXPECTED[name]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ax = run_call(function, tokens, attention, with_ax)
            picture = read_picture(ax)
        verdicts = judge_picture(picture, tokens, attention, public_tokens=PUBLIC_TOKENS)
        assert set(verdicts) == set(PICTURE_CRITERIA)
        failed = {criterion for criterion, message in verdicts.items() if message}
        assert failed == lost, (with_ax, {c: verdicts[c] for c in failed ^ lost})
        for message in verdicts.values():
            assert message is None or ("call" not in message and len(message) < 600)
    plt.close("all")


# --------------------------------------------------------------------------
# Focused cases, drawn on Figure objects
# --------------------------------------------------------------------------
def draw(plot, tokens=TOKENS, matrix=MATRIX, finish=True):
    """Draw with ``plot(ax, tokens, array)`` (which returns the heatmap artist, or None) and,
    when ``finish``, add the colorbar and title; return (ax, picture)."""
    figure = Figure(figsize=(5, 4), dpi=60)  # wide enough for the labels: one draw less
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    artist = plot(ax, list(tokens), np.array(matrix, dtype=float))
    if finish and artist is not None:
        figure.colorbar(artist, ax=ax, label="Attention Weight")
        ax.set_title("Attention Heatmap")
    return ax, read_picture(ax)


def judged(plot, tokens=TOKENS, matrix=MATRIX, finish=True):
    _, picture = draw(plot, tokens, matrix, finish)
    return judge_picture(picture, tokens, matrix, public_tokens=PUBLIC_TOKENS)


def failures(verdicts):
    return {criterion: message for criterion, message in verdicts.items() if message}


def labelled(ax, image, tokens, x_labels=None, y_labels=None, offset=0.0):
    n = len(tokens)
    ax.set_xticks(np.arange(n) + offset, labels=tokens if x_labels is None else x_labels)
    ax.set_yticks(np.arange(n) + offset, labels=tokens if y_labels is None else y_labels)
    return image


def imshow_of(transform=lambda a: a, **labels):
    def plot(ax, tokens, attention):
        return labelled(ax, ax.imshow(transform(attention)), tokens, **labels)
    return plot


def test_a_correct_picture_passes_everything():
    assert failures(judged(imshow_of())) == {}


@pytest.mark.parametrize("transform, words", [
    (lambda a: a.T, "transposed"),
    (lambda a: a[::-1], 'opposite order to their labels: the row labelled "Queries" shows the weights of "keys."'),
    (lambda a: a[:, ::-1], "columns run in the opposite order to their labels"),
    (lambda a: a[::-1, ::-1], "rows and the columns run in the opposite order"),
    (lambda a: np.rot90(a), "rotated or transposed"),
    (lambda a: 100 * a, "multiplied by 100"),
    (lambda a: a / a.max(), "normalised (divided by their largest value)"),
    (lambda a: a / a.sum(), "divided by their sum"),
    (lambda a: a / a.max(axis=1, keepdims=True), "rescaled row by row"),
    (lambda a: (a - a.min()) / (a.max() - a.min()), "rescaled and offset"),
    (lambda a: a + 0.1, "offset by +0.1"),
    (lambda a: np.roll(a, 1, axis=1), "columns are shifted by one relative to their labels"),
    (lambda a: np.roll(a, -1, axis=0), "rows are shifted by one relative to their labels"),
    (lambda a: np.random.default_rng(1).random(a.shape), "different values"),
])
def test_a_wrong_matrix_fails_only_the_matrix_and_says_how(transform, words):
    verdicts = failures(judged(imshow_of(transform)))
    assert set(verdicts) == {"matrix"}
    assert words in verdicts["matrix"]


def test_differences_are_named_with_the_tokens():
    message = failures(judged(imshow_of(lambda a: a + np.eye(N) * 0.5)))["matrix"]
    assert 'e.g. the cell of query "Queries", key "Queries" shows 1.2, but its weight is 0.7' in message


def test_without_labels_the_picture_is_compared_as_laid_out():
    def unlabelled(transform):
        return lambda ax, tokens, attention: ax.imshow(transform(attention))
    verdicts = failures(judged(unlabelled(lambda a: a.T)))
    assert "transposed" in verdicts["matrix"] and set(verdicts) == {"matrix", "x_ticks", "y_ticks"}
    assert "are numbers" in verdicts["x_ticks"]  # imshow's default ticks
    verdicts = failures(judged(unlabelled(lambda a: a[::-1])))
    assert "the heatmap's rows are in reverse order" in verdicts["matrix"]
    # the data as given, labels missing: only the labels are wrong
    assert set(failures(judged(unlabelled(lambda a: a)))) == {"x_ticks", "y_ticks"}


def test_reversed_data_with_reversed_labels_is_a_correct_picture():
    def reversed_pcolormesh(ax, tokens, attention):
        mesh = ax.pcolormesh(attention[::-1])
        ax.set_xticks(np.arange(N) + 0.5, labels=tokens)
        ax.set_yticks(np.arange(N) + 0.5, labels=tokens[::-1])
        return mesh
    assert failures(judged(reversed_pcolormesh)) == {}
    # the same picture without y labels: the data reads top-down as given, only y fails
    def reversed_no_y_labels(ax, tokens, attention):
        mesh = ax.pcolormesh(attention[::-1])
        ax.set_xticks(np.arange(N) + 0.5, labels=tokens)
        ax.set_yticks([])
        return mesh
    verdicts = failures(judged(reversed_no_y_labels))
    assert set(verdicts) == {"y_ticks"} and "no tick labels" in verdicts["y_ticks"]


def test_repeated_tokens_are_read_by_their_order():
    tokens = "the cat saw the".split()
    assert failures(judged(imshow_of(), tokens=tokens)) == {}
    verdicts = failures(judged(imshow_of(lambda a: a.T), tokens=tokens))
    assert set(verdicts) == {"matrix"} and "transposed" in verdicts["matrix"]
    reverse = imshow_of(lambda a: a[::-1, ::-1], x_labels=tokens[::-1], y_labels=tokens[::-1])
    assert failures(judged(reverse, tokens=tokens)) == {}


def test_labels_reversed_against_unchanged_data_blame_the_labels():
    verdicts = failures(judged(imshow_of(y_labels=TOKENS[::-1])))
    assert set(verdicts) == {"y_ticks"}
    assert "the y tick labels run in the opposite order to the rows" in verdicts["y_ticks"]
    verdicts = failures(judged(imshow_of(x_labels=TOKENS[::-1])))
    assert set(verdicts) == {"x_ticks"} and "opposite order to the columns" in verdicts["x_ticks"]


def test_origin_lower_and_inverted_axes_pass_when_the_labels_follow():
    def origin_lower(ax, tokens, attention):
        return labelled(ax, ax.imshow(attention, origin="lower"), tokens)

    def inverted(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        ax.invert_yaxis()
        ax.invert_xaxis()
        return image

    def extent(ax, tokens, attention):
        return labelled(ax, ax.imshow(attention, extent=(0, N, N, 0)), tokens, offset=0.5)

    for plot in (origin_lower, inverted, extent):
        assert failures(judged(plot)) == {}, plot.__name__


def test_labels_permuted_with_the_data_show_the_matrix_but_not_in_order():
    order = [2, 0, 3, 1]
    permuted = [TOKENS[k] for k in order]
    verdicts = failures(judged(imshow_of(lambda a: a[np.ix_(order, order)], x_labels=permuted,
                                         y_labels=permuted)))
    assert set(verdicts) == {"x_ticks", "y_ticks"}
    assert "the tokens in the wrong order" in verdicts["x_ticks"]


@pytest.mark.parametrize("labels, words", [
    ([t.lower() for t in TOKENS], "capitalisation (case matters)"),
    (["0", "1", "2", "3"], "are numbers (0, 1, 2, 3), not the tokens"),
    (PUBLIC_TOKENS[:N], "the challenge's tokens, not the ones passed in: did you hard-code them?"),
    (TOKENS[1:] + [""], "shifted by one column"),
    (["", *TOKENS[:-1]], "shifted by one column"),
    ([TOKENS[1], TOKENS[0], TOKENS[2], TOKENS[3]], "the tokens in the wrong order"),
    (TOKENS[:2] + ["", ""], "only 2 of the 4 columns have a tick label"),
    (["a", "b", "c", "d"], "should be the tokens"),
])
def test_x_label_mistakes_are_named(labels, words):
    verdicts = failures(judged(imshow_of(x_labels=labels)))
    assert set(verdicts) == {"x_ticks"}
    assert words in verdicts["x_ticks"]


def test_labels_off_the_cell_centres_ask_for_positions():
    verdicts = failures(judged(imshow_of(x_labels=TOKENS, y_labels=TOKENS, offset=0.5)))
    assert set(verdicts) == {"x_ticks", "y_ticks"}
    assert 'the x tick label "Queries" is at x=0.5, which is not the centre of a column' in verdicts["x_ticks"]
    assert "set the tick positions as well as the labels" in verdicts["x_ticks"]


def test_hard_coded_labels_off_centre_are_still_called_hard_coded():
    def hard_coded(ax, tokens, attention):
        image = ax.imshow(attention)
        ax.set_xticks(np.arange(5) - 0.5, labels=PUBLIC_TOKENS)
        ax.set_yticks(range(N), labels=tokens)
        return image
    verdicts = failures(judged(hard_coded))
    assert set(verdicts) == {"x_ticks"} and "hard-code" in verdicts["x_ticks"]


def test_two_labels_on_one_cell():
    def doubled(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        # (a minor tick exactly on a major one is not drawn at all)
        ax.set_xticks([0.05], labels=["extra"], minor=True)
        return image
    verdicts = failures(judged(doubled))
    assert set(verdicts) == {"x_ticks"}
    assert 'column 1 has two x tick labels, "Queries" and "extra"' in verdicts["x_ticks"]


def test_labels_on_the_top_and_minor_labels_count():
    def top_minor(ax, tokens, attention):
        image = ax.matshow(attention)
        ax.set_xticks([])
        ax.set_xticks(range(N), labels=tokens, minor=True)
        ax.xaxis.set_tick_params(which="minor", labeltop=True, labelbottom=False)
        ax.set_yticks(range(N), labels=tokens)
        return image
    assert failures(judged(top_minor)) == {}


def test_shape_mismatch_fails_the_matrix_only():
    def padded(ax, tokens, attention):
        image = ax.imshow(np.vstack([attention, np.zeros((1, N))]))
        ax.set_xticks(range(N), labels=tokens)
        ax.set_yticks(range(N), labels=tokens)
        return image
    verdicts = failures(judged(padded))
    assert set(verdicts) == {"matrix"}
    assert "the heatmap shows 5 rows and 4 columns, but there are 4 tokens" in verdicts["matrix"]


def test_masked_cells_and_colour_images_fail_the_matrix():
    def causal(ax, tokens, attention):
        return labelled(ax, ax.imshow(np.ma.masked_array(attention, np.triu(np.ones((N, N)), 1))),
                        tokens)
    verdicts = failures(judged(causal))
    assert set(verdicts) == {"matrix"} and "6 of the 16 cells show no value" in verdicts["matrix"]

    def colours(ax, tokens, attention):
        labelled(ax, ax.imshow(matplotlib.colormaps["viridis"](attention)), tokens)
        ax.figure.colorbar(ax.imshow(attention, visible=False), ax=ax, label="Attention Weight")
        ax.set_title("Attention Heatmap")
        return None
    verdicts = failures(judged(colours))
    assert "colours (RGB), not of the attention values" in verdicts["matrix"]
    assert "belongs to another plot" in verdicts["colorbar"]
    assert set(verdicts) == {"matrix", "colorbar"}


def test_a_hidden_correct_image_under_a_visible_transposed_one_fails():
    def hidden_correct(ax, tokens, attention):
        correct = labelled(ax, ax.imshow(attention), tokens)
        correct.set_visible(False)
        return ax.imshow(attention.T, zorder=-1)
    verdicts = failures(judged(hidden_correct))
    assert set(verdicts) == {"matrix"} and "transposed" in verdicts["matrix"]

    def correct_on_top(ax, tokens, attention):
        ax.imshow(attention.T)
        return labelled(ax, ax.imshow(attention), tokens)
    assert failures(judged(correct_on_top)) == {}


@pytest.mark.parametrize("hide, words", [
    (lambda image: image.set_visible(False), "set invisible"),
    (lambda image: image.set_alpha(0), "fully transparent"),
])
def test_no_visible_heatmap_lists_the_ways_to_draw_one(hide, words):
    def hidden(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        hide(image)
        return image
    verdicts = failures(judged(hidden))
    assert set(verdicts) == {"matrix"}
    assert words in verdicts["matrix"]
    assert "ax.imshow, ax.matshow, ax.pcolor, ax.pcolormesh or seaborn.heatmap" in verdicts["matrix"]

    def contours(ax, tokens, attention):
        return labelled(ax, ax.contourf(attention), tokens)
    verdicts = failures(judged(contours))
    assert set(verdicts) == {"matrix"} and "no heatmap can be seen" in verdicts["matrix"]

    def nothing(ax, tokens, attention):
        ax.plot([0, 1])
        return None
    verdicts = failures(judged(nothing))
    assert verdicts["matrix"].startswith("no heatmap can be seen on the Axes")
    assert set(verdicts) == set(PICTURE_CRITERIA)


def test_pcolor_and_seaborn_styles():
    def pcolor(ax, tokens, attention):
        mesh = ax.pcolor(attention, edgecolors="k")
        ax.set_xticks(np.arange(N) + 0.5, labels=tokens)
        ax.set_yticks(np.arange(N) + 0.5, labels=tokens)
        ax.invert_yaxis()
        return mesh
    assert failures(judged(pcolor)) == {}
    import seaborn as sns

    def seaborn_plain(ax, tokens, attention):
        sns.heatmap(attention, xticklabels=tokens, yticklabels=tokens, ax=ax,
                    cbar_kws={"label": "Attention Weight"})
        ax.set_title("Attention Heatmap")
    assert failures(judged(seaborn_plain, finish=False)) == {}

    def seaborn_x_only(ax, tokens, attention):
        sns.heatmap(attention, xticklabels=tokens, yticklabels=False, ax=ax, annot=True)
        ax.set_title("Attention Heatmap")
        ax.collections[0].colorbar.set_label("Attention Weight")
    verdicts = failures(judged(seaborn_x_only, finish=False))
    assert set(verdicts) == {"y_ticks"} and "no tick labels" in verdicts["y_ticks"]


@pytest.mark.parametrize("finish, words", [
    (lambda ax, image: ax.figure.colorbar(image, ax=ax), "the colorbar label is missing"),
    (lambda ax, image: ax.figure.colorbar(image, ax=ax, label="attention weight"), "case matters"),
    (lambda ax, image: ax.figure.colorbar(image, ax=ax, label="Weights"), 'is "Weights"'),
    (lambda ax, image: None, "no colorbar for the heatmap"),
    (lambda ax, image: ax.figure.colorbar(ax.figure.add_axes((0, 0, .1, .1)).imshow([[0, 1]]), ax=ax,
                                          label="Attention Weight"), "belongs to another plot"),
    (lambda ax, image: ax.figure.colorbar(image, ax=ax, label="Attention Weight").ax.set_visible(False),
     "the colorbar is hidden"),
])
def test_colorbar_mistakes(finish, words):
    def plot(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        finish(ax, image)
        ax.set_title("Attention Heatmap")
    verdicts = failures(judged(plot, finish=False))
    assert set(verdicts) == {"colorbar"} and words in verdicts["colorbar"]


@pytest.mark.parametrize("label", [
    lambda ax, image: ax.figure.colorbar(image, ax=ax, orientation="horizontal").set_label("Attention Weight"),
    lambda ax, image: ax.figure.colorbar(image, ax=ax).ax.set_xlabel("Attention Weight"),
    lambda ax, image: ax.figure.colorbar(image, ax=ax, label=" Attention Weight; "),
])
def test_colorbar_labels_accepted(label):
    def plot(ax, tokens, attention):
        label(ax, labelled(ax, ax.imshow(attention), tokens))
        ax.set_title("Attention Heatmap.")
    assert failures(judged(plot, finish=False)) == {}


@pytest.mark.parametrize("title, words", [
    (lambda ax: (ax.figure.add_axes((0.01, 0.01, 0.05, 0.05)), ax.figure.suptitle("Attention Heatmap")),
     "on the figure (suptitle), which holds other Axes"),
    (lambda ax: ax.text(0, -1, "Attention Heatmap"), "written as free text (ax.text)"),
    (lambda ax: ax.set_title("Attention Map"), 'the title is "Attention Map"'),
    (lambda ax: ax.set_title("Attention Heatmap", visible=False), "the title is missing"),
    (lambda ax: None, "the title is missing"),
])
def test_title_mistakes(title, words):
    def plot(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        ax.figure.colorbar(image, ax=ax, label="Attention Weight")
        title(ax)
    verdicts = failures(judged(plot, finish=False))
    assert set(verdicts) == {"title"} and words in verdicts["title"]


def test_a_left_title_counts():
    def plot(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        ax.figure.colorbar(image, ax=ax, label="Attention Weight")
        ax.set_title("Attention Heatmap", loc="left")
    assert failures(judged(plot, finish=False)) == {}


def test_a_hidden_axes_or_an_undrawable_figure_fails_everything():
    def hidden_axes(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        ax.set_visible(False)
        return image
    verdicts = judged(hidden_axes)
    assert all("the Axes is hidden" in verdicts[c] for c in PICTURE_CRITERIA)

    def undrawable(ax, tokens, attention):
        image = labelled(ax, ax.imshow(attention), tokens)
        ax.set_xlabel(r"$\frac{$")
        return image
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verdicts = judged(undrawable)
    assert all("the figure could not be drawn" in verdicts[c] for c in PICTURE_CRITERIA)
    not_axes = judge_picture(read_picture(None), TOKENS, MATRIX, public_tokens=PUBLIC_TOKENS)
    assert all("no matplotlib Axes could be read" in m for m in not_axes.values())


def test_the_judge_works_on_the_dict_alone_without_matplotlib():
    _, picture = draw(imshow_of(lambda a: a.T))
    stored = json.dumps(picture)
    script = (
        "import json, sys\n"
        "sys.modules['matplotlib'] = None  # importing matplotlib now fails\n"
        "from autograde.checker.judge import judge_picture\n"
        f"picture = json.loads({stored!r})\n"
        f"print(json.dumps(judge_picture(picture, {TOKENS!r}, {MATRIX!r}, public_tokens={PUBLIC_TOKENS!r})))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    in_process = judge_picture(json.loads(stored), TOKENS, MATRIX, public_tokens=PUBLIC_TOKENS)
    assert json.loads(result.stdout) == in_process
    assert "transposed" in in_process["matrix"]


@pytest.mark.parametrize("attention", [
    [[0.1, 0.2], [0.3]],  # ragged
    np.zeros((N, N, 2)).tolist(),  # 3-D
    np.zeros((N + 1, N)).tolist(),  # wrong size
    "not a matrix",
])
def test_a_bad_matrix_argument_is_a_clear_error(attention):
    _, picture = draw(imshow_of())
    with pytest.raises(ValueError, match="attention must be"):
        judge_picture(picture, TOKENS, attention, public_tokens=PUBLIC_TOKENS)
