"""Verdicts: from what each call drew to a message per criterion, and to points. The policy.

:func:`judge_call` judges one call's reading (from :func:`read_evidence`)
against the data that call passed; :func:`split_points` turns the verdicts of
all calls into each criterion's points. The policy, applied here and nowhere
else (the self-check, "grade me" and the grader all call these functions):

* a criterion's points are split evenly over the call shapes (without ``ax``
  and with one), and a shape earns its share only if the criterion passes in
  every call of that shape; so a bug that only shows when an ``ax`` is given
  costs the ``ax`` share, not everything;
* a call with an ``ax`` is judged on that ``ax``, which is what the caller sees
  (:data:`spec.WITH_AX_RULES`): a function that draws elsewhere fails every
  criterion in that call. ``judge_with_ax_on="returned"`` (an nbgrader setting,
  ``c.HeatmapGrading.judge_with_ax_on``) judges the Axes it returns instead;
* a call that raises keeps what it drew before the error (the given ``ax``, or
  the figure it made: :func:`evidence.collect` sends it) and fails the return
  value, with the line that raised; a call that drew no heatmap before raising
  fails everything with that message;
* a figure title counts as the title when the heatmap's Axes and its colorbar
  are the only Axes in its figure (:func:`judge.judge_picture`).
"""
from .judge import judge_picture
from .spec import (CALL_SHAPES, CRITERIA, JUDGE_WITH_AX_ON, PICTURE_CRITERIA, PUBLIC_SENTENCE, WITH_AX_RULES,
                   describe_sentence)

#: Hints for the exceptions students meet most, keyed by what the message says.
_EXCEPTION_HINTS = (
    (("NameError", "UnboundLocalError"), "'fig'",
     "when ax is given there is no `fig` of yours: use ax.figure instead "
     "(e.g. ax.figure.colorbar(image, ax=ax), ax.figure.tight_layout())"),
    (("RuntimeError", "ValueError"), "No mappable was found",
     "plt.colorbar() looks for an image in the current Axes, and the ax you are given need not be the "
     "current one: pass your image, ax.figure.colorbar(image, ax=ax)"),
    (("AttributeError",), "'Axes' object has no attribute 'colorbar'",
     "a colorbar belongs to the figure, not to the Axes: ax.figure.colorbar(image, ax=ax)"),
    (("AttributeError",), "'list' object has no attribute",
     "attention can be a plain list of lists: convert it first with attention = np.asarray(attention)"),
    (("TypeError",), "list indices must be integers",
     "attention can be a plain list of lists: convert it first with attention = np.asarray(attention)"),
    (("ValueError",), "does not match the number of labels",
     "the tick positions and the labels differ in number: with a sentence of another length your "
     f"code still uses {len(PUBLIC_SENTENCE.split())} positions or the challenge's words. Take both "
     "from the arguments: "
     "ax.set_xticks(range(len(tokens)), labels=tokens)"),
    (("NotImplementedError",), "",
     "plot_attention_heatmap is not written yet: replace `raise NotImplementedError()` with your code"),
    (("SystemExit",), "", "sys.exit() stops Python: return the Axes instead"),
    (("NameError",), "is not defined",
     "your function uses a name it does not define: make everything it needs from its arguments "
     "(tokens, attention, ax), e.g. n = len(tokens)"),
)


def explain_exception(exception: dict) -> str:
    """A message for an exception the function raised: what, where in the student's code,
    and the likely fix."""
    name, text = exception["type"], exception["message"]
    message = f"plot_attention_heatmap raised {name}" + (f": {text}" if text else "")
    if exception.get("line"):
        message += f", at line {exception['line']} of your answer cell"
        if exception.get("code"):
            message += f": `{exception['code']}`"
    for names, words, hint in _EXCEPTION_HINTS:
        if name in names and words in text:
            return f"{message.rstrip('.')}. Hint: {hint}"
    return message


def axes_to_read(call: dict, judge_with_ax_on: str = JUDGE_WITH_AX_ON) -> tuple:
    """Which of a drawing's Axes to read, in order (the first that shows a heatmap is read).

    With an ``ax`` and the "given" rule the given ax comes first, and the others are read
    only to say where the heatmap went instead (:func:`judge_call` then fails the call)."""
    if judge_with_ax_on not in WITH_AX_RULES:
        raise ValueError(f"judge_with_ax_on must be one of {list(WITH_AX_RULES)}, not {judge_with_ax_on!r}")
    if not CALL_SHAPES[call["shape"]]["with_ax"]:
        return ("returned", "current")
    if judge_with_ax_on == "given":
        return ("given", "returned", "current")
    return ("returned", "given", "current")


