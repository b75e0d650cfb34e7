"""The attack section, graded by real nbgrader in the sandbox next to honest classmates.

Every case of :func:`autograde.corpus.attack_cases` tries, from its answer
cell, to forge points, read or write what no student may, reach the network,
or deny grading to others. All of them are graded in one throwaway course by
``nbgrader autograde`` (real kernels in the bubblewrap sandbox, the real
inspector), together with three honest students. Then, from outside:

* every attacker scores exactly what its case expects (what it really drew),
  every honest student keeps full marks, and the flags are the expected ones;
* the course's files, the grading kit, the virtualenv and nbgrader's
  submitted folder are byte-identical, the gradebook is intact and stays
  unchanged after grading (a detached process would rewrite it 20 s later);
* no secret planted in the course (the instructor's solution, a classmate's
  file, the gradebook) appears in any attacker's autograded notebook or feedback;
* nothing an attacker started is still running or listening, and the server the
  test runs on 127.0.0.1 received no connection.

The instructor's side (:func:`autograde.corpus.instructor_side_cases`: links, a hard link and a
FIFO planted in the submitted folder, a notebook that is a link to a classmate's, a notebook of
100,000 cells, a drawing too costly to read) is graded with the same honest classmates through
both grading paths, ``python -m autograde grade`` and ``nbgrader autograde``: each attacker
scores what it drew, or is not graded with the reason and the fix; nothing planted is read; the
run ends in bounded time and memory, with the documented exit status.
"""
import hashlib
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograde.cli import EXIT_ATTENTION
from autograde.corpus import attack_cases, cases, instructor_side_cases, notebook_points, plant_files, write_submission
from autograde.corpus.course import autograde, scores_of, submitted_path
from autograde.corpus.course_copy import REPO, copy_course, nbgrader
from autograde.grading.protocol import ANSWER_CELL, find_cell
from autograde.sandbox import SANDBOX_UID_BASE
from autograde.term.flags import find_flags

pytestmark = pytest.mark.integration

ATTACKS = attack_cases()
HONEST = {f"honest_{case.name}": case for case in cases() if case.name in ("solution", "pcolormesh",
                                                                          "seaborn_heatmap")}
LISTEN_PORT = 47613  # attack_network_exfiltrates tries to reach it
BACKDOOR_PORT = 47614  # attack_network_listens tries to open it


