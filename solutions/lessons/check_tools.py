"""What a lesson's check cell runs: the answer looked up by name, how its cell last ran, and a
message that says what to change.

A check cell is a short call, ``check(lesson=1, exercise=1)``; the exercises themselves are
judged in ``checks_01_03.py`` and ``checks_05_07.py``. You may read this file, but you need not.
Why the checks work this way:

* **The call takes no value from the notebook.** It looks the answer up by name in the
  notebook's variables. A cell ``check(new_tokens)`` would itself fail with a raw
  ``NameError`` whenever the answer cell stopped before making ``new_tokens``.
* **It asks first what happened to the answer cell.** IPython reports every cell it runs to
  its ``post_run_cell`` callbacks: the cell's source, its number (the N of ``In [N]``) and the
  error it stopped with. :func:`follow_cells` records them. When the last run of the answer
  cell stopped with an error, or the answer cell has not run, the check says that before
  anything else: otherwise it would judge a value left over from an earlier attempt, or
  find none. The kernel never sees a cell that was edited but not run, so when other cells
  ran after the answer cell, a failing check names the run it judged (``In [N]``), which the
  student can compare with the number beside the answer cell.
* **A failed check raises** :class:`Mistake`, an ``AssertionError`` that Jupyter shows as its
  message alone (IPython's ``_render_traceback_``), without a traceback through this file.
  Errors raised by the student's own functions are caught and explained with the line of
  the student's code where they happened.
* **Outside IPython** (a plain ``import`` in a test) nothing is followed, and the checks judge
  the variables of the module that calls them.

Lessons 01-03 and 05-07 are released as two assignments, so each folder has a copy of this
file; ``./course generate`` copies ``solutions/lessons/check_tools.py`` to
``solutions/lessons-after-challenge/``: edit that one.
"""
from __future__ import annotations

import ast
import linecache
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Mistake", "CellRun", "Answer", "Checks", "follow_cells", "followed_runs", "is_attempt",
           "describe"]

#: Lines of a message longer than this are wrapped when Jupyter shows it.
WIDTH = 92
#: How many cell runs are remembered (the newest); a lesson runs far fewer.
REMEMBERED_RUNS = 2000
_UNSET = object()


class Mistake(AssertionError):
    """What is wrong with an answer, in plain words.

    Its first line is a title. Jupyter shows the message alone, in place of a traceback: the
    student needs the message, not the check's inner workings.
    """

    def _render_traceback_(self):
        title, _, rest = str(self).partition("\n")
        lines = [f"\x1b[1;31m{title}\x1b[0m"]
        for line in rest.splitlines():
            lines.extend(textwrap.wrap(line, WIDTH, subsequent_indent="  ") if len(line) > WIDTH else [line])
        return lines


# --- how the cells ran ---------------------------------------------------------------------

@dataclass(frozen=True)
class CellRun:
    """One run of a notebook cell, as IPython reported it."""

    number: int | None          # the N of In [N]
    source: str
    error: str | None = None    # "AttributeError: 'str' object has no attribute 'splt'"
    kind: str | None = None     # the error's class name
    syntax: bool = False        # the cell could not be parsed, so none of it ran
    missing_name: str | None = None   # the name of a NameError
    line: int | None = None     # the line of the cell where it stopped
    code: str = ""              # that line
    inside: str | None = None   # the student's function it stopped in, when not the cell itself

    @classmethod
    def of(cls, result) -> "CellRun":
        """The run that IPython's ``ExecutionResult`` describes."""
        source = result.info.raw_cell or ""
        error = result.error_before_exec or result.error_in_exec
        return cls(result.execution_count, source, **where_it_stopped(error, source))


def where_it_stopped(error: BaseException | None, source: str) -> dict:
    """The facts of an error raised by a notebook cell: its text, and the line of the cell."""
    if error is None:
        return {}
    facts = {"error": error_text(error), "kind": type(error).__name__,
             "missing_name": error.name if isinstance(error, NameError) else None}
    if isinstance(error, SyntaxError):
        facts.update(syntax=True, line=error.lineno, code=(error.text or "").strip(),
                     error=f"{type(error).__name__}: {error.msg}")
        return facts
    frames = notebook_frames(error)
    if frames:
        (_, line), (deepest, _) = frames[0], frames[-1]
        lines = source.splitlines()
        facts.update(line=line, code=lines[line - 1].strip() if 0 < line <= len(lines) else "")
        if deepest.f_code.co_name != "<module>":
            facts["inside"] = deepest.f_code.co_name
    return facts


