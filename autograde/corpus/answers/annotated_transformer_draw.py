# Real-world style: the Annotated Transformer's draw() (seaborn.heatmap with the tokens as
# tick labels, square cells, vmin=0 and vmax=1, and no colorbar). Defect: no colorbar.
# Source: harvardnlp/annotated-transformer, "The Annotated Transformer.ipynb" (2018), draw()
import seaborn


def draw(data, x, y, ax):
    seaborn.heatmap(data,
                    xticklabels=x, square=True, yticklabels=y, vmin=0.0, vmax=1.0,
                    cbar=False, ax=ax)


def plot_attention_heatmap(tokens, attention, ax=None):
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 6))
    draw(np.asarray(attention), tokens, tokens, ax=ax)
    ax.set_title("Attention Heatmap")
    return ax
