"""The lessons' checks (solutions/lessons/checks_01_03.py, solutions/lessons-after-challenge/
checks_05_07.py and check_tools.py), in-process.

Each lesson's instructor notebook is run once, in a plain namespace (no IPython, so nothing
is followed: the checks judge the values they find). Then, for every exercise, the right
answer passes, and every mistake a check names is made, as a student would make it (the
answer cell's source), and must get its message. What the checks say about the answer
cell's own run (an error, not run) needs a real kernel: tests/test_lesson_checks_kernel.py.
The notebooks themselves are held to their side of the bargain too: every check cell is a
short call, right under the answer cell it checks, and no other cell is taken for that
answer cell.
"""
import filecmp
import os
import re
import warnings

import matplotlib.pyplot as plt
import nbformat
import pytest

import check_tools
import checks_01_03
import checks_05_07
from autograde.corpus.course_copy import REPO

LESSONS = REPO / "solutions" / "lessons"
LATER = REPO / "solutions" / "lessons-after-challenge"
NOTEBOOKS = {1: LESSONS / "01_tokens.ipynb", 2: LESSONS / "02_attention_matrix.ipynb",
             3: LESSONS / "03_plotting_heatmaps.ipynb", 5: LATER / "05_computing_attention.ipynb",
             6: LATER / "06_masks_and_heads.ipynb", 7: LATER / "07_real_attention.ipynb"}
CHECKS = {1: checks_01_03.check, 2: checks_01_03.check, 3: checks_01_03.check,
          5: checks_05_07.check, 6: checks_05_07.check, 7: checks_05_07.check}
CHECK_CALL = re.compile(r"check\(lesson=(\d+), exercise=(\d+)\)")
#: The longest a visible check cell may be (issue 22: "a cell of at most a few lines").
MOST_CHECK_LINES = 12


def _check_call(cell):
    found = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
    return tuple(int(number) for number in found.groups()) if found else None


def _run_lesson(lesson: int) -> dict:
    """The namespace of a lesson's instructor notebook, run up to its last check cell (answer
    cells with their solutions, check cells skipped), as the notebook's own folder sees it."""
    path = NOTEBOOKS[lesson]
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    last = max(i for i, cell in enumerate(cells) if _check_call(cell))
    namespace = {"__name__": "__main__"}
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # plt.show() on Agg, and the lessons' own warnings
            for cell in cells[:last]:
                if not _check_call(cell):
                    exec(compile(cell.source, f"{path.name}:{cell.id}", "exec"), namespace)
                    plt.close("all")
    finally:
        os.chdir(here)
    return namespace


_lessons = {}


def lesson_namespace(lesson: int) -> dict:
    """A fresh copy of the lesson's namespace (the lesson is run once per test session)."""
    if lesson not in _lessons:
        _lessons[lesson] = _run_lesson(lesson)
    return dict(_lessons[lesson])


def judge(lesson: int, exercise: int, answer: str | None = None) -> str:
    """Run ``answer`` (an answer cell's source) in the lesson's namespace, then the check.
    Returns what the check printed, or the Mistake's message."""
    namespace = lesson_namespace(lesson)
    try:
        if answer is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # what NumPy says about nan: not the check's
                exec(compile(answer, "answer cell", "exec"), namespace)
        CHECKS[lesson](lesson=lesson, exercise=exercise, namespace=namespace)
    except check_tools.Mistake as mistake:
        return str(mistake)
    finally:
        plt.close("all")
    return "passed"


# --- every exercise: the right answer passes --------------------------------------------------

EXERCISES = sorted((lesson, number) for lesson, check in set(CHECKS.items())
                   for (of_lesson, number) in check.exercises if of_lesson == lesson)


@pytest.mark.parametrize("lesson, exercise", EXERCISES, ids=lambda value: str(value))
def test_the_instructor_answer_passes(lesson, exercise, capsys):
    assert judge(lesson, exercise) == "passed"
    assert capsys.readouterr().out.strip(), "a passing check prints what is right"


# --- every mistake gets its message -----------------------------------------------------------

HEATMAP = '''
def plot_attention_heatmap(tokens, attention, ax=None):
    attention = np.asarray(attention, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 6))
    image = ax.imshow(attention, cmap="viridis")
    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(tokens)), labels=tokens)
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label("Attention Weight")
    ax.set_title("Attention Heatmap")
    ax.set_xlabel("Key Tokens")
    ax.set_ylabel("Query Tokens")
    return ax
'''


