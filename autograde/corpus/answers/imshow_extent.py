def plot_attention_heatmap(tokens, attention, ax=None):
    # imshow stretched over [0, n] x [n, 0]: the checker reads the extent.
    n = len(tokens)
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention), extent=(0, n, n, 0), cmap="Blues")
    ax.set_xticks(np.arange(n) + 0.5, labels=tokens)
    ax.set_yticks(np.arange(n) + 0.5, labels=tokens)
    fig = ax.get_figure()
    fig.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
