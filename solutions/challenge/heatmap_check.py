"""Checks for the attention-heatmap challenge (``plot_attention_heatmap``).

The challenge notebook imports this module in its first, read-only cell and
calls :func:`protect` before any student code runs. The check cells then call

* :func:`self_check` (the visible self-check: the challenge's own sentence), and
* :func:`require` (one graded cell per criterion, see :data:`CRITERIA`).

How the checks stay fair and hard to fool
-----------------------------------------
* The student's function is called in a **forked child process**. Whatever it
  does there (loops, sleeps, ``sys.exit``, ``os._exit``, warnings, prints,
  hundreds of figures, monkeypatching) cannot hang, kill or pollute the
  notebook's kernel; the child is killed after :data:`CALL_TIMEOUT` seconds.
* :func:`protect` records matplotlib, NumPy, IPython and this module as they
  are before the student's code runs (every class and module attribute, every
  function's code object, the builtins, ``sys.modules`` and IPython's
  exception/input hooks). Before inspecting a plot the child compares the
  present state with that record, **restores** anything changed and reports it
  as a flag, so the checks themselves always run on genuine matplotlib.
* A plot is read through public matplotlib API only, after a canvas draw.

Each check returns a plain-words message; points are set by the notebook's
graded cells (nbgrader metadata), not here. Importing this module has no side
effects.
"""
import builtins
import io
import marshal
import os
import select
import signal
import sys
import types
import warnings

__all__ = ["CRITERIA", "CALL_TIMEOUT", "protect", "self_check", "require",
           "check_function", "inspect_axes", "VERDICT_PREFIX", "FLAG_PREFIX"]

#: The graded criteria, in notebook order, with what each one means.
CRITERIA = {
    "returns_axes": "returns the matplotlib Axes it drew on",
    "matrix": "the heatmap shows exactly the given matrix (rows = query tokens, columns = key tokens)",
    "x_ticks": "x tick labels are the tokens, one per column, centred on the columns",
    "y_ticks": "y tick labels are the tokens, one per row, centred on the rows",
    "colorbar": 'a colorbar for the heatmap, labelled "Attention Weight"',
    "title": 'the title is "Attention Heatmap"',
}
#: Short names used in messages.
NAMES = {"returns_axes": "return value", "matrix": "matrix", "x_ticks": "x tick labels",
         "y_ticks": "y tick labels", "colorbar": "colorbar", "title": "title"}
EXPECTED_TITLE = "Attention Heatmap"
EXPECTED_COLORBAR_LABEL = "Attention Weight"

#: Seconds one call of the student's function may take before it is stopped.
CALL_TIMEOUT = 10.0

#: Lines printed on stdout that nbgrader's validator (autograde/) reads back.
VERDICT_PREFIX = "[heatmap-check]"
FLAG_PREFIX = "[heatmap-check flag]"

PUBLIC_SENTENCE = "Attention helps models understand context."
PUBLIC_ATTENTION = [
    [0.25, 0.15, 0.20, 0.20, 0.20],
    [0.10, 0.40, 0.15, 0.20, 0.15],
    [0.15, 0.10, 0.35, 0.20, 0.20],
    [0.20, 0.15, 0.20, 0.25, 0.20],
    [0.15, 0.20, 0.20, 0.20, 0.25],
]
# A second sentence and a matrix that is far from symmetric (a transposed plot
# differs everywhere), with values that are not a rescaling of each other.
HIDDEN_SENTENCE = "Queries look at keys."
HIDDEN_ATTENTION = [
    [0.70, 0.05, 0.15, 0.10],
    [0.02, 0.08, 0.60, 0.30],
    [0.33, 0.27, 0.04, 0.36],
    [0.12, 0.48, 0.01, 0.39],
]

# Captured at import: C functions and types cannot be altered in place, so
# holding them keeps the plumbing below genuine whatever student code rebinds.
# os.fork is missing on Windows: there the checks run in-process (see _call_in_process).
_fork, _pipe, _read, _write, _close = getattr(os, "fork", None), os.pipe, os.read, os.write, os.close
_waitpid, _kill, _dup2, _devnull_open = os.waitpid, os.kill, os.dup2, os.open
_exit, _select, _dumps, _loads = os._exit, select.select, marshal.dumps, marshal.loads
_monotonic = __import__("time").monotonic
_AssertionError, _BaseException, _print = AssertionError, BaseException, print
_isinstance, _type, _id, _len, _vars = isinstance, type, id, len, vars

