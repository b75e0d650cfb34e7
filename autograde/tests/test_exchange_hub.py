"""The exchange as on a JupyterHub: two students with accounts of their own, one of them attacking.

Real users (``useradd``; the tests run as root), a real nbgrader exchange at an absolute path
writable by all, the course in a folder only the instructor can read. ``ag_alice`` fetches the
challenge, answers it and submits, as herself. ``ag_mallory`` does the same, then, as herself:

* hands in a folder of her own holding symbolic links to the gradebook, to alice's notebook
  (in alice's home, which mallory cannot read) and to the class's submitted folder, with a later
  time, so that it is the one collected;
* plants a folder under alice's name (``ag_alice+challenge+<tomorrow>+...``) with a blank
  notebook: nbgrader takes a student's newest folder;

and the instructor, as root, collects, then a link to the gradebook is also planted straight in
mallory's submitted folder. Both grading paths (``python -m autograde grade``, then plain
``nbgrader autograde`` and ``generate_feedback``) must then give: alice her full marks from her
own notebook, unflagged; mallory nothing she did not draw, flagged for each link and for the
planted folder; nothing of the gradebook or of alice's answer in anything mallory gets back.
Last, alice hands in again: plain ``collect`` keeps her first submission, ``collect --update``
takes the new one (still not mallory's planted, newer folder), and ``grade`` regrades her.
"""
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograde.cli import EXIT_ATTENTION
from autograde.corpus import cases, instructor_side_cases, notebook_points, write_submission
from autograde.corpus.course import scores_of
from autograde.corpus.course_copy import copy_course, nbgrader
from autograde.term.flags import find_flags

pytestmark = pytest.mark.integration

ALICE, MALLORY = "ag_alice", "ag_mallory"
COURSE_ID = "attention-heatmaps"


def _users_can_be_made() -> str | None:
    if os.geteuid() != 0 or not shutil.which("useradd"):
        return "needs root and useradd to create the students' accounts"
    return None


@pytest.fixture(scope="module")
def students():
    problem = _users_can_be_made()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    for user in (ALICE, MALLORY):
        subprocess.run(["userdel", "-r", user], capture_output=True)  # left by an interrupted run
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True)
        os.chmod(pwd.getpwnam(user).pw_dir, 0o700)
    yield {user: pwd.getpwnam(user) for user in (ALICE, MALLORY)}
    for user in (ALICE, MALLORY):
        subprocess.run(["userdel", "-r", user], capture_output=True)


def _as(user, *argv, cwd=None, check=True, env=None):
    """Run ``argv`` as ``user`` (a student), in their home."""
    account = pwd.getpwnam(user)
    env = {"HOME": account.pw_dir, "USER": user, "LANG": "C.UTF-8",
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]), **(env or {})}
    result = subprocess.run(list(argv), cwd=cwd or account.pw_dir, env=env, user=account.pw_uid,
                            group=account.pw_gid, extra_groups=[], capture_output=True, text=True)
    if check and result.returncode:
        raise AssertionError(f"{' '.join(map(str, argv))} as {user}: {result.stdout}\n{result.stderr}")
    return result


def _students_python(user) -> tuple[str, dict]:
    """A Python the student can run, with this virtualenv's packages: this one, or (when it lies in
    a folder students cannot enter, e.g. root's pyenv) the system's Python of the same version."""
    try:
        if _as(user, sys.executable, "-c", "pass", check=False).returncode == 0:
            return sys.executable, {}
    except PermissionError:  # the interpreter itself cannot be reached
        pass
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/bin")
    packages = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p.endswith("site-packages"))}
    if system is None or _as(user, system, "-c", "import nbgrader", env=packages, check=False).returncode:
        pytest.fail(f"no Python of this virtualenv's version that {user} can run ({sys.executable} is in a "
                    f"folder they cannot enter, and /usr/bin/{version} cannot import nbgrader from it)")
    return system, packages


def _student_nbgrader(user, exchange, *args):
    python, env = _students_python(user)
    return _as(user, python, "-m", "nbgrader", *args, f"--course={COURSE_ID}", f"--Exchange.root={exchange}",
               "--log-level=WARN", env=env)


