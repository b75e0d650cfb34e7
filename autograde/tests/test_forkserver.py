"""The fork server keeps nothing of one request for the next (autograde.sandbox.forkserver).

Each test serves requests with a server whose children run the request as Python code: the
worst a flaw in the inspector's unpickler could let evidence do. What one child does (leave
processes and files behind, write what looks like the server's frames, stop, kill or read
the server) must not reach the next child's reply, and the grader's end must recover.
"""
import os
import subprocess
import sys

import pytest

from autograde.sandbox import Sandbox
from autograde.sandbox.forkserver_client import ForkServer, ServerUnavailable

#: A server whose children run the request as code (the test's stand-in for a hostile child).
RUNS_CODE = ("import sys; from autograde.sandbox.forkserver import serve; "
             "wipe = sys.argv[1] if len(sys.argv) > 1 else None; "
             "sys.exit(serve(lambda request, out: exec(request), timeout=5, max_reply=100_000, wipe=wipe))")
PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LEAVE_BEHIND = """
import os, subprocess, time
subprocess.Popen(["sleep", "600"], process_group=0)  # (a new session is refused in the sandbox)
if os.fork() == 0:
    os.setpgid(0, 0)
    while True:
        time.sleep(0.01)
open("FOLDER/left-behind.txt", "w").write("x")
os.makedirs("FOLDER/folder/deeper", exist_ok=True)
print("left")
"""
LOOK_AROUND = """
import os
me, server = os.getpid(), os.getppid()
others = []
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) not in (me, server):
        try:
            stat = open(f"/proc/{name}/stat").read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) in (me, server):
            others.append(stat.split(")")[0])
print(sorted(others), sorted(os.listdir("FOLDER")))
"""
READ_THE_SERVER = """
import os
server = os.getppid()
try:
    start = int(open(f"/proc/{server}/maps").readline().split("-")[0], 16)
    with open(f"/proc/{server}/mem", "rb") as memory:
        memory.seek(start)
        print("read", len(memory.read(16)))
except PermissionError:
    print("denied")
"""

#: A child dead but not yet reaped while the sweep looks for what is left (its first reap done
#: before the death, as when a killed process dies between the sweep's reap and its look).
DIES_WHILE_THE_SWEEP_LOOKS = """
import os, time
from autograde.sandbox import forkserver
pid = os.fork()
if pid == 0:
    os._exit(0)
while not any(found == pid and fields[0] == b"Z" for found, fields in forkserver.process_stats()):
    time.sleep(0.001)
reaps, reap = iter([False]), forkserver._reap
forkserver._reap = lambda: next(reaps, True) and reap()
print(forkserver._sweep(), [found for found, fields in forkserver.process_stats() if int(fields[1]) == os.getpid()])
"""


def _plain(**kwargs) -> ForkServer:
    return ForkServer([sys.executable, "-c", RUNS_CODE], settings=None, max_reply=100_000, **kwargs)


@pytest.fixture
def server():
    plain = _plain()
    yield plain
    plain.close()


def test_what_a_child_leaves_behind_is_gone_before_the_next(server, tmp_path):
    """Without a sandbox: its processes (in process groups of their own) are killed."""
    first = server.request(LEAVE_BEHIND.replace("FOLDER", str(tmp_path)).encode(), 5)
    assert first.output == b"left\n" and first.status == 0, first
    second = server.request(LOOK_AROUND.replace("FOLDER", str(tmp_path)).encode(), 5)
    assert second.output.startswith(b"[] "), second  # no process of the first child is left


def test_a_child_cannot_forge_the_servers_frames(server):
    from autograde.sandbox.forkserver import FRAME
    forged = FRAME.pack(2) + b"ok" + FRAME.pack(40) + b'{"status": 0, "timed_out": 0, "stderr": ""}'
    first = server.request(b"import sys; sys.stdout.buffer.write(" + repr(forged).encode() + b"); sys.exit(7)", 5)
    assert first.output == forged and first.status == 7
    second = server.request(b"print('second')", 5)
    assert second.output == b"second\n" and second.status == 0


def test_a_slow_child_is_killed_at_the_timeout_and_the_server_goes_on(server):
    slow = server.request(b"import time; print('started', flush=True); time.sleep(60)", 5)
    assert slow.timed_out and slow.status == 128 + 9 and slow.output == b"started\n"
    assert server.request(b"print('next')", 5).output == b"next\n"


def test_a_child_that_kills_the_server_costs_its_own_request_only(server):
    killed = server.request(b"import os, signal; os.kill(os.getppid(), signal.SIGKILL)", 5)
    assert killed.output == b"" and killed.status != 0
    assert server.request(b"print('fresh server')", 5).output == b"fresh server\n"


def test_what_the_server_loaded_is_out_of_its_childrens_garbage_collections(server):
    """A child's full collection would write to every object the server loaded (copying the
    pages it shares with the server): the server freezes them before it serves."""
    child = server.request(b"import gc; print(gc.get_freeze_count() > 1000)", 5)
    assert child.output == b"True\n", child


def test_a_server_that_cannot_start_says_so():
    broken = ForkServer([sys.executable, "-c", "import sys; print('no', file=sys.stderr); sys.exit(4)"],
                        settings=None, max_reply=100)
    with pytest.raises(ServerUnavailable, match="exit status 4: no"):
        broken.request(b"", 5)


def test_in_the_sandbox_nothing_of_a_child_is_left_for_the_next():
    """In the sandbox: processes (also in process groups of their own), files in the private
    /tmp, and the server's memory, which a child cannot read."""
    server = ForkServer([sys.executable, "-I", "-c", RUNS_CODE, "/tmp"], settings=Sandbox(), readable=[PACKAGE],
                        max_reply=100_000, requests_per_server=10)
    try:
        first = server.request(LEAVE_BEHIND.replace("FOLDER", "/tmp").encode(), 5)
        assert first.output == b"left\n", first
        second = server.request(LOOK_AROUND.replace("FOLDER", "/tmp").encode(), 5)
        assert second.status == 0, second
        processes, files = second.output.decode().split("] [")
        assert processes == "[", second.output  # nothing but the child and its server
        assert "left-behind" not in files and "folder" not in files and "home" in files, second.output
        assert server.request(READ_THE_SERVER.encode(), 5).output == b"denied\n"
    finally:
        server.close()


def test_a_child_that_dies_while_the_sweep_looks_is_reaped_before_the_server_answers():
    # Else the next request starts beside a zombie of the last one's (seen as a flaky
    # test_sandbox.py: a process of the sandbox left after the notebook).
    result = subprocess.run([sys.executable, "-c", DIES_WHILE_THE_SWEEP_LOOKS], cwd=PACKAGE,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "[]"], result
