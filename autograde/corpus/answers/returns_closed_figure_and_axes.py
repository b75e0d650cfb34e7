def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: returns (fig, ax), the habit of functions that make their own figure, after closing
    # the figure (so that a notebook does not show it twice). The caller holds both and sees the
    # heatmap: only the return value is wrong.
    if ax is None:
        fig, ax = plt.subplots()
    fig = ax.figure
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    fig.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    plt.close(fig)
    return fig, ax
