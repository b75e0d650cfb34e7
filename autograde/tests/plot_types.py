"""A catalogue of plot types: honest, complete answers drawn with what matplotlib's public API
(and seaborn's heatmap) can put into a figure.

Each is a ``plot_attention_heatmap(tokens, attention, ax=None)`` that draws the heatmap the
challenge asks for, each with another kind of artist, layout or helper around it: text and
annotations, patches, insets, ``axes_grid1`` dividers and grids, subfigures, a suptitle,
legends, twin and secondary axes, tickers, styles. A person gives every one of them full
marks, so the grader must admit each figure (``test_admitted.py``) and pass every
criterion (``test_admitted_sweep.py``).
"""
import matplotlib.patches as patches
import matplotlib.patheffects as path_effects
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker


def _axes(ax, **subplots):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), **subplots)
    return ax


def _labelled(ax, image, tokens, colorbar=True, centre=0.0, **colorbar_options):
    """The ticks, the labelled colorbar and the title, as the reference solution sets them."""
    ax.set_xticks(np.arange(len(tokens)) + centre, labels=tokens, rotation=45, ha="right")
    ax.set_yticks(np.arange(len(tokens)) + centre, labels=tokens)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, **colorbar_options).set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax


def matshow_extended_colorbar(tokens, attention, ax=None):
    ax = _axes(ax)
    image = ax.matshow(np.asarray(attention), cmap="cubehelix_r")
    return _labelled(ax, image, tokens, extend="both")


def pcolor_hatched_edges(tokens, attention, ax=None):
    ax = _axes(ax)
    mesh = ax.pcolor(np.asarray(attention), cmap="gnuplot2", edgecolors="white", linewidths=2)
    ax.invert_yaxis()
    return _labelled(ax, mesh, tokens, centre=0.5)


def pcolormesh_boundary_norm(tokens, attention, ax=None):
    from matplotlib.colors import BoundaryNorm
    ax = _axes(ax)
    values = np.asarray(attention)
    levels = np.linspace(values.min(), values.max(), 9)
    levels[-1] += 1e-9
    mesh = ax.pcolormesh(values, cmap="ocean_r", norm=BoundaryNorm(levels, 256))
    ax.invert_yaxis()
    return _labelled(ax, mesh, tokens, centre=0.5)


def seaborn_palette_annotated(tokens, attention, ax=None):
    import seaborn as sns
    ax = _axes(ax)
    sns.heatmap(np.asarray(attention), ax=ax, annot=True, fmt=".2f", linewidths=1, square=True,
                cmap=sns.cubehelix_palette(as_cmap=True), xticklabels=tokens, yticklabels=tokens,
                cbar_kws={"label": "Attention Weight", "shrink": 0.8})
    ax.set_title("Attention Heatmap")
    return ax


def seaborn_listed_palette(tokens, attention, ax=None):
    import seaborn as sns
    ax = _axes(ax)
    with sns.axes_style("white"):
        sns.heatmap(np.asarray(attention), ax=ax, cmap=sns.color_palette("rocket", 12), xticklabels=tokens,
                    yticklabels=tokens, cbar_kws={"label": "Attention Weight"})
    ax.set_title("Attention Heatmap")
    return ax


def annotations_and_path_effects(tokens, attention, ax=None):
    ax = _axes(ax)
    values = np.asarray(attention)
    image = ax.imshow(values, cmap="afmhot")
    for (row, column), value in np.ndenumerate(values):
        ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=8,
                path_effects=[path_effects.withStroke(linewidth=2, foreground="white")])
    row, column = np.unravel_index(np.argmax(values), values.shape)
    ax.annotate("strongest", xy=(column, row), xytext=(1.25, 1.08), textcoords="axes fraction",
                arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=.2"},
                bbox={"boxstyle": "round,pad=0.3", "fc": "white"})
    return _labelled(ax, image, tokens)


def patches_around_cells(tokens, attention, ax=None):
    ax = _axes(ax)
    values = np.asarray(attention)
    image = ax.imshow(values, cmap="gist_heat")
    for index in range(len(tokens)):  # outline the diagonal (edges only: the cells stay visible)
        ax.add_patch(patches.Rectangle((index - 0.5, index - 0.5), 1, 1, fill=False, edgecolor="cyan", lw=2))
    ax.add_patch(patches.FancyBboxPatch((-0.5, -0.5), len(tokens), len(tokens), boxstyle="round,pad=0.02",
                                        fill=False, edgecolor="gray", clip_on=False))
    ax.axhline(len(tokens) - 0.5, color="black", lw=3)
    return _labelled(ax, image, tokens)


