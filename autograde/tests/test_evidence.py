"""Evidence: calls are recorded faithfully, and only genuine figures are read back.

In-process and fast: ``collect`` forks a child per call, as in a kernel;
forged evidence is built the way an attacker would build it (objects whose
``__reduce__`` smuggles in other globals, ``getattr`` gadgets, methods
replaced on single objects, special attributes set while unpickling) and must
be refused with a flag, never read as a figure.
"""
import base64
import os
import pickle

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograde.checker import evidence, unpickle  # noqa: E402
from autograde.checker.spec import make_call, public_calls  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402

NO_AX, WITH_AX = public_calls()


good = answer_function("solution")


def _as_evidence(drawing) -> dict:
    return {"call": "x", "status": "returned", "returned": "axes", "exception": None, "png": None,
            "pickle": base64.b64encode(pickle.dumps(drawing)).decode()}


def _drawing(ax) -> dict:
    return {"returned": ax, "given": None, "current": ax, "figures": [ax.figure]}


def test_a_correct_call_is_recorded_and_read_back():
    for call in (NO_AX, WITH_AX):
        record = evidence.collect(good, call)
        assert record["status"] == "returned" and record["returned"] == "axes"
        reading = unpickle.read_evidence(record)
        assert reading["problem"] is None and reading["flags"] == []
        assert reading["returned_axes"] and reading["read_from"] == "returned"
        assert reading["returned_given"] is (call is WITH_AX)


def test_the_given_ax_is_not_the_current_axes():
    def pyplot_style(tokens, attention, ax=None):
        plt.imshow(np.asarray(attention))
        return plt.gca()

    reading = unpickle.read_evidence(evidence.collect(pyplot_style, WITH_AX))
    assert reading["returned_axes"] and not reading["returned_given"]


def test_an_exception_names_the_students_line():
    source = "def broken(tokens, attention, ax=None):\n    x = 1\n    return attention.shape\n"
    filename = "/tmp/ipykernel_1/123456.py"  # how IPython names a cell's code
    import linecache
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    record = evidence.collect(namespace["broken"], NO_AX)
    assert record["status"] == "raised"
    assert record["exception"] == {"type": "AttributeError", "line": 3, "code": "return attention.shape",
                                   "message": "'list' object has no attribute 'shape'"}


@pytest.mark.parametrize("body, status", [
    ("while True:\n        pass", "timeout"),
    ("os._exit(3)", "exited"),
    ("os.kill(os.getpid(), 15)", "crashed"),
    ("raise SystemExit(2)", "raised"),
])
def test_calls_that_never_return_are_contained(body, status):
    namespace = {"os": os}
    exec(f"def f(tokens, attention, ax=None):\n    {body}\n", namespace)
    record = evidence.collect(namespace["f"], NO_AX, timeout=1.5)
    assert record["status"] == status
    assert unpickle.read_evidence(record)["picture"] is None


def test_a_lambda_formatter_and_a_lambda_method_do_not_lose_the_figure():
    from matplotlib.ticker import FuncFormatter

    def lambdas(tokens, attention, ax=None):
        ax = good(tokens, attention, ax)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos: tokens[int(round(x))]))
        ax.get_title = lambda loc="center": "fake"  # removed: the real title is what counts
        return ax

    record = evidence.collect(lambdas, NO_AX)
    assert record["status"] == "returned", record["exception"]
    drawing, problem, flags, refused = unpickle.load_drawing(record)
    assert problem is None and flags == [] and refused is None
    ax = drawing["returned"]
    ax.figure.draw_without_rendering()
    assert [t.get_text() for t in ax.get_xticklabels()] == NO_AX["tokens"]
    assert "get_title" not in vars(ax)


class StudentText(matplotlib.text.Text):
    """An artist class of the student's own."""


def test_an_artist_class_of_the_students_own_is_refused_with_a_message():
    def custom(tokens, attention, ax=None):
        ax = good(tokens, attention, ax)
        ax.add_artist(StudentText(0, 0, "x"))
        return ax

    record = evidence.collect(custom, NO_AX)
    assert record["status"] == "returned"
    reading = unpickle.read_evidence(record)
    assert reading["picture"] is None and reading["refused"] == "forged"
    assert "StudentText" in reading["problem"] and "matplotlib's own" in reading["problem"]


def test_an_unpicklable_figure_is_reported_not_lost():
    class Local(matplotlib.text.Text):  # defined inside a function: cannot be pickled at all
        pass

    def custom(tokens, attention, ax=None):
        ax = good(tokens, attention, ax)
        ax.add_artist(Local(0, 0, "x"))
        return ax

    record = evidence.collect(custom, NO_AX)
    assert record["status"] == "unpicklable" and "Local" in record["exception"]["message"]


# --- forged evidence ---------------------------------------------------------------

class _Smuggles:
    def __init__(self, reduce):
        self.reduce = reduce

    def __reduce__(self):
        return self.reduce


def _forged(payload) -> dict:
    return {"call": "x", "status": "returned", "returned": "axes", "exception": None, "png": None,
            "pickle": base64.b64encode(pickle.dumps(payload)).decode()}


