"""The checks of lessons 01-03: what each exercise's check cell judges, and the likely mistakes
each one names.

A check cell runs ``check(lesson=1, exercise=1)``. The answer is looked up in the notebook by
name, after :mod:`check_tools` has made sure that the answer cell ran without an error. Each
check below computes the right answer from the lesson's own variables (``tokens``,
``typed``, ``attention``...), so no answer is written in the notebook, and it recognises
the mistakes students make most, to say what to change. Reading this file before you answer
gives the answers away: try the exercise first.
"""
import numpy as np
import matplotlib.axes
import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator

from check_tools import Checks, Mistake, describe

__all__ = ["check"]

#: ``check(lesson=..., exercise=...)``, the call of every check cell of lessons 01-03.
check = Checks()


# --- lesson 1: tokens --------------------------------------------------------------------------

@check.exercise(1, 1, "new_tokens")
def new_sentence_tokens(answer):
    """Exercise 1: ``new_tokens`` holds the tokens of ``new_sentence``."""
    new_tokens, text = answer["new_tokens"], answer["new_sentence"]
    expected = text.split()
    if isinstance(new_tokens, str):
        raise Mistake("new_tokens is a string, text in one piece, not a list of tokens: call "
                      ".split() on new_sentence to cut it into its tokens")
    if not isinstance(new_tokens, list):
        raise Mistake(f"new_tokens should be a list of strings, but it is {describe(new_tokens)}")
    if len(new_tokens) != len(expected):
        if new_tokens == answer.namespace.get("tokens"):
            advice = "these are the tokens of `sentence`, the course sentence: split new_sentence instead"
        elif len(new_tokens) == 1:
            advice = "did you forget to split? The list holds the whole sentence as one piece"
        elif new_tokens == text.split("\n"):
            advice = ("did you split at the line break with split('\\n')? That keeps each line in one "
                      "piece; split() with no argument cuts at spaces and line breaks")
        elif any("\n" in token for token in new_tokens):
            advice = ("did you split on spaces with split(' ')? That keeps the two words around the "
                      "line break together; split() with no argument also cuts at the line break")
        else:
            advice = "split new_sentence with split() and no argument"
        raise Mistake(f"expected {len(expected)} tokens, got {len(new_tokens)}: {advice}")
    if new_tokens[0] != expected[0]:
        raise Mistake(f"the first token should be {expected[0]!r}, got {new_tokens[0]!r}: split "
                      "new_sentence, not sentence")
    if new_tokens != expected:
        wrong = next(i for i, (got, right) in enumerate(zip(new_tokens, expected)) if got != right)
        raise Mistake(f"token {wrong} should be {expected[wrong]!r}, got {new_tokens[wrong]!r}: split() "
                      "keeps punctuation attached; split new_sentence with split() and nothing else")
    return f"Right: {len(expected)} tokens, from {expected[0]!r} to {expected[-1]!r}"


