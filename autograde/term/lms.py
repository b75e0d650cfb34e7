"""The learning-management system round trip: an LMS export in, a gradebook file for the LMS out.

In: LMS exports are one flat folder (or a ``.zip``) of notebooks named after
the student: ``alice.ipynb``, ``alice_challenge.ipynb``,
``alice_04_challenge.ipynb``, Canvas's
``smithjane_12345_67890_04_challenge.ipynb`` (``<name>[_late]_<user id>_<attachment id>_<file>``)
or with a submission time in the name (``alice_attempt_2024-03-13-10-30-15.ipynb``).
nbgrader wants ``submitted/<student>/<assignment>/<notebook>.ipynb``.
:func:`import_submissions` maps one to the other and explains every file it
does not use instead of failing. The export is read by :mod:`.lms_files`:
bounded, and never through a link.

A Canvas student is their Canvas user id, never their name: two students
called Jane Smith are two students (``smithjane`` and ``smithjane-67890``),
and a user id keeps the student id it was first given. What Canvas's file
name says after the two numbers was chosen by the student, so it never
decides anything but which notebook it is. When a student has several
files, the newest is graded: by the LMS's submission time in the file name
(not Canvas's: there the time is the student's text), else the time stored
in the archive, else the file's time; the report says which and why. The
submission time goes into nbgrader's ``timestamp.txt`` (late work), and
Canvas's ``late`` marker and attachment id are kept (the report; the
feedback zip, :mod:`.feedback_zip`).

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
from dataclasses import dataclass, field
from pathlib import Path

from autograde.term.lms_files import (TIME_FROM_ARCHIVE, TIME_FROM_FILE, TIME_FROM_NAME, LmsFile, LmsImport,
                                      SubmissionsError, TooLarge, list_notebooks)

__all__ = ["TIME_FROM_ARCHIVE", "TIME_FROM_FILE", "TIME_FROM_NAME", "LmsImport", "SubmissionsError"]

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
# Canvas: <name>[_late]_<user id>_<submission or attachment id>_<original file name>
CANVAS = re.compile(r"^(?P<student>[^_]+?)(?P<late>_late)?_(?P<user_id>\d+)_(?P<attachment_id>\d+)_(?P<rest>.+)$",
                    re.IGNORECASE)
# A submission time in a file name: Blackboard's _attempt_2024-03-13-10-30-15, or ISO-like 2024-03-13T10:30[:15].
SUBMITTED_AT = re.compile(r"[_ -]?(?:attempt[_ -])?(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[T_ -](?P<h>\d{2})[-:.]"
                          r"(?P<mi>\d{2})(?:[-:.](?P<s>\d{2}))?", re.IGNORECASE)
NAMING_HINT = "name it <student>.ipynb or <student>_{assignment}.ipynb"
#: The first columns of Canvas's gradebook CSV, in the order Canvas exports them.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: nbgrader's submission time file, in the submitted folder (nbgrader collect writes it too).
TIMESTAMP_FILE = "timestamp.txt"


@dataclass
class ImportReport:
    """What ``import_submissions`` did."""

    imported: dict[str, str] = field(default_factory=dict)   # student -> file it came from
    changed: list[str] = field(default_factory=list)         # students whose submission changed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was not used)
    duplicates: dict[str, str] = field(default_factory=dict)  # student -> which of their files was graded, why
    lms_user_ids: dict[str, str] = field(default_factory=dict)  # student -> the LMS's user id
    attachment_ids: dict[str, str] = field(default_factory=dict)  # student -> Canvas's attachment id
    late: dict[str, bool] = field(default_factory=dict)       # student -> Canvas marked the file late
    submitted_at: dict[str, str] = field(default_factory=dict)  # student -> the submission time (UTC)


def _time_in_name(stem: str) -> datetime.datetime | None:
    match = SUBMITTED_AT.search(stem)
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if value is not None}
    try:
        return datetime.datetime(parts["y"], parts["mo"], parts["d"], parts["h"], parts["mi"], parts.get("s", 0))
    except ValueError:
        return None


def _date_from_name(file: LmsFile) -> None:
    """An LMS's own submission time in the name wins over the file's; never in Canvas's names,
    whose text after the numbers is the student's own file name."""
    if CANVAS.match(file.name[:-len(".ipynb")]):
        return
    in_name = _time_in_name(file.name[:-len(".ipynb")])
    if in_name is not None:
        file.submitted_at, file.time_source = in_name, TIME_FROM_NAME


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
        chosen = max(files, key=_order)
        return chosen, (f"{len(files)} files ({others}); no time for some of them, so graded the last by "
                        f"{'Canvas attachment id' if CANVAS.match(chosen.name) else 'name'}, {chosen.name}")
    # Then Canvas's attachment id (a later upload has a larger one), then the name: the choice never
    # depends on the order of the export.
    chosen = max(files, key=lambda f: (f.submitted_at, _order(f)))
    sources = sorted({f.time_source for f in files})
    tie = sum(f.submitted_at == chosen.submitted_at for f in files) > 1
    return chosen, (f"{len(files)} files ({others}); graded the newest, {chosen.name} "
                    f"({chosen.submitted_at:%Y-%m-%d %H:%M:%S}), by {' and '.join(sources)}"
                    + ("; several have that time, so the last by Canvas attachment id or name" if tie else ""))


