# Real-world style: Dive into Deep Learning's show_heatmaps (a grid of imshow Axes sharing
# one colorbar, "Keys"/"Queries" as axis labels), for a 1x1 grid. d2l shows the token
# positions as numbers, never the tokens. Defect: x and y tick labels are numbers.
# Source: d2l-ai/d2l-en, d2l/torch.py (show_heatmaps, defined in sec_queries-keys-values)
def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds",
                  axes=None):
    num_rows, num_cols = len(matrices), len(matrices[0])
    if axes is None:
        fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize,
                                 sharex=True, sharey=True, squeeze=False)
    fig = axes[0][0].figure
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            pcm = ax.imshow(matrix, cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    return fig.colorbar(pcm, ax=axes, shrink=0.6)


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    colorbar = show_heatmaps([[np.asarray(attention)]], "Keys", "Queries",
                             titles=["Attention Heatmap"], axes=np.array([[ax]]))
    colorbar.set_label("Attention Weight")
    return ax
