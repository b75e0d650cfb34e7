"""The grading sandbox, tried for real: bubblewrap, real kernels, nbgrader's Execute in-process.

Each test runs ``SandboxedExecute`` on a small notebook built here, in the
student's folder of a throwaway course that also holds what no submission may
reach: a fake ``solutions/``, ``gradebook.db``, ``nbgrader_config.py``, a
classmate's submission and the exchange. What the notebook could do is judged
from outside: the error outputs of its attempts, the course files compared
byte for byte afterwards, a test server that must see no connection, a process
that must survive, no process left behind. Each sandbox limit is hit once and
must be named in the notebook and in ``resources["sandbox"]``.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
from pathlib import Path

import nbformat
import psutil
import pytest
import zmq
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograde import sandbox as sandbox_module
from autograde.sandbox import compiled_files, kernel_template_client
from autograde.grading.protocol import flags_of
from autograde.grading.preprocessors import sandboxed_execute
from autograde.grading.preprocessors.sandboxed_execute import SandboxedExecute
from autograde.sandbox import (SANDBOX_UID_BASE, Sandbox, SandboxUnavailable, run_in_sandbox,
                               sandbox_problem)

REPO = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
SITE_PACKAGES = next(Path(sys.prefix).glob("lib/python3*/site-packages"))

# Skipped where bubblewrap cannot run (an instructor's laptop), but never in CI (CI=true),
# where a skip would hide a grading kit without its sandbox.
PROBLEM = sandbox_problem(Sandbox())
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(PROBLEM is not None and not os.environ.get("CI"),
                                 reason=f"bubblewrap does not work here: {PROBLEM}")]


# --- a throwaway course ------------------------------------------------------------------------

def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def make_course(root: Path) -> dict[str, Path]:
    """A course folder with secrets around the student's folder; returns the paths."""
    paths = {
        "solution": _write(root / "solutions/challenge/04_challenge.ipynb", "SECRET SOLUTION"),
        "checker": _write(root / "solutions/challenge/heatmap_check.py", "HIDDEN_TESTS = 1\n"),
        "gradebook": _write(root / "autograde/gradebook.db", b"SQLite format 3\0 grades"),
        "config": _write(root / "nbgrader_config.py", "c = get_config()\n"),
        "classmate": _write(root / "autograde/submitted/bob/challenge/04_challenge.ipynb",
                            "bob's answer"),
        "exchange": _write(root / "autograde/exchange/attention-heatmaps/inbound/x.ipynb", "x"),
    }
    student = root / "autograde/autograded/alice/challenge"
    _write(student / "heatmap_check.py", "def check():\n    return 'public'\n")
    _write(student / "data.txt", "original")
    _write(student / "04_challenge.ipynb", "the notebook file")
    os.symlink(paths["solution"], student / "solution_link.ipynb")  # a planted symlink
    paths["student"] = student
    return paths


def fingerprint(root: Path, skip: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except those under ``skip``."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and skip not in p.parents}


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path / "course")


def graded(source: str, grade_id: str):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                 "points": 1, "solution": False, "schema_version": 3}
    return cell


WARM_KERNELS = True


@pytest.fixture(autouse=True, params=[True, False], ids=["warm kernels", "fresh kernels"])
def kernels(request, monkeypatch):
    """Every test here runs on both paths: kernels forked from a warm template, and a fresh
    sandbox per kernel (``c.Sandbox.warm_kernels``)."""
    monkeypatch.setattr(sys.modules[__name__], "WARM_KERNELS", request.param)
    yield request.param
    kernel_template_client.close_templates()


def run_notebook(cells, folder: Path, timeout: int = 30, **settings):
    """Run ``cells`` with SandboxedExecute in ``folder``; returns (notebook, resources)."""
    config = Config()
    config.Execute.timeout = timeout
    config.Sandbox.warm_kernels = WARM_KERNELS
    for name, value in settings.items():
        setattr(config.Sandbox, name, value)
    notebook = new_notebook(cells=[c if isinstance(c, dict) else new_code_cell(c) for c in cells])
    resources = {"metadata": {"path": str(folder)}}
    return SandboxedExecute(config=config).preprocess(notebook, resources)


def errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _of_a_sandbox(process) -> bool:
    """bwrap, a sandboxed kernel or a fork of one (they keep its command line, which names the
    sandbox's scratch folder), or the sandbox's launcher."""
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "bwrap" in command or "agsbx-" in command or "/sandbox/launch.py" in command


def sandbox_processes() -> list[psutil.Process]:
    """Processes still running from a sandbox: under this test (other tests of the session may
    have children of their own), or with a sandbox uid; not a warm kernel template's own
    processes, which wait for the next notebook (a process left in its sandbox is counted)."""
    found = [p for p in psutil.Process().children(recursive=True) if _of_a_sandbox(p)]
    if AS_ROOT:
        for process in psutil.process_iter(["uids"]):
            with_uid = process.info["uids"]
            if with_uid and SANDBOX_UID_BASE <= with_uid.real < SANDBOX_UID_BASE + 1000:
                found.append(process)
    waiting = {process.pid for process in kernel_template_client.waiting_processes()}
    return [process for process in found if process.pid not in waiting]


