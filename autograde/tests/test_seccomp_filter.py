"""The sandbox's seccomp program, decided call by call for both architectures it is built for.

The kernel runs the x86_64 program in ``test_sandbox.py`` (real sandboxes); the aarch64
one cannot run here, so both are run by the small classic-BPF interpreter below (the
kernel's semantics for the four instructions the program uses), on the system-call
numbers of each architecture's own table.
"""
import errno
import struct

import pytest

from autograde.sandbox.seccomp import (AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, RET_ALLOW,
                                      RET_ERRNO, UnsupportedMachine, build)

AUDIT_ARCH_I386, AUDIT_ARCH_ARM = 0x40000003, 0x40000028
CLONE_NEWUSER, CLONE_NEWNS, CLONE_FILES = 0x10000000, 0x00020000, 0x00000400
CLONE_THREAD_FLAGS = 0x003D0F00  # glibc's pthread_create: VM, FS, FILES, SIGHAND, THREAD, ...
SIGCHLD = 17


def run(program: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """What the kernel's seccomp would return for this call (classic BPF, as in net/core/filter.c)."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    code = [struct.unpack("<HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    accumulator, pc = 0, 0
    for _ in range(len(code)):  # forward jumps only: at most one pass
        op, jt, jf, k = code[pc]
        if op == 0x20:
            accumulator = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif op == 0x06:
            return k
        else:
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: bool(accumulator & k)}[op]
            pc += 1 + (jt if taken else jf)
    raise AssertionError("the program ran off its end")


# (architecture, audit arch, its own numbers for the calls that matter, as its kernel has them)
MACHINES = {
    "x86_64": (AUDIT_ARCH_X86_64, {"setsid": 112, "unshare": 272, "setns": 308, "mount": 165,
                                   "umount2": 166, "pivot_root": 155, "clone": 56, "clone3": 435,
                                   "getpid": 39, "read": 0, "write": 1,
                                   "setpgid": 109, "fsopen": 430, "open_tree": 428}),
    "aarch64": (AUDIT_ARCH_AARCH64, {"setsid": 157, "unshare": 97, "setns": 268, "mount": 40,
                                     "umount2": 39, "pivot_root": 41, "clone": 220, "clone3": 435,
                                     "getpid": 172, "read": 63, "write": 64,
                                     "setpgid": 154, "fsopen": 430, "open_tree": 428}),
}
EPERM, ENOSYS = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS


@pytest.mark.parametrize("machine", MACHINES)
def test_each_architecture_refuses_sessions_namespaces_and_mounts_and_allows_the_rest(machine):
    arch, numbers = MACHINES[machine]
    program = build(machine)
    assert len(program) % 8 == 0 and len(program) // 8 < 64

    def decide(name, arg0=0):
        return run(program, numbers[name], arch, arg0)

    for name in ("setsid", "unshare", "setns", "mount", "umount2", "pivot_root", "fsopen",
                 "open_tree"):
        assert decide(name) == EPERM, name
    assert decide("clone3") == ENOSYS  # glibc then falls back to clone
    assert decide("clone", SIGCHLD) == RET_ALLOW                     # fork()
    assert decide("clone", CLONE_THREAD_FLAGS) == RET_ALLOW          # pthread_create()
    assert decide("clone", CLONE_NEWUSER | SIGCHLD) == EPERM
    assert decide("clone", CLONE_NEWNS | SIGCHLD) == EPERM
    assert decide("clone", (1 << 32) | SIGCHLD) == RET_ALLOW         # the kernel ignores bits 32+
    # a thread must share its process's descriptors (the disk watchdog reads the process's)
    assert decide("clone", CLONE_THREAD_FLAGS & ~CLONE_FILES) == EPERM
    assert decide("clone", CLONE_FILES | SIGCHLD) == RET_ALLOW       # a process sharing them
    for name in ("getpid", "read", "write", "setpgid"):
        assert decide(name) == RET_ALLOW, name
    # The other architecture's number for setsid is something harmless here: allowed.
    other = MACHINES["aarch64" if machine == "x86_64" else "x86_64"][1]["setsid"]
    assert run(program, other, arch) == RET_ALLOW


def test_calls_of_another_architecture_or_abi_are_refused():
    x86, arm = build("x86_64"), build("aarch64")
    # int 0x80 on x86_64 (i386 numbers: 66 is setsid there) and AArch32 on aarch64
    assert run(x86, 66, AUDIT_ARCH_I386) == EPERM and run(x86, 20, AUDIT_ARCH_I386) == EPERM
    assert run(arm, 66, AUDIT_ARCH_ARM) == EPERM
    # the aarch64 program does not admit x86_64 calls, nor the reverse
    assert run(arm, 39, AUDIT_ARCH_X86_64) == EPERM and run(x86, 172, AUDIT_ARCH_AARCH64) == EPERM
    # x32 calls on x86_64 (the x32 bit set): setsid and every other
    assert run(x86, 0x40000000 | 112, AUDIT_ARCH_X86_64) == EPERM
    assert run(x86, 0x40000000 | 39, AUDIT_ARCH_X86_64) == EPERM


def test_another_machine_is_refused_with_a_reason():
    with pytest.raises(UnsupportedMachine, match="x86_64 and aarch64, not riscv64"):
        build("riscv64")
