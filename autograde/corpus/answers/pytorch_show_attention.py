# Real-world style: the PyTorch seq2seq tutorial's showAttention (matshow, then
# set_xticklabels([''] + words + ['<EOS>']) with a MultipleLocator(1) so that every tick
# gets a label); adapted to draw on the given ax, with the challenge's title and label.
# Source: pytorch/tutorials, intermediate_source/seq2seq_translation_tutorial.py
import matplotlib.ticker as ticker


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig = plt.figure()
        ax = fig.add_subplot(111)
    fig = ax.figure
    cax = ax.matshow(np.asarray(attention), cmap="bone")
    fig.colorbar(cax).set_label("Attention Weight")

    # Set up axes
    ax.set_xticklabels([""] + list(tokens) + ["<EOS>"], rotation=90)
    ax.set_yticklabels([""] + list(tokens))

    # Show label at every tick
    ax.xaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.yaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.set_title("Attention Heatmap")
    return ax