@check.exercise(1, 2, "important_position", "after_focus")
def positions(answer):
    """Exercise 2: the index of "important", and the token after "focus"."""
    tokens = answer["tokens"]
    position, after = answer["important_position"], answer["after_focus"]
    right_position = tokens.index("important")
    right_after = tokens[tokens.index("focus") + 1]
    if isinstance(position, str):
        raise Mistake(f"important_position is the string {position!r}: give the token's position, "
                      "a number, the one tokens.index(...) returns")
    if isinstance(position, (bool, np.bool_)) or not isinstance(position, (int, np.integer)):
        raise Mistake(f"important_position should be a whole number (an index), but it is "
                      f"{describe(position)}")
    if position == right_position + 1:
        raise Mistake(f"important_position is {position}: that is counting from 1. Python counts from "
                      f"0, so {tokens[0]!r} is at index 0")
    if position == right_position - len(tokens):
        raise Mistake(f"important_position is {position}: tokens[{position}] is 'important' indeed, "
                      "but counted from the end. Give the position counted from the front, the one "
                      "tokens.index(...) returns")
    if position != right_position:
        if -len(tokens) <= position < len(tokens):
            raise Mistake(f"important_position is {position}, but tokens[{position}] is "
                          f"{tokens[position]!r}, not 'important': look it up with tokens.index(...)")
        raise Mistake(f"important_position is {position}, which is not a position in a list of "
                      f"{len(tokens)} tokens: look it up with tokens.index(...)")
    if isinstance(after, (int, np.integer)):
        raise Mistake(f"after_focus is the number {after}, a position: after_focus should be the token "
                      "at that position, tokens[...]")
    if isinstance(after, list):
        raise Mistake(f"after_focus is the list {after!r}: a slice gives a list, even of one token. "
                      "Pick the single token with tokens[position]")
    if after == tokens[tokens.index("focus") - 1]:
        raise Mistake(f"after_focus is {after!r}, the token *before* 'focus': add 1 to the position "
                      "instead of subtracting")
    if after != right_after:
        raise Mistake(f"after_focus is {describe(after)}, expected the token at "
                      "tokens.index('focus') + 1")
    return (f"Both right: 'important' is at index {right_position}, and 'focus' is followed by "
            f"{right_after!r}.")


# --- lesson 2: the attention matrix ------------------------------------------------------------

@check.exercise(2, 1, "bad_rows")
def rows_with_typos(answer):
    """Exercise 1: the query tokens whose row of ``typed`` does not sum to 1."""
    bad_rows, tokens, typed = answer["bad_rows"], answer["tokens"], answer.numbers("typed")
    if isinstance(bad_rows, str):
        raise Mistake(f"bad_rows is the string {bad_rows!r}: make it a list with one token string per "
                      "bad row, ['...', '...']")
    if not isinstance(bad_rows, (list, tuple, np.ndarray)):
        raise Mistake(f"bad_rows should be a list of token strings, but it is {describe(bad_rows)}")
    found = list(bad_rows)
    arrays = [item for item in found if isinstance(item, np.ndarray)]
    if arrays:
        raise Mistake(f"bad_rows holds the row numbers {arrays[0].tolist()} inside an array, as "
                      "np.where gives them, instead of token strings: np.where(...) returns a tuple "
                      "with one array per dimension, so np.where(...)[0] is the array of row numbers. "
                      "Then turn each row number i into its token with tokens[i]")
    if found and all(isinstance(item, (bool, np.bool_)) for item in found):
        raise Mistake("bad_rows holds True/False, one per row: keep tokens[i] only for the rows i "
                      "whose sum is not close to 1, to get a list of token strings")
    if not all(isinstance(item, str) for item in found):
        shown = [item.item() if isinstance(item, np.generic) else item for item in found]
        raise Mistake(f"bad_rows should hold token strings, the words of `tokens` as split() made "
                      f"them, got {shown}: turn each row number i into its token with tokens[i]")
    if not found:
        raise Mistake("bad_rows is empty: the typos are in `typed`, the colleague's copy, so sum the "
                      "rows of typed, not of attention")
    found = [str(token) for token in found]
    unknown = [token for token in found if token not in tokens]
    if unknown:
        raise Mistake(f"bad_rows holds {unknown}, but the sentence has no such token: spell each "
                      "token exactly as split() made it, full stop included")
    row_sums, column_sums = typed.sum(axis=1), typed.sum(axis=0)
    expected = [token for token, total in zip(tokens, row_sums) if not np.isclose(total, 1)]
    if found != expected:
        if found == [token for token, total in zip(tokens, column_sums) if not np.isclose(total, 1)]:
            raise Mistake(f"bad_rows is {found}: those are the *columns* of typed that don't sum to 1. "
                          "Sum along the rows with typed.sum(axis=1)")
        if found == [token for token, total in zip(tokens, row_sums) if total != 1]:
            raise Mistake(f"bad_rows is {found}: you compared the sums with == or !=, and tiny "
                          "rounding errors make some correct rows look wrong. Compare with np.isclose")
        if sorted(found) == sorted(expected):
            raise Mistake(f"right tokens, but keep them in sentence order: {found}")
        raise Mistake(f"bad_rows is {found}: that is not the rows whose sums are off; print "
                      "typed.sum(axis=1) and look for the sums that are not close to 1")
    sums = " and ".join(f"{token!r} ({row_sums[tokens.index(token)]:.2f})" for token in expected)
    return f"Right: the rows of {sums} are the typos."


