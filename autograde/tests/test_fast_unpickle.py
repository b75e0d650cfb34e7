"""The fast unpickler: honest figures are read by the C unpickler, exactly as the checked one reads
them; every BUILD the checked unpickler refuses gets the checked unpickler's verdict, leaves
matplotlib as it was, and (when the C unpickler went past it) marks the reader.

In-process: the forged pickles only name what the kit admits (opcodes put in front of a
genuine figure's pickle, as ``attack_class_patch_pickle`` does).
"""
import base64
import functools
import io
import pickle

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from autograde.checker import evidence, fast_unpickle, unpickle  # noqa: E402
from autograde.checker.spec import public_calls  # noqa: E402
from autograde.corpus import answer_function  # noqa: E402
from autograde.tests.plot_types import PLOT_TYPES  # noqa: E402

NO_AX, WITH_AX = public_calls()
GOOD = answer_function("solution")


def _genuine(function=GOOD, call=NO_AX) -> bytes:
    return base64.b64decode(evidence.collect(function, call)["pickle"])


def _fast(data: bytes):
    return fast_unpickle.load_fast(data, functools.partial(unpickle.check_genuine, loaded_fast=True))[0]


def _read(data: bytes, monkeypatch=None) -> dict:
    """read_evidence of ``data``; with ``monkeypatch``, by the checked unpickler only."""
    if monkeypatch is not None:
        monkeypatch.setattr(unpickle, "load_fast", lambda data, walk: (None, False))
    try:
        return unpickle.read_evidence({"call": "x", "status": "returned", "returned": "axes",
                                       "pickle": base64.b64encode(data).decode()})
    finally:
        if monkeypatch is not None:
            monkeypatch.undo()
        plt.close("all")


@pytest.mark.parametrize("name", sorted(PLOT_TYPES) + ["solution"])
def test_honest_figures_are_read_by_the_c_unpickler_as_the_checked_one_reads_them(name, monkeypatch):
    function = PLOT_TYPES.get(name) or answer_function(name)
    for call in (NO_AX, WITH_AX):
        data = _genuine(function, call)
        assert _fast(data) is not None and fast_unpickle.marked() is None, name
        plt.close("all")
        fast = _read(data)
        assert fast["refused"] is None and fast_unpickle.marked() is None
        assert fast == _read(data, monkeypatch)


def _text(value: str) -> bytes:
    data = value.encode()
    return b"\x8c" + bytes([len(data)]) + data  # SHORT_BINUNICODE


def _global(module: str, name: str) -> bytes:
    return _text(module) + _text(name) + b"\x93"  # STACK_GLOBAL


def _in_front(opcodes: bytes) -> bytes:
    """A genuine figure's pickle with ``opcodes`` (which leave the stack as they found it) run first."""
    genuine = _genuine()
    return genuine[:2] + opcodes + genuine[2:]


# What each forged pickle BUILDs on, and the state it gives (opcodes).
_ON_A_CLASS = _global("matplotlib.artist", "Artist") + b"N}" + _text("get_visible") + _global("builtins", "object") + b"s\x86b0"
_ON_A_FUNCTION = _global("matplotlib._cm", "_flag_red") + b"}" + _text("x") + b"K\x01sb0"
_DEFAULTS_OF_A_FUNCTION = (_global("matplotlib._cm", "_flag_red") + b"N}" + _text("__defaults__")
                           + b"K\x01\x85s\x86b0")
_ON_A_BOUND_METHOD = (_global("builtins", "getattr") + _global("matplotlib.transforms", "IdentityTransform")
                      + b")R" + _text("inverted") + b"\x86R}" + _text("x") + b"K\x01sb0")


@pytest.mark.parametrize("opcodes", [_ON_A_CLASS, _ON_A_FUNCTION, _DEFAULTS_OF_A_FUNCTION, _ON_A_BOUND_METHOD],
                         ids=["setattr on a class", "attributes of a function", "a function's defaults",
                              "attributes of a bound method"])
