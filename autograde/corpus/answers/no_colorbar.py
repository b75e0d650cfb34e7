def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: no colorbar at all (the label went on the y axis instead).
    if ax is None:
        fig, ax = plt.subplots()
    ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.set_ylabel("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
