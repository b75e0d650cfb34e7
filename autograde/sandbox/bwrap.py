"""What every sandbox gets: its mounts, environment, uid, limits and system-call filter, as one
bwrap command line, and its init process as seen from the grader."""
from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import seccomp
from .settings import MB, Sandbox, SandboxUnavailable

#: The launcher, bound read-only at :data:`LAUNCHER_INSIDE` in every sandbox.
LAUNCHER = Path(__file__).with_name("launch.py")
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


def running_as_root() -> bool:
    """As root the sandbox runs under a uid of its own (:class:`UidSlot`), without a user namespace."""
    return os.geteuid() == 0


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


def sandbox_env(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
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
def font_cache_files() -> tuple[Path, ...]:
    """The grader's matplotlib font cache (built here once if missing): kernels reuse it."""
    import matplotlib

    cache = Path(matplotlib.get_cachedir())
    files = tuple(sorted(cache.glob("fontlist-v*.json")))
    if not files:
        import matplotlib.font_manager  # noqa: F401 (building the font list writes the cache)
        files = tuple(sorted(cache.glob("fontlist-v*.json")))
    return files


class UidSlot:
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


def _limits_spec(settings: Sandbox, uid_slot: UidSlot | None) -> str:
    return json.dumps({
        "as": settings.memory_mb * MB, "nproc": settings.max_processes,
        "fsize": settings.max_file_mb * MB, "cpu": settings.cpu_seconds, "nofile": 1024,
        "uid": uid_slot.uid if uid_slot else None, "gid": uid_slot.gid if uid_slot else None,
    })


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    return seccomp.program()


def seccomp_pipe() -> int:
    """A pipe's reading end that holds the sandbox's system-call filter, for ``--seccomp``.

    bwrap reads it to its end; the program (under 1 KB) fits in the pipe's buffer, so it
    is written and the writing end closed at once. The caller closes the returned
    descriptor once bwrap has started.
    """
    reader, writer = os.pipe()
    try:
        os.write(writer, seccomp_program())
    except BaseException:
        os.close(reader)
        raise
    finally:
        os.close(writer)
    return reader


def bwrap_command(settings: Sandbox, argv: list[str], *, env: dict[str, str], chdir: str,
                  uid_slot: UidSlot | None, mounts: Mounts, info_fd: int,
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


def bwrap_env() -> dict[str, str]:
    """bwrap's own environment: nearly empty, as the sandbox's init keeps it.

    (--clearenv clears the command's environment, not bwrap's; its init process,
    PID 1 inside, keeps its own, and a normal user's sandbox can read its
    /proc/1/environ. The grader's environment may well hold tokens.)
    """
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL bwrap's process group; --die-with-parent then ends everything inside."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