def heatmap(*changes):
    """Lesson 3's function with ``(old, new)`` changes: one mistake a student makes."""
    source = HEATMAP
    for old, new in changes:
        assert old in source, old
        source = source.replace(old, new)
    return source


SIDE_BY_SIDE = '''
fig, (left, right) = plt.subplots(1, 2)
plot_attention_heatmap(tokens, attention, ax=left)
plot_attention_heatmap(tokens, random_attention, ax=right).set_title("Random attention")
'''


def function(name, body, args="x"):
    return f"def {name}({args}):\n" + "\n".join(f"    {line}" for line in body.strip().splitlines())


SOFTMAX = "e = np.exp(scores - scores.max(axis=-1, keepdims=True))\nreturn e / e.sum(axis=-1, keepdims=True)"
MERGE_WITHOUT_ASARRAY = """
n = max(groups) + 1
merged = np.zeros((n, n))
for a in range(n):
    for b in range(n):
        merged[a, b] = weights[groups == a][:, groups == b].sum(axis=1).mean()
return merged
"""

MISTAKES = [
    # lesson 1, exercise 1: new_tokens
    (1, 1, "new_tokens = new_sentence", "is a string"),
    (1, 1, "new_tokens = tuple(new_sentence.split())", "should be a list of strings, but it is a tuple"),
    (1, 1, "new_tokens = sentence.split()", "these are the tokens of `sentence`"),
    (1, 1, "new_tokens = [new_sentence]", "did you forget to split?"),
    (1, 1, "new_tokens = new_sentence.split('\\n')", "split('\\n')"),
    (1, 1, "new_tokens = new_sentence.split(' ')", "split(' ')"),
    (1, 1, "new_tokens = new_sentence.split()[:8]", "expected 9 tokens, got 8: split new_sentence"),
    (1, 1, "new_tokens = ['attention'] + new_sentence.split()[1:]", "the first token should be 'Attention'"),
    (1, 1, "new_tokens = new_sentence.replace('.', '').split()", "token 8 should be 'token.'"),
    # lesson 1, exercise 2: important_position, after_focus
    (1, 2, "important_position = 'important'; after_focus = 'on'", "is the string 'important'"),
    (1, 2, "important_position = 5.0; after_focus = 'on'", "a whole number (an index), but it is the number 5.0"),
    (1, 2, "important_position = 6; after_focus = 'on'", "counting from 1"),
    (1, 2, "important_position = -2; after_focus = 'on'", "counted from the end"),
    (1, 2, "important_position = 4; after_focus = 'on'", "tokens[4] is 'on', not 'important'"),
    (1, 2, "important_position = 9; after_focus = 'on'", "not a position in a list of 7 tokens"),
    (1, 2, "important_position = 5; after_focus = 4", "is the number 4, a position"),
    (1, 2, "important_position = 5; after_focus = tokens[4:5]", "a slice gives a list"),
    (1, 2, "important_position = 5; after_focus = 'models'", "the token *before* 'focus'"),
    (1, 2, "important_position = 5; after_focus = 'On'", "expected the token at tokens.index('focus') + 1"),
    # lesson 2, exercise 1: bad_rows
    (2, 1, "bad_rows = 'models, words.'", "bad_rows is the string"),
    (2, 1, "bad_rows = 2", "should be a list of token strings, but it is the number 2"),
    (2, 1, "bad_rows = list(np.where(~np.isclose(typed.sum(axis=1), 1)))", "as np.where gives them"),
    (2, 1, "bad_rows = list(np.isclose(typed.sum(axis=1), 1))", "holds True/False"),
    (2, 1, "bad_rows = [2, 6]", "should hold token strings"),
    (2, 1, "bad_rows = []", "bad_rows is empty"),
    (2, 1, "bad_rows = ['models', 'words']", "the sentence has no such token"),
    (2, 1, "bad_rows = [t for t, s in zip(tokens, typed.sum(axis=0)) if not np.isclose(s, 1)]",
     "*columns*"),
    (2, 1, "bad_rows = [t for t, s in zip(tokens, typed.sum(axis=1)) if s != 1]", "compared the sums with =="),
    (2, 1, "bad_rows = ['words.', 'models']", "keep them in sentence order"),
    (2, 1, "bad_rows = ['help']", "not the rows whose sums are off"),
    # lesson 2, exercise 2: help_to_important
    (2, 2, "help_to_important = attention[tokens.index('help')]", "should be one number"),
    (2, 2, "help_to_important = '0.20'", "should be a number read from the matrix"),
    (2, 2, "help_to_important = attention[tokens.index('important'), tokens.index('help')]",
     "did you put the key first?"),
    (2, 2, "help_to_important = 0.5", "you got 0.50: read the row of 'help'"),
    # lesson 3, exercise 1: plot_attention_heatmap
    (3, 1, heatmap(("    return ax\n", "")), "should return the Axes it drew on, but it returned None"),
    (3, 1, heatmap(("    if ax is None:\n        fig, ax = plt.subplots(figsize=(8, 6))\n", "")),
     "when ax is None there is no Axes"),
    (3, 1, heatmap(("colorbar = ax.figure.colorbar(image, ax=ax)", "colorbar = plt.colorbar()")),
     "plt.colorbar() found no image"),
    (3, 1, heatmap(("colorbar = ax.figure.colorbar(image, ax=ax)", "colorbar = fig.colorbar(image, ax=ax)")),
     "replace each `fig.` with `ax.figure.`"),
    (3, 1, heatmap(('ax.set_title("Attention Heatmap")', 'plt.title("Attention Heatmap")')),
     "plt.title drew on the current Axes"),
    (3, 1, heatmap(("    return ax\n", "    return plt.gca()\n")),
     "yours returned a different one"),
    (3, 1, heatmap(('ax.imshow(attention, cmap="viridis")', 'ax.imshow(attention.T, cmap="viridis")')),
     "the image is the transpose of attention"),
    (3, 1, heatmap(('ax.imshow(attention, cmap="viridis")', 'ax.imshow(attention * 2, cmap="viridis")')),
     "the image does not show the attention weights"),
    (3, 1, heatmap(('cmap="viridis"', 'cmap="jet"')), "the colormap is 'jet'"),
    (3, 1, heatmap(("    ax.set_xticks(range(len(tokens)), labels=tokens, rotation=45, ha=\"right\", "
                    "rotation_mode=\"anchor\")\n", "")), "the x tick labels are"),
    (3, 1, heatmap((', rotation=45, ha="right", rotation_mode="anchor"', "")), "are not rotated"),
    (3, 1, heatmap(('ax.set_title("Attention Heatmap")', 'ax.set_title("attention heatmap")')),
     "the title is 'attention heatmap', expected 'Attention Heatmap'"),
    (3, 1, heatmap(('ax.set_xlabel("Key Tokens")', 'ax.set_xlabel("Keys")')), "the x label is 'Keys'"),
    (3, 1, heatmap(('ax.set_ylabel("Query Tokens")', "")), "the y label is ''"),
    (3, 1, heatmap(("    colorbar = ax.figure.colorbar(image, ax=ax)\n    colorbar.set_label(\"Attention "
                    "Weight\")\n", "")), "there is no colorbar"),
    (3, 1, heatmap(('colorbar.set_label("Attention Weight")', 'colorbar.set_label("weight")')),
     "the colorbar label is 'weight'"),
    (3, 1, heatmap(("range(len(tokens)), labels=tokens, rotation", "range(n), labels=tokens, rotation")),
     "with 3 tokens, plot_attention_heatmap stopped with ValueError"),
    (3, 1, heatmap(('    image = ax.imshow(attention, cmap="viridis")\n',
                    '    ax.imshow(attention)\n    image = ax.imshow(attention, cmap="viridis")\n')),
     "expected one image (from ax.imshow) on the Axes, found 2"),
    (3, 1, "def plot_attention_heatmap(tokens, attention, ax=None):\n    raise NotImplementedError()",
     "plot_attention_heatmap() is not written yet"),
    (3, 1, "plot_attention_heatmap = 'a heatmap'", "`plot_attention_heatmap` should be a function"),
    # lesson 3, exercise 2: left, right
    (3, 2, "fig, (left, right) = plt.subplots(1, 2); left = 'left'", "left should be the Axes"),
    (3, 2, SIDE_BY_SIDE.replace('.set_title("Random attention")', "") + "right.title = 'Random attention'",
     "right.title is now the text 'Random attention'"),
    (3, 2, SIDE_BY_SIDE.replace('.set_title("Random attention")', "") + "right.set_title = 'Random attention'",
     "replaced the method with a string"),
    (3, 2, SIDE_BY_SIDE.replace("plot_attention_heatmap(tokens, attention, ax=left)\n", ""),
     "the left Axes has 0 images"),
    (3, 2, SIDE_BY_SIDE.replace("attention, ax=left", "random_attention, ax=left")
                       .replace("random_attention, ax=right", "attention, ax=right"),
     "the left heatmap does not show attention: it shows random_attention; swap the two"),
    (3, 2, SIDE_BY_SIDE + "left.set_title('Random attention')", "the left title is 'Random attention'"),
    (3, 2, SIDE_BY_SIDE.replace('.set_title("Random attention")', ""),
     "the right title is 'Attention Heatmap', expected 'Random attention'"),
    # lesson 5, exercise 1: entry_1_0
    (5, 1, "entry_1_0 = A[1] * B[:, 0]", "should be one number"),
    (5, 1, "entry_1_0 = (A @ B)[0, 1]", "that is entry [0, 1]"),
    (5, 1, "entry_1_0 = (A[0] * B[:, 0]).sum()", "that is entry [0, 0]"),
    (5, 1, "entry_1_0 = (A[1] * B[:, 1]).sum()", "that is entry [1, 1]"),
    (5, 1, "entry_1_0 = A[1].sum() * B[:, 0].sum()", "you multiplied the two sums"),
    (5, 1, "entry_1_0 = 1", "multiply row 1 of A by column 0 of B"),
    (5, 1, "entry_1_0 = '139'", "should be numbers, but it is the string '139'"),
    # lesson 5, exercise 2: small_scores
    (5, 2, "small_scores = Q_small.T @ K_small", "that is Q_small.T @ K_small"),
    (5, 2, "small_scores = Q_small * K_small", "did you write Q_small * K_small?"),
    (5, 2, "small_scores = (Q_small @ K_small.T).ravel()", "should be 2×2"),
    (5, 2, "small_scores = K_small @ Q_small.T", "rows and columns are swapped"),
    (5, 2, "small_scores = Q_small @ K_small.T + 1", "query 0 · key 1 = 1×2 + 0×0 + 2×1 = 4"),
    (5, 2, "small_scores = [[1, 4], [1]]", "should be a 2×2 matrix of numbers, but it is a list"),
    # lesson 5, exercise 3: scaled
    (5, 3, "scaled = scores_3x3 @ key_scale", "that is a matrix product (@)"),
    (5, 3, "scaled = (scores_3x3 * key_scale)[:2]", "should be a 3×3 matrix like scores_3x3"),
    (5, 3, "scaled = scores_3x3 * key_scale[:, None]", "you scaled the rows"),
    (5, 3, "scaled = scores_3x3 + key_scale", "you added key_scale"),
    (5, 3, "scaled = scores_3x3 * 2", "column j should be column j of scores_3x3 times key_scale[j]"),
    # lesson 5, exercise 4: normalize_rows
    (5, 4, function("normalize_rows", "return x / x.sum(axis=1, keepdims=True)"), "use axis=-1"),
    (5, 4, function("normalize_rows", "x / x.sum(axis=-1, keepdims=True)"), "normalize_rows() returned None"),
    (5, 4, function("normalize_rows", "return x / x.max(axis=-1, keepdims=True)"),
     "normalize_rows([1, 3]) should be [0.25 0.75]"),
    (5, 4, function("normalize_rows", "return x / x.sum(axis=-1)"), "without keepdims=True the row sums"),
    (5, 4, function("normalize_rows", "return x / x.sum()"), "the total of the whole matrix"),
    (5, 4, function("normalize_rows", "return x / x.sum(axis=0, keepdims=True)"), "now the columns sum to 1"),
    (5, 4, function("normalize_rows", "return x / x.sum(axis=-1, keepdims=True) if x.ndim == 1 else x"),
     "should be divided by its own sum (8, 10)"),
    (5, 4, function("normalize_rows", "if x.shape == (2, 2):\n    return x / x.sum(axis=-1)\n"
                                      "return x / x.sum(axis=-1, keepdims=True)"),
     "column j was divided by the sum of row j"),
    (5, 4, function("normalize_rows", "if x.shape == (2, 2):\n    return x\n"
                                      "return x / x.sum(axis=-1, keepdims=True)"), "should sum to 1, got"),
    # lesson 5, exercise 5: softmax
    (5, 5, function("softmax", SOFTMAX.replace("axis=-1", "axis=1"), "scores"), "use axis=-1"),
    (5, 5, function("softmax", "np.exp(scores)", "scores"), "softmax() returned None"),
    (5, 5, function("softmax", "return np.exp(scores).sum()", "scores"), "should give 3 weights, got shape ()"),
    (5, 5, function("softmax", "return np.exp(scores - scores.max())", "scores"), "which sums to"),
    (5, 5, function("softmax", SOFTMAX.replace("np.exp(scores", "np.exp(scores / 2"), "scores"),
     "softmax([1, 2, 3]) should be [0.09  0.245 0.665]"),
    (5, 5, function("softmax", "e = np.exp(scores - scores.max())\nreturn e / e.sum()", "scores"),
     "every row must sum to 1"),
    (5, 5, function("softmax", SOFTMAX.replace("scores.max(axis=-1, keepdims=True)", "scores.max(axis=0)"),
                    "scores"), "(the softmax of that row alone)"),
    (5, 5, function("softmax", "e = np.exp(scores)\nreturn e / e.sum(axis=-1, keepdims=True)", "scores"),
     "gives nan or inf on scores like 1000"),
    (5, 5, function("softmax", "scores = np.clip(scores, -50, 50)\n" + SOFTMAX, "scores"),
     "shifting a row by a constant must not change its weights"),
    (5, 5, function("softmax", "scores = np.where(np.isinf(scores), 0, scores)\n" + SOFTMAX, "scores"),
     "softmax([0, -inf]) should be [1, 0]"),
    # lesson 5, exercise 6: attention_weights
    (5, 6, function("attention_weights", "return course_softmax(Q @ K / np.sqrt(K.shape[-1]))", "Q, K"),
     "the scores are Q @ K.T, with K transposed"),
    (5, 6, function("attention_weights", "return course_softmax(Q.T @ K / np.sqrt(K.shape[-1]))", "Q, K"),
     "that is Q.T @ K"),
    (5, 6, function("attention_weights", "return course_softmax(Q @ K.T / np.sqrt(K.shape[-1]))[:3]", "Q, K"),
     "7 queries and 7 keys should give 7×7 weights"),
    (5, 6, function("attention_weights", "return course_softmax(Q @ K.T / np.sqrt(K.shape[0]))", "Q, K"),
     "K.shape[0] (or len(K)) is the number of tokens"),
    (5, 6, function("attention_weights", "return course_softmax(Q @ K.T)", "Q, K"), "without the scaling"),
    (5, 6, function("attention_weights", "return course_softmax(Q @ K.T / K.shape[-1])", "Q, K"),
     "divide by its square root"),
    (5, 6, function("attention_weights", "return course_softmax(K @ Q.T / np.sqrt(K.shape[-1]))", "Q, K"),
     "compute Q @ K.T, not K @ Q.T"),
    (5, 6, function("attention_weights", "return Q @ K.T / np.sqrt(K.shape[-1])", "Q, K"),
     "apply the softmax to the scaled scores"),
    (5, 6, function("attention_weights", "return course_softmax(1.1 * Q @ K.T / np.sqrt(K.shape[-1]))", "Q, K"),
     "does not match softmax(Q @ K.T / √d_k)"),
    (5, 6, function("attention_weights", "return course_softmax(Q @ K.T / np.sqrt(d_k))", "Q, K"),
     "take d_k from K.shape[-1], not from the d_k = 32 of this lesson"),
    # lesson 6, exercise 1: causal_mask
    (6, 1, function("causal_mask", "np.triu(np.ones((n, n), dtype=bool), k=1)", "n"), "returned None"),
    (6, 1, function("causal_mask", "return np.triu(np.ones((7, 7), dtype=bool), k=1)", "n"),
     "should have shape (4, 4), got (7, 7)"),
    (6, 1, function("causal_mask", "return np.triu(np.ones((n, n)), k=1)", "n"), "dtype=bool"),
    (6, 1, function("causal_mask", "return np.triu(np.ones((n, n), dtype=bool))", "n"),
     "the diagonal must be False"),
    (6, 1, function("causal_mask", "return np.tril(np.ones((n, n), dtype=bool), k=-1)", "n"),
     "np.tril gives the opposite"),
    (6, 1, function("causal_mask", "return np.zeros((n, n), dtype=bool)", "n"), "should be (1 = True)"),
    (6, 1, function("causal_mask", "return np.triu(np.ones((4, 4), dtype=bool), k=1) if n == 4 else None",
                    "n"), "causal_mask(7) should have shape (7, 7)"),
    # lesson 6, exercise 2: causal_weights
    (6, 2, "causal_weights = np.where(future, -np.inf, scores)", "holds the masked scores"),
    (6, 2, "causal_weights = course_softmax(scores)", "the softmax of the scores without the mask"),
    (6, 2, "causal_weights = course_softmax(np.where(future, 0, scores))", "you set their scores to 0"),
    (6, 2, "hidden = np.where(~future, -np.inf, scores)\n"   # a softmax of one's own: course_softmax
           "e = np.exp(hidden - hidden.max(axis=1, keepdims=True))\n"   # refuses a row of -inf
           "causal_weights = e / e.sum(axis=1, keepdims=True)", "the wrong way round"),
    (6, 2, "causal_weights = np.where(future, 0, course_softmax(scores))", "after the softmax"),
    (6, 2, "causal_weights = course_softmax(scores)[:3]", "should be 7×7 like scores"),
    (6, 2, "causal_weights = course_softmax(np.where(future, -5, scores))", "have a weight above 0"),
    (6, 2, "causal_weights = np.exp(np.where(future, -np.inf, scores))", "every row must sum to 1"),
    (6, 2, "causal_weights = course_softmax(np.where(future, -np.inf, 2 * scores))",
     "the allowed cells do not have the right weights"),
    (6, 2, "causal_weights = 'weights'", "should be the weights, a matrix of numbers"),
    # lesson 6, exercise 3: previous_token_share, previous_token_head
    (6, 3, "previous_token_share = [h.diagonal(offset=-1).mean() for h in heads][:4]\nprevious_token_head = 4",
     "one number per head (5 numbers)"),
    (6, 3, "previous_token_share = [h.diagonal(offset=1).mean() for h in heads]\nprevious_token_head = 4",
     "offset=1, the cells above the diagonal"),
    (6, 3, "previous_token_share = [h.diagonal().mean() for h in heads]\nprevious_token_head = 4",
     "the diagonal itself"),
    (6, 3, "previous_token_share = [h.diagonal(offset=-1).sum() for h in heads]\nprevious_token_head = 4",
     "the sum of the weights below the diagonal"),
    (6, 3, "previous_token_share = [h.mean() for h in heads]\nprevious_token_head = 4",
     "the mean of the whole matrix"),
    (6, 3, "previous_token_share = [h[1:, 0].mean() for h in heads]\nprevious_token_head = 4",
     "Take the mean of the cells just below each head's diagonal"),
]
SHARE = "previous_token_share = [h.diagonal(offset=-1).mean() for h in heads]\n"
MISTAKES += [
    (6, 3, SHARE + "previous_token_head = '4'", "write the number without quotes"),
    (6, 3, SHARE + "previous_token_head = 4.0", "int(4.0) is 4"),
    (6, 3, SHARE + "previous_token_head = max(previous_token_share)", "a share, not a head number"),
    (6, 3, SHARE + "previous_token_head = None", "a whole number from 1 to 5, but it is None"),
    (6, 3, SHARE + "previous_token_head = int(np.argmax(previous_token_share))", "counted from 0"),
    (6, 3, SHARE + "previous_token_head = 1", "the largest share is another head's"),
    # lesson 7, exercise 1: head_weights
    (7, 1, function("head_weights", "return course_softmax(Q_head @ K_head.T / np.sqrt(K_head.shape[-1]))",
                    "Q_head, K_head"), "this lesson has no course_softmax"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head / np.sqrt(32))", "Q_head, K_head"),
     "transpose the keys: Q_head @ K_head.T"),
    (7, 1, function("head_weights", "return softmax(Q @ K.transpose(0, 2, 1) / np.sqrt(32))", "Q_head, K_head"),
     "you used Q and K, which hold all the heads"),
    (7, 1, function("head_weights", "return softmax(Q_head.T @ K_head / np.sqrt(32))", "Q_head, K_head"),
     "that is Q_head.T @ K_head"),
    (7, 1, function("head_weights", "return softmax(Q_head * K_head / np.sqrt(32))", "Q_head, K_head"),
     "`*` multiplies entry by entry"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head.T / np.sqrt(32))[:3]", "Q_head, K_head"),
     "one row per query and one column per key"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head.T / np.sqrt(len(K_head)))", "Q_head, K_head"),
     "K_head.shape[0] (or len(K_head)) is the number of tokens"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head.T)", "Q_head, K_head"), "without the scaling"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head.T / 32)", "Q_head, K_head"),
     "divide by its square root"),
    (7, 1, function("head_weights", "return softmax(K_head @ Q_head.T / np.sqrt(32))", "Q_head, K_head"),
     "not K_head @ Q_head.T"),
    (7, 1, function("head_weights", "return Q_head @ K_head.T / 8", "Q_head, K_head"),
     "apply the softmax to each row"),
    (7, 1, function("head_weights", "return softmax(Q_head @ K_head.T / 6)", "Q_head, K_head"),
     "your weights differ from the model's for layer 4, head 2"),
    (7, 1, function("head_weights", "return softmax(Q[1] @ K[1].T / np.sqrt(32))", "Q_head, K_head"),
     "right for layer 4, head 2 but not for layer 1, head 3"),
    # lesson 7, exercise 2: offset_score
    (7, 2, function("offset_score", "np.diagonal(attention, offset=offset, axis1=-2, axis2=-1).mean(axis=-1)",
                    "attention, offset"), "offset_score() returned None"),
    (7, 2, function("offset_score", "return np.diagonal(attention, offset=offset, axis1=-2, axis2=-1)",
                    "attention, offset"), "should have shape (2, 3), got (2, 3, 4)"),
    (7, 2, function("offset_score", "return np.diagonal(attention, offset=offset, axis1=-2, axis2=-1).sum(-1)",
                    "attention, offset"), "the sums of the weights on the diagonal"),
    (7, 2, function("offset_score", "return np.diagonal(attention, offset=-offset, axis1=-2, axis2=-1).mean(-1)",
                    "attention, offset"), "these are the next-token scores"),
    (7, 2, function("offset_score", "return np.diagonal(attention, offset=offset, axis1=-2, axis2=-1).max(-1)",
                    "attention, offset"), "the mean of attention[layer, head, i, i - 1] over i"),
    (7, 2, function("offset_score", "return np.diagonal(attention, offset=-1, axis1=-2, axis2=-1).mean(-1)",
                    "attention, offset"), "use the `offset` argument, not a fixed -1"),
    # lesson 7, exercise 3: merge_subwords
    (7, 3, function("merge_subwords", "n = groups.max() + 1\nreturn n", "weights, groups"),
     "a list has no NumPy methods such as .max()"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY, "weights, groups"), "Your result has nan"),
    (7, 3, function("merge_subwords", "return weights", "weights, groups"), "2 groups should give a 2×2 matrix"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY.replace("n = ", "groups = np.asarray(groups)\nn = ")
                    .replace(".sum(axis=1).mean()", ".mean(axis=1).sum()"), "weights, groups"),
     "you averaged the columns and summed the rows"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY.replace("n = ", "groups = np.asarray(groups)\nn = ")
                    .replace(".sum(axis=1).mean()", ".mean()"), "weights, groups"),
     "you averaged the whole block"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY.replace("n = ", "groups = np.asarray(groups)\nn = ")
                    .replace(".sum(axis=1).mean()", ".sum()"), "weights, groups"),
     "average the rows of a split word (mean), don't add them up"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY.replace("n = ", "groups = np.asarray(groups)\nn = ")
                    .replace(".sum(axis=1).mean()", ".sum(axis=1).max()"), "weights, groups"),
     "sum the columns of each group, then average the rows"),
    (7, 3, function("merge_subwords", MERGE_WITHOUT_ASARRAY.replace("n = max(groups) + 1",
                                                                   "groups = np.asarray(groups)\nn = 2"),
                    "weights, groups"), "take the number of groups from `groups`"),
]


