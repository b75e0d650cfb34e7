"""The warm kernel template: a fork server whose children are grading kernels.

Why: a fresh kernel spends about 0.9 CPU-s before it runs a line of the student's: starting
Python and ipykernel, then the notebook's imports of NumPy and matplotlib. This process,
started once per grading worker inside a kernel's sandbox (:mod:`.kernel_template_client`
starts it), imports all of that before any student's code exists; each submission's kernel
is then a fork of it (:mod:`.forkserver`'s ``serve``), which has everything imported already
and nothing of any other submission.

Run inside the sandbox as ``python /sandbox/kernel_template.py SECONDS`` (``forkserver.py`` is
bound beside it; the kit itself is not in the sandbox). A request is a kernel's arguments; the
child becomes the kernel ``python -m ipykernel_launcher ARGS`` would start, and the server
answers when the kernel has exited and everything it started is killed. Between two
kernels the grader empties the sandbox's folders; the system-call filter refuses what would
outlive a process without a file (System V IPC, POSIX message queues, keyrings).

Standard library, ipykernel, NumPy and matplotlib only.
"""
import ctypes
import importlib.util
import json
import os
import sys

from forkserver import serve

_PR_SET_DUMPABLE = 4
#: The grader's kernels send their raw output (what bypasses ipykernel's capture) to a pipe;
#: more than this ends the kernel (SIGPIPE), as the file-size limit ends a fresh one.
MAX_RAW_OUTPUT = 1 << 20


def warm() -> None:
    """Import what every kernel and every notebook of the course imports: the kernel's
    set-up imports its debugger (debugpy, about 0.06 CPU-s) whether or not anyone debugs.

    Not matplotlib's inline backend: importing it before the kernel's shell exists would leave
    its figures undisplayed (it hooks into the shell when imported). pyplot picks it when the
    first figure is made, as in a fresh kernel.
    """
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.debugger  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    _draw_once()
    assert "matplotlib_inline.backend_inline" not in sys.modules


def _draw_once() -> None:
    """Draw a small heatmap with Agg, outside pyplot (no figure is left, pyplot's state is
    untouched): the fonts and text caches a kernel's first drawing loads are then loaded once
    here, not again in every kernel and in every grading call's fork of it."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 3))
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    image = ax.imshow(np.linspace(0, 1, 25).reshape(5, 5))
    figure.colorbar(image, ax=ax, label="weight")
    ax.set_xticks(range(5), list("abcde"), rotation=45)
    ax.set_title("heatmap")
    ax.text(0, 0, "0.5", ha="center", va="center")
    figure.canvas.draw()


def _kernel(request: bytes, out) -> None:
    """In the child: become the kernel ``python -m ipykernel_launcher ARGS`` would start, where
    ``request`` is ARGS as a JSON list (``-f CONNECTION_FILE`` and the options nbgrader's Execute adds)."""
    arguments = json.loads(request)
    if not (isinstance(arguments, list) and all(isinstance(a, str) for a in arguments)):
        raise SystemExit("kernel template: the request is not a list of arguments")
    ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # the server stays undumpable
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:  # Python's random reseeds itself in a fork; NumPy's does not
        numpy_random.seed()
    sys.path.remove(os.path.dirname(__file__))  # the shell puts the working folder first, as usual
    sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *arguments]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance()


def main(argv: list[str]) -> int:
    warm()
    return serve(_kernel, timeout=float(argv[1]), max_reply=MAX_RAW_OUTPUT)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
