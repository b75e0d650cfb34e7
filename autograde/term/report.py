"""The class report written after grading: a PNG and a Markdown page for teaching and for review.

It accounts for every student: those graded, those not graded (with the
reason and the fix), those who hit a time or sandbox limit (graded, but 0 for
what did not run: the "failed to run" count includes them), the flagged ones,
those graded by out-of-date points or code, and the files of the LMS export
that were not used (unusable names, a student's older files). For teaching,
per criterion: how many students lost points and the most common message,
that is what the class misunderstood. The PNG has the score histogram and the
students who lost points per criterion.

Everything is read back from nbgrader's gradebook, the autograded notebooks
(the grader's record in their metadata), the run journal
(:mod:`autograde.term.run_journal`) and the LMS import record (:mod:`autograde.term.lms`),
so the report also covers students graded in earlier runs.
"""
from __future__ import annotations

import datetime
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograde.grading.protocol import KERNEL_FAULTS, flags_of, plural, recorded

#: Error names that mean the notebook did not run to the end normally, and what they mean.
FAULT_NAMES = {**KERNEL_FAULTS, "SandboxLimit": "a limit of the grading sandbox"}
#: What the verdicts say when one call of the student's function hit a limit (autograde.checker.verdicts).
CALL_FAULTS = {
    "did not finish within the time limit": "a call of plot_attention_heatmap ran past its time limit",
    "crashed Python (the process was killed by a signal)":
        "a call of plot_attention_heatmap was killed by a signal (a crash, or a memory or CPU limit)",
}
SANDBOX_PHRASE = "the grading sandbox's limit"

FIX_NOT_GRADED = ("run `python -m autograde grade` again (it grades whoever has no grade); "
                  "if it fails again, read the grading log")
FIX_LIMIT = ("graded already, with 0 for what did not run; open the autograded notebook to see what ran. "
             "If honest code needs more, raise `c.Execute.timeout` or the `c.Sandbox` limits in "
             "nbgrader_config.py and regrade with `--student`")
FIX_FLAG = ("open the autograded notebook (or the feedback) and decide; the points are already those of "
            "what the function really drew, override them in formgrader if you disagree")
FIX_STALE = "run `python -m autograde grade` (without --student): it regrades them"


@dataclass
class StudentState:
    """What the report knows of one student."""

    student: str
    submitted: bool = False
    total: float | None = None             # None: no complete grade
    scores: dict = field(default_factory=dict)
    not_graded: str = ""                   # why there is no grade
    limits: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)  # criterion -> [distinct failure messages]


@dataclass
class ClassResults:
    """Scores of every submission of one assignment, read from the gradebook."""

    assignment_id: str
    criteria: list[tuple[str, float]] = field(default_factory=list)   # (grade_id, max points)
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # student -> grade_id -> score
    totals: dict[str, float] = field(default_factory=dict)
    max_score: float = 0.0

    def graded_students(self) -> list[str]:
        """Students with a score for every criterion."""
        return sorted(s for s, cells in self.scores.items()
                      if cells and all(v is not None for v in cells.values()))

    def lost(self, grade_id: str) -> list[str]:
        """Graded students with less than the full points on one criterion."""
        points = dict(self.criteria)[grade_id]
        return [s for s in self.graded_students() if (self.scores[s].get(grade_id) or 0.0) < points]


