def plot_attention_heatmap(tokens, attention, ax=None):
    # The one-page lesson's code, wrapped: set_xticks then set_xticklabels, plt.colorbar.
    attention = np.array(attention)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 6))
    im = ax.imshow(attention, cmap="viridis")
    ax.set_xticks(np.arange(len(tokens)))
    ax.set_yticks(np.arange(len(tokens)))
    ax.set_xticklabels(tokens, rotation=45, ha="right")
    ax.set_yticklabels(tokens)
    cbar = plt.colorbar(im, ax=ax)
    cbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    ax.set_xlabel("Key Tokens")
    ax.set_ylabel("Query Tokens")
    plt.tight_layout()
    return ax
