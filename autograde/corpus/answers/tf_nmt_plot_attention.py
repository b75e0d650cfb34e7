# Real-world style: TensorFlow's "Neural machine translation with attention" tutorial,
# plot_attention (matshow, fontdict, [''] + sentence labels and MultipleLocator(1)), kept as
# it is: the tutorial's figure has no colorbar. Defect: no colorbar.
# Source: tensorflow/docs, site/en/tutorials/text/nmt_with_attention.ipynb
import matplotlib.ticker as ticker


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig = plt.figure(figsize=(10, 10))
        ax = fig.add_subplot(1, 1, 1)
    ax.matshow(np.asarray(attention), cmap="viridis")

    fontdict = {"fontsize": 14}

    ax.set_xticklabels([""] + list(tokens), fontdict=fontdict, rotation=90)
    ax.set_yticklabels([""] + list(tokens), fontdict=fontdict)

    ax.xaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.yaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.set_title("Attention Heatmap")
    return ax
