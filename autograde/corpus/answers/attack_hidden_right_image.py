# Attack (forged picture): the right matrix in an invisible image, the transposed one drawn on
# top, with labels, colorbar and title; only what is visible may count.
def plot_attention_heatmap(tokens, attention, ax=None):
    values = np.asarray(attention)
    if ax is None:
        fig, ax = plt.subplots()
    hidden = ax.imshow(values)
    hidden.set_visible(False)
    shown = ax.imshow(values.T)
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(shown, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
