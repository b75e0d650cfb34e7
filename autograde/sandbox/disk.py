"""What a sandbox's files take: its folders, and the deleted files and memfds its processes hold."""
from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from .settings import MB


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(MB), b""):
            sha.update(block)
    return sha.hexdigest()


def regular_files(folder: Path):
    """(relative path, lstat) of the regular files under ``folder``; links are not followed."""
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = [d for d in subfolders if not os.path.islink(os.path.join(directory, d))]
        for name in files:
            path = Path(directory) / name
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                yield path.relative_to(folder), info


def disk_usage(folders, max_entries: int) -> tuple[int, int]:
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