def _order(file: LmsFile) -> tuple[int, str]:
    canvas = CANVAS.match(file.name[:-len(".ipynb")])
    return (int(canvas.group("attachment_id")) if canvas else -1), file.name


def _canvas_student_ids(names: dict[str, str], known: dict[str, str], taken: set[str]) -> dict[str, str]:
    """``{user id: student id}`` for this export's Canvas users (``names``: user id -> name in the
    files). A user id keeps the id it had (``known``); a new one gets its name, or ``name-<user id>``
    when another Canvas user or student has that name, so two namesakes are never one student."""
    result = {uid: known[uid] for uid in names if uid in known}
    taken = taken | set(known.values())
    new = [uid for uid in names if uid not in known]
    for uid in sorted(new):
        name = names[uid]
        shared = name in taken or sum(names[other] == name for other in new) > 1
        result[uid] = f"{name}-{uid}" if shared else name
    return result


def import_submissions(source, submitted_dir_for, assignment_id: str, notebook_ids: list[str],
                       settings: LmsImport | None = None, known_user_ids: dict[str, str] | None = None
                       ) -> ImportReport:
    """Copy the notebooks in ``source`` (folder or zip) to nbgrader's submitted folder.

    ``submitted_dir_for(student)`` gives ``submitted/<student>/<assignment>``;
    ``known_user_ids`` is ``{student: Canvas user id}`` of earlier imports (their student
    ids are kept). A file identical to the one already submitted is left alone; a different
    one replaces it and the student is listed in ``changed`` (so it gets regraded). Of
    several files for one student, the newest is used (see the module docs).
    """
    settings = settings or LmsImport()
    source = Path(source)
    report = ImportReport()
    notebooks, close = list_notebooks(source, settings, report.problems)
    try:
        if not notebooks and not report.problems:
            raise SubmissionsError(f"no notebooks (*.ipynb) found in {source}")
        _import(notebooks, report, submitted_dir_for, assignment_id, notebook_ids, settings,
                {uid: student for student, uid in (known_user_ids or {}).items()})
    finally:
        close()
    return report


