"""What the challenge notebook calls: the self-check, the graded cells' checks, the evidence.

* :func:`self_check` (the visible self-check cell) makes the calls grading
  makes, in this kernel: without ``ax`` and with an ``ax`` of ours, on the
  challenge's sentence and on a sentence drawn just now, and judges them with
  grading's own code and policy. It shows what the function drew and prints
  what grading would give on these calls: the points per criterion and in
  total, and what each failure costs.
* :func:`require` (one graded cell per criterion) reports that criterion's
  points on the same calls (made once per function). At grading it does
  nothing: the grader judges these cells itself, from the evidence.
* :func:`record_evidence` is what the grader appends to a submission: it makes
  the grading calls and sends back what each one drew. The grader never trusts
  it for a verdict; a sandboxed inspector reads what was drawn.
"""
import base64
import json
import os

from .answer_run import answer_cell_warning, follow_cells
from .evidence import collect
from .fresh import self_check_calls
from .spec import CALL_SHAPES, CRITERION_NAMES, EVIDENCE_MIME, JUDGE_WITH_AX_ON, POINTS, describe_sentence
from .unpickle import read_evidence
from .verdicts import axes_to_read, judge_call, points_lost, split_points

PASSED = "All public checks passed"

_results_by_function = {}  # id(function) -> (function, check)


