# Attack (forged verdicts): replaces the function that records the grading calls with one that
# sends back a correct-looking record without calling anything.
import heatmap_check
from IPython.display import display


def _fake_record(function, calls):
    for call in calls:
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": None, "png": None}}, raw=True)


heatmap_check.record_evidence = _fake_record


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
