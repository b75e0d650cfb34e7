def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: always makes a new figure, even when an ax is given.
    fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    fig.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
