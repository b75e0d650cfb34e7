"""What the challenge notebook calls: the self-check, the graded cells' checks, the evidence.

* :func:`self_check` (the visible self-check cell) calls the student's function
  the way grading does, once without ``ax`` and once with an ``ax`` of ours,
  on the challenge's own sentence; it shows the figure and either says
  ``public checks passed; more checks run at grading`` or lists each failing
  criterion in plain words, naming the call it failed in.
* :func:`require` (one graded cell per criterion) runs the same public calls
  (once per function) and fails with that criterion's message. At grading it
  does nothing: the grader judges these cells itself, from the evidence.
* :func:`record_evidence` is what the grader appends to a submission: it makes
  the grading calls and sends back what each one drew. The grader never trusts
  it for a verdict; a sandboxed inspector reads what was drawn.
"""
import base64
import os

from .evidence import collect
from .spec import CRITERION_NAMES, EVIDENCE_MIME, self_check_calls
from .unpickle import read_evidence
from .verdicts import judge_call, split_points

PASSED = "public checks passed; more checks run at grading"

_results_by_function = {}  # id(function) -> (function, {criterion: [message, ...]})


def _is_grading() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def _missing(function) -> str | None:
    if function is None:
        return "plot_attention_heatmap is not defined: run your answer cell first"
    if not callable(function):
        return f"plot_attention_heatmap should be a function, not a {type(function).__name__}"
    return None


def check_public(function, png=False):
    """Run the self-check's calls; return ``({criterion: [message, ...]}, png bytes or None)``.
    An empty list means the criterion passed in every call."""
    calls = self_check_calls()
    verdicts, shown = {}, None
    for call in calls:
        evidence = collect(function, call, png=png and shown is None)
        if evidence.get("png") and shown is None:
            shown = base64.b64decode(evidence["png"])
        verdicts[call["name"]] = judge_call(read_evidence(evidence), call)
    points = {criterion: 1.0 for criterion in CRITERION_NAMES}
    return {criterion: result["failures"] for criterion, result in split_points(calls, verdicts, points).items()}, shown


def _public_results(function):
    cached = _results_by_function.get(id(function))
    if cached is None or cached[0] is not function:
        cached = (function, check_public(function)[0])
        _results_by_function[id(function)] = cached
    return cached[1]


def self_check(function):
    """The visible self-check: the public calls, the figure, and every failing criterion."""
    if _is_grading():
        print("(at grading, the grader calls your function itself)")
        return
    missing = _missing(function)
    if missing:
        raise AssertionError(missing)
    results, shown = check_public(function, png=True)
    _results_by_function[id(function)] = (function, results)
    if shown:
        from IPython.display import Image, display
        display(Image(shown))
    grouped = {}  # one line per distinct failure, naming every criterion it costs
    for criterion, messages in results.items():
        for message in messages:
            grouped.setdefault(message, []).append(CRITERION_NAMES[criterion])
    if grouped:
        lines = [f"- {', '.join(names)}: {message}" for message, names in grouped.items()]
        raise AssertionError("Some checks failed:\n" + "\n".join(lines))
    print(PASSED)


def require(criterion, function):
    """A graded cell's check: AssertionError unless ``criterion`` passes in the public calls."""
    if criterion not in CRITERION_NAMES:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {list(CRITERION_NAMES)}")
    if _is_grading():
        print(f"{CRITERION_NAMES[criterion]}: graded by the course's grader from what your function draws")
        return
    missing = _missing(function)
    if missing:
        raise AssertionError(missing)
    messages = _public_results(function)[criterion]
    if messages:
        raise AssertionError(f"{CRITERION_NAMES[criterion]}: " + "; ".join(messages))
    print(f"{CRITERION_NAMES[criterion]}: passed the public checks")


def record_evidence(function, calls):
    """At grading: make each call and send back what it drew (one output per call)."""
    from IPython.display import display
    for call in calls:
        display({EVIDENCE_MIME: collect(function, call)}, raw=True)
