"""Verdicts: from what each call drew to a message per criterion, and to points.

:func:`judge_call` judges one call's reading (from :func:`read_evidence`)
against the data that call passed; :func:`split_points` turns the verdicts of
all calls into each criterion's points: a criterion's points are split evenly
over the call shapes (without ``ax`` and with one), and a shape earns its share
only if the criterion passes in every call of that shape. So one bug that only
shows when an ``ax`` is given costs the ``ax`` share, not everything.
"""
from .judge import judge_picture
from .spec import CALL_SHAPES, CRITERIA, PICTURE_CRITERIA, PUBLIC_SENTENCE, describe_sentence

#: Hints for the exceptions students meet most, keyed by what the message says.
_EXCEPTION_HINTS = (
    (("NameError", "UnboundLocalError"), "'fig'",
     "when ax is given there is no `fig` of yours: use ax.figure instead "
     "(e.g. ax.figure.colorbar(image, ax=ax), ax.figure.tight_layout())"),
    (("RuntimeError", "ValueError"), "No mappable was found",
     "plt.colorbar() looks for an image in the current Axes, and the ax you are given need not be the "
     "current one: pass your image, ax.figure.colorbar(image, ax=ax)"),
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


def _failure_of_the_call(reading: dict, call: dict) -> str | None:
    """Why nothing can be judged in this call (it raised, hung, crashed...), or None."""
    status = reading.get("status")
    if status == "returned":
        return reading.get("problem")
    if status == "raised":
        return explain_exception(reading.get("exception") or {"type": "Exception", "message": ""})
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


def _judge_return(reading: dict, call: dict) -> str | None:
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
        return ("you were given an ax but drew on (and returned) another Axes: when ax is given, draw on "
                "it and return it")
    if reading.get("read_from") not in (None, "returned"):
        return ("the Axes you returned shows no heatmap; it was drawn on another Axes (plt.imshow, "
                "plt.xticks and plt.title draw on the current Axes, which need not be yours): draw with "
                "ax.imshow, ax.set_xticks, ax.set_title, ... and return that ax")
    return None


def judge_call(reading: dict, call: dict) -> dict:
    """``{criterion: None (passed) or message}`` for one call."""
    failure = _failure_of_the_call(reading, call)
    if failure is not None:
        return {criterion: failure for criterion in CRITERIA}
    verdicts = {"returns_axes": _judge_return(reading, call)}
    picture = reading.get("picture")
    if picture is None:
        verdicts.update({criterion: "no matplotlib Axes with a heatmap was drawn or returned"
                         for criterion in PICTURE_CRITERIA})
    else:
        verdicts.update(judge_picture(picture, call["tokens"], call["attention"],
                                      public_tokens=PUBLIC_SENTENCE.split()))
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
    sentence when it failed with one sentence only); ``failures`` are the latter.
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
        result[criterion] = {"score": score, "max": maximum, "lines": lines, "failures": failing}
    return result