MALLORYS_ATTACK = textwrap.dedent('''
    import datetime, os, shutil, sys
    inbound, course, alices, notebook = sys.argv[1:5]
    def folder(student, when, suffix):
        stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        path = os.path.join(inbound, f"{student}+challenge+{stamp}+{suffix}")
        os.mkdir(path)
        with open(os.path.join(path, "timestamp.txt"), "w") as out:
            out.write(stamp)
        shutil.copy(notebook, os.path.join(path, "04_challenge.ipynb"))
        return path
    now = datetime.datetime.now(datetime.timezone.utc)
    mine = folder("ag_mallory", now + datetime.timedelta(hours=1), "links")
    for name, target in {"gradebook.txt": os.path.join(course, "grading", "gradebook.db"),
                         "classmate.txt": alices, "solution.txt": os.path.join(course, "solutions",
                         "challenge", "04_challenge.ipynb"),
                         "class": os.path.join(course, "grading", "submitted")}.items():
        os.symlink(target, os.path.join(mine, name))
    folder("ag_alice", now + datetime.timedelta(days=1), "planted")  # blank, and newer than hers
''')


@pytest.fixture(scope="module")
def hub(students, tmp_path_factory):
    base = Path(tempfile.mkdtemp(prefix="autograde-hub-"))
    os.chmod(base, 0o755)
    exchange = base / "exchange"
    exchange.mkdir(mode=0o777)
    os.chmod(exchange, 0o1777)  # as nbgrader's docs ask: every user may write it
    course = copy_course(base / "course", assignments=["challenge"])
    os.chmod(course, 0o700)  # the instructor's: no student can read it
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    secret = {"alice": secrets.token_hex(8), "gradebook": secrets.token_hex(8)}
    nbgrader(course, "db", "student", "add", secret["gradebook"])  # a row no student may see
    nbgrader(course, "release_assignment", "challenge")

    solution = next(case for case in cases() if case.name == "solution")
    attack = next(case for case in instructor_side_cases() if case.name == "attack_links_gradebook")
    for user, case in ((ALICE, solution), (MALLORY, attack)):
        _student_nbgrader(user, exchange, "fetch_assignment", "challenge")
        notebook = Path(students[user].pw_dir) / "challenge" / "04_challenge.ipynb"
        write_submission(case, notebook)
        if user == ALICE:
            notebook.write_text(notebook.read_text().replace("The reference solution", secret["alice"]))
        os.chown(notebook, students[user].pw_uid, students[user].pw_gid)
        _student_nbgrader(user, exchange, "submit", "challenge")
    alices = Path(students[ALICE].pw_dir) / "challenge" / "04_challenge.ipynb"
    mallorys = Path(students[MALLORY].pw_dir) / "challenge" / "04_challenge.ipynb"
    for target in (course / "grading" / "gradebook.db", alices):  # out of her reach, but for a link
        assert _as(MALLORY, "cat", str(target), check=False).returncode != 0, target
    inbound = exchange / COURSE_ID / "inbound"
    _as(MALLORY, _students_python(MALLORY)[0], "-c", MALLORYS_ATTACK, str(inbound), str(course), str(alices),
        str(mallorys))
    assert {path.stat().st_uid for path in inbound.iterdir()} == {students[ALICE].pw_uid, students[MALLORY].pw_uid}

    collected = nbgrader(course, "collect", "challenge", check=False)
    return {"course": course, "secret": secret, "collect": collected, "students": students, "exchange": exchange}


def _plant_in_submitted(course):
    """A link straight into mallory's submitted folder, as a copy that keeps links would leave it."""
    link = course / "grading" / "submitted" / MALLORY / "challenge" / "direct.txt"
    link.unlink(missing_ok=True)
    os.symlink(course / "grading" / "gradebook.db", link)


def test_collect_takes_each_students_own_folder_and_no_link(hub):
    collected, submitted = hub["collect"], hub["course"] / "grading" / "submitted"
    assert collected.returncode == 0, collected.stderr
    assert "claims to be 'ag_alice''s but belongs to 'ag_mallory'" in collected.stderr, collected.stderr
    assert hub["secret"]["alice"] in (submitted / ALICE / "challenge" / "04_challenge.ipynb").read_text(), \
        "alice's own notebook was not the one collected: the planted, newer folder won"
    assert sorted(path.name for path in (submitted / MALLORY / "challenge").iterdir()) == [
        "04_challenge.ipynb", "timestamp.txt"]
    for path in (submitted / MALLORY / "challenge").iterdir():
        assert stat.S_ISREG(os.lstat(path).st_mode)