def _import(notebooks, report, submitted_dir_for, assignment_id, notebook_ids, settings, known) -> None:
    by_name: dict[tuple[str, str], list[LmsFile]] = {}
    by_user: dict[tuple[str, str], list[LmsFile]] = {}
    canvas_names: dict[str, str] = {}
    for file in notebooks:
        _date_from_name(file)
        student, notebook, reason = student_for(file.name, assignment_id, notebook_ids)
        if student is None:
            report.problems.append((file.name, f"{reason}; {NAMING_HINT.format(assignment=assignment_id)}"))
            continue
        user_id = lms_user_id(file.name)
        if user_id:
            canvas_names.setdefault(user_id, student)
            by_user.setdefault((user_id, notebook), []).append(file)
        else:
            by_name.setdefault((student, notebook), []).append(file)
    student_of = _canvas_student_ids(canvas_names, known, {student for student, _ in by_name})
    mapped = dict(by_name)
    for (user_id, notebook), files in by_user.items():
        student = student_of[user_id]
        mapped[(student, notebook)] = files
        report.lms_user_ids[student] = user_id

    limit = int(settings.max_notebook_mb * 1e6)
    for (student, notebook), files in sorted(mapped.items()):
        chosen = files[0]
        if len(files) > 1:
            chosen, report.duplicates[student] = _newest(files)
        try:
            content = chosen.read(limit)
        except TooLarge as exc:
            report.problems.append((chosen.name, str(exc)))
            continue
        canvas = CANVAS.match(chosen.name[:-len(".ipynb")])
        if canvas:
            report.attachment_ids[student] = canvas.group("attachment_id")
            report.late[student] = bool(canvas.group("late"))
        if chosen.submitted_at:
            report.submitted_at[student] = f"{chosen.submitted_at:%Y-%m-%d %H:%M:%S} UTC"
        report.imported[student] = chosen.name
        _copy(content, Path(submitted_dir_for(student)), notebook, report.submitted_at.get(student),
              lambda s=student: report.changed.append(s))


def _copy(content: bytes, folder: Path, notebook: str, submitted_at: str | None, changed) -> None:
    """Write one notebook (and its submission time, nbgrader's timestamp.txt) into the submitted folder."""
    target = folder / f"{notebook}.ipynb"
    stamp = folder / TIMESTAMP_FILE
    if target.exists() and target.read_bytes() == content:
        if submitted_at and not stamp.exists():
            stamp.write_text(submitted_at, encoding="utf-8")
        return
    if target.exists():
        changed()
    folder.mkdir(parents=True, exist_ok=True)
    _replace(target, content)
    if submitted_at:
        _replace(stamp, submitted_at.encode())
    else:
        stamp.unlink(missing_ok=True)  # no time known: not an older submission's time either


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- what the import leaves for later runs --------------------------------------------------------
RECORD_MAPS = ("lms_user_ids", "files", "attachment_ids", "late", "submitted_at")


def save_import_record(path, report: ImportReport, source) -> None:
    """Merge this import into the record at ``path`` (JSON): the LMS user ids, attachment ids, late
    markers and submission times of every student ever imported, and the files of the latest export
    that were not used, with the reason."""
    path = Path(path)
    record = load_import_record(path)
    for key, new in zip(RECORD_MAPS, (report.lms_user_ids, report.imported, report.attachment_ids,
                                      report.late, report.submitted_at)):
        record[key].update(new)
    record.update(source=str(source), imported_at=datetime.datetime.now().isoformat(timespec="seconds"),
                  problems=[list(problem) for problem in report.problems], duplicates=report.duplicates)
    _write_record(path, record)


def remember(path, **values) -> None:
    """Keep more in the record (the Canvas column's name given with ``--lms-column``)."""
    _write_record(Path(path), {**load_import_record(path), **values})


def _write_record(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def load_import_record(path) -> dict:
    """The record :func:`save_import_record` keeps (empty lists and dicts when there is none)."""
    record = {**{key: {} for key in RECORD_MAPS}, "problems": [], "duplicates": {}, "source": None,
              "imported_at": None, "lms_column": None}
    try:
        record.update(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    return record


def write_canvas_csv(path, column: str, rows: list[tuple[list[str], str]], points_possible: float) -> Path:
    """Write a CSV for Canvas's gradebook import: one row per student, ``(first five columns, score)``.

    The first five are Canvas's ``Student, ID, SIS User ID, SIS Login ID, Section`` (from the
    roster, or the student id and the LMS user id). ``column`` is the assignment's column header:
    Canvas matches it to an assignment by name (or creates one); a student is matched by the
    ``ID`` column, Canvas's user id. An empty score leaves Canvas's grade as it is.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_COLUMNS, column])
        writer.writerow(["    Points Possible", "", "", "", "", f"{points_possible:g}"])
        for first, score in rows:
            writer.writerow([*first, score])
    os.replace(tmp, path)
    return path
