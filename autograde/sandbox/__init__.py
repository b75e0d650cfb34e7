"""The grading sandbox: student kernels and the inspector run in bubblewrap (Linux).

What runs where: this package runs in the grader (nbgrader's process or a grading worker),
except :mod:`.launch`, the first program inside every sandbox (standard library only). It
imports nothing of the kit outside itself; :mod:`autograde.grading` uses it.

The modules, in the order a sandbox is made: :mod:`.settings` (``c.Sandbox``, the limits'
names and sentences), :mod:`.probe` (does bubblewrap work here?), :mod:`.bwrap` (mounts,
environment, uid, the command line, the sandbox's init), :mod:`.seccomp` (the system-call
filter), :mod:`.launch` (limits, then the command), :mod:`.command` (a short command: the
inspector), :mod:`.kernel` and :mod:`.disk` (a grading kernel's folders and watchdog),
:mod:`.compiled_files` (the instructor's Python files, compiled once, in each kernel's folder),
:mod:`.kernel_template` and :mod:`.kernel_template_client` (the warm template a grading kernel
is forked from), :mod:`.kernel_manager` (jupyter_client's side, with caps on the kernel's
messages).

``nbgrader autograde`` runs each submission in a Jupyter kernel. Without a
sandbox that kernel runs with the instructor's permissions: it can read
``solutions/``, classmates' submissions and ``gradebook.db``, write anywhere the
instructor can, use the network and kill the grader. Here every grading kernel
(:class:`SandboxedKernelManager`, used by
``autograde.grading.preprocessors.sandboxed_execute.SandboxedExecute``) and every
helper (the inspector's fork server, :class:`~.command.SandboxedProcess`; a short command,
:func:`run_in_sandbox`, for the sandbox's own probe) runs inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``):

What the sandbox sees
    Read-only: ``/usr`` and the ``/lib*``, ``/bin`` links, a few files of
    ``/etc`` (fonts, loader cache, time zone, alternatives), the Python
    installation (``sys.base_prefix``) and the virtualenv (``sys.prefix``), and
    the launcher :mod:`autograde.sandbox.launch`. Writable, for a kernel: a
    scratch copy of the student's folder (the kernel's working directory), a
    scratch home (``HOME``, ``MPLCONFIGDIR``, ``TMPDIR``) and the folder of the
    kernel's connection file and sockets; nothing else. For a helper: only a
    small private ``/tmp`` in memory. Nothing else
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
    A seccomp filter (:mod:`autograde.sandbox.seccomp`, loaded by bwrap's
    ``--seccomp`` after its ``--new-session``) refuses ``setsid`` (the sandbox
    stays one session, one scheduler autogroup: it shares the CPU fairly with
    the other sandboxes however many processes it runs), new namespaces
    (``unshare``, ``setns``, ``clone`` with ``CLONE_NEW*``; ``clone3`` says it
    does not exist) and mounts: no tmpfs of memory that no limit sees; nor System V IPC, POSIX
    message queues or keys, which outlive a process without a file.

Limits
    Set by :mod:`autograde.sandbox.launch` before the command starts (see
    :class:`Sandbox`): address space, processes, file size, CPU time, no core
    files, open files, OOM score 1000 (the OOM killer picks the sandbox, not the
    grader). A thread of the grader (:class:`KernelSandbox`) watches what a
    per-process limit cannot: the time the notebook has run in all
    (``max_seconds``) and the disk its files take (``max_disk_mb``,
    ``max_files``: its folders, and the deleted files and memfds its processes
    still hold); it stops the kernel when one goes over.

Warm kernels
    Each grading worker keeps one kernel sandbox whose command is a warm
    template (:mod:`.kernel_template`: ipykernel, NumPy and matplotlib imported,
    nothing of any student); a submission's kernel is a fork of it
    (:mod:`.kernel_template_client`), one at a time. Between two kernels the
    template's server kills what the last one left and the grader empties the
    folders; what outlives a process without a file is refused by the filter.
    ``c.Sandbox.warm_kernels = False``: a fresh sandbox per kernel.

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
from .bwrap import SANDBOX_UID_BASE, Mounts, font_cache_files
from .command import SandboxResult, run_in_sandbox
from .kernel import KernelSandbox
from .kernel_template_client import kernel_sandbox
from .kernel_manager import SandboxedKernelClient, SandboxedKernelManager, SandboxedSession
from .probe import sandbox_problem
from .settings import (CPU, DISK, FILE_SIZE, MB, MEMORY, NOTEBOOK_TIME, PROCESSES, TIMEOUT, Sandbox, SandboxUnavailable,
                       limit_in_error, limit_message)

__all__ = ["Sandbox", "SandboxUnavailable", "sandbox_problem", "run_in_sandbox", "SandboxResult", "KernelSandbox", "kernel_sandbox",
           "SandboxedKernelManager", "SandboxedKernelClient", "SandboxedSession", "Mounts", "font_cache_files",
           "limit_message", "limit_in_error", "SANDBOX_UID_BASE", "MB",
           "CPU", "MEMORY", "PROCESSES", "FILE_SIZE", "DISK", "TIMEOUT", "NOTEBOOK_TIME"]