def notebook_frames(error: BaseException) -> list:
    """``(frame, line)`` for each step of the traceback in the notebook's own code, outermost
    first: code whose globals are the notebook's (``__name__ == "__main__"``), not a library's."""
    frames, tb = [], error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == "__main__":
            frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def error_text(error: BaseException) -> str:
    """``"ValueError: the message"``, or the class name alone when there is no message."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


_followed: dict = {}   # {"shell": the IPython shell, "runs": [CellRun, ...]}


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def follow_cells() -> bool:
    """Record every cell IPython runs from now on (once per kernel); False outside IPython."""
    shell = _shell()
    if shell is None:
        return False
    if _followed.get("shell") is not shell:
        runs = []

        def record(result):
            runs.append(CellRun.of(result))
            del runs[:-REMEMBERED_RUNS]

        shell.events.register("post_run_cell", record)
        _followed.update(shell=shell, runs=runs)
    return True


def followed_runs() -> list | None:
    """The recorded runs, oldest first; None when cells are not followed (outside IPython)."""
    return _followed["runs"] if _followed and _followed["shell"] is _shell() else None


def is_attempt(source: str, names) -> bool:
    """Whether a cell is an attempt at an exercise whose answer makes ``names``.

    It is when it makes one of them (assigns it, defines it as a function), or is still the
    blank template (``raise NotImplementedError()`` under a comment that names one). A cell
    that cannot be parsed is one when a line looks like making a name. A cell that only uses
    a name (``print(new_tokens)``) is not an attempt.
    """
    def mentioned(pattern):
        return any(re.search(pattern.format(re.escape(name)), source, re.MULTILINE) for name in names)

    try:
        tree = ast.parse(source)
    except SyntaxError:  # also IPython's %magics: guess from the lines that look like making it
        return mentioned(r"^\s*def\s+{0}\b|^\s*#.*\b{0}\b|\b{0}\b.*=")
    if not made_names(tree).isdisjoint(names):
        return True
    return "NotImplementedError" in source and mentioned(r"^\s*#.*\b{0}\b")  # the blank template


def made_names(tree: ast.AST) -> set:
    """The names a piece of code assigns, defines or imports."""
    made = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            made.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            made.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            made.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return made


# --- the answer --------------------------------------------------------------------------------

def describe(value) -> str:
    """A value in a few words, for a message: ``the string 'abc'``, ``a NumPy array of shape (2, 3)``."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return f"the truth value {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, (int, float, np.number)):
        return f"the number {value}"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape}"
    if isinstance(value, (list, tuple, set, dict)):
        count = len(value)
        return f"a {type(value).__name__} of {count} item{'' if count == 1 else 's'}"
    if callable(value):
        return f"the function {getattr(value, '__name__', '?')}"
    return f"a {type(value).__name__}"


