def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: the heatmap and its tick labels are drawn, then `ax.colorbar` (Axes has no such
    # method: the colorbar belongs to the figure) raises AttributeError. What was drawn before
    # the error keeps its points; the colorbar, the title and the return value are lost.
    if ax is None:
        fig, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.colorbar(image, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
