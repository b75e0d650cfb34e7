def plot_attention_heatmap(tokens, attention, ax=None):
    # Works on lists only through matplotlib; colorbar label passed as label=.
    n = len(tokens)
    if ax is None:
        ax = plt.figure(figsize=(4, 4)).add_subplot(1, 1, 1)
    rows = [[float(value) for value in row] for row in attention]
    image = ax.imshow(rows, cmap="Greens", interpolation="nearest")
    ax.xaxis.set_ticks(list(range(n)), labels=list(tokens))
    ax.yaxis.set_ticks(list(range(n)), labels=list(tokens))
    plt.colorbar(image, ax=ax, label="Attention Weight")
    ax.set(title="Attention Heatmap", xlabel="Key Tokens", ylabel="Query Tokens")
    return ax
