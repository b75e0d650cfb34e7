"""A small journal of one grading run, so that no student ends without a recorded outcome.

``python -m autograde grade`` starts ``grading/<assignment>-run.jsonl`` before it grades anyone
(one line: every student it will grade, "waiting") and appends one line each time a student is
graded or fails; the state is folded from the lines when the journal is read. A line costs the
same for the 10th student as for the 10,000th (the journal used to rewrite itself for each
student, which made a run's journal cost grow as the square of the class). A run that ends
normally or by Ctrl-C appends a last line: finished, with why the students still waiting were
not reached. A run that is killed cannot write anything more: its journal still says "waiting"
for the students it did not reach, and :func:`not_graded` reads those as not graded because the
run stopped. A kill in the middle of a write leaves a torn last line, which is ignored. The next
run reports them and grades them (their autograded notebook was never written), and the class
report lists them until then.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

WAITING, GRADED, NOT_GRADED = "waiting", "graded", "not graded"


def journal_path(state_dir, assignment_id: str) -> Path:
    """Where the journal of an assignment's runs lives (``grading/<assignment>-run.jsonl``)."""
    return Path(state_dir) / f"{assignment_id}-run.jsonl"


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")


class RunJournal:
    """The journal of the run in progress: :meth:`start` it, then one line per event."""

    def __init__(self, path, seed: int | None = None):
        self.path = Path(path)
        self.seed = seed
        self.waiting: set[str] = set()

    def _append(self, event: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(event, sort_keys=True) + "\n")

    def start(self, students, carried: dict[str, str] | None = None) -> None:
        """Begin a new journal with the students this run will grade, before grading any. ``carried``
        are students an earlier run left without a grade and this run does not grade, with the reason
        (kept so the report can still say why)."""
        self.waiting = set(students)
        first = {"event": "start", "started": _now(), "pid": os.getpid(), "seed": self.seed,
                 "waiting": sorted(self.waiting), "carried": dict(sorted((carried or {}).items()))}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".part")
        tmp.write_text(json.dumps(first, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)  # the last run's journal is replaced whole, never mixed with this one's

    def graded(self, student: str) -> None:
        self.waiting.discard(student)
        self._append({"event": GRADED, "student": student})

    def not_graded(self, student: str, reason: str) -> None:
        self.waiting.discard(student)
        self._append({"event": NOT_GRADED, "student": student, "reason": reason})

    def finish(self, interrupted: str | None = None) -> dict[str, str]:
        """Mark the run finished; ``interrupted`` is why the students still waiting were not reached.
        Returns those students with their reason."""
        reason = interrupted or "the run ended before grading it"
        left = {student: reason for student in sorted(self.waiting)}
        self._append({"event": "finish", "finished": _now(), "ended_by": interrupted or "completed",
                      "reason": reason})
        self.waiting = set()
        return left


def _events(path):
    """The journal's events in order; a line that cannot be read (the torn last line of a killed
    run) is skipped."""
    try:
        with open(path, encoding="utf-8") as journal:
            for line in journal:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    yield event
    except (OSError, UnicodeDecodeError):
        return


def load(path) -> dict | None:
    """The journal folded into one state: ``started``, ``pid``, ``seed``, ``finished``, ``ended_by``
    and ``students`` (``{student: {"state", "reason"}}``); None when there is none (or no start)."""
    journal = None
    for event in _events(path):
        kind, student = event.get("event"), event.get("student")
        if kind == "start":
            journal = {"started": event.get("started"), "pid": event.get("pid"), "seed": event.get("seed"),
                       "finished": None, "ended_by": None,
                       "students": {s: {"state": NOT_GRADED, "reason": str(why)}
                                    for s, why in (event.get("carried") or {}).items()}}
            journal["students"].update({s: {"state": WAITING, "reason": ""} for s in event.get("waiting") or []})
        elif journal is None:
            continue
        elif kind in (GRADED, NOT_GRADED) and isinstance(student, str):
            journal["students"][student] = {"state": kind, "reason": str(event.get("reason") or "")}
        elif kind == "finish":
            for entry in journal["students"].values():
                if entry["state"] == WAITING:
                    entry.update(state=NOT_GRADED, reason=str(event.get("reason") or ""))
            journal.update(finished=event.get("finished"), ended_by=event.get("ended_by"))
    return journal


def not_graded(path) -> dict[str, str]:
    """``{student: reason}`` for the students the last run did not grade (waiting ones included)."""
    journal = load(path)
    if not journal:
        return {}
    result = {}
    for student, entry in journal["students"].items():
        if entry["state"] == NOT_GRADED:
            result[student] = entry["reason"] or "not graded"
        elif entry["state"] == WAITING:
            result[student] = (f"the grading run started at {journal.get('started') or '?'} (process "
                               f"{journal.get('pid') or '?'}) stopped before grading it (it was killed or "
                               f"crashed)")
    return result


def interrupted_run(path) -> dict | None:
    """The last run's journal if that run did not complete (killed, crashed or Ctrl-C), else None."""
    journal = load(path)
    if journal and journal.get("ended_by") != "completed":
        return journal
    return None
