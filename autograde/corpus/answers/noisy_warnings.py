import sys
import warnings


def plot_attention_heatmap(tokens, attention, ax=None):
    # Correct, but warns, prints to stderr, and leaves 25 figures open on every call.
    warnings.warn("this is only a test warning")
    print("drawing the heatmap...", file=sys.stderr)
    for _ in range(25):
        plt.figure()
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticklabels(tokens)  # harmless here: the ticks are set again below
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
