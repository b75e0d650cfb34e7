# Attack (denial of service, through the instructor's own processes): data.csv, next to the
# notebook, is a FIFO (a named pipe). nbgrader's set-up copies every file of the submitted folder,
# and opening a FIFO to read it waits for a writer that never comes: the whole grading run would
# hang. The answer itself draws the right heatmap, and keeps its points.
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
