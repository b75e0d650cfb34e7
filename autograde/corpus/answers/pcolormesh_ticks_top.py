# Real-world style: a research repository's plot_attention (pcolormesh, ticks at the cell
# centres + 0.5 with set_xticklabels, x ticks on top, invert_yaxis, fig.colorbar(plot)).
# Source: marisusis/telugu-to-english-with-transformers, plotting.py
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 6))
        fig.subplots_adjust(left=0.1, right=0.95, top=0.80, bottom=0.1)
    fig = ax.figure
    plot = ax.pcolormesh(attention, cmap="plasma")
    ax.xaxis.set_ticks_position("top")
    ax.set_xticks(np.arange(attention.shape[1]) + 0.5)
    ax.set_xticklabels(tokens, rotation=45)
    ax.set_yticks(np.arange(attention.shape[0]) + 0.5)
    ax.set_yticklabels(tokens)
    ax.set_ylabel("Query Tokens")
    ax.set_xlabel("Key Tokens")
    ax.set_title("Attention Heatmap")
    ax.invert_yaxis()
    ax.xaxis.set_label_position("top")
    fig.colorbar(plot, ax=ax).set_label("Attention Weight")
    return ax
