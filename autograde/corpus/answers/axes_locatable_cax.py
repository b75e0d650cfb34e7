from mpl_toolkits.axes_grid1 import make_axes_locatable


def plot_attention_heatmap(tokens, attention, ax=None):
    # The colorbar lives in its own cax from make_axes_locatable; label via cbar.ax.set_ylabel.
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.array(attention, dtype=float))
    divider = make_axes_locatable(ax)
    cax = divider.append_axes("right", size="5%", pad=0.1)
    cbar = ax.figure.colorbar(im, cax=cax)
    cbar.ax.set_ylabel("Attention Weight")
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.set_title("Attention Heatmap")
    return ax
