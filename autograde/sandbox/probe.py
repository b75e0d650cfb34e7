"""Is bubblewrap usable here? Tried once per process; when it is not, what to do about it."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import seccomp
from .bwrap import MIN_BWRAP_VERSION, seccomp_program
from .settings import Sandbox


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
        seccomp_program()
    except seccomp.UnsupportedMachine as error:
        return f"{str(error).capitalize()}. " + _HOW_TO_SKIP
    from .command import run_in_sandbox  # here: run_in_sandbox asks this module first

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