def _digest(*folders) -> dict:
    """{path: sha256} of every file under the folders (a changed, added or removed file shows)."""
    found = {}
    for folder in folders:
        folder = Path(folder)
        paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file()
                                                        and "__pycache__" not in p.parts)
        for path in paths:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class _Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self, port):
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.2)
        self.connections = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, address = self.server.accept()
                self.connections.append(address)
                connection.close()
            except OSError:
                continue

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Grade the attack section with honest classmates; return what the checks need."""
    course = copy_course(tmp_path_factory.mktemp("attacks") / "course", assignments=["challenge"])
    with open(course / "nbgrader_config.py", "a") as config:  # attack_stalls_grading meets it sooner
        config.write("\nc.Sandbox.max_seconds = 150\n")
    canaries = {"solution": secrets.token_hex(8), "classmate": secrets.token_hex(8)}
    solution_path = course / "solutions" / "challenge" / "04_challenge.ipynb"
    solution = nbformat.read(solution_path, as_version=4)
    answer = find_cell(solution, ANSWER_CELL)
    answer.source = answer.source.replace("### END SOLUTION", f"# {canaries['solution']}\n    ### END SOLUTION")
    nbformat.write(solution, solution_path)
    nbgrader(course, "generate_assignment", "challenge", "--force",
             "--CourseDirectory.release_directory=grading/release")
    for student, case in HONEST.items():
        write_submission(case, submitted_path(course, student))
    (submitted_path(course, "honest_solution").parent / "notes.txt").write_text(canaries["classmate"])
    for case in ATTACKS:
        write_submission(case, submitted_path(course, case.name))

    protected = [course / "solutions", course / "nbgrader_config.py", course / "notebooks",
                 course / "grading" / "submitted", REPO / "autograde", Path(sys.prefix) / "lib"]
    before = _digest(*protected)
    started = time.time()
    listener = _Listener(LISTEN_PORT)
    try:
        run = autograde(course, check=False)  # nbgrader exits 1 for the students it does not grade
        nbgrader(course, "generate_feedback", "challenge", "--force")
        gradebook = course / "grading" / "gradebook.db"
        graded_bytes = gradebook.read_bytes()
        time.sleep(25)  # a detached process of attack_rewrites_gradebook would strike at 20 s
    finally:
        listener.close()
    return {"course": course, "scores": scores_of(course), "flags": find_flags(course / "grading" / "autograded"),
            "canaries": canaries, "before": before, "after": _digest(*protected), "started": started,
            "graded_bytes": graded_bytes, "gradebook": gradebook, "connections": listener.connections,
            "output": run.stdout + run.stderr, "status": run.returncode}


def test_there_are_at_least_twenty_attacks_in_five_categories():
    assert len(ATTACKS) >= 20
    sources = " ".join(case.answer_source for case in ATTACKS)
    for category in ("forged verdicts", "reading", "writing", "network", "denial of service"):
        assert f"Attack ({category}" in sources, category


@pytest.mark.parametrize("case", ATTACKS, ids=lambda case: case.name)
def test_each_attack_scores_only_what_it_drew(attacked, case):
    got = attacked["scores"].get(case.name)
    if case.refused:  # not graded, with the reason, and no points recorded
        assert attacked["status"] == 1 and not any((got or {}).values()), got
        output = attacked["output"]
        assert f"for student '{case.name}'" in output and f"GraderFault: {case.refused}" in output, output[-3000:]
        return
    assert got is not None, f"{case.name} has no recorded grade"
    assert got == case.expected(notebook_points()), (
        f"{case.name} scored {got}; flags: {[r for s, r in attacked['flags'] if s == case.name]}")


def test_honest_classmates_keep_full_marks(attacked):
    full = notebook_points()
    for student in HONEST:
        assert attacked["scores"][student] == full, student


def test_flags_are_exactly_the_expected_ones(attacked):
    flagged = {student for student, _ in attacked["flags"]}
    assert flagged == {case.name for case in ATTACKS if case.flagged}, attacked["flags"]
    assert all(reason.isprintable() and len(reason) <= 300 for _, reason in attacked["flags"])


def test_course_files_the_kit_and_the_virtualenv_are_untouched(attacked):
    changed = sorted(set(attacked["before"].items()) ^ set(attacked["after"].items()))
    assert not changed, changed[:10]
    assert not Path("/tmp/pwned-by-pth").exists()
    for name in ("attack_floods_output", "attack_output_metadata"):
        flood = attacked["course"] / "grading" / "autograded" / name / "challenge" / "04_challenge.ipynb"
        assert flood.stat().st_size < 25 * 2**20, f"{name}: the output flood reached the autograded notebook"


def test_the_gradebook_is_intact_and_nothing_rewrites_it_after_grading(attacked):
    assert attacked["gradebook"].read_bytes() == attacked["graded_bytes"]
    with sqlite3.connect(attacked["gradebook"]) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    backups = list((attacked["course"] / "grading" / "backups").glob("gradebook-*.db"))
    assert backups, "no gradebook backup was made before grading"


def test_no_secret_reaches_an_attackers_notebook_or_feedback(attacked):
    grading = attacked["course"] / "grading"
    for case in ATTACKS:
        for folder in (grading / "autograded" / case.name, grading / "feedback" / case.name):
            for path in folder.rglob("*"):
                if path.is_file():
                    text = path.read_text(errors="replace")
                    for name, canary in attacked["canaries"].items():
                        assert canary not in text, f"{case.name} leaked the {name} into {path}"


def _sandboxed(process) -> bool:
    """A process of a grading sandbox: bwrap, a sandboxed kernel (or a fork of one, which keeps
    its command line), a process running as a sandbox uid, or what an attacker started."""
    command = " ".join(process.info["cmdline"] or [])
    uids = process.info["uids"]
    return ("bwrap" in command or "agsbx-" in command or "sleep 1000" in command
            or (uids is not None and uids.real >= SANDBOX_UID_BASE))


def test_nothing_an_attacker_started_lingers_or_listens(attacked):
    time.sleep(1)
    lingering = [" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline", "uids"])
                 if _sandboxed(p)]
    assert not lingering, lingering
    listening = [c.laddr.port for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
    assert BACKDOOR_PORT not in listening


def test_the_grader_machine_received_no_connection(attacked):
    assert attacked["connections"] == []


# --- the instructor's side: files, sizes and the inspector's budget, through both grading paths -------

INSTRUCTOR_SIDE = instructor_side_cases()
#: Exit status of each path when students are not graded (refused) or flagged: ``grade``'s
#: EXIT_ATTENTION; nbgrader's 1 for the students it fails.
EXIT_STATUS = {"grade": EXIT_ATTENTION, "nbgrader autograde": 1}


#: Runs argv[2:] and writes the largest RSS (kB) of it and every process it waited for to argv[1].
#: A process forked from pytest counts pytest's own pages in its peak until it execs (over 800 MB
#: late in the whole suite), so the run is measured from this small launcher's children instead.
MEASURING_LAUNCHER = ("import resource, subprocess, sys; status = subprocess.call(sys.argv[2:]); "
                      "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                      "sys.exit(status)")


def _measured(argv, cwd) -> dict:
    """Run ``argv``; its exit status, output, wall time and the largest memory (RSS) of it or of
    any process it waited for (its workers, nbgrader's, the sandboxes' and their kernels)."""
    with open(cwd / "run-output.txt", "w+") as output:
        env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
        started = time.monotonic()
        peak = cwd / "run-peak-rss-kb.txt"
        status = subprocess.call([sys.executable, "-c", MEASURING_LAUNCHER, str(peak), *argv], cwd=cwd,
                                 stdout=output, stderr=subprocess.STDOUT, env=env)
        output.seek(0)
        return {"status": status, "output": output.read(), "seconds": time.monotonic() - started,
                "max_rss_mb": int(peak.read_text()) / 1024}


@pytest.fixture(scope="module", params=["grade", "nbgrader autograde"])
def instructor_side(request, tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("instructor-side") / "course", assignments=["challenge"])
    with open(course / "nbgrader_config.py", "a") as config:  # attack_costly_drawing meets it sooner
        config.write("\nc.Inspector.cpu_seconds = 3\n")
    canaries = {"classmate": secrets.token_hex(8), "gradebook": secrets.token_hex(8), "solution": "### BEGIN SOLUTION"}
    nbgrader(course, "db", "student", "add", canaries["gradebook"])
    for student, case in HONEST.items():
        write_submission(case, submitted_path(course, student))
    classmate = submitted_path(course, "honest_solution")
    classmate.write_text(classmate.read_text().replace("The reference solution", canaries["classmate"]))
    grading = course / "grading"
    targets = {"gradebook": grading / "gradebook.db", "classmate": classmate, "submitted": grading / "submitted",
               "solution": course / "solutions" / "challenge" / "04_challenge.ipynb"}
    for case in INSTRUCTOR_SIDE:
        plant_files(case, write_submission(case, submitted_path(course, case.name)), targets)
    if request.param == "grade":
        run = _measured([sys.executable, "-m", "autograde", "grade", "--no-progress"], course)
    else:
        run = _measured([sys.executable, "-m", "nbgrader", "autograde", "challenge"], course)
        nbgrader(course, "generate_feedback", "challenge")
    return {"path": request.param, "course": course, "run": run, "scores": scores_of(course),
            "flags": find_flags(grading / "autograded"), "canaries": canaries}


@pytest.mark.parametrize("case", INSTRUCTOR_SIDE, ids=lambda case: case.name)
def test_each_instructor_side_attack_scores_what_it_drew_or_is_refused_with_the_fix(instructor_side, case):
    graded = (instructor_side["course"] / "grading" / "autograded" / case.name / "challenge").exists()
    output = instructor_side["run"]["output"]
    if case.refused:
        assert not graded, f"{case.name} was graded: {instructor_side['scores'].get(case.name)}"
        reason = next((line for line in output.splitlines() if case.name in line and "hand in" in line), "")
        assert case.refused in reason and "ask the student to hand in their notebook again" in reason, output[-3000:]
        assert not any(instructor_side["scores"].get(case.name, {}).values()), "a refused submission has points"
    else:
        assert instructor_side["scores"].get(case.name) == case.expected(notebook_points()), (
            f"{case.name}: {instructor_side['scores'].get(case.name)}; "
            f"flags: {[r for s, r in instructor_side['flags'] if s == case.name]}")


def test_instructor_side_classmates_keep_full_marks_and_the_flags_are_the_expected_ones(instructor_side):
    for student in HONEST:
        assert instructor_side["scores"][student] == notebook_points(), student
    flagged = {student for student, _ in instructor_side["flags"]}
    assert flagged == {case.name for case in INSTRUCTOR_SIDE if case.flagged}, instructor_side["flags"]


def test_nothing_planted_is_read(instructor_side):
    grading = instructor_side["course"] / "grading"
    for case in INSTRUCTOR_SIDE:
        for folder in (grading / "autograded" / case.name, grading / "feedback" / case.name):
            for path in folder.rglob("*"):
                assert path.name not in case.files or path.name.endswith(".ipynb"), f"{path} was copied"
                if path.is_file():
                    text = path.read_text(errors="replace")
                    for name, canary in instructor_side["canaries"].items():
                        assert canary not in text, f"{instructor_side['path']}: {case.name} read the {name}: {path}"


def test_the_run_ends_in_bounded_time_and_memory_with_the_documented_status(instructor_side):
    run = instructor_side["run"]
    assert run["status"] == EXIT_STATUS[instructor_side["path"]], run["output"][-3000:]
    if instructor_side["path"] == "grade":  # (nbgrader prints its own traceback for each student it fails)
        assert "Traceback" not in run["output"], run["output"][-3000:]
    # before: the FIFO hung the set-up for good, the 100,000 cells took 216 s and 1.4 GB, the
    # costly drawing 4 x several minutes of the inspector
    assert run["seconds"] < 300 and run["max_rss_mb"] < 700, run
