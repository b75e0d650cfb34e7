# Attack (forged verdicts): zooms the view onto the top-left cell, so the picture shows one weight
# of the whole matrix. The matrix criterion passes whenever the image's stored array equals the
# given matrix, whether or not its cells can be seen, so the missing cells cost nothing.
def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention, dtype=float))
    ax.set_xlim(-0.5, 0.5)
    ax.set_ylim(0.5, -0.5)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
