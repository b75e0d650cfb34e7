"""A warm process that serves each request in a fresh fork of itself, and keeps nothing of it.

Why: a process that reads a submission's drawings (the inspector) spends half a CPU
second importing matplotlib, NumPy and the checker before it reads anything, more
than its reading of a whole submission's first draw. A server imports them once;
each request is then served by a child forked from it, which has all of that
already and nothing of any other request.

What keeps one request from reaching the next, as a fresh process would:

* the server never reads a request: it passes the bytes to the child, which alone
  parses them, and forgets them after the fork (a child's memory is its own);
* the child writes into pipes of its own, which only the server reads; the server
  sends the grader what the child wrote as one length-prefixed frame, so nothing a
  child writes can pass for the server's word or for another request's reply;
* the server cannot be traced or read (``PR_SET_DUMPABLE`` 0, inherited by children);
* after each request every process the child left behind is killed (the server is
  their subreaper: every orphan becomes its child) and what the child left in the
  server's scratch folder (``wipe``) is removed; when either cannot be done the
  server exits, and the grader starts a fresh one (and, in a sandbox, bwrap's PID
  namespace ends whatever is left);
* one request at a time: a child never runs beside another.

The server runs inside the sandbox, as the sandbox's command (:func:`serve`); the
grader's end is :class:`autograde.sandbox.forkserver_client.ForkServer`. Standard
library only.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import select
import signal
import struct
import sys
import time
import traceback

#: Every frame (a request, a child's output, the server's report) is its length, then its bytes.
FRAME = struct.Struct("!Q")
#: The server's first line: it started and imported what its children use.
READY = b'{"ready": true}\n'
_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 4, 36
#: Seconds the sweep may take before the server gives up and exits (the grader starts another).
SWEEP_SECONDS = 5.0


def serve(handle, *, timeout: float, max_reply: int, wipe: str | None = None) -> int:
    """Serve requests from stdin until it closes: each in a child running ``handle(request, out)``
    (``out``: the child's binary stdout). Returns the server's exit status.

    For each request the grader gets two frames: what the child wrote to its stdout (at most
    ``max_reply`` bytes), then the server's report, JSON ``{"status": exit status (128 + signal
    when killed by one, as bwrap reports), "timed_out": the child ran past ``timeout`` seconds
    and was killed, "stderr": the end of what it wrote to stderr, "clean": every process it left was
    killed and its files removed (else the server exits after this report)}``. An empty frame
    from the grader is a stop: it kills the child running (the server goes on), and is ignored
    when none runs.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 or libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("forkserver: could not make itself untraceable and the reaper of its children")
    replies = sys.stdout.buffer
    skeleton = _listing(wipe) if wipe else None
    # A child shares the server's memory until it writes to it, and a full garbage collection
    # writes to every object it looks at: frozen, what the server loaded is left out of its
    # children's collections (gc.freeze, made for servers that fork).
    gc.freeze()
    replies.write(READY)
    replies.flush()
    while True:
        request = _read_frame(0)
        if request is None:
            return 0
        if not request:  # a stop meant for a child that had ended already
            continue
        out, report = _serve_one(handle, request, timeout, max_reply)
        del request
        clean = _sweep() and (_wipe(wipe, skeleton) if wipe else True)
        report = json.dumps({**report, "clean": clean}).encode()
        replies.write(FRAME.pack(len(out)) + out + FRAME.pack(len(report)) + report)
        replies.flush()
        if not clean:
            return 3


