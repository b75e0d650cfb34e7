"""The grading policy, applied as stated (autograde/checker/verdicts.py), in-process.

A call with an ``ax`` is judged on that ``ax`` (or, as a course may set, on the
Axes returned); a call that raises keeps what it drew before the error; a
figure title is the title when the heatmap is alone in its figure; a figure
handed back in a tuple is what the caller sees. Each rule is checked here on
evidence collected from real calls (a forked child, as at grading); the
``corpus``-marked test runs every policy case of the corpus through the whole
pipeline under both settings, and the graded corpus does the same through real
nbgrader (``test_challenge_corpus.py``).
"""
import base64
import io

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from PIL import Image  # noqa: E402

from autograde.checker.evidence import PNG_MAX_SIDE, collect, figure_png  # noqa: E402
from autograde.checker.judge import judge_picture  # noqa: E402
from autograde.checker.picture import read_picture  # noqa: E402
from autograde.checker.spec import (CRITERIA, OTHER_ATTENTION, OTHER_SENTENCE, PUBLIC_SENTENCE,  # noqa: E402
                                    make_call, public_calls)
from autograde.checker.unpickle import read_evidence  # noqa: E402
from autograde.checker.verdicts import axes_to_read, judge_call, points_lost, split_points  # noqa: E402
from autograde.corpus import answer_function, cases, notebook_points  # noqa: E402
from autograde.grading.hidden_inputs import grading_calls  # noqa: E402
from autograde.grading.preprocessors import FlagInGradebook  # noqa: E402
from autograde.grading.protocol import ASSIGNMENT, NOTEBOOK, add_flag  # noqa: E402

NO_AX_CALL, WITH_AX_CALL = public_calls()
TOKENS = OTHER_SENTENCE.split()


def judged(name, call, policy="given"):
    order = axes_to_read(call, policy)
    return judge_call(read_evidence(collect(answer_function(name), call), order), call, policy)


def failing(verdicts):
    return {criterion for criterion, message in verdicts.items() if message}


def test_the_axes_read_follow_the_call_and_the_setting():
    assert axes_to_read(NO_AX_CALL, "given") == axes_to_read(NO_AX_CALL, "returned") == ("returned", "current")
    assert axes_to_read(WITH_AX_CALL, "given") == ("given", "returned", "current")
    assert axes_to_read(WITH_AX_CALL, "returned") == ("returned", "given", "current")
    with pytest.raises(ValueError, match="judge_with_ax_on must be one of"):
        axes_to_read(WITH_AX_CALL, "current")


def test_drawing_beside_the_given_ax_fails_that_call_unless_the_returned_axes_is_judged():
    given = judged("pyplot_gca_given_ax", WITH_AX_CALL)
    assert failing(given) == set(CRITERIA)
    assert "the heatmap was drawn on pyplot's current Axes" in given["matrix"]
    returned = judged("ignores_given_ax", WITH_AX_CALL, "returned")
    assert failing(returned) == {"returns_axes"} and "drew on (and returned) another Axes" in returned["returns_axes"]


def test_a_reading_of_an_axes_the_policy_does_not_read_counts_for_nothing():
    reading = read_evidence(collect(answer_function("solution"), NO_AX_CALL), ("returned", "current"))
    reading["returned_given"] = True  # a forged record's claim, meaningless without an ax: no matter
    assert set(judge_call(reading, NO_AX_CALL).values()) == {None}
    reading["read_from"] = "given"
    assert set(judge_call(reading, NO_AX_CALL).values()) == {"this call's drawing was read from the wrong Axes"}


def test_a_call_that_raises_keeps_what_it_drew_and_names_the_line():
    evidence = collect(answer_function("raises_after_drawing"), WITH_AX_CALL)
    assert evidence["status"] == "raised" and evidence["pickle"]
    verdicts = judge_call(read_evidence(evidence, axes_to_read(WITH_AX_CALL)), WITH_AX_CALL)
    assert failing(verdicts) == {"returns_axes", "colorbar", "title"}
    assert verdicts["returns_axes"].startswith("plot_attention_heatmap raised AttributeError: 'Axes' object has no "
                                               "attribute 'colorbar'")
    assert "ax.figure.colorbar(image, ax=ax)" in verdicts["returns_axes"]  # the hint
    assert verdicts["title"].endswith("(plot_attention_heatmap stopped with AttributeError before it finished)")


def test_a_call_that_raises_before_any_heatmap_fails_everything_with_its_error():
    verdicts = judged("raises", NO_AX_CALL)
    assert len(set(verdicts.values())) == 1
    assert verdicts["matrix"].startswith("plot_attention_heatmap raised NameError: name 'atention' is not defined")


def test_a_closed_figure_handed_back_with_its_axes_is_what_the_caller_sees():
    verdicts = judged("returns_closed_figure_and_axes", NO_AX_CALL)
    assert failing(verdicts) == {"returns_axes"}
    assert verdicts["returns_axes"] == "plot_attention_heatmap returned a tuple: return only the Axes"


