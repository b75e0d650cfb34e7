def plot_attention_heatmap(tokens, attention, ax=None):
    # A horizontal colorbar under the plot; set_label puts the label on its x axis.
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 6))
    im = ax.imshow(np.asarray(attention), cmap="plasma")
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    cbar = ax.figure.colorbar(im, ax=ax, orientation="horizontal", pad=0.15)
    cbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
