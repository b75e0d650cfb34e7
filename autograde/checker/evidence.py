"""Evidence: what the student's function drew, carried out of the process that ran it.

:func:`collect` calls the function once (one *call*: tokens, a matrix, maybe an
``ax``) in a forked child process, stopped after :data:`CALL_TIMEOUT` seconds,
and returns plain data: how the call ended, facts about an exception, and the
figures it drew, pickled with matplotlib's own figure pickling. Nothing in it is
trusted: at grading it comes from a sandboxed kernel that ran the student's
code, and :mod:`unpickle` reads it in a process that never did.
"""
import base64
import io
import json
import linecache
import math
import os
import pickle
import select
import signal
import sys
import time
import warnings

from .spec import CALL_SHAPES, CALL_TIMEOUT
from .unpickle import _is_method

#: Most figures kept of one call.
MAX_FIGURES = 3
#: A shown figure's resolution (Jupyter's inline default is 72 dpi), longest side and size.
PNG_DPI = 72
PNG_MAX_SIDE = 900
PNG_MAX_BYTES = 400_000

_fork = getattr(os, "fork", None)  # missing on Windows: the call then runs in this process


def collect(function, call: dict, timeout: float = CALL_TIMEOUT, show=None) -> dict:
    """Call ``function`` as ``call`` says and return the evidence (plain, JSON-ready data).

    Keys: ``call`` (its name), ``status`` ("returned", "raised", "timeout",
    "crashed", "exited" or "unpicklable"), ``exception`` (type, message, line
    and code of the student's line, when it raised), ``returned`` (what kind of
    value came back: "axes", "none" or a type name), ``pickle`` (base64 of the
    pickled drawing: also when the call raised, with what it drew before) and
    ``png`` (base64 of the figure of the first Axes of ``show``, a sequence of
    the drawing's keys, for showing; None without ``show``).
    """
    if not callable(function):
        return _evidence(call, "raised", exception={
            "type": "TypeError", "line": None, "code": None,
            "message": not_a_function(function)})
    if _fork is None:
        return _collect_in_process(function, call, show)
    return _collect_in_child(function, call, timeout, show)


def not_a_function(value) -> str:
    """What a call says when the name holds no function (e.g. None: the cell never defined it)."""
    return f"plot_attention_heatmap is a {type(value).__name__}, not a function"


def _evidence(call, status, **facts) -> dict:
    record = {"call": call["name"], "status": status, "exception": None, "returned": None,
              "pickle": None, "png": None}
    record.update(facts)
    return record


def _arguments(call):
    """The tokens and matrix to pass: fresh copies, as a list of lists or an array."""
    import numpy as np
    tokens = list(call["tokens"])
    if CALL_SHAPES[call["shape"]]["as_array"]:
        return tokens, np.array(call["attention"], dtype=float)
    return tokens, [list(row) for row in call["attention"]]


def _axes_in(value):
    """The Axes a returned value hands the caller: the value itself, a Figure's current
    Axes, or the first of these in a tuple or list (``return fig, ax``)."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    for item in (value, *(value if isinstance(value, (tuple, list)) else ())):
        if isinstance(item, Axes):
            return item
    for item in (value, *(value if isinstance(value, (tuple, list)) else ())):
        if isinstance(item, Figure) and item.axes:
            return item.gca()
    return None


def _run_call(function, call, show):
    """Make the call here and now; returns the evidence. Used in the child (or in-process)."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    plt.switch_backend("agg")
    plt.close("all")
    tokens, attention = _arguments(call)
    given, value, raised = None, None, None
    if CALL_SHAPES[call["shape"]]["with_ax"]:
        # The given ax shares its figure with another Axes that is the current
        # one, as in `fig, axes = plt.subplots(1, 2)`: pyplot code that ignores
        # `ax` draws next to it, not on it.
        _, (given, _) = plt.subplots(1, 2, figsize=(11, 4.5))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = function(tokens, attention, ax=given) if given is not None else function(tokens, attention)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes evidence, with what was drawn
        raised = describe_exception(exc)
    # What the caller can see besides the given ax: pyplot's current Axes, else the Axes
    # handed back in a tuple or a figure (`plt.close(fig); return fig, ax`).
    current = None
    if plt.get_fignums():
        figure = plt.gcf()
        current = figure.gca() if figure.axes else None
    if current is None:
        current = _axes_in(value)
    returned = value if isinstance(value, Axes) else None
    kind = "axes" if returned is not None else "none" if value is None else type(value).__name__
    figures = []
    for axes in (returned, given, current):
        figure = getattr(axes, "figure", None)
        if figure is not None and figure not in figures:
            figures.append(figure)
    drawing = {"returned": returned, "given": given, "current": current, "figures": figures[:MAX_FIGURES]}
    data, problem = _pickle_drawing(drawing)
    png = shown_png(drawing, show or ())
    encoded = base64.b64encode(data).decode("ascii") if data is not None else None
    if raised is not None:
        return _evidence(call, "raised", exception=raised, pickle=encoded, png=png)
    if data is None:
        return _evidence(call, "unpicklable", returned=kind, exception={
            "type": "PicklingError", "message": problem, "line": None, "code": None})
    return _evidence(call, "returned", returned=kind, pickle=encoded, png=png)


