"""``nbgrader collect`` that takes only what a student may hand in: their own folders, regular files.

nbgrader's collect copies each student's newest folder from the exchange's ``inbound/``
with ``shutil.copytree``, as the instructor. A student decides what that folder holds: a
symbolic link ``notes.txt -> /course/grading/gradebook.db`` is copied as the gradebook
itself, and a link to a classmate's submission as their answer, into the student's own
folder, where the student's code reads it at grading. On a JupyterHub, where each student
has a uid of their own and ``inbound/`` is writable by all, a student can also create a
folder named after a classmate (``alice+challenge+<a later time>+x``), and nbgrader takes
the newest: a blank notebook in alice's place.

:class:`SafeExchangeCollect` (``c.ExchangeFactory.collect`` in ``nbgrader_config.py``)
is nbgrader's collect with two differences:

* it takes an inbound folder only when its owner is the student it names (setting
  ``require_owner``), and the folders it refuses never compete with the student's own;
* it copies regular files and folders only (:func:`autograde.sandbox.files.copy_regular_files`):
  symbolic links, hard links, FIFOs, sockets and devices are refused, never followed.

Every refusal is logged and recorded (:mod:`autograde.grading.refusals`): the student who
sent it, or who owns a folder planted under another's name, is flagged once graded.
"""
from __future__ import annotations

import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns
from traitlets import Enum

from autograde.grading import refusals
from autograde.sandbox.files import copy_regular_files, describe

#: A refused folder's group in nbgrader's choice of each student's newest folder: its own,
#: so it never competes with the folders of the student it names.
_REFUSED = "\0refused:"


def owner_name(uid: int) -> str:
    """The user name of ``uid`` (``uid 1234`` when it has none)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect: only folders owned by the student they name, only regular files."""

    require_owner = Enum(["auto", "always", "never"], default_value="auto", help=(
        "Which inbound folders collect takes. 'auto' (the default): a folder owned by the "
        "student it names, or by you (who collect: a course where students have no accounts "
        "of their own, or where you submit for them); on a JupyterHub, where each student "
        "has a uid of their own, a folder a classmate created under another's name is "
        "refused and its owner flagged. 'always': only folders owned by the student they "
        "name. 'never': every folder, whoever owns it (nbgrader's own rule; it only warns). "
        "Student ids must then be the students' user names.")).tag(config=True)

    def _refusal(self, path: str, student: str) -> tuple[str, str] | None:
        """``(owner, why)`` when the inbound folder ``path`` must not be taken for ``student``."""
        info = os.lstat(path)
        owner = owner_name(info.st_uid)
        if not stat.S_ISDIR(info.st_mode):
            target = os.readlink(path) if stat.S_ISLNK(info.st_mode) else None
            return owner, describe(os.path.basename(path), info, target) + ", not a folder"
        if self.require_owner == "never" or owner == student:
            return None
        if self.require_owner == "auto" and info.st_uid == os.geteuid():
            return None
        return owner, f"{os.path.basename(path)!r} claims to be {student!r}'s but belongs to {owner!r}"

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        refusal = self._refusal(path, record["username"])
        if refusal:
            record["refused"] = refusal
            record["username"] = _REFUSED + record["filename"]
        return record

    def _submitted(self, student: str) -> str:
        return self.coursedir.format_path(self.coursedir.submitted_directory, student,
                                          self.coursedir.assignment_id)

    def copy_files(self):
        for record in [r for r in self.src_records if "refused" in r]:
            owner, why = record["refused"]
            self.log.warning("Not collected: %s (the owner, %s, is flagged)", why, owner)
            refusals.note(self._submitted(owner), "planted", [
                f"a folder in the exchange was not collected: {why}"])
        self.src_records = [r for r in self.src_records if "refused" not in r]
        super().copy_files()

    def do_copy(self, src, dest, log=None):
        """Copy one submission folder: regular files only (nbgrader's ``ignore``, ``include``,
        ``max_file_size`` and ``max_dir_size`` as in its own collect)."""
        coursedir = self.coursedir
        if self.get_size(src) > 1000 * coursedir.max_dir_size:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big. Size is {self.get_size(src)}, maximum size is "
                               f"{1000 * coursedir.max_dir_size}")
        student = os.path.basename(os.path.dirname(os.path.normpath(dest)))
        try:
            refused = copy_regular_files(src, dest, ignore_patterns(
                exclude=coursedir.ignore, include=coursedir.include, max_file_size=coursedir.max_file_size,
                log=self.log))
        except OSError as error:  # the folder changed under the copy (e.g. now a link): nothing taken
            shutil.rmtree(dest, ignore_errors=True)
            refused = [f"{os.path.basename(src)!r} could not be copied ({error.strerror or error})"]
        for why in refused:
            self.log.warning("%s: not collected: %s", student, why)
        refusals.note(dest, "collected", [f"not collected from the exchange: {why}" for why in refused],
                      replace=True)
        if coursedir.groupshared:  # as nbgrader's own collect: group members share the copy
            for folder, _, files in os.walk(dest):
                os.chmod(folder, (os.stat(folder).st_mode | 0o2770) & 0o2777)
                for name in files:
                    path = os.path.join(folder, name)
                    os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)