@pytest.fixture
def listening_server():
    """A TCP server on 127.0.0.1 (outside the sandbox); records any connection it gets."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except OSError:
                continue
            accepted.append(address)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


# --- what a submission cannot reach ------------------------------------------------------------

# Reads every environment and command line the sandbox can see into loot.txt (copied back).
LOOT = textwrap.dedent("""\
    import os
    loot = []
    for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
        for name in ('environ', 'cmdline'):
            try:
                loot.append(open(f'/proc/{pid}/{name}', 'rb').read().decode(errors='replace'))
            except OSError:
                pass
    open('loot.txt', 'w').write('\\n'.join(loot))""")
SECRET = "s3cr3t-token-of-the-grader"


def test_a_notebook_reaches_nothing_outside_its_scratch_copy(course, listening_server,
                                                              monkeypatch):
    port, accepted = listening_server
    monkeypatch.setenv("GRADER_API_TOKEN", SECRET)  # the grader's environment holds secrets
    victim = subprocess.Popen(["sleep", "300"])  # a process of the grader's user
    before = fingerprint(course["solution"].parents[2], skip=course["student"])
    pth = SITE_PACKAGES / "zz_sandbox_test_planted.pth"
    attempts = {
        # reading what no student may see
        "read solution": f"open({str(course['solution'])!r}).read()",
        "read hidden checker": f"open({str(course['checker'])!r}).read()",
        "read gradebook": f"open({str(course['gradebook'])!r}, 'rb').read()",
        "read config": f"open({str(course['config'])!r}).read()",
        "read classmate": f"open({str(course['classmate'])!r}).read()",
        "read exchange": f"open({str(course['exchange'])!r}).read()",
        "read by relative path": "open('../../bob/challenge/04_challenge.ipynb').read()",
        "read through a planted symlink": "open('solution_link.ipynb').read()",
        # writing where no student may write
        "write solution": f"open({str(course['checker'])!r}, 'w').write('HIDDEN_TESTS = 0')",
        "write gradebook": f"open({str(course['gradebook'])!r}, 'wb').write(b'')",
        "write config": f"open({str(course['config'])!r}, 'a').write('c.x = 1')",
        "write classmate": f"open({str(course['classmate'])!r}, 'w').write('0 points')",
        "plant a .pth in the virtualenv": f"open({str(pth)!r}, 'w').write('import os')",
        "write next to the scratch copy": "open('../escape.txt', 'w').write('x')",
        "write to /tmp": "open('/tmp/escape.txt', 'w').write('x')",
        # network
        "connect to the grader's machine": f"import socket\n"
                                           f"socket.create_connection(('127.0.0.1', {port}), 2)",
        "connect to the internet": "import socket\nsocket.create_connection(('1.1.1.1', 53), 2)",
        "resolve a name": "import socket\nsocket.getaddrinfo('example.com', 80)",
        # processes
        "signal a process of the grader": f"import os, signal\nos.kill({victim.pid}, "
                                          "signal.SIGKILL)",
        "signal the grader": f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)",
    }
    lingering = textwrap.dedent("""\
        import contextlib, os, subprocess
        with contextlib.suppress(PermissionError):  # setsid() is refused in the sandbox
            subprocess.Popen(['sleep', '987.653'], start_new_session=True)
        subprocess.Popen(['sleep', '987.654'])
        if os.fork() == 0:        # a double fork: the grandchild is re-parented, detached
            with contextlib.suppress(PermissionError):
                os.setsid()
            if os.fork() == 0:
                os.execv('/bin/sleep', ['sleep', '987.655'])
            os._exit(0)
        os.wait()
        print('started')""")
    cells = list(attempts.values()) + [LOOT, lingering, graded("print('still running')",
                                                                 "after")]
    try:
        notebook, resources = run_notebook(cells, course["student"])
        assert victim.poll() is None, "the notebook killed a process of the grader's user"
    finally:
        victim.kill()
        victim.wait()
    for name, cell in zip(attempts, notebook.cells):
        assert any(e.startswith(("FileNotFoundError", "PermissionError", "OSError",
                                 "gaierror", "ProcessLookupError", "ConnectionRefusedError"))
                   for e in errors(cell)), f"{name} did not fail: {cell.outputs}"
    assert text(notebook.cells[-2]).strip() == "started", notebook.cells[-2].outputs
    assert text(notebook.cells[-1]).strip() == "still running"
    assert resources["sandbox"]["sandboxed"] is True and resources["sandbox"]["limit"] is None

    # from outside: nothing changed, nothing connected, nothing left running
    assert fingerprint(course["solution"].parents[2], skip=course["student"]) == before
    assert not pth.exists()
    assert not Path("/tmp/escape.txt").exists()
    assert not (course["student"].parent / "escape.txt").exists()
    assert accepted == []
    assert [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and p.info["cmdline"][-1] in ("987.653", "987.654", "987.655")] == []
    assert sandbox_processes() == []
    # the planted symlink is still the grader's, untouched; only the loot came back
    assert (course["student"] / "solution_link.ipynb").is_symlink()
    assert resources["sandbox"]["copied_back"] == ["loot.txt"]
    loot = (course["student"] / "loot.txt").read_text()
    assert "PYTHONNOUSERSITE" in loot and SECRET not in loot and "GRADER_API_TOKEN" not in loot


# --- one session, no namespaces, no mounts: the system-call filter ------------------------------

# Tries what the filter refuses, and what it must not: threads, forks, multiprocessing (fork
# and spawn), subprocess, matplotlib. Children that tried setsid() and a `unshare -Urm` stay
# alive a few seconds, to be seen from outside.
SESSIONS_AND_NAMESPACES = textwrap.dedent("""\
    import ctypes, multiprocessing, os, subprocess, threading, time
    import matplotlib.pyplot as plt
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17
    CLONE_VM, CLONE_SIGHAND, CLONE_THREAD = 0x100, 0x800, 0x10000
    def attempt(action):
        try:
            return repr(action())
        except OSError as error:
            return f'{type(error).__name__} {error.errno}'
    def syscall(number, *args):
        result = libc.syscall(number, *args)
        return result if result != -1 else f'errno {ctypes.get_errno()}'
    def sleeper_that_tried_setsid():
        if os.fork() == 0:
            try:
                os.setsid()
            except OSError:
                pass
            time.sleep(4)
            os._exit(0)
    for _ in range(3):
        sleeper_that_tried_setsid()
    unshared = subprocess.Popen(['unshare', '-Urm', 'sleep', '4'], stderr=subprocess.PIPE)
    thread = threading.Thread(target=time.sleep, args=(0.1,))
    thread.start()
    thread.join()
    fig, ax = plt.subplots()
    ax.imshow([[0, 1], [1, 0]])
    fig.canvas.draw()
    report = {
        'setsid': attempt(os.setsid),
        'new session': attempt(lambda: subprocess.Popen(['true'], start_new_session=True)),
        'unshare command': unshared.communicate()[1].decode().strip(),
        'unshare user': syscall(272, CLONE_NEWUSER),
        'clone new user': syscall(56, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
        'clone new mount': syscall(56, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0),
        'clone3': syscall(435, 0, 0),
        # (were it allowed, this thread would share the kernel's stack and crash it)
        'thread with its own files': syscall(56, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0, 0),
        'mount tmpfs': syscall(165, b'none', b'/tmp', b'tmpfs', 0, None),
        'fork': attempt(lambda: os.waitpid(os.fork() or os._exit(7), 0)[1] >> 8),
        'subprocess': attempt(lambda: subprocess.run(['echo', 'ok'], capture_output=True).stdout),
        'pool (fork)': attempt(lambda: multiprocessing.get_context('fork').Pool(2).map(abs, [-1, -2])),
        'pool (spawn)': attempt(lambda: multiprocessing.get_context('spawn').Pool(1).map(abs, [-3])),
        'thread': repr(not thread.is_alive()),
        'figure': repr(fig.canvas.get_width_height()),
    }
    print(report)""")


def _inside_a_sandbox(process) -> bool:
    """A process of a sandbox (another PID namespace than ours), other than bwrap's init."""
    try:
        return (os.readlink(f"/proc/{process.pid}/ns/pid") != os.readlink("/proc/self/ns/pid")
                and not process.cmdline()[0].endswith("bwrap"))
    except (OSError, IndexError, psutil.Error):
        return False


@pytest.fixture
def seen_from_outside():
    """Samples, while a test runs, the session, autogroup and namespaces of every process in
    the sandboxes this test starts: {pid: (sid, autogroup, user ns, mount ns)}."""
    seen, stop = {}, threading.Event()

    def sample():
        while not stop.wait(0.05):
            for process in psutil.Process().children(recursive=True):
                if not _inside_a_sandbox(process):
                    continue
                try:
                    sid = int(Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1]
                              .split()[3])
                    autogroup = Path(f"/proc/{process.pid}/autogroup").read_text().split()[0]
                    namespaces = tuple(os.readlink(f"/proc/{process.pid}/ns/{name}")
                                       for name in ("user", "mnt"))
                except (OSError, IndexError, ValueError):
                    continue
                seen[process.pid] = (sid, autogroup, *namespaces)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    yield seen
    stop.set()
    thread.join()


