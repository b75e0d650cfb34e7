"""Copying a folder that someone else controls: regular files only, never through a link.

A student decides what their submission folder holds, and the grader's own processes (the
exchange's collect, the sandbox's scratch copy, the copy back) run with the instructor's
permissions. A symbolic link named ``notes.txt`` that points at ``grading/gradebook.db``
would be read as the gradebook by any copy that follows it, and land, readable, in the
student's folder; a FIFO blocks whoever opens it; a hard link is the very file it links to.
So every copy here opens each name relative to an open folder (``dir_fd``), with
``O_NOFOLLOW``, and copies only what ``fstat`` shows is a regular file with one name; every
other entry (symbolic links, hard links, FIFOs, sockets, devices) is refused and named.
A name swapped for a link between looking and opening is caught by the same ``fstat``.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from .settings import MB

_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO that was swapped in after the look must not wait for a writer.
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class NotRegular(OSError):
    """A name that is not a regular file with one name (the message says what it is)."""


def what_it_is(info: os.stat_result) -> str | None:
    """What an ``lstat`` shows that a copy must refuse, in words; None for a folder or a
    regular file with one name."""
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISREG(mode):
        return None if info.st_nlink == 1 else f"a hard link (one of {info.st_nlink} names of one file)"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def describe(name: str, info: os.stat_result, link_target: str | None = None) -> str:
    """``'notes.txt' is a symbolic link to '../../gradebook.db'``: the refusal, in words.
    Names and link targets come from the student: ``repr`` keeps control characters out."""
    target = f" to {link_target[:200]!r}" if link_target is not None else ""
    return f"{name!r} is {what_it_is(info) or 'not a regular file'}{target}"


def _link_target(name: str, info: os.stat_result, folder_fd: int | None) -> str | None:
    if not stat.S_ISLNK(info.st_mode):
        return None
    with contextlib.suppress(OSError):
        return os.readlink(name, dir_fd=folder_fd)
    return ""


def _refusal(name: str, folder_fd: int | None, shown: str | None = None) -> str:
    """The refusal sentence for ``name`` (looked at again, without following it)."""
    info = os.lstat(name, dir_fd=folder_fd)
    return describe(shown or name, info, _link_target(name, info, folder_fd))


def open_regular(name: str, folder_fd: int | None = None, shown: str | None = None) -> tuple[int, os.stat_result]:
    """``(descriptor, fstat)`` of a regular file with one name, opened without following
    a link; :class:`NotRegular` naming what it is (as ``shown``) otherwise."""
    try:
        descriptor = os.open(name, _OPEN_FILE, dir_fd=folder_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise NotRegular(errno.ELOOP, _refusal(name, folder_fd, shown)) from None
        raise
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or what_it_is(info) is not None:
        os.close(descriptor)
        raise NotRegular(errno.EINVAL, describe(shown or name, info))
    return descriptor, info


def read_regular(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of a regular file with one name (never through a link in its last
    component); :class:`NotRegular` (naming it by its file name) otherwise, ``ValueError``
    past ``max_bytes``."""
    descriptor, info = open_regular(os.fspath(path), shown=os.path.basename(path))
    with os.fdopen(descriptor, "rb") as source:
        if info.st_size > max_bytes:
            raise ValueError(f"{info.st_size} bytes")
        return source.read(max_bytes + 1)


def _copy_open_file(reader: int, info: os.stat_result, name: str, folder_fd: int) -> None:
    writer = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                     stat.S_IMODE(info.st_mode) & 0o755 | 0o600, dir_fd=folder_fd)
    try:
        while block := os.read(reader, MB):
            os.write(writer, block)
        os.utime(writer, ns=(info.st_atime_ns, info.st_mtime_ns))
    finally:
        os.close(writer)


def copy_regular_files(source, destination, ignore=None) -> list[str]:
    """Copy the folder ``source`` into ``destination`` (created, with its parents), regular
    files and folders only; returns the refusals, one sentence each (paths relative to
    ``source``). ``source`` itself must be a folder, not a link to one.

    ``ignore(folder, names)`` returns the names of ``folder`` to leave out, as for
    :func:`shutil.copytree` (nbgrader's ``ignore_patterns`` fits).
    """
    refused: list[str] = []
    Path(destination).mkdir(parents=True, exist_ok=True)
    pending = [(os.open(source, _OPEN_FOLDER), os.open(destination, _OPEN_FOLDER), "")]
    try:
        while pending:
            from_fd, to_fd, relative = pending.pop()
            try:
                with os.scandir(from_fd) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
                skipped = set(ignore(os.path.join(source, relative), [e.name for e in entries])) if ignore else set()
                for entry in entries:
                    if entry.name in skipped:
                        continue
                    shown = os.path.join(relative, entry.name)
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        try:
                            inner = os.open(entry.name, _OPEN_FOLDER, dir_fd=from_fd)
                        except OSError:  # swapped for a link since the look
                            refused.append(_refusal(entry.name, from_fd, shown))
                            continue
                        with contextlib.suppress(FileExistsError):
                            os.mkdir(entry.name, 0o755, dir_fd=to_fd)
                        pending.append((inner, os.open(entry.name, _OPEN_FOLDER, dir_fd=to_fd), shown))
                        continue
                    if what_it_is(info) is not None:
                        refused.append(describe(shown, info, _link_target(entry.name, info, from_fd)))
                        continue
                    try:
                        reader, opened = open_regular(entry.name, from_fd, shown)
                    except NotRegular as error:
                        refused.append(error.strerror)
                        continue
                    try:
                        _copy_open_file(reader, opened, entry.name, to_fd)
                    finally:
                        os.close(reader)
            finally:
                os.close(from_fd)
                os.close(to_fd)
    finally:
        for from_fd, to_fd, _ in pending:
            os.close(from_fd)
            os.close(to_fd)
    return refused


def unsafe_entries(folder) -> list[tuple[str, str]]:
    """``[(relative path, refusal sentence)]`` of every entry under ``folder`` that a copy
    here would refuse; links to folders are not entered."""
    found = []
    for directory, subfolders, files in os.walk(folder):
        for name in sorted(subfolders + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if what_it_is(info) is not None:
                relative = os.path.relpath(path, folder)
                found.append((relative, describe(relative, info, _link_target(path, info, None))))
    return found


def copy_file_into(source: Path, destination: Path, parts: tuple[str, ...]) -> None:
    """Copy the regular file ``source`` to ``destination/parts...``, creating folders; never
    through a link, at either end."""
    folder = os.open(destination, _OPEN_FOLDER)
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=folder)
            inner = os.open(part, _OPEN_FOLDER, dir_fd=folder)
            os.close(folder)
            folder = inner
        reader, info = open_regular(str(source))
        try:
            _copy_open_file(reader, info, parts[-1], folder)
        finally:
            os.close(reader)
    finally:
        os.close(folder)
