# Real-world style: seaborn's gallery "Annotated heatmaps" (sns.heatmap with annot=True and
# linewidths=.5 on a given ax), the colorbar labelled through cbar_kws.
# Source: mwaskom/seaborn, examples/spreadsheet_heatmap.py
import seaborn as sns


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        f, ax = plt.subplots(figsize=(9, 6))
    sns.heatmap(np.asarray(attention), annot=True, fmt=".2f", linewidths=.5, ax=ax,
                xticklabels=tokens, yticklabels=tokens,
                cbar_kws={"label": "Attention Weight"})
    ax.set_title("Attention Heatmap")
    return ax
