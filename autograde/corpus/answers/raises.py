def plot_attention_heatmap(tokens, attention, ax=None):
    # Crash: a typo-level bug raises on every call.
    fig, ax = plt.subplots()
    ax.imshow(attention.T)  # a list has no .T
    return ax
