"""The grader's end of the warm kernel template (:mod:`.kernel_template`): one sandbox per
grading worker, its server, and each submission's kernel forked from it.

Why one sandbox for many kernels is as safe as a sandbox each: the kernels of one worker run
one after the other, never side by side. Before a kernel starts, the template's server has
killed every process the previous one left (it is their reaper, :mod:`.forkserver`) and the
grader has emptied the sandbox's folders (:meth:`KernelTemplate.sandbox_for`); what a process
could leave without a file (System V IPC, POSIX message queues, keys) the system-call filter
refuses (:mod:`.seccomp`). Each kernel has the sandbox's limits as its own (rlimits are per
process; a fork starts with no CPU time spent), and the watchdog of :class:`KernelSandbox`
watches it as it watches a fresh kernel. Whenever anything is not as it should be (a kernel
that will not stop, a limit hit, a server that does not answer or has not cleaned up), the
whole sandbox is killed and the next submission gets a fresh one.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing.util
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from jupyter_client.provisioning import LocalProvisioner

from .bwrap import bwrap_env, kill_group
from .forkserver import FRAME, READY
from .forkserver_client import _Broken, _read_frame, _read_line, _write_all
from .kernel import KernelSandbox
from .settings import Sandbox

_HERE = Path(__file__).parent
#: The server and its fork-server loop, bound read-only into the template's sandbox.
SERVER_FILES = {_HERE / "kernel_template.py": "/sandbox/kernel_template.py",
                _HERE / "forkserver.py": "/sandbox/forkserver.py"}
#: Seconds a kernel may run past the notebook's time before the server itself kills it (the
#: grader's watchdog stops it at the notebook's time).
SERVER_SLACK = 30.0
#: Seconds the server may take to answer once a kernel has exited, and to start.
ANSWER_SECONDS, START_SECONDS = 10.0, 60.0
#: The template's folders, emptied between kernels: these stay (they are mounted), their
#: contents go.
_MOUNTED = ("work", "home", "ipc", "home/shm")


class KernelTemplate:
    """A grading worker's warm kernel server in its sandbox; see the module."""

    def __init__(self, settings: Sandbox, kernels_per_server: int = 100):
        self.settings, self.kernels_per_server = settings, kernels_per_server
        self.sandbox: KernelSandbox | None = None   # the server's: folders, uid, init
        self._server: subprocess.Popen | None = None
        self._served = 0
        self._stale: list[KernelSandbox] = []       # of servers ended, removed when unused
        self._kernel: WarmKernel | None = None      # the last kernel forked
        self._ended_status = -9                     # the last server's, once ended (-9: killed)
        # The watchdog's thread may kill a kernel while nbclient's polls it: one at a time.
        self._lock = threading.RLock()

    def _server_running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    def sandbox_for(self, folder: str | os.PathLike) -> WarmKernelSandbox:
        """A sandbox for the notebook in ``folder``, its kernel to be forked from the template."""
        if self._kernel is not None and self._kernel.poll() is None:
            self.close()  # the last kernel runs on (it was never stopped): never beside another
        if not self._server_running() or self._served >= self.kernels_per_server:
            self._start()
        try:
            self._empty()
        except OSError:  # a file the grader cannot remove: start from a new sandbox
            self._start()
        self._served += 1
        return WarmKernelSandbox(self, folder)

    def _start(self) -> None:
        self.close()
        empty = tempfile.mkdtemp(prefix="agsbx-empty-")
        try:
            self.sandbox = sandbox = KernelSandbox(self.settings, empty)
        finally:
            os.rmdir(empty)
        argv = [sys.executable, "/sandbox/kernel_template.py", str(self.settings.max_seconds + SERVER_SLACK)]
        command = sandbox.command(argv, files=SERVER_FILES)
        with open(sandbox.output_path, "ab") as output:  # the server's stderr, then each kernel's
            self._server = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=output, cwd=sandbox.root,
                env=bwrap_env(), pass_fds=(sandbox.init.write_fd, sandbox.seccomp_fd), start_new_session=True)
        sandbox._launched()
        os.set_blocking(self._server.stdin.fileno(), False)
        try:
            ready = _read_line(self._server.stdout.fileno(), time.monotonic() + START_SECONDS)
        except (_Broken, OSError):
            ready = b""
        if ready != READY:
            said = sandbox.output_tail().strip()
            self.close()
            raise RuntimeError(f"the warm kernel template did not start: {said}")
        self._served = 0

    def _empty(self) -> None:
        """Empty the sandbox's folders (nothing runs in it now), writable by their owner again."""
        root = self.sandbox.root
        for name in _MOUNTED:
            folder = root / name
            info = os.lstat(folder)
            if not stat.S_ISDIR(info.st_mode):
                raise OSError(f"{folder} is no longer a folder")
            os.chmod(folder, 0o700)
            for entry in os.scandir(folder):
                if f"{name}/{entry.name}" in _MOUNTED:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, onerror=_allow_and_retry)
                else:
                    os.unlink(entry.path)

    def fork_kernel(self, command: list[str]) -> WarmKernel:
        """Start the kernel ``command`` (``python -m ipykernel_launcher ARGS``) as a fork of the
        server."""
        data = json.dumps(command[3:]).encode()
        _write_all(self._server.stdin.fileno(), FRAME.pack(len(data)) + data,
                   time.monotonic() + ANSWER_SECONDS)
        self._kernel = WarmKernel(self)
        return self._kernel

    def kill_kernel(self) -> None:
        """Ask the server to kill the running kernel (and so everything it started)."""
        with self._lock:
            try:
                _write_all(self._server.stdin.fileno(), FRAME.pack(0), time.monotonic() + ANSWER_SECONDS)
            except (_Broken, OSError, AttributeError):
                self.close()

    def answer(self, kernel: WarmKernel, wait: float) -> int | None:
        with self._lock:
            return self._answer(kernel, wait)

    def _answer(self, kernel: WarmKernel, wait: float) -> int | None:
        """``kernel``'s exit status once the server says it has exited and nothing of it is
        left (None: still running after ``wait`` seconds). A server that answers out of form,
        has not cleaned up, or has died is ended: the status is then its own (negative when the
        grader killed it)."""
        server = self._server
        if server is None or kernel is not self._kernel:
            return self._ended_status
        if not select.select([server.stdout], [], [], wait)[0]:
            return None
        try:
            deadline = time.monotonic() + ANSWER_SECONDS
            _read_frame(server.stdout.fileno(), deadline, 1 << 20)  # the kernel's raw stdout
            report = json.loads(_read_frame(server.stdout.fileno(), deadline, 1_000_000))
            status, clean = int(report["status"]), report["clean"] is True
            with open(self.sandbox.output_path, "a", encoding="utf-8") as output:
                output.write(str(report["stderr"]))
        except (_Broken, OSError, ValueError, KeyError, TypeError):
            status, clean = None, False
        if not clean:
            self.close()
            return status if status is not None else self._ended_status
        return status

    def server_processes(self) -> list[psutil.Process]:
        """The template's own processes, which stay between kernels: bwrap, the sandbox's init,
        the server. (Every other process of the sandbox is a kernel's.)"""
        if self._server is None:
            return []
        with contextlib.suppress(psutil.Error):
            init = psutil.Process(self.sandbox.init.pid)
            return [psutil.Process(self._server.pid), init, *init.children()]
        return []

    def kernel_process(self):
        """The running kernel, as a psutil.Process (the server's oldest child), or None."""
        with contextlib.suppress(psutil.Error, ValueError, IndexError):
            server = self.server_processes()[-1]
            return min(server.children(), key=psutil.Process.create_time, default=None)
        return None

    def close(self) -> None:
        """Kill the server and all in its sandbox (a new one starts when next needed); its
        folders are removed once no kernel's files are read from them any more."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        for old in self._stale:
            old.close()
        self._stale = []
        if self._server is not None:
            kill_group(self._server)
            self._ended_status = self._server.wait()
            for pipe in (self._server.stdin, self._server.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self._server = None
        if self.sandbox is not None:
            self.sandbox.end()
            self._stale.append(self.sandbox)
            self.sandbox = None


def _allow_and_retry(function, path, _error) -> None:
    """rmtree's error handler: a folder the kernel made unreadable or unwritable."""
    os.chmod(os.path.dirname(path), 0o700)
    with contextlib.suppress(FileNotFoundError):
        if function is not os.rmdir and os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            shutil.rmtree(path)
        else:
            function(path)


