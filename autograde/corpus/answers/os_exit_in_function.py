import os


def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: kills the process that calls it (in the kernel it would kill the kernel).
    os._exit(3)