_WATCHED = ("matplotlib", "mpl_toolkits", "numpy", "IPython", "matplotlib_inline",
            "heatmap_check", "seaborn", "marshal", "select", "io", "warnings")
_TRUSTED = _WATCHED + ("ipykernel", "traitlets", "functools", "weakref")
# Changes the kernel itself makes while running cells (it swaps input() per cell,
# copy/pickle cache __slotnames__ on classes): never reported.
_KERNEL_BUILTINS = ("input", "raw_input", "getpass")
_CACHE_ATTRIBUTES = ("__slotnames__",)
_IPYTHON_HOOKS = ("custom_exceptions", "CustomTB", "showtraceback", "showsyntaxerror",
                  "_showtraceback", "run_cell", "run_cell_async", "run_code", "excepthook")


# --------------------------------------------------------------------------
# The record of matplotlib & co. before student code runs
# --------------------------------------------------------------------------
def _is_watched(name):
    return name.split(".")[0] in _WATCHED


def _defined_in_trusted_module(value):
    """True when a callable comes from matplotlib, NumPy, IPython or the kernel."""
    function = getattr(value, "__func__", None) or getattr(value, "func", None) or value
    return (getattr(function, "__module__", None) or "").split(".")[0] in _TRUSTED


def _is_behaviour(value):
    """Functions, classes and descriptors: what decides how objects behave."""
    return value is _MISSING or callable(value) or hasattr(_type(value), "__get__")


def _functions_in(value):
    """The Python functions a class/module attribute stands for."""
    if _isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if _isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if _isinstance(f, types.FunctionType)]
    if _isinstance(value, types.FunctionType):
        return [value]
    return []