class WarmKernel:
    """A kernel forked by the template, as jupyter_client's provisioner sees a process."""

    stdin = stdout = stderr = None
    pid = None

    def __init__(self, template: KernelTemplate):
        self._template, self.returncode = template, None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._template.answer(self, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired("kernel", timeout)
            self.returncode = self._template.answer(self, min(left, 1.0))
        return self.returncode

    def send_signal(self, _signal: int) -> None:
        """Any signal kills the kernel and all it started (interrupts are messages, never
        signals); the template goes on when its server answers in time, else it is ended."""
        if self.poll() is None:
            self._template.kill_kernel()
            try:
                self.wait(ANSWER_SECONDS)
            except subprocess.TimeoutExpired:
                self._template.close()
                self.returncode = self._template.answer(self, 0)

    def kill(self) -> None:
        self.send_signal(9)

    terminate = kill


class WarmProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, whose kernel is a fork of the template."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        self.process = self.parent.sandbox.fork_kernel(cmd)
        self.pid, self.pgid = None, None  # signals go to WarmKernel.send_signal
        self.cwd = str(self.parent.sandbox.work)
        return self.connection_info


class WarmKernelSandbox(KernelSandbox):
    """One notebook's run in the template's sandbox: :class:`KernelSandbox`'s folders, watchdog
    and copy-back, with the kernel forked by the template's server."""

    forked = True

    def __init__(self, template: KernelTemplate, folder: str | os.PathLike):
        self._start_state(template.settings, folder)
        self.template, server = template, template.sandbox
        self.uid_slot, self.root, self.init = server.uid_slot, server.root, server.init
        self.work, self.home, self.ipc = server.work, server.home, server.ipc
        self.output_path = server.output_path
        self.output_path.write_bytes(b"")  # what this kernel writes to stderr comes next
        self._prepare()

    def fork_kernel(self, command: list[str]) -> WarmKernel:
        return self.template.fork_kernel(command)

    def command(self, argv: list[str], files=None) -> list[str]:
        return argv  # the kernel is forked, not started: see WarmProvisioner

    def _launched(self) -> None:
        pass

    def _kill(self) -> None:
        self._process.kill()

    def _find_kernel(self):
        return self.template.kernel_process()

    def _nothing_left(self) -> bool:
        return True  # the server answered only once nothing of the kernel was left, else it was ended

    def close(self) -> None:
        self.end()  # the folders are the template's


_TEMPLATES: dict[tuple, KernelTemplate] = {}


def kernel_sandbox(settings: Sandbox, folder: str | os.PathLike) -> KernelSandbox:
    """The sandbox of one notebook's kernel: forked from this process's template
    (``c.Sandbox.warm_kernels``), else a fresh sandbox of its own."""
    if settings.warm_kernels:
        return kernel_template(settings).sandbox_for(folder)
    return KernelSandbox(settings, folder)


def kernel_template(settings: Sandbox) -> KernelTemplate:
    """This process's kernel template for these settings (its server starts when first used)."""
    key = (os.getpid(), json.dumps(settings.as_dict(), sort_keys=True))
    if key not in _TEMPLATES:
        close_templates()  # one warm template per process: the settings changed
        if not _TEMPLATES:
            multiprocessing.util.Finalize(None, close_templates, exitpriority=10)  # also in pool workers
        _TEMPLATES[key] = KernelTemplate(settings)
    return _TEMPLATES[key]


def waiting_processes() -> list[psutil.Process]:
    """The own processes of this process's kernel templates, which wait between kernels."""
    return [process for template in _TEMPLATES.values() for process in template.server_processes()]


def close_templates() -> None:
    """End this process's kernel templates and remove their folders."""
    for key in [key for key in _TEMPLATES if key[0] == os.getpid()]:
        template = _TEMPLATES.pop(key)
        template.close()
        template.close()  # the second time removes the folders the first left for the last kernel


