import sys


def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: stops Python from inside the function.
    sys.exit("done plotting")
