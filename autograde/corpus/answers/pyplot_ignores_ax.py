def plot_attention_heatmap(tokens, attention, ax=None):
    # Defect: pyplot code that never looks at `ax`: it draws on whatever Axes is current.
    plt.imshow(np.asarray(attention))
    plt.xticks(range(len(tokens)), tokens)
    plt.yticks(range(len(tokens)), tokens)
    plt.colorbar(label="Attention Weight")
    plt.title("Attention Heatmap")
    return plt.gca()
