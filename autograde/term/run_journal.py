"""A small journal of one grading run, so that no student ends without a recorded outcome.

``python -m autograde grade`` writes ``grading/<assignment>-run.json`` before it
grades anyone (every student it will grade, "waiting") and rewrites it, by an
atomic rename, each time a student is graded or fails. A run that ends
normally or by Ctrl-C marks it finished, with every student it did not reach
"not graded" and the reason. A run that is killed cannot write anything more:
its journal still says "waiting" for the students it did not reach, and
:func:`not_graded` reads those as not graded because the run stopped. The
next run reports them and grades them (their autograded notebook was never
written), and the class report lists them until then.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

WAITING, GRADED, NOT_GRADED = "waiting", "graded", "not graded"


def journal_path(state_dir, assignment_id: str) -> Path:
    """Where the journal of an assignment's runs lives (``grading/<assignment>-run.json``)."""
    return Path(state_dir) / f"{assignment_id}-run.json"


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")


class RunJournal:
    """The journal of the run in progress."""

    def __init__(self, path, seed: int | None = None):
        self.path = Path(path)
        self.data = {"started": _now(), "pid": os.getpid(), "seed": seed, "finished": None,
                     "ended_by": None, "students": {}}

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def start(self, students, carried: dict[str, str] | None = None) -> None:
        """Record the students this run will grade, before grading any. ``carried`` are students an
        earlier run left without a grade and this run does not grade, with the reason (kept so the
        report can still say why)."""
        self.data["students"] = {student: {"state": NOT_GRADED, "reason": reason}
                                 for student, reason in sorted((carried or {}).items())}
        self.data["students"].update({student: {"state": WAITING, "reason": ""} for student in sorted(students)})
        self._write()

    def graded(self, student: str) -> None:
        self.data["students"][student] = {"state": GRADED, "reason": ""}
        self._write()

    def not_graded(self, student: str, reason: str) -> None:
        self.data["students"][student] = {"state": NOT_GRADED, "reason": reason}
        self._write()

    def finish(self, interrupted: str | None = None) -> dict[str, str]:
        """Mark the run finished; ``interrupted`` is why the students still waiting were not reached.
        Returns those students with their reason."""
        left = {}
        for student, entry in self.data["students"].items():
            if entry["state"] == WAITING:
                left[student] = interrupted or "the run ended before grading it"
                self.data["students"][student] = {"state": NOT_GRADED, "reason": left[student]}
        self.data.update(finished=_now(), ended_by=interrupted or "completed")
        self._write()
        return left


def load(path) -> dict | None:
    """A journal as written, or None when there is none (or it cannot be read)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def not_graded(path) -> dict[str, str]:
    """``{student: reason}`` for the students the last run did not grade (waiting ones included)."""
    journal = load(path)
    if not journal:
        return {}
    result = {}
    for student, entry in journal.get("students", {}).items():
        if entry.get("state") == NOT_GRADED:
            result[student] = entry.get("reason") or "not graded"
        elif entry.get("state") == WAITING:
            result[student] = (f"the grading run started at {journal.get('started', '?')} (process "
                               f"{journal.get('pid', '?')}) stopped before grading it (it was killed or "
                               f"crashed)")
    return result


def interrupted_run(path) -> dict | None:
    """The last run's journal if that run did not complete (killed, crashed or Ctrl-C), else None."""
    journal = load(path)
    if journal and journal.get("ended_by") != "completed":
        return journal
    return None
