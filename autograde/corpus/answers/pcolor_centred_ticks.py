def plot_attention_heatmap(tokens, attention, ax=None):
    # ax.pcolor (a PolyQuadMesh in this matplotlib): cells span [i, i + 1], so the ticks sit at
    # i + 0.5; the y axis is inverted so the first query is on top.
    n = len(tokens)
    if ax is None:
        fig, ax = plt.subplots()
    cells = ax.pcolor(np.asarray(attention), cmap="magma")
    ax.set_xticks(np.arange(n) + 0.5, labels=tokens)
    ax.set_yticks(np.arange(n) + 0.5, labels=tokens)
    ax.invert_yaxis()
    ax.figure.colorbar(cells, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
