"""Unpickling evidence fast: Python's C unpickler, its result kept only when it is the checked one's.

:class:`unpickle.FigureUnpickler` is Python's unpickler written in Python, so that its BUILD
step (set an object's attributes from the pickle) is checked as it happens: never on a
class, a function or a method, never a special attribute. That costs more than twice the C
unpickler and its walk (27 ms against 11 ms for a plain heatmap's pickle, read four times a
submission). The C unpickler admits names through the same :func:`admitted_global`, but its
BUILD cannot be checked as it runs. So :func:`load_fast` reads with it and keeps the result
only when no BUILD the checked unpickler refuses can have taken effect:

- while it reads, an audit hook stops any object's ``__class__`` being replaced (Python
  audits that; a BUILD on an instance's special attribute);
- afterwards, every class and function it was handed (by name, from ``getattr``, from
  matplotlib's class factories) is as it was when handed: what a BUILD on a class, or on a
  function or a bound method (their ``__dict__``, code, defaults, names), would change; and
  the objects all figures share (:func:`shared_objects`: the arrays matplotlib's classes keep,
  the members of its enums) are as they were before it: a BUILD or SETITEMS on one, handed
  out by an admitted call, would change every later figure (the checked unpickler refuses
  that too);
- and no object holds an attribute whose name is not a str or starts with two underscores
  (what a BUILD's attributes with such keys put there): :func:`unpickle.check_genuine`
  looks, walking the objects as it does anyway.

Anything else (the C unpickler failing for any reason, a change, a doubt) and its result
is dropped, the classes, functions and arrays are put back, and the checked unpickler reads
the pickle again and decides: a refusal and its words are the checked unpickler's. When the
checked unpickler refuses a pickle the C unpickler had read past something (a change, a
doubt), the process is marked (:func:`mark`): what it reads afterwards may have been set up
by that pickle, so it reads nothing more (each later drawing is the grader's fault, never
the student's; a grading reader serves one submission). A doubt the checked unpickler reads
through marks nothing; a reading stopped midway (the inspector's CPU budget) marks the
process too (:func:`reading`), as it may have stopped before a change was put back.

What differs, knowingly: an instance's whole ``__dict__`` replaced through a BUILD's slot
state is let through (Python does not audit it; the object is one the pickle can make
anyway: a new object of an admitted class with those attributes); so is a special
attribute set on an object the drawing does not hold (made and dropped: nothing read sees
it; the shared ones are checked, above); the C unpickler reads a
few old or malformed forms the Python one refuses (an INT written in C's octal, ``010``; an
argument running past its frame's end), so such a figure is read rather than refused as
unreadable; and the inspector's CPU budget stops a costly C unpickling by its hard stop
(``SIGXCPU``, a few seconds past the budget), as the C unpickler gives Python's signal
handlers no turn.
"""
import contextlib
import functools
import io
import pickle
import sys
import threading
import types
from operator import attrgetter, is_

from .admitted import _GUARDED, admitted_global

#: The thread whose fast load is running (the audit hook stops changes made by it only).
_LOADING = {"thread": None}
#: ``why``: set when an unpickler went past something the checked unpickler refuses;
#: ``unfinished``: a reading began and has not ended (stopped midway: see :func:`reading`).
_MARKED = {"why": None, "unfinished": False}


class InDoubt(Exception):
    """The fast load may differ from the checked one: read again with the checked unpickler."""


def _stop_class_changes(event, args):
    """The audit hook: no object's class is replaced while this thread loads fast."""
    if (event == "object.__setattr__" and args[1] == "__class__"
            and _LOADING["thread"] == threading.get_ident()):
        raise InDoubt(f"the class of a {type(args[0]).__name__} replaced while unpickling")


#: What a BUILD may set on a function (besides its ``__dict__``).
_FUNCTION_PART_NAMES = ("__code__", "__defaults__", "__kwdefaults__", "__name__", "__qualname__", "__doc__",
                        "__module__", "__annotations__")
_FUNCTION_PARTS = attrgetter(*_FUNCTION_PART_NAMES)


class _Handed:
    """The classes and functions one load was handed, as they were when handed, and the objects
    all figures share (:func:`shared_objects`), as they were before the load."""

    def __init__(self):
        self.classes = {}
        self.functions = {}
        self.shared = [(shared, _state(shared)) for shared in shared_objects()]

    def add(self, value):
        function = value.__func__ if isinstance(value, types.MethodType) else value
        if isinstance(function, type) and id(function) not in self.classes:
            own = vars(function)
            self.classes[id(function)] = (function, function.__bases__, function.__name__, function.__qualname__,
                                          tuple(own), tuple(own.values()))
        elif isinstance(function, types.FunctionType) and id(function) not in self.functions:
            self.functions[id(function)] = (function, function.__dict__, tuple(function.__dict__.items()),
                                            *_FUNCTION_PARTS(function))
        return value

    def changed(self) -> bool:
        if any(_state(shared) != state for shared, state in self.shared):
            return True
        for cls, bases, name, qualname, keys, values in self.classes.values():
            own = vars(cls)
            if (cls.__bases__ is not bases or cls.__name__ != name or cls.__qualname__ != qualname
                    or tuple(own) != keys or not all(map(is_, own.values(), values))):
                return True
        return any(self._changed_function(function, own, items, parts)
                   for function, own, items, *parts in self.functions.values())

    @staticmethod
    def _changed_function(function, own, items, parts) -> bool:
        return (function.__dict__ is not own or len(own) != len(items)
                or not all(own.get(key, own) is value for key, value in items)
                or not all(map(is_, _FUNCTION_PARTS(function), parts)))

    def restore(self):
        """Put every class and function back as it was handed, and the shared objects as they were."""
        for cls, bases, name, qualname, keys, values in self.classes.values():
            for key in [key for key in vars(cls) if key not in keys]:
                delattr(cls, key)
            for key, value in zip(keys, values):
                if vars(cls).get(key, _Handed) is not value:
                    setattr(cls, key, value)
            if cls.__bases__ is not bases:
                cls.__bases__ = bases
            if (cls.__name__, cls.__qualname__) != (name, qualname):
                cls.__name__, cls.__qualname__ = name, qualname
        for shared, state in self.shared:
            if _state(shared) != state:
                _set_state(shared, state)
        for function, own, items, *parts in self.functions.values():
            if self._changed_function(function, own, items, parts):
                own.clear()
                own.update(items)
                function.__dict__ = own
                for name, part in zip(_FUNCTION_PART_NAMES, parts):
                    setattr(function, name, part)


