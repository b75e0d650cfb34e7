"""The grading sandbox's system-call filter: a classic-BPF seccomp program, built here.

bubblewrap loads it (``bwrap --seccomp FD``) as the last step before it starts
the sandbox's command, after its own ``--new-session``; every process of the
sandbox inherits it and none can remove it. It refuses what would let a
sandbox escape the limits that hold for the sandbox as a whole:

``setsid``
    A new session is a new scheduler autogroup: Linux shares the CPU between
    autogroups, so a notebook that puts each of 46 forked burners in a session
    of its own gets 46 shares against one for a classmate graded at the same
    time. Refused, the sandbox stays the one session ``--new-session`` made and
    gets one share however many processes it runs.
``unshare``, ``setns``, ``clone`` with a ``CLONE_NEW*`` flag
    A new user namespace makes its creator root in it, able to mount a tmpfs
    and fill it with memory that belongs to no process and so to no limit.
    (Run as a normal user, bwrap's ``--disable-userns`` forbids that already; run
    as root, bwrap makes no user namespace and cannot.)
``clone`` of a thread with descriptors of its own (no ``CLONE_FILES``)
    Every thread then shares its process's open files, so the grader's disk
    watchdog finds all the files a process holds in ``/proc/<pid>/fd`` (a
    thread's own table could hide deleted files; ``unshare`` of it is refused
    above). ``pthread_create`` always shares them.
``mount``, ``umount2``, ``pivot_root`` and the newer mount calls
    (``open_tree``, ``move_mount``, ``fsopen``, ``fsconfig``, ``fsmount``,
    ``fspick``, ``mount_setattr``): no file system of its own, in any namespace.
``clone3``
    Its flags are in a structure in memory, which a seccomp filter cannot read:
    it fails with ``ENOSYS`` ("not implemented"), and glibc (2.34 and later) then
    falls back to ``clone``, whose flags are checked. Threads, ``fork``,
    ``multiprocessing`` and ``subprocess`` work as before.
``shmget``, ``semget``, ``msgget``, ``mq_open``, ``add_key``, ``request_key``, ``keyctl``
    System V IPC objects, POSIX message queues and keys outlive the process that made
    them without being files, so neither the emptied folders nor the killed processes
    between two kernels of a warm template (:mod:`.kernel_template_client`) would take
    them away: one kernel could leave the next a message. Keys would also let a sandbox
    reach a keyring it shares with the uid's other processes. They fail with ``ENOSYS``;
    Python, NumPy, matplotlib and ``multiprocessing`` (POSIX semaphores, files in
    ``/dev/shm``) do not use them.

Everything else is allowed: the filter is a wall around the sandbox's limits,
not a list of what Python may do. Calls of another architecture (32-bit
``int 0x80`` on x86_64, AArch32 on aarch64) and x32 calls, which have numbers of
their own that the rules below do not name, are all refused. The program is
built for the machine it runs on (x86_64 or aarch64; :func:`program` says
why not elsewhere).
"""
from __future__ import annotations

import errno
import platform
import struct
from typing import NamedTuple

# Classic BPF (linux/filter.h): the few instructions the filter needs.
_LD_W_ABS = 0x20    # A = 32-bit word at offset k of struct seccomp_data
_JEQ_K = 0x15       # if A == k: jump jt else jf
_JGE_K = 0x35       # if A >= k
_JSET_K = 0x45      # if A & k
_RET_K = 0x06       # return k
_MAX_JUMP = 255     # jt, jf are one byte: forward jumps only

# linux/seccomp.h
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16  # both architectures are little-endian

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

#: The CLONE_NEW* flags clone(2) accepts (mount, cgroup, UTS, IPC, user, PID, network);
#: CLONE_NEWTIME exists only for unshare and clone3.
CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000
CLONE_THREAD, CLONE_FILES = 0x00010000, 0x00000400

# Numbers from 424 on are the same on every architecture.
_MOUNT_API = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
              "fsmount": 432, "fspick": 433, "mount_setattr": 442}


#: What outlives a process without being a file: System V IPC objects, POSIX message queues
#: and keys. A warm template's kernels share one sandbox, one after the other; refused, none
#: can leave the next one something (or find the grader's keys).
_LEFT_BEHIND = {"x86_64": {"shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240,
                           "add_key": 248, "request_key": 249, "keyctl": 250},
                "aarch64": {"mq_open": 180, "msgget": 186, "semget": 190, "shmget": 194,
                            "add_key": 217, "request_key": 218, "keyctl": 219}}


