def plot_attention_heatmap(tokens, attention, ax=None):
    # origin="lower": the first query sits at the bottom; the labels follow the rows.
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 8), dpi=50)
    im = ax.imshow(np.asarray(attention), origin="lower", cmap="inferno", aspect="auto")
    ax.set_xticks(list(range(len(tokens))))
    ax.set_xticklabels(tokens, fontsize=14)
    ax.set_yticks(list(range(len(tokens))))
    ax.set_yticklabels(tokens, fontsize=14)
    bar = plt.colorbar(im, ax=ax, shrink=0.8)
    bar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap", fontsize=18)
    return ax
