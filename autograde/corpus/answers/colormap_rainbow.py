# Honest, valid: the reference picture with cmap="rainbow" (lesson 3 warns against rainbow
# colormaps, but the challenge asks for a heatmap, not for a colormap; a person reads it with its
# colorbar). Fair grade: 10/10. Graded before: 0/10 and flagged "evidence refused": the colormaps
# matplotlib defines by formulas (rainbow, gnuplot, cubehelix, ocean, ...) keep their segment
# functions in matplotlib._cm, a module the restricted unpickler did not admit.
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention, cmap="rainbow")
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
