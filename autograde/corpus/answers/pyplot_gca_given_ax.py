def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect (lesson 3's pyplot style with a given ax): `ax` is kept, but plt.* draws on the
    # current Axes, which is not the ax given; the empty given ax is returned.
    if ax is None:
        ax = plt.gca()
    plt.imshow(np.asarray(attention))
    plt.xticks(range(len(tokens)), tokens)
    plt.yticks(range(len(tokens)), tokens)
    plt.colorbar(label="Attention Weight")
    plt.title("Attention Heatmap")
    return ax
