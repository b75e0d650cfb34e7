def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: a typo-level bug (a misspelt name) raises on every call.
    if ax is None:
        fig, ax = plt.subplots()
    ax.imshow(np.asarray(atention))
    return ax