def test_a_build_on_a_class_or_function_gets_the_checked_verdict_and_is_undone(opcodes, monkeypatch):
    import matplotlib._cm
    from matplotlib.artist import Artist
    from matplotlib.transforms import IdentityTransform
    before = (dict(vars(Artist)), matplotlib._cm._flag_red.__defaults__, dict(vars(matplotlib._cm._flag_red)),
              dict(vars(IdentityTransform.inverted)))
    data = _in_front(opcodes)
    checked = _read(data, monkeypatch)
    assert checked["refused"] == "forged" and "itself while unpickling" in checked["flags"][0]
    assert _read(data) == checked
    assert (dict(vars(Artist)), matplotlib._cm._flag_red.__defaults__, dict(vars(matplotlib._cm._flag_red)),
            dict(vars(IdentityTransform.inverted))) == before
    # what the C unpickler went past may have set up what the reader reads next: it reads no more
    assert fast_unpickle.marked() is not None
    later = _read(_genuine())
    assert later["refused"] == "grader" and "not a mistake of yours" in later["problem"]


def test_an_objects_class_replaced_is_stopped_where_the_checked_unpickler_stops(monkeypatch):
    """The audit hook stops the C unpickler at the very BUILD the checked one refuses: nothing
    after it ran, so the reader is not marked."""
    swap = (_global("matplotlib.text", "Text") + b")R" + b"N}" + _text("__class__")
            + _global("matplotlib.text", "Annotation") + b"s\x86b0")
    data = _in_front(swap)
    checked = _read(data, monkeypatch)
    assert "special attributes" in checked["flags"][0]
    assert _read(data) == checked and fast_unpickle.marked() is None


class _Smuggles:
    def __init__(self, reduce):
        self.reduce = reduce

    def __reduce__(self):
        return self.reduce


def test_special_attribute_names_in_an_objects_state_get_the_checked_verdict(monkeypatch):
    """A 2-tuple state whose attributes have a special name: the checked unpickler refuses it;
    the C unpickler puts the name in the object's ``__dict__``, where the walk finds it."""
    from matplotlib.text import Text
    ax = GOOD(NO_AX["tokens"], NO_AX["attention"])
    text = _Smuggles((Text, (), ({"__x": 1}, {})))
    data = pickle.dumps({"returned": ax, "given": None, "current": text, "figures": [ax.figure]})
    plt.close("all")
    checked = _read(data, monkeypatch)
    assert checked["refused"] == "forged" and "special attributes" in checked["flags"][0]
    assert _read(data) == checked and fast_unpickle.marked() is not None


def test_a_special_attribute_name_the_checked_unpickler_accepts_does_not_mark_the_reader(monkeypatch):
    """A plain state dict with a name starting with two underscores: the checked unpickler reads
    it (only a 2-tuple state's names are its concern), so the C unpickler's doubt must not stop
    the submission's later readings (the red team's way to take its own calls out of grading)."""
    from matplotlib.text import Text
    ax = GOOD(NO_AX["tokens"], NO_AX["attention"])
    note = _Smuggles((Text, (), {"__note": 1}))
    data = pickle.dumps({"returned": ax, "given": None, "current": note, "figures": [ax.figure]})
    plt.close("all")
    assert _fast(data) is None
    checked = _read(data, monkeypatch)
    assert checked["refused"] is None
    assert _read(data) == checked and fast_unpickle.marked() is None
    assert _read(_genuine())["refused"] is None


def _identity_matrix_rewritten(matrix) -> bytes:
    """Opcodes: ``IdentityTransform().get_matrix()`` (the class's own array) rewritten by a BUILD."""
    import numpy as np
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=3)
    pickler.fast = True  # no memo: the genuine pickle's memo stays as it is
    pickler.dump((1, (3, 3), np.dtype("f8"), False, np.asarray(matrix, dtype="f8").tobytes()))
    state = buffer.getvalue()[2:-1]  # without PROTO and STOP
    matrix_of_identity = (_global("builtins", "getattr") + _global("matplotlib.transforms", "IdentityTransform")
                          + b")R" + _text("get_matrix") + b"\x86R" + b")R")
    return matrix_of_identity + state + b"b0"


def test_an_array_a_class_hands_out_rewritten_is_refused_both_ways_and_undone(monkeypatch):
    """The red team's: ``IdentityTransform().get_matrix()`` is the one identity matrix of the
    process; rewritten by a BUILD (x and y swapped) every later reading of the submission was
    drawn with it. Both unpicklers now refuse it as forged and put the matrix back."""
    import numpy as np
    from matplotlib.transforms import IdentityTransform
    data = _in_front(_identity_matrix_rewritten([[0, 1, 0], [1, 0, 0], [0, 0, 1]]))
    checked = _read(data, monkeypatch)
    assert checked["refused"] == "forged" and "matplotlib's own objects changed" in checked["flags"][0]
    assert np.array_equal(IdentityTransform._mtx, np.identity(3)) and fast_unpickle.marked() is not None
    fast_unpickle.clear_mark()
    assert _read(data) == checked and fast_unpickle.marked() is not None
    assert np.array_equal(IdentityTransform._mtx, np.identity(3))


