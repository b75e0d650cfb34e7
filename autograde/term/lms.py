"""The learning-management system round trip: an LMS export in, a gradebook file for the LMS out.

In: LMS exports are one flat folder (or a ``.zip``) of notebooks named after
the student: ``alice.ipynb``, ``alice_challenge.ipynb``,
``alice_04_challenge.ipynb``, Canvas's
``alice_12345_67890_04_challenge.ipynb`` (``<name>[_late]_<user id>_<id>_<file>``)
or with a submission time in the name (``alice_attempt_2024-03-13-10-30-15.ipynb``).
nbgrader wants ``submitted/<student>/<assignment>/<notebook>.ipynb``.
:func:`import_submissions` maps one to the other, keeps the LMS user id, and
explains every file it does not use instead of failing. When a student has
several files, the newest is graded: by the submission time in the file
name, else the time stored in the archive, else the file's time; the report
says which and why.

Out: :func:`write_canvas_csv` writes the grades in the format of Canvas's
gradebook export (``Student, ID, SIS User ID, SIS Login ID, Section``, one
column for the assignment, a ``Points Possible`` row), which Canvas's
*Import* in the gradebook takes back as is.
"""
from __future__ import annotations

import csv
import datetime
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
# Canvas: <name>[_late]_<user id>_<submission or attachment id>_<original file name>
CANVAS = re.compile(r"^(?P<student>[^_]+?)(?P<late>_late)?_(?P<user_id>\d+)_\d+_(?P<rest>.+)$", re.IGNORECASE)
# A submission time in a file name: Blackboard's _attempt_2024-03-13-10-30-15, or ISO-like 2024-03-13T10:30[:15].
SUBMITTED_AT = re.compile(r"[_ -]?(?:attempt[_ -])?(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[T_ -](?P<h>\d{2})[-:.]"
                          r"(?P<mi>\d{2})(?:[-:.](?P<s>\d{2}))?", re.IGNORECASE)
NAMING_HINT = "name it <student>.ipynb or <student>_{assignment}.ipynb"
#: How the time used to choose among a student's files was found.
TIME_FROM_NAME = "the LMS's submission time in the file name"
TIME_FROM_ARCHIVE = "the file time stored in the .zip"
TIME_FROM_FILE = "the file's modification time"
#: The first columns of Canvas's gradebook CSV, in the order Canvas exports them.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


class SubmissionsError(Exception):
    """The SUBMISSIONS argument cannot be used at all (not a folder or zip, no notebooks)."""


@dataclass
class LmsFile:
    """One notebook file of an LMS export."""

    name: str
    content: bytes = field(repr=False)
    submitted_at: datetime.datetime | None = None
    time_source: str = ""
    lms_user_id: str | None = None


@dataclass
class ImportReport:
    """What ``import_submissions`` did."""

    imported: dict[str, str] = field(default_factory=dict)   # student -> file it came from
    changed: list[str] = field(default_factory=list)         # students whose submission changed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, why no student could be found)
    duplicates: dict[str, str] = field(default_factory=dict)  # student -> which of their files was graded, why
    lms_user_ids: dict[str, str] = field(default_factory=dict)  # student -> the LMS's user id


def _time_in_name(stem: str) -> datetime.datetime | None:
    match = SUBMITTED_AT.search(stem)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if value is not None}
    try:
        return datetime.datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["mi"], parts.get("s", 0))
    except ValueError:
        return None


def _dated(name: str, content: bytes, fallback: datetime.datetime | None, fallback_source: str) -> LmsFile:
    in_name = _time_in_name(name[:-len(".ipynb")])
    if in_name is not None:
        return LmsFile(name, content, in_name, TIME_FROM_NAME)
    return LmsFile(name, content, fallback, fallback_source if fallback else "")


def _read_notebooks(source: Path) -> list[LmsFile]:
    """Every notebook in a folder or zip (hidden files skipped), with its submission time."""
    def wanted(parts) -> bool:
        return (parts[-1].endswith(".ipynb")
                and not any(p.startswith(".") or p == "__MACOSX" for p in parts))

    if source.is_dir():
        return [_dated(path.name, path.read_bytes(),
                       datetime.datetime.fromtimestamp(path.stat().st_mtime), TIME_FROM_FILE)
                for path in sorted(source.rglob("*.ipynb")) if wanted(path.relative_to(source).parts)]
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            return [_dated(Path(info.filename).name, archive.read(info),
                           datetime.datetime(*info.date_time), TIME_FROM_ARCHIVE)
                    for info in sorted(archive.infolist(), key=lambda i: i.filename)
                    if not info.is_dir() and wanted(Path(info.filename).parts)]
    if source.exists():
        raise SubmissionsError(f"{source} is neither a folder nor a .zip file of notebooks")
    raise SubmissionsError(f"{source} does not exist")


def lms_user_id(filename: str) -> str | None:
    """The LMS's user id in an export's file name (Canvas's first number), or None.

    >>> lms_user_id("smithjane_12345_67890_04_challenge.ipynb")
    '12345'
    """
    canvas = CANVAS.match(filename[:-len(".ipynb")] if filename.endswith(".ipynb") else filename)
    return canvas.group("user_id") if canvas else None


