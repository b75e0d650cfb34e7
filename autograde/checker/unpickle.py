"""Reading evidence: unpickle only genuine figures, then read what they show.

:func:`read_evidence` turns what :func:`evidence.collect` sent back into what a
person would see. It unpickles with :class:`FigureUnpickler`, which admits only
matplotlib, NumPy and a few builtin types (exact names, and ``getattr`` only for
the handful of method names matplotlib's pickles use), checks the object graph
for forgery (methods shadowed on single objects), picks the Axes to judge and
reads its picture with :func:`read_picture`. At grading this runs in a separate
sandboxed process that never ran student code (``autograde.grading.inspector``);
in the self-check, in the student's kernel.

A forged evidence record can therefore only be a genuine matplotlib figure,
and it is judged on what it really shows.
"""
import base64
import collections
import functools
import io
import pickle
import types

from .picture import read_picture

#: Largest pickled drawing accepted for one call (bytes).
MAX_PICKLE_BYTES = 8_000_000
#: Most objects inspected when checking an unpickled drawing for forgery.
MAX_OBJECTS = 200_000

# Modules whose classes (defined there, by exact name) a figure may contain.
_CLASS_MODULES = frozenset({
    "matplotlib._enums", "matplotlib.artist", "matplotlib.axes._axes", "matplotlib.axes._base",
    "matplotlib.axes._secondary_axes", "matplotlib.axis", "matplotlib.category", "matplotlib.cbook",
    "matplotlib.collections", "matplotlib.colorbar", "matplotlib.colorizer", "matplotlib.colors",
    "matplotlib.container", "matplotlib.contour", "matplotlib.figure", "matplotlib.font_manager",
    "matplotlib.gridspec", "matplotlib.image", "matplotlib.inset", "matplotlib.layout_engine", "matplotlib.legend",
    "matplotlib.legend_handler", "matplotlib.lines", "matplotlib.markers", "matplotlib.offsetbox",
    "matplotlib.patches", "matplotlib.path", "matplotlib.patheffects", "matplotlib.scale",
    "matplotlib.spines", "matplotlib.table", "matplotlib.text", "matplotlib.ticker",
    "matplotlib.transforms", "matplotlib.tri._triangulation", "matplotlib.tri._tricontour",
    "matplotlib.tri._trifinder", "matplotlib.quiver",
    "mpl_toolkits.axes_grid1.anchored_artists", "mpl_toolkits.axes_grid1.axes_divider",
    "mpl_toolkits.axes_grid1.axes_grid", "mpl_toolkits.axes_grid1.axes_size",
    "mpl_toolkits.axes_grid1.inset_locator", "mpl_toolkits.axes_grid1.mpl_axes",
    "mpl_toolkits.axes_grid1.parasite_axes",
})
# Classes that are never admitted even though their module is: they talk to the
# outside world (files, subprocesses, the pyplot state) when built or drawn.
_REFUSED_CLASSES = frozenset({("matplotlib.font_manager", "FontManager"),
                              ("matplotlib.cbook", "_lock_path")})
# Functions and other non-class globals matplotlib and NumPy pickles refer to.
_FUNCTIONS = frozenset({
    ("builtins", "getattr"), ("builtins", "object"), ("builtins", "slice"), ("builtins", "complex"),
    ("builtins", "frozenset"), ("builtins", "set"), ("builtins", "bytearray"),
    ("collections", "OrderedDict"), ("functools", "partial"), ("itertools", "count"),
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.ma", "MaskedArray"),
    ("numpy.ma.core", "MaskedArray"), ("numpy.ma.core", "_mareconstruct"),
    ("numpy.ma.core", "MaskedConstant"), ("numpy.ma.core", "mvoid"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.dtypes", "Float64DType"),
    ("matplotlib.axis", "Axis._format_with_dict"), ("matplotlib.backend_bases", "_key_handler"),
    ("matplotlib.backend_bases", "_mouse_handler"), ("matplotlib.cbook", "_exception_printer"),
    ("matplotlib.colorbar", "_remove_cbar_axes"), ("matplotlib.colors", "_create_empty_object_of_class"),
    ("matplotlib.cbook", "_picklable_class_constructor"), ("matplotlib.artist", "_stale_axes_callback"),
})
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
})


