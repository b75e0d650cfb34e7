# Honest, valid: the tokens written with ax.text under each column and beside each row, and the
# colour scale drawn by hand: a gradient image in an Axes of its own, numbered and labelled. It
# looks exactly like the reference picture, and reads the same: every label under its column,
# every number of the scale in the heatmap's colour. Fair grade: 10/10. Graded before: 5/10 (no
# tick labels, no colorbar).
def plot_attention_heatmap(tokens, attention, ax=None):
    values = np.asarray(attention, dtype=float)
    n = len(tokens)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(values, cmap="viridis")
    ax.set_xticks([])
    ax.set_yticks([])
    for index, token in enumerate(tokens):
        ax.text(index, n - 0.4, token, rotation=45, ha="right", va="top", rotation_mode="anchor")
        ax.text(-0.6, index, token, ha="right", va="center")
    low, high = values.min(), values.max()
    scale = ax.inset_axes([1.05, 0.0, 0.05, 1.0])
    scale.imshow(np.linspace(high, low, 256)[:, None], cmap="viridis", aspect="auto", extent=(0, 1, low, high))
    scale.set_xticks([])
    scale.yaxis.tick_right()
    scale.yaxis.set_label_position("right")
    scale.set_ylabel("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