def shown_png(drawing: dict, order, renders=None) -> str | None:
    """The PNG (:func:`figure_png`) of the figure of the first of ``order`` (the drawing's keys:
    "returned", "given", "current") that is an Axes: the figure the call is judged on, as the
    caller sees it (with an ax, the caller's figure, however empty). None when there is none.
    ``renders``: the reading's renders by figure (:func:`picture.read_picture`); the picture is
    made from that figure's render when the reading made one."""
    from matplotlib.axes import Axes
    shown = next((drawing.get(key) for key in order if isinstance(drawing.get(key), Axes)), None)
    if shown is None:
        return None
    figure = shown.get_figure(root=True)
    return figure_png(figure, (renders or {}).get(figure))


def figure_png(figure, render=None):
    """The figure as Jupyter shows it (cropped to what is drawn), as base64 PNG of at most
    :data:`PNG_MAX_SIDE` pixels a side and :data:`PNG_MAX_BYTES` bytes; None when it cannot
    be drawn. Anything drawn far outside the figure is not followed: the crop is then the
    figure itself. With ``render`` (a :class:`seen.SeenRender` of this figure, at
    :data:`PNG_DPI` or finer) its pixels are cropped and scaled down, without drawing the
    figure again; else the figure is saved at that dpi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox
    try:
        if render is None:
            canvas = FigureCanvasAgg(figure) if not isinstance(figure.canvas, FigureCanvasAgg) else figure.canvas
            tight = figure.get_tightbbox(canvas.get_renderer())
        else:
            tight = render.tight
        width, height = figure.get_size_inches()
        own = Bbox.from_bounds(0, 0, width, height)
        crop = tight if (tight is not None and all(map(math.isfinite, tight.bounds))
                         and tight.width <= 2 * width and tight.height <= 2 * height) else own
        crop = crop.padded(0.1)
        dpi = min(PNG_DPI, PNG_MAX_SIDE / max(crop.width, crop.height, 1e-3))
        if render is not None and render.dpi >= dpi:
            data = render.png(crop, dpi)
        else:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=crop)
            data = buffer.getvalue()
    except Exception:  # noqa: BLE001 - a figure that cannot be drawn is not shown
        return None
    return base64.b64encode(data).decode("ascii") if len(data) <= PNG_MAX_BYTES else None


def _pickle_drawing(drawing):
    """(pickled bytes, None) or (None, why not). What cannot be pickled but changes
    nothing a person sees is made picklable first: a tick formatter that is a lambda
    (replaced by the labels it drew), a method replaced on a single object by a
    lambda (removed, so the object shows what it really holds)."""
    try:
        return pickle.dumps(drawing, protocol=4), None
    except Exception:  # noqa: BLE001 - retried below, frozen
        pass
    try:
        for figure in drawing["figures"]:
            _drop_unpicklable_methods(figure)
            _freeze_tick_labels(figure)
        return pickle.dumps(drawing, protocol=4), None
    except Exception as exc:  # noqa: BLE001 - reported as the call's outcome
        return None, f"{type(exc).__name__}: {exc}"[:300]


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:  # noqa: BLE001 - any failure means no
        return False


def _drop_unpicklable_methods(figure):
    """Remove methods replaced on single objects by something that cannot be pickled."""
    objects = list(figure.findobj()) + [axis for axes in figure.axes for axis in (axes.xaxis, axes.yaxis)]
    for obj in objects:
        own = getattr(obj, "__dict__", {})
        for key in [k for k, v in own.items() if callable(v) and _is_method(type(obj), k) and not _picklable(v)]:
            del own[key]


def _freeze_tick_labels(figure):
    """Replace every tick formatter that cannot be pickled by the labels it drew."""
    from matplotlib.ticker import FixedFormatter, FixedLocator

    figure.draw_without_rendering()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for minor in (False, True):
                formatter = axis.get_minor_formatter() if minor else axis.get_major_formatter()
                try:
                    pickle.dumps(formatter)
                    continue
                except Exception:  # noqa: BLE001 - this is the one to freeze
                    pass
                positions = axis.get_ticklocs(minor=minor)
                labels = [label.get_text() for label in axis.get_ticklabels(minor=minor)]
                if minor:
                    axis.set_minor_locator(FixedLocator(positions))
                    axis.set_minor_formatter(FixedFormatter(labels))
                else:
                    axis.set_major_locator(FixedLocator(positions))
                    axis.set_major_formatter(FixedFormatter(labels))


def describe_exception(exc: BaseException) -> dict:
    """Facts about an exception raised by the student's function: type, message and the
    student's own line (the innermost frame that comes from a notebook cell)."""
    line = code = None
    frame = exc.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if _is_notebook_cell(filename):
            line = frame.tb_lineno
            code = linecache.getline(filename, line).strip() or None
        frame = frame.tb_next
    message = str(exc) if not isinstance(exc, SystemExit) else f"exit status {exc.code!r}"
    return {"type": type(exc).__name__, "message": message[:300], "line": line, "code": code}