def student_for(filename: str, assignment_id: str, notebook_ids: list[str]) -> tuple[str | None, str, str]:
    """Map an LMS file name to (student id or None, notebook id, reason when None).

    >>> student_for("alice_challenge.ipynb", "challenge", ["04_challenge"])
    ('alice', '04_challenge', '')
    """
    stem, tail = filename[:-len(".ipynb")], ""
    canvas = CANVAS.match(stem)
    if canvas:
        stem, tail = canvas.group("student"), canvas.group("rest")
    stem = SUBMITTED_AT.sub("", stem)
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


def _newest(files: list[LmsFile]) -> tuple[LmsFile, str]:
    """The file to grade among a student's files, and a sentence saying which and why."""
    dated = [f for f in files if f.submitted_at is not None]
    others = ", ".join(f"{f.name}" for f in files)
    if len(dated) < len(files):
        chosen = max(files, key=lambda f: f.name)
        return chosen, (f"{len(files)} files ({others}); no time for some of them, so graded the last by "
                        f"name, {chosen.name}")
    # Names only decide between files of the same time, so that the choice never depends on order.
    chosen = max(files, key=lambda f: (f.submitted_at, f.name))
    sources = sorted({f.time_source for f in files})
    tie = sum(f.submitted_at == chosen.submitted_at for f in files) > 1
    return chosen, (f"{len(files)} files ({others}); graded the newest, {chosen.name} "
                    f"({chosen.submitted_at:%Y-%m-%d %H:%M:%S}), by {' and '.join(sources)}"
                    + ("; several have that time, so the last by name" if tie else ""))


def import_submissions(source, submitted_dir_for, assignment_id: str, notebook_ids: list[str]) -> ImportReport:
    """Copy the notebooks in ``source`` (folder or zip) to nbgrader's submitted folder.

    ``submitted_dir_for(student)`` gives ``submitted/<student>/<assignment>``.
    A file identical to the one already submitted is left alone; a different one
    replaces it and the student is listed in ``changed`` (so it gets regraded).
    Of several files for one student, the newest is used (see the module docs).
    """
    source = Path(source)
    notebooks = _read_notebooks(source)
    if not notebooks:
        raise SubmissionsError(f"no notebooks (*.ipynb) found in {source}")

    report = ImportReport()
    mapped: dict[tuple[str, str], list[LmsFile]] = {}
    for file in notebooks:
        student, notebook, reason = student_for(file.name, assignment_id, notebook_ids)
        if student is None:
            report.problems.append((file.name, f"{reason}; {NAMING_HINT.format(assignment=assignment_id)}"))
            continue
        file.lms_user_id = lms_user_id(file.name)
        mapped.setdefault((student, notebook), []).append(file)

    for (student, notebook), files in sorted(mapped.items()):
        chosen = files[0]
        if len(files) > 1:
            chosen, report.duplicates[student] = _newest(files)
        if chosen.lms_user_id:
            report.lms_user_ids[student] = chosen.lms_user_id
        target = Path(submitted_dir_for(student)) / f"{notebook}.ipynb"
        if target.exists() and target.read_bytes() == chosen.content:
            report.imported[student] = chosen.name
            continue
        if target.exists():
            report.changed.append(student)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".ipynb.part")
        tmp.write_bytes(chosen.content)
        os.replace(tmp, target)
        report.imported[student] = chosen.name
    return report


# -- what the import leaves for later runs --------------------------------------------------------
def save_import_record(path, report: ImportReport, source) -> None:
    """Merge this import into the record at ``path`` (JSON): the LMS user ids of every student
    ever imported, and the files of the latest export that were not used, with the reason."""
    path = Path(path)
    record = load_import_record(path)
    record["lms_user_ids"].update(report.lms_user_ids)
    record["files"].update(report.imported)
    record.update(source=str(source), imported_at=datetime.datetime.now().isoformat(timespec="seconds"),
                  problems=[list(problem) for problem in report.problems], duplicates=report.duplicates)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def load_import_record(path) -> dict:
    """The record :func:`save_import_record` keeps (empty lists and dicts when there is none)."""
    record = {"lms_user_ids": {}, "files": {}, "problems": [], "duplicates": {}, "source": None,
              "imported_at": None}
    try:
        record.update(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    return record


def write_canvas_csv(path, column: str, rows: list[tuple[str, str | None, float | None]],
                     points_possible: float) -> Path:
    """Write a CSV for Canvas's gradebook import: one row per ``(student, Canvas user id, score)``.

    ``column`` is the assignment's column header: Canvas matches it to an
    assignment by name (or creates one); a student is matched by the ``ID``
    column, Canvas's user id. A score of None is left empty (Canvas then keeps
    what it has).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_COLUMNS, column])
        writer.writerow(["    Points Possible", "", "", "", "", f"{points_possible:g}"])
        for student, user_id, score in rows:
            writer.writerow([student, user_id or "", "", "", "", "" if score is None else f"{score:g}"])
    return path
