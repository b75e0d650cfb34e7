"""What the challenge asks for: the criteria, the exact texts and the public data.

One place for these facts; the checker, the grader, the notebook's points table
and the README read them from here (points live in the notebook's metadata).
"""

#: The graded criteria (nbgrader grade_ids), in notebook order, with what each means.
CRITERIA = {
    "returns_axes": "returns the matplotlib Axes it drew on (the ax it is given, if any)",
    "matrix": "the heatmap shows exactly the given matrix (rows = query tokens, columns = key tokens)",
    "x_ticks": "x tick labels are the tokens, one per column, centred on the columns",
    "y_ticks": "y tick labels are the tokens, one per row, centred on the rows",
    "colorbar": 'a colorbar for the heatmap, labelled "Attention Weight"',
    "title": 'the title is "Attention Heatmap"',
}
#: Short names used in messages.
CRITERION_NAMES = {"returns_axes": "return value", "matrix": "matrix", "x_ticks": "x tick labels",
                   "y_ticks": "y tick labels", "colorbar": "colorbar", "title": "title"}
#: The criteria read from the picture (all but the return value).
PICTURE_CRITERIA = ("matrix", "x_ticks", "y_ticks", "colorbar", "title")

EXPECTED_TITLE = "Attention Heatmap"
EXPECTED_COLORBAR_LABEL = "Attention Weight"

PUBLIC_SENTENCE = "Attention helps models understand context."
PUBLIC_ATTENTION = [
    [0.25, 0.15, 0.20, 0.20, 0.20],
    [0.10, 0.40, 0.15, 0.20, 0.15],
    [0.15, 0.10, 0.35, 0.20, 0.20],
    [0.20, 0.15, 0.20, 0.25, 0.20],
    [0.15, 0.20, 0.20, 0.20, 0.25],
]

#: The two ways the function is called, each once with the challenge's data (the
#: self-check and grading) and, at grading only, once more with fresh data.
#: Each criterion's points are split evenly over these shapes.
CALL_SHAPES = {
    "no_ax": {"with_ax": False, "as_array": False,
              "description": "a list of lists and no ax",
              "label": "called without ax (attention as a list of lists)"},
    "with_ax": {"with_ax": True, "as_array": True,
                "description": "a NumPy array and an ax of ours (not the current Axes)",
                "label": "called with an ax of ours (attention as a NumPy array)"},
}

#: Seconds one call of the student's function may take before it is stopped.
CALL_TIMEOUT = 10.0

#: The MIME type of the evidence a grading kernel sends back for each call.
EVIDENCE_MIME = "application/vnd.heatmap-check.evidence+json"


#: A second sentence the self-check also tries (not graded), so that a function that works only
#: for the challenge's sentence (tokens or a size written into it) shows it before grading.
OTHER_SENTENCE = "Queries look at keys."
OTHER_ATTENTION = [
    [0.70, 0.05, 0.15, 0.10],
    [0.02, 0.08, 0.60, 0.30],
    [0.33, 0.27, 0.04, 0.36],
    [0.12, 0.48, 0.01, 0.39],
]


def public_calls() -> list:
    """The calls grading makes with the challenge's data: one per call shape."""
    return [make_call(f"public_{shape}", shape, PUBLIC_SENTENCE.split(), PUBLIC_ATTENTION, public=True)
            for shape in CALL_SHAPES]


def self_check_calls() -> list:
    """The calls the self-check makes: grading's public calls, and one with another sentence."""
    return public_calls() + [make_call("other_no_ax", "no_ax", OTHER_SENTENCE.split(), OTHER_ATTENTION,
                                       public=True)]


def make_call(name: str, shape: str, tokens: list, attention: list, public: bool) -> dict:
    """One call of the student's function, as plain data (JSON-serialisable)."""
    if shape not in CALL_SHAPES:
        raise ValueError(f"unknown call shape {shape!r}; expected one of {list(CALL_SHAPES)}")
    return {"name": name, "shape": shape, "tokens": list(tokens),
            "attention": [[float(value) for value in row] for row in attention], "public": public}


def describe_sentence(call: dict) -> str:
    """Which sentence a call passed, in words."""
    if call["tokens"] == PUBLIC_SENTENCE.split():
        return "the challenge's sentence"
    return f"the sentence {' '.join(call['tokens'])!r} ({len(call['tokens'])} tokens)"