def _raised(reading: dict) -> str:
    return explain_exception(reading.get("exception") or {"type": "Exception", "message": ""})


def _failure_of_the_call(reading: dict) -> str | None:
    """Why nothing can be judged in this call (it raised before drawing, hung, crashed...), or None."""
    status = reading.get("status")
    if status == "returned":
        return reading.get("problem")
    if status == "raised":
        picture = reading.get("picture")
        if isinstance(picture, dict) and picture.get("main") is not None:
            return None  # it drew a heatmap before the error: judged on what it drew
        return _raised(reading)
    if status == "timeout":
        return ("plot_attention_heatmap did not finish within the time limit (an endless loop, or a long "
                "sleep?)")
    if status == "crashed":
        return "plot_attention_heatmap crashed Python (the process was killed by a signal)"
    if status == "exited":
        return ("plot_attention_heatmap ended the Python process (e.g. with os._exit()); it must return "
                "the Axes instead")
    if status == "unpicklable":
        detail = (reading.get("exception") or {}).get("message", "")
        return (f"the figure could not be saved for grading ({detail}); use matplotlib's own ticks, "
                f"labels and colorbar rather than custom Python objects")
    if status == "missing":
        return reading.get("problem") or "this call was not made"
    return f"the call ended in an unknown way ({status!r})"


def _judge_return(reading: dict, call: dict, read_from: str | None) -> str | None:
    """The return value's verdict; ``read_from``: the Axes whose picture is judged ("given" when
    the given ax was returned)."""
    if reading.get("status") == "raised":
        return _raised(reading)
    if not reading.get("returned_axes"):
        kind = reading.get("returned")
        if kind in (None, "none"):
            return "plot_attention_heatmap returned None: end it with `return ax`"
        if kind in ("tuple", "list"):
            return f"plot_attention_heatmap returned a {kind}: return only the Axes"
        if kind == "axes":  # said to be an Axes, but none came back in its figure
            return "plot_attention_heatmap did not return a matplotlib Axes that belongs to a figure"
        return f"plot_attention_heatmap returned a {kind}, not a matplotlib Axes: return the Axes you drew on"
    if CALL_SHAPES[call["shape"]]["with_ax"] and not reading.get("returned_given"):
        if read_from == "given":
            return "you drew on the ax you were given but returned another Axes: return the ax you were given"
        return ("you were given an ax but drew on (and returned) another Axes: when ax is given, draw on "
                "it and return it")
    if read_from == "current":
        return ("the Axes you returned shows no heatmap; it was drawn on another Axes (plt.imshow, "
                "plt.xticks and plt.title draw on the current Axes, which need not be yours): draw with "
                "ax.imshow, ax.set_xticks, ax.set_title, ... and return that ax")
    return None


#: Where the heatmap went when a call given an ax drew it elsewhere (by the Axes it was read on).
_DRAWN_ELSEWHERE = {
    "returned": "on an Axes of its own (the one it returned)",
    "current": "on pyplot's current Axes (plt.imshow, plt.xticks and plt.title draw there, and it is not "
               "the ax you were given)",
}


def _ignored_ax(read_from: str) -> str:
    return (f"you were given an ax, but the heatmap was drawn {_DRAWN_ELSEWHERE[read_from]}, so the ax "
            f"you were given shows nothing: when ax is given, draw on it (ax.imshow, ax.set_xticks, "
            f"ax.figure.colorbar(image, ax=ax), ax.set_title) and return it")


def _stopped_early(exception: dict | None) -> str:
    exception = exception or {}
    where = f" at line {exception['line']} of your answer cell" if exception.get("line") else ""
    return f" (plot_attention_heatmap stopped with {exception.get('type', 'an error')}{where} before it finished)"