def _release_order(coursedir, assignment_id: str) -> list[str]:
    """grade_ids in the order they appear in the released notebooks (best effort)."""
    import nbformat

    order = []
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment_id))
    for path in sorted(release.glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:
            continue
        order += [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    return [grade_id for grade_id in order if grade_id]


def class_results(coursedir, assignment_id: str) -> ClassResults:
    """Read the per-criterion scores of an assignment from nbgrader's gradebook."""
    from autograde.term.gradebook import max_points, scores, submission_totals

    results = ClassResults(assignment_id)
    criteria = max_points(coursedir.db_url, assignment_id)
    results.scores = {student: {name: value for name, value in cells.items() if name in criteria}
                      for student, cells in scores(coursedir.db_url, assignment_id).items()}
    results.totals = submission_totals(coursedir.db_url, assignment_id)
    order = _release_order(coursedir, assignment_id)
    results.criteria = sorted(criteria.items(),
                              key=lambda item: (order.index(item[0]) if item[0] in order else len(order),
                                                item[0]))
    results.max_score = sum(points for _, points in results.criteria)
    return results


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


def normalise_message(message: str) -> str:
    """A failure message without what is particular to one student (their line, quoted texts),
    so that the same mistake is counted once across the class."""
    message = re.split(r", at line \d+ of your answer cell", message)[0]
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "…", message).strip()


def _failure_messages(record: dict) -> dict[str, list[str]]:
    """``{criterion: [distinct failure messages]}`` from the grader's record of one notebook."""
    found: dict[str, list[str]] = {}
    for verdicts in record.get("verdicts", {}).values():
        for criterion, message in (verdicts or {}).items():
            if message and message not in found.setdefault(criterion, []):
                found[criterion].append(message)
    return found


def student_states(coursedir, assignment_id: str, results: ClassResults, not_graded: dict[str, str],
                   gradebook_points: dict) -> dict[str, StudentState]:
    """Every student with a submission or a gradebook entry, with what the report says of them."""
    import nbformat

    from autograde.grading.fingerprint import stale_reasons

    states: dict[str, StudentState] = {}
    submitted_root = Path(coursedir.root, coursedir.submitted_directory)
    for folder in sorted(submitted_root.glob("*")):
        if (folder / assignment_id).is_dir():
            states[folder.name] = StudentState(folder.name, submitted=True)
    for student in results.scores:
        states.setdefault(student, StudentState(student))
    graded = set(results.graded_students())
    for student, state in states.items():
        state.scores = results.scores.get(student, {})
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment_id))
        notebooks = sorted(autograded.glob("*.ipynb"))
        # the last run's failures are not graded, whatever older grade the gradebook keeps (the
        # LMS file leaves them empty too)
        if student in graded and notebooks and student not in not_graded:
            state.total = results.totals.get(student, 0.0)
        else:
            state.not_graded = (not_graded.get(student)
                                or ("no autograded notebook: it was never graded, or its grading did not "
                                    "finish" if not notebooks else "no grade in the gradebook"))
        for path in notebooks:
            try:
                notebook = nbformat.read(path, as_version=4)
            except Exception as exc:  # a damaged file must not lose the rest of the report
                state.not_graded = state.not_graded or f"the autograded notebook cannot be read ({exc})"
                continue
            record = recorded(notebook)
            state.limits += limit_hits(notebook)
            state.flags += [flag for flag in flags_of(notebook) if flag not in state.flags]
            state.messages = _failure_messages(record)
            if state.total is not None:
                state.stale += stale_reasons(notebook, gradebook_points)
    return states


def criterion_table(results: ClassResults, states: dict[str, StudentState]) -> list[dict]:
    """Per criterion: its points, who lost points and the most common message (what the class missed)."""
    rows = []
    graded = results.graded_students()
    for grade_id, points in results.criteria:
        lost = results.lost(grade_id)
        counts, example = Counter(), {}
        # What the class misunderstood shows in notebooks that ran: those stopped early count
        # only when no other student lost the criterion.
        ran = [s for s in lost if s in states and not states[s].limits]
        for student in ran or lost:
            state = states.get(student)
            mistakes = {}  # one count per student and mistake
            for message in (state.messages.get(grade_id, []) if state else []):
                mistakes.setdefault(normalise_message(message), message)
            for key, message in mistakes.items():
                counts[key] += 1
                example.setdefault(key, message)
        common = counts.most_common(1)
        rows.append({"criterion": grade_id, "points": points, "lost": len(lost), "graded": len(graded),
                     "message": example[common[0][0]] if common else "", "message_count": common[0][1] if common else 0,
                     "mean": statistics.fmean([results.scores[s].get(grade_id) or 0.0 for s in graded])
                     if graded else 0.0})
    return rows


