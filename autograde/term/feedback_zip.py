"""Feedback back to Canvas in one upload: a zip for the assignment's *Re-Upload Submissions*.

Canvas takes back a zip of files named the way its own submissions download names them, and
reads only the numbers in a name: split at ``_``, the first two parts that are all digits are
the student's Canvas user id and the id of the file they submitted (an attachment of their
current submission); each file is attached to that submission as a comment ("See attached
file"). So each student's feedback page goes into the zip as
``<student>_<user id>_<attachment id>_<notebook>.html``, with the two ids the LMS import kept
from the student's file name. Students who did not come through a Canvas export (the
exchange) have no attachment id: they are listed, and get their page through nbgrader's
``release_feedback``.
"""
from __future__ import annotations

import contextlib
import os
import struct
import time
import zipfile
import zlib
from pathlib import Path

from autograde.term.graded_notebooks import files_in

# APPNOTE's records: a local file header, a central directory header, the end of central directory.
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION, _DEFLATED, _UTF8_NAME, _UNIX = 20, 8, 0x800, 3 << 8


def feedback_entry_name(student: str, user_id: str, attachment_id: str, page: str) -> str:
    """The zip entry name Canvas matches to the student's submission (no other all-digit part
    comes before the two ids)."""
    return f"{student.replace('_', '-')}_{user_id}_{attachment_id}_{page}"


def write_feedback_zip(path: Path, feedback_root: Path, assignment_id: str, graded, record: dict
                       ) -> tuple[Path | None, list[str]]:
    """Write the zip of every graded student's feedback pages that Canvas can match.

    Returns the zip's path (None when no student could go in it; an older zip is removed) and
    the graded students left out (no Canvas ids, or no feedback page yet).
    """
    entries, missing = [], []
    for student in sorted(graded):
        user_id, attachment_id = record["lms_user_ids"].get(student), record["attachment_ids"].get(student)
        pages = files_in(feedback_root / student / assignment_id, ".html")
        if not (user_id and attachment_id and pages):
            missing.append(student)
            continue
        entries += [(page, feedback_entry_name(student, user_id, attachment_id, page.name)) for page in pages]
    path = Path(path)
    if not entries:
        path.unlink(missing_ok=True)
        return None, missing
    tmp = path.with_suffix(".part")
    try:
        _write_reusing(tmp, entries, path)
    except OverflowError:  # past the classic limits: zipfile writes ZIP64
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for page, name in entries:
                bundle.write(page, name)
    os.replace(tmp, path)
    return path, missing


def _previous(path: Path) -> dict[str, zipfile.ZipInfo]:
    """The deflated members of the zip written last time, by name (none when there is no readable one)."""
    try:
        with zipfile.ZipFile(path) as previous:
            return {info.filename: info for info in previous.infolist() if info.compress_type == zipfile.ZIP_DEFLATED}
    except (OSError, zipfile.BadZipFile):
        return {}


def _compressed_there(handle, info: zipfile.ZipInfo) -> bytes | None:
    """A member's compressed bytes, as the previous zip holds them (None when it is cut short)."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL.size)
    if len(header) < _LOCAL.size:
        return None
    name_length, extra_length = struct.unpack("<HH", header[-4:])
    handle.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
    data = handle.read(info.compress_size)
    return data if len(data) == info.compress_size else None


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # raw deflate, as ZIP has it
    return compressor.compress(data) + compressor.flush()


def _dos_time(seconds: float) -> tuple[int, int]:
    year, month, day, hour, minute, second = time.localtime(seconds)[:6]
    return hour << 11 | minute << 5 | second // 2, max(year - 1980, 0) << 9 | month << 5 | day


def _write_reusing(target: Path, entries: list[tuple[Path, str]], previous_path: Path) -> None:
    """Write ``entries`` (page, name in the zip) as a zip at ``target``, copying the compressed bytes of
    every page that the zip at ``previous_path`` already holds unchanged. OverflowError past ZIP's
    classic limits."""
    if len(entries) > 0xFFFF:
        raise OverflowError("more files than ZIP holds without ZIP64")
    previous = _previous(previous_path)
    central = []
    with open(target, "wb") as out, contextlib.ExitStack() as stack:
        old = stack.enter_context(open(previous_path, "rb")) if previous else None
        for page, name in entries:
            data = page.read_bytes()
            crc, kept = zlib.crc32(data), previous.get(name)
            compressed = (_compressed_there(old, kept) if kept and kept.CRC == crc and kept.file_size == len(data)
                          else None)
            if compressed is None:
                compressed = _deflate(data)
            encoded = name.encode("utf-8")
            flags = 0 if name.isascii() else _UTF8_NAME
            clock, date = _dos_time(page.stat().st_mtime)
            offset = out.tell()
            if offset + len(compressed) + len(encoded) + _LOCAL.size > 0xFFFFFFFF:
                raise OverflowError("larger than ZIP holds without ZIP64")
            out.write(_LOCAL.pack(0x04034B50, _VERSION, flags, _DEFLATED, clock, date, crc, len(compressed),
                                  len(data), len(encoded), 0) + encoded)
            out.write(compressed)
            central.append(_CENTRAL.pack(0x02014B50, _UNIX | _VERSION, _VERSION, flags, _DEFLATED, clock, date, crc,
                                         len(compressed), len(data), len(encoded), 0, 0, 0, 0, 0o100644 << 16,
                                         offset) + encoded)
        start = out.tell()
        out.write(b"".join(central))
        if out.tell() > 0xFFFFFFFF:
            raise OverflowError("larger than ZIP holds without ZIP64")
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
