"""What a figure's pickle may be made of, and what a refusal proves.

matplotlib pickles a figure as its objects' classes (named by module and exact name),
NumPy arrays, a few functions (the colormaps' segment functions, NumPy ufuncs in scale
transforms) and ``getattr(obj, name)`` for the bound methods its objects keep as
callbacks. :func:`admitted_global` and the guards below admit exactly that: everything
matplotlib's public API (and seaborn's heatmap) can put into a figure, by exact name,
and nothing that can run code of the sender's choosing: no builtin but plain data types,
no module's functions but the listed ones, ``getattr`` only for the method names
matplotlib's own pickles use, on matplotlib's own objects, and classes built at
unpickling only by matplotlib's own factories from matplotlib's own classes.
``autograde/tests/test_admitted.py`` pickles every registered colormap (with its
``_r``, ``with_extremes`` and ``resampled`` variants), every norm and a catalogue of
plot types, and reads each back.

A refusal is one of two kinds, because an honest student must never be accused:

* :class:`ForgedEvidence`: something no matplotlib call makes: a name from outside the
  libraries whose objects a figure holds (``os.system``, ``eval``, a class of the
  student's own), a ``getattr`` that reaches a special attribute or leaves matplotlib,
  a class changed while unpickling, a method replaced on a single object;
* :class:`NotAdmitted`: a name of those libraries (matplotlib, mpl_toolkits, seaborn,
  NumPy and the few they store) that the grader does not admit: an ordinary figure may
  hold it, so the grader, not the student, could not read it.
"""
import types

# Modules whose classes (defined there, by exact name) a figure may contain.
_CLASS_MODULES = frozenset({
    "matplotlib._enums", "matplotlib.artist", "matplotlib.axes._axes", "matplotlib.axes._base",
    "matplotlib.axes._secondary_axes", "matplotlib.axis", "matplotlib.category", "matplotlib.cbook",
    "matplotlib.collections", "matplotlib.colorbar", "matplotlib.colorizer", "matplotlib.colors",
    "matplotlib.container", "matplotlib.contour", "matplotlib.dates", "matplotlib.figure",
    "matplotlib.font_manager", "matplotlib.gridspec", "matplotlib.image", "matplotlib.inset",
    "matplotlib.layout_engine", "matplotlib.legend", "matplotlib.legend_handler", "matplotlib.lines",
    "matplotlib.markers", "matplotlib.offsetbox", "matplotlib.patches", "matplotlib.path",
    "matplotlib.patheffects", "matplotlib.projections.polar", "matplotlib.quiver", "matplotlib.scale",
    "matplotlib.spines", "matplotlib.table", "matplotlib.text", "matplotlib.ticker", "matplotlib.transforms",
    "matplotlib.tri._triangulation", "matplotlib.tri._tricontour", "matplotlib.tri._trifinder",
    "mpl_toolkits.axes_grid1.anchored_artists", "mpl_toolkits.axes_grid1.axes_divider",
    "mpl_toolkits.axes_grid1.axes_grid", "mpl_toolkits.axes_grid1.axes_size",
    "mpl_toolkits.axes_grid1.inset_locator", "mpl_toolkits.axes_grid1.mpl_axes",
    "mpl_toolkits.axes_grid1.parasite_axes", "mpl_toolkits.mplot3d.art3d", "mpl_toolkits.mplot3d.axes3d",
    "mpl_toolkits.mplot3d.axis3d",
})
# Classes that are never admitted even though their module is: they talk to the
# outside world (files, subprocesses, the pyplot state) when built or drawn, and no
# figure holds them.
_REFUSED_CLASSES = frozenset({("matplotlib.font_manager", "FontManager"),
                              ("matplotlib.cbook", "_lock_path")})