@pytest.mark.parametrize("lesson, exercise, answer, message", MISTAKES,
                         ids=[f"{lesson}.{exercise}:{message[:40]}" for lesson, exercise, _, message in MISTAKES])
def test_a_mistake_gets_its_message(lesson, exercise, answer, message):
    said = judge(lesson, exercise, answer)
    assert message in said, f"the check said:\n{said}"
    assert said.startswith(f"Exercise {exercise}: not right yet.\n")


def test_every_exercise_has_mistakes_of_its_own():
    """With "the answer cell stopped with an error" (tests/test_lesson_checks_kernel.py), every
    exercise names at least two likely mistakes."""
    assert {(lesson, exercise) for lesson, exercise, _, _ in MISTAKES} == set(EXERCISES)


# --- outside IPython, and values the checks did not foresee -----------------------------------

def test_without_ipython_a_missing_answer_is_named():
    namespace = lesson_namespace(1)
    del namespace["new_tokens"]
    with pytest.raises(check_tools.Mistake, match=r"`new_tokens` does not exist yet: run your answer cell"):
        checks_01_03.check(lesson=1, exercise=1, namespace=namespace)


def test_a_missing_lesson_variable_says_which_cells_to_run():
    namespace = lesson_namespace(2)
    del namespace["typed"]
    with pytest.raises(check_tools.Mistake, match=r"`typed` does not exist: a cell above this exercise "
                                                  r"makes it\. Run the cells above first"):
        checks_01_03.check(lesson=2, exercise=1, namespace=namespace)