@functools.lru_cache(maxsize=1)
def shared_objects() -> tuple:
    """The objects of matplotlib (and ``inspect``) that every figure of the process shares and a
    pickle can be handed, so change in place (a BUILD; SETITEMS on an array) without naming a
    class: the arrays its classes keep (``LogTransform(10).get_matrix()`` hands out
    ``IdentityTransform._mtx``, the process's one identity matrix) and the members of its enums
    (``JoinStyle("miter")`` is the one member). All of the admitted modules' are listed, by
    their private names (they are what a pickle reaches): ``autograde/tests/test_fast_unpickle.py``
    looks for others."""
    import inspect

    from matplotlib._enums import CapStyle, JoinStyle
    from matplotlib.collections import Collection
    from matplotlib.transforms import IdentityTransform
    return (IdentityTransform._mtx, Collection._transforms, *JoinStyle, *CapStyle, *inspect._ParameterKind)


def _state(shared):
    return shared.__reduce__()[2] if hasattr(shared, "__array__") else dict(vars(shared))


def _set_state(shared, state):
    if hasattr(shared, "__array__"):
        shared.__setstate__(state)
    else:
        vars(shared).clear()
        vars(shared).update(state)


def handed_global(found, handed: _Handed):
    """What ``find_class`` hands the unpickler for an admitted ``found``, noted in ``handed``
    (for getattr and matplotlib's class factories, what they hand out is noted too)."""
    if any(found is guard for guard in _GUARDED.values()):
        guard, add = found, handed.add

        def found(*args):
            return add(guard(*args))
    return handed.add(found)


class _FastFigureUnpickler(pickle.Unpickler):  # the C unpickler
    def __init__(self, file, handed):
        super().__init__(file)
        self.handed = handed

    def find_class(self, module, name):
        return handed_global(admitted_global(module, name, super().find_class), self.handed)


def load_fast(data: bytes, walk):
    """``(drawing, went_past)``: the unpickled ``data``, or None when only the checked unpickler
    can say what it is; ``went_past`` when the C unpickler went past something the checked one
    may refuse (a class or function changed, even if it then failed; an attribute no checked
    BUILD sets): if the checked unpickler then refuses the pickle, :func:`mark` the process.
    (A load stopped by the audit hook or by an error stopped where the checked unpickler
    stops, or before.)

    ``walk(drawing)`` is :func:`unpickle.check_genuine` for a fast load: it raises
    :class:`InDoubt` at an attribute no BUILD of the checked unpickler sets. (A marked process
    reads nothing: :func:`unpickle.load_drawing` asks :func:`marked` first.)"""
    _hook_installed()
    handed = _Handed()
    _LOADING["thread"] = threading.get_ident()
    try:
        drawing = _FastFigureUnpickler(io.BytesIO(data), handed).load()
    except Exception:  # noqa: BLE001 - the checked unpickler will say what this pickle is
        drawing = None
    finally:
        _LOADING["thread"] = None
    went_past = handed.changed()
    try:
        if drawing is not None and not went_past:
            walk(drawing)
            return drawing, False
    except InDoubt:
        went_past = True
    except Exception:  # noqa: BLE001 - as above
        pass
    try:
        handed.restore()
    except Exception:  # noqa: BLE001 - what cannot be put back leaves the process unfit to read
        mark()
        raise
    return None, went_past


def mark() -> None:
    """This process reads no more drawings: a pickle the checked unpickler refuses was read past
    what it refuses, and may have set up what the process would read next."""
    _MARKED["why"] = "an earlier drawing of this submission changed the reader's matplotlib"


@contextlib.contextmanager
def reading():
    """Around one unpickling: until it ends (with a drawing or an ordinary exception) the
    process counts as marked. A reading stopped midway (the inspector's CPU budget raises a
    BaseException between any two steps, even while classes are being put back) may have left
    matplotlib changed, so the reader reads no more."""
    _MARKED["unfinished"] = True
    try:
        yield
    except Exception:
        _MARKED["unfinished"] = False
        raise
    _MARKED["unfinished"] = False


def marked() -> str | None:
    """Why this process reads no more drawings, or None."""
    if _MARKED["unfinished"]:
        return "an earlier drawing of this submission was stopped while it was read"
    return _MARKED["why"]


def clear_mark() -> None:
    """Read again after a marking: only for a process that reads the evidence of several
    submissions (the tests); a grading reader serves one submission and ends."""
    _MARKED.update(why=None, unfinished=False)


def _hook_installed(_installed=[]):  # noqa: B006 - once per process: an audit hook cannot be removed
    if not _installed:
        sys.addaudithook(_stop_class_changes)
        _installed.append(True)
