"""The grader's end of a fork server (:mod:`.forkserver`): start it, send it requests, replace it.

A server is started when first needed, in the sandbox of
:func:`autograde.sandbox.run_in_sandbox` (or, without a sandbox, as a plain child
process), and replaced by a fresh one after ``requests_per_server`` requests, after
any request it did not answer in time or in form, and whenever it exits. Its
answers are read with a deadline and a size bound: a server that hangs or breaks
costs that request, never the grader.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from typing import NamedTuple

from .command import SandboxedProcess
from .forkserver import FRAME, READY
from .settings import Sandbox

#: Seconds past a request's own timeout that the grader waits for the server's answer.
ANSWER_SLACK = 30.0


class ServerReply(NamedTuple):
    """What serving one request gave."""

    output: bytes     # what the child wrote to its stdout
    status: int       # its exit status: 128 + signal when a signal ended it (the server's, when it died)
    timed_out: bool   # it ran past the request's timeout and was killed
    stderr: str       # the end of what it (or a dying server) wrote to stderr


class ServerUnavailable(Exception):
    """The server could not start (the message says what it wrote)."""


class _Broken(Exception):
    pass


class ForkServer:
    """One fork server, started when first needed; see the module."""

    def __init__(self, argv: list[str], *, settings: Sandbox | None, readable=(), max_reply: int,
                 requests_per_server: int = 100, start_timeout: float = 60.0):
        self.argv, self.settings, self.readable = list(argv), settings, list(readable)
        self.max_reply, self.requests_per_server, self.start_timeout = max_reply, requests_per_server, start_timeout
        self._process: SandboxedProcess | subprocess.Popen | None = None
        self._stderr = None  # the plain child's stderr file
        self._served = 0
        self._last_stderr, self._popen_status = "", None  # of the last server closed

    def request(self, data: bytes, timeout: float) -> ServerReply:
        """Serve ``data`` in a fresh child of the server (started or replaced as needed).

        Raises :class:`ServerUnavailable` when the server cannot start.
        """
        popen = self._running()
        deadline = time.monotonic() + timeout + ANSWER_SLACK
        try:
            _write_all(popen.stdin.fileno(), FRAME.pack(len(data)) + data, deadline)
            output = _read_frame(popen.stdout.fileno(), deadline, self.max_reply)
            report = json.loads(_read_frame(popen.stdout.fileno(), deadline, 1_000_000))
            reply = ServerReply(output, int(report["status"]), bool(report["timed_out"]), str(report["stderr"]))
        except (_Broken, OSError, ValueError, KeyError, TypeError) as broken:
            hung = isinstance(broken, _Broken) and broken.args[0] == "deadline"
            self.close()
            return ServerReply(b"", popen.returncode if popen.returncode is not None else -9, hung,
                               self._last_stderr)
        self._served += 1
        if self._served >= self.requests_per_server or popen.poll() is not None:
            self.close()
        return reply

    def _running(self) -> subprocess.Popen:
        if self._process is not None and self._popen.poll() is None:
            return self._popen
        self.close()
        if self.settings is not None:
            self._process = SandboxedProcess(self.argv, readable=self.readable, settings=self.settings)
        else:
            self._stderr = tempfile.TemporaryFile()
            self._process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=self._stderr, start_new_session=True)
        os.set_blocking(self._popen.stdin.fileno(), False)
        try:
            first = _read_line(self._popen.stdout.fileno(), time.monotonic() + self.start_timeout)
        except (_Broken, OSError):
            first = b""
        if first != READY:
            self.close()
            raise ServerUnavailable(f"exit status {self._popen_status}: {self._last_stderr}".strip(": "))
        self._served = 0
        return self._popen

    @property
    def _popen(self) -> subprocess.Popen:
        return self._process.process if isinstance(self._process, SandboxedProcess) else self._process

    def close(self) -> None:
        """End the server and everything it started (a new one starts when next needed)."""
        if self._process is None:
            return
        popen = self._popen
        if isinstance(self._process, SandboxedProcess):
            self._last_stderr = self._process.stderr_tail().decode(errors="replace").strip()
            self._process.close()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
            for pipe in (popen.stdin, popen.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, self._stderr.tell() - 2000))
            self._last_stderr = self._stderr.read().decode(errors="replace").strip()
            self._stderr.close()
        self._popen_status = popen.returncode
        self._process = None


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Broken("deadline")
        if select.select([], [fd], [], left)[1]:
            view = view[os.write(fd, view[:1 << 16]):]


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Broken("deadline")
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, min(size - len(data), 1 << 20))
            if not chunk:
                raise _Broken("closed")
            data += chunk
    return bytes(data)


def _read_frame(fd: int, deadline: float, limit: int) -> bytes:
    (size,) = FRAME.unpack(_read_exact(fd, FRAME.size, deadline))
    if size > limit:
        raise _Broken("too large")
    return _read_exact(fd, size, deadline)


def _read_line(fd: int, deadline: float) -> bytes:
    line = b""
    while not line.endswith(b"\n") and len(line) < 1000:
        line += _read_exact(fd, 1, deadline)
    return line