def test_a_sandbox_is_one_session_and_makes_no_namespaces_or_mounts(course, seen_from_outside):
    notebook, resources = run_notebook([SESSIONS_AND_NAMESPACES], course["student"], timeout=60)
    assert errors(notebook.cells[0]) == [], notebook.cells[0].outputs
    report = eval(text(notebook.cells[0]))  # noqa: S307 - a dict of strings we print ourselves
    eperm, enosys = "errno 1", "errno 38"
    assert report["setsid"] == "PermissionError 1"
    assert report["new session"] == "PermissionError 1"
    assert "Operation not permitted" in report["unshare command"]
    assert report["unshare user"] == eperm
    assert report["clone new user"] == eperm and report["clone new mount"] == eperm
    assert report["clone3"] == enosys  # glibc falls back to clone
    assert report["thread with its own files"] == eperm
    assert report["mount tmpfs"] == eperm
    # and the ordinary things still work
    assert report["fork"] == "7" and report["subprocess"] == "b'ok\\n'"
    assert report["pool (fork)"] == "[1, 2]" and report["pool (spawn)"] == "[3]"
    assert report["thread"] == "True" and report["figure"] == "(640, 480)"
    # From outside: every process of the sandbox (the kernel, its forks, the pool's workers,
    # `unshare`) in one session and one scheduler autogroup, in the sandbox's namespaces.
    assert len(seen_from_outside) >= 5, seen_from_outside
    sessions, autogroups, users, mounts = (set(column) for column in
                                           zip(*seen_from_outside.values()))
    assert len(sessions) == 1 and len(autogroups) == 1, seen_from_outside
    assert len(users) == 1 and len(mounts) == 1, seen_from_outside
    assert sandbox_processes() == []


def test_the_inspectors_sandbox_has_the_filter_too():
    result = run_in_sandbox([sys.executable, "-I", "-c", textwrap.dedent("""\
        import os, subprocess
        try:
            os.setsid()
        except PermissionError:
            print('setsid refused')
        print(subprocess.run(['unshare', '-Urm', 'true']).returncode)""")],
        input=b"", timeout=30, readable=[])
    assert result.stdout.decode().split() == ["setsid", "refused", "1"], result


# --- the limits ----------------------------------------------------------------------------------