def _read_frame(fd: int) -> bytes | None:
    """A frame from ``fd`` (unbuffered: a stop that arrives while a child runs must be seen by
    ``select``); None at the end of the stream."""
    header = _read_exactly(fd, FRAME.size)
    if header is None:
        return None
    (size,) = FRAME.unpack(header)
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _serve_one(handle, request: bytes, timeout: float, max_reply: int) -> tuple[bytes, dict]:
    """Run one child; a stop from the grader on stdin while it runs (or stdin's end) kills it."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(handle, request, out_write, err_write, (out_read, err_read))
    os.close(out_write)
    os.close(err_write)
    deadline = time.monotonic() + timeout
    out, err = bytearray(), bytearray()
    readers = {out_read: (out, max_reply), err_read: (err, None)}
    status, timed_out, told = None, False, False
    while readers and status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([*readers, 0], [], [], min(left, 0.5))
        if 0 in ready:  # the grader says: end it (an empty frame), or has gone
            _read_frame(0)
            told = True
            break
        for fd in ready:
            if not _read_some(fd, *readers[fd]):
                readers.pop(fd)
                os.close(fd)
        if not readers or not ready:  # both pipes closed, or a quiet half second: has it exited?
            status = _exited(pid)
    if status is None:
        if not (timed_out or told):  # the pipes closed but the child runs on
            status = _wait(pid, deadline)
            timed_out = status is None
        if status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = _wait(pid, time.monotonic() + SWEEP_SECONDS) or 128 + signal.SIGKILL
    for fd, (buffer, limit) in readers.items():  # what is in the pipes now (a process it left may write on)
        while select.select([fd], [], [], 0)[0] and _read_some(fd, buffer, limit):
            pass
        os.close(fd)
    return bytes(out[:max_reply]), {"status": status, "timed_out": timed_out,
                                    "stderr": err[-2000:].decode(errors="replace")}


def _read_some(fd: int, buffer: bytearray, limit: int | None) -> bool:
    """Read what is there into ``buffer``; False at the pipe's end or past ``limit`` bytes
    (without a limit only the last few thousand bytes are kept: stderr)."""
    data = os.read(fd, 65536)
    if not data:
        return False
    buffer += data
    if limit is None:
        del buffer[:-4000]
        return True
    return len(buffer) <= limit


def _child(handle, request, out_write, err_write, read_ends):
    """In the child: stdout and stderr are its own pipes, stdin nothing; never returns."""
    status = 1
    try:
        os.dup2(out_write, 1)
        os.dup2(err_write, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd in (out_write, err_write, null, *read_ends):
            os.close(fd)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        handle(request, sys.stdout.buffer)
        status = 0
    except SystemExit as exit_request:
        status = exit_request.code if isinstance(exit_request.code, int) else 1
    except BaseException:  # noqa: BLE001 - told in the report's stderr
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)


def _status(raw: int) -> int:
    return 128 + os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


def _exited(pid: int) -> int | None:
    done, raw = os.waitpid(pid, os.WNOHANG)
    return _status(raw) if done else None


def _wait(pid: int, deadline: float) -> int | None:
    while time.monotonic() < deadline:
        status = _exited(pid)
        if status is not None:
            return status
        time.sleep(0.01)
    return None


def process_stats():
    """``(pid, fields)`` of every process in ``/proc``: the fields of its ``stat`` after the
    command's name (state, parent pid, ...)."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    yield int(name), stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue


def _children() -> list[int]:
    """The server's living children (orphans the child left are among them: it is their reaper)."""
    me = os.getpid()
    return [pid for pid, fields in process_stats() if int(fields[1]) == me and fields[0] != b"Z"]


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _sweep() -> bool:
    """Kill every process the child left behind; False when some could not be ended in time.

    Once none is left living, what died since the last reap is reaped too: no process outlives
    the sweep, not even as a zombie, and none can appear after it (a process's orphans are
    handed to the server before it dies)."""
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        _reap()
        left = _children()
        if not left:
            _reap()
            return True
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
    return False


def _listing(folder: str) -> set[str]:
    found = set()
    for directory, folders, files in os.walk(folder):
        found.update(os.path.join(directory, name) for name in folders + files)
    return found


def _wipe(folder: str, skeleton: set[str]) -> bool:
    """Remove what is in ``folder`` now and was not when the server started."""
    try:
        for directory, folders, files in os.walk(folder, topdown=False):
            for name in files + folders:
                path = os.path.join(directory, name)
                if path in skeleton:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    os.chmod(path, 0o700)
                    os.rmdir(path)
                else:
                    os.unlink(path)
        return _listing(folder) <= skeleton
    except OSError:
        return False
