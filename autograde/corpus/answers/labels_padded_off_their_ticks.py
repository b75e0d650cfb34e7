# Defect: each x label starts with spaces and each y label ends with newlines, so that, although
# every tick is in the right place, the words are drawn a column to the right of their tick and a
# row above theirs: every token sits over another one's column or row. Fair grade: 6/10 (all but
# the tick labels). Graded before: 10/10 (a label counted where its tick is, not where its words
# are drawn).
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention)
    ax.set_xticks(range(len(tokens)), labels=[" " * 28 + token for token in tokens])
    ax.set_yticks(range(len(tokens)), labels=[token + "\n" * 6 for token in tokens])
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