def judge_call(reading: dict, call: dict, judge_with_ax_on: str = JUDGE_WITH_AX_ON) -> dict:
    """``{criterion: None (passed) or message}`` for one call, under the policy (module docstring).

    ``reading`` must have been read in the order :func:`axes_to_read` gives for the same
    ``judge_with_ax_on``."""
    failure = _failure_of_the_call(reading)
    if failure is not None:
        return {criterion: failure for criterion in CRITERIA}
    read_from, with_ax = reading.get("read_from"), CALL_SHAPES[call["shape"]]["with_ax"]
    if read_from == "returned" and reading.get("returned_given") and with_ax:
        read_from = "given"  # one Axes: the given one, returned
    if read_from is not None and read_from not in axes_to_read(call, judge_with_ax_on):
        return {criterion: "this call's drawing was read from the wrong Axes" for criterion in CRITERIA}
    if with_ax and judge_with_ax_on == "given" and read_from in _DRAWN_ELSEWHERE:
        return {criterion: _ignored_ax(read_from) for criterion in CRITERIA}
    verdicts = {"returns_axes": _judge_return(reading, call, read_from)}
    picture = reading.get("picture")
    if picture is None:
        verdicts.update({criterion: "no matplotlib Axes with a heatmap was drawn or returned"
                         for criterion in PICTURE_CRITERIA})
    else:
        judged = judge_picture(picture, call["tokens"], call["attention"], public_tokens=PUBLIC_SENTENCE.split())
        if reading.get("status") == "raised":
            judged = {criterion: message and message + _stopped_early(reading.get("exception"))
                      for criterion, message in judged.items()}
        verdicts.update(judged)
    return verdicts


def _failure_line(message: str, where: dict, calls: list) -> str:
    """One failure: the call shapes it happened in and, when it did not happen with every
    sentence those shapes were called with, the sentences it happened with."""
    label = ("called with and without an ax" if len(where) == len(CALL_SHAPES)
             else CALL_SHAPES[next(iter(where))]["label"])
    happened = [call for shaped in where.values() for call in shaped]
    if len(happened) < sum(call["shape"] in where for call in calls):
        sentences = dict.fromkeys(describe_sentence(call) for call in happened)  # each once
        label += " (only with " + " and ".join(sentences) + ")"
    return f"{label}: {message}"


def split_points(calls: list, verdicts: dict, points: dict) -> dict:
    """``{criterion: {"score", "max", "lines", "failures"}}`` from every call's verdicts.

    ``verdicts`` maps each call's name to :func:`judge_call`'s result (a call
    without verdicts counts as failed); ``points`` maps criteria to their points.
    ``lines`` say, per call shape, "passed" or each distinct failure (naming the
    sentence when it failed with one sentence only); ``failures`` are the latter,
    and ``failure_shapes`` the call shapes each of them failed in.
    """
    result = {}
    for criterion, maximum in points.items():
        passed_shapes, failures = 0, {}  # message -> {shape: the calls it happened in}
        for shape in CALL_SHAPES:
            shaped_failures = {}
            for call in (call for call in calls if call["shape"] == shape):
                verdict = verdicts.get(call["name"], {}).get(criterion, "this call was not graded")
                if verdict:
                    shaped_failures.setdefault(verdict, []).append(call)
            passed_shapes += not shaped_failures
            for message, where in shaped_failures.items():
                failures.setdefault(message, {})[shape] = where
        failing = [_failure_line(message, where, calls) for message, where in failures.items()]
        lines = [f"{about['label']}: passed" for shape, about in CALL_SHAPES.items()
                 if not any(shape in where for where in failures.values())] + failing
        score = round(maximum * passed_shapes / len(CALL_SHAPES), 4)
        result[criterion] = {"score": score, "max": maximum, "lines": lines, "failures": failing,
                             "failure_shapes": [list(where) for where in failures.values()]}
    return result


def points_lost(results: dict) -> list:
    """``[(failure line, [criterion, ...], points it costs)]`` from :func:`split_points`'s
    result: one entry per distinct failure, naming every criterion it costs. Each lost share
    (a criterion in a call shape) is counted once, for the first failure that caused it."""
    lost, counted = {}, set()
    for criterion, result in results.items():
        share = result["max"] / len(CALL_SHAPES)
        for line, shapes in zip(result["failures"], result["failure_shapes"]):
            entry = lost.setdefault(line, ([], 0.0))
            new = [shape for shape in shapes if (criterion, shape) not in counted]
            counted.update((criterion, shape) for shape in new)
            lost[line] = (entry[0] + [criterion], entry[1] + share * len(new))
    return [(line, criteria, round(cost, 4)) for line, (criteria, cost) in lost.items()]
