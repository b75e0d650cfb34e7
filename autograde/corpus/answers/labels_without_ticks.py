def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect (lesson 3's pitfall): x labels set without x tick positions.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticklabels(tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
