"""No honest figure is refused: every colormap, norm and plot type round-trips through the unpickler.

Fast and in-process: many heatmaps on one figure, pickled as ``evidence.collect`` pickles
a drawing and read back by :func:`load_drawing` (the restricted unpickler and the check
for methods replaced on single objects). Each must be admitted, and map values to the
very colours it mapped them to before. The plot-type catalogue (``plot_types.py``) is
taken through a real call (``collect``, in a forked child) and read back the same way;
``test_admitted_sweep.py`` grades them all.
"""
import base64
import pickle

import matplotlib
import numpy as np
import pytest
from matplotlib import colors, scale
from matplotlib.figure import Figure

matplotlib.use("agg")

from autograde.checker.evidence import collect  # noqa: E402
from autograde.checker.spec import public_calls  # noqa: E402
from autograde.checker.unpickle import load_drawing  # noqa: E402
from autograde.tests.plot_types import PLOT_TYPES  # noqa: E402

VALUES = np.linspace(-0.5, 1.5, 24).reshape(4, 6)  # some below and above the colour limits
VALUES[0, 0] = np.nan  # a "bad" cell


def colormap_variants():
    """Every registered colormap (the ``_r`` ones are registered too), reversed, with its
    extremes set, and resampled: (label, colormap)."""
    for name in matplotlib.colormaps:
        colormap = matplotlib.colormaps[name]
        yield name, colormap
        yield f"{name}.reversed()", colormap.reversed()
        yield f"{name}.with_extremes()", colormap.with_extremes(bad="black", under="white", over="red")
        yield f"{name}.resampled(7)", colormap.resampled(7)


def norms():
    """Every norm a figure can hold: (label, norm given to imshow, colormap or None)."""
    logit = colors.make_norm_from_scale(scale.LogitScale)(colors.Normalize)
    cmap, boundaries = colors.from_levels_and_colors([0, 0.3, 0.6, 1], ["navy", "teal", "gold"])
    return [
        ("Normalize", colors.Normalize(0, 1), None), ("LogNorm", colors.LogNorm(0.01, 1), None),
        ("SymLogNorm", colors.SymLogNorm(0.1, vmin=-1, vmax=1), None), ("PowerNorm", colors.PowerNorm(0.5, 0, 1), None),
        ("BoundaryNorm", colors.BoundaryNorm([0, 0.2, 0.5, 1], 256), None),
        ("from_levels_and_colors", boundaries, cmap),
        ("TwoSlopeNorm", colors.TwoSlopeNorm(0.3, 0, 1), None), ("CenteredNorm", colors.CenteredNorm(0.5), None),
        ("AsinhNorm", colors.AsinhNorm(vmin=0, vmax=1), None), ("NoNorm", colors.NoNorm(), None),
        ("FuncNorm", colors.FuncNorm((np.sqrt, np.square), 0, 1), None),
        ("make_norm_from_scale(LogitScale)", logit(0.01, 0.99), None),
        *[(f'norm="{name}"', name, None) for name in ("linear", "log", "symlog", "logit", "asinh")],
    ]


def round_trip(figure, ax):
    """The drawing read back as the inspector reads it (problem and flags must be empty)."""
    drawing = {"returned": ax, "given": None, "current": ax, "figures": [figure]}
    record = {"pickle": base64.b64encode(pickle.dumps(drawing, protocol=4)).decode()}
    loaded, problem, flags, refused = load_drawing(record)
    assert (problem, flags, refused) == (None, [], None)
    return loaded["returned"]


def test_every_colormap_and_its_variants_round_trip():
    figure = Figure()
    ax = figure.add_subplot()
    variants = dict(colormap_variants())
    assert len(variants) >= 4 * 180
    images = [ax.imshow(VALUES, cmap=colormap, vmin=0, vmax=1) for colormap in variants.values()]
    figure.colorbar(images[-1], ax=ax)
    copies = round_trip(figure, ax).images
    for label, image, copy in zip(variants, images, copies):
        assert np.array_equal(copy.to_rgba(VALUES), image.to_rgba(VALUES)), label


def test_every_norm_round_trips():
    figure = Figure()
    ax = figure.add_subplot()
    found = norms()
    positive = np.clip(VALUES, 0.02, 0.98)  # inside every norm's domain
    images = [ax.imshow(positive, norm=norm, cmap=cmap) for _, norm, cmap in found]
    for image in images:
        figure.colorbar(image, ax=ax)
    copies = round_trip(figure, ax).images
    for (label, _, _), image, copy in zip(found, images, copies):
        assert type(copy.norm).__name__ == type(image.norm).__name__, label
        assert np.allclose(copy.to_rgba(positive), image.to_rgba(positive)), label


def _transform_nodes(root):
    """Every matplotlib transform reachable from ``root`` through attributes and containers."""
    from matplotlib.transforms import TransformNode
    seen, queue, found = set(), [root], []
    while queue:
        obj = queue.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, TransformNode):
            found.append(obj)
        if isinstance(obj, dict):
            queue.extend(obj.values())
        elif isinstance(obj, (list, tuple)):
            queue.extend(obj)
        elif type(obj).__module__.startswith("matplotlib") and hasattr(obj, "__dict__"):
            queue.extend(vars(obj).values())
    return found


def test_an_unpickled_transform_files_its_parents_under_their_ids_here():
    """Matplotlib's unpickling keeps the ids of the process that pickled the figure as the
    keys of each transform's parents; a transform made while reading that gets one of those
    ids takes the key, and the unpickled parent is no longer told of changes (a colorbar or
    cells drawn off their place: honest pictures lost points at random)."""
    figure = Figure()
    ax = figure.add_subplot()
    figure.colorbar(ax.imshow(VALUES), ax=ax).set_label("Attention Weight")
    nodes = _transform_nodes(round_trip(figure, ax).get_figure(root=True))
    assert len(nodes) > 50
    stale = [(key, type(node).__name__) for node in nodes for key, parent in node._parents.items()
             if key != id(parent())]
    assert not stale, stale[:5]


@pytest.mark.parametrize("name", sorted(PLOT_TYPES))
def test_every_plot_type_of_the_catalogue_is_admitted(name):
    for call in public_calls():
        record = collect(PLOT_TYPES[name], call)
        assert record["status"] == "returned", record["exception"]
        drawing, problem, flags, refused = load_drawing(record)
        assert (problem, flags, refused) == (None, [], None), name
