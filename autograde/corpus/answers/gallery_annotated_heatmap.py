# Real-world style: matplotlib's gallery "Creating annotated heatmaps", its heatmap() and
# annotate_heatmap() helpers used as they are (labels on top, white grid on minor ticks,
# cbar.ax.set_ylabel with rotation=-90).
# Source: matplotlib/matplotlib, galleries/examples/images_contours_and_fields/image_annotated_heatmap.py
import matplotlib


def heatmap(data, row_labels, col_labels, ax=None, cbar_kw=None, cbarlabel="", **kwargs):
    if ax is None:
        ax = plt.gca()
    if cbar_kw is None:
        cbar_kw = {}
    im = ax.imshow(data, **kwargs)
    cbar = ax.figure.colorbar(im, ax=ax, **cbar_kw)
    cbar.ax.set_ylabel(cbarlabel, rotation=-90, va="bottom")
    ax.set_xticks(np.arange(data.shape[1]), labels=col_labels)
    ax.set_yticks(np.arange(data.shape[0]), labels=row_labels)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    plt.setp(ax.get_xticklabels(), rotation=-30, ha="right", rotation_mode="anchor")
    ax.spines[:].set_color("w")
    ax.set_xticks(np.arange(data.shape[1] + 1) - .5, minor=True)
    ax.set_yticks(np.arange(data.shape[0] + 1) - .5, minor=True)
    ax.grid(which="minor", color="w", linestyle="-", linewidth=3)
    ax.tick_params(which="minor", bottom=False, left=False)
    return im, cbar


def annotate_heatmap(im, data=None, valfmt="{x:.2f}", textcolors=("black", "white"),
                     threshold=None, **textkw):
    if not isinstance(data, (list, np.ndarray)):
        data = im.get_array()
    if threshold is not None:
        threshold = im.norm(threshold)
    else:
        threshold = im.norm(data.max()) / 2.
    kw = dict(horizontalalignment="center", verticalalignment="center")
    kw.update(textkw)
    if isinstance(valfmt, str):
        valfmt = matplotlib.ticker.StrMethodFormatter(valfmt)
    texts = []
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            kw.update(color=textcolors[int(im.norm(data[i, j]) > threshold)])
            texts.append(im.axes.text(j, i, valfmt(data[i, j], None), **kw))
    return texts


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig, ax = plt.subplots()
    im, cbar = heatmap(np.asarray(attention), tokens, tokens, ax=ax, cmap="YlGn",
                       cbarlabel="Attention Weight")
    annotate_heatmap(im, valfmt="{x:.2f}")
    ax.set_title("Attention Heatmap")
    return ax