def inset_colorbars(tokens, attention, ax=None):
    from mpl_toolkits.axes_grid1.inset_locator import inset_axes
    ax = _axes(ax)
    image = ax.imshow(np.asarray(attention), cmap="gist_yarg")
    cax = inset_axes(ax, width="5%", height="100%", loc="lower left", bbox_to_anchor=(1.05, 0.0, 1, 1),
                     bbox_transform=ax.transAxes, borderpad=0)
    ax.figure.colorbar(image, cax=cax, label="Attention Weight")
    return _labelled(ax, image, tokens, colorbar=False)


def divider_with_marginal_bars(tokens, attention, ax=None):
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    ax = _axes(ax)
    values = np.asarray(attention)
    image = ax.imshow(values, cmap="gnuplot")
    divider = make_axes_locatable(ax)
    ax.figure.colorbar(image, cax=divider.append_axes("right", size="5%", pad=0.1), label="Attention Weight")
    top = divider.append_axes("top", size="20%", pad=0.1)
    top.bar(range(len(tokens)), values.sum(axis=0), color="gray")
    top.set_xlim(ax.get_xlim())
    top.set_xticks([])
    return _labelled(ax, image, tokens, colorbar=False)


def image_grid_single_colorbar(tokens, attention, ax=None):
    from mpl_toolkits.axes_grid1 import ImageGrid
    if ax is not None:
        return matshow_extended_colorbar(tokens, attention, ax)
    figure = plt.figure(figsize=(6, 5))
    grid = ImageGrid(figure, 111, nrows_ncols=(1, 1), cbar_mode="single", cbar_location="right", cbar_pad=0.1)
    ax = grid[0]
    image = ax.imshow(np.asarray(attention), cmap="prism")
    grid.cbar_axes[0].colorbar(image).set_label("Attention Weight")
    return _labelled(ax, image, tokens, colorbar=False)


def subfigures_and_suptitle(tokens, attention, ax=None):
    if ax is None:
        figure = plt.figure(figsize=(10, 5), layout="constrained")
        left, right = figure.subfigures(1, 2, width_ratios=[2, 1])
        ax = left.subplots()
        right.subplots().plot(np.asarray(attention).sum(axis=0), marker="o")
        right.suptitle("Column sums")
        figure.suptitle("One sentence, one head")
    image = ax.imshow(np.asarray(attention), cmap="flag")
    return _labelled(ax, image, tokens)


def legend_of_row_maxima(tokens, attention, ax=None):
    ax = _axes(ax)
    values = np.asarray(attention)
    image = ax.imshow(values, cmap="gist_gray")
    columns = np.argmax(values, axis=1)
    ax.scatter(columns, range(len(tokens)), marker="x", color="red", s=20, label="strongest key")
    ax.legend(loc="upper left", bbox_to_anchor=(1.3, 1.0), title="Marks")
    return _labelled(ax, image, tokens)


def twin_and_secondary_axes(tokens, attention, ax=None):
    ax = _axes(ax)
    values = np.asarray(attention)
    image = ax.imshow(values, cmap="rainbow")
    twin = ax.twiny()  # the key tokens' numbers along the top
    twin.set_xlim(ax.get_xlim())
    twin.set_xticks(range(len(tokens)), labels=[str(index) for index in range(len(tokens))])
    return _labelled(ax, image, tokens, pad=0.12)


def tickers_and_styles(tokens, attention, ax=None):
    with plt.style.context("ggplot"):
        ax = _axes(ax)
        image = ax.imshow(np.asarray(attention), cmap="gist_grey", norm="asinh")
        _labelled(ax, image, tokens, format=ticker.PercentFormatter(1.0))
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, top=True, bottom=False)
    ax.grid(False)
    return ax


PLOT_TYPES = {function.__name__: function for function in (
    matshow_extended_colorbar, pcolor_hatched_edges, pcolormesh_boundary_norm, seaborn_palette_annotated,
    seaborn_listed_palette, annotations_and_path_effects, patches_around_cells, inset_colorbars,
    divider_with_marginal_bars, image_grid_single_colorbar, subfigures_and_suptitle, legend_of_row_maxima,
    twin_and_secondary_axes, tickers_and_styles)}
