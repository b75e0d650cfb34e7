"""The grading sandbox: student kernels and the inspector run in bubblewrap (Linux).

``nbgrader autograde`` runs each submission in a Jupyter kernel. Without a
sandbox that kernel runs with the instructor's permissions: it can read
``solutions/``, classmates' submissions and ``gradebook.db``, write anywhere the
instructor can, use the network and kill the grader. Here every grading kernel
(:class:`SandboxedKernelManager`, used by
``autograde.preprocessors.sandboxed_execute.SandboxedExecute``) and every
short-lived helper (:func:`run_in_sandbox`, for the inspector) runs inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``):

What the sandbox sees
    Read-only: ``/usr`` and the ``/lib*``, ``/bin`` links, a few files of
    ``/etc`` (fonts, loader cache, time zone, alternatives), the Python
    installation (``sys.base_prefix``) and the virtualenv (``sys.prefix``), and
    the launcher :mod:`autograde.sandbox_launch`. Writable, for a kernel: a
    scratch copy of the student's folder (the kernel's working directory), a
    scratch home (``HOME``, ``MPLCONFIGDIR``, ``TMPDIR``) and the folder of the
    kernel's connection file and sockets; nothing else. For
    :func:`run_in_sandbox`: only a small private ``/tmp`` in memory. Nothing else
    of the course exists inside: no ``solutions/``, no other students, no
    gradebook, no ``nbgrader_config.py``, no exchange.

Namespaces
    No network (``--unshare-net``: the kernel is reached over Unix sockets in
    its IPC folder), its own PID namespace with ``--die-with-parent`` (nothing
    started inside outlives the sandbox or can see or signal the grader), own
    IPC and UTS namespaces, ``--new-session`` (no terminal to inject into), a
    cleared environment (``--clearenv``, then only what Python, ipykernel and
    matplotlib need; bwrap itself gets an almost empty one too, since its init,
    PID 1 inside, keeps it). The grader waits for that init to exit (bwrap
    ``--info-fd`` gives its pid) before it goes on: when a run ends, nothing
    that ran inside is left.

System calls
    A seccomp filter (:mod:`autograde.seccomp_filter`, loaded by bwrap's
    ``--seccomp`` after its ``--new-session``) refuses ``setsid`` (the sandbox
    stays one session, one scheduler autogroup: it shares the CPU fairly with
    the other sandboxes however many processes it runs), new namespaces
    (``unshare``, ``setns``, ``clone`` with ``CLONE_NEW*``; ``clone3`` says it
    does not exist) and mounts: no tmpfs of memory that no limit sees.

Limits
    Set by :mod:`autograde.sandbox_launch` before the command starts (see
    :class:`Sandbox`): address space, processes, file size, CPU time, no core
    files, open files, OOM score 1000 (the OOM killer picks the sandbox, not the
    grader). A thread of the grader (:class:`KernelSandbox`) watches what a
    per-process limit cannot: the time the notebook has run in all
    (``max_seconds``) and the disk its files take (``max_disk_mb``,
    ``max_files``: its folders, and the deleted files and memfds its processes
    still hold); it stops the kernel when one goes over.

Root or not
    Run as a normal user (an instructor), bwrap creates a user namespace in
    which the sandbox keeps the instructor's uid and has no capabilities
    (``--unshare-user --disable-userns``: it cannot make namespaces of its own
    either). Run as root (CI), a user namespace would map the sandbox's uid 0
    to the real root (root's 0600 files would be readable if bound) and the
    kernel exempts root from ``RLIMIT_NPROC``; so as root bwrap makes no user
    namespace and keeps only ``CAP_SETUID``/``CAP_SETGID`` (``--cap-drop ALL
    --cap-add ...``), and the launcher drops to an unprivileged uid of its own
    (``SANDBOX_UID_BASE`` + a slot held with a lock file, unique among the
    sandboxes running at the same time, so each has its own process count)
    before anything else runs; its writable folders are chowned to that uid.
    Without a user namespace bwrap cannot forbid the sandbox to make one (with
    it, the sandbox's uid would be root in it, and could mount): the seccomp
    filter does.

The grader talks to a kernel through socket files in a folder the kernel can
write. A kernel could replace one with a symlink to a socket of the host; the
grader's ZeroMQ client would then send only its fixed ZMTP greeting there (no
message is sent before a ZeroMQ peer answers), and another kernel's socket
rejects messages signed with a different key.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from traitlets import Bool, DottedObjectName, Integer, Unicode, default
from traitlets.config import Configurable

from autograde import seccomp_filter

MB = 1024 * 1024
#: The launcher, bound read-only at :data:`LAUNCHER_INSIDE` in every sandbox.
LAUNCHER = Path(__file__).with_name("sandbox_launch.py")
LAUNCHER_INSIDE = "/sandbox/launch.py"
#: As root, the sandboxes run as uids SANDBOX_UID_BASE + slot (slot < SANDBOX_SLOTS): above
#: regular users (1000+), subordinate ranges (100000+) and sssd's default id mapping
#: (up to 2000200000), below 2**31 (some tools treat larger uids as negative).
SANDBOX_UID_BASE = 2_100_000_000
SANDBOX_SLOTS = 1000
#: bubblewrap 0.8 brought --disable-userns and tmpfs --size (Debian 12, Ubuntu 24.04 have it).
MIN_BWRAP_VERSION = (0, 8)
#: What of /etc the kernel needs: fontconfig's configuration, the dynamic loader's cache, the
#: time zone, and Debian's alternatives links (so /usr/bin tools that point there work).
ETC_PATHS = ("/etc/fonts", "/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives")
#: Never exposed by run_in_sandbox's ``readable`` folders, even when inside one: nbgrader's
#: state as this course configures it (under autograde/) and the course configuration.
NEVER_READABLE = ("gradebook.db", "gradebook.db-journal", "submitted", "autograded", "feedback",
                  "exchange", "source_with_tests", "solution", "reports", "grades.csv",
                  "nbgrader_config.py", "solutions")
# Names of the limits, as recorded in resources["sandbox"]["limit"].
CPU, MEMORY, PROCESSES, FILE_SIZE, DISK, TIMEOUT, NOTEBOOK_TIME = (
    "cpu", "memory", "processes", "file_size", "disk", "timeout", "notebook_time")


class Sandbox(Configurable):
    """Settings of the grading sandbox (``c.Sandbox.<name>`` in ``nbgrader_config.py``)."""

    enabled = Bool(True, help=(
        "Run every grading kernel in a bubblewrap sandbox. Turn it off only to grade "
        "trusted notebooks on a machine without bubblewrap: without it, student code runs "
        "with your permissions (it can read solutions/ and the gradebook, and change them)."
    )).tag(config=True)
    memory_mb = Integer(2048, help=(
        "Address space of each process in the sandbox, in MB (RLIMIT_AS). Allocating "
        "beyond it raises MemoryError.")).tag(config=True)
    max_processes = Integer(64, help=(
        "Processes and threads the sandbox may run at once (RLIMIT_NPROC); the kernel "
        "itself uses about ten.")).tag(config=True)
    max_file_mb = Integer(64, help=(
        "Largest file a sandboxed process may write, in MB (RLIMIT_FSIZE); writing beyond "
        "fails with EFBIG ('File too large').")).tag(config=True)
    max_disk_mb = Integer(256, help=(
        "Disk a notebook may fill with all the files it writes, in MB (deleted files its "
        "processes still hold open, and files in memory, count too); the grader stops the "
        "kernel when it goes over.")).tag(config=True)
    max_files = Integer(10000, help=(
        "Files and folders a notebook may create; the grader stops the kernel when it "
        "goes over.")).tag(config=True)
    cpu_seconds = Integer(120, help=(
        "CPU time of each process in the sandbox, in seconds (RLIMIT_CPU): SIGXCPU stops "
        "it.")).tag(config=True)
    max_seconds = Integer(300, help=(
        "Wall-clock time a notebook may take in all, from its kernel's start to its last "
        "cell, in seconds (an honest notebook takes a few seconds; each cell also has "
        "c.Execute.timeout); the grader stops the kernel when it goes over.")).tag(config=True)
    max_output_mb = Integer(20, help=(
        "Output a notebook may send back to the grader in all its cells, in MB (whole "
        "messages: text, images, metadata, binary buffers, display updates, widget state); "
        "beyond it, its cells' further output is dropped with a note. The grader's own cell "
        "that records the grading calls has a budget of its own.")).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap program (a name on PATH or a path).").tag(
        config=True)

    def as_dict(self) -> dict:
        """The settings, for the record kept with each graded notebook."""
        names = ("enabled", "memory_mb", "max_processes", "max_file_mb", "max_disk_mb",
                 "max_files", "cpu_seconds", "max_seconds", "max_output_mb", "bwrap")
        return {name: getattr(self, name) for name in names}


class SandboxUnavailable(RuntimeError):
    """The sandbox is enabled but bubblewrap cannot run here; the message says how to fix it."""


def limit_message(limit: str, settings: Sandbox, *, stopped: bool = True,
                  subject: str = "the notebook", timeout: float | None = None) -> str:
    """A plain-words sentence naming the sandbox limit that ``subject`` went over."""
    what = {
        CPU: f"used more than {settings.cpu_seconds} s of CPU time",
        MEMORY: f"tried to use more than {settings.memory_mb} MB of memory",
        PROCESSES: f"tried to run more than {settings.max_processes} processes or threads at "
                   "once",
        FILE_SIZE: f"tried to write a file larger than {settings.max_file_mb} MB",
        DISK: f"wrote more than {settings.max_disk_mb} MB (or {settings.max_files} files) to "
              "disk",
        TIMEOUT: f"ran for more than {timeout} s",
        NOTEBOOK_TIME: f"ran for more than {settings.max_seconds} s in all",
    }[limit]
    return f"{subject} {what} (the grading sandbox's limit)" + (" and was stopped" if stopped
                                                                 else "")


def limit_in_error(ename: str, evalue: str, traceback: str = "") -> str | None:
    """The limit a Python error raised inside the sandbox shows, if any."""
    if "MemoryError" in ename:
        return MEMORY
    starting = ("fork" in traceback or "Popen" in traceback or "spawn" in traceback)
    if (ename == "BlockingIOError" and starting) or "can't start new thread" in evalue:
        return PROCESSES  # fork/clone fails with EAGAIN at RLIMIT_NPROC
    if f"[Errno {errno.EFBIG}]" in evalue:
        return FILE_SIZE
    return None


# --- is bubblewrap usable here? ---------------------------------------------------------------

def _running_as_root() -> bool:
    return os.geteuid() == 0


def _read_sysctl(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


_HOW_TO_SKIP = (
    "To grade without the sandbox anyway (student code then runs with your own permissions "
    "and can read or change solutions/ and the gradebook), pass --no-sandbox to "
    "`python -m autograde grade`, or set c.Sandbox.enabled = False in nbgrader_config.py.")


def _explain_failure(stderr: str) -> str:
    lines = [f"The grading sandbox (bubblewrap) does not work here: {stderr.strip()[:300]}"]
    if _read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        lines.append(
            "Ubuntu (23.10 and later) restricts unprivileged user namespaces with AppArmor "
            "(kernel.apparmor_restrict_unprivileged_userns = 1). Load Ubuntu's AppArmor "
            "profile for bwrap (Ubuntu 25.04 loads it already): `sudo apt-get install "
            "apparmor-profiles && sudo install -m 0644 "
            "/usr/share/apparmor/extra-profiles/bwrap-userns-restrict /etc/apparmor.d/ && "
            "sudo apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict`, or lift the "
            "restriction with `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, "
            "or grade as root.")
    if _read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        lines.append("Unprivileged user namespaces are off: enable them with "
                     "`sudo sysctl kernel.unprivileged_userns_clone=1`.")
    if _read_sysctl("/proc/sys/user/max_user_namespaces") == "0":
        lines.append("User namespaces are off: enable them with "
                     "`sudo sysctl user.max_user_namespaces=15000`.")
    if len(lines) == 1:
        lines.append("Run by a normal user, bwrap needs unprivileged user namespaces "
                     "(`sudo sysctl kernel.unprivileged_userns_clone=1` on Debian 10; on "
                     "Ubuntu 24.04 see kernel.apparmor_restrict_unprivileged_userns); inside a "
                     "container it also needs the container to allow namespaces and mounts "
                     "(Docker: --cap-add SYS_ADMIN --security-opt seccomp=unconfined "
                     "--security-opt apparmor=unconfined).")
    lines.append(_HOW_TO_SKIP)
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _probe(bwrap: str, uid: int) -> str | None:
    if not sys.platform.startswith("linux"):
        return ("The grading sandbox uses bubblewrap, which exists only on Linux; grade on a "
                "Linux machine (or a Linux container / VM). " + _HOW_TO_SKIP)
    install = ("`sudo apt-get install bubblewrap` (Debian 12, Ubuntu 24.04), "
               "`sudo dnf install bubblewrap` (Fedora)")
    if shutil.which(bwrap) is None:
        return ("bubblewrap (bwrap) is not installed, and every grading kernel runs in it. "
                f"Install it: {install}. " + _HOW_TO_SKIP)
    try:
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.split()[-1]
        too_old = tuple(int(part) for part in version.split(".")[:2]) < MIN_BWRAP_VERSION
    except (OSError, IndexError, ValueError, subprocess.TimeoutExpired):
        version, too_old = "of unknown version", False
    if too_old:
        return (f"bubblewrap {version} is too old for the grading sandbox, which needs "
                f"{'.'.join(map(str, MIN_BWRAP_VERSION))} or later (--disable-userns, --size): "
                f"{install}. " + _HOW_TO_SKIP)
    try:
        _seccomp_program()
    except seccomp_filter.UnsupportedMachine as error:
        return f"{str(error).capitalize()}. " + _HOW_TO_SKIP
    settings = Sandbox(bwrap=bwrap)
    # The system-call filter must be in place: setsid() is refused.
    probe = "import os\ntry:\n    os.setsid()\nexcept PermissionError:\n    print('sandbox ok')"
    try:
        result = run_in_sandbox([sys.executable, "-I", "-S", "-c", probe],
                                input=b"", timeout=30, readable=[], settings=settings,
                                check_available=False)
    except OSError as error:
        return _explain_failure(str(error))
    if result.returncode != 0 or result.stdout.strip() != b"sandbox ok":
        return _explain_failure(result.stderr.decode(errors="replace") or
                                f"exit status {result.returncode}")
    return None


def sandbox_problem(settings: Sandbox) -> str | None:
    """None when bubblewrap works here, else what to do about it (tried once per process)."""
    return _probe(settings.bwrap, os.geteuid())


# --- what every sandbox gets -------------------------------------------------------------------

class Mounts:
    """The filesystem of a sandbox, as bwrap arguments, in order (a later mount wins).

    bwrap creates the missing parents of a mount point with mode 0700, which the
    sandbox's own uid could not cross (as root); every parent is created here first,
    mode 0755.
    """

    def __init__(self):
        self.args: list[str] = []
        self._made = {"/", "/dev", "/proc"}  # bwrap_command makes /dev and /proc first

    def _parents(self, destination: str) -> None:
        for parent in reversed(Path(destination).parents):
            if str(parent) not in self._made:
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self._made.add(str(parent))

    def _add(self, destination: str, *args: str) -> Mounts:
        self._parents(destination)
        self.args += args
        self._made.add(destination)
        return self

    def read_only(self, source: str | os.PathLike, destination: str | None = None, *,
                  optional: bool = False) -> Mounts:
        destination = str(destination or source)
        return self._add(destination, "--ro-bind-try" if optional else "--ro-bind",
                         str(source), destination)

    def writable(self, folder: str | os.PathLike, destination: str | None = None) -> Mounts:
        destination = str(destination or folder)
        return self._add(destination, "--bind", str(folder), destination)

    def tmpfs(self, destination: str, *, perms: str, size: int | None = None) -> Mounts:
        size_args = ["--size", str(size)] if size else []
        return self._add(destination, "--perms", perms, *size_args, "--tmpfs", destination)

    def folder(self, destination: str, *, perms: str) -> Mounts:
        return self._add(destination, "--perms", perms, "--dir", destination)

    def symlink(self, target: str, destination: str) -> Mounts:
        return self._add(destination, "--symlink", target, destination)

    def hide(self, path: Path, empty_file: Path) -> Mounts:
        """An empty folder, or ``empty_file``, in place of ``path``."""
        if path.is_dir() and not path.is_symlink():
            return self.tmpfs(str(path), perms="0755", size=4096)
        return self.read_only(empty_file, str(path))

    def system(self) -> Mounts:
        """The read-only system view: /usr, the /lib* links, a few /etc files, Python."""
        self.read_only("/usr")
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / name
            if path.is_symlink():
                self.symlink(os.readlink(path), str(path))
            elif path.is_dir():
                self.read_only(path)
        for path in ETC_PATHS:
            self.read_only(path, optional=True)
        # The interpreter's own installation and the virtualenv.
        for prefix in dict.fromkeys([sys.base_prefix, sys.prefix]):
            self.read_only(prefix)
        return self.read_only(LAUNCHER, LAUNCHER_INSIDE)


def _clean_env(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The sandbox's whole environment: what Python, ipykernel and matplotlib need."""
    env = {
        "PATH": os.pathsep.join([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": home,
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "TMPDIR": os.path.join(home, "tmp"),
        "LANG": "C.UTF-8",
        # one thread each: the process limit counts threads, and a grader runs kernels in parallel
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in the student's folder
    }
    # nbgrader tells the notebook it is being graded (NBGRADER_EXECUTION=autograde).
    env.update({k: v for k, v in os.environ.items() if k.startswith("NBGRADER_")})
    env.update(extra or {})
    return env


@functools.lru_cache(maxsize=1)
def _font_cache_files() -> tuple[Path, ...]:
    """The grader's matplotlib font cache (built here once if missing): kernels reuse it."""
    import matplotlib

    cache = Path(matplotlib.get_cachedir())
    files = tuple(sorted(cache.glob("fontlist-v*.json")))
    if not files:
        import matplotlib.font_manager  # noqa: F401 (building the font list writes the cache)
        files = tuple(sorted(cache.glob("fontlist-v*.json")))
    return files


class _UidSlot:
    """As root: an unprivileged uid of our own while the sandbox runs (a locked slot file)."""

    def __init__(self):
        folder = Path("/run/autograde-sandbox")
        if not Path("/run").is_dir():
            folder = Path(tempfile.gettempdir()) / "autograde-sandbox-uids"
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            raise SandboxUnavailable(f"{folder} must be a folder owned by root, not writable "
                                     "by others (it holds the sandboxes' uid locks)")
        for slot in range(SANDBOX_SLOTS):
            descriptor = os.open(folder / f"uid-{slot}.lock", os.O_RDWR | os.O_CREAT
                                 | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            self._descriptor = descriptor
            self.uid = self.gid = SANDBOX_UID_BASE + slot
            return
        raise SandboxUnavailable(f"more than {SANDBOX_SLOTS} sandboxes running at once")

    def release(self):
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def _limits_spec(settings: Sandbox, uid_slot: _UidSlot | None) -> str:
    return json.dumps({
        "as": settings.memory_mb * MB, "nproc": settings.max_processes,
        "fsize": settings.max_file_mb * MB, "cpu": settings.cpu_seconds, "nofile": 1024,
        "uid": uid_slot.uid if uid_slot else None, "gid": uid_slot.gid if uid_slot else None,
    })


@functools.lru_cache(maxsize=1)
def _seccomp_program() -> bytes:
    return seccomp_filter.program()


def seccomp_pipe() -> int:
    """A pipe's reading end that holds the sandbox's system-call filter, for ``--seccomp``.

    bwrap reads it to its end; the program (under 1 KB) fits in the pipe's buffer, so it
    is written and the writing end closed at once. The caller closes the returned
    descriptor once bwrap has started.
    """
    reader, writer = os.pipe()
    try:
        os.write(writer, _seccomp_program())
    except BaseException:
        os.close(reader)
        raise
    finally:
        os.close(writer)
    return reader


def bwrap_command(settings: Sandbox, argv: list[str], *, env: dict[str, str], chdir: str,
                  uid_slot: _UidSlot | None, mounts: Mounts, info_fd: int,
                  seccomp_fd: int) -> list[str]:
    """The full bwrap command line that runs ``argv`` in a sandbox with ``mounts``.

    bwrap writes the pid of the sandbox's init to ``info_fd`` (see :class:`SandboxInit`)
    and reads the system-call filter from ``seccomp_fd`` (see :func:`seccomp_pipe`).
    """
    command = [shutil.which(settings.bwrap) or settings.bwrap, "--info-fd", str(info_fd),
               "--seccomp", str(seccomp_fd)]
    if uid_slot is not None:
        # Root: no user namespace (it would map the sandbox's uid 0 to the real root); keep
        # only what the launcher needs to switch to the sandbox's own uid.
        command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                    "--unshare-cgroup-try", "--cap-drop", "ALL",
                    "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-all", "--unshare-user", "--disable-userns"]
    command += ["--die-with-parent", "--new-session", "--hostname", "grading-sandbox",
                "--clearenv"]
    for name, value in env.items():
        command += ["--setenv", name, value]
    command += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"] + mounts.args
    command += ["--remount-ro", "/", "--chdir", chdir, "--"]
    command += [sys.executable, "-I", "-S", LAUNCHER_INSIDE, _limits_spec(settings, uid_slot)]
    return command + list(argv)


class SandboxInit:
    """The sandbox's init process (PID 1 inside), as seen from the grader.

    bwrap returns as soon as the command exits, while the kernel is still killing
    whatever else ran inside; the sandbox is gone only when its init has exited
    (a PID namespace's init exits last). :meth:`wait_gone` waits for that, so that
    nothing of a finished sandbox is still running when the grader goes on.
    """

    def __init__(self):
        self._read, self.write_fd = os.pipe()
        self.pid: int | None = None
        self._started = 0.0

    def read(self, timeout: float = 10.0) -> None:
        """After launch: read the init's pid that bwrap writes once the sandbox exists."""
        os.close(self.write_fd)
        data, deadline = b"", time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([self._read], [], [], deadline - time.monotonic())
                chunk = os.read(self._read, 4096) if ready else b""
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(self._read)
        with contextlib.suppress(ValueError, KeyError):  # bwrap failed before it started
            self.pid = json.loads(data)["child-pid"]
        with contextlib.suppress(Exception):
            import psutil
            self._started = psutil.Process(self.pid).create_time()

    def wait_gone(self, timeout: float = 10.0) -> bool:
        """Wait until the init (and so every process of the sandbox) has exited."""
        if self.pid is None:
            return True
        import psutil

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                init = psutil.Process(self.pid)
                if init.create_time() != self._started or init.status() == psutil.STATUS_ZOMBIE:
                    return True
            except psutil.NoSuchProcess:
                return True
            time.sleep(0.02)
        return False


# --- short-lived commands (the inspector) ----------------------------------------------------

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
    uid_slot = _UidSlot() if _running_as_root() else None
    try:
        with tempfile.TemporaryDirectory(prefix="agsbx-io-") as private:
            stdin_path, out_path, err_path = (Path(private) / n for n in ("in", "out", "err"))
            stdin_path.write_bytes(input)
            empty = Path(private) / "empty"
            empty.touch(mode=0o644)
            # /tmp: a small tmpfs of its own (first: the virtualenv may live under /tmp);
            # HOME, TMPDIR and MPLCONFIGDIR in it, the grader's font cache read-only.
            mounts = Mounts().tmpfs("/tmp", perms="1777", size=max(settings.max_disk_mb, 1) * MB)
            for folder in ("home", "home/tmp", "home/.config", "home/.config/matplotlib"):
                mounts.folder(f"/tmp/{folder}", perms="0777")
            for font_cache in _font_cache_files():
                mounts.read_only(font_cache, f"/tmp/home/.config/matplotlib/{font_cache.name}")
            mounts.system()
            for path in map(Path, readable):
                path = path.resolve()
                mounts.read_only(path)
                if path.is_dir():
                    for name in NEVER_READABLE:
                        if (path / name).exists() or (path / name).is_symlink():
                            mounts.hide(path / name, empty)
            init, seccomp_fd = SandboxInit(), seccomp_pipe()
            command = bwrap_command(settings, argv, env=_clean_env("/tmp/home"), chdir=cwd,
                                    uid_slot=uid_slot, mounts=mounts, info_fd=init.write_fd,
                                    seccomp_fd=seccomp_fd)
            with open(stdin_path, "rb") as stdin, open(out_path, "wb") as stdout, \
                    open(err_path, "wb") as stderr:
                try:
                    process = subprocess.Popen(command, stdin=stdin, stdout=stdout,
                                               stderr=stderr, env=_bwrap_env(),
                                               start_new_session=True,
                                               pass_fds=(init.write_fd, seccomp_fd))
                finally:
                    os.close(seccomp_fd)
                init.read()
                try:
                    returncode = process.wait(timeout=timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    _kill_group(process)
                    returncode = process.wait()
                    timed_out = True
                init.wait_gone()
            out, err = out_path.read_bytes(), err_path.read_bytes()
    finally:
        if uid_slot:
            uid_slot.release()
    limit = TIMEOUT if timed_out else _limit_from_status(returncode, err, settings)
    return SandboxResult(returncode, out, err, limit)


def _bwrap_env() -> dict[str, str]:
    """bwrap's own environment: nearly empty, as the sandbox's init keeps it.

    (--clearenv clears the command's environment, not bwrap's; its init process,
    PID 1 inside, keeps its own, and a normal user's sandbox can read its
    /proc/1/environ. The grader's environment may well hold tokens.)
    """
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL bwrap's process group; --die-with-parent then ends everything inside."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _limit_from_status(returncode: int, stderr: bytes, settings: Sandbox) -> str | None:
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


# --- grading kernels ---------------------------------------------------------------------------

def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(MB), b""):
            sha.update(block)
    return sha.hexdigest()


def _regular_files(folder: Path):
    """(relative path, lstat) of the regular files under ``folder``; links are not followed."""
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = [d for d in subfolders if not os.path.islink(os.path.join(directory, d))]
        for name in files:
            path = Path(directory) / name
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                yield path.relative_to(folder), info


def _disk_usage(folders, max_entries: int) -> tuple[int, int]:
    """(bytes on disk, entries) under ``folders``, counting stops a little past ``max_entries``."""
    used, entries = 0, 0
    pending = [str(f) for f in folders]
    while pending and entries <= max_entries:
        with contextlib.suppress(OSError), os.scandir(pending.pop()) as listing:
            for entry in listing:
                entries += 1
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    used += info.st_blocks * 512
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(entry.path)
    return used, entries


def _sandbox_processes(init_pid: int):
    """The pids of the sandbox's init and of every process under it.

    Nothing started in a sandbox leaves its tree: the sandbox is a PID namespace whose
    init (bwrap's) adopts orphans, and no process can leave it. So a walk of
    ``/proc/<pid>/task/<tid>/children`` from the init finds them all, without listing
    every process of the machine.
    """
    pending = [init_pid]
    while pending:
        pid = pending.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:  # gone
            continue
        yield pid
        for thread in threads:
            with contextlib.suppress(OSError), \
                    open(f"/proc/{pid}/task/{thread}/children") as children:
                pending.extend(int(child) for child in children.read().split())


def _unlinked_blocks(path: str, device: int, seen: set) -> int:
    """Bytes allocated to the file a /proc link points at, if it is a deleted file of the
    scratch folders' ``device`` or a memfd (a file in memory) not counted yet; else 0."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink or (info.st_dev, info.st_ino) in seen:
            return 0
        if info.st_dev != device and not os.readlink(path).startswith("/memfd:"):
            return 0  # e.g. a library replaced on disk while the kernel had it mapped
    except OSError:
        return 0
    seen.add((info.st_dev, info.st_ino))
    return info.st_blocks * 512


def _mapped_unlinked_bytes(pid: int, device: int, seen: set) -> int:
    """Bytes of deleted files (and memfds) that ``pid`` has mapped, maybe with no descriptor
    left open. Their blocks are read through /proc/<pid>/map_files, which only root may
    read; otherwise the mapped length counts (a lower bound)."""
    try:
        with open(f"/proc/{pid}/maps") as maps:
            deleted = [line.split(maxsplit=5) for line in maps if line.endswith(" (deleted)\n")]
    except OSError:
        return 0
    held = 0
    for span, _perms, _offset, dev, inode, path in (f for f in deleted if len(f) == 6):
        try:
            os.stat(f"/proc/{pid}/map_files/{span}")
        except PermissionError:  # not root: what is mapped of it
            major, minor = (int(part, 16) for part in dev.split(":"))
            key = (os.makedev(major, minor), int(inode))
            if key not in seen and (key[0] == device or path.startswith("/memfd:")):
                seen.add(key)
                start, end = (int(part, 16) for part in span.split("-"))
                held += end - start
            continue
        except (OSError, ValueError):
            continue
        held += _unlinked_blocks(f"/proc/{pid}/map_files/{span}", device, seen)
    return held


def held_files_bytes(init_pid: int, device: int) -> int:
    """Bytes allocated to files that a sandbox's processes hold but no folder shows.

    A file deleted while still open (or mapped) keeps its blocks until the last process
    lets go of it, and a memfd is a file in memory with no name at all: a notebook could
    fill the disk (or the memory) with them unseen by a walk of its folders. They are
    found through each process's open descriptors and mappings. (Its threads share its
    descriptors: the seccomp filter refuses a thread with a table of its own.)
    """
    seen: set[tuple[int, int]] = set()
    held = 0
    for pid in _sandbox_processes(init_pid):
        with contextlib.suppress(OSError), os.scandir(f"/proc/{pid}/fd") as descriptors:
            for descriptor in descriptors:
                held += _unlinked_blocks(descriptor.path, device, seen)
        held += _mapped_unlinked_bytes(pid, device, seen)
    return held


class KernelSandbox:
    """One grading kernel's sandbox: scratch folders, uid, bwrap command, disk watchdog.

    Use as a context manager; ``work`` is a copy of ``folder`` (regular files and folders
    only: a symlink could point at what the sandbox must not see) and becomes the kernel's
    working directory. :meth:`copy_back` brings new and changed files back.

    The watchdog (a thread of the grader, from :meth:`watch`) stops the kernel when the
    notebook has run for ``max_seconds`` in all, or when its files take more than
    ``max_disk_mb`` (or ``max_files``): the files in its folders, and the deleted files
    and memfds its processes still hold (:func:`held_files_bytes`).
    """

    WATCH_INTERVAL = 0.25  # seconds between two looks at the disk
    HELD_FILES_EVERY = 4   # looks; held files cost more to find (about 1 ms a process)

    def __init__(self, settings: Sandbox, folder: str | os.PathLike):
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
        self.uid_slot: _UidSlot | None = None
        self.root: Path | None = None
        try:
            self.uid_slot = _UidSlot() if _running_as_root() else None
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

    def _prepare(self) -> None:
        self.work.mkdir()
        for relative, _ in _regular_files(self.folder):
            target = self.work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.folder / relative, target, follow_symlinks=False)
            self._before[str(relative)] = _digest(target)
        config = self.home / ".config" / "matplotlib"
        config.mkdir(parents=True)
        (self.home / "tmp").mkdir()
        # /dev/shm (read-only in bwrap's /dev): POSIX semaphores and shared memory, which
        # multiprocessing's locks and pools need. On disk here, so the disk limit counts it.
        (self.home / "shm").mkdir()
        for font_cache in _font_cache_files():  # else every kernel rebuilds it (seconds)
            shutil.copyfile(font_cache, config / font_cache.name)
        self.ipc.mkdir()
        if self.uid_slot:
            for top in (self.work, self.home, self.ipc):
                for directory, subfolders, files in os.walk(top):
                    for name in [directory] + [os.path.join(directory, n) for n in
                                               subfolders + files]:
                        os.chown(name, self.uid_slot.uid, self.uid_slot.gid,
                                 follow_symlinks=False)
        self.baseline = _disk_usage([self.work, self.home, self.ipc], 10 ** 9)

    def command(self, argv: list[str]) -> list[str]:
        """The bwrap command line that runs ``argv`` (the kernel) in this sandbox."""
        mounts = Mounts().system()
        for folder in (self.work, self.home, self.ipc):
            mounts.writable(folder)
        mounts.writable(self.home / "shm", "/dev/shm")
        # ipykernel polls its parent unless that is PID 1, which here it is (bwrap's init):
        # an inherited JPY_PARENT_PID would make it quit at once.
        env = _clean_env(str(self.home), {"JPY_PARENT_PID": "1"})
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
        self._close_seccomp_fd()  # bwrap has its own copy
        self.init.read()
        self._watchdog = threading.Thread(target=self._watch, name="sandbox-watchdog",
                                          daemon=True)
        self._watchdog.start()

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
            used, entries = _disk_usage([self.work, self.home, self.ipc], max_entries)
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
        _kill_group(self._process)

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
            _kill_group(self._process)
            self._process.wait()
        if self.init is not None and not self.init.wait_gone():
            raise RuntimeError("the grading sandbox did not end (its init process lives on)")

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
        for relative, info in sorted(_regular_files(self.work)):
            name = str(relative)
            if relative.suffix in (".ipynb", ".pyc") or {"__pycache__", ".ipynb_checkpoints"} \
                    & set(relative.parts):
                continue
            if info.st_size > self.settings.max_file_mb * MB:
                skipped.append(f"{name}: larger than {self.settings.max_file_mb} MB")
                continue
            if self._before.get(name) == _digest(self.work / relative):
                continue  # unchanged
            if total + info.st_size > self.settings.max_disk_mb * MB or \
                    len(copied) >= self.settings.max_files:
                skipped.append(f"{name}: over the sandbox's disk limit")
                continue
            try:
                _copy_without_links(self.work / relative, destination, relative.parts)
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


def _copy_without_links(source: Path, destination: Path, parts: tuple[str, ...]) -> None:
    """Copy ``source`` to ``destination/parts...`` creating folders; never through a symlink."""
    folder = os.open(destination, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=folder)
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        reader = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            if not stat.S_ISREG(os.fstat(reader).st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            writer = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                             0o644, dir_fd=folder)
            try:
                while block := os.read(reader, MB):
                    os.write(writer, block)
            finally:
                os.close(writer)
        finally:
            os.close(reader)
    finally:
        os.close(folder)


#: Largest single message the grader accepts from a sandboxed kernel: a larger one is dropped
#: by ZeroMQ before it reaches the grader's memory (a notebook's output is capped anyway by
#: ``Sandbox.max_output_mb``; one message could otherwise be as large as the kernel's memory).
MAX_MESSAGE_BYTES = 64 * MB
#: Messages a socket of the grader queues before it stops reading from the kernel (ZeroMQ's
#: default is 1000, each up to MAX_MESSAGE_BYTES: gigabytes, queued before the grader looks
#: at them). When the queue is full the kernel's side waits (or, for its output socket,
#: drops what it cannot send): the backlog is in the sandbox's memory, not the grader's.
RECEIVE_QUEUE_MESSAGES = 4


#: Most JSON values (the Python objects that parsing makes) one message may hold. Parsing
#: multiplies what a value costs: the 3 bytes of ``[],`` become a 64-byte list, so that one
#: message within MAX_MESSAGE_BYTES could take gigabytes of the grader's memory before any
#: budget can look at it. Honest messages are a few dozen values and long strings (text,
#: base64 images, the evidence's pickles); a big JSON output (a plotly figure) a few 10 000.
MAX_MESSAGE_VALUES = 1_000_000
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')


def json_values(text: bytes) -> int:
    """At most how many values parsing the JSON ``text`` makes: one per separator (``,``,
    ``:``) and container, plus one; a string is one value whatever it holds."""
    def count(text: bytes) -> int:
        return sum(text.count(mark) for mark in (b",", b":", b"[", b"{")) + 1

    values = count(text)  # fast; commas inside strings (printed text) count too
    if values > MAX_MESSAGE_VALUES:
        values = count(_JSON_STRING.sub(b'""', text))  # slower: without the strings
    return values


class SandboxedSession(Session):
    """jupyter_client's Session, which refuses to parse a message of too many JSON values.

    The refusal is an error where the grader reads the kernel's messages: the notebook
    stops there, is graded, and is flagged (:class:`SandboxedExecute`).
    """

    def deserialize(self, msg_list, content=True, copy=True):
        if content:
            values = sum(json_values(frame if isinstance(frame, bytes) else bytes(frame))
                         for frame in msg_list[1:5])  # header, parent, metadata, content
            if values > MAX_MESSAGE_VALUES:
                raise ValueError(f"a message of more than {MAX_MESSAGE_VALUES} JSON values "
                                 f"({values}), not parsed")
        return super().deserialize(msg_list, content=content, copy=copy)


def _grader_context() -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets take at most MAX_MESSAGE_BYTES a message and queue at
    most RECEIVE_QUEUE_MESSAGES from a sandboxed kernel."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # for every socket made from it
    context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE_MESSAGES)
    return context


class SandboxedKernelClient(AsyncKernelClient):
    """The grader's end of a sandboxed kernel's sockets, with caps on what they hold."""

    @default("context")
    def _context_default(self):
        self._created_context = True  # ours to destroy, as jupyter_client's default is
        return _grader_context()


class SandboxedKernelManager(AsyncKernelManager):
    """An ipykernel started inside a :class:`KernelSandbox` (for nbclient).

    The kernel is ``python -m ipykernel_launcher`` of this interpreter, whatever the
    notebook's kernelspec says; it talks over IPC sockets in the sandbox's IPC folder
    (TCP cannot cross the sandbox's empty network namespace); interrupts are sent as
    messages (a SIGINT would reach bwrap, not the kernel).
    """

    client_class = DottedObjectName("autograde.sandbox.SandboxedKernelClient")

    @default("client_factory")
    def _client_factory_default(self):
        # AsyncKernelManager's own default (AsyncKernelClient) would win over client_class:
        # without this the caps above never reached the client that reads the kernel.
        return SandboxedKernelClient

    @default("context")
    def _context_default(self):
        self._created_context = True  # ours to destroy, as jupyter_client's default is
        return _grader_context()  # the manager's own control socket, too

    @default("session")
    def _session_default(self):
        return SandboxedSession(parent=self)  # the client's too (manager.client() gives it a clone)

    def __init__(self, *, sandbox: KernelSandbox, **kwargs):
        self.sandbox = sandbox
        super().__init__(transport="ipc", ip=str(sandbox.ipc / "kernel"),
                         connection_file=str(sandbox.ipc / "kernel.json"), **kwargs)

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (grading sandbox)", language="python",
                interrupt_mode="message", name="python3")
        return self._kernel_spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return self.sandbox.command(super().format_kernel_cmd(extra_arguments))

    async def _async_pre_start_kernel(self, **kw):
        kw["cwd"] = str(self.sandbox.root)  # bwrap's own; the kernel's is set with --chdir
        kw["stdout"] = kw["stderr"] = open(self.sandbox.output_path, "ab")  # noqa: SIM115
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # both made with the command line
        kw["pass_fds"] = (self.sandbox.init.write_fd, self.sandbox.seccomp_fd)
        kw["env"] = _bwrap_env()  # not the grader's: the sandbox's init would keep it
        self.sandbox.give_to_sandbox(self.connection_file)  # written by pre_launch
        return kernel_cmd, kw

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            kw["stdout"].close()  # the kernel has its own copy of the descriptor
        self.sandbox.watch(self.provisioner.process)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.sandbox.stop_watching()
        await super()._async_cleanup_resources(restart=restart)

