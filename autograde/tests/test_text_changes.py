"""The render without the texts that count, taken from the render itself (no second draw).

Which texts a person can read is tested by hiding them (:func:`seen_texts.texts_shown`):
the render without them used to be drawn once more; it is now taken from what each text
changed in the render (:mod:`autograde.checker.text_changes`). These tests hold the two to
each other: on every honest style and corpus picture, either the pixels are the second
draw's, bit for bit, or no answer is given (and the figure is drawn again). The students'
ways to have a label read that nobody can see (a patch or a text drawn over it later, half
transparent or in the label's own colour; labels on an agg filter's layer the filter throws
away) must get no answer, so that the second draw decides as before: the red team's figures
go through the grader's unpickler first.
"""
import functools
import pickle
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.patches import Rectangle
from matplotlib.text import Text

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from autograde.checker import text_changes  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.seen import SeenRender  # noqa: E402
from autograde.checker.unpickle import _load, check_genuine  # noqa: E402
from autograde.checker.spec import PUBLIC_ATTENTION, PUBLIC_SENTENCE  # noqa: E402
from autograde.corpus import ANSWERS, answer_function, cases  # noqa: E402
from autograde.tests import plot_types  # noqa: E402

TOKENS = PUBLIC_SENTENCE.split()
#: Corpus pictures that are ordinary heatmaps: the second draw must be needed for none of them.
EVERYDAY = ("solution", "seaborn_heatmap", "pcolor_table_layout", "gallery_annotated_heatmap",
            "pytorch_show_attention", "faded_alpha", "smoothed_gaussian", "handmade_labels_and_scale")
#: Every honest or defective corpus answer (the attacks' pictures are read in test_attacks.py).
PICTURES = sorted({case.answer or case.name for case in cases() if case.kind in ("valid", "defect")
                   and (ANSWERS / f"{case.answer or case.name}.py").exists()})
#: Figures whose second draw differs from their first (constrained layout of subfigures).
LAID_OUT_AGAIN = {"subfigures_and_suptitle"}
STYLES = [name for name in vars(plot_types) if callable(getattr(plot_types, name)) and not name.startswith("_")]


def _figure(draw):
    """The figure ``draw`` drew on (the current one when it returned no Axes, or raised)."""
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ax = draw(TOKENS, PUBLIC_ATTENTION)
        except Exception:  # noqa: BLE001 - a defective answer: its picture so far
            ax = None
    return ax.get_figure(root=True) if isinstance(ax, Axes) else plt.gcf()


def _texts(figure):
    return [text for text in figure.findobj(Text) if text.get_visible() and text.get_text()]


def derived_and_redrawn(figure, texts):
    """The render without ``texts`` as taken from the render (None: no answer) and as drawn
    again; and whether drawing again, with nothing hidden, gives the render's pixels."""
    render = SeenRender(figure).render()
    try:
        derived = render.taken_without(texts)
        return derived, render.redrawn_without(texts), np.array_equal(render.redrawn_without([]), render.pixels)
    finally:
        render.release()


def _draw_function(name):
    return getattr(plot_types, name) if name in STYLES else answer_function(name)


@pytest.mark.parametrize("name", PICTURES + STYLES)
def test_the_render_without_the_texts_is_the_second_draw_bit_for_bit(name):
    figure = _figure(_draw_function(name))
    everything = _texts(figure)
    labels = [text for ax in figure.axes for text in ax.get_xticklabels() + ax.get_yticklabels() if text.get_text()]
    for texts in (everything, labels):  # hiding only the tick labels: the other texts stay drawn in both
        derived, redrawn, repeatable = derived_and_redrawn(figure, texts)
        if name in EVERYDAY:
            assert derived is not None, "an everyday heatmap needed the second draw"
        if not repeatable:  # a second draw lays this figure out anew: it is no reference
            assert name in LAID_OUT_AGAIN
        elif derived is not None:
            assert np.array_equal(derived, redrawn), f"{np.sum(np.any(derived != redrawn, axis=-1))} pixels differ"


def _plain_heatmap():
    figure, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(PUBLIC_ATTENTION)
    ax.set_xticks(range(len(TOKENS)), labels=TOKENS)
    ax.set_yticks(range(len(TOKENS)), labels=TOKENS)
    figure.tight_layout()
    return figure, ax


def _over_the_x_labels(figure, ax, **style):
    """A rectangle in figure coordinates over the x tick labels, drawn after the Axes."""
    figure.canvas.draw()
    boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
    x0, y0 = figure.transFigure.inverted().transform((min(b.x0 for b in boxes) - 4, min(b.y0 for b in boxes) - 4))
    x1, y1 = figure.transFigure.inverted().transform((max(b.x1 for b in boxes) + 4, max(b.y1 for b in boxes) + 4))
    figure.add_artist(Rectangle((x0, y0), x1 - x0, y1 - y0, transform=figure.transFigure, **style))


def _x_labels_read(ax):
    picture = read_picture(ax)
    return [label["text"] for label in picture["x_labels"]], picture["x_labels_unseen"]


@pytest.mark.parametrize("style", [{"color": "white"}, {"color": "black"}, {"color": "white", "alpha": 0.97}],
                         ids=["white", "black", "nearly opaque"])
def test_labels_covered_by_a_patch_drawn_later_get_no_answer_and_are_unseen(style):
    figure, ax = _plain_heatmap()
    _over_the_x_labels(figure, ax, **style)
    derived, _, _ = derived_and_redrawn(figure, ax.get_xticklabels())
    assert derived is None
    assert _x_labels_read(ax) == ([], TOKENS)