_MATRIX_OF_A_LOG_TRANSFORM = (_global("builtins", "getattr") + _global("matplotlib.scale", "LogTransform") + b"K\x0a\x85R"
                              + _text("get_matrix") + b"\x86R" + b")R")
_SHARED_CHANGED = {
    # the red team's second way: IdentityTransform never named, the matrix written by SETITEMS
    "the identity matrix, through a LogTransform, by SETITEMS": _MATRIX_OF_A_LOG_TRANSFORM + b"(K\x00K\x00\x86K\x05u0",
    "an enum's member renamed": (_global("matplotlib._enums", "JoinStyle") + _text("miter") + b"\x85R}"
                                 + _text("_name_") + _text("zzz") + b"sb0"),
    "inspect's parameter kind renamed": (_global("inspect", "_ParameterKind") + b"K\x03\x85R}" + _text("_name_")
                                         + _text("POSITIONAL_ONLY") + b"sb0"),
}


@pytest.mark.parametrize("opcodes", _SHARED_CHANGED.values(), ids=_SHARED_CHANGED.keys())
def test_an_object_all_figures_share_changed_is_refused_both_ways_and_undone(opcodes, monkeypatch):
    """The red team's: objects every figure of the reader shares, handed out by admitted calls
    and changed in place; each later reading of the submission was wrong (1/10 for the
    reference solution). Both unpicklers refuse them as forged and put them back."""
    import inspect

    import numpy as np
    from matplotlib._enums import JoinStyle
    from matplotlib.transforms import IdentityTransform

    def as_before():
        return (np.array_equal(IdentityTransform._mtx, np.identity(3)) and JoinStyle.miter.name == "miter"
                and inspect.Parameter.KEYWORD_ONLY.name == "KEYWORD_ONLY")

    data = _in_front(opcodes)
    checked = _read(data, monkeypatch)
    assert checked["refused"] == "forged" and "matplotlib's own objects changed" in checked["flags"][0]
    assert as_before() and fast_unpickle.marked() is not None  # what ran after the change: no more readings
    fast_unpickle.clear_mark()
    assert _read(data) == checked and fast_unpickle.marked() is not None and as_before()
    fast_unpickle.clear_mark()
    assert _read(_genuine())["refused"] is None


def test_every_object_all_figures_share_is_watched():
    """The arrays the admitted modules' classes keep and their enums' members: all of them are
    in ``shared_objects`` (a matplotlib that adds one fails here, not in a student's grade)."""
    import enum
    import importlib
    import inspect

    import numpy as np

    from autograde.checker import admitted
    watched = {id(shared) for shared in fast_unpickle.shared_objects()}
    modules = sorted(admitted._CLASS_MODULES | {module for module, _ in admitted._OTHER_CLASSES})
    missing = []
    for module in map(importlib.import_module, modules):
        for cls in vars(module).values():
            if not (isinstance(cls, type) and cls.__module__ == module.__name__):
                continue
            shared = [(name, value) for name, value in vars(cls).items() if isinstance(value, np.ndarray)]
            if isinstance(cls, enum.EnumMeta):
                shared += list(cls.__members__.items())
            missing += [f"{cls.__qualname__}.{name}" for name, value in shared if id(value) not in watched]
    assert not missing, missing
    assert id(inspect.Parameter.KEYWORD_ONLY) in watched


class _Stopped(BaseException):
    """What the inspector's CPU budget raises (a BaseException), between any two steps."""


def test_a_reading_stopped_midway_marks_the_reader(monkeypatch):
    """The budget's stop can fall after the C unpickler changed a class and before it is put
    back: the reader must then read no more (else the submission's next calls are read with
    the class a forged call changed)."""
    from matplotlib.artist import Artist
    monkeypatch.setattr(Artist, "get_visible", Artist.get_visible)  # put back when the test ends

    def stop(self):
        raise _Stopped()

    monkeypatch.setattr(fast_unpickle._Handed, "changed", stop)
    with pytest.raises(_Stopped):
        unpickle._load(_in_front(_ON_A_CLASS))
    monkeypatch.undo()
    plt.close("all")
    assert fast_unpickle.marked() is not None
    assert _read(_genuine())["refused"] == "grader"
    fast_unpickle.clear_mark()
    assert _read(_genuine())["refused"] is None