def _short(text: str, limit: int = 220) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plot_class_report(results: ClassResults, rows: list[dict], headline: str, look_at: list[tuple[str, list[str]]],
                      path) -> Path:
    """The class report's PNG: the score histogram, the students to look at, and per criterion
    how many lost points with the most common message."""
    import numpy as np
    from matplotlib.figure import Figure

    students = results.graded_students()
    totals = [results.totals[s] for s in students]
    fig = Figure(figsize=(12, 8), layout="constrained")
    fig.suptitle(headline, fontsize=11)
    top_row, lost_ax = fig.subfigures(2, 1, height_ratios=[1, 1.15])
    hist_ax, look_ax = top_row.subplots(1, 2, width_ratios=[1.2, 1])

    top = max(results.max_score, max(totals, default=0))
    bins = np.arange(0, int(np.ceil(top)) + 2) - 0.5
    counts, _, _ = hist_ax.hist(totals, bins=bins, color="#3b75af", edgecolor="white")
    top_count = max(counts.max() if len(counts) else 0, 1) * 1.18  # headroom for the label
    hist_ax.set_ylim(0, top_count)
    if totals:
        mean = statistics.fmean(totals)
        hist_ax.axvline(mean, color="#d1495b", linestyle="--")
        right_half = mean > top / 2  # keep the label inside the axes
        hist_ax.text(mean, top_count, f" mean {mean:.1f} ", color="#d1495b", va="top",
                     ha="right" if right_half else "left")
    hist_ax.set_xticks(range(0, int(np.ceil(top)) + 1))
    hist_ax.set_xlim(bins[0], bins[-1])
    hist_ax.yaxis.get_major_locator().set_params(integer=True)
    hist_ax.set_xlabel(f"score (out of {results.max_score:g})")
    hist_ax.set_ylabel("students")
    hist_ax.set_title(f"Scores of the {len(students)} graded students")

    look_ax.axis("off")
    look_ax.set_title("Students to look at (the report says why, and the fix)")
    lines = []
    for label, names in look_at:
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        lines.append(f"{label} ({len(names)}): {_short(shown, 48) if names else '-'}")
    look_ax.text(0.0, 0.95, "\n\n".join(lines), va="top", ha="left", fontsize=10, transform=look_ax.transAxes,
                 family="DejaVu Sans")

    ax = lost_ax.subplots()
    labels = [f"{row['criterion']} ({row['points']:g} pt{'s' if row['points'] != 1 else ''})" for row in rows]
    positions = np.arange(len(labels))
    ax.barh(positions, [row["lost"] for row in rows], color="#d1495b", height=0.6)
    ax.set_yticks(positions, labels=labels)
    ax.invert_yaxis()
    most = max([len(students), *(row["lost"] for row in rows), 1])
    ax.set_xlim(0, most * 2.6)  # room on the right for the messages
    ax.set_xticks(range(0, most + 1, max(1, most // 5)))
    for y, row in zip(positions, rows):
        share = f" ({100 * row['lost'] / len(students):.0f}%)" if students else ""
        note = f"{row['lost']}{share}"
        if row["message"]:
            note += f"   most common: {_short(row['message'], 80)} ({plural(row['message_count'], 'student')})"
        ax.text(row["lost"] + most * 0.02, y, note, va="center", fontsize=9)
    ax.set_xlabel(f"students who lost points (of {len(students)} graded)")
    ax.set_title("Where the class lost points, and the most common message")
    for axes in (hist_ax, ax):
        axes.spines[["top", "right"]].set_visible(False)

    path = Path(path)
    fig.savefig(path, dpi=100)
    return path


def _section(title: str, entries: list[str], fix: str = "") -> list[str]:
    lines = ["", f"### {title}", ""]
    if not entries:
        return lines + ["None."]
    if fix:
        lines += [f"*Fix:* {fix}.", ""]
    return lines + entries


def class_states(coursedir, assignment_id: str, not_graded: dict[str, str]
                 ) -> tuple[ClassResults, dict[str, StudentState]]:
    """The gradebook's scores and what the report says of every student (``state.total`` is
    None for a student who is not graded): the report and the LMS file are written from these.
    ``not_graded`` is ``{student: reason}`` known from this run and the run journal."""
    results = class_results(coursedir, assignment_id)
    return results, student_states(coursedir, assignment_id, results, not_graded, dict(results.criteria))


def write_class_report(coursedir, assignment_id: str, out_dir, results: ClassResults,
                       states: dict[str, StudentState], *, import_record: dict | None = None,
                       csv_path=None, lms_csv_path=None, seed: int | None = None) -> tuple[list[Path], dict]:
    """Write ``<assignment>-report.png`` and ``<assignment>-report.md`` into ``out_dir``.

    Args:
        coursedir: nbgrader's ``CourseDirectory`` of the course.
        assignment_id: the graded assignment.
        out_dir: the reports folder.
        results, states: :func:`class_states`.
        import_record: what the last LMS import recorded (:func:`autograde.term.lms.load_import_record`).
        csv_path, lms_csv_path: the grade files written, to name them.
        seed: this run's seed for the hidden inputs.

    Returns:
        The two paths, and the counts the command's summary prints (``submitted``,
        ``graded``, ``not_graded``, ``limits``, ``flagged``, ``stale``, ``files_not_used``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = criterion_table(results, states)
    record = import_record or {"problems": [], "duplicates": {}}
    graded = [s for s in states.values() if s.total is not None]
    ungraded = [s for s in states.values() if s.total is None]
    limited = [s for s in states.values() if s.limits]
    flagged = [s for s in states.values() if s.flags]
    stale = [s for s in states.values() if s.stale]
    unused = record.get("problems", [])
    failed_to_run = {s.student for s in ungraded} | {s.student for s in limited}
    counts = {"submitted": len(states), "graded": len(graded), "not_graded": len(ungraded),
              "limits": len(limited), "failed_to_run": len(failed_to_run), "flagged": len(flagged),
              "stale": len(stale), "files_not_used": len(unused), "duplicates": len(record.get("duplicates", {}))}
    headline = (f"{assignment_id}: {len(states)} students, {len(graded)} graded, {len(ungraded)} not graded, "
                f"{len(limited)} stopped early, {len(flagged)} flagged"
                + (f"; {plural(len(unused), 'LMS file')} not used" if unused else ""))
    look_at = [("not graded", [s.student for s in ungraded]), ("stopped early", [s.student for s in limited]),
               ("flagged", [s.student for s in flagged]), ("graded with out-of-date points or code",
                                                            [s.student for s in stale]),
               ("several LMS files", sorted(record.get("duplicates", {}))),
               ("LMS files not used", [name for name, _ in unused])]
    png = plot_class_report(results, rows, headline, look_at, out_dir / f"{assignment_id}-report.png")

    totals = [results.totals[s.student] for s in graded if s.student in results.totals]
    lines = [f"# Class report: {assignment_id}", "",
             f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M}"
             + (f"; hidden inputs drawn from seed {seed}" if seed is not None else "") + ".", "",
             f"**Every student accounted for.** {len(states)} students: {len(graded)} graded, "
             f"{len(ungraded)} not graded; {len(failed_to_run)} failed to run (not graded, or stopped early by "
             f"a time limit, a sandbox limit or a dead kernel: {len(limited)}); {len(flagged)} flagged for review"
             + (f"; {len(stale)} graded with out-of-date points or code" if stale else "")
             + (f". Of the LMS export, {plural(len(unused), 'file')} not used" if unused else "") + ".", ""]
    if totals:
        lines += [f"Scores out of {results.max_score:g}: mean {statistics.fmean(totals):.2f}, "
                  f"median {statistics.median(totals):g}, min {min(totals):g}, max {max(totals):g}.", ""]
    lines += [f"![score histogram and where the class lost points]({png.name})", "",
              "## What the class got wrong", "",
              "| criterion | points | mean | lost points | most common message |", "|---|---:|---:|---:|---|"]
    for row in rows:
        share = f"{row['lost']} of {row['graded']}"
        message = f"{_short(row['message'])} ({plural(row['message_count'], 'student')})" if row["message"] else ""
        lines.append(f"| {row['criterion']} | {row['points']:g} | {row['mean']:.2f} | {share} | "
                     f"{message.replace('|', '/')} |")

    lines += ["", "## Students to look at"]
    lines += _section("Not graded", [f"- **{s.student}**: {s.not_graded}" for s in ungraded], FIX_NOT_GRADED)
    lines += _section("Stopped early: a time or sandbox limit, or a dead kernel",
                      [f"- **{s.student}** ({_score(s)}): " + "; ".join(s.limits) for s in limited], FIX_LIMIT)
    lines += _section("Flagged for review",
                      [f"- **{s.student}** ({_score(s)}): " + "; ".join(s.flags) for s in flagged], FIX_FLAG)
    lines += _section("Graded with out-of-date points or code",
                      [f"- **{s.student}**: " + "; ".join(s.stale) for s in stale], FIX_STALE)
    duplicates = [f"- **{student}** sent {why}" for student, why in sorted(record.get("duplicates", {}).items())]
    lines += _section("Students with several files in the LMS export", duplicates,
                      "nothing to do if the newest is the one to grade; otherwise keep only the right file in "
                      "the export and import it again")
    lines += _section("Files of the LMS export that were not used",
                      [f"- `{name}`: {why}" for name, why in unused],
                      "rename the file as the reason says (or ask the student which is theirs) and run "
                      "`python -m autograde grade EXPORT` again")

    feedback = Path(coursedir.root, coursedir.feedback_directory)
    lines += ["", "## Files", "",
              f"- grades (nbgrader's export): `{csv_path}`" if csv_path else "- grades: not exported",
              f"- grades for the LMS (Canvas's gradebook import): `{lms_csv_path}`" if lms_csv_path else
              "- grades for the LMS: not written",
              f"- feedback for students: `{feedback}/<student>/{assignment_id}/*.html`",
              f"- autograded notebooks: `{Path(coursedir.root, coursedir.autograded_directory)}`", ""]
    markdown = out_dir / f"{assignment_id}-report.md"
    markdown.write_text("\n".join(lines), encoding="utf-8")
    return [png, markdown], counts


def _score(state: StudentState) -> str:
    return f"{state.total:g} points" if state.total is not None else "not graded"
