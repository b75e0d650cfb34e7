def plot_attention_heatmap(tokens, attention, ax=None):
    # The lesson quotes "Attention Weight;" and "Attention Heatmap." with the punctuation inside.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label("Attention Weight;")
    ax.set_title(" Attention Heatmap. ")
    return ax
