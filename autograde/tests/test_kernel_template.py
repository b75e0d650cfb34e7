"""Kernels forked from a warm template, one after the other in one sandbox: each as alone as in
a sandbox of its own. Real bubblewrap, real kernels: a first notebook leaves what it can (files
in every folder it may write, a process that hides, a message in what outlives a process, a
random state) and a second, graded next by the same worker, looks for it.
"""
from __future__ import annotations

import errno
import json
import platform
import subprocess
import sys
import textwrap

import pytest
from test_sandbox import errors, graded, make_course, pytestmark, run_notebook, sandbox_processes, text  # noqa: F401

from autograde.sandbox import Sandbox, seccomp
from autograde.sandbox.kernel_template_client import SERVER_FILES, close_templates, kernel_template

LEAVE = textwrap.dedent("""\
    import os, subprocess, sys, tempfile
    import numpy as np
    for folder in (".", os.environ["HOME"], tempfile.gettempdir(), "/dev/shm"):
        with open(os.path.join(folder, "left-by-the-first.txt"), "w") as note:
            note.write("a message for the next kernel")
    os.makedirs("deep/er", exist_ok=True)
    os.chmod("deep", 0)  # a folder its owner cannot list
    # a process that leaves the kernel's tree and waits for the next kernel
    subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork() == 0:\\n    time.sleep(300)"])
    print(json.dumps(np.random.rand(3).tolist()))""")

LOOK = textwrap.dedent("""\
    import os, tempfile
    import numpy as np
    found = []
    for folder in (".", os.environ["HOME"], tempfile.gettempdir(), "/dev/shm"):
        for here, folders, files in os.walk(folder):
            found += [os.path.join(here, name) for name in files if "left" in name or "deep" in here]
            found += [os.path.join(here, name) for name in folders if name == "deep"]
    processes = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    print(json.dumps({"found": found, "processes": processes, "me": os.getpid(),
                      "random": np.random.rand(3).tolist()}))""")


TEMPLATE_FOLDER = next(path.parent for path in SERVER_FILES if path.name == "kernel_template.py")


def _server_pid(settings: Sandbox) -> int:
    return kernel_template(settings).server_processes()[-1].pid


@pytest.fixture(autouse=True)
def fresh_templates():
    close_templates()
    yield
    close_templates()


def test_a_kernel_finds_nothing_of_the_kernel_graded_before_it(tmp_path):
    first, second = make_course(tmp_path / "a")["student"], make_course(tmp_path / "b")["student"]
    left, _ = run_notebook(["import json", LEAVE], first)
    server = _server_pid(Sandbox())
    looked, _ = run_notebook(["import json", LOOK], second)
    assert _server_pid(Sandbox()) == server  # the same template forked both kernels

    assert errors(left.cells[1]) == [] and errors(looked.cells[1]) == [], (left.cells[1].outputs, looked.cells[1].outputs)
    first_random = json.loads(text(left.cells[1]))
    seen = json.loads(text(looked.cells[1]))
    assert seen["found"] == []
    # the sandbox's init, the template's server, the kernel: nothing the first kernel started
    assert len(seen["processes"]) == 3 and seen["me"] in seen["processes"], seen
    assert seen["random"] != first_random  # NumPy's random state is each kernel's own
    assert sandbox_processes() == []
    assert not (second / "left-by-the-first.txt").exists()
    assert (first / "left-by-the-first.txt").exists()  # copied back to its own student only


def test_what_outlives_a_process_without_a_file_is_refused(tmp_path):
    """System V IPC, POSIX message queues and keys would carry a message from one kernel to the
    next past the emptied folders and the killed processes."""
    calls = textwrap.dedent("""\
        import ctypes, ctypes.util, json, os
        libc = ctypes.CDLL(None, use_errno=True)
        rt = ctypes.CDLL(ctypes.util.find_library("rt") or None, use_errno=True)
        def errno_of(result):
            return ctypes.get_errno() if result == -1 else 0
        IPC_PRIVATE, IPC_CREAT = 0, 0o1000
        results = {
            "shmget": errno_of(libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)),
            "semget": errno_of(libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600)),
            "msgget": errno_of(libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)),
            "mq_open": errno_of(rt.mq_open(b"/left", os.O_CREAT | os.O_RDWR, 0o600, None)),
            "add_key": errno_of(libc.syscall(ADD_KEY, b"user", b"left", b"message", 7, -3)),
            "keyctl": errno_of(libc.syscall(KEYCTL, 0, -3, 0)),
        }
        print(json.dumps(results))""")
    numbers = seccomp._LEFT_BEHIND[platform.machine()]
    calls = f"ADD_KEY, KEYCTL = {numbers['add_key']}, {numbers['keyctl']}\n" + calls
    notebook, _ = run_notebook([calls], make_course(tmp_path)["student"])
    assert errors(notebook.cells[0]) == [], notebook.cells[0].outputs
    assert json.loads(text(notebook.cells[0])) == dict.fromkeys(
        ["shmget", "semget", "msgget", "mq_open", "add_key", "keyctl"], errno.ENOSYS)


def test_a_kernel_that_kills_its_template_loses_only_its_own_cells(tmp_path):
    first, second = make_course(tmp_path / "a")["student"], make_course(tmp_path / "b")["student"]
    killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time; time.sleep(5)"
    killed, resources = run_notebook([killer, graded("print('after')", "after")], first)
    assert errors(killed.cells[1]), killed.cells[1].outputs  # not run: its kernel is gone
    assert sandbox_processes() == []
    graded_next, _ = run_notebook(["print('fine')", graded("print('after')", "after")], second)
    assert text(graded_next.cells[0]).strip() == "fine" and text(graded_next.cells[1]).strip() == "after"


def test_what_a_kernel_loads_on_first_use_the_template_has_loaded_once(tmp_path):
    """What ipykernel's set-up imports, and the fonts a first drawing loads, the template loads
    once: a kernel forked from it then imports a few modules of its own, not its debugger
    (debugpy, some 140 modules, two thirds of that set-up's CPU), and draws with fonts already
    open. The template's code, outside a sandbox (no student's code runs here)."""
    found = tmp_path / "found.json"
    script = textwrap.dedent(f"""\
        import json, os, sys
        sys.path.insert(0, {str(TEMPLATE_FOLDER)!r})
        from kernel_template import warm
        warm()
        from jupyter_client.connect import write_connection_file
        from ipykernel.kernelapp import IPKernelApp
        from matplotlib import font_manager
        fonts_open = font_manager._get_font.cache_info().currsize  # matplotlib's private cache
        before = set(sys.modules)
        name, _ = write_connection_file({str(tmp_path / "kernel.json")!r}, transport="ipc",
                                        ip={str(tmp_path / "kernel")!r})
        IPKernelApp.instance().initialize(["-f", name])
        with open({str(found)!r}, "w") as out:
            json.dump({{"imported": sorted(set(sys.modules) - before), "fonts_open": fonts_open}}, out)
        os._exit(0)""")
    subprocess.run([sys.executable, "-c", script], timeout=120, capture_output=True, check=True)
    found = json.loads(found.read_text())
    modules = found["imported"]
    assert not [name for name in modules if "pydev" in name or name.startswith("debugpy")], modules
    assert len(modules) < 30, modules
    assert found["fonts_open"] >= 1