LIMIT_CASES = {
    "memory": (dict(memory_mb=1024), textwrap.dedent("""\
        hog = []
        while True:
            hog.append(bytearray(64 * 1024 * 1024))"""), "memory", "1024 MB of memory", True),
    "processes": (dict(max_processes=32), textwrap.dedent("""\
        import os, time
        forked = 0
        while True:
            if os.fork() == 0:   # every child forks on too, and never returns to the kernel
                try:
                    while True:
                        os.fork()
                finally:
                    time.sleep(60)
                    os._exit(0)
            forked += 1"""), "processes", "more than 32 processes", True),
    "file size": (dict(max_file_mb=10), "open('big.bin', 'wb').write(bytes(100 * 1024 * 1024))",
                  "file_size", "larger than 10 MB", True),
    "cpu time": (dict(cpu_seconds=3), "while True:\n    pass", "cpu", "3 s of CPU time", False),
    "disk": (dict(max_disk_mb=5), textwrap.dedent("""\
        for i in range(100000):
            with open(f'part-{i}.txt', 'w') as part:
                part.write('x' * 100_000)"""), "disk", "5 MB", False),
    "file count": (dict(max_files=300), textwrap.dedent("""\
        import os
        os.mkdir('many')
        for i in range(100000):
            open(f'many/{i}', 'w').close()"""), "disk", "300 files", False),
    # Files no folder shows: deleted while open, in memory, deleted and only mapped.
    "deleted open files": (dict(max_disk_mb=20), textwrap.dedent("""\
        import os, time
        kept = []
        for i in range(8):
            fd = os.open(f'hidden-{i}.bin', os.O_RDWR | os.O_CREAT, 0o600)
            os.posix_fallocate(fd, 0, 8 * 1024 * 1024)
            os.unlink(f'hidden-{i}.bin')
            kept.append(fd)
        time.sleep(20)"""), "disk", "20 MB", False),
    "memfd": (dict(max_disk_mb=20), textwrap.dedent("""\
        import os, time
        fd = os.memfd_create('hidden')
        os.posix_fallocate(fd, 0, 48 * 1024 * 1024)
        time.sleep(20)"""), "disk", "20 MB", False),
    "deleted mapped file": (dict(max_disk_mb=20), textwrap.dedent("""\
        import mmap, os, time
        fd = os.open('mapped.bin', os.O_RDWR | os.O_CREAT, 0o600)
        os.posix_fallocate(fd, 0, 48 * 1024 * 1024)
        kept = mmap.mmap(fd, 48 * 1024 * 1024)
        os.close(fd)
        os.unlink('mapped.bin')
        time.sleep(20)"""), "disk", "20 MB", False),
}


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_each_limit_is_hit_and_named(course, case):
    settings, hog, limit, words, kernel_survives = LIMIT_CASES[case]
    grader_limits = [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_NPROC,
                                                    resource.RLIMIT_CPU, resource.RLIMIT_FSIZE)]
    cells = ["x = 1", hog, graded("print('graded cell ran')", "after")]
    notebook, resources = run_notebook(cells, course["student"], **settings)

    record = resources["sandbox"]
    assert record["limit"] == limit, (record, notebook.cells[1].outputs)
    assert record["cell"] == 1 and words in record["limit_message"]
    assert any(e.startswith("SandboxLimit") and words in e and "grading sandbox" in e
               for e in errors(notebook.cells[1])), notebook.cells[1].outputs
    after = notebook.cells[2]
    if kernel_survives:
        assert text(after).strip() == "graded cell ran" and errors(after) == []
    else:
        assert errors(after) and errors(after)[0].startswith("KernelStopped"), after.outputs
        assert words in errors(after)[0]
    # the grader is unaffected, nothing of the sandbox is left
    assert sandbox_processes() == []
    assert [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_NPROC,
                                           resource.RLIMIT_CPU, resource.RLIMIT_FSIZE)] \
        == grader_limits
    big = course["student"] / "big.bin"
    assert not big.exists() or big.stat().st_size <= 10 * 1024 * 1024
    copied = record["copied_back"]
    assert sum((course["student"] / name).stat().st_size for name in copied) <= 256 * 1024 * 1024


def test_a_second_notebook_runs_normally_after_a_killed_one(course):
    # SIGXCPU ignored: the hard limit's SIGKILL, 2 s later, is still named as the CPU limit
    dodger = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass"
    notebook, resources = run_notebook([dodger], course["student"], cpu_seconds=2)
    assert resources["sandbox"]["limit"] == "cpu", notebook.cells[0].outputs
    assert resources["sandbox"]["exit_status"] == 128 + 9  # killed, not SIGXCPU
    notebook, resources = run_notebook(["import os\nprint(sum(range(10)))"], course["student"])
    assert text(notebook.cells[0]).strip() == "45" and resources["sandbox"]["limit"] is None


def test_a_notebook_is_stopped_after_max_seconds_in_all(course):
    # Each cell stays well within its own timeout; together they go over the notebook's time.
    cells = ["import time"] + ["time.sleep(2)"] * 6 + [graded("print('graded cell ran')", "after")]
    started = time.monotonic()
    notebook, resources = run_notebook(cells, course["student"], timeout=10, max_seconds=6)
    took = time.monotonic() - started
    record = resources["sandbox"]
    assert record["limit"] == "notebook_time", record
    assert record["limit_message"] == ("the notebook ran for more than 6 s in all (the grading "
                                       "sandbox's limit) and was stopped")
    stopped = record["cell"]
    assert 1 <= stopped <= 6 and any(e.startswith("SandboxLimit") and "6 s in all" in e
                                     for e in errors(notebook.cells[stopped]))
    assert all(cell.outputs == [] for cell in notebook.cells[stopped + 1:-1])  # never ran
    assert errors(notebook.cells[-1])[0].startswith("KernelStopped")
    assert "6 s in all" in errors(notebook.cells[-1])[0]
    assert took < 15, took  # not startup + 12 s of sleeping
    assert sandbox_processes() == []


