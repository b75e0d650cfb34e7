"""The learning-management system round trip: import an export into nbgrader's submitted folder.

LMS exports are one flat folder (or a ``.zip``) of notebooks named after the
student: ``alice.ipynb``, ``alice_challenge.ipynb``, ``alice_04_challenge.ipynb``
or Canvas's ``alice_12345_67890_04_challenge.ipynb``. nbgrader wants
``submitted/<student>/<assignment>/<notebook>.ipynb``. ``import_submissions``
maps one to the other and explains every file it cannot map instead of failing.
"""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
# Canvas: <name>[_late]_<user id>_<submission id>_<original file name>
CANVAS = re.compile(r"^(?P<student>[^_]+?)(?:_late)?_\d+_\d+_(?P<rest>.+)$", re.IGNORECASE)
NAMING_HINT = "name it <student>.ipynb or <student>_{assignment}.ipynb"


class SubmissionsError(Exception):
    """The SUBMISSIONS argument cannot be used at all (not a folder or zip, no notebooks)."""


@dataclass
class ImportReport:
    """What ``import_submissions`` did."""

    imported: dict[str, str] = field(default_factory=dict)   # student -> file it came from
    changed: list[str] = field(default_factory=list)         # students whose submission changed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was skipped)


def _read_notebooks(source: Path) -> list[tuple[str, bytes]]:
    """(file name, content) of every notebook in a folder or zip, hidden files skipped."""
    def wanted(parts) -> bool:
        return (parts[-1].endswith(".ipynb")
                and not any(p.startswith(".") or p == "__MACOSX" for p in parts))

    if source.is_dir():
        return [(path.name, path.read_bytes()) for path in sorted(source.rglob("*.ipynb"))
                if wanted(path.relative_to(source).parts)]
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            return [(Path(info.filename).name, archive.read(info))
                    for info in sorted(archive.infolist(), key=lambda i: i.filename)
                    if not info.is_dir() and wanted(Path(info.filename).parts)]
    if source.exists():
        raise SubmissionsError(f"{source} is neither a folder nor a .zip file of notebooks")
    raise SubmissionsError(f"{source} does not exist")


def student_for(filename: str, assignment_id: str, notebook_ids: list[str]) -> tuple[str | None, str, str]:
    """Map an LMS file name to (student id or None, notebook id, reason when None).

    >>> student_for("alice_challenge.ipynb", "challenge", ["04_challenge"])
    ('alice', '04_challenge', '')
    """
    stem, tail = filename[:-len(".ipynb")], ""
    canvas = CANVAS.match(stem)
    if canvas:
        stem, tail = canvas.group("student"), canvas.group("rest")
    if stem.lower() in (name.lower() for name in notebook_ids + [assignment_id]):
        return None, "", "the file name has no student name in it"

    notebook = None
    for suffix in sorted(notebook_ids + [assignment_id], key=len, reverse=True):
        ending = next((sep + suffix for sep in "_- " if stem.lower().endswith((sep + suffix).lower())), None)
        if ending:
            stem, notebook = stem[:-len(ending)], suffix
            break
    for notebook_id in notebook_ids:
        if tail.lower().startswith(notebook_id.lower()):
            notebook = notebook_id
    if notebook not in notebook_ids:
        if len(notebook_ids) == 1:
            notebook = notebook_ids[0]
        else:
            return None, "", (f"the assignment has several notebooks ({', '.join(notebook_ids)}); "
                              f"name each file <student>_<notebook>.ipynb")
    if not stem or stem.lower() in (n.lower() for n in notebook_ids + [assignment_id]):
        return None, notebook, "the file name has no student name in it"
    if not STUDENT_ID.match(stem):
        return None, notebook, (f"'{stem}' is not a usable student id (letters, digits, "
                                f"'.', '_', '-' or '@', starting with a letter or digit)")
    return stem, notebook, ""


def import_submissions(source, submitted_dir_for, assignment_id: str, notebook_ids: list[str]) -> ImportReport:
    """Copy the notebooks in ``source`` (folder or zip) to nbgrader's submitted folder.

    ``submitted_dir_for(student)`` gives ``submitted/<student>/<assignment>``.
    A file identical to the one already submitted is left alone; a different one
    replaces it and the student is listed in ``changed`` (so it gets regraded).
    """
    source = Path(source)
    notebooks = _read_notebooks(source)
    if not notebooks:
        raise SubmissionsError(f"no notebooks (*.ipynb) found in {source}")

    report = ImportReport()
    mapped: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
    for name, content in notebooks:
        student, notebook, reason = student_for(name, assignment_id, notebook_ids)
        if student is None:
            report.problems.append((name, f"{reason}; {NAMING_HINT.format(assignment=assignment_id)}"))
            continue
        mapped.setdefault((student, notebook), []).append((name, content))

    for (student, notebook), files in sorted(mapped.items()):
        if len(files) > 1:
            names = ", ".join(name for name, _ in files)
            for name, _ in files:
                report.problems.append((name, f"several files belong to student '{student}' "
                                              f"({names}); keep only one"))
            continue
        name, content = files[0]
        target = Path(submitted_dir_for(student)) / f"{notebook}.ipynb"
        if target.exists() and target.read_bytes() == content:
            report.imported[student] = name
            continue
        if target.exists():
            report.changed.append(student)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".ipynb.part")
        tmp.write_bytes(content)
        os.replace(tmp, target)
        report.imported[student] = name
    return report
