"""What the kit reads of each autograded notebook, kept until the file changes.

The class report needs, of every student's autograded notebook, the limits it hit, its flags and
its failure messages; a run needs the points and the grader it was graded with, to tell a grade
out of date. Reading 10,000 notebooks takes longer than everything else a run does at its end,
and every run (``grade --student alice`` too) needs them all. So the facts of each notebook are
kept in ``grading/<assignment>-autograded.json`` with the file's size, times and inode, and a
notebook is read again only when one of them changed (a regrade writes a new file): a run reads
the notebooks it graded, and stats the others. The cache is only a cache: a missing, damaged or
older one (another version of this module) is rebuilt from the notebooks.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograde.grading.fingerprint import FINGERPRINT_KEY, stale_reasons_of
from autograde.grading.protocol import KERNEL_FAULTS, criterion_points, flags_of, recorded

#: Error names that mean the notebook did not run to the end normally, and what they mean.
FAULT_NAMES = {**KERNEL_FAULTS, "SandboxLimit": "a limit of the grading sandbox"}
#: What the verdicts say when one call of the student's function hit a limit (autograde.checker.verdicts).
CALL_FAULTS = {
    "did not finish within the time limit": "a call of plot_attention_heatmap ran past its time limit",
    "crashed Python (the process was killed by a signal)":
        "a call of plot_attention_heatmap was killed by a signal (a crash, or a memory or CPU limit)",
}
SANDBOX_PHRASE = "the grading sandbox's limit"
@functools.cache
def _version() -> str:
    """Cached facts are only reused when read by the same code (this module and the protocol it
    reads with); hashed when a cache is first read, not when the module is imported."""
    return hashlib.sha256(b"".join(Path(module).read_bytes() for module in (
        __file__, Path(__file__).parents[1] / "grading" / "protocol.py"))).hexdigest()[:16]


def limit_hits(notebook) -> list[str]:
    """Why an autograded notebook did not run normally (a time or sandbox limit, a dead kernel), if so.

    One entry per kind of fault, naming the first cell it hit (from the cells'
    error outputs, the sandbox's report and the verdicts of the calls).
    """
    hits: dict[str, str] = {}
    record = recorded(notebook)
    sandbox = record.get("sandbox") or {}
    if sandbox.get("limit"):
        hits[sandbox.get("limit_message") or f"the grading sandbox's {sandbox['limit']} limit"] = ""
    for cell in notebook.cells:
        where = cell.metadata.get("nbgrader", {}).get("grade_id") or "an ungraded cell"
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            name, value = output.get("ename", ""), str(output.get("evalue", ""))
            reason = FAULT_NAMES.get(name)
            if name == "SandboxLimit" or SANDBOX_PHRASE in value:
                reason = value.split("\n")[0] or reason
            if reason and not any(reason in known or known in reason for known in hits):
                hits[reason] = where
    for verdicts in record.get("verdicts", {}).values():
        for message in (verdicts or {}).values():
            for phrase, reason in CALL_FAULTS.items():
                if message and phrase in message:
                    hits.setdefault(reason, "")
            for name, reason in FAULT_NAMES.items():
                if message and f"{name}:" in message and not any(reason in known for known in hits):
                    hits[reason] = ""
    return [reason + (f" (in {where})" if where else "") for reason, where in hits.items()]


def failure_messages(record: dict) -> dict[str, list[str]]:
    """``{criterion: [distinct failure messages]}`` from the grader's record of one notebook."""
    found: dict[str, list[str]] = {}
    for verdicts in record.get("verdicts", {}).values():
        for criterion, message in (verdicts or {}).items():
            if message and message not in found.setdefault(criterion, []):
                found[criterion].append(message)
    return found


@dataclass
class NotebookFacts:
    """What the report and a run read of one autograded notebook."""

    limits: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    messages: dict[str, list[str]] = field(default_factory=dict)  # criterion -> distinct failure messages
    points: dict[str, float] = field(default_factory=dict)        # the points it was graded with
    grader: object = None                                         # the grading code's fingerprint
    error: str = ""                                               # why it cannot be read (str of the error)
    error_name: str = ""                                          # the error's type

    @classmethod
    def of(cls, notebook) -> NotebookFacts:
        return cls(limit_hits(notebook), flags_of(notebook), failure_messages(recorded(notebook)),
                   criterion_points(notebook), recorded(notebook).get(FINGERPRINT_KEY))

    def stale(self, gradebook_points: dict) -> list[str]:
        """Why its grade is out of date (:func:`autograde.grading.fingerprint.stale_reasons`)."""
        return stale_reasons_of(self.points, self.grader, gradebook_points)


def files_in(folder, suffix: str = ".ipynb") -> list[Path]:
    """The files of one student's folder whose names end with ``suffix``, sorted, as ``glob("*" + suffix)``
    finds them (none when the folder does not exist). A plain directory scan, three times faster: the
    kit lists the folders of every student of the class in each run."""
    try:
        with os.scandir(folder) as found:
            return sorted(Path(entry.path) for entry in found
                          if entry.name.endswith(suffix) and not entry.name.startswith(".") and entry.is_file())
    except OSError:
        return []


def cache_path(coursedir, assignment_id: str) -> Path:
    """``grading/<assignment>-autograded.json``: next to the autograded folder, with the run journal."""
    return Path(coursedir.root, coursedir.autograded_directory).parent / f"{assignment_id}-autograded.json"


def _stamp(stat: os.stat_result) -> list[int]:
    """What changes when a file is written again (the change time cannot be set back by hand)."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _read(path: Path) -> NotebookFacts:
    import nbformat

    try:
        return NotebookFacts.of(nbformat.read(path, as_version=4))
    except Exception as exc:  # a damaged file must not lose the rest of the report
        return NotebookFacts(error=str(exc), error_name=type(exc).__name__)


def read_facts(paths, cache: Path) -> dict[Path, NotebookFacts]:
    """``{path: NotebookFacts}`` for autograded notebooks, read only where the cache at ``cache``
    has none for the file as it is now; the cache then keeps these notebooks' facts (no others)."""
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        entries = kept["notebooks"] if kept.get("version") == _version() else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        entries = {}
    facts, fresh = {}, {}
    for path in map(Path, paths):
        try:
            stamp = _stamp(path.stat())
        except OSError:
            stamp = None
        entry = entries.get(str(path))
        if stamp is not None and isinstance(entry, dict) and entry.get("stamp") == stamp:
            try:
                facts[path], fresh[str(path)] = NotebookFacts(**entry["facts"]), entry
                continue
            except TypeError:
                pass
        facts[path] = _read(path)
        if stamp is not None:
            fresh[str(path)] = {"stamp": stamp, "facts": asdict(facts[path])}
    if fresh != entries:
        try:
            tmp = cache.with_suffix(".part")
            tmp.write_text(json.dumps({"version": _version(), "notebooks": fresh}), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass  # a cache that cannot be written costs time, never a grade
    return facts