def listed(names) -> str:
    """```a```, ```a` and `b```."""
    quoted = [f"`{name}`" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass
class Exercise:
    """One exercise: the names its answer cell makes, and the function that judges them."""

    lesson: int
    number: int
    names: tuple
    judge: Callable
    #: what to do when the answer uses a name that does not exist (a NameError: a helper of
    #: another lesson, say) or a function that still raises NotImplementedError, by that name
    hints: dict = field(default_factory=dict)


class Answer:
    """An exercise's answer as the notebook holds it, with readers that explain bad values.

    ``answer["new_tokens"]`` is a variable of the notebook (the answer, or a value the lesson
    made, such as ``tokens``); a missing one is a :class:`Mistake` that says which cell to run.
    """

    def __init__(self, exercise: Exercise, namespace: dict):
        self.exercise, self.namespace = exercise, namespace

    def __getitem__(self, name):
        if name not in self.namespace:
            raise Mistake(f"`{name}` does not exist: a cell above this exercise makes it. Run the "
                          "cells above first (Run › Run All Above Selected Cell), then your answer "
                          "cell and this check")
        return self.namespace[name]

    def numbers(self, name: str, value=_UNSET, what: str = "numbers") -> np.ndarray:
        """``answer[name]`` (or ``value``, which a function returned) as an array of floats, or a
        Mistake naming what it is instead."""
        value = self[name] if value is _UNSET else value
        try:
            array = None if value is None or isinstance(value, str) else np.asarray(value, dtype=float)
        except (TypeError, ValueError):  # ragged lists, strings, functions...
            array = None
        if array is None:
            raise Mistake(f"`{name}` should be {what}, but it is {describe(value)}")
        return array

    def call(self, name: str, *args, shown: str | None = None, advice: Callable | None = None):
        """Call the student's function ``name``; its errors become a Mistake that names the line.

        ``advice(error)`` may return what to change for a likely error (or None).
        """
        function = self[name]
        shown = shown or f"{name}(...)"
        if not callable(function):
            raise Mistake(f"`{name}` should be a function, but it is {describe(function)}: keep the "
                          f"line `def {name}(...):` of the answer cell, and don't assign to {name}")
        try:
            return function(*args)
        except NotImplementedError:
            raise Mistake(f"{name}() is not written yet: replace `raise NotImplementedError()` "
                          "in its cell with your code, run that cell, then this check") from None
        except Exception as error:
            raise Mistake(self.failure(error, shown, advice)) from None

    def failure(self, error: Exception, shown: str, advice: Callable | None = None) -> str:
        """What to say when the student's code raised ``error`` during ``shown``."""
        frames = notebook_frames(error)
        where = ""
        if frames:  # the deepest line of the student's own code
            frame, line = frames[-1]
            code = linecache.getline(frame.f_code.co_filename, line).strip()
            where = f" in your {frame.f_code.co_name}() at line {line} of its cell" + (
                f" (`{code}`)" if code else "")
        missing = error.name if isinstance(error, NameError) else None
        fix = (advice(error) if advice else None) or advice_for(self.exercise, error_text(error), missing) or (
            "fix that line, run its cell again, then this check")
        return f"{shown} stopped with {error_text(error)}{where}: {fix}"


class Checks:
    """The exercises of some lessons, and the call a check cell makes.

    ``check(lesson=1, exercise=1)`` judges exercise 1 of lesson 1 and prints what is right, or
    raises :class:`Mistake`. Exercises are registered with :meth:`exercise`.
    """

    def __init__(self):
        self.exercises = {}

    def exercise(self, lesson: int, number: int, *names: str, hints: dict | None = None):
        """Register the decorated ``judge(answer) -> str`` for an exercise whose answer cell
        makes ``names``: it raises Mistake, or returns the message for a right answer."""
        def register(judge):
            self.exercises[lesson, number] = Exercise(lesson, number, names, judge, hints or {})
            return judge
        return register

    @staticmethod
    def follow_cells() -> bool:
        """Record how cells run, so that each check can say how its answer cell last ran."""
        return follow_cells()

    def __call__(self, lesson: int, exercise: int, namespace: dict | None = None) -> None:
        """Check the answer to ``exercise`` of ``lesson`` in ``namespace`` (by default the
        variables of the caller: the notebook)."""
        spec = self.exercises.get((lesson, exercise))
        if spec is None:
            raise ValueError(f"lesson {lesson} has no exercise {exercise}; there are "
                             f"{sorted(self.exercises)}")
        if namespace is None:
            namespace = sys._getframe(1).f_globals
        follow_cells()  # from now on, if the first cell was skipped after a restart
        attempt = last_attempt(spec.names)
        problem = answer_cell_problem(spec, attempt, namespace)
        if problem:
            raise Mistake(f"Exercise {exercise}: not yet.\n{problem}") from None
        answer = Answer(spec, namespace)
        try:
            verdict = spec.judge(answer)
        except Mistake as mistake:
            raise Mistake(f"Exercise {exercise}: not right yet.\n{mistake}{rerun_note(attempt)}") from None
        except Exception as error:  # a value the judge did not foresee: say what it is
            values = "; ".join(f"`{name}` is {describe(namespace.get(name))}" for name in spec.names)
            raise Mistake(f"Exercise {exercise}: not right yet.\nThe check could not make sense of "
                          f"your answer ({error_text(error)}). {values}: print it to see what your "
                          f"answer cell makes{rerun_note(attempt)}") from None
        print(verdict)


def last_attempt(names) -> CellRun | None:
    """The newest recorded run of a cell that attempts the answer (see :func:`is_attempt`)."""
    for run in reversed(followed_runs() or []):
        if is_attempt(run.source, names):
            return run
    return None


def answer_cell_problem(exercise: Exercise, attempt: CellRun | None, namespace: dict) -> str | None:
    """Why the answer cannot be judged yet (its cell stopped with an error, or has not run), or
    None."""
    if attempt is not None and attempt.error:
        return stopped_message(exercise, attempt)
    missing = [name for name in exercise.names if name not in namespace]
    if not missing:
        return None
    if attempt is None:
        if followed_runs() is not None:
            return ("You have not run your answer cell yet (a restarted kernel forgets every run): "
                    "click the cell with your answer, press Shift+Enter, then run this check.")
        return (f"{listed(missing)} does not exist yet: run your answer cell (with your code in "
                "place of `raise NotImplementedError()`), then this check.")
    return (f"Your answer cell ran (In [{attempt.number}]) but made no {listed(missing)}: the "
            f"answer must have exactly that name. Check its spelling, run the cell again, then "
            "this check.")


def stopped_message(exercise: Exercise, run: CellRun) -> str:
    """The answer cell's last run stopped with an error: where, and what to do."""
    at = f" at line {run.line}" if run.line else ""
    code = f" (`{run.code}`)" if run.code else ""
    if run.syntax:
        return (f"Your answer cell could not run: Python found a syntax error{at}{code}, "
                f"{run.error}. None of the cell ran. Fix that line, run the cell again, then this "
                "check.")
    if run.kind == "NotImplementedError":
        if run.inside and run.inside not in exercise.names:
            return (f"Your answer cell calls {run.inside}(), which still raises "
                    f"NotImplementedError{at}{code}: "
                    + exercise.hints.get(run.inside, f"write {run.inside}() first") + ".")
        if not run.inside:
            return ("You have not written your answer yet: replace `raise NotImplementedError()` "
                    "in the answer cell with your code, run the cell, then this check.")
    inside = f" inside your function {run.inside}()" if run.inside else ""
    message = f"Your answer cell stopped with an error{at}{code}{inside}: {run.error}."
    advice = advice_for(exercise, run.error, run.missing_name)
    if advice:
        return f"{message} {advice}. Then run your answer cell again, and this check."
    return (f"{message} Fix that (the message under the answer cell says more), run the cell "
            "again, then this check: until then the check cannot see your new answer.")


#: What to do about errors that students meet in every lesson, by a clue in the error's text.
COMMON_ADVICE = {
    "truth value of an array": "`not`, `and`, `or` and `if` need one True or False; on a boolean "
                               "array use `~`, `&` and `|`, which work element by element",
}


def advice_for(exercise: Exercise, error: str, missing_name: str | None = None) -> str | None:
    """What to do about an error: for a missing name, the exercise's hint or the two usual causes;
    else the advice for a common error; None when the error says it best."""
    if missing_name:
        return exercise.hints.get(missing_name) or (
            f"`{missing_name}` does not exist in this notebook. If a cell above makes it, run the "
            "cells above first (Run › Run All Above Selected Cell); otherwise check its spelling")
    return next((advice for clue, advice in COMMON_ADVICE.items() if clue in error), None)


def rerun_note(attempt: CellRun | None) -> str:
    """When cells ran after the answer cell: which run of it the check judged."""
    runs = followed_runs()
    if attempt is None or not runs or runs[-1] is attempt:
        return ""
    return (f"\n(This check judged what your answer cell made when it ran as In [{attempt.number}]. "
            "If you have changed that cell since, run it again, then this check.)")
