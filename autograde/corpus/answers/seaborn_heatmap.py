import seaborn as sns


def plot_attention_heatmap(tokens, attention, ax=None):
    # seaborn draws a pcolormesh, puts ticks at j + 0.5 and makes the colorbar.
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5))
    sns.heatmap(np.asarray(attention), xticklabels=tokens, yticklabels=tokens, ax=ax,
                cmap="rocket", annot=True, fmt=".2f", cbar_kws={"label": "Attention Weight"})
    ax.set_title("Attention Heatmap")
    return ax
