# Defect: a colormap of greys whose blue spans 14/255 from one end to the other: every cell is the
# same flat grey to the eye (the colours differ by less than ΔE 10), so the heatmap shows none of
# the weights, however right its array is. Fair grade: 7/10 (all but the matrix). Graded before:
# 10/10 (two colours counted as different when one channel differed by more than 12/255).
from matplotlib.colors import LinearSegmentedColormap


def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    greys = LinearSegmentedColormap.from_list("greys", [(0.5, 0.5, 0.5), (0.5, 0.5, 0.5 + 14 / 255)])
    image = ax.imshow(attention, cmap=greys)
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
