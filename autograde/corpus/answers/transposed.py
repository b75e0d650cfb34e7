def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: plots the transpose, so rows are keys and columns are queries.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention).T)
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
