get_ipython().run_line_magic("matplotlib", "inline")  # what `%matplotlib inline` runs


def plot_attention_heatmap(tokens, attention, ax=None):
    # pyplot-style code: the current Axes does the work.
    if ax is None:
        plt.figure(figsize=(6, 5))
    else:
        plt.sca(ax)
    plt.imshow(attention, cmap="viridis")
    plt.xticks(range(len(tokens)), tokens, rotation=45)
    plt.yticks(range(len(tokens)), tokens)
    plt.colorbar(label="Attention Weight")
    plt.title("Attention Heatmap")
    plt.xlabel("Key Tokens")
    plt.ylabel("Query Tokens")
    return plt.gca()