def _is_notebook_cell(filename: str) -> bool:
    """True for code typed into a notebook: IPython names each cell's code after the
    kernel's cache folder (``.../ipykernel_<pid>/<hash>.py``) or ``<ipython-input-...>``."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _collect_in_process(function, call, show):
    """Where ``os.fork`` is missing (Windows): the same call in this process, with no
    time limit, the student's output swallowed and the plotting backend put back."""
    import matplotlib.pyplot as plt
    backend, streams = plt.get_backend(), (sys.stdout, sys.stderr)
    sys.stdout = sys.stderr = io.StringIO()
    try:
        return _run_call(function, call, show)
    finally:
        sys.stdout, sys.stderr = streams
        plt.close("all")
        plt.switch_backend(backend)


def _collect_in_child(function, call, timeout, show):
    read_fd, write_fd = os.pipe()
    try:
        pid = _fork()
    except OSError:  # no process left to fork (the notebook's own processes used them up)
        os.close(read_fd)
        os.close(write_fd)
        return _collect_in_process(function, call, show)
    if pid == 0:  # the child: never returns
        try:
            os.close(read_fd)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            sys.stdout = sys.stderr = io.StringIO()
            data = json.dumps(_run_call(function, call, show)).encode()
            os.write(write_fd, len(data).to_bytes(8, "big"))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        deadline = time.monotonic() + timeout
        header, ending = _read_exactly(read_fd, 8, deadline)
        data = None
        if header is not None:
            # Generous for the pickle itself, once the call has finished.
            data, ending = _read_exactly(read_fd, int.from_bytes(header, "big"), time.monotonic() + 30)
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        status = _wait(pid)
    if data is not None:
        try:
            return json.loads(data)
        except ValueError:
            ending = "garbled"
    if ending == "timeout":
        return _evidence(call, "timeout")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGKILL:
        return _evidence(call, "crashed", exception={
            "type": "signal", "message": f"signal {os.WTERMSIG(status)}", "line": None, "code": None})
    return _evidence(call, "exited", exception={
        "type": "exit", "message": f"exit code {os.WEXITSTATUS(status) if os.WIFEXITED(status) else '?'}",
        "line": None, "code": None})


def _wait(pid):
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return 0


def _read_exactly(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None, "timeout"
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None, "eof"
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks), None
