def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: uses attention as an array without converting it, so the call with a
    # list of lists raises (AttributeError: 'list' object has no attribute 'shape').
    n = attention.shape[0]
    if ax is None:
        fig, ax = plt.subplots()
    image = ax.imshow(attention)
    ax.set_xticks(range(n), labels=tokens)
    ax.set_yticks(range(n), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