class Architecture(NamedTuple):
    audit_arch: int
    syscalls: dict[str, int]
    has_x32: bool


ARCHITECTURES = {
    "x86_64": Architecture(AUDIT_ARCH_X86_64, {
        "setsid": 112, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
        "pivot_root": 155, "clone": 56, "clone3": 435, **_MOUNT_API, **_LEFT_BEHIND["x86_64"]},
        has_x32=True),
    "aarch64": Architecture(AUDIT_ARCH_AARCH64, {  # the generic table (asm-generic/unistd.h)
        "setsid": 157, "unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
        "pivot_root": 41, "clone": 220, "clone3": 435, **_MOUNT_API, **_LEFT_BEHIND["aarch64"]},
        has_x32=False),
}
#: What each named call gets; clone is checked on its flags.
REFUSED = {"setsid": errno.EPERM, "unshare": errno.EPERM, "setns": errno.EPERM,
           "mount": errno.EPERM, "umount2": errno.EPERM, "pivot_root": errno.EPERM,
           "clone3": errno.ENOSYS, **{name: errno.EPERM for name in _MOUNT_API},
           **{name: errno.ENOSYS for name in _LEFT_BEHIND["x86_64"]}}


class UnsupportedMachine(RuntimeError):
    """The filter is built for x86_64 and aarch64 only."""


class _Assembler:
    """Classic-BPF instructions with symbolic forward jumps, resolved by :meth:`assemble`."""

    def __init__(self):
        self.code: list[tuple] = []
        self.labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def load(self, offset: int) -> None:
        self.code.append((_LD_W_ABS, 0, 0, offset))

    def jump(self, op: int, k: int, if_true: str | None, if_false: str | None = None) -> None:
        self.code.append((op, if_true, if_false, k))  # None: the next instruction

    def ret(self, value: int) -> None:
        self.code.append((_RET_K, 0, 0, value))

    def assemble(self) -> bytes:
        program = b""
        for index, (op, if_true, if_false, k) in enumerate(self.code):
            offsets = []
            for target in (if_true, if_false):
                if op in (_LD_W_ABS, _RET_K) or target is None:
                    offsets.append(0)
                    continue
                offset = self.labels[target] - index - 1
                if not 0 <= offset <= _MAX_JUMP:
                    raise ValueError(f"jump to {target} out of range ({offset})")
                offsets.append(offset)
            program += struct.pack("<HBBI", op, *offsets, k)
        return program


def build(machine: str) -> bytes:
    """The filter program for ``machine`` (``platform.machine()``), as bwrap reads it:
    struct sock_filter entries, 8 bytes each."""
    if machine not in ARCHITECTURES:
        raise UnsupportedMachine(
            f"the grading sandbox's system-call filter is built for x86_64 and aarch64, "
            f"not {machine}")
    arch = ARCHITECTURES[machine]
    errnos = sorted(set(REFUSED.values()))
    asm = _Assembler()
    asm.load(_ARCH)
    asm.jump(_JEQ_K, arch.audit_arch, None, f"errno {errno.EPERM}")  # another architecture
    asm.load(_NR)
    if arch.has_x32:
        asm.jump(_JGE_K, X32_SYSCALL_BIT, f"errno {errno.EPERM}")
    for name, number in arch.syscalls.items():
        if name == "clone":
            asm.jump(_JEQ_K, number, "clone flags")
        else:
            asm.jump(_JEQ_K, number, f"errno {REFUSED[name]}")
    asm.ret(RET_ALLOW)
    asm.label("clone flags")
    asm.load(_ARG0_LOW)  # clone's flags are its first argument everywhere; 32 bits count
    asm.jump(_JSET_K, CLONE_NEW_FLAGS, f"errno {errno.EPERM}")
    asm.jump(_JSET_K, CLONE_THREAD, None, "allow")
    asm.jump(_JSET_K, CLONE_FILES, "allow", f"errno {errno.EPERM}")
    asm.label("allow")  # (classic BPF jumps forward only: the returns come last)
    asm.ret(RET_ALLOW)
    for number in errnos:
        asm.label(f"errno {number}")
        asm.ret(RET_ERRNO | number)
    return asm.assemble()


def program() -> bytes:
    """The filter for this machine; :class:`UnsupportedMachine` elsewhere."""
    return build(platform.machine())
