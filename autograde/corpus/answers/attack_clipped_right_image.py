# Attack (forged verdicts): like attack_hidden_right_image, but the right matrix's image on top is
# clipped to an empty rectangle instead of being set invisible: nothing of it is drawn, and the
# transposed matrix below is all a person sees. Only what is visible may count.
from matplotlib.patches import Rectangle


def plot_attention_heatmap(tokens, attention, ax=None):
    values = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots()
    shown = ax.imshow(values.T)
    hidden = ax.imshow(values)
    hidden.set_clip_path(Rectangle((0, 0), 0, 0, transform=ax.transData))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(hidden, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
