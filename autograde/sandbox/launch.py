"""The first program run inside a grading sandbox: apply the limits, then become the command.

``autograde.sandbox`` (:mod:`.bwrap`) binds this file read-only into the sandbox and runs it with
the virtualenv's Python in isolated mode (``python -I``), before any student code:

    python -I /sandbox/launch.py '{"as": ..., "nproc": ..., ...}' COMMAND ARG...

It sets the resource limits (address space, processes, file size, CPU time, no
core files, open files), makes every process of the sandbox the first choice of
the kernel's OOM killer, leaves the grader's session keyring, drops to the
sandbox's own unprivileged uid when it was started as root, and then replaces
itself with COMMAND (``os.execv``): the limits hold for COMMAND and everything it
starts. Standard library only; it must not import anything from the course.
"""
import ctypes
import json
import os
import platform
import resource
import sys

# keyctl(2) has no wrapper in Python's standard library; its number per architecture.
_SYS_KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219, "ppc64le": 271, "s390x": 280}
_KEYCTL_JOIN_SESSION_KEYRING = 1


def _leave_session_keyring():
    """Join a new, empty session keyring: the grader's keys are not reachable from here."""
    number = _SYS_KEYCTL.get(platform.machine())
    if number is not None:
        # Failure (keyctl blocked by a seccomp policy) leaves nothing to protect either.
        ctypes.CDLL(None, use_errno=True).syscall(number, _KEYCTL_JOIN_SESSION_KEYRING, None)


def apply_limits(spec):
    """Set the rlimits and the OOM score described by ``spec`` on this process."""
    cpu = spec["cpu"]
    limits = {
        resource.RLIMIT_AS: spec["as"],
        resource.RLIMIT_NPROC: spec["nproc"],
        resource.RLIMIT_FSIZE: spec["fsize"],
        # SIGXCPU at the soft limit names the limit; SIGKILL 2 s later if it is ignored.
        resource.RLIMIT_CPU: (cpu, cpu + 2),
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: spec["nofile"],
    }
    for which, value in limits.items():
        soft, hard = value if isinstance(value, tuple) else (value, value)
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:  # an unprivileged process cannot raise it
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))
    with open("/proc/self/oom_score_adj", "w") as score:
        score.write("1000")


def drop_privileges(uid, gid):
    """Become ``uid``/``gid`` with no supplementary groups; every capability is lost."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:  # never run the command as root
        raise SystemExit("sandbox launcher: could not drop privileges")


def main(argv):
    spec = json.loads(argv[1])
    command = argv[2:]
    apply_limits(spec)
    _leave_session_keyring()
    if spec.get("uid") is not None:
        drop_privileges(spec["uid"], spec["gid"])
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