class ForgedEvidence(Exception):
    """The evidence holds something no genuine matplotlib figure holds."""


def _qualified(obj) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_matplotlib(obj) -> bool:
    module = (type(obj).__module__ or "").split(".")[0]
    return module in ("matplotlib", "mpl_toolkits")


def _checked_getattr(obj, name, *default):
    from matplotlib.markers import MarkerStyle
    # A MarkerStyle keeps the bound `_set_<marker>` method that draws its shape.
    marker_method = (isinstance(obj, MarkerStyle) and name.startswith("_set_")
                     and callable(getattr(MarkerStyle, name, None)))
    if default or not (name in _GETATTR_NAMES or marker_method):
        raise ForgedEvidence(f"getattr({_qualified(obj)}, {name!r})")
    if not (_is_matplotlib(obj) or (isinstance(obj, type) and obj.__module__.startswith("matplotlib"))
            or (type(obj) is list and name == "remove")):
        raise ForgedEvidence(f"getattr({_qualified(obj)}, {name!r})")
    return getattr(obj, name)


def _checked_class_constructor(mixin_class, fmt, attr_name, base_class):
    from matplotlib.cbook import _picklable_class_constructor
    if (_qualified(mixin_class), fmt, attr_name) not in _CLASS_FACTORIES or not (
            isinstance(base_class, type) and _qualified(base_class).startswith(("matplotlib.", "mpl_toolkits."))):
        raise ForgedEvidence(f"a class built from {_qualified(mixin_class)} and {fmt!r}")
    return _picklable_class_constructor(mixin_class, fmt, attr_name, base_class)


def _checked_empty_object(cls):
    from matplotlib.colors import Normalize, _create_empty_object_of_class
    if not (isinstance(cls, type) and issubclass(cls, Normalize)):
        raise ForgedEvidence(f"an empty {_qualified(cls)}")
    return _create_empty_object_of_class(cls)


_GUARDED = {("builtins", "getattr"): _checked_getattr,
            ("matplotlib.cbook", "_picklable_class_constructor"): _checked_class_constructor,
            ("matplotlib.colors", "_create_empty_object_of_class"): _checked_empty_object}


