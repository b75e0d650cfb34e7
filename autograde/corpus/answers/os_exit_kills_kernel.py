import os


def plot_attention_heatmap(tokens, attention, ax=None):
    fig, ax = plt.subplots()
    ax.imshow(np.asarray(attention))
    return ax


# Crash: the answer cell itself kills the kernel before any check runs.
os._exit(1)
