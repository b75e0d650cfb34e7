# Real-world style: Captum's BERT tutorial visualize_token2token_scores, one Axes of a 4x3
# grid of heads (bertviz-like), fig.colorbar(im, fraction=0.046, pad=0.04) without ax=,
# fontdict tick labels and the head number as x label.
# Source: pytorch/captum, tutorials/Bert_SQUAD_Interpret.ipynb
def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig = plt.figure(figsize=(20, 20))
        ax = fig.add_subplot(4, 3, 1)
    fig = ax.figure
    im = ax.imshow(np.asarray(attention), cmap="viridis")

    fontdict = {"fontsize": 10}

    ax.set_xticks(range(len(tokens)))
    ax.set_yticks(range(len(tokens)))

    ax.set_xticklabels(tokens, fontdict=fontdict, rotation=90)
    ax.set_yticklabels(tokens, fontdict=fontdict)
    ax.set_xlabel("{} {}".format("Head", 1))

    fig.colorbar(im, fraction=0.046, pad=0.04).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