def _titled_by_the_figure(extra_axes):
    figure = Figure(figsize=(5, 4), dpi=60)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    image = ax.imshow(OTHER_ATTENTION)
    ax.set_xticks(range(len(TOKENS)), labels=TOKENS)
    ax.set_yticks(range(len(TOKENS)), labels=TOKENS)
    figure.colorbar(image, ax=ax, label="Attention Weight")
    if extra_axes:
        figure.add_axes((0.01, 0.01, 0.05, 0.05))
    figure.suptitle("Attention Heatmap")
    return judge_picture(read_picture(ax), TOKENS, OTHER_ATTENTION, public_tokens=PUBLIC_SENTENCE.split())


def test_a_figure_title_is_the_title_when_the_heatmap_and_its_colorbar_are_alone():
    assert failing(_titled_by_the_figure(extra_axes=False)) == set()
    assert failing(_titled_by_the_figure(extra_axes=True)) == {"title"}


def test_a_picture_of_what_the_caller_sees_is_a_bounded_png():
    huge = plt.figure(figsize=(60, 40))
    huge.add_subplot().imshow(OTHER_ATTENTION)
    huge.text(20, 20, "far away")  # 1200 inches off: not followed, the picture is the figure itself
    png = base64.b64decode(figure_png(huge))
    plt.close(huge)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and max(width, height) <= PNG_MAX_SIDE + 2
    assert width / height == pytest.approx(1.5, rel=0.02)


def _coarse_grey(png):
    """A PNG (base64) in grey, six times smaller: what it shows, not how its glyphs were hinted."""
    image = Image.open(io.BytesIO(base64.b64decode(png))).convert("L")
    return np.asarray(image.resize((image.width // 6, image.height // 6), Image.Resampling.BOX), dtype=float)


def test_the_picture_shown_is_cut_from_the_readings_render_without_drawing_again():
    def titled_above_the_figure():
        figure, ax = plt.subplots(figsize=(4, 3))
        ax.imshow(OTHER_ATTENTION)
        ax.set_title("Attention Heatmap", y=1.2)  # past the figure's top: the render covers it too
        return figure, ax

    figure, ax = titled_above_the_figure()
    renders = {}
    read_picture(ax, renders)
    draws = []
    figure.canvas.mpl_connect("draw_event", draws.append)
    shown = figure_png(figure, renders[figure])
    assert draws == []
    saved = figure_png(figure)  # drawn again by savefig, as the self-check in a notebook does
    assert draws
    assert _coarse_grey(shown).shape == _coarse_grey(saved).shape
    assert np.abs(_coarse_grey(shown) - _coarse_grey(saved)).max() < 60
    plt.close(figure)

    # The render with the title hidden (the one that tells which texts are seen) is not it.
    untitled, ax = titled_above_the_figure()
    ax.title.set_alpha(0)
    renders = {}
    read_picture(ax, renders)
    assert np.abs(_coarse_grey(figure_png(untitled, renders[untitled])) - _coarse_grey(saved)).max() > 60
    plt.close(untitled)


def test_each_lost_share_is_counted_once_for_the_first_failure_that_caused_it():
    calls = public_calls() + [make_call("fresh_no_ax", "no_ax", TOKENS, OTHER_ATTENTION, public=False)]
    verdicts = {call["name"]: {criterion: None for criterion in CRITERIA} for call in calls}
    verdicts["public_no_ax"]["title"] = "first"
    verdicts["fresh_no_ax"]["title"] = "second"
    verdicts["public_with_ax"]["title"] = "first"
    lost = points_lost(split_points(calls, verdicts, {criterion: 2 for criterion in CRITERIA}))
    assert [(criteria, cost) for _, criteria, cost in lost] == [(["title"], 2), (["title"], 0)]


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission, not ours
def test_the_kits_flag_is_set_in_formgraders_column_and_never_cleared(challenge_course):
    db_url = f"sqlite:///{challenge_course / 'grading' / 'gradebook.db'}"
    with Gradebook(db_url) as gradebook:
        for student in ("flag_policy_a", "flag_policy_b"):
            gradebook.add_student(student)
            gradebook.add_submission(ASSIGNMENT, student)

    def flagged(student):
        with Gradebook(db_url) as gradebook:
            return gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).flagged

    def grade(student, flag=None):
        notebook = nbformat.v4.new_notebook()
        if flag:
            add_flag(notebook, flag)
        FlagInGradebook().preprocess(notebook, {"nbgrader": {
            "db_url": db_url, "notebook": NOTEBOOK, "assignment": ASSIGNMENT, "student": student}})

    grade("flag_policy_a", "the read-only cell 'title' was edited (nbgrader restored it)")
    grade("flag_policy_b")
    assert flagged("flag_policy_a") and not flagged("flag_policy_b")
    grade("flag_policy_a")  # regraded without a flag: an instructor clears it, not the grader
    assert flagged("flag_policy_a")


@pytest.mark.corpus
@pytest.mark.parametrize("policy", ["given", "returned"])
@pytest.mark.parametrize("case", [case for case in cases() if case.by_policy], ids=lambda case: case.name)
def test_each_policy_case_scores_what_a_person_gives_in_the_grading_pipeline(case, policy):
    calls = grading_calls(1234, case.name)
    verdicts = {call["name"]: judged(case.name, call, policy) for call in calls}
    scores = {criterion: result["score"] for criterion, result in
              split_points(calls, verdicts, notebook_points()).items()}
    assert scores == case.expected(judge_with_ax_on=policy), {call: failing(v) for call, v in verdicts.items()}