class _Record:
    """What matplotlib, NumPy, IPython and the builtins looked like at :func:`protect`."""

    def __init__(self):
        self.builtins = dict(_vars(builtins))
        self.sys_modules = dict(sys.modules)
        self.modules, self.classes, self.code = {}, {}, {}
        for name, module in list(sys.modules.items()):
            if _is_watched(name) and _isinstance(module, types.ModuleType):
                self._record_module(name, module)
        self.known_types = set(self.classes)
        self.sys_hooks = (sys.gettrace(), sys.getprofile(), sys.excepthook)
        self.streams = (sys.stdout, sys.stderr)
        self.shell = _shell()
        self.shell_state = _shell_state(self.shell)

    def _record_module(self, name, module):
        namespace = _vars(module)
        self.modules[name] = (module, {k: v for k, v in namespace.items()
                                       if _isinstance(v, (type, types.FunctionType,
                                                          types.BuiltinFunctionType,
                                                          types.ModuleType))})
        for value in list(namespace.values()):
            for function in _functions_in(value):
                self._record_function(function)
            if _isinstance(value, type) and value.__module__ == name and value not in self.classes:
                self.classes[value] = dict(_vars(value))
                for member in list(_vars(value).values()):
                    for function in _functions_in(member):
                        self._record_function(function)

    def _record_function(self, function):
        self.code[function] = (function.__code__, function.__defaults__, function.__kwdefaults__)

    def is_genuine_type(self, cls):
        """True for classes that existed before student code ran, or that matplotlib
        itself defined later (e.g. ``mpl_toolkits`` imported by the student)."""
        if cls in self.known_types:
            return True
        module = sys.modules.get(getattr(cls, "__module__", None) or "")
        origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
        return (_is_watched(cls.__module__) and _vars(module).get(cls.__name__) is cls
                and "site-packages" in origin and cls.__module__ not in self.modules)

    def changes(self, restore):
        """Describe (and optionally undo) everything changed since the record."""
        found = []
        # 1. builtins first: plain dict operations only, so a fake builtin cannot interfere.
        current = _vars(builtins)
        for key, value in self.builtins.items():
            if current.get(key) is not value and key not in _KERNEL_BUILTINS:
                found.append(f"the builtin {key}() was replaced")
                if restore:
                    current[key] = value
        for key in [k for k in current if k not in self.builtins]:
            if key in ("_", "__", "___") or key.startswith("_i"):
                continue
            found.append(f"a builtin named {key} was added")
            if restore:
                del current[key]
        # 2. sys.modules: replaced or injected modules.
        for name, module in self.sys_modules.items():
            now = sys.modules.get(name)
            if now is not None and now is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
                if restore:
                    sys.modules[name] = module
        for name, module in list(sys.modules.items()):
            if name in self.sys_modules:
                continue
            spec = getattr(module, "__spec__", None)
            if not _isinstance(module, types.ModuleType) or spec is None and _is_watched(name):
                found.append(f"a module {name!r} was injected into sys.modules")
                if restore:
                    del sys.modules[name]
        # 3. module attributes (functions, classes, submodules); IPython's own
        #    wrappers (``%matplotlib`` wraps pyplot.draw_if_interactive) are fine.
        for name, (module, attributes) in self.modules.items():
            namespace = _vars(module)
            for key, value in attributes.items():
                now = namespace.get(key)
                if now is not value and not (callable(now) and _defined_in_trusted_module(now)):
                    found.append(f"{name}.{key} was replaced")
                    if restore:
                        namespace[key] = value
        # 4. class behaviour (methods, properties, ...), added or replaced; plain
        #    data such as matplotlib's cached unit shapes may change.
        for cls, attributes in self.classes.items():
            namespace = _vars(cls)
            for key in [k for k, v in namespace.items() if k not in attributes
                        and k not in _CACHE_ATTRIBUTES and _is_behaviour(v)]:
                found.append(f"{cls.__module__}.{cls.__qualname__}.{key} was added")
                if restore:
                    type.__delattr__(cls, key)
            for key, value in attributes.items():
                now = namespace.get(key, _MISSING)
                if now is not value and (_is_behaviour(value) or _is_behaviour(now)):
                    found.append(f"{cls.__module__}.{cls.__qualname__}.{key} was replaced")
                    if restore:
                        type.__setattr__(cls, key, value)
        # 5. code objects swapped inside existing functions.
        for function, (code, defaults, kwdefaults) in self.code.items():
            if (function.__code__ is not code or function.__defaults__ is not defaults
                    or function.__kwdefaults__ is not kwdefaults):
                found.append(f"the code of {function.__module__}.{function.__qualname__} was changed")
                if restore:
                    function.__code__, function.__defaults__ = code, defaults
                    function.__kwdefaults__ = kwdefaults
        # 6. tracing and exception hooks.
        if (sys.gettrace(), sys.getprofile(), sys.excepthook) != self.sys_hooks:
            found.append("a trace, profile or excepthook function was installed")
            if restore:
                sys.settrace(self.sys_hooks[0])
                sys.setprofile(self.sys_hooks[1])
                sys.excepthook = self.sys_hooks[2]
        if (sys.stdout, sys.stderr) != self.streams:
            found.append("sys.stdout or sys.stderr was replaced (output hidden)")
            if restore:
                sys.stdout, sys.stderr = self.streams
        found.extend(_restore_shell(self.shell, self.shell_state, restore))
        return found


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the course always has IPython
        return None
    return get_ipython()


