"""Reading an LMS export's notebooks without trusting it: bounded, and never through a link.

Everything in an export was named and sized by students: an entry's path, whether it is a
link, how large it says it is and how large it really is (a 2 MB zip can hold 2 GB of
spaces). So the export is listed first, from its directory or the zip's table, without
reading any content; entries that are links, that are not regular files, whose path is
absolute or climbs out with ``..``, or that are larger than the limit are refused with a
reason. A notebook's content is read only when it is the one to grade, in chunks, and the
read stops at the limit whatever the entry claimed. A folder's files are opened with
``O_NOFOLLOW``, so a link put in place after the listing is not followed either.

The limit is a setting, ``c.LmsImport.max_notebook_mb`` in ``nbgrader_config.py``, with a
default no real notebook reaches.
"""
from __future__ import annotations

import datetime
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from traitlets import Float, Unicode
from traitlets.config import Configurable

#: How the time used to choose among a student's files was found.
TIME_FROM_NAME = "the LMS's submission time in the file name"
TIME_FROM_ARCHIVE = "the file time stored in the .zip"
TIME_FROM_FILE = "the file's modification time"
ASK_AGAIN = "ask the student to hand in the notebook again"
CHUNK = 1 << 20


class LmsImport(Configurable):
    """Limits of the LMS import (``python -m autograde grade EXPORT``)."""

    max_notebook_mb = Float(100.0, help="Largest notebook file taken from an LMS export, in MB. A larger "
                                        "file is not imported (the report says why); the whole export is "
                                        "never read into memory.").tag(config=True)
    archive_timezone = Unicode("UTC", help="The time zone of the file times stored in an LMS's .zip "
                                           "(Canvas's are UTC): used for late work.").tag(config=True)


class TooLarge(Exception):
    """A notebook's content is larger than the import's limit."""


class SubmissionsError(Exception):
    """The SUBMISSIONS argument cannot be used at all (not a folder or zip, no notebooks)."""


@dataclass
class LmsFile:
    """One notebook file of an LMS export, listed but not read."""

    name: str
    size: int
    open: Callable = field(repr=False)         # () -> a binary stream of the content
    submitted_at: datetime.datetime | None = None  # UTC, naive (as nbgrader keeps times)
    time_source: str = ""

    def read(self, limit: int) -> bytes:
        """The content, at most ``limit`` bytes (:class:`TooLarge` past it, whatever the size said)."""
        parts, total = [], 0
        with self.open() as stream:
            while chunk := stream.read(min(CHUNK, limit + 1 - total)):
                total += len(chunk)
                if total > limit:
                    raise TooLarge(f"larger than the import's limit of {limit / 1e6:g} MB "
                                   f"(c.LmsImport.max_notebook_mb); {ASK_AGAIN}")
                parts.append(chunk)
        return b"".join(parts)


def _wanted(parts) -> bool:
    return parts[-1].endswith(".ipynb") and not any(p.startswith(".") and p != ".." or p == "__MACOSX" for p in parts)


def _too_large(size: int, limit: int) -> str:
    return (f"{size / 1e6:.1f} MB, larger than the import's limit of {limit / 1e6:g} MB "
            f"(c.LmsImport.max_notebook_mb); {ASK_AGAIN}") if size > limit else ""


def _utc(moment: datetime.datetime, zone: str) -> datetime.datetime:
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _folder(source: Path, limit: int, problems: list) -> list[LmsFile]:
    files = []
    for folder, dirs, names in os.walk(source):  # never descends into a linked folder
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            parts = path.relative_to(source).parts
            if not _wanted(parts):
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                problems.append((name, "a symbolic link: not followed, nothing was read"))
            elif not stat.S_ISREG(info.st_mode):
                problems.append((name, "not a regular file: not read"))
            elif _too_large(info.st_size, limit):
                problems.append((name, _too_large(info.st_size, limit)))
            else:
                when = datetime.datetime.fromtimestamp(info.st_mtime, datetime.timezone.utc).replace(tzinfo=None)
                files.append(LmsFile(name, info.st_size, lambda p=path: os.fdopen(
                    os.open(p, os.O_RDONLY | os.O_NOFOLLOW), "rb"), when, TIME_FROM_FILE))
    return files


def _refused_entry(info: zipfile.ZipInfo) -> str:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if path.is_absolute() or ":" in path.parts[0]:
        return "an absolute path in the .zip: refused, nothing was read"
    if ".." in path.parts:
        return "a path with '..' in the .zip: refused, nothing was read"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "a symbolic link in the .zip: refused, nothing was read"
    if kind not in (0, stat.S_IFREG):
        return "not a regular file in the .zip: refused"
    return ""


def _archive(archive: zipfile.ZipFile, limit: int, zone: str, problems: list) -> list[LmsFile]:
    files = []
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.is_dir() or not parts or not _wanted(parts):
            continue
        name = parts[-1]
        reason = _refused_entry(info) or _too_large(info.file_size, limit)
        if reason:
            problems.append((name, reason))
            continue
        try:
            when = _utc(datetime.datetime(*info.date_time), zone)
        except ValueError:
            when = None
        files.append(LmsFile(name, info.file_size, lambda i=info: archive.open(i), when,
                             TIME_FROM_ARCHIVE if when else ""))
    return files


def list_notebooks(source: Path, settings: LmsImport, problems: list) -> tuple[list[LmsFile], Callable]:
    """Every usable notebook of a folder or zip, listed without reading it, and a function that
    closes the zip when done. Refused entries go into ``problems`` as ``(name, reason)``."""
    limit = int(settings.max_notebook_mb * 1e6)
    if source.is_dir():
        return _folder(source, limit, problems), lambda: None
    if source.is_file() and zipfile.is_zipfile(source):
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SubmissionsError(f"{source} cannot be read as a .zip ({exc})") from None
        return _archive(archive, limit, settings.archive_timezone, problems), archive.close
    if source.exists():
        raise SubmissionsError(f"{source} is neither a folder nor a .zip file of notebooks")
    raise SubmissionsError(f"{source} does not exist")