def test_a_value_no_check_foresaw_is_described_not_a_traceback():
    """A judge that fails on an odd value says what the value is (the safety net)."""
    said = judge(1, 2, "import numpy as np\nimportant_position = 5\nafter_focus = np.array(tokens[4:6])")
    assert "The check could not make sense of your answer (ValueError: " in said
    assert "`after_focus` is a NumPy array of shape (2,): print it" in said


def test_a_check_cell_of_another_lesson_is_a_course_error():
    with pytest.raises(ValueError, match="lesson 4 has no exercise 1"):
        checks_01_03.check(lesson=4, exercise=1, namespace={})


# --- the pieces of check_tools -----------------------------------------------------------------

@pytest.mark.parametrize("source, attempt", [
    ("new_tokens = new_sentence.split()", True),
    ("# Make a list called new_tokens.\n# YOUR CODE HERE\nraise NotImplementedError()", True),
    ("new_tokens = new_sentence.split((", True),             # cannot be parsed: it names the answer
    ("for new_tokens in [1]:\n    pass", True),
    ("def softmax(scores):\n    return scores", True),
    ("print(new_tokens)", False),                              # uses the answer, does not make it
    ("from checks_01_03 import check\ncheck(lesson=1, exercise=1)", False),
    ("tokens = sentence.split()", False),
])
def test_which_cells_attempt_an_answer(source, attempt):
    assert check_tools.is_attempt(source, ("new_tokens", "softmax")) is attempt


