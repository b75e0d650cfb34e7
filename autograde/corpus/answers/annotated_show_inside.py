def plot_attention_heatmap(tokens, attention, ax=None):
    # Writes every value in its cell and calls plt.show() before returning.
    values = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(values, cmap="YlGnBu", vmin=0, vmax=1)
    for i in range(len(tokens)):
        for j in range(len(tokens)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", color="black")
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    ax.figure.tight_layout()
    plt.show()
    return ax