def _graded(course, path):
    """Grade with one path: its exit status and output, ``{student: total}``, ``{student: [flags]}``,
    and ``{file: text}`` of everything mallory gets back (her autograded folder and feedback)."""
    _plant_in_submitted(course)
    if path == "grade":
        run = subprocess.run([sys.executable, "-m", "autograde", "grade", "--no-progress", "--force"], cwd=course,
                             capture_output=True, text=True, timeout=900)
    else:
        run = nbgrader(course, "autograde", "challenge", "--force", check=False)
        nbgrader(course, "generate_feedback", "challenge", "--force")
    flags = {}
    for student, reason in find_flags(course / "grading" / "autograded"):
        flags.setdefault(student, []).append(reason)
    totals = {student: sum(points.values()) for student, points in scores_of(course).items()
              if student in (ALICE, MALLORY)}
    grading = course / "grading"
    returned = {path: path.read_text(errors="replace") for folder in (grading / "autograded" / MALLORY,
                                                                      grading / "feedback" / MALLORY)
                for path in folder.rglob("*") if path.is_file()}
    return {"status": run.returncode, "output": run.stdout + run.stderr, "totals": totals, "flags": flags,
            "returned": returned}


@pytest.fixture(scope="module")
def graded(hub):
    """Both grading paths, one after the other, on the collected class."""
    return {path: _graded(hub["course"], path) for path in ("grade", "nbgrader autograde")}


#: Exit status of each path here: everyone graded, mallory flagged (``grade``'s EXIT_ATTENTION).
EXIT_STATUS = {"grade": EXIT_ATTENTION, "nbgrader autograde": 0}


@pytest.mark.parametrize("path", ["grade", "nbgrader autograde"])
def test_alice_keeps_her_marks_unflagged_and_mallory_earns_nothing_flagged(graded, path):
    result = graded[path]
    assert result["status"] == EXIT_STATUS[path] and "Traceback" not in result["output"], result["output"][-3000:]
    assert result["totals"] == {ALICE: sum(notebook_points().values()), MALLORY: 0}, (path, result["totals"])
    assert ALICE not in result["flags"], result["flags"]
    reasons = " | ".join(result["flags"].get(MALLORY, []))
    for expected in ("'gradebook.txt' is a symbolic link", "'classmate.txt' is a symbolic link",
                     "'class' is a symbolic link", "removed before grading: 'direct.txt' is a symbolic link",
                     "claims to be 'ag_alice''s but belongs to 'ag_mallory'"):
        assert expected in reasons, (path, expected, reasons)


@pytest.mark.parametrize("path", ["grade", "nbgrader autograde"])
def test_nothing_of_the_gradebook_or_of_alices_answer_reaches_mallory(hub, graded, path):
    returned = graded[path]["returned"]
    assert {file.name for file in returned} == {"04_challenge.ipynb", "04_challenge.html", "heatmap_check.py",
                                                "timestamp.txt"}, returned.keys()
    for file, text in returned.items():
        for name, secret in hub["secret"].items():
            assert secret not in text, f"{path}: the {name} secret reached {file}"
        assert "SQLite format 3" not in text


def test_a_resubmission_is_collected_with_update_and_regraded(hub, graded):
    course, alice = hub["course"], hub["students"][ALICE]
    notebook = Path(alice.pw_dir) / "challenge" / "04_challenge.ipynb"
    title_lowercase = next(case for case in cases() if case.name == "title_lowercase")
    write_submission(title_lowercase, notebook)
    os.chown(notebook, alice.pw_uid, alice.pw_gid)
    _student_nbgrader(ALICE, hub["exchange"], "submit", "challenge")
    submitted = course / "grading" / "submitted" / ALICE / "challenge" / "04_challenge.ipynb"
    nbgrader(course, "collect", "challenge")
    assert hub["secret"]["alice"] in submitted.read_text(), "collect without --update replaced a submission"
    nbgrader(course, "collect", "--update", "challenge")
    assert hub["secret"]["alice"] not in submitted.read_text(), "collect --update kept the first submission"
    run = subprocess.run([sys.executable, "-m", "autograde", "grade", "--no-progress"], cwd=course,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == EXIT_ATTENTION and f"exit status {EXIT_ATTENTION}: 0 not graded, 1 flagged" in run.stderr, run.stderr
    expected = title_lowercase.expected(notebook_points())
    assert scores_of(course)[ALICE] == expected and sum(expected.values()) < sum(notebook_points().values())