@pytest.mark.parametrize("value, words", [
    (None, "None"), ("abc", "the string 'abc'"), (3, "the number 3"), (True, "the truth value True"),
    ([1, 2], "a list of 2 items"), ((1,), "a tuple of 1 item"), (print, "the function print"),
])
def test_values_are_described_in_words(value, words):
    assert check_tools.describe(value) == words


def test_jupyter_shows_a_mistake_without_a_traceback():
    message = "Exercise 1: not right yet.\n" + "word " * 40 + "\n[[1. 2.]\n [3. 4.]]"
    lines = check_tools.Mistake(message)._render_traceback_()
    assert "Exercise 1: not right yet." in lines[0] and "\x1b[" in lines[0]   # a red title
    assert all(len(line) <= check_tools.WIDTH for line in lines[1:])        # long lines wrapped
    assert lines[-2:] == ["[[1. 2.]", " [3. 4.]]"]                          # a matrix kept as it is


def test_both_lesson_folders_have_the_same_check_tools():
    assert filecmp.cmp(LESSONS / "check_tools.py", LATER / "check_tools.py", shallow=False), (
        "solutions/lessons-after-challenge/check_tools.py is not a copy of solutions/lessons/"
        "check_tools.py: edit the latter and run ./course generate")


# --- the notebooks' side: short check cells right under their answer cells ---------------------

