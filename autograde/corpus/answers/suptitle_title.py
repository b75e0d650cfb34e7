def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect (with an ax only): the title is the figure's (suptitle). Above a figure that holds
    # only the heatmap and its colorbar it reads as the heatmap's title; above the caller's
    # figure, which holds another Axes too, it is the whole figure's, not the heatmap's.
    if ax is None:
        fig, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.figure.suptitle("Attention Heatmap")
    return ax