def test_a_cell_past_its_timeout_is_interrupted_inside_the_sandbox(course):
    # nbclient interrupts by message: a SIGINT would reach bwrap, not the kernel.
    notebook, resources = run_notebook(["import time\nwhile True:\n    time.sleep(0.01)",
                                        graded("print('next cell ran')", "after")],
                                       course["student"], timeout=2)
    assert any(e.startswith("KeyboardInterrupt") for e in errors(notebook.cells[0]))
    assert text(notebook.cells[1]).strip() == "next cell ran"
    assert resources["sandbox"]["limit"] is None


# --- what the kernel sends the grader -------------------------------------------------------------

OUTPUT_FLOODS = {
    # 8 messages of ~400 KB of metadata each (a JSON list of zeros), one character of output
    "metadata": textwrap.dedent("""\
        from IPython.display import display
        for _ in range(8):
            display({'text/plain': '.'}, raw=True, metadata={'text/plain': {'pad': [0] * 200_000}})"""),
    # 100 small outputs with one display id, then one 100 KB update for all of them
    "display updates": textwrap.dedent("""\
        from IPython.display import display, update_display
        for _ in range(100):
            display({'text/plain': '.'}, raw=True, display_id='same')
        update_display({'text/plain': 'x' * 100_000}, raw=True, display_id='same')"""),
    # widget state and binary buffers, which nbclient keeps for the notebook's metadata
    "widget state": textwrap.dedent("""\
        from ipykernel.comm import Comm
        for _ in range(8):
            state = {'_model_module': '@jupyter-widgets/base', '_model_name': 'LayoutModel',
                     '_model_module_version': '2.0.0', 'pad': 'x' * 200_000}
            Comm(target_name='jupyter.widget', data={'state': state, 'buffer_paths': [['data']]},
                 buffers=[bytes(200_000)])"""),
}


@pytest.mark.parametrize("flood", OUTPUT_FLOODS)
def test_the_output_budget_counts_whole_messages(course, flood):
    notebook, resources = run_notebook([OUTPUT_FLOODS[flood]], course["student"],
                                       max_output_mb=1)
    size = len(nbformat.writes(notebook))  # as nbgrader will write it
    assert size < 1.1 * 1024 * 1024, f"{size / 2**20:.1f} MB of notebook from a 1 MB budget"
    assert errors(notebook.cells[0]) == []
    if flood != "display updates":  # an update is dropped where it would land: no cell of its own
        assert "[output cut by the grader: the notebook sent more than 1 MB of output]" in \
            text(notebook.cells[0])


def test_a_message_too_costly_to_parse_stops_the_notebook_and_is_flagged(course):
    cells = [
        # honest: 4.5 MB of printed text with 1.5 million commas, all in one string: parsed
        "print(', '.join(['0'] * 1_500_000))",
        # 2 million values (4 MB of JSON, a 16 MB list once parsed): never parsed
        "from IPython.display import display\n"
        "display({'text/plain': '.'}, raw=True, metadata={'text/plain': {'pad': [0] * 2_000_000}})",
        graded("print('graded cell ran')", "after"),
    ]
    notebook, resources = run_notebook(cells, course["student"])
    assert text(notebook.cells[0]) == ", ".join(["0"] * 1_500_000) + "\n"
    assert errors(notebook.cells[1]) and errors(notebook.cells[1])[0].startswith("KernelDied")
    assert "more than 1000000 JSON values" in errors(notebook.cells[1])[0]
    assert errors(notebook.cells[2])[0].startswith("KernelStopped")
    assert any("messages the grader could not read" in flag for flag in flags_of(notebook))
    assert sandbox_processes() == []


def test_a_kernel_is_ready_once_its_answer_is_read_to_the_end_and_stops_when_asked(course, monkeypatch):
    # Ready: wait_for_ready returns after the kernel_info request's "idle" is read from the
    # output channel, not after a fixed silence (jupyter_client's 0.2 s): nothing of that
    # request is left for the next one, whose first output message is its own.
    # Stopped: the manager looks again after 1 ms, then less and less often (at most every
    # 0.1 s), instead of every 0.1 s from the start.
    pauses = []
    sleep = asyncio.sleep

    async def noted_sleep(seconds, *args, **kwargs):
        pauses.append(seconds)
        return await sleep(seconds, *args, **kwargs)

    monkeypatch.setattr(sandbox_module.kernel_manager, "asyncio", types.SimpleNamespace(sleep=noted_sleep))

    async def start_ask_stop(sandbox):
        manager = sandbox_module.SandboxedKernelManager(sandbox=sandbox)
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            asked = client.execute("print('after ready')")
            first = await client.get_iopub_msg(timeout=30)
        finally:
            client.stop_channels()
            pauses.clear()
            await manager.shutdown_kernel()
        return first, asked, await manager.is_alive()

    with kernel_template_client.kernel_sandbox(Sandbox(warm_kernels=WARM_KERNELS), course["student"]) as sandbox:
        first, asked, alive = asyncio.run(start_ask_stop(sandbox))
    assert first["parent_header"]["msg_id"] == asked, first["msg_type"]
    assert not alive
    assert pauses[:1] == [0.001], pauses
    assert all(later == min(2 * earlier, 0.1) for earlier, later in zip(pauses, pauses[1:])), pauses