# Classes of other modules that matplotlib and seaborn store in a figure: a norm's
# signature (norm="symlog", "logit", "asinh"...), a date axis' values, a seaborn palette
# given as the colormap.
_OTHER_CLASSES = frozenset({
    ("inspect", "Signature"), ("inspect", "Parameter"), ("inspect", "_ParameterKind"), ("inspect", "_empty"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
    ("seaborn.palettes", "_ColorPalette"),
})
# Functions and other non-class globals matplotlib and NumPy pickles refer to.
_FUNCTIONS = frozenset({
    ("builtins", "getattr"), ("builtins", "object"), ("builtins", "slice"), ("builtins", "complex"),
    ("builtins", "frozenset"), ("builtins", "set"), ("builtins", "bytearray"), ("builtins", "range"),
    ("collections", "OrderedDict"), ("functools", "partial"), ("itertools", "count"),
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.ma", "MaskedArray"),
    ("numpy.ma.core", "MaskedArray"), ("numpy.ma.core", "_mareconstruct"),
    ("numpy.ma.core", "MaskedConstant"), ("numpy.ma.core", "mvoid"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.dtypes", "Float64DType"),
    # how a 3-D collection sorts its faces (Poly3DCollection.set_zsort)
    ("numpy", "average"), ("numpy", "min"), ("numpy", "max"),
    ("matplotlib.axis", "Axis._format_with_dict"), ("matplotlib.backend_bases", "_key_handler"),
    ("matplotlib.backend_bases", "_mouse_handler"), ("matplotlib.cbook", "_exception_printer"),
    ("matplotlib.colorbar", "_remove_cbar_axes"), ("matplotlib.colors", "_create_empty_object_of_class"),
    ("matplotlib.cbook", "_picklable_class_constructor"), ("matplotlib.artist", "_stale_axes_callback"),
    # a reversed colormap of segment functions (rainbow_r, gnuplot_r...): x -> f(1 - x)
    ("matplotlib.colors", "LinearSegmentedColormap._reverser"),
})
# Modules whose functions (defined there, by exact name) are admitted: matplotlib._cm holds the
# segment functions of the colormaps defined by formulas (rainbow, gnuplot, cubehelix, ocean, ...),
# plain arithmetic on the values they are given.
_FUNCTION_MODULES = frozenset({"matplotlib._cm"})
# The only (mixin, name format, attribute) combinations matplotlib builds classes from.
_CLASS_FACTORIES = {
    ("mpl_toolkits.axes_grid1.axes_grid.CbarAxesBase", "Cbar{}", None),
    ("mpl_toolkits.axes_grid1.parasite_axes.HostAxesBase", "{}HostAxes", "_base_axes_class"),
    ("mpl_toolkits.axes_grid1.parasite_axes.ParasiteAxesBase", "{}Parasite", None),
}
# getattr(obj, name) in a figure pickle: only these method names, on matplotlib
# objects (or `remove` on a list), never a dunder.
_GETATTR_NAMES = frozenset({
    "remove", "_remove_legend", "_unit_change_handler", "_cbar_cla", "_forward_boundaries",
    "_inverse_boundaries", "_get_view", "_set_view", "_set_view_from_bbox", "drag_pan", "inverse",
    "_remove_suplabel", "_remove_axes", "delaxes", "pick", "_findoffset", "_locate", "get_subplotspec",
    "get_affine", "get_matrix", "inverted", "transform", "transform_affine",
    "transform_non_affine", "transform_path", "transform_path_affine", "transform_path_non_affine",
    # inset_locator's insets, host_subplot's twins, an AnnotationBbox's image, a 3-D Axes' mouse
    "_unstale_viewLim", "_remove_any_twin", "_sync_lims", "get_window_extent",
    "_button_press", "_button_release", "_on_move",
})
# Top-level packages whose objects matplotlib's calls store in a figure: a name of theirs
# that is not admitted is the grader's limit, not proof of forgery.
_FIGURE_PACKAGES = frozenset({"matplotlib", "mpl_toolkits", "numpy", "seaborn", "inspect", "datetime",
                              "dateutil", "collections", "functools", "itertools"})


class ForgedEvidence(Exception):
    """The evidence holds something no matplotlib call makes."""


class NotAdmitted(Exception):
    """The evidence holds a name of matplotlib (or of a library whose objects figures hold)
    that the grader does not admit: an ordinary figure may hold it."""


def qualified(obj) -> str:
    """``module.QualifiedName`` of a class, or of an object's class."""
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_matplotlib(obj) -> bool:
    module = (type(obj).__module__ or "").split(".")[0]
    return module in ("matplotlib", "mpl_toolkits")


def _refused(module, name):
    """The refusal of a global: forged unless it comes from a package whose objects figures hold."""
    family = module.split(".")[0] in _FIGURE_PACKAGES and (module, name) not in _REFUSED_CLASSES
    return (NotAdmitted if family else ForgedEvidence)(f"{module}.{name}")


def _checked_getattr(obj, name, *default):
    from matplotlib.markers import MarkerStyle
    what = f"getattr({qualified(obj)}, {name!r})"
    # pickle writes a bound method as getattr(its object, its name): never with a default,
    # never a special name, and a figure's bound methods are matplotlib's (or a list's remove)
    if default or name.startswith("__"):
        raise ForgedEvidence(what)
    matplotlib_object = _is_matplotlib(obj) or (isinstance(obj, type) and obj.__module__.startswith("matplotlib"))
    if not (matplotlib_object or (type(obj) is list and name == "remove")):
        raise ForgedEvidence(what)
    # A MarkerStyle keeps the bound `_set_<marker>` method that draws its shape.
    marker_method = (isinstance(obj, MarkerStyle) and name.startswith("_set_")
                     and callable(getattr(MarkerStyle, name, None)))
    if not (name in _GETATTR_NAMES or marker_method):
        raise NotAdmitted(what)
    return getattr(obj, name)


def _checked_class_constructor(mixin_class, fmt, attr_name, base_class):
    from matplotlib.cbook import _picklable_class_constructor
    if (qualified(mixin_class), fmt, attr_name) not in _CLASS_FACTORIES or not (
            isinstance(base_class, type) and qualified(base_class).startswith(("matplotlib.", "mpl_toolkits."))):
        raise ForgedEvidence(f"a class built from {qualified(mixin_class)} and {fmt!r}")
    return _picklable_class_constructor(mixin_class, fmt, attr_name, base_class)


def _is_norm_class(cls) -> bool:
    from matplotlib.colors import Normalize
    return isinstance(cls, type) and issubclass(cls, Normalize)


def _checked_empty_object(cls):
    from matplotlib.colors import _create_empty_object_of_class
    if not _is_norm_class(cls):
        raise ForgedEvidence(f"an empty {qualified(cls)}")
    return _create_empty_object_of_class(cls)


def _checked_norm_constructor(scale_class, scale_args, scale_keywords, base_norm_class, signature):
    """A norm class made from a scale (``norm="symlog"``, ``make_norm_from_scale``): matplotlib's
    own factory, given a scale class, a norm class, a signature and plain arguments (used only
    as the factory's cache key: the norm's state comes from the pickle, its ``__init__`` is not run)."""
    import inspect

    from matplotlib.colors import _picklable_norm_constructor
    from matplotlib.scale import ScaleBase
    plain = (isinstance(scale_args, tuple) and isinstance(scale_keywords, tuple)
             and all(isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                     for item in scale_keywords))
    if not (isinstance(scale_class, type) and issubclass(scale_class, ScaleBase) and _is_norm_class(base_norm_class)
            and type(signature) is inspect.Signature and plain):
        raise ForgedEvidence(f"a norm built from {qualified(scale_class)} and {qualified(base_norm_class)}")
    return _picklable_norm_constructor(scale_class, scale_args, scale_keywords, base_norm_class, signature)


_GUARDED = {("builtins", "getattr"): _checked_getattr,
            ("matplotlib.cbook", "_picklable_class_constructor"): _checked_class_constructor,
            ("matplotlib.colors", "_create_empty_object_of_class"): _checked_empty_object,
            ("matplotlib.colors", "_picklable_norm_constructor"): _checked_norm_constructor}


def admitted_global(module, name, find):
    """What ``module.name`` in a figure's pickle stands for, found with ``find`` (the
    unpickler's own lookup) only once admitted; raises :class:`ForgedEvidence` or
    :class:`NotAdmitted` otherwise."""
    if (module, name) in _GUARDED:
        return _GUARDED[(module, name)]
    if (module, name) in _FUNCTIONS or (module, name) in _OTHER_CLASSES:
        return find(module, name)
    if module == "numpy" and "." not in name:
        import numpy
        value = getattr(numpy, name, None)
        if isinstance(value, numpy.ufunc):  # log10, exp, ... in scale transforms
            return value
    if module in _FUNCTION_MODULES and "." not in name:
        value = find(module, name)
        if isinstance(value, types.FunctionType) and value.__module__ == module and value.__qualname__ == name:
            return value
    if module in _CLASS_MODULES and (module, name) not in _REFUSED_CLASSES:
        value = find(module, name)
        if isinstance(value, type) and value.__module__ == module and value.__qualname__ == name:
            return value
    raise _refused(module, name)
