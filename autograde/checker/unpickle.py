"""Reading evidence: unpickle only genuine figures, then read what they show.

:func:`read_evidence` turns what :func:`evidence.collect` sent back into what a
person would see. It unpickles with :class:`FigureUnpickler`, which admits only
what matplotlib's figures are made of (:mod:`admitted`: exact names, and ``getattr``
only for the method names matplotlib's pickles use), checks the object graph for
forgery (methods shadowed on single objects), picks the Axes to judge and reads its
picture with :func:`read_picture`. A refusal says whose fault it is: forgery only
with proof that no matplotlib call made what was refused, else the grader's. At grading this runs in a separate
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
import weakref

from .admitted import ForgedEvidence, NotAdmitted, admitted_global, qualified
from .fast_unpickle import InDoubt, _Handed, handed_global, load_fast, mark, marked, reading
from .picture import read_picture

#: Largest pickled drawing accepted for one call (bytes).
MAX_PICKLE_BYTES = 8_000_000
#: Most objects inspected when checking an unpickled drawing for forgery.
MAX_OBJECTS = 200_000

class FigureUnpickler(pickle._Unpickler):  # the Python unpickler: its BUILD step can be checked
    """An unpickler that admits only what matplotlib figure pickles are made of."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, handed: _Handed):
        super().__init__(file)
        self.handed = handed

    def find_class(self, module, name):
        return handed_global(admitted_global(module, name, super().find_class), self.handed)

    def load_build(self):
        # BUILD sets attributes on the object below it: only ever on an instance (on a class it
        # would change how every object of that class behaves), and through "slot state" (setattr)
        # never a dunder (no changing an object's __class__ or __dict__ wholesale).
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                               types.MethodType)):
            raise ForgedEvidence(f"attributes set on {qualified(target)} itself while unpickling")
        if isinstance(state, tuple) and len(state) == 2:
            for part in state:
                if isinstance(part, dict) and any(not isinstance(k, str) or k.startswith("__") for k in part):
                    raise ForgedEvidence("an object's special attributes set while unpickling")
        super().load_build()
        _rekey_transform_parents(target)

    dispatch[pickle.BUILD[0]] = load_build


def _rekey_transform_parents(node):
    """File an unpickled transform's parents under their ids in this process.

    A transform tells its parents (the transforms computed from it) to recompute when it
    changes; it keeps them in ``_parents``, keyed by ``id(parent)``, and a new parent
    registers under its own id, replacing whatever was there. Matplotlib's unpickling keeps
    the keys of the process that pickled the figure: here they are stale ids. When a
    transform made while the figure is read (a drawing's, ``savefig``'s) happens to get one
    of those ids, it takes that key, the unpickled parent is no longer told of changes, and
    it draws with an outdated matrix: a colorbar, cells or tick labels drawn off their
    place, so an honest picture lost points at random (about one reading in 300 on a busy
    machine, when the figure was pickled by a fork of the reading process, as in the
    self-check). Keyed by their ids here, as ``TransformNode.set_children`` keys them, the
    ids cannot be taken while the parents live."""
    from matplotlib.transforms import TransformNode
    if not isinstance(node, TransformNode):
        return
    parents = [reference() for reference in node._parents.values()]
    node._parents = {}
    for parent in parents:
        if parent is not None:
            node._parents[id(parent)] = weakref.ref(
                parent, lambda _, pop=node._parents.pop, key=id(parent): pop(key))


def _load(data: bytes):
    """The drawing pickled in ``data``, checked (:func:`check_genuine`): read by the C
    unpickler when that is provably what the checked one reads (:mod:`fast_unpickle`)."""
    import matplotlib.pyplot  # noqa: F401 - unpickled pyplot figures re-register with it
    with reading():
        return _load_fast_or_checked(data)


def _load_fast_or_checked(data: bytes):
    drawing, went_past = load_fast(data, functools.partial(check_genuine, loaded_fast=True))
    if drawing is not None:
        return drawing
    handed = _Handed()
    try:
        drawing = FigureUnpickler(io.BytesIO(data), handed).load()
        # What the checked BUILD lets through: an object all figures share changed in place (an
        # array a class keeps, an enum's member). No matplotlib pickle changes matplotlib; what
        # ran after the change may have set up the next reading, so the reader reads no more.
        if handed.changed():
            went_past = True
            raise ForgedEvidence("matplotlib's own objects changed while unpickling")
        check_genuine(drawing)
        return drawing
    except BaseException:
        if went_past:
            mark()
        raise
    finally:
        handed.restore()


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


@functools.lru_cache(maxsize=4096)
def _method_names(cls) -> frozenset:
    """The names ``cls`` gives a method (:func:`_is_method`), all at once: most objects have no
    attribute of such a name, and a set says so without a look at each attribute."""
    return frozenset(key for klass in cls.__mro__ for key in vars(klass) if _is_method(cls, key))


