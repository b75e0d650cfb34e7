"""The head explorer of lesson 07 (solutions/lessons-after-challenge/head_explorer.py), driven from Python.

The widgets are real ipywidgets and the model is the real one; setting a
widget's value is what the browser does when a student types or picks. The
same explorer is driven in JupyterLab by tests/test_browser.py.
"""
import io

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import real_attention as ra
from head_explorer import HeadExplorer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model():
    return ra.load_model()


@pytest.fixture
def explorer(model, tmp_path):
    return HeadExplorer(model, "Queries look at keys.", layer=2, head=9, folder=tmp_path)


def shown_matrix(explorer):
    """The matrix the explorer's current figure draws."""
    return np.ma.getdata(explorer.figure().axes[0].images[0].get_array())


def test_it_starts_on_the_chosen_head(explorer, model):
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)
    expected = ra.run_model(model, "Queries look at keys.").attention[1, 8]
    np.testing.assert_allclose(shown_matrix(explorer), expected)
    assert "Layer 2, head 9: 8 tokens" in explorer.status.value
    assert explorer.figure().axes[0].get_title() == "Layer 2, head 9"
    assert [w.description for w in (explorer.sentence, explorer.layer, explorer.head,
                                     explorer.save_button)] == ["Sentence", "Layer", "Head",
                                                                "Save PNG"]
    assert explorer.layer.options[-1] == ("6", 6) and explorer.head.options[-1] == ("12", 12)


def test_picking_a_head_redraws_and_the_same_head_gives_the_same_picture(explorer, model):
    first = explorer.image.value
    explorer.layer.value, explorer.head.value = 1, 3
    assert explorer.image.value != first
    expected = ra.run_model(model, "Queries look at keys.").attention[0, 2]
    np.testing.assert_allclose(shown_matrix(explorer), expected)
    explorer.layer.value, explorer.head.value = 2, 9
    assert explorer.image.value == first


def test_typing_a_sentence_runs_the_model_again(explorer, model):
    before = explorer.image.value
    explorer.sentence.value = "The trophy didn't fit in the suitcase because it was too big."
    assert explorer.image.value != before
    tokens = ra.run_model(model, explorer.sentence.value).tokens
    assert f"{len(tokens)} tokens" in explorer.status.value
    labels = [t.get_text() for t in explorer.figure().axes[0].get_xticklabels()]
    assert labels == tokens


@pytest.mark.parametrize("text, message", [("   ", "Type a sentence"),
                                           ("word " * 600, "at most 512")])
def test_an_unusable_sentence_is_explained_and_the_picture_kept(explorer, text, message):
    before = explorer.image.value
    explorer.sentence.value = text
    assert message in explorer.status.value and "#b00020" in explorer.status.value
    assert explorer.image.value == before
    explorer.sentence.value = "Queries look at keys."
    assert "8 tokens" in explorer.status.value


def test_save_writes_the_picture_on_screen(explorer, tmp_path):
    explorer.layer.value, explorer.head.value = 4, 2
    path = explorer.save()
    assert path == tmp_path / "attention_layer4_head2.png"
    assert path.read_bytes() == explorer.image.value
    height, width, _ = mpimg.imread(io.BytesIO(path.read_bytes())).shape
    assert (width, height) == (700, 560)   # figsize (7, 5.6) at 100 dpi
    assert "attention_layer4_head2.png" in explorer.status.value
    explorer.save_button.click()           # the button does the same
    assert path.read_bytes() == explorer.image.value
    other = explorer.save(tmp_path / "mine.png")
    assert other.read_bytes() == explorer.image.value


def test_save_names_the_file_after_the_head_on_screen(explorer, tmp_path):
    explorer.sentence.value = ""            # unusable: the picture of layer 2, head 9 stays
    explorer.layer.value = 5
    assert "Type a sentence" in explorer.status.value
    assert explorer.save() == tmp_path / "attention_layer2_head9.png"


def test_nothing_to_save_before_the_first_picture(model, tmp_path):
    empty = HeadExplorer(model, "", folder=tmp_path)
    assert empty.save() is None
    assert "no picture to save" in empty.status.value and not list(tmp_path.iterdir())


@pytest.mark.parametrize("sentence", ["Queries look at keys.", " ".join(["word"] * 60)],
                         ids=["short", "long"])
def test_everything_drawn_keeps_a_margin_from_the_edges(explorer, sentence):
    """The colorbar's label and the rotated tick labels stay clear of the picture's edges."""
    explorer.sentence.value = sentence
    fig = explorer.figure()
    renderer = FigureCanvasAgg(fig).get_renderer()   # the canvas its PNG is drawn on
    fig.draw(renderer)   # constrained layout places everything at draw time
    drawn = fig.get_tightbbox(renderer)   # in inches
    width, height = fig.get_size_inches()
    margins = {"left": drawn.x0, "bottom": drawn.y0,
               "right": width - drawn.x1, "top": height - drawn.y1}
    assert min(margins.values()) >= 0.05, f"too close to the edge (inches): {margins}"


def test_long_sentences_get_a_bigger_picture_with_thinned_labels(explorer):
    explorer.sentence.value = " ".join(["word"] * 60)
    height, width, _ = mpimg.imread(io.BytesIO(explorer.image.value)).shape
    assert (width, height) == (900, 750)
    labels = [t for t in explorer.figure().axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) <= 40


def test_it_displays_as_its_widget(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
