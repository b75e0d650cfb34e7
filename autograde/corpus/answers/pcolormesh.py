def plot_attention_heatmap(tokens, attention, ax=None):
    # pcolormesh cells span [j, j+1]: ticks at the cell centres j + 0.5.
    attention = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 5))
    mesh = ax.pcolormesh(attention, cmap="cividis")
    centres = np.arange(len(tokens)) + 0.5
    ax.set_xticks(centres, labels=tokens, rotation=90)
    ax.set_yticks(centres, labels=tokens)
    ax.invert_yaxis()
    cbar = ax.figure.colorbar(mesh, ax=ax)
    cbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
