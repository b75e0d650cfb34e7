import matplotlib.text

_real_get_text = matplotlib.text.Text.get_text


def _claims_tokens(self):
    text = _real_get_text(self)
    return {"0": "Attention", "1": "helps", "2": "models", "3": "understand",
            "4": "context."}.get(text, text)


# Tampering: numeric tick labels read back as the tokens.
matplotlib.text.Text.get_text = _claims_tokens


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig, ax = plt.subplots()
    im = ax.imshow(np.asarray(attention))
    ax.set_xticks(range(len(tokens)))
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(im, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
