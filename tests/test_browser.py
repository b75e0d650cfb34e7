"""The student path in a real browser: JupyterLab opens the course, runs it and shows the heatmap.

One ``jupyter lab`` server (127.0.0.1, free port, token) serves a temporary copy
of the course for the whole module, and headless Chromium from Debian's
``chromium`` package drives it through Playwright (no browser download). The tests

* run the plotting lesson (instructor version) with Run > Run All Cells and
  check that no cell shows an error and that every figure, the heatmap among
  them, is drawn in the page (a screenshot of the finished heatmap is the
  README's picture);
* type a correct and then a wrongly titled solution into the student challenge,
  run it with Shift+Enter through the self-check and read the points it prints;
* open nbgrader's formgrader from JupyterLab's Nbgrader menu and find the
  challenge among its assignments;
* grade two submissions, then read a student's feedback page (each call's
  picture next to its verdicts, no text running off the page) and formgrader's
  submissions list (the kit's flag in its "Flagged" column) and manual grading
  view (the pictures above the scores);
* run lesson 07 and drive its head explorer (ipywidgets): type a sentence, pick
  a layer and a head, see the picture change, save it, and compare the saved
  PNG with the picture on the page and with the head the model computes.

Errors versus warnings: JupyterLab renders an exception's traceback and text
printed to stderr (warnings) with the same MIME type, so an error is recognised
by its output type in the page's notebook model (``window.jupyterapp``, exposed
by the test server) and reported with the text the page shows for it.

Without chromium the tests skip, except on CI (``CI=true``), where they fail.
To refresh the README screenshots (the paths are relative to the repository root)::

    LESSON_SCREENSHOT=docs/jupyterlab-lesson.png ./course test tests/test_browser.py -k lesson
    EXPLORER_SCREENSHOT=docs/head-explorer.png ./course test tests/test_browser.py -k explorer
    GRADING_SCREENSHOTS=docs ./course test tests/test_browser.py -k feedback

(the last one grades in the sandbox: run it under the machine's sandbox lock where engineers
share a machine).
"""
import base64
import io
import os
import re
import shutil
import time

import matplotlib.image as mpimg
import nbformat
import numpy as np
import pytest

from autograde.corpus.course_copy import REPO
from lab_server import JupyterLab

from autograde.corpus.course_copy import copy_course

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LESSON = "solutions/lessons/03_plotting_heatmaps.ipynb"
REAL_LESSON = "solutions/lessons-after-challenge/07_real_attention.ipynb"
CHALLENGE = "notebooks/challenge/04_challenge.ipynb"
CHALLENGE_SOLUTION = "solutions/challenge/04_challenge.ipynb"
ANSWER_ID, SELF_CHECK_ID = "answer_plot_attention_heatmap", "self_check"
PASSED = "All public checks passed: 10/10 on these calls."

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 90_000  # for any one wait in the page; a loaded 2-core machine is slow