def test_a_label_covered_by_a_text_drawn_later_gets_no_answer():
    figure, ax = _plain_heatmap()
    figure.canvas.draw()
    label = ax.get_xticklabels()[2]
    box = figure.transFigure.inverted().transform(label.get_window_extent())
    figure.text(*box.mean(axis=0), "█████", ha="center", va="center", fontsize=20, color="white")
    derived, _, _ = derived_and_redrawn(figure, [label])
    assert derived is None
    assert TOKENS[2] not in _x_labels_read(ax)[0]


def test_a_white_label_on_white_is_answered_and_unseen():
    figure, ax = _plain_heatmap()
    ax.get_xticklabels()[1].set_color("white")
    derived, redrawn, _ = derived_and_redrawn(figure, ax.get_xticklabels())
    assert derived is not None and np.array_equal(derived, redrawn)
    assert _x_labels_read(ax)[1] == [TOKENS[1]]


@pytest.mark.parametrize("change", ["several lines", "path effects"])
def test_labels_drawn_without_draw_text_get_no_answer_and_are_read_as_before(change):
    figure, ax = _plain_heatmap()
    if change == "several lines":
        ax.set_xticks(range(len(TOKENS)), labels=[f"{token}\n" for token in TOKENS])
    else:
        for label in ax.get_xticklabels():
            label.set_path_effects([patheffects.withStroke(linewidth=2, foreground="white")])
    derived, _, _ = derived_and_redrawn(figure, ax.get_xticklabels())
    assert derived is None
    assert _x_labels_read(ax) == (TOKENS, [])


def test_noting_stops_past_its_budget_and_the_figure_is_drawn_again(monkeypatch):
    figure, ax = _plain_heatmap()
    assert _x_labels_read(ax) == (TOKENS, [])
    monkeypatch.setattr(text_changes, "TEXT_CHANGES_WORK", 1000)
    derived, _, _ = derived_and_redrawn(figure, ax.get_xticklabels())
    assert derived is None
    assert _x_labels_read(ax) == (TOKENS, [])


def _as_graded(figure, ax):
    """The drawing as the grading inspector receives it: pickled, checked by its unpickler."""
    data = pickle.dumps({"returned": ax, "given": ax, "current": ax, "figures": [figure]})
    check_genuine(_load(data))
    return data


def _identity_layer(image, dpi):
    return image, 0, 0


def _labels_through_an_agg_filter(label_colour, agg_filter):
    """The red team's figure: a black figure whose x axis (all its labels on one layer) is
    drawn through ``agg_filter``; x labels in ``label_colour``, drawn without antialiasing
    (opaque glyph pixels only)."""
    figure, ax = plt.subplots(figsize=(5, 4), facecolor="black")
    ax.imshow(PUBLIC_ATTENTION)
    ax.set_xticks(range(len(TOKENS)), labels=TOKENS, color=label_colour)
    ax.set_yticks(range(len(TOKENS)), labels=TOKENS, color="white")
    for label in ax.get_xticklabels():
        label.set_antialiased(False)
    ax.xaxis.set_agg_filter(agg_filter)
    return figure, ax


def test_labels_thrown_away_by_an_agg_filter_are_unseen_after_the_graders_unpickler():
    # Attack: the filter, made of names the unpickler admits, answers every layer with a
    # transparent pixel, so the x labels are never painted; the pixels the labels changed on
    # their own layer (all transparent before) must not count as the render's.
    throw_away = functools.partial(ErrorbarContainer, (np.zeros((1, 1, 4), np.uint8), 0, 0))
    figure, ax = _labels_through_an_agg_filter("black", throw_away)
    unpickled = _load(_as_graded(figure, ax))["returned"]
    derived, _, _ = derived_and_redrawn(unpickled.get_figure(root=True), unpickled.get_xticklabels())
    assert derived is None
    assert _x_labels_read(unpickled) == ([], TOKENS)


def test_labels_drawn_through_an_agg_filter_get_no_answer_and_are_read_as_before():
    figure, ax = _labels_through_an_agg_filter("white", _identity_layer)
    derived, _, _ = derived_and_redrawn(figure, ax.get_xticklabels())
    assert derived is None
    assert _x_labels_read(ax) == (TOKENS, [])


@pytest.mark.parametrize("cover", ["bar", "text"])
def test_labels_covered_in_their_own_colour_get_no_answer_and_are_read_as_drawn_again(cover, monkeypatch):
    # Attack: the labels' glyph pixels are exactly black (no antialiasing), and what is drawn
    # over them later is black too, so it changes none of the pixels the labels changed, only
    # the background around them: a black bar, or a text of full blocks over one label.
    figure, ax = _plain_heatmap()
    labels = ax.get_xticklabels()
    for label in labels:
        label.set_antialiased(False)
    if cover == "bar":
        _over_the_x_labels(figure, ax, color="black", antialiased=False)
    else:
        figure.canvas.draw()
        box = figure.transFigure.inverted().transform(labels[2].get_window_extent())
        figure.text(*box.mean(axis=0), "█████", ha="center", va="center", fontsize=20, color="black",
                    antialiased=False)
    data = _as_graded(figure, ax)
    unpickled = _load(data)["returned"]
    derived, _, _ = derived_and_redrawn(unpickled.get_figure(root=True), unpickled.get_xticklabels())
    assert derived is None
    with monkeypatch.context() as patch:  # the second draw decides alone
        patch.setattr(text_changes.TextChanges, "without", lambda self, texts, pixels: None)
        drawn_again = _x_labels_read(_load(data)["returned"])
    assert _x_labels_read(_load(data)["returned"]) == drawn_again
    if cover == "bar":
        assert drawn_again == ([], TOKENS)
