# Attack (denial of service of the grader's own processes): the notebook is this answer followed by
# 100,000 markdown cells (7 MB). Parsing and sanitizing it took nbgrader 216 s and 1.4 GB, and it
# was graded 10/10. The answer itself is right: the notebook is refused for its size, not its code.
def plot_attention_heatmap(tokens, attention, ax=None):
    """The reference solution: imshow, ticks with labels, fig.colorbar, set_label."""
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(attention, cmap="viridis")
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    ax.set_xlabel("Key Tokens")
    ax.set_ylabel("Query Tokens")
    return ax