def _no_browser(reason: str):
    """Skip, or fail on CI, where the browser tests must always run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, launched headless by Playwright (no browser download)."""
    executable = shutil.which("chromium")
    if executable is None:
        _no_browser("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright for Python is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a fresh copy of the course, stopped whatever happens."""
    root = tmp_path_factory.mktemp("browser")
    course = copy_course(root / "course")
    with JupyterLab(course, root / "lab") as server:
        yield server


@pytest.fixture
def page(chromium, lab, request):
    """A new browser page. When its test fails, a screenshot of the page is saved
    next to the server log (``lab.log``) and its path printed."""
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed_before:
            screenshot = lab.state / f"{request.node.name}.png"
            page.screenshot(path=screenshot)
            print(f"the page when {request.node.name} failed: {screenshot}; "
                  f"server log: {lab.log_path}")
        context.close()


# --- driving JupyterLab ------------------------------------------------------

def open_notebook(page, lab, path: str, workspace: str):
    """Open ``path`` in its own JupyterLab workspace; return the notebook panel
    once its kernel is connected and idle."""
    page.goto(lab.page_url(f"lab/workspaces/{workspace}/tree/{path}"))
    page.wait_for_function("""() => {
        const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const session = panel && panel.sessionContext;
        return session && session.session && session.session.kernel
            && session.session.kernel.connectionStatus === 'connected'
            && session.kernelDisplayStatus === 'idle';
    }""")
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def menu(page, *labels: str):
    """Click through JupyterLab's menu bar, e.g. ``menu(page, "Run", "Run All Cells")``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$")).click()


def wait_until_run(page, cell, before: str = ""):
    """Wait until ``cell`` has run (its prompt shows a number other than ``before``),
    then until nothing in the notebook is queued or running and the kernel is idle."""
    page.wait_for_function("""([cell, before]) => {
        const count = cell.querySelector('.jp-InputArea-prompt').textContent.replace(/[^0-9*]/g, '');
        return /^[0-9]+$/.test(count) && count !== before;
    }""", arg=[cell.element_handle(), before])
    page.wait_for_function("""() => {
        const panel = window.jupyterapp.shell.currentWidget;
        const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
        return panel.sessionContext.kernelDisplayStatus === 'idle'
            && !prompts.some(prompt => prompt.textContent.includes('*'));
    }""")


def shown_outputs(page) -> list:
    """Every output in the current notebook as the page holds it: the cell's index,
    the output's type ('stream', 'error', 'display_data', ...), for streams the
    stream's name, for errors the exception's name and message, and the text
    the page shows for it."""
    return page.evaluate("""() => {
        const found = [];
        window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, index) => {
            if (cell.model.type !== 'code') return;
            for (let i = 0; i < cell.model.outputs.length; i++) {
                const output = cell.model.outputs.get(i).toJSON();
                found.push({cell: index, type: output.output_type, name: output.name || '',
                            ename: output.ename || '', evalue: output.evalue || '',
                            shown: cell.outputArea.widgets[i].node.textContent});
            }
        });
        return found;
    }""")


def shown_errors(page, cell_index=None) -> list:
    """The error outputs (exceptions, not warnings printed to stderr) in the current
    notebook, or in one of its cells."""
    return [output for output in shown_outputs(page) if output["type"] == "error"
            and cell_index in (None, output["cell"])]


def _describe(errors) -> str:
    return "\n".join(f"cell {e['cell']}: {e['shown'][-800:]}" for e in errors)


def execution_count(cell) -> str:
    """The number in a code cell's prompt, '' if it has not run, '*' while it runs."""
    # textContent, not innerText: JupyterLab skips rendering cells out of view.
    return cell.locator(".jp-InputArea-prompt").text_content().strip(" []:")


