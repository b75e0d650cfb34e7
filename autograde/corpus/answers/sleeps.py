import time


def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: waits far longer than any check allows.
    time.sleep(3600)
    return ax
