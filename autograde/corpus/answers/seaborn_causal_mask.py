# Real-world style: seaborn's gallery "Plotting a diagonal correlation matrix" (a triangle
# mask, a diverging palette, square cells), with the mask kept to hide "future" keys as for a
# decoder. The given matrix is not causal, so real weights disappear. Defect: matrix.
# Source: mwaskom/seaborn, examples/many_pairwise_correlations.py
import seaborn as sns


def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention)
    mask = np.triu(np.ones_like(attention, dtype=bool), k=1)
    if ax is None:
        f, ax = plt.subplots(figsize=(11, 9))
    cmap = sns.diverging_palette(230, 20, as_cmap=True)
    sns.heatmap(attention, mask=mask, cmap=cmap, square=True, linewidths=.5, ax=ax,
                xticklabels=tokens, yticklabels=tokens,
                cbar_kws={"shrink": .5, "label": "Attention Weight"})
    ax.set_title("Attention Heatmap")
    return ax
