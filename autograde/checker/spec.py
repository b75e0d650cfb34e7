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
