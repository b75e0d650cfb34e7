def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: the y labels run bottom-up while imshow's rows run top-down.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens[::-1])
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