@check.exercise(2, 2, "help_to_important")
def one_weight(answer):
    """Exercise 2: the weight from query "help" to key "important"."""
    value, tokens = answer["help_to_important"], answer["tokens"]
    attention = answer.numbers("attention")
    if np.ndim(value) != 0:
        raise Mistake(f"help_to_important should be one number, but it is {describe(value)}: index "
                      "with both the row and the column, attention[row, column]")
    number = answer.numbers("help_to_important", what="a number read from the matrix, "
                            "attention[row, column]")
    expected = attention[tokens.index("help"), tokens.index("important")]
    swapped = attention[tokens.index("important"), tokens.index("help")]
    if not np.isclose(number, expected):
        hint = ("read the row of 'help' (the query) at the column of 'important' (the key), "
                "finding both positions with tokens.index")
        if np.isclose(number, swapped):
            hint += (f". Swapping them (row 'important', column 'help') gives {swapped:.2f}: did you "
                     "put the key first?")
        raise Mistake(f"you got {float(number):.2f}: {hint}")
    return f"Right: 'help' gives {expected:.2f} of its attention to 'important'."


# --- lesson 3: plotting heatmaps ----------------------------------------------------------------

NO_IMAGE_FOR_COLORBAR = (
    "plt.colorbar() found no image: with no image given, it takes the last one that plt.imshow "
    "drew on the current Axes, and an image drawn with ax.imshow (or on an ax you were given) "
    "is not that. Pass your image and your ax: ax.figure.colorbar(image, ax=ax)")


def _colorbar_advice(error):
    return NO_IMAGE_FOR_COLORBAR if "No mappable" in str(error) else None


def _without_ax_advice(error):
    if isinstance(error, AttributeError) and "NoneType" in str(error):
        return ("when ax is None there is no Axes to draw on yet: make a figure first with "
                "`if ax is None: fig, ax = plt.subplots(figsize=(8, 6))`")
    return _colorbar_advice(error)


def _with_ax_advice(error):
    if isinstance(error, NameError) and "'fig'" in str(error):   # also an UnboundLocalError
        return ("when ax is given your function makes no `fig`, so every line that uses `fig` fails, "
                "not only the colorbar: replace each `fig.` with `ax.figure.`, as in "
                "ax.figure.colorbar(image, ax=ax) and ax.figure.tight_layout()")
    return _colorbar_advice(error)