class CheckFailed(AssertionError):
    """A check that did not pass, in plain words. Jupyter shows its message alone, once, in
    place of a traceback into this file (IPython's ``_render_traceback_``), and still as an
    error output: nbgrader's validate counts a graded cell that shows one as failed."""

    def _render_traceback_(self):
        title, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m{title}\x1b[0m", *rest]


def is_grading() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def _missing(function) -> str | None:
    if function is None:
        return "plot_attention_heatmap is not defined: run your answer cell first"
    if not callable(function):
        return f"plot_attention_heatmap should be a function, not a {type(function).__name__}"
    return None


def judge_evidence(calls, evidence, points=None, judge_with_ax_on=JUDGE_WITH_AX_ON) -> dict:
    """Read and judge each call's evidence (``{call name: evidence}``) as grading does.

    Returns ``{"calls", "verdicts", "results"}`` (:func:`split_points`'s, with ``points``,
    by default the course's :data:`POINTS`) and ``"pictures"`` (``{call name: PNG bytes or
    None}``)."""
    verdicts, pictures = {}, {}
    for call in calls:
        record = evidence.get(call["name"]) or {"status": "missing", "problem": "this call was not made"}
        order = axes_to_read(call, judge_with_ax_on)
        verdicts[call["name"]] = judge_call(read_evidence(record, order), call, judge_with_ax_on)
        png = record.get("png")
        pictures[call["name"]] = base64.b64decode(png) if isinstance(png, str) else None
    return {"calls": calls, "verdicts": verdicts, "pictures": pictures,
            "results": split_points(calls, verdicts, points or POINTS)}


def check_public(function, show=False, calls=None) -> dict:
    """Make the self-check's calls (by default grading's, with a sentence drawn just now) in
    this process and judge them: :func:`judge_evidence`'s result. ``show``: also draw each
    call's figure as the caller sees it (PNG)."""
    calls = calls or self_check_calls()
    evidence = {call["name"]: collect(function, call, show=axes_to_read(call) if show else None)
                for call in calls}
    return judge_evidence(calls, evidence)


def failures_of(check: dict) -> dict:
    """``{criterion: [failure line, ...]}`` of a check (empty lists for the criteria that passed)."""
    return {criterion: result["failures"] for criterion, result in check["results"].items()}


def describe_calls(calls) -> str:
    """The calls in words: each call shape and the sentences it was called with."""
    parts = []
    for shape, about in CALL_SHAPES.items():
        sentences = list(dict.fromkeys(describe_sentence(call) for call in calls if call["shape"] == shape))
        if sentences:
            parts.append(f"{about['label'].split(' (')[0]}, on {' and '.join(sentences)}")
    return "; ".join(parts)


def points_report(check: dict) -> tuple:
    """``(passed, text)``: what grading would give on the check's calls, in words.

    The first line is the total ("9.5/10 on these calls"), then one line per distinct
    failure with the criteria it costs and how much, the points per criterion, and the calls."""
    results = check["results"]
    total = sum(result["score"] for result in results.values())
    maximum = sum(result["max"] for result in results.values())
    lost = points_lost(results)
    calls = f"The calls: {describe_calls(check['calls'])}."
    if not lost:
        return True, f"{PASSED}: {total:g}/{maximum:g} on these calls.\n{calls}"
    lines = [f"{total:g}/{maximum:g} on these calls. What costs points:"]
    lines += [f"- {', '.join(CRITERION_NAMES.get(c, c) for c in criteria)}"
              + (f" (\u2212{cost:g})" if cost else "") + f": {line}" for line, criteria, cost in lost]
    lines.append("Points per criterion: " + ", ".join(
        f"{CRITERION_NAMES.get(c, c)} {r['score']:g}/{r['max']:g}" for c, r in results.items()) + ".")
    return False, "\n".join(lines + [calls])


def show_pictures(check: dict, only_failing: bool = False) -> None:
    """Display each call's picture (as the caller sees it) under a line saying which call it is."""
    from IPython.display import Image, display
    failing = {call["name"] for call in check["calls"]
               if any(check["verdicts"].get(call["name"], {}).values())}
    for index, call in enumerate(check["calls"]):
        png = check["pictures"].get(call["name"])
        if png and (index == 0 or not only_failing or call["name"] in failing):
            label = CALL_SHAPES[call["shape"]]["label"]
            print(f"{label[0].upper()}{label[1:]}, with {describe_sentence(call)}:")
            display(Image(png))
            if CALL_SHAPES[call["shape"]].get("picture_note"):
                print(CALL_SHAPES[call["shape"]]["picture_note"], end="\n\n")


def self_check(function):
    """The visible self-check: grading's calls here and now, their pictures, and their points."""
    if is_grading():
        print("(at grading, the grader calls your function itself)")
        return
    _stop_unless_defined(function)
    check = check_public(function, show=True)
    _results_by_function[id(function)] = (function, check)
    show_pictures(check, only_failing=True)
    passed, text = points_report(check)
    if not passed:
        raise CheckFailed(text)
    print(text)


def _stop_unless_defined(function) -> None:
    """Say first when the answer cell's newest run stopped with an error; raise
    :class:`CheckFailed` when there is no function to judge."""
    follow_cells()  # from now on, if the first cell was not run
    warning, missing = answer_cell_warning(), _missing(function)
    if missing:
        raise CheckFailed(warning or missing)
    if warning:
        print(f"\x1b[1;31m{warning}\x1b[0m\n")


def _check_of(function):
    cached = _results_by_function.get(id(function))
    if cached is None or cached[0] is not function:
        cached = (function, check_public(function))
        _results_by_function[id(function)] = cached
    return cached[1]


def require(criterion, function):
    """A graded cell's check: its points on the self-check's calls; CheckFailed unless all."""
    if criterion not in CRITERION_NAMES:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {list(CRITERION_NAMES)}")
    if is_grading():
        print(f"{CRITERION_NAMES[criterion]}: graded by the course's grader from what your function draws")
        return
    _stop_unless_defined(function)
    result = _check_of(function)["results"][criterion]
    heading = f"{CRITERION_NAMES[criterion]}: {result['score']:g}/{result['max']:g} on the self-check's calls"
    if result["failures"]:
        raise CheckFailed(f"{heading}: " + "; ".join(result["failures"]))
    print(f"{heading}: passed")


def recording_cell(calls, by: str) -> str:
    """The source of the cell that grading (``by`` "the grader") and "grade me" add before the
    graded cells: it makes ``calls`` on the notebook's function and sends back what each drew."""
    return (f"# Added by {by}: call plot_attention_heatmap the way grading does and record what it draws.\n"
            f"import heatmap_check as _grading_check\n"
            f"_grading_check.record_evidence(globals().get(\"plot_attention_heatmap\"), "
            f"__import__(\"json\").loads({json.dumps(calls)!r}))\n")


def record_evidence(function, calls):
    """At grading: make each call and send back what it drew (one output per call)."""
    from IPython.display import display
    for call in calls:
        display({EVIDENCE_MIME: collect(function, call)}, raw=True)