def replace_cell_text(page, cell, text: str):
    """Put ``text`` into a cell's editor as a student would paste it."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)  # no auto-indent or bracket closing, unlike typing
    page.keyboard.press("Escape")  # back to command mode


def _cell_index(notebook, grade_id: str) -> int:
    for index, cell in enumerate(notebook.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    raise AssertionError(f"no cell has nbgrader grade_id {grade_id!r}")


def _solution_code() -> str:
    """The instructor's answer, without nbgrader's solution markers."""
    notebook = nbformat.read(REPO / CHALLENGE_SOLUTION, as_version=4)
    source = notebook.cells[_cell_index(notebook, ANSWER_ID)].source
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


# --- the tests -------------------------------------------------------------

def test_lesson_runs_in_jupyterlab_and_shows_the_heatmap(page, lab):
    if not (REPO / LESSON).exists():
        pytest.fail(f"{LESSON} is missing")
    panel = open_notebook(page, lab, LESSON, "lesson")
    menu(page, "Run", "Run All Cells")
    wait_until_run(page, panel.locator(".jp-CodeCell").first)

    errors = shown_errors(page)
    assert not errors, f"cells show errors after Run All:\n{_describe(errors)}"
    prompts = [execution_count(c) for c in panel.locator(".jp-CodeCell").all()]
    assert prompts and all(p.isdigit() for p in prompts), f"not every cell ran: {prompts}"

    images = panel.locator(".jp-OutputArea-output img")
    assert images.count(), "no figure is shown in the page"
    for image in images.all():
        image.scroll_into_view_if_needed()
        size = image.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
        box = image.bounding_box()
        assert size[0] and min(size[1:]) > 100 and box and box["width"] > 100, (
            f"a figure did not render: complete, width, height = {size}; box {box}")

    # The README's picture: the finished heatmap (the figure after the lesson's
    # tight_layout step) with the code above it; the last figure if that step is gone.
    with_figure = panel.locator(".jp-CodeCell", has=page.locator(".jp-OutputArea-output img"))
    finished = with_figure.filter(has_text="tight_layout")
    shown = finished.first if finished.count() else with_figure.last
    shown.locator(".jp-OutputArea-output img").first.evaluate(
        "img => img.scrollIntoView({block: 'end'})")
    page.mouse.move(0, 0)  # no hover effects in the picture
    page.screenshot(path=lab.state / "jupyterlab-lesson.png")
    if os.environ.get("LESSON_SCREENSHOT"):  # the README's picture, on request only
        destination = REPO / os.environ["LESSON_SCREENSHOT"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(lab.state / "jupyterlab-lesson.png", destination)


def test_student_types_the_challenge_and_reads_the_self_check(page, lab):
    student = nbformat.read(REPO / CHALLENGE, as_version=4)
    answer_index = _cell_index(student, ANSWER_ID)
    check_index = _cell_index(student, SELF_CHECK_ID)
    assert answer_index < check_index, "the self-check comes before the answer cell"
    correct = _solution_code()
    wrong_title, replaced = re.subn(r"""(["'])Attention Heatmap\1""", '"Attention heat map"',
                                    correct)
    assert replaced == 1, (
        f"expected the title 'Attention Heatmap' once in the solution, found it {replaced} times")

    panel = open_notebook(page, lab, CHALLENGE, "challenge")
    cells = panel.locator(".jp-Notebook .jp-Cell")
    assert cells.count() == len(student.cells), "the page shows a different number of cells"
    answer, check = cells.nth(answer_index), cells.nth(check_index)

    def run_through_self_check(first_index: int):
        """Shift+Enter from cell ``first_index`` through the self-check; return what the
        self-check printed and the errors it shows."""
        before, answer_before = execution_count(check), execution_count(answer)
        cells.nth(first_index).locator(".jp-InputArea-prompt").click()  # selects the cell
        for _ in range(first_index, check_index + 1):
            page.keyboard.press("Shift+Enter")
        wait_until_run(page, answer, before=answer_before)
        after = execution_count(check)
        assert after.isdigit() and after != before, (
            f"the self-check did not run (prompt [{after}]):\n{_describe(shown_errors(page))}")
        printed = "".join(o["shown"] for o in shown_outputs(page)
                          if o["cell"] == check_index and o["type"] == "stream")
        return printed, shown_errors(page, check_index)

    replace_cell_text(page, answer, correct)
    printed, _ = run_through_self_check(0)
    errors = shown_errors(page)
    assert not errors, f"a correct solution leaves errors in the page:\n{_describe(errors)}"
    assert PASSED in printed, f"a correct solution does not pass the self-check: {printed!r}"

    replace_cell_text(page, answer, wrong_title)
    printed, errors = run_through_self_check(answer_index)
    assert PASSED not in printed and errors, "a wrong title passes the self-check"
    message = errors[0]["evalue"]
    assert message.startswith("9/10 on these calls. What costs points:\n- title (\u22121): called with and "
                              "without an ax: the title is \"Attention heat map\""), message
    assert "Points per criterion: return value 1/1, matrix 3/3, " in message
    assert message.splitlines()[0] in errors[0]["shown"], "the page does not show the self-check's message"


def test_formgrader_opens_in_jupyterlab_and_lists_the_challenge(page, lab):
    page.goto(lab.page_url("lab/workspaces/formgrader"))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
    menu(page, "Nbgrader", "Formgrader")
    formgrader = page.frame_locator("#formgrader-iframe iframe")
    assignment_names = formgrader.locator("#main-table td.name a")
    assignment_names.filter(has_text=re.compile("^challenge$")).wait_for()
    names = assignment_names.all_inner_texts()
    assert "challenge" in names, f"formgrader lists {names}"


def _explorer_picture(page, explorer) -> bytes:
    """The PNG bytes the explorer's image shows in the page (read back from its blob URL)."""
    data = explorer.locator("img").evaluate("""async img => {
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let text = '';
        for (const byte of bytes) text += String.fromCharCode(byte);
        return btoa(text);
    }""")
    return base64.b64decode(data)


def _wait_for_new_picture(page, explorer, before: bytes, status: str) -> bytes:
    """Wait until the explorer's status says ``status`` and its image shows a PNG other
    than ``before``; return that PNG."""
    explorer.locator(".widget-html", has_text=status).wait_for()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while (picture := _explorer_picture(page, explorer)) == before:
        assert time.monotonic() < deadline, f"the picture did not change (status: {status!r})"
        page.wait_for_timeout(200)
    return picture


def test_head_explorer_redraws_and_saves_in_jupyterlab(page, lab):
    """Type a sentence, pick a head, see the picture change, save it."""
    from head_explorer import HeadExplorer
    from real_attention import load_model, tokenize

    panel = open_notebook(page, lab, REAL_LESSON, "explorer")
    menu(page, "Run", "Run All Cells")
    wait_until_run(page, panel.locator(".jp-CodeCell").first)
    errors = shown_errors(page)
    assert not errors, f"lesson 07 shows errors after Run All:\n{_describe(errors)}"

    explorer = panel.locator(".jp-OutputArea-output", has=page.locator(".widget-button"))
    explorer.scroll_into_view_if_needed()
    explorer.locator("img").wait_for()
    first = _explorer_picture(page, explorer)
    assert first.startswith(b"\x89PNG"), "the explorer shows no PNG"
    assert "Layer 4, head 2: 16 tokens" in explorer.locator(".widget-html").inner_text()

    sentence = "The trophy didn't fit in the suitcase because it was too big."
    model = load_model()
    n_tokens = len(tokenize(model, sentence).ids)
    box = explorer.locator(".widget-text input")
    box.fill(sentence)
    box.press("Enter")
    typed = _wait_for_new_picture(page, explorer, first, f"Layer 4, head 2: {n_tokens} tokens")

    selects = explorer.locator(".widget-dropdown select")
    assert selects.count() == 2, "the explorer should have a layer and a head drop-down"
    selects.nth(0).select_option(label="1")
    _wait_for_new_picture(page, explorer, typed, "Layer 1, head 2:")
    before = _explorer_picture(page, explorer)
    selects.nth(1).select_option(label="3")
    shown = _wait_for_new_picture(page, explorer, before, "Layer 1, head 3:")

    explorer.locator(".widget-button", has_text="Save PNG").click()
    explorer.locator(".widget-html", has_text="Saved").wait_for()
    explorer.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.mouse.move(0, 0)  # no hover effects in the picture
    page.screenshot(path=lab.state / "head-explorer.png")
    if os.environ.get("EXPLORER_SCREENSHOT"):  # the README's picture, on request only
        destination = REPO / os.environ["EXPLORER_SCREENSHOT"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(lab.state / "head-explorer.png", destination)
    saved = lab.root / "solutions" / "lessons-after-challenge" / "attention_layer1_head3.png"
    assert saved.exists(), f"Save PNG wrote no {saved.name}: {explorer.inner_text()!r}"
    assert saved.read_bytes() == shown, "the saved PNG is not the picture on the page"
    # ... and that picture is layer 1, head 3 of the typed sentence, as the model computes it
    expected = HeadExplorer(model, sentence, layer=1, head=3).image.value
    saved_pixels, expected_pixels = (mpimg.imread(io.BytesIO(bytes(png)))
                                     for png in (saved.read_bytes(), expected))
    assert saved_pixels.shape == expected_pixels.shape == (560, 700, 4)
    assert np.abs(saved_pixels - expected_pixels).max() <= 2 / 255 + 1e-6, (
        "the saved picture is not layer 1, head 3 of the typed sentence")


def _save_screenshot(page, lab, name: str, clip=None):
    """A screenshot in the test's folder, and into ``$GRADING_SCREENSHOTS/<name>`` on request."""
    page.mouse.move(0, 0)  # no hover effects in the picture
    page.screenshot(path=lab.state / name, clip=clip, full_page=clip is not None)
    if os.environ.get("GRADING_SCREENSHOTS"):
        destination = REPO / os.environ["GRADING_SCREENSHOTS"] / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(lab.state / name, destination)


def _clip_around(page, first, last, margin=12):
    """The page's region from element ``first`` to element ``last``, as a screenshot clip."""
    top, bottom = first.bounding_box(), last.bounding_box()
    scroll = page.evaluate("() => window.scrollY")
    return {"x": 0, "y": top["y"] + scroll - margin, "width": page.viewport_size["width"],
            "height": bottom["y"] + bottom["height"] - top["y"] + 2 * margin}


def test_feedback_and_formgrader_show_each_calls_picture_and_the_kits_flag(page, lab):
    """Graded in the sandbox: a function that raises after drawing when given an ax, and a
    submission that edited a graded cell (flagged). The feedback page and formgrader show
    each call's picture with its verdicts; formgrader's Flagged column shows the flag."""
    from nbgrader.api import Gradebook

    from autograde.corpus import cases
    from autograde.corpus.course import autograde, submit
    from autograde.corpus.course_copy import nbgrader
    from autograde.term.gradebook import db_url_of
    from autograde.grading.protocol import ASSIGNMENT, NOTEBOOK

    chosen = [case for case in cases() if case.name in ("uses_fig_with_ax", "edits_test_cell")]
    submit(lab.root, chosen)
    for case in chosen:
        autograde(lab.root, case.name)
    nbgrader(lab.root, "generate_feedback", ASSIGNMENT, "--student=uses_fig_with_ax", "--force")

    feedback = lab.root / "grading" / "feedback" / "uses_fig_with_ax" / ASSIGNMENT / f"{NOTEBOOK}.html"
    page.goto(feedback.as_uri())
    pictures = page.locator("div.output_png img")
    assert pictures.count() == 4, f"the feedback shows {pictures.count()} pictures, not one per call"
    for picture in pictures.all():
        assert picture.evaluate("img => img.complete && img.naturalWidth > 200"), "a picture did not render"
    sideways = page.evaluate("() => [...document.querySelectorAll('pre')]"
                             ".filter(pre => pre.scrollWidth > pre.clientWidth + 1).length")
    assert sideways == 0, f"{sideways} texts run off the page sideways"
    second = page.locator("pre", has_text="Call 2 of 4: called with an ax of ours")
    verdicts = page.locator("pre", has_text="UnboundLocalError").first
    assert second.count() == 1 and verdicts.is_visible()
    assert "- matrix, x tick labels, y tick labels: passed" in verdicts.inner_text()
    second.scroll_into_view_if_needed()
    _save_screenshot(page, lab, "feedback-page.png", _clip_around(page, second, verdicts))

    page.goto(lab.page_url("lab"))  # the instructor is logged in
    page.wait_for_selector(".jp-LabShell")
    page.goto(f"{lab.url}/formgrader/gradebook/{ASSIGNMENT}/{NOTEBOOK}")
    rows = page.locator("#main-table tr")  # (formgrader gives its tbody that id)
    names = ("edits_test_cell", "uses_fig_with_ax")
    for name in names:
        page.locator("a.name-shown", has_text=name).wait_for(state="attached")
    page.locator("#toggle_names").click()  # formgrader hides the students' names until asked
    for name in names:
        page.locator("a.name-shown", has_text=name).wait_for()
    flag_of = {name: rows.filter(has_text=name).locator("td.flagged .glyphicon-flag").count() for name in names}
    assert flag_of == {"edits_test_cell": 1, "uses_fig_with_ax": 0}, flag_of
    _save_screenshot(page, lab, "formgrader-flagged.png", {"x": 220, "y": 0, "width": 1060, "height": 400})

    with Gradebook(db_url_of(lab.root)) as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "uses_fig_with_ax").id
    page.goto(f"{lab.url}/formgrader/submissions/{submission}/")
    second = page.locator("pre", has_text="Call 2 of 4: called with an ax of ours")
    second.wait_for()
    assert page.locator("div.output_png img").count() == 4
    last = page.locator("pre", has_text="Call 4 of 4: called with an ax of ours")
    score = page.locator("pre", has_text="return value: 0.5 of 1 point")
    last.scroll_into_view_if_needed()
    _save_screenshot(page, lab, "formgrader-manual-grading.png", _clip_around(page, last, score))


def test_formgrader_shows_a_hostile_submission_without_running_it(page, lab):
    """A submission whose output carries a script (``attack_formgrader_script``: at grading it
    displays an ``<img onerror=...>`` that would write a file and give itself full marks through
    formgrader's API) is opened in formgrader by a logged-in instructor: nothing of it runs."""
    from nbgrader.api import Gradebook

    from autograde.corpus import attack_cases
    from autograde.corpus.course import autograde, scores_of, submit
    from autograde.term.gradebook import db_url_of
    from autograde.grading.protocol import ASSIGNMENT, NOTEBOOK

    attacker = next(case for case in attack_cases() if case.name == "attack_formgrader_script")
    submit(lab.root, [attacker])
    autograde(lab.root, attacker.name)
    with Gradebook(db_url_of(lab.root)) as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, attacker.name).id
    page.goto(lab.page_url("lab"))  # the instructor is logged in...
    page.wait_for_selector(".jp-LabShell")
    page.goto(f"{lab.url}/formgrader/submissions/{submission}/")  # ...and reviews the submission
    page.wait_for_selector("text=plot_attention_heatmap")
    page.wait_for_timeout(5000)  # time for a script to do its requests
    assert page.title() != "formgrader-script-ran", "the submission's script ran in formgrader"
    assert not (lab.root / "WRITTEN_BY_A_STUDENT.txt").exists()
    assert set(scores_of(lab.root)[attacker.name].values()) == {0}