def test_the_graders_sockets_hold_few_messages_from_a_kernel(course, tmp_path):
    # The client nbclient gets from a sandboxed kernel's manager, and its session:
    with sandbox_module.KernelSandbox(Sandbox(), course["student"]) as sandbox:
        manager = sandbox_module.SandboxedKernelManager(sandbox=sandbox)
        client = manager.client()
    assert isinstance(client, sandbox_module.SandboxedKernelClient)
    assert isinstance(manager.session, sandbox_module.SandboxedSession)
    assert isinstance(client.session, sandbox_module.SandboxedSession)  # a clone of the manager's
    grader = client.context
    assert grader.getsockopt(zmq.MAXMSGSIZE) == 64 * 2**20
    assert grader.getsockopt(zmq.RECONNECT_IVL) == sandbox_module.kernel_manager.RECONNECT_MS  # not 100 ms
    # A sender that never waits (as a kernel flooding its output socket would) against a
    # receiver made like the grader's client's, which does not read: what piles up in the
    # grader is a few messages; the rest waits on the sender's side.
    receiver = grader.socket(zmq.PULL)
    sender_context = zmq.Context()
    sender = sender_context.socket(zmq.PUSH)
    sender.setsockopt(zmq.SNDHWM, 1)
    address = f"ipc://{tmp_path}/socket"
    try:
        receiver.bind(address)
        sender.connect(address)
        sent, deadline = 0, time.monotonic() + 5
        while time.monotonic() < deadline and sent < 1000:
            try:
                sender.send(bytes(1024 * 1024), zmq.NOBLOCK)
                sent += 1
            except zmq.Again:
                time.sleep(0.05)
        # 4 queued in the grader, 1 in the sender's queue, a few in the operating system's
        # socket buffers and ZeroMQ's batches; ZeroMQ's default would take all 1000.
        assert sent <= 12, sent
    finally:
        sender.close(linger=0)
        receiver.close(linger=0)
        sender_context.term()


# --- a normal notebook -------------------------------------------------------------------------

