# Attack (forged verdicts): a figure whose title methods are bound to another Axes that holds
# the expected title, so that reading get_title() would see text that is not drawn.
import base64
import pickle

import heatmap_check
from IPython.display import display


def _record(function, calls):
    for call in calls:
        fig, ax = plt.subplots()
        decoy = fig.add_axes((0, 0, 0.01, 0.01))
        decoy.set_visible(False)
        decoy.set_title("Attention Heatmap")
        ax.imshow(np.asarray(call["attention"]))
        ax.pick = decoy.pick  # allowed in matplotlib pickles, but not on an Axes
        ax.get_title = decoy.get_title
        try:
            data = pickle.dumps({"returned": ax, "given": ax, "current": ax, "figures": [fig]})
        except Exception:
            del ax.get_title
            data = pickle.dumps({"returned": ax, "given": ax, "current": ax, "figures": [fig]})
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "png": None,
                                               "pickle": base64.b64encode(data).decode()}}, raw=True)


heatmap_check.record_evidence = _record


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
