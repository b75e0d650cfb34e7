# Real-world style: seaborn.heatmap's documented example with the colorbar in its own Axes
# under the heatmap (cbar_ax=..., cbar_kws={"orientation": "horizontal"}); without a given ax
# the layout comes from gridspec height ratios, with one from make_axes_locatable.
# Source: mwaskom/seaborn, seaborn/matrix.py (heatmap docstring examples, seaborn 0.9-0.11)
import seaborn as sns
from mpl_toolkits.axes_grid1 import make_axes_locatable


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        grid_kws = {"height_ratios": (.9, .05), "hspace": .3}
        f, (ax, cbar_ax) = plt.subplots(2, gridspec_kw=grid_kws)
    else:
        cbar_ax = make_axes_locatable(ax).append_axes("bottom", size="5%", pad=0.6)
    ax = sns.heatmap(np.asarray(attention), ax=ax, cbar_ax=cbar_ax,
                     cbar_kws={"orientation": "horizontal", "label": "Attention Weight"},
                     xticklabels=tokens, yticklabels=tokens)
    ax.set_title("Attention Heatmap")
    return ax