class FigureUnpickler(pickle._Unpickler):  # the Python unpickler: its BUILD step can be checked
    """An unpickler that admits only what matplotlib figure pickles are made of."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def find_class(self, module, name):
        if (module, name) in _GUARDED:
            return _GUARDED[(module, name)]
        if (module, name) in _FUNCTIONS:
            return super().find_class(module, name)
        if module == "numpy" and "." not in name:
            import numpy
            value = getattr(numpy, name, None)
            if isinstance(value, numpy.ufunc):  # log10, exp, ... in scale transforms
                return value
        if module in _CLASS_MODULES and (module, name) not in _REFUSED_CLASSES:
            value = super().find_class(module, name)
            if isinstance(value, type) and value.__module__ == module and value.__qualname__ == name:
                return value
        raise ForgedEvidence(f"{module}.{name}")

    def load_build(self):
        # BUILD sets attributes on the object below it: only ever on an instance (on a class it
        # would change how every object of that class behaves), and through "slot state" (setattr)
        # never a dunder (no changing an object's __class__ or __dict__ wholesale).
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                               types.MethodType)):
            raise ForgedEvidence(f"attributes set on {_qualified(target)} itself while unpickling")
        if isinstance(state, tuple) and len(state) == 2:
            for part in state:
                if isinstance(part, dict) and any(not isinstance(k, str) or k.startswith("__") for k in part):
                    raise ForgedEvidence("an object's special attributes set while unpickling")
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def _load(data: bytes):
    import matplotlib.pyplot  # noqa: F401 - unpickled pyplot figures re-register with it
    return FigureUnpickler(io.BytesIO(data)).load()


# Methods matplotlib itself installs on single objects: a colorbar puts its
# own navigation methods (and ``cla``) on its Axes; a TransformWrapper forwards
# its child's methods.
_COLORBAR_AXES_METHODS = {"_get_view": "_get_view", "_set_view": "_set_view",
                          "_set_view_from_bbox": "_set_view_from_bbox", "drag_pan": "drag_pan",
                          "cla": "_cbar_cla"}


def _allowed_shadow(obj, key, value) -> bool:
    from matplotlib.axes import Axes
    from matplotlib.colorbar import Colorbar
    from matplotlib.transforms import Transform, TransformWrapper
    owner = getattr(value, "__self__", None)
    function = getattr(value, "__func__", None)
    if owner is None or function is None:
        return False
    if isinstance(obj, TransformWrapper) and isinstance(owner, Transform):
        return function is getattr(type(owner), key, None)
    if isinstance(obj, Axes) and isinstance(owner, Colorbar) and key in _COLORBAR_AXES_METHODS:
        return function is getattr(Colorbar, _COLORBAR_AXES_METHODS[key]) and owner.ax is obj
    return False


@functools.lru_cache(maxsize=4096)
def _is_method(cls, key) -> bool:
    """True when ``cls`` gives ``key`` a method: an instance attribute of that name
    would replace it. (Properties cannot be replaced that way: they win over the
    instance's own attributes.)"""
    for klass in cls.__mro__:
        if key in vars(klass):
            found = type(vars(klass)[key])
            return hasattr(found, "__get__") and not hasattr(found, "__set__")
    return False


def check_genuine(root) -> None:
    """Raise :class:`ForgedEvidence` if any object reachable from ``root`` has a method
    replaced on it (an attribute that shadows its class's method or property), other
    than the few matplotlib installs itself."""
    seen, queue = set(), collections.deque([root])
    while queue:
        obj = queue.popleft()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None), types.FunctionType,
                                                types.BuiltinFunctionType, type)):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise ForgedEvidence("far more objects than any figure holds")
        if isinstance(obj, dict):
            queue.extend(obj.keys())
            queue.extend(obj.values())
            continue
        if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            queue.extend(obj)
            continue
        if isinstance(obj, types.MethodType):
            queue.append(obj.__self__)
            continue
        if isinstance(obj, functools.partial):
            queue.extend((obj.func, obj.args, obj.keywords))
            continue
        own = getattr(obj, "__dict__", None)
        if own is None or _qualified(obj).startswith("numpy."):
            continue
        cls = type(obj)
        for key, value in own.items():
            if callable(value) and _is_method(cls, key) and not _allowed_shadow(obj, key, value):
                raise ForgedEvidence(f"{_qualified(obj)}.{key} replaced on a single object")
            queue.append(value)


def load_drawing(evidence: dict):
    """``(drawing, problem, flags)``: the unpickled ``{"returned", "given", "current",
    "figures"}`` of one call, or None with a plain-words problem; flags name forgery."""
    encoded = evidence.get("pickle")
    if not isinstance(encoded, str):
        return None, "no drawing was recorded for this call", []
    if len(encoded) > MAX_PICKLE_BYTES * 4 // 3 + 4:
        return None, "the drawing is far larger than a heatmap's", ["evidence larger than any heatmap"]
    try:
        drawing = _load(base64.b64decode(encoded, validate=True))
        check_genuine(drawing)
    except ForgedEvidence as exc:
        return None, (f"the figure holds something the grader cannot read ({exc}): draw with "
                      f"matplotlib's own artists, ticks and colorbar"), [
            f"evidence refused: it holds {exc}, which no plain matplotlib figure does"]
    except RecursionError:
        return None, "the drawing could not be read (nested too deeply)", ["evidence nested too deeply"]
    except Exception as exc:  # noqa: BLE001 - any other failure to read is the call's problem
        return None, f"the drawing could not be read ({type(exc).__name__})", [
            f"unreadable evidence ({type(exc).__name__}: {str(exc)[:120]})"]
    if not isinstance(drawing, dict) or set(drawing) != {"returned", "given", "current", "figures"}:
        return None, "the drawing is not in the expected form", ["evidence in an unexpected form"]
    return drawing, None, []


