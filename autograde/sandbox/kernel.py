"""One grading kernel's sandbox: scratch folders, uid, bwrap command, watchdog, files copied back."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .bwrap import (Mounts, SandboxInit, UidSlot, bwrap_command, font_cache_files, kill_group,
                    running_as_root, sandbox_env, seccomp_pipe)
from .compiled_files import write_compiled
from .disk import digest, disk_usage, held_files_bytes, regular_files
from .files import copy_file_into, copy_regular_files
from .settings import CPU, DISK, MB, MEMORY, NOTEBOOK_TIME, Sandbox


class KernelSandbox:
    """One grading kernel's sandbox: scratch folders, uid, bwrap command, disk watchdog.

    Use as a context manager; ``work`` is a copy of ``folder`` (regular files and folders
    only, never through a link: :func:`copy_regular_files`) and becomes the kernel's
    working directory. :meth:`copy_back` brings new and changed files back.

    The watchdog (a thread of the grader, from :meth:`watch`) stops the kernel when the
    notebook has run for ``max_seconds`` in all, or when its files take more than
    ``max_disk_mb`` (or ``max_files``): the files in its folders, and the deleted files
    and memfds its processes still hold (:func:`held_files_bytes`).

    A kernel forked from a warm template (:class:`~.kernel_template_client.WarmKernelSandbox`)
    has the template's folders, uid and init, and is launched, killed and found its own way
    (``_launched``, ``_kill``, ``_find_kernel``, ``_nothing_left``).
    """

    forked = False         # the kernel is a fork of a warm template (.kernel_template_client)
    WATCH_INTERVAL = 0.25  # seconds between two looks at the disk
    HELD_FILES_EVERY = 4   # looks; held files cost more to find (about 1 ms a process)

    def __init__(self, settings: Sandbox, folder: str | os.PathLike):
        self._start_state(settings, folder)
        self.uid_slot: UidSlot | None = None
        self.root: Path | None = None
        try:
            self.uid_slot = UidSlot() if running_as_root() else None
            # Short: Unix socket paths are limited to 107 bytes.
            base = tempfile.gettempdir() if len(tempfile.gettempdir()) < 40 else "/tmp"
            self.root = Path(os.path.realpath(tempfile.mkdtemp(prefix="agsbx-", dir=base)))
            self.work, self.home, self.ipc = (self.root / n for n in ("work", "home", "ipc"))
            # The kernel's raw stdout and stderr (and bwrap's errors): a file outside the
            # sandbox, which the file-size limit keeps small, not the grader's terminal or log.
            self.output_path = self.root / "kernel-output.txt"
            self._prepare()
        except BaseException:
            self.close()
            raise

    def _start_state(self, settings: Sandbox, folder: str | os.PathLike) -> None:
        """What one notebook's run starts with (a fresh sandbox's, or a warm kernel's)."""
        self.settings = settings
        self.folder = Path(folder)
        self.limit_hit: str | None = None  # set by the watchdog
        self.kernel_cpu_seconds = 0.0      # last CPU time seen for the kernel process
        self._before: dict[str, str] = {}
        self._watchdog: threading.Thread | None = None
        self._stop = threading.Event()
        self._process: subprocess.Popen | None = None
        self._started = 0.0                # time.monotonic() at the kernel's launch
        self.seccomp_fd: int | None = None  # for bwrap, until the kernel is launched
        self.init: SandboxInit | None = None

    def _prepare(self) -> None:
        copy_regular_files(self.folder, self.work)  # what it refuses is not the kernel's to see
        for relative, _ in regular_files(self.work):
            self._before[str(relative)] = digest(self.work / relative)
        write_compiled(self.work, self._before)
        config = self.home / ".config" / "matplotlib"
        config.mkdir(parents=True, exist_ok=True)
        (self.home / "tmp").mkdir(exist_ok=True)
        # /dev/shm (read-only in bwrap's /dev): POSIX semaphores and shared memory, which
        # multiprocessing's locks and pools need. On disk here, so the disk limit counts it.
        (self.home / "shm").mkdir(exist_ok=True)
        for font_cache in font_cache_files():  # else every kernel rebuilds it (seconds)
            shutil.copyfile(font_cache, config / font_cache.name)
        self.ipc.mkdir(exist_ok=True)
        if self.uid_slot:
            for top in (self.work, self.home, self.ipc):
                for directory, subfolders, files in os.walk(top):
                    for name in [directory] + [os.path.join(directory, n) for n in
                                               subfolders + files]:
                        os.chown(name, self.uid_slot.uid, self.uid_slot.gid,
                                 follow_symlinks=False)
        self.baseline = disk_usage([self.work, self.home, self.ipc], 10 ** 9)

    def command(self, argv: list[str], files: dict[Path, str] | None = None) -> list[str]:
        """The bwrap command line that runs ``argv`` (the kernel) in this sandbox, with
        ``files`` (``{path here: path inside}``) bound read-only."""
        mounts = Mounts().system()
        for source, inside in (files or {}).items():
            mounts.read_only(source, inside)
        for folder in (self.work, self.home, self.ipc):
            mounts.writable(folder)
        mounts.writable(self.home / "shm", "/dev/shm")
        # ipykernel polls its parent unless that is PID 1, which here it is (bwrap's init):
        # an inherited JPY_PARENT_PID would make it quit at once.
        env = sandbox_env(str(self.home), {"JPY_PARENT_PID": "1"})
        self.init = SandboxInit()
        self._close_seccomp_fd()
        self.seccomp_fd = seccomp_pipe()
        return bwrap_command(self.settings, argv, env=env, chdir=str(self.work),
                             uid_slot=self.uid_slot, mounts=mounts, info_fd=self.init.write_fd,
                             seccomp_fd=self.seccomp_fd)

    def _close_seccomp_fd(self) -> None:
        if self.seccomp_fd is not None:
            os.close(self.seccomp_fd)
            self.seccomp_fd = None

    def output_tail(self, characters: int = 2000) -> str:
        """The end of what the kernel (or bwrap) wrote to its stdout and stderr."""
        try:
            with open(self.output_path, "rb") as output:
                output.seek(max(0, output.seek(0, os.SEEK_END) - characters))
                return output.read().decode(errors="replace")
        except OSError:
            return ""

    def give_to_sandbox(self, path: str | os.PathLike) -> None:
        """Let the sandbox's uid read a file the grader wrote (the connection file)."""
        if self.uid_slot:
            os.chown(path, self.uid_slot.uid, self.uid_slot.gid, follow_symlinks=False)

    # watchdog ------------------------------------------------------------------------------
    def watch(self, process: subprocess.Popen) -> None:
        """Start watching the time, the disk (and the kernel's CPU time) of the sandbox run
        by ``process``."""
        self._process = process
        self._started = time.monotonic()
        self._launched()
        self._watchdog = threading.Thread(target=self._watch, name="sandbox-watchdog",
                                          daemon=True)
        self._watchdog.start()

    def _launched(self) -> None:
        self._close_seccomp_fd()  # bwrap has its own copy
        self.init.read()

    def _watch(self) -> None:
        used0, entries0 = self.baseline
        max_bytes = used0 + self.settings.max_disk_mb * MB
        max_entries = entries0 + self.settings.max_files
        deadline = self._started + self.settings.max_seconds
        device = os.stat(self.root).st_dev  # of every writable folder
        kernel, looks = None, 0
        while not self._stop.wait(self.WATCH_INTERVAL):
            if time.monotonic() > deadline:
                self._stop_for(NOTEBOOK_TIME)
                return
            used, entries = disk_usage([self.work, self.home, self.ipc], max_entries)
            looks += 1
            if entries > max_entries or used > max_bytes or (
                    looks % self.HELD_FILES_EVERY == 0 and self.init.pid is not None
                    and used + held_files_bytes(self.init.pid, device) > max_bytes):
                self._stop_for(DISK)
                return
            kernel = kernel or self._find_kernel()
            if kernel is not None:
                with contextlib.suppress(Exception):
                    times = kernel.cpu_times()
                    self.kernel_cpu_seconds = times.user + times.system

    def _stop_for(self, limit: str) -> None:
        self.limit_hit = limit
        self._kill()

    def _kill(self) -> None:
        kill_group(self._process)

    def _find_kernel(self):
        """The kernel process (the child of the sandbox's init), as a psutil.Process."""
        import psutil

        if self.init is None or self.init.pid is None:
            return None
        with contextlib.suppress(psutil.Error):
            children = psutil.Process(self.init.pid).children()
            return children[0] if children else None
        return None

    def stop_watching(self) -> None:
        self._stop.set()
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join()

    def exit_status(self, wait: float = 2.0) -> int | None:
        """bwrap's exit status (128 + signal when the kernel was killed), None if running."""
        if self._process is None:
            return None
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self._process.wait(timeout=wait)
        return None

    def end(self) -> None:
        """Make sure nothing of the sandbox runs any more (before its files are copied back)."""
        self.stop_watching()
        if self._process is not None and self._process.poll() is None:
            self._kill()
            self._process.wait()
        if not self._nothing_left():
            raise RuntimeError("the grading sandbox did not end (its init process lives on)")

    def _nothing_left(self) -> bool:
        return self.init is None or self.init.wait_gone()

    def why_it_died(self) -> str | None:
        """The limit that stopped the kernel, if its death shows one."""
        if self.limit_hit:
            return self.limit_hit
        status = self.exit_status()
        if status == 128 + signal.SIGXCPU:
            return CPU
        if status == 128 + signal.SIGKILL:  # the hard CPU limit, else the OOM killer
            slack = 0.5
            return CPU if self.kernel_cpu_seconds >= self.settings.cpu_seconds - slack else MEMORY
        return None

    # copy back -------------------------------------------------------------------------------
    def copy_back(self, destination: str | os.PathLike | None = None) -> dict[str, list[str]]:
        """Copy the files the notebook created or changed into ``destination``.

        Regular files only (no links, devices or sockets), never notebooks, compiled
        Python or checkpoints, each at most ``max_file_mb``, at most ``max_disk_mb`` and
        ``max_files`` in all. Returns ``{"copied": [...], "skipped": [...]}`` (relative
        paths; a skipped one with the reason).
        """
        destination = Path(destination or self.folder)
        copied, skipped, total = [], [], 0
        for relative, info in sorted(regular_files(self.work)):
            name = str(relative)
            if relative.suffix in (".ipynb", ".pyc") or {"__pycache__", ".ipynb_checkpoints"} \
                    & set(relative.parts):
                continue
            if info.st_size > self.settings.max_file_mb * MB:
                skipped.append(f"{name}: larger than {self.settings.max_file_mb} MB")
                continue
            if self._before.get(name) == digest(self.work / relative):
                continue  # unchanged
            if total + info.st_size > self.settings.max_disk_mb * MB or \
                    len(copied) >= self.settings.max_files:
                skipped.append(f"{name}: over the sandbox's disk limit")
                continue
            try:
                copy_file_into(self.work / relative, destination, relative.parts)
            except OSError as error:
                skipped.append(f"{name}: {error.strerror or error}")
                continue
            copied.append(name)
            total += info.st_size
        return {"copied": copied, "skipped": skipped}

    def close(self) -> None:
        """End the sandbox, delete the scratch folders and give the uid back."""
        self.end()
        self._close_seccomp_fd()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        if self.uid_slot:
            self.uid_slot.release()

    def __enter__(self) -> KernelSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: Largest single message the grader accepts from a sandboxed kernel: a larger one is dropped
#: by ZeroMQ before it reaches the grader's memory (a notebook's output is capped anyway by
