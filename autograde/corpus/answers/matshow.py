def plot_attention_heatmap(tokens, attention, ax=None):
    # matshow puts the x tick labels on top.
    if ax is None:
        fig, ax = plt.subplots()
    mat = ax.matshow(np.asarray(attention), cmap="magma")
    n = len(tokens)
    ax.set_xticks(range(n))
    ax.set_xticklabels(tokens)
    ax.set_yticks(range(n))
    ax.set_yticklabels(tokens)
    ax.figure.colorbar(mat, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
