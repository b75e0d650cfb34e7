# Honest, valid: the reference picture smoothed, interpolation="gaussian": each cell blends into
# its neighbours, and its middle still shows its weight's colour or one of the weights around it.
# Fair grade: 10/10. Graded before: 7/10: a cell had to show its own colour at its centre.
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention, interpolation="gaussian")
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
