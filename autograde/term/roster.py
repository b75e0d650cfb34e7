"""The class list: Canvas's gradebook export, matched to nbgrader's student ids.

``python -m autograde grade --roster canvas-gradebook.csv`` reads the CSV Canvas gives under
*Grades › Export* (``Student, ID, SIS User ID, SIS Login ID, Section``, then a column per
assignment; a ``Points Possible`` row and, in some exports, a read-only marker row, neither of
them a student). Each roster row is matched to a submission: first by its Canvas user id (the
students of an LMS export carry it in their file names), then by a column whose value is the
nbgrader student id: ``SIS Login ID`` by default (the hub login students submit under), or
the column named with ``--roster-key``. The roster fills the Canvas user ids, names and
sections of students who came through nbgrader's exchange; roster students without a
submission did not hand in; submissions without a roster row are listed. The roster is kept
in ``grading/<assignment>-roster.json``, so later runs (``--student``) use it too.
"""
from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from autograde.term.lms import CANVAS_COLUMNS, STUDENT_ID

DEFAULT_KEY = "SIS Login ID"


class RosterError(Exception):
    """The roster file cannot be used (with what to do about it)."""


@dataclass
class RosterEntry:
    """One student of Canvas's gradebook export."""

    name: str
    user_id: str
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    key: str = ""            # the value of the column that holds the nbgrader student id

    def canvas_row(self) -> list[str]:
        """The row's first five columns, as Canvas exported them."""
        return [self.name, self.user_id, self.sis_user_id, self.sis_login_id, self.section]


def read_roster(path, key: str = DEFAULT_KEY) -> list[RosterEntry]:
    """The students of a Canvas gradebook export; ``key`` names the column holding nbgrader ids."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [name for name in CANVAS_COLUMNS[:2] + (key,) if name not in columns]
            if missing:
                raise RosterError(f"{path} has no column {', '.join(repr(m) for m in missing)} (its columns: "
                                  f"{', '.join(columns[:8])}); export it from Canvas's Grades › Export, or name "
                                  f"the column that holds the student ids with --roster-key")
            entries = [RosterEntry(row["Student"].strip(), row["ID"].strip(), (row.get("SIS User ID") or "").strip(),
                                   (row.get("SIS Login ID") or "").strip(), (row.get("Section") or "").strip(),
                                   (row.get(key) or "").strip())
                       for row in reader if (row.get("ID") or "").strip().isdigit()]  # no Points Possible row
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise RosterError(f"{path} is not a CSV file ({exc})") from None
    if not entries:
        raise RosterError(f"{path} lists no students (no row with a Canvas user id in its ID column)")
    return entries


def roster_for_run(kept, path, key: str | None, absent_zero: bool | None
                   ) -> tuple[list[RosterEntry], bool, str | None]:
    """``(roster, absent_zero, where it came from)`` for a run: the roster given now (kept at
    ``kept`` for later runs, with the choice of 0 or blank for who did not hand in), else the one
    kept, else none."""
    kept = Path(kept)
    if path is not None:
        entries, source = read_roster(path, key or DEFAULT_KEY), str(path)
    else:
        try:
            data = json.loads(kept.read_text(encoding="utf-8"))
            entries = [RosterEntry(**entry) for entry in data["students"]]
        except (OSError, ValueError, KeyError, TypeError):
            return [], bool(absent_zero), None
        source = f"{data.get('source')} (kept in {kept.name})"
        absent_zero = data.get("absent_zero", False) if absent_zero is None else absent_zero
    absent_zero = bool(absent_zero)
    tmp = kept.with_suffix(".part")
    tmp.write_text(json.dumps({"source": source.split(" (kept in")[0], "absent_zero": absent_zero,
                               "students": [asdict(e) for e in entries]}, indent=1), encoding="utf-8")
    os.replace(tmp, kept)
    return entries, absent_zero, source


def match(entries: list[RosterEntry], students, lms_user_ids: dict[str, str]
          ) -> tuple[dict[str, RosterEntry], list[RosterEntry], list[str]]:
    """``(matched, without_submission, unmatched)``: ``{student: entry}`` for the students with a
    roster row (by Canvas user id, then by the key column, ignoring case), the roster rows without a
    submission, and the students without a row."""
    by_user_id = {entry.user_id: entry for entry in entries}
    by_key = {entry.key.lower(): entry for entry in entries if entry.key}
    matched = {}
    for student in sorted(students):
        entry = by_user_id.get(lms_user_ids.get(student, "")) or by_key.get(student.lower())
        if entry is not None and entry not in matched.values():
            matched[student] = entry
    taken = {id(entry) for entry in matched.values()}
    return (matched, [entry for entry in entries if id(entry) not in taken],
            sorted(set(students) - set(matched)))


def student_ids(entries: list[RosterEntry], known: dict[str, str]) -> dict[str, str]:
    """``{student: Canvas user id}`` for an LMS import: the ids ``known`` from earlier imports, and for
    every other roster student the value of the key column (their hub login), so that a student has
    one id whether they hand in through the exchange or through Canvas."""
    taken = set(known.values())
    ids = {entry.key: entry.user_id for entry in entries
           if entry.key and entry.user_id not in taken and entry.key not in known and STUDENT_ID.match(entry.key)}
    return {**ids, **known}


def absent_id(entry: RosterEntry) -> str:
    """The name a roster student without a submission goes by in the report."""
    return entry.key or entry.sis_login_id or f"{entry.name} ({entry.user_id})"
