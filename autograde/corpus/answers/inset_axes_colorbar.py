# Honest, valid: the colorbar goes in an inset Axes, as matplotlib's "Placing colorbars" guide
# recommends (https://matplotlib.org/stable/users/explain/axes/colorbar_placement.html; the
# axes_grid1 inset_locator example says "Users should consider using Axes.inset_axes instead").
# Fair grade: 10/10 (the picture is the reference picture with the colorbar in another place).
# Graded now: 0/10 and flagged as forged evidence: pickling a figure that has an inset Axes
# records getattr(Figure, "_remove_axes"), a name the restricted unpickler refuses.
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention, cmap="viridis")
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    cax = ax.inset_axes([1.04, 0.0, 0.05, 1.0])  # just right of the heatmap, full height
    colorbar = ax.figure.colorbar(image, cax=cax)
    colorbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
