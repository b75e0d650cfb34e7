"""attack_formgrader_script end to end: grade it (with an honest classmate), open its submission in
formgrader in headless Chromium as a logged-in instructor would, then look at the course folder
and the gradebook.

    .venv/bin/python scripts/redteam/formgrader_script.py
"""
import shutil
import sys
from pathlib import Path

from nbgrader.api import Gradebook
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from lab_server import JupyterLab  # noqa: E402

from autograde.corpus import EVERYTHING, Case  # noqa: E402
from autograde.corpus.course import autograde, scores_of, submit  # noqa: E402
from autograde.course_copy import copy_course  # noqa: E402
from autograde.gradebook import db_url_of  # noqa: E402

ATTACK = "attack_formgrader_script"
root = Path("/tmp/redteam/formgrader")
shutil.rmtree(root, ignore_errors=True)
root.mkdir(parents=True)
course = copy_course(root / "course", assignments=["challenge"])
submit(course, [Case(ATTACK, "attack", EVERYTHING), Case("solution", "valid")])
autograde(course)
print("after autograde:", scores_of(course))
marker = course / "WRITTEN_BY_A_STUDENT.txt"
with Gradebook(db_url_of(course)) as gradebook:
    submission_id = gradebook.find_submission_notebook("04_challenge", "challenge", ATTACK).id
with JupyterLab(course, root / "lab") as lab, sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
    page = browser.new_page()
    page.on("response", lambda r: print("  ", r.status, r.request.method, r.url.split("?")[0])
            if r.request.method == "PUT" else None)
    page.goto(lab.page_url("lab"))  # the instructor is logged in to JupyterLab
    page.wait_for_timeout(3000)
    page.goto(f"{lab.url}/formgrader/submissions/{submission_id}/")  # and opens the submission
    try:
        page.wait_for_function("() => document.title === 'formgrader-script-ran'", timeout=60_000)
        print("the submission's script ran in the instructor's formgrader page")
    except Exception as error:  # noqa: BLE001
        print("the script did not run:", error)
    browser.close()
print("file written into the course folder:", marker.exists(), marker.read_text() if marker.exists() else "")
with Gradebook(db_url_of(course)) as gradebook:
    submission = gradebook.find_submission("challenge", ATTACK)
    print(f"{ATTACK} in the gradebook now: {submission.score} of {submission.max_score}")
