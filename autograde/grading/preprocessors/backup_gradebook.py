"""Back up the gradebook before a grading run changes it.

The first notebook an ``nbgrader autograde`` (or ``python -m autograde grade``)
process converts triggers one copy of the SQLite gradebook, made with SQLite's
own backup API (a consistent copy even while it is in use), into a
``backups`` folder next to it: ``gradebook-<date>-<time>.db``. The newest
``keep`` copies are kept. Nothing a submission does can reach the gradebook
(grading kernels run in a sandbox without it); the backup covers everything
else, from a wrong ``--force`` to a disk that filled up.
"""
import datetime
import re
import sqlite3
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

_backed_up = set()  # gradebook files backed up by this process


def sqlite_file(db_url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL (relative paths from the current folder), else None."""
    match = re.match(r"^sqlite:///(.+)$", db_url)
    return Path(match.group(1)).resolve() if match else None


def backup_gradebook(db_url: str, keep: int = 20) -> Path | None:
    """Copy the gradebook into ``<its folder>/backups/``; returns the copy (None: nothing to copy)."""
    source = sqlite_file(db_url)
    if source is None or not source.exists():
        return None
    folder = source.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{source.stem}-{stamp}.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    for old in sorted(folder.glob(f"{source.stem}-*.db"))[:-keep]:
        old.unlink()
    return target


class BackupGradebook(NbGraderPreprocessor):
    """Back up the gradebook once per process, before the first notebook is graded."""

    keep = Integer(20, help="How many gradebook backups to keep (the newest).").tag(config=True)

    def preprocess(self, nb, resources):
        db_url = resources["nbgrader"]["db_url"]
        if db_url not in _backed_up:
            _backed_up.add(db_url)
            target = backup_gradebook(db_url, self.keep)
            if target is not None:
                self.log.info("gradebook backed up to %s", target)
        return nb, resources
