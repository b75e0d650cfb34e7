def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: divides by the maximum, so the colorbar no longer shows the weights.
    attention = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(attention / attention.max())
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