def _genuine_axes(value):
    from matplotlib.axes import Axes
    if not isinstance(value, Axes):
        return None
    figure = value.get_figure(root=False)
    return value if figure is not None and value in figure.axes else None


def read_evidence(evidence: dict, order=("returned", "given", "current"), show=None) -> dict:
    """What one call's evidence shows, as plain data for :func:`judge_call`.

    Keys: ``status``, ``exception`` and ``returned`` (copied from the evidence,
    untrusted facts), ``returned_given`` (the returned Axes is the given one),
    ``returned_axes`` (a genuine Axes in its figure came back), ``read_from``
    (the Axes whose picture was read: the first of ``order`` that shows a
    heatmap, else the first there is; the policy, :func:`verdicts.axes_to_read`,
    chooses ``order``), ``picture`` (:func:`read_picture` of it), ``problem``
    and ``flags``. A call that raised is read too when it sent a drawing.
    ``show``: a function of the unpickled drawing whose result becomes ``png``
    (the inspector draws the figure the caller saw while the drawing is open).
    """
    result = {"status": evidence.get("status"), "exception": _clean_exception(evidence.get("exception")),
              "returned": clean_text(evidence.get("returned"), 60), "returned_given": False,
              "returned_axes": False, "read_from": None, "picture": None, "problem": None, "flags": []}
    if result["status"] != "returned" and not (result["status"] == "raised" and evidence.get("pickle")):
        return result
    import matplotlib.pyplot as plt
    opened_before = set(plt.get_fignums())  # unpickled pyplot figures register with pyplot
    drawing, problem, flags = load_drawing(evidence)
    result["problem"], result["flags"] = problem, flags
    if drawing is None:
        _close_figures_opened_since(opened_before)
        return result
    try:
        result["returned_axes"] = _genuine_axes(drawing["returned"]) is not None
        result["returned_given"] = result["returned_axes"] and drawing["returned"] is drawing["given"]
        # Judge the first Axes of `order` that holds the heatmap; the return value is
        # judged on its own. (Each reading renders the figure: read each Axes once, and
        # stop at the first with a heatmap.)
        candidates = [(name, _genuine_axes(drawing[name])) for name in order]
        pictures, chosen = [], None
        for name, axes in candidates:
            if axes is None or any(axes is read for _, read, _ in pictures):
                continue
            pictures.append((name, axes, read_picture(axes)))
            if pictures[-1][2].get("main") is not None:
                chosen = pictures[-1]
                break
        chosen = chosen or (pictures or [None])[0]
        if chosen is None:
            result["problem"] = "no matplotlib Axes was drawn or returned"
        else:
            result["read_from"], result["picture"] = chosen[0], chosen[2]
        if show is not None:
            result["png"] = show(drawing)
    except Exception as exc:  # noqa: BLE001 - a genuine but unreadable figure is the call's problem
        result["problem"] = f"the figure could not be read ({type(exc).__name__}: {str(exc)[:120]})"
    finally:
        _close_figures_opened_since(opened_before)
    return result


def _close_figures_opened_since(opened_before):
    """Close the figures unpickling registered with pyplot (and only those: in a student's
    kernel the others are the student's)."""
    import matplotlib.pyplot as plt
    for number in set(plt.get_fignums()) - opened_before:
        plt.close(number)


def clean_text(value, limit=300):
    """Text that may come from a submission, made safe to print or show: one line of
    printable characters (no terminal control codes), at most ``limit`` long."""
    if value is None:
        return None
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text[:limit]


def _clean_exception(exception):
    if not isinstance(exception, dict):
        return None
    line = exception.get("line")
    return {"type": clean_text(exception.get("type"), 60) or "Exception",
            "message": clean_text(exception.get("message")) or "",
            "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
            "code": clean_text(exception.get("code"), 160)}
