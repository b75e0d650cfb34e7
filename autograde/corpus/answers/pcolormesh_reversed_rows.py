def plot_attention_heatmap(tokens, attention, ax=None):
    # pcolormesh of the rows in reverse order, with the y labels reversed to match: the picture
    # is the same as imshow's (first query on top).
    values = np.asarray(attention)
    n = len(tokens)
    if ax is None:
        fig, ax = plt.subplots()
    mesh = ax.pcolormesh(values[::-1])
    ax.set_xticks(np.arange(n) + 0.5, labels=tokens)
    ax.set_yticks(np.arange(n) + 0.5, labels=tokens[::-1])
    ax.figure.colorbar(mesh, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
