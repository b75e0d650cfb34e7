def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: the colorbar has no label.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax)
    ax.set_title("Attention Heatmap")
    return ax