def heatmap_problems(ax, call, tokens, attention):
    """Raise a Mistake if ``ax`` does not show the full heatmap of ``tokens`` and ``attention``."""
    ax.figure.canvas.draw()  # tick labels are final only once the figure is drawn
    if len(ax.images) != 1:
        raise Mistake(f"{call}: expected one image (from ax.imshow) on the Axes, found {len(ax.images)}")
    shown = np.asarray(ax.images[0].get_array())
    if shown.shape != attention.shape or not np.allclose(shown, attention):
        if shown.shape == attention.shape and np.allclose(shown, attention.T):
            raise Mistake(f"{call}: the image is the transpose of attention: rows must be queries, so "
                          "draw attention, not attention.T")
        raise Mistake(f"{call}: the image does not show the attention weights: draw them with "
                      "ax.imshow(attention)")
    colormap = ax.images[0].get_cmap().name
    if colormap != "viridis":
        raise Mistake(f'{call}: the colormap is {colormap!r}; use cmap="viridis"')
    for axis, labels in [("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())]:
        texts = [label.get_text() for label in labels]
        if texts != list(tokens):
            raise Mistake(f"{call}: the {axis} tick labels are {texts}, expected the tokens {list(tokens)}: "
                          f"set positions and labels together with "
                          f"ax.set_{axis}ticks(range(len(tokens)), labels=tokens)")
    if ax.get_xticklabels()[0].get_rotation() == 0:
        raise Mistake(f"{call}: the x tick labels are not rotated: pass rotation=45 (with ha='right') "
                      "so long tokens don't overlap")
    for what, got, expected in [("title", ax.get_title(), "Attention Heatmap"),
                                ("x label", ax.get_xlabel(), "Key Tokens"),
                                ("y label", ax.get_ylabel(), "Query Tokens")]:
        if got != expected:
            raise Mistake(f"{call}: the {what} is {got!r}, expected {expected!r}")
    colorbar = ax.images[0].colorbar
    if colorbar is None:
        raise Mistake(f"{call}: there is no colorbar for the image: add ax.figure.colorbar(image, ax=ax)")
    if colorbar.ax.get_ylabel() != "Attention Weight":
        raise Mistake(f"{call}: the colorbar label is {colorbar.ax.get_ylabel()!r}, expected "
                      "'Attention Weight': use colorbar.set_label(...)")


@check.exercise(3, 1, "plot_attention_heatmap")
def heatmap_function(answer):
    """Exercise 1: ``plot_attention_heatmap`` draws the full heatmap with and without an ``ax``,
    for any sentence. It only asks the Axes what is on them, through matplotlib's public API."""
    tokens, attention = answer["tokens"], answer.numbers("attention")
    name = "plot_attention_heatmap"

    # 1. Without an Axes, as in the challenge: no figure is open, so plt.gca() makes a new one.
    plt.close("all")
    ax = answer.call(name, tokens, attention, shown=f"{name}(tokens, attention)",
                     advice=_without_ax_advice)
    if not isinstance(ax, matplotlib.axes.Axes):
        raise Mistake(f"{name} should return the Axes it drew on, but it returned {describe(ax)}: "
                      "end the function with `return ax`")
    heatmap_problems(ax, "called without an Axes", tokens, attention)

    # 2. With an Axes that is not the current one: `current` is made last, so plt.gca() is it.
    given_figure, (given_ax, current) = plt.subplots(1, 2, figsize=(12, 5))
    try:
        returned = answer.call(name, tokens, attention, given_ax,
                               shown=f"{name}(tokens, attention, ax=...)", advice=_with_ax_advice)
        given_figure.canvas.draw()
        on_current = [call for call, found in [
            ("plt.imshow", current.images),
            ("plt.xticks", isinstance(current.xaxis.get_major_locator(), FixedLocator)),  # ticks set
            ("plt.yticks", isinstance(current.yaxis.get_major_locator(), FixedLocator)),  # by hand
            ("plt.title", current.get_title()),
            ("plt.xlabel", current.get_xlabel()),
            ("plt.ylabel", current.get_ylabel())] if found]
        if on_current:
            raise Mistake(f"called with an Axes: you were given an ax, but {', '.join(on_current)} drew "
                          "on the current Axes, which is another one (pyplot's plt. functions draw on "
                          "plt.gca(), not on your ax). When ax is given, draw on it: use ax.imshow, "
                          "ax.set_xticks, ax.set_yticks, ax.set_title, ax.set_xlabel, ax.set_ylabel")
        if returned is not given_ax:
            raise Mistake("called with an Axes: when an Axes is passed as ax, draw on that Axes and "
                          "return it (yours returned a different one)")
        heatmap_problems(given_ax, "called with an Axes", tokens, attention)
    finally:
        plt.close(given_figure)

    # 3. Another sentence, with 3 tokens: the function must not use the lesson's `n`.
    small_tokens = ["Heatmaps", "show", "weights."]
    small = np.array([[0.5, 0.25, 0.25], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6]])
    small_figure, small_ax = plt.subplots()
    try:
        answer.call(name, small_tokens, small, small_ax, shown=f"with 3 tokens, {name}",
                    advice=lambda error: ("it must work for any sentence, so use len(tokens), not n "
                                          f"(n is {len(tokens)}, the length of the course sentence)"))
        small_figure.canvas.draw()
        small_shape = np.shape(small_ax.images[0].get_array()) if small_ax.images else None
        small_labels = [label.get_text() for label in small_ax.get_xticklabels()]
    finally:
        plt.close(small_figure)
    if small_shape != (3, 3) or small_labels != small_tokens:
        raise Mistake(f"with 3 tokens and a 3×3 matrix your function drew an image of shape "
                      f"{small_shape} labelled {small_labels}: it must draw the matrix and tokens it "
                      "is given, using len(tokens), not n")
    return ("All checks passed: your function draws the full heatmap on the ax it is given, or on "
            "a new figure, and returns the Axes.")


@check.exercise(3, 2, "left", "right", hints={
        "plot_attention_heatmap": "that is your function from exercise 1: finish exercise 1 first"})
def side_by_side(answer):
    """Exercise 2: ``attention`` on ``left``, ``random_attention`` on ``right``, titled."""
    left, right = answer["left"], answer["right"]
    attention, random_attention = answer.numbers("attention"), answer.numbers("random_attention")
    for where, side in [("left", left), ("right", right)]:
        if isinstance(side, matplotlib.axes.Axes):
            continue
        raise Mistake(f"{where} should be the Axes that the first line of the answer cell makes, but "
                      f"it is {describe(side)}: don't assign to {where}, run the whole cell again")
    for where, side in [("left", left), ("right", right)]:
        if isinstance(side.title, str):
            plt.close(side.figure)  # it can't be drawn any more; running the answer cell makes a new one
            raise Mistake(
                f"{where}.title is now the text {side.title!r}: you assigned to it, as in "
                f"`{where}.title = ...`. But ax.title is the title's Text object (which matplotlib "
                "draws), not the title's text, and a string in its place breaks the figure: that is "
                "the AttributeError \"'str' object has no attribute ...\" above. Set a title with "
                "ax.set_title(...), here right.set_title(\"Random attention\"), and run the answer "
                "cell again")
        if not callable(side.set_title):
            raise Mistake(f"{where}.set_title is now the text {side.set_title!r}: `{where}.set_title = "
                          "...` replaced the method with a string. Call it instead, "
                          "right.set_title(\"Random attention\"), and run the answer cell again")
    for where, side, name, expected, other, other_matrix in [
            ("left", left, "attention", attention, "random_attention", random_attention),
            ("right", right, "random_attention", random_attention, "attention", attention)]:
        if len(side.images) != 1:
            raise Mistake(f"the {where} Axes has {len(side.images)} images, expected 1: call "
                          f"plot_attention_heatmap(tokens, {name}, ax={where}) once")
        shown = np.asarray(side.images[0].get_array())
        if shown.shape != expected.shape or not np.allclose(shown, expected):
            swapped = shown.shape == other_matrix.shape and np.allclose(shown, other_matrix)
            raise Mistake(f"the {where} heatmap does not show {name}"
                          + (f": it shows {other}; swap the two" if swapped else ""))
    if left.get_title() == "Random attention":
        raise Mistake("the left title is 'Random attention': set the title of the right Axes only")
    if right.get_title() != "Random attention":
        raise Mistake(f"the right title is {right.get_title()!r}, expected 'Random attention': call "
                      ".set_title(...) on the Axes that plot_attention_heatmap returns")
    return "Right: attention on the left, random_attention on the right, titled 'Random attention'."