@pytest.mark.parametrize("reduce, words, refused", [
    ((os.system, ("true",)), "posix.system", "forged"),
    ((eval, ("1",)), "builtins.eval", "forged"),
    ((getattr, (Figure(), "__class__")), "getattr(matplotlib.figure.Figure, '__class__')", "forged"),
    ((getattr, ([], "__class__")), "getattr(builtins.list, '__class__')", "forged"),
    ((getattr, (np.zeros(1), "tofile")), "getattr(numpy.ndarray, 'tofile')", "forged"),
    ((getattr, (Figure, "__init__")), "'__init__'", "forged"),
    ((matplotlib.cbook._picklable_class_constructor,
      (__import__("mpl_toolkits.axes_grid1.axes_grid").axes_grid1.axes_grid.CbarAxesBase, "Cbar{}", "get_array",
       matplotlib.image.AxesImage)), "a class built from", "forged"),
    # names of matplotlib and NumPy the grader does not admit: refused, but no proof of forgery
    ((getattr, (Figure(), "savefig")), "'savefig'", "grader"),
    ((np.load, ("x.npy",)), "numpy.load", "grader"),
    ((plt.savefig, ("x.png",)), "matplotlib.pyplot.savefig", "grader"),
])
def test_forged_globals_and_gadgets_are_refused(reduce, words, refused):
    reading = unpickle.read_evidence(_forged({"returned": _Smuggles(reduce)}))
    assert reading["picture"] is None and reading["refused"] == refused
    assert ("cannot read" if refused == "forged" else "not a mistake of yours") in reading["problem"]
    assert len(reading["flags"]) == 1 and words in reading["flags"][0], reading["flags"]
    assert reading["flags"][0].startswith("evidence refused" if refused == "forged" else "grader fault")


def test_a_method_replaced_on_a_single_object_is_refused():
    ax = good(NO_AX["tokens"], NO_AX["attention"])
    ax.pick = ax.figure.pick  # a name matplotlib's own pickles use, put where it does not belong
    reading = unpickle.read_evidence(_as_evidence(_drawing(ax)))
    plt.close("all")
    assert "cannot read" in reading["problem"]
    assert "Axes.pick replaced on a single object" in reading["flags"][0]


def test_special_attributes_set_while_unpickling_are_refused():
    ax = good(NO_AX["tokens"], NO_AX["attention"])
    text = _Smuggles((matplotlib.text.Text, (), (None, {"__class__": matplotlib.text.Annotation})))
    reading = unpickle.read_evidence(_forged({"returned": ax, "given": None, "current": text,
                                              "figures": [ax.figure]}))
    plt.close("all")
    assert "special attributes" in reading["flags"][0]


def test_evidence_in_another_form_or_too_big_is_refused():
    other_form = unpickle.read_evidence(_forged({"figure": 1}))
    assert other_form["problem"] == "the drawing is not in the expected form" and other_form["refused"] == "forged"
    garbage = unpickle.read_evidence({"call": "x", "status": "returned", "pickle": "not base64!"})
    assert "could not be read" in garbage["problem"] and garbage["refused"] == "forged"
    # a figure may be that big (a huge image behind the heatmap): the grader's limit, not forgery
    huge = unpickle.read_evidence({"call": "x", "status": "returned", "pickle": "A" * (unpickle.MAX_PICKLE_BYTES * 2)})
    assert "more than 8 MB" in huge["problem"] and huge["refused"] == "grader"


def test_an_axes_that_is_not_in_its_figure_is_not_a_returned_axes():
    ax = good(NO_AX["tokens"], NO_AX["attention"])
    stray = Figure().add_subplot()
    stray.figure.delaxes(stray)
    reading = unpickle.read_evidence(_as_evidence({"returned": stray, "given": None, "current": ax,
                                                   "figures": [ax.figure]}))
    plt.close("all")
    assert not reading["returned_axes"] and reading["read_from"] == "current"


def test_untrusted_text_is_cleaned():
    record = evidence.collect(lambda *a, **k: (_ for _ in ()).throw(ValueError("x\x1b[31m" + "y" * 900)),
                              make_call("c", "no_ax", ["a"], [[1.0]], public=True))
    cleaned = unpickle.read_evidence(record)["exception"]["message"]
    assert "\x1b" not in cleaned and len(cleaned) <= 300


def test_when_no_process_can_be_forked_the_call_runs_in_this_process(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(evidence, "_fork", no_fork)
    record = evidence.collect(good, NO_AX)
    assert record["status"] == "returned" and unpickle.read_evidence(record)["returned_axes"]


def test_attributes_set_on_a_class_while_unpickling_are_refused():
    """BUILD on a class it may name would change every object of that class in the reader."""
    def text(value):
        data = value.encode()
        return b"\x8c" + bytes([len(data)]) + data
    patch = (text("matplotlib.artist") + text("Artist") + b"\x93" + b"N}" + text("get_visible")
             + text("builtins") + text("object") + b"\x93" + b"s\x86b0")
    genuine = base64.b64decode(evidence.collect(good, NO_AX)["pickle"])
    forged = {"call": "x", "status": "returned", "pickle": base64.b64encode(genuine[:2] + patch + genuine[2:]).decode()}
    reading = unpickle.read_evidence(forged)
    assert reading["picture"] is None
    assert "attributes set on matplotlib.artist.Artist itself" in reading["flags"][0]
    assert matplotlib.artist.Artist.get_visible is not object


@pytest.mark.parametrize("name", ["inset_axes_colorbar", "pcolormesh_categorical", "contour_overlay"])
def test_figures_with_insets_categories_and_contours_are_read(name):
    for call in (NO_AX, WITH_AX):
        reading = unpickle.read_evidence(evidence.collect(answer_function(name), call))
        assert reading["flags"] == [] and reading["problem"] is None and reading["picture"] is not None