def test_a_matplotlib_notebook_runs_and_its_files_come_back(course):
    cells = [
        "import matplotlib.pyplot as plt\nimport numpy as np",
        textwrap.dedent("""\
            fig, ax = plt.subplots(figsize=(3, 3))
            image = ax.imshow(np.arange(9).reshape(3, 3), cmap='viridis')
            fig.colorbar(image, ax=ax, label='Attention Weight')
            ax.set_title('Attention Heatmap')
            fig.savefig('heatmap.png')
            plt.show()"""),
        textwrap.dedent("""\
            import os
            open('notes.txt', 'w').write('written in the sandbox')
            open('data.txt', 'w').write('changed')
            open('04_challenge.ipynb', 'w').write('overwritten')   # never copied back
            os.makedirs('sub/folder')
            open('sub/folder/deep.txt', 'w').write('deep')
            os.symlink('/etc/passwd', 'link_to_passwd')           # never copied back
            from heatmap_check import check
            print(check())"""),
        graded("assert open('data.txt').read() == 'changed'", "reads_its_file"),
    ]
    notebook, resources = run_notebook(cells, course["student"])
    for cell in notebook.cells:
        assert errors(cell) == [], cell.outputs
        assert "font cache" not in text(cell)  # the grader's font cache was reused
    assert any("image/png" in o.get("data", {}) for o in notebook.cells[1].outputs)
    assert text(notebook.cells[2]).strip() == "public"
    student = course["student"]
    assert sorted(resources["sandbox"]["copied_back"]) == [
        "data.txt", "heatmap.png", "notes.txt", "sub/folder/deep.txt"]
    assert (student / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (student / "data.txt").read_text() == "changed"
    assert (student / "04_challenge.ipynb").read_text() == "the notebook file"
    assert not (student / "link_to_passwd").exists()
    assert sandbox_processes() == []
    if os.environ.get("SANDBOX_TEST_PNG"):  # to look at the figure
        shutil.copy(student / "heatmap.png", os.environ["SANDBOX_TEST_PNG"])


COMPILES_SEEN = ("import sys\ncompiled = []\nsys.addaudithook(lambda event, args: event == 'compile' "
                 "and 'heatmap_check' in str(args[1]) and compiled.append(args[1]))")


def test_the_instructors_files_are_compiled_by_the_grader_once_and_a_students_own_in_the_kernel(
        course, tmp_path, monkeypatch):
    """A file with the bytes of the instructor's is imported from the grader's hash-checked
    ``.pyc``: the kernel compiles nothing of it. A student's own version, or a folder where the
    ``.pyc`` cannot go, is compiled in the kernel as without the kit; an instructor's file that
    does not compile is not compiled ahead (the kernel meets it, as without the kit)."""
    instructor = tmp_path / "source" / "challenge"
    _write(instructor / "heatmap_check.py", (course["student"] / "heatmap_check.py").read_bytes())
    _write(instructor / "broken.py", "def (:\n")
    monkeypatch.setattr(compiled_files, "_COMPILED", {})
    compiled_files.trust_folder(instructor)
    assert sorted(compiled_files._COMPILED) == ["heatmap_check.py"]
    cells = [COMPILES_SEEN, "from heatmap_check import check\nprint(check(), len(compiled))"]
    student = course["student"]

    notebook, resources = run_notebook(cells, student)
    assert text(notebook.cells[1]).strip() == "public 0"
    assert "__pycache__" not in str(resources["sandbox"]["copied_back"])
    _write(student / "heatmap_check.py", "def check():\n    return 'my own'\n")
    notebook, _ = run_notebook(cells, student)
    assert text(notebook.cells[1]).strip() == "my own 1"
    _write(student / "heatmap_check.py", (instructor / "heatmap_check.py").read_bytes())
    _write(student / "__pycache__", "a file where the folder would go")
    notebook, _ = run_notebook(cells, student)
    assert text(notebook.cells[1]).strip() == "public 1"


# --- switched off, or not available ------------------------------------------------------------

def test_disabled_sandbox_runs_unsandboxed_and_says_so_loudly(course, monkeypatch):
    monkeypatch.setattr(sandboxed_execute, "_warned_disabled", False)
    config = Config()
    config.Sandbox.enabled = False
    executor = SandboxedExecute(config=config)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    executor.log.addHandler(handler)
    try:
        notebook = new_notebook(cells=[new_code_cell(f"print(open({str(course['solution'])!r})"
                                                     ".read())")])
        notebook, resources = executor.preprocess(notebook, {"metadata": {
            "path": str(course["student"])}})
        executor.preprocess(new_notebook(cells=[new_code_cell("1")]), {})
    finally:
        executor.log.removeHandler(handler)
    assert text(notebook.cells[0]).strip() == "SECRET SOLUTION"  # what the sandbox prevents
    assert resources["sandbox"]["sandboxed"] is False
    warnings = [r for r in records if "SANDBOX IS OFF" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_unavailable_sandbox_stops_grading_with_instructions(course):
    marker = course["student"] / "kernel-ran.txt"
    with pytest.raises(SandboxUnavailable) as raised:
        run_notebook([f"open({str(marker)!r}, 'w').write('ran')"], course["student"],
                     bwrap="/nonexistent/bwrap")
    message = str(raised.value)
    assert "sudo apt-get install bubblewrap" in message and "dnf install bubblewrap" in message
    assert "--no-sandbox" in message and "c.Sandbox.enabled = False" in message
    assert not marker.exists()


def test_an_old_bubblewrap_is_refused_with_instructions(tmp_path):
    old = _write(tmp_path / "bwrap", "#!/bin/sh\necho bubblewrap 0.6.1\n")
    old.chmod(0o755)
    message = sandbox_problem(Sandbox(bwrap=str(old)))
    assert "bubblewrap 0.6.1 is too old" in message and "apt-get install bubblewrap" in message


# --- short-lived commands (the inspector) ------------------------------------------------------

PROBE = textwrap.dedent("""\
    import json, os, socket, sys
    request = json.load(sys.stdin)
    here = os.path.dirname(os.path.abspath(__file__))
    def attempt(action):
        try:
            return repr(action())
        except Exception as error:
            return type(error).__name__
    report = {
        "request": request,
        "uid": os.getuid(),
        "capabilities": [l.split()[1] for l in open('/proc/self/status')
                         if l.startswith('CapEff')][0],
        "gradebook": attempt(lambda: open(os.path.join(here, 'gradebook.db'), 'rb').read()),
        "submitted": attempt(lambda: os.listdir(os.path.join(here, 'submitted'))),
        "root_only": attempt(lambda: open(os.path.join(here, 'root_only.txt')).read()),
        "write_here": attempt(lambda: open(os.path.join(here, 'x'), 'w').write('x')),
        "write_tmp": attempt(lambda: open('/tmp/scratch.txt', 'w').write('ok')),
        "network": attempt(lambda: socket.create_connection(('127.0.0.1', request['port']), 2)),
        "matplotlib": attempt(lambda: __import__('matplotlib.pyplot').pyplot.figure().dpi),
    }
    json.dump(report, sys.stdout)
    """)


@pytest.fixture
def inspector_package(tmp_path):
    """A course with an ``autograde`` package that also holds nbgrader's state."""
    package = tmp_path / "course" / "autograde"
    _write(package / "__init__.py", "")
    _write(package / "probe.py", PROBE)
    _write(package / "gradebook.db", b"SQLite format 3\0 grades")
    _write(package / "submitted/bob/challenge/04_challenge.ipynb", "bob")
    os.chmod(_write(package / "root_only.txt", "root's secret"), 0o600)
    return package


def test_run_in_sandbox_reads_a_request_and_writes_json(inspector_package, listening_server):
    port, accepted = listening_server
    result = run_in_sandbox([sys.executable, "-E", "-s", "-m", "autograde.probe"],
                            input=json.dumps({"port": port}).encode(), timeout=30,
                            readable=[inspector_package], cwd=str(inspector_package.parent))
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["request"] == {"port": port}
    assert report["gradebook"] == "b''"      # nbgrader's state is masked inside the package
    assert report["submitted"] == "[]"
    assert report["write_here"] in ("OSError", "PermissionError")
    assert report["write_tmp"] == "2"        # a private /tmp
    # its own loopback, where nothing listens; the grader's server sees nothing
    assert report["network"] in ("OSError", "ConnectionRefusedError") and accepted == []
    assert report["matplotlib"] == "100.0"
    assert report["capabilities"] == "0000000000000000"
    if AS_ROOT:  # the uid is dropped: root's own 0600 files stay unreadable
        assert SANDBOX_UID_BASE <= report["uid"] < SANDBOX_UID_BASE + 1000
        assert report["root_only"] == "PermissionError"
    assert not Path("/tmp/scratch.txt").exists()
    assert (inspector_package / "gradebook.db").read_bytes() == b"SQLite format 3\0 grades"
    assert result.limit_hit is None


def test_run_in_sandbox_kills_at_the_timeout_and_caps_output():
    slow = run_in_sandbox([sys.executable, "-c", "import os, time\nif os.fork() == 0:\n"
                           "    try:\n        os.setsid()\n    except OSError:\n        pass\n"
                           "time.sleep(60)"], input=b"", timeout=1, readable=[])
    assert slow.limit_hit == "timeout" and slow.returncode != 0
    assert sandbox_processes() == []
    chatty = run_in_sandbox([sys.executable, "-c", "print('x' * (3 * 1024 * 1024))"],
                            input=b"", timeout=30, readable=[], settings=Sandbox(max_file_mb=1))
    assert chatty.limit_hit == "file_size" and len(chatty.stdout) <= 1024 * 1024


NPROC_PROBE = textwrap.dedent("""\
    import os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_NPROC, (5, 5))
    forked = 0
    try:
        for _ in range(20):
            if os.fork() == 0:
                time.sleep(1)
                os._exit(0)
            forked += 1
    except OSError:
        pass
    try:
        secret = open(sys.argv[1]).read()
    except OSError as error:
        secret = type(error).__name__
    print(os.getuid(), forked, secret)""")


@pytest.mark.skipif(not AS_ROOT, reason="about running as root")
def test_why_root_runs_the_sandbox_under_a_uid_of_its_own(tmp_path):
    secret = _write(tmp_path / "secret" / "root_only.txt", "root's")
    secret.chmod(0o600)
    secret.parent.chmod(0o755)
    # Plain bwrap as root, even in a user namespace and without capabilities: uid 0 ignores
    # RLIMIT_NPROC (20 forks of 20 under a limit of 5) and reads root's 0600 files.
    mounts = sandbox_module.Mounts().system().read_only(secret.parent)
    naive = subprocess.run(
        [shutil.which("bwrap"), "--unshare-all", "--cap-drop", "ALL", "--die-with-parent",
         "--proc", "/proc", "--dev", "/dev", *mounts.args, "--",
         sys.executable, "-I", "-c", NPROC_PROBE, str(secret)],
        capture_output=True, text=True, timeout=60)
    assert naive.stdout.split() == ["0", "20", "root's"], naive.stderr
    # The same probe in our sandbox: the sandbox's own uid, the limit holds, the file is closed.
    ours = run_in_sandbox([sys.executable, "-I", "-c", NPROC_PROBE, str(secret)], input=b"",
                          timeout=60, readable=[secret.parent])
    uid, forked, verdict = ours.stdout.decode().split()
    assert int(uid) >= SANDBOX_UID_BASE and int(forked) < 5 and verdict == "PermissionError"


# --- run by a normal user (an instructor) ------------------------------------------------------

NON_ROOT_SCRIPT = textwrap.dedent("""\
    import json, sys
    from nbformat.v4 import new_code_cell, new_notebook
    from traitlets.config import Config
    from autograde.grading.preprocessors.sandboxed_execute import SandboxedExecute
    cells, folder = json.loads(sys.argv[1]), sys.argv[2]
    config = Config()
    config.Sandbox.max_processes = 24
    notebook, resources = SandboxedExecute(config=config).preprocess(
        new_notebook(cells=[new_code_cell(c) for c in cells]), {"metadata": {"path": folder}})
    json.dump({"sandbox": resources["sandbox"],
               "outputs": [[dict(o) for o in c.outputs] for c in notebook.cells]}, sys.stdout)
    """)


@pytest.mark.skipif(not AS_ROOT, reason="needs root to become a normal user")
def test_as_a_normal_user_the_limits_and_walls_hold_too():
    nobody = 65534
    with tempfile.TemporaryDirectory(prefix="sandbox-nobody-") as folder:  # pytest's is 0700
        _as_nobody(Path(folder), nobody)


def _as_nobody(tmp_path: Path, nobody: int) -> None:
    paths = make_course(tmp_path / "course")
    home = tmp_path / "home"
    (home / ".config" / "matplotlib").mkdir(parents=True)
    for font_cache in sandbox_module.font_cache_files():
        shutil.copy(font_cache, home / ".config" / "matplotlib")
    script = _write(tmp_path / "run.py", NON_ROOT_SCRIPT)
    mine = _write(tmp_path / "course" / "instructor_only.txt", "mine")
    cells = [
        "import os\nstatus = open('/proc/self/status').read()\n"
        "print(os.getuid(), 'CapEff:\\t0000000000000000' in status)",
        f"open({str(mine)!r}).read()",
        "import subprocess\nsubprocess.run(['unshare', '--user', 'true'], check=True)",
        LOOT,
        "import os, time\nwhile True:\n    if os.fork() == 0:\n"
        "        time.sleep(60)\n        os._exit(0)",
    ]
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.chown(path, nobody, nobody, follow_symlinks=False)
    os.chmod(tmp_path, 0o755)
    # /root (mode 700) hides the interpreter from a normal user: show it the Python tree only.
    command = [shutil.which("bwrap"), "--dev-bind", "/", "/",
               "--perms", "0755", "--tmpfs", "/root"]
    for parent in reversed(Path(sys.base_prefix).parents):
        if parent.is_relative_to("/root") and parent != Path("/root"):
            command += ["--perms", "0755", "--dir", str(parent)]
    command += ["--ro-bind", sys.base_prefix, sys.base_prefix, "--die-with-parent", "--",
                "setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups", "--",
                sys.executable, str(script), json.dumps(cells), str(paths["student"])]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(REPO),
           "MPLCONFIGDIR": str(home / ".config" / "matplotlib"), "GRADER_API_TOKEN": SECRET}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    uid_line, instructor_file, userns, _, fork_bomb = report["outputs"]
    assert uid_line[0]["text"].split() == [str(nobody), "True"]  # own uid, no capabilities
    assert report["sandbox"]["limit"] == "processes"
    assert any(o.get("ename") == "SandboxLimit" for o in fork_bomb)
    assert any(o.get("ename") == "FileNotFoundError" for o in instructor_file)
    assert any(o.get("ename") == "CalledProcessError" for o in userns), userns  # --disable-userns
    assert sandbox_processes() == []
    # bwrap's init runs as the same user here: it must not hold the grader's environment
    stolen = (paths["student"] / "loot.txt").read_text()
    assert "PYTHONNOUSERSITE" in stolen and SECRET not in stolen
