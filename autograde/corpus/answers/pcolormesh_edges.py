def plot_attention_heatmap(tokens, attention, ax=None):
    # pcolormesh with explicit cell edges from -0.5 to n - 0.5: centres at 0..n-1.
    attention = np.asarray(attention)
    n = len(tokens)
    edges = np.arange(n + 1) - 0.5
    if ax is None:
        ax = plt.figure().add_subplot()
    mesh = ax.pcolormesh(edges, edges, attention, shading="flat")
    ax.set_xticks(range(n), tokens)
    ax.set_yticks(range(n), tokens)
    ax.set_ylim(n - 0.5, -0.5)
    plt.colorbar(mesh, ax=ax).ax.set_ylabel("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
