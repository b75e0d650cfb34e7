# Defect: the labels, the title and the colorbar label are set in matplotlib's bundled font cmex10,
# TeX's font of large delimiters: its glyphs for letters are bracket and brace pieces, so the
# figure shows rows of symbols where the words should be. A person can read the heatmap, but no
# token, title or colorbar label. Fair grade: 4/10 (the return value and the matrix). Graded
# before: 10/10 (the texts were read from the objects, not from what their glyphs draw).
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention)
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right", fontfamily="cmex10")
    ax.set_yticks(range(len(tokens)), labels=tokens, fontfamily="cmex10")
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight", fontfamily="cmex10")
    ax.set_title("Attention Heatmap", fontfamily="cmex10")
    return ax
