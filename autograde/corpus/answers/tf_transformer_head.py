# Real-world style: TensorFlow's Transformer tutorial, plot_attention_head, which drops the
# first output token ("the model didn't generate <START>") before labelling the rows. Called
# with the same tokens for both axes, the y labels lose the first token and slide up a row.
# Defect: y tick labels shifted by one.
# Source: tensorflow/text, docs/tutorials/transformer.ipynb
def plot_attention_head(in_tokens, translated_tokens, attention, ax):
    # The model didn't generate `<START>` in the output. Skip it.
    translated_tokens = translated_tokens[1:]

    image = ax.matshow(attention)
    ax.set_xticks(range(len(in_tokens)))
    ax.set_yticks(range(len(translated_tokens)))

    labels = [label for label in in_tokens]
    ax.set_xticklabels(labels, rotation=90)

    labels = [label for label in translated_tokens]
    ax.set_yticklabels(labels)
    return image


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        ax = plt.figure().add_subplot()
    image = plot_attention_head(list(tokens), list(tokens), np.asarray(attention), ax)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
