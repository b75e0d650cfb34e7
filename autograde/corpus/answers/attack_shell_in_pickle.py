# Attack (forged verdicts): evidence whose pickle runs a shell command when unpickled, which
# would let it print any verdict from inside the reader.
import base64
import os
import pickle

import heatmap_check
from IPython.display import display


class _Shell:
    def __reduce__(self):
        return (os.system, ("echo '{\"readings\": []}'",))


def _fake_record(function, calls):
    payload = base64.b64encode(pickle.dumps({"returned": _Shell(), "given": None, "current": None,
                                             "figures": []})).decode()
    for call in calls:
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": payload, "png": None}}, raw=True)


heatmap_check.record_evidence = _fake_record


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