def _shell_state(shell):
    if shell is None:
        return None
    own = _vars(shell)
    return {
        "attributes": {k: own.get(k, _MISSING) for k in _IPYTHON_HOOKS},
        "lists": {k: list(getattr(shell, k, [])) for k in
                  ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")},
        "manager": list(getattr(shell.input_transformer_manager, "cleanup_transforms", [])) +
                   list(getattr(shell.input_transformer_manager, "line_transforms", [])),
        "events": {k: list(v) for k, v in shell.events.callbacks.items()},
    }


_MISSING = object()


def _restore_shell(shell, state, restore):
    if shell is None or state is None:
        return []
    found = []
    own = _vars(shell)
    for key, value in state["attributes"].items():
        if own.get(key, _MISSING) is not value:
            found.append(f"IPython's {key} was replaced (e.g. set_custom_exc / showtraceback)")
            if restore:
                if value is _MISSING:
                    own.pop(key, None)
                else:
                    own[key] = value
    for key, value in state["lists"].items():
        if list(getattr(shell, key, [])) != value:
            found.append(f"IPython's {key} was changed")
            if restore:
                setattr(shell, key, list(value))
    manager = shell.input_transformer_manager
    now = list(getattr(manager, "cleanup_transforms", [])) + list(getattr(manager, "line_transforms", []))
    if now != state["manager"]:
        found.append("IPython's input transformers were changed")
    for event, callbacks in state["events"].items():
        now = shell.events.callbacks.get(event, [])
        added = [c for c in now if c not in callbacks and not _defined_in_trusted_module(c)]
        if added or any(c not in now for c in callbacks):
            found.append(f"an IPython {event!r} event callback was registered or removed")
            if restore:
                now[:] = callbacks + [c for c in now if c not in callbacks and c not in added]
    return found


_record = None


def protect():
    """Record matplotlib, NumPy, IPython and the builtins as they are now.

    Call once, before any student code runs (the challenge's first cell does).
    Later calls keep the first record.
    """
    global _record
    import matplotlib.pyplot  # noqa: F401  (record pyplot and the figure classes too)
    import matplotlib.colorbar  # noqa: F401
    import matplotlib.collections  # noqa: F401
    if _record is None:
        _record = _Record()


def _the_record():
    if _record is None:
        protect()
    return _record


# --------------------------------------------------------------------------
# Reading a heatmap through public matplotlib API
# --------------------------------------------------------------------------
def _normalise(text, strip_punctuation):
    text = str(text).strip()
    if strip_punctuation and text[-1:] in (".", ";"):
        text = text[:-1].rstrip()
    return text


def _compare_text(what, actual, expected):
    """A message when ``actual`` is not ``expected`` (None when it is)."""
    got = _normalise(actual, True)
    if got == expected:
        return None
    if not got:
        return f'{what} is missing: expected "{expected}"'
    if got.lower() == expected.lower():
        return f'{what} is "{got}": the capitalisation differs (case matters), expected "{expected}"'
    return f'{what} is "{got}", expected "{expected}"'


def _find_heatmap(ax):
    """The image or mesh that holds a 2-D array of values, or None."""
    from matplotlib.collections import QuadMesh
    candidates = list(ax.images) + [c for c in ax.collections if _isinstance(c, QuadMesh)]
    for candidate in candidates:
        array = candidate.get_array()
        if array is not None and getattr(array, "ndim", 0) == 2:
            return candidate
    return candidates[0] if candidates else None


def _cell_centres(heatmap, n_rows, n_columns):
    """(column centres along x, row centres along y) in data coordinates,
    or a message when the heatmap's cells are not laid out as a grid."""
    import numpy as np
    from matplotlib.image import AxesImage
    if _isinstance(heatmap, AxesImage):
        left, right, bottom, top = heatmap.get_extent()
        if heatmap.origin == "upper":
            first, last = top, bottom
        else:
            first, last = bottom, top
        columns = left + (np.arange(n_columns) + 0.5) * (right - left) / n_columns
        rows = first + (np.arange(n_rows) + 0.5) * (last - first) / n_rows
        return columns, rows, None
    corners = np.asarray(heatmap.get_coordinates(), dtype=float)
    if corners.shape[:2] != (n_rows + 1, n_columns + 1):
        return None, None, "the mesh's cells do not match the matrix's shape"
    centres = (corners[:-1, :-1] + corners[1:, 1:] + corners[:-1, 1:] + corners[1:, :-1]) / 4
    columns, rows = centres[0, :, 0], centres[:, 0, 1]
    if not (np.allclose(centres[:, :, 0], columns[None, :]) and np.allclose(centres[:, :, 1], rows[:, None])):
        return None, None, ("the mesh is transposed or not a grid: matrix rows must run down "
                            "the y axis and columns along the x axis")
    return columns, rows, None


def _tick_labels(axis_labels, coordinate, limits):
    """Non-empty tick labels shown inside the view ``limits``, as (position, text)."""
    low, high = min(limits), max(limits)
    slack = 1e-9 * max(1.0, high - low)
    seen = []
    for label in axis_labels:
        text = label.get_text()
        position = float(label.get_position()[coordinate])
        if label.get_visible() and text.strip() and low - slack <= position <= high + slack:
            entry = (round(float(label.get_position()[coordinate]), 6), text.strip())
            if entry not in seen:
                seen.append(entry)
    return seen


def _check_ticks(axis_name, labels, centres, tokens):
    """A message when the tick labels are not the tokens centred on the cells."""
    what = "column" if axis_name == "x" else "row"
    if not labels:
        return (f"the {axis_name} axis has no tick labels: label each {what} with its token, "
                f"e.g. ax.set_{axis_name}ticks(range(len(tokens)), labels=tokens)")
    spacing = abs(centres[1] - centres[0]) if len(centres) > 1 else 1.0
    placed = {}
    for position, text in labels:
        index = min(range(len(centres)), key=lambda i: abs(centres[i] - position))
        if abs(centres[index] - position) > 0.1 * spacing:
            return (f'the {axis_name} tick label "{text}" is at {axis_name}={position:g}, which is '
                    f"not the centre of a {what} ({what} centres are at "
                    f"{', '.join(f'{c:g}' for c in centres)}): set the tick positions as well "
                    f"as the labels")
        if index in placed:
            return f"{what} {index} has two {axis_name} tick labels: \"{placed[index]}\" and \"{text}\""
        placed[index] = text
    found = [placed.get(i, "") for i in range(len(tokens))]
    if found == list(tokens):
        return None
    if [f.lower() for f in found] == [t.lower() for t in tokens]:
        return (f"the {axis_name} tick labels differ from the tokens in capitalisation (case "
                f"matters): expected {list(tokens)}, found {found}")
    if found[:-1] == list(tokens[1:]) or found[1:] == list(tokens[:-1]):
        return (f"the {axis_name} tick labels are shifted by one {what}: expected {list(tokens)}, "
                f"found {found}; set the tick positions together with the labels, "
                f"e.g. ax.set_{axis_name}ticks(range(len(tokens)), labels=tokens)")
    if sorted(found) == sorted(tokens):
        return (f"the {axis_name} tick labels are the tokens in the wrong order: expected "
                f"{list(tokens)}, found {found}")
    return (f"the {axis_name} tick labels should be the tokens {list(tokens)}, one per {what}, "
            f"in order; found {found}")


def inspect_axes(ax, tokens, attention):
    """Check a drawn Axes against every criterion except ``returns_axes``.

    Returns ``{criterion: message or None}`` (None = passed). Reads the plot
    with public API only, after drawing the canvas so tick labels are final.
    """
    import numpy as np
    expected = np.asarray(attention, dtype=float)
    n = len(tokens)
    results = {}
    figure = ax.figure
    figure.canvas.draw()
    heatmap = _find_heatmap(ax)

    # matrix
    columns = rows = None
    if heatmap is None:
        results["matrix"] = ("no heatmap found on the Axes: draw the matrix with ax.imshow, "
                             "ax.matshow, ax.pcolormesh or seaborn.heatmap")
    else:
        shown = np.ma.getdata(heatmap.get_array())
        if shown.ndim != 2:
            results["matrix"] = ("the heatmap holds colours, not the attention values: pass the "
                                 "matrix itself and let the colormap pick colours")
        elif shown.shape != expected.shape:
            results["matrix"] = (f"the heatmap has {shown.shape[0]} rows and {shown.shape[1]} "
                                 f"columns, but the matrix is {n}x{n}")
        else:
            columns, rows, problem = _cell_centres(heatmap, *shown.shape)
            if problem:
                results["matrix"] = problem
            elif np.allclose(shown, expected, rtol=0, atol=1e-6):
                results["matrix"] = None
            elif np.allclose(shown, expected.T, rtol=0, atol=1e-6):
                results["matrix"] = ("the heatmap is transposed: rows must be query tokens and "
                                     "columns key tokens (plot the matrix as it is, not .T)")
            elif np.allclose(shown / max(shown.max(), 1e-12), expected / expected.max(), atol=1e-6):
                results["matrix"] = ("the heatmap shows a rescaled matrix: plot the attention "
                                     "weights unchanged")
            else:
                results["matrix"] = "the heatmap shows different values from the given matrix"
    if columns is None:  # no usable grid: assume imshow's cell centres 0..n-1
        columns = rows = np.arange(n, dtype=float)

    # tick labels
    x_labels = _tick_labels(ax.get_xticklabels() + ax.get_xticklabels(minor=True), 0, ax.get_xlim())
    y_labels = _tick_labels(ax.get_yticklabels() + ax.get_yticklabels(minor=True), 1, ax.get_ylim())
    results["x_ticks"] = _check_ticks("x", x_labels, list(columns), tokens)
    results["y_ticks"] = _check_ticks("y", y_labels, list(rows), tokens)

    # colorbar
    mappables = [heatmap] if heatmap is not None else list(ax.images) + list(ax.collections)
    colorbar = next((m.colorbar for m in mappables if getattr(m, "colorbar", None) is not None), None)
    if colorbar is None:
        others = any(getattr(m, "colorbar", None) is not None
                     for other in figure.axes for m in list(other.images) + list(other.collections))
        results["colorbar"] = ("the colorbar belongs to another plot, not to this heatmap" if others
                               else "no colorbar for the heatmap: add one with fig.colorbar(image, ax=ax)")
    else:
        long_axis = colorbar.ax.get_ylabel() if colorbar.orientation == "vertical" else colorbar.ax.get_xlabel()
        other_axis = colorbar.ax.get_xlabel() if colorbar.orientation == "vertical" else colorbar.ax.get_ylabel()
        label = long_axis if _normalise(long_axis, False) else other_axis
        problem = _compare_text("the colorbar label", label, EXPECTED_COLORBAR_LABEL)
        if problem and not _normalise(label, False):
            problem += ' (set it with cbar.set_label("Attention Weight"))'
        results["colorbar"] = problem

    # title
    titles = [ax.get_title(loc) for loc in ("center", "left", "right")]
    title = next((t for t in titles if _normalise(t, False)), "")
    problem = _compare_text("the title", title, EXPECTED_TITLE)
    if problem and not title:
        suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
        if _compare_text("", suptitle, EXPECTED_TITLE) is None:
            problem = ("the title is on the figure (suptitle), not on the heatmap's Axes: use "
                       "ax.set_title")
        else:
            problem += ' (set it with ax.set_title("Attention Heatmap"))'
    results["title"] = problem
    return results


# --------------------------------------------------------------------------
# Calling the student's function safely
# --------------------------------------------------------------------------
class _Case:
    def __init__(self, name, description, sentence, attention, as_array, with_ax):
        self.name, self.description = name, description
        self.tokens = sentence.split()
        self.attention, self.as_array, self.with_ax = attention, as_array, with_ax


PUBLIC_CASES = (_Case("public", "with the challenge's tokens and matrix (a list of lists), no ax",
                      PUBLIC_SENTENCE, PUBLIC_ATTENTION, False, False),)
HIDDEN_CASES = (_Case("hidden", f"with the tokens of {HIDDEN_SENTENCE!r}, a NumPy matrix and an ax",
                      HIDDEN_SENTENCE, HIDDEN_ATTENTION, True, True),)


def _describe_return(value, record):
    """(message or None, flag or None) for what the function returned."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    if value is None:
        return "plot_attention_heatmap returned None: end it with `return ax`", None
    if _isinstance(value, Axes) and record.is_genuine_type(_type(value)):
        figure = value.figure
        if not (_isinstance(figure, (Figure, SubFigure)) and record.is_genuine_type(_type(figure))
                and value in figure.axes):
            return "the returned Axes does not belong to a figure", None
        return None, None
    name = _type(value).__name__
    imitates = any(hasattr(_type(value), attr) for attr in ("get_title", "get_xticklabels", "images"))
    if imitates and not record.is_genuine_type(_type(value)):
        return (f"plot_attention_heatmap returned a {name} object that imitates an Axes: return the "
                f"real matplotlib Axes"), f"the function returned a fake Axes-like object ({name})"
    return f"plot_attention_heatmap returned a {name}, not a matplotlib Axes: return the Axes", None


def _instance_overrides(objects):
    """Methods replaced on single objects (``ax.get_title = ...``), removed in place."""
    found = []
    for obj in objects:
        own = getattr(obj, "__dict__", None)
        if not own:
            continue
        for key in [k for k, v in own.items() if callable(v) and callable(getattr(_type(obj), k, None))
                    and not _defined_in_trusted_module(v)]:
            found.append(f"{_type(obj).__name__}.{key} was replaced on the plotted object")
            del own[key]
    return found


def _run_case(function, case, record):
    """Runs in the child: call the function, undo tampering, inspect the plot."""
    import numpy as np
    import matplotlib.pyplot as plt
    plt.switch_backend("agg")
    plt.close("all")
    attention = (np.array(case.attention, dtype=float) if case.as_array
                 else [list(row) for row in case.attention])
    given_ax = None
    if case.with_ax:
        _, given_ax = plt.subplots(figsize=(5, 4))
    report = {"case": case.name, "error": None, "flags": [], "results": {}, "png": None}
    try:
        if case.with_ax:
            value = function(list(case.tokens), attention, ax=given_ax)
        else:
            value = function(list(case.tokens), attention)
    except _BaseException as exc:  # noqa: BLE001 - every failure becomes a message
        value = _MISSING
        if _isinstance(exc, SystemExit):
            report["error"] = "plot_attention_heatmap called sys.exit(), which stops Python"
        elif _isinstance(exc, NotImplementedError):
            report["error"] = "plot_attention_heatmap is not written yet (it raises NotImplementedError)"
        else:
            report["error"] = f"plot_attention_heatmap raised {_type(exc).__name__}: {exc}"
    report["flags"] = record.changes(restore=True)
    if value is _MISSING:
        return report
    problem, flag = _describe_return(value, record)
    if flag:
        report["flags"].append(flag)
    if problem is None and case.with_ax and value is not given_ax:
        problem = ("you were given ax=... but drew on (and returned) another Axes: when ax is given, "
                   "draw on it and return it")
    report["results"]["returns_axes"] = problem
    target = value if problem is None or (problem.startswith("you were given")) else (
        given_ax if case.with_ax else (plt.gca() if plt.get_fignums() else None))
    from matplotlib.axes import Axes
    if target is None or not (_isinstance(target, Axes) and record.is_genuine_type(_type(target))):
        for criterion in CRITERIA:
            report["results"].setdefault(
                criterion, "no matplotlib Axes with a heatmap was returned, so this could not be checked")
        return report
    figure = target.figure
    report["flags"] += _instance_overrides([figure, target, target.xaxis, target.yaxis]
                                           + list(figure.findobj()))
    report["results"].update(inspect_axes(target, case.tokens, case.attention))
    if not case.with_ax:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=60, bbox_inches="tight")
        report["png"] = buffer.getvalue()
    return report


def _child(function, cases, record, write_fd):
    """Child process body: never returns."""
    try:
        null = _devnull_open(os.devnull, os.O_WRONLY)
        _dup2(null, 1)
        _dup2(null, 2)
        sys.stdout = sys.stderr = io.StringIO()
        record.streams = (sys.stdout, sys.stderr)  # this child's copy of the record only
        warnings.simplefilter("ignore")
        for case in cases:
            report = _run_case(function, case, record)
            data = _dumps(report)
            _write(write_fd, len(data).to_bytes(8, "big") + data)
    except _BaseException:  # noqa: BLE001 - the parent reports what is missing
        pass
    finally:
        _exit(0)


def _read_exactly(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        left = deadline - _monotonic()
        if left <= 0 or not _select([fd], [], [], left)[0]:
            return None, "timeout"
        chunk = _read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None, "eof"
        chunks.append(chunk)
        remaining -= _len(chunk)
    return b"".join(chunks), None


def _call_in_process(function, cases, record):
    """Where ``os.fork`` is missing (Windows): the same checks in this process.

    Students can still self-check there; what is lost is the time limit and the
    isolation, which only grading (on Linux or macOS) needs.
    """
    import matplotlib.pyplot as plt
    backend, streams = plt.get_backend(), record.streams
    # The student's prints and warnings are swallowed, as in the forked child.
    sys.stdout = sys.stderr = io.StringIO()
    record.streams = (sys.stdout, sys.stderr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [_run_case(function, case, record) for case in cases]
    finally:
        sys.stdout, sys.stderr = record.streams = streams
        plt.close("all")
        plt.switch_backend(backend)


def _call_in_child(function, cases, record, timeout):
    """Run the cases in a forked child; a report per case, whatever happens."""
    if _fork is None:
        return _call_in_process(function, cases, record)
    read_fd, write_fd = _pipe()
    pid = _fork()
    if pid == 0:
        _close(read_fd)
        _child(function, cases, record, write_fd)
    _close(write_fd)
    reports = []
    try:
        for case in cases:
            header, problem = _read_exactly(read_fd, 8, _monotonic() + timeout)
            data = None
            if header is not None:
                data, problem = _read_exactly(read_fd, int.from_bytes(header, "big"), _monotonic() + timeout)
            if data is None:
                reports.append({"case": case.name, "flags": [], "results": {}, "png": None,
                                "error": _child_failure(pid, problem, timeout)})
                break
            reports.append(_loads(data))
    finally:
        _close(read_fd)
        try:
            _kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            _waitpid(pid, 0)
        except ChildProcessError:
            pass
    for case in cases[_len(reports):]:
        reports.append({"case": case.name, "flags": [], "results": {}, "png": None,
                        "error": reports[-1]["error"]})
    return reports


def _child_failure(pid, problem, timeout):
    if problem == "timeout":
        return (f"plot_attention_heatmap did not finish within {timeout:g} seconds "
                f"(an endless loop, or a long sleep?)")
    try:
        _, status = _waitpid(pid, 0)
    except ChildProcessError:
        status = 0
    if os.WIFSIGNALED(status):
        return f"plot_attention_heatmap crashed Python (signal {os.WTERMSIG(status)})"
    return (f"plot_attention_heatmap ended the Python process (exit code "
            f"{os.WEXITSTATUS(status)}), e.g. with os._exit(); it must return the Axes instead")


_cache = {}


def check_function(function, public_only=False, timeout=None):
    """Check ``function`` and return ``(results, flags, png)``.

    ``results`` maps each criterion to None (passed) or a message naming the
    problem and the call it happened in. ``png`` is the public call's figure.
    Results are cached per function object, so the graded cells share one run.
    """
    record = _the_record()
    flags = record.changes(restore=True)
    cases = PUBLIC_CASES + (() if public_only else HIDDEN_CASES)
    reports = []
    for case in cases:
        key = (_id(function), case.name)
        cached = _cache.get(key)
        if cached is None or cached[0] is not function:
            cached = (function, _call_in_child(function, (case,), record, timeout or CALL_TIMEOUT)[0])
            _cache[key] = cached
        reports.append(cached[1])
    results = {criterion: None for criterion in CRITERIA}
    png = None
    for case, report in zip(cases, reports):
        flags += [f for f in report["flags"] if f not in flags]
        if report.get("png") and png is None:
            png = report["png"]
        for criterion in CRITERIA:
            if results[criterion] is not None:
                continue
            message = report["error"] or report["results"].get(criterion)
            if message:
                results[criterion] = f"{message} (in the call {case.description})"
    return results, flags, png


def _function_or_message(function):
    if function is None:
        return "plot_attention_heatmap is not defined: run your answer cell first"
    if not callable(function):
        return f"plot_attention_heatmap should be a function, not a {_type(function).__name__}"
    return None


def _print_flags(flags):
    for flag in flags:
        _print(f"{FLAG_PREFIX} {flag}")


def self_check(function):
    """The visible self-check: runs the public checks and shows the figure."""
    missing = _function_or_message(function)
    if missing:
        raise _AssertionError(missing)
    results, flags, png = check_function(function, public_only=True)
    _print_flags(flags)
    if png:
        from IPython.display import Image, display
        display(Image(png))
    suffix = f" (in the call {PUBLIC_CASES[0].description})"
    grouped = {}  # one line per distinct problem, naming every criterion it fails
    for criterion, message in results.items():
        if message:
            grouped.setdefault(message.replace(suffix, ""), []).append(NAMES[criterion])
    if grouped:
        lines = [f"- {', '.join(names)}: {message}" for message, names in grouped.items()]
        raise _AssertionError(f"Some checks failed{suffix}:\n" + "\n".join(lines))
    _print("public checks passed; more checks run at grading")


def require(criterion, function, public_only=False):
    """A graded cell's check: raise AssertionError unless ``criterion`` passes.

    Prints one verdict line (read back by the autograder) before raising or
    returning, and a line per detected tampering.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {list(CRITERIA)}")
    missing = _function_or_message(function)
    if missing:
        _print(f"{VERDICT_PREFIX} {criterion}: FAILED")
        raise _AssertionError(missing)
    results, flags, _ = check_function(function, public_only=public_only)
    _print_flags(flags)
    message = results[criterion]
    if message:
        _print(f"{VERDICT_PREFIX} {criterion}: FAILED")
        raise _AssertionError(f"{NAMES[criterion]}: {message}")
    _print(f"{VERDICT_PREFIX} {criterion}: passed")
