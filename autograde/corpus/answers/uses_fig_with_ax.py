def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect (the lesson 3 habit): `fig` exists only when the function made the figure, so
    # the call with an ax raises before anything is finished.
    if ax is None:
        fig, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    fig.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
