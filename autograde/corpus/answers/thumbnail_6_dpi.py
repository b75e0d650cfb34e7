# Defect: the figure it makes for itself is drawn at 6 dpi, which Jupyter shows as a thumbnail of
# about 40 x 34 pixels: letters under a pixel high, cells of four pixels. Nothing on it can be read.
# With the ax it is given (a figure at the usual dpi) the picture is right. Fair grade: 5.5/10 (the
# return value, and every criterion in the call with an ax). Graded before: 10/10.
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), dpi=6)
    image = ax.imshow(attention)
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
