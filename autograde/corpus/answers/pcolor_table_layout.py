# Real-world style: the long-standing Stack Overflow answer to "Heatmap in matplotlib with
# pcolor?": ax.pcolor, major ticks moved to the middle of each cell (+ 0.5), invert_yaxis()
# and xaxis.tick_top() "for a more natural, table-like display", labels set afterwards.
# Source: https://stackoverflow.com/questions/14391959 (accepted answer)
def plot_attention_heatmap(tokens, attention, ax=None):
    data = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots()
    heatmap = ax.pcolor(data, cmap=plt.cm.Blues, alpha=0.8)

    # put the major ticks at the middle of each cell
    ax.set_xticks(np.arange(data.shape[1]) + 0.5, minor=False)
    ax.set_yticks(np.arange(data.shape[0]) + 0.5, minor=False)

    # want a more natural, table-like display
    ax.invert_yaxis()
    ax.xaxis.tick_top()

    ax.set_xticklabels(tokens, minor=False)
    ax.set_yticklabels(tokens, minor=False)
    ax.figure.colorbar(heatmap, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap", pad=20)
    return ax
