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

import os
import zipfile
from pathlib import Path


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
        pages = sorted((feedback_root / student / assignment_id).glob("*.html"))
        if not (user_id and attachment_id and pages):
            missing.append(student)
            continue
        entries += [(page, feedback_entry_name(student, user_id, attachment_id, page.name)) for page in pages]
    path = Path(path)
    path.unlink(missing_ok=True)
    if not entries:
        return None, missing
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for page, name in entries:
            bundle.write(page, name)
    os.replace(tmp, path)
    return path, missing
