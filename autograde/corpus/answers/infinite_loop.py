def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: never returns.
    if ax is None:
        fig, ax = plt.subplots()
    while True:
        ax.imshow(np.asarray(attention))
