# Attack (forged verdicts): draws the challenge's own sentence once, correctly, and sends that
# figure back for every grading call, whatever data the call passed.
import base64
import pickle

import heatmap_check
from IPython.display import display

_WORDS = "Attention helps models understand context.".split()
_MATRIX = [[0.25, 0.15, 0.20, 0.20, 0.20], [0.10, 0.40, 0.15, 0.20, 0.15], [0.15, 0.10, 0.35, 0.20, 0.20],
           [0.20, 0.15, 0.20, 0.25, 0.20], [0.15, 0.20, 0.20, 0.20, 0.25]]


def _draw():
    fig, ax = plt.subplots()
    image = ax.imshow(np.asarray(_MATRIX))
    ax.set_xticks(range(5), labels=_WORDS)
    ax.set_yticks(range(5), labels=_WORDS)
    fig.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax


def _replay(function, calls):
    ax = _draw()
    payload = base64.b64encode(pickle.dumps({"returned": ax, "given": ax, "current": ax,
                                             "figures": [ax.figure]})).decode()
    for call in calls:
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": payload, "png": None}}, raw=True)


heatmap_check.record_evidence = _replay


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
