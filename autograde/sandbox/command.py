"""Helpers in a sandbox: a short command, stdin in, stdout and stderr out (run_in_sandbox: the
probe), and a long-lived one with pipes (SandboxedProcess: the inspector's fork server)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from .bwrap import (NEVER_READABLE, Mounts, SandboxInit, UidSlot, bwrap_command, bwrap_env, font_cache_files,
                    kill_group, running_as_root, sandbox_env, seccomp_pipe)
from .probe import sandbox_problem
from .settings import CPU, FILE_SIZE, MB, MEMORY, PROCESSES, TIMEOUT, Sandbox, SandboxUnavailable


class SandboxResult(NamedTuple):
    """What :func:`run_in_sandbox` returns."""

    returncode: int
    stdout: bytes
    stderr: bytes
    limit_hit: str | None  # CPU, MEMORY, PROCESSES, FILE_SIZE, TIMEOUT or None


def run_in_sandbox(argv: list[str], *, input: bytes, timeout: float,
                   readable: list[str | os.PathLike], settings: Sandbox | None = None,
                   cwd: str = "/tmp", check_available: bool = True) -> SandboxResult:
    """Run a short command in a sandbox with nothing writable but a private, small /tmp.

    ``argv[0]`` must be an absolute path visible inside (``sys.executable`` is). ``input``
    is its stdin; its stdout and stderr are returned (each at most ``max_file_mb``: they are
    files, and the file-size limit applies). ``readable`` folders or files are visible
    read-only at their own paths, without nbgrader's state or the solutions even when they
    hold them (:data:`NEVER_READABLE`). The command is killed after ``timeout`` seconds.

    Python's ``-I`` leaves the working directory off ``sys.path``: to import a package from
    a readable folder, run ``python -E -s -m package.module`` with ``cwd`` its parent folder.
    """
    settings = settings or Sandbox()
    if check_available:
        problem = sandbox_problem(settings)
        if problem:
            raise SandboxUnavailable(problem)
    uid_slot = UidSlot() if running_as_root() else None
    try:
        with tempfile.TemporaryDirectory(prefix="agsbx-io-") as private:
            stdin_path, out_path, err_path = (Path(private) / n for n in ("in", "out", "err"))
            stdin_path.write_bytes(input)
            init, seccomp_fd = SandboxInit(), seccomp_pipe()
            command = _short_command(argv, readable, settings, cwd, Path(private), uid_slot, init, seccomp_fd)
            with open(stdin_path, "rb") as stdin, open(out_path, "wb") as stdout, \
                    open(err_path, "wb") as stderr:
                try:
                    process = subprocess.Popen(command, stdin=stdin, stdout=stdout,
                                               stderr=stderr, env=bwrap_env(),
                                               start_new_session=True,
                                               pass_fds=(init.write_fd, seccomp_fd))
                finally:
                    os.close(seccomp_fd)
                init.read()
                try:
                    returncode = process.wait(timeout=timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    kill_group(process)
                    returncode = process.wait()
                    timed_out = True
                init.wait_gone()
            out, err = out_path.read_bytes(), err_path.read_bytes()
    finally:
        if uid_slot:
            uid_slot.release()
    limit = TIMEOUT if timed_out else limit_from_status(returncode, err, settings)
    return SandboxResult(returncode, out, err, limit)


def _short_command(argv, readable, settings: Sandbox, cwd: str, private: Path, uid_slot: UidSlot | None,
                   init: SandboxInit, seccomp_fd: int) -> list[str]:
    """The bwrap command of a short command: a private, small /tmp (HOME, TMPDIR and
    MPLCONFIGDIR in it, the grader's font cache read-only), the system, and ``readable``
    read-only without what is never readable (hidden behind an empty file made in ``private``)."""
    empty = private / "empty"
    empty.touch(mode=0o644)
    # /tmp first: the virtualenv may live under /tmp
    mounts = Mounts().tmpfs("/tmp", perms="1777", size=max(settings.max_disk_mb, 1) * MB)
    for folder in ("home", "home/tmp", "home/.config", "home/.config/matplotlib"):
        mounts.folder(f"/tmp/{folder}", perms="0777")
    for font_cache in font_cache_files():
        mounts.read_only(font_cache, f"/tmp/home/.config/matplotlib/{font_cache.name}")
    mounts.system()
    for path in map(Path, readable):
        path = path.resolve()
        mounts.read_only(path)
        if path.is_dir():
            for name in NEVER_READABLE:
                if (path / name).exists() or (path / name).is_symlink():
                    mounts.hide(path / name, empty)
    return bwrap_command(settings, argv, env=sandbox_env("/tmp/home"), chdir=cwd, uid_slot=uid_slot,
                         mounts=mounts, info_fd=init.write_fd, seccomp_fd=seccomp_fd)


class SandboxedProcess:
    """A long-lived command in the sandbox of :func:`run_in_sandbox`, with pipes to its stdin and
    stdout (its stderr goes to a file, :meth:`stderr_tail`). :meth:`close` ends it and everything
    it started."""

    def __init__(self, argv: list[str], *, readable: list[str | os.PathLike], settings: Sandbox,
                 cwd: str = "/tmp"):
        self._private = tempfile.TemporaryDirectory(prefix="agsbx-io-")
        self._uid_slot = UidSlot() if running_as_root() else None
        self._init = SandboxInit()
        self._stderr_path = Path(self._private.name) / "err"
        seccomp_fd = seccomp_pipe()
        try:
            command = _short_command(argv, readable, settings, cwd, Path(self._private.name), self._uid_slot,
                                     self._init, seccomp_fd)
            with open(self._stderr_path, "wb") as stderr:
                self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                stderr=stderr, env=bwrap_env(), start_new_session=True,
                                                pass_fds=(self._init.write_fd, seccomp_fd))
        except BaseException:
            self._release()
            raise
        finally:
            os.close(seccomp_fd)
        self._init.read()

    def stderr_tail(self, size: int = 2000) -> bytes:
        try:
            with open(self._stderr_path, "rb") as stderr:
                stderr.seek(max(0, os.fstat(stderr.fileno()).st_size - size))
                return stderr.read()
        except OSError:  # at exit, the folder may be gone already
            return b""

    def close(self) -> None:
        kill_group(self.process)
        self.process.wait()
        self._init.wait_gone()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self._release()

    def _release(self) -> None:
        self._private.cleanup()
        if self._uid_slot:
            self._uid_slot.release()
            self._uid_slot = None


def limit_from_status(returncode: int, stderr: bytes, settings: Sandbox) -> str | None:
    """The limit a command's exit status (bwrap passes on 128 + signal) or stderr shows."""
    if returncode == 128 + signal.SIGXCPU:
        return CPU
    if returncode == 128 + signal.SIGXFSZ or b"[Errno 27] File too large" in stderr:
        return FILE_SIZE
    if returncode == 128 + signal.SIGKILL or b"MemoryError" in stderr:
        return MEMORY
    if b"BlockingIOError" in stderr or b"can't start new thread" in stderr:
        return PROCESSES
    return None