def check_genuine(root, loaded_fast=False) -> None:
    """Raise :class:`ForgedEvidence` if any object reachable from ``root`` has a method
    replaced on it (an attribute that shadows its class's method or property), other
    than the few matplotlib installs itself. After the C unpickler (``loaded_fast``), also
    file each transform's parents anew, as :class:`FigureUnpickler` does after each BUILD,
    and raise :class:`fast_unpickle.InDoubt` at an attribute named by no name or by a
    special one (what only a BUILD the checked unpickler refuses puts there)."""
    from matplotlib.transforms import TransformNode
    seen, queue = set(), collections.deque([root])
    while queue:
        obj = queue.popleft()
        if type(obj) in _PLAIN or id(obj) in seen or isinstance(obj, _PLAIN_KINDS):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise NotAdmitted("far more objects than the grader reads")
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
        if own is None or qualified(obj).startswith("numpy."):
            continue
        if loaded_fast:
            if not _plain_names(own):
                raise InDoubt(f"an attribute of {qualified(obj)} that is no plain name")
            if isinstance(obj, TransformNode):
                _rekey_transform_parents(obj)
        if not own.keys().isdisjoint(_method_names(type(obj))):  # rare: looked at in the attributes' order
            for key, value in own.items():
                if callable(value) and _is_method(type(obj), key) and not _allowed_shadow(obj, key, value):
                    raise ForgedEvidence(f"{qualified(obj)}.{key} replaced on a single object")
        queue.extend(own.values())


#: What :func:`check_genuine` does not look into: plain values, functions and classes.
_PLAIN_KINDS = (str, bytes, int, float, bool, type(None), types.FunctionType, types.BuiltinFunctionType, type)
_PLAIN = frozenset(_PLAIN_KINDS)


def _plain_names(attributes: dict) -> bool:
    """True when every key is a str that does not start with two underscores."""
    try:
        return "\0__" not in "\0" + "\0".join(attributes)
    except TypeError:  # a key that is not a str
        return False


#: What the call says when the grader could not read a figure an ordinary matplotlib call may
#: have made: the student is not to blame.
GRADER_FAULT = ("the grader could not read this figure ({why}); this is not a mistake of yours: your "
                "instructor will look at it")


def _forged(why, problem=None):
    problem = problem or (f"the figure holds something the grader cannot read ({why}): draw with matplotlib's "
                          f"own artists, ticks and colorbar")
    return None, problem, [f"evidence refused: it holds {why}, which no matplotlib call makes"], "forged"


def _grader_fault(why):
    return (None, GRADER_FAULT.format(why=why),
            [f"grader fault: it could not read the evidence ({why}), which a plain matplotlib figure may hold: "
             f"grade this call by hand"], "grader")


def load_drawing(evidence: dict):
    """``(drawing, problem, flags, refused)``: the unpickled ``{"returned", "given", "current",
    "figures"}`` of one call, or None with a plain-words problem, the flags for the
    instructor, and why it was refused: "forged" (it holds something no matplotlib call
    makes: see :mod:`admitted`) or "grader" (the grader could not read it, though an
    ordinary matplotlib figure may hold it); refused is None when the drawing was read."""
    encoded = evidence.get("pickle")
    if not isinstance(encoded, str):
        return None, "no drawing was recorded for this call", [], None
    if len(encoded) > MAX_PICKLE_BYTES * 4 // 3 + 4:
        return _grader_fault(f"a drawing of more than {MAX_PICKLE_BYTES // 1_000_000} MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:  # evidence.collect always writes base64
        return _forged("text that is not a recorded drawing", "the drawing could not be read")
    if marked():
        return _grader_fault(marked())
    try:
        drawing = _load(data)
    except ForgedEvidence as exc:
        return _forged(exc)
    except NotAdmitted as exc:
        return _grader_fault(f"it holds {exc}")
    except RecursionError:
        return _grader_fault("a drawing nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a failure to read that proves nothing about the student
        return _grader_fault(f"{type(exc).__name__}: {str(exc)[:120]}")
    if not isinstance(drawing, dict) or set(drawing) != {"returned", "given", "current", "figures"}:
        return _forged("something other than a recorded drawing",
                       "the drawing is not in the expected form")
    return drawing, None, [], None


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
    chooses ``order``), ``picture`` (:func:`read_picture` of it), ``problem``, ``flags``, and
    ``refused``: None, or why nothing was read: "forged" (the evidence holds something no
    matplotlib call makes; flagged as forged) or "grader" (the grader could not read a figure
    that an ordinary matplotlib call may have made: the student is not to blame, and is to be
    listed as not graded, by the grader's fault). A call that raised is read too when it sent
    a drawing. ``show``: a function of the unpickled drawing and the reading's renders (by
    figure: :func:`read_picture`) whose result becomes ``png`` (the inspector shows the figure
    the caller saw, from its render, while the drawing is open).
    """
    result = {"status": evidence.get("status"), "exception": _clean_exception(evidence.get("exception")),
              "returned": clean_text(evidence.get("returned"), 60), "returned_given": False,
              "returned_axes": False, "read_from": None, "picture": None, "problem": None, "flags": [],
              "refused": None}
    if result["status"] != "returned" and not (result["status"] == "raised" and evidence.get("pickle")):
        return result
    import matplotlib.pyplot as plt
    opened_before = set(plt.get_fignums())  # unpickled pyplot figures register with pyplot
    drawing, result["problem"], result["flags"], result["refused"] = load_drawing(evidence)
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
        pictures, chosen, renders = [], None, {} if show is not None else None
        for name, axes in candidates:
            if axes is None or any(axes is read for _, read, _ in pictures):
                continue
            pictures.append((name, axes, read_picture(axes, renders)))
            if pictures[-1][2].get("main") is not None:
                chosen = pictures[-1]
                break
        chosen = chosen or (pictures or [None])[0]
        if chosen is None:
            result["problem"] = "no matplotlib Axes was drawn or returned"
        else:
            result["read_from"], result["picture"] = chosen[0], chosen[2]
        if show is not None:
            result["png"] = show(drawing, renders)
    except Exception as exc:  # noqa: BLE001 - a genuine figure the reader fails on: the grader's fault
        _, result["problem"], result["flags"], result["refused"] = _grader_fault(
            f"{type(exc).__name__}: {str(exc)[:120]}")
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
