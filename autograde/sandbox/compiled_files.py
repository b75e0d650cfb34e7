"""The instructor's Python files, compiled once per grader process instead of in every kernel.

Every graded notebook imports the course's ``heatmap_check.py`` (some 5,000 lines), and each
kernel compiled it again: about 40 ms of CPU a submission, for the same bytes every time
(nbgrader restores the instructor's files into each student's folder). The grader compiles
each of the instructor's files once (:func:`trust_folder`, from the instructor's own folder,
never from a student's: compiling is work on the instructor's side, and a student's file
could make it slow or huge) and writes the result into each sandbox's copy of a folder that
holds the same bytes (:func:`write_compiled`).

What it writes is a hash-checked ``.pyc`` (PEP 552): Python in the kernel loads it only when the
source beside it has exactly the bytes it was compiled from, and compiles the file itself
otherwise. A student's own ``heatmap_check.py`` is compiled in their kernel, as before; what
their kernel writes in its ``__pycache__`` is never copied back (:meth:`KernelSandbox.copy_back`).
"""
from __future__ import annotations

import importlib.util
import marshal
import os
from pathlib import Path

from .disk import digest, regular_files

#: ``{relative path: (sha256 of its bytes, its hash-checked .pyc)}`` of the trusted files.
_COMPILED: dict[str, tuple[str, bytes]] = {}
_CHECKED_HASH = 0b11  # PEP 552's flags: hash-based, check the source


def trust_folder(folder: str | os.PathLike) -> None:
    """Compile the ``.py`` files of the instructor's ``folder`` (nbgrader's source folder of the
    assignment) for the sandboxes of this process."""
    folder = Path(folder)
    for relative, _ in regular_files(folder):
        if relative.suffix == ".py" and "__pycache__" not in relative.parts:
            try:
                _COMPILED[str(relative)] = digest(folder / relative), _pyc(folder / relative)
            except (SyntaxError, ValueError, OSError):  # the kernel meets it, and says so
                continue


def _pyc(path: Path) -> bytes:
    source = path.read_bytes()
    code = compile(source, str(path), "exec", dont_inherit=True)  # the kernel names it its own path
    return (importlib.util.MAGIC_NUMBER + _CHECKED_HASH.to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))


def write_compiled(work: Path, digests: dict[str, str]) -> None:
    """Write the ``.pyc`` of each trusted file whose copy in ``work`` has the same bytes
    (``digests``: ``{relative path: sha256}`` of ``work``'s files)."""
    for relative, (source_digest, pyc) in _COMPILED.items():
        if digests.get(relative) == source_digest:
            cached = Path(importlib.util.cache_from_source(str(work / relative)))
            try:
                cached.parent.mkdir(exist_ok=True)
                cached.write_bytes(pyc)
            except OSError:  # the student's folder has a file by that name: the kernel compiles
                pass