@pytest.mark.parametrize("lesson", sorted(NOTEBOOKS), ids=lambda lesson: f"lesson {lesson}")
@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_every_check_cell_is_short_and_sits_under_its_answer_cell(lesson, folder):
    path = REPO / folder / NOTEBOOKS[lesson].relative_to(REPO / "solutions")
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    checked = []
    for index, cell in enumerate(code):
        answer_above = index > 0 and code[index - 1].metadata.get("nbgrader", {}).get("solution")
        if not answer_above:
            continue
        call = _check_call(cell)
        assert call and call[0] == lesson, f"{path.name}: the cell under answer cell {index - 1} is not " \
                                           f"a check(lesson={lesson}, exercise=...) call:\n{cell.source}"
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        assert hidden or len(cell.source.splitlines()) <= MOST_CHECK_LINES, (
            f"{path.name}: the check of exercise {call[1]} has {len(cell.source.splitlines())} visible lines")
        names = CHECKS[lesson].exercises[call].names
        attempts = [i for i, other in enumerate(code) if check_tools.is_attempt(other.source, names)]
        assert attempts == [index - 1], (
            f"{path.name}: cells {attempts} look like attempts at exercise {call[1]} (they make "
            f"{names}); only its answer cell, {index - 1}, may")
        checked.append(call)
    assert sorted(checked) == [key for key in EXERCISES if key[0] == lesson]
