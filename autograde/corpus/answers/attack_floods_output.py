# Attack (denial of service): floods the grader with output: 50 MB of text, meant to exhaust
# the grader's memory or the notebook's size.
import sys

for _ in range(500):
    sys.stdout.write("x" * 100_000 + "\n")


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
