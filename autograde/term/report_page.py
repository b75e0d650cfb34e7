"""The class report's Markdown page, the first thing an instructor reads after a run.

From the top: every student accounted for (one line per status, numbers that add up to the
class), a table of every student (points per criterion, total, status, flags, hand overrides,
late work), what the class got wrong, and the students to look at, each with the fix. Every
text a student controls (names, file names, error messages) is escaped
(:func:`autograde.term.text.markdown`): data, never markup. The page and the PNG are removed
before they are written again, so a report that could not be written is never an older one
left looking current.
"""
from __future__ import annotations

import datetime
import statistics
from pathlib import Path

from autograde.grading.protocol import plural
from autograde.term.report import (FIX_FLAG, FIX_LIMIT, FIX_STALE, NOT_GRADED, NOT_HANDED_IN, STATUSES,
                                   ClassResults, StudentState, criterion_table)
from autograde.term.report_plot import plot_class_report
from autograde.term.text import markdown as md


def status_counts(states: dict[str, StudentState], import_record: dict | None = None,
                  unmatched: list[str] = ()) -> dict:
    """The accounting the page and the command's summary print: ``{status: [students]}`` for each of
    :data:`~autograde.term.report.STATUSES` (they add up to the class), and across them the flagged,
    the overridden, the late, the zeros, the out-of-date, the LMS files not used and the
    submissions without a roster entry."""
    record = import_record or {}
    by_status = {status: sorted(s.student for s in states.values() if s.status == status) for status in STATUSES}
    across = {
        "flagged": [s.student for s in states.values() if s.flags],
        "overridden": [s.student for s in states.values() if s.overrides],
        "late": [s.student for s in states.values() if s.seconds_late > 0 or s.marked_late],
        "zero": [s.student for s in states.values() if s.total == 0],
        "stale": [s.student for s in states.values() if s.stale],
        "files_not_used": [one for one, _ in record.get("problems", [])],
        "not_on_roster": sorted(unmatched),
    }
    return {"students": len(states), **by_status, **{key: sorted(value) for key, value in across.items()}}


def _names(students: list[str], limit: int = 12) -> str:
    shown = ", ".join(md(s) for s in students[:limit])
    return shown + (f" and {len(students) - limit} more" if len(students) > limit else "")


def _section(title: str, entries: list[str], fix: str = "") -> list[str]:
    lines = ["", f"### {title}", ""]
    if not entries:
        return lines + ["None."]
    if fix:
        lines += [f"*Fix:* {fix}.", ""]
    return lines + entries


def _score(state: StudentState) -> str:
    return f"{state.total:g} points" if state.total is not None else state.status


def _late(state: StudentState) -> str:
    if state.seconds_late <= 0:
        return ("Canvas marked it late; the gradebook's due date does not (nbgrader db assignment add "
                "--duedate, then regrade with --force)") if state.marked_late else ""
    hours = state.seconds_late / 3600
    late = f"{hours:.1f} h late" if hours < 48 else f"{hours / 24:.1f} days late"
    return late + (f", penalty {state.penalty:g}" if state.penalty else "")


def _student_table(results: ClassResults, states: dict[str, StudentState]) -> list[str]:
    criteria = [name for name, _ in results.criteria]
    head = (["student", *criteria, "total", "status", "flags", "set by hand", "late"])
    lines = ["| " + " | ".join(head) + " |",
             "|---|" + "---:|" * (len(criteria) + 1) + "---|---:|---|---|"]
    for student, state in sorted(states.items()):
        cells = [("" if state.scores.get(name) is None or state.total is None else f"{state.scores[name]:g}")
                 for name in criteria]
        overrides = "; ".join(f"{name} {'?' if auto is None else f'{auto:g}'} → {manual:g}"
                              for name, (auto, manual) in sorted(state.overrides.items()))
        total = "" if state.total is None else f"{state.total:g}"
        lines.append("| " + " | ".join([f"**{md(student)}**", *cells, total, state.status, str(len(state.flags) or ""),
                                        overrides, _late(state)]) + " |")
    return lines


def write_class_report(coursedir, assignment_id: str, out_dir, results: ClassResults,
                       states: dict[str, StudentState], *, import_record: dict | None = None,
                       csv_path=None, lms_csv_path=None, seed: int | None = None, unmatched: list[str] = (),
                       extra_files: list[str] = ()) -> tuple[list[Path], dict]:
    """Write ``<assignment>-report.png`` and ``<assignment>-report.md`` into ``out_dir``.

    Args:
        coursedir: nbgrader's ``CourseDirectory`` of the course.
        assignment_id: the graded assignment.
        out_dir: the reports folder.
        results, states: :func:`autograde.term.report.class_states`.
        import_record: what the last LMS import recorded (:func:`autograde.term.lms.load_import_record`).
        csv_path, lms_csv_path: the grade files written, to name them.
        seed: this run's seed for the hidden inputs.
        unmatched: students with a submission but no roster entry.
        extra_files: more lines for the page's list of files (e.g. the feedback zip).

    Returns:
        The two paths, and :func:`status_counts`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, markdown = out_dir / f"{assignment_id}-report.png", out_dir / f"{assignment_id}-report.md"
    for stale in (png, markdown):  # never an older report left looking current
        stale.unlink(missing_ok=True)
    rows = criterion_table(results, states)
    record = import_record or {"problems": [], "duplicates": {}}
    counts = status_counts(states, record, unmatched)
    by_student = {s.student: s for s in states.values()}
    lines = [f"# Class report: {md(assignment_id)}", "",
             f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M}"
             + (f"; hidden inputs drawn from seed {seed}" if seed is not None else "") + ".", "",
             f"**Every student accounted for: {plural(len(states), 'student')}.**", ""]
    lines += [f"- {status}: {len(counts[status])}" + (f" ({_names(counts[status])})" if counts[status]
                                                      and status != STATUSES[0] else "") for status in STATUSES]
    lines += ["", "Across them: " + "; ".join(f"{label} {len(counts[key])}" for key, label in (
        ("flagged", "flagged for review"), ("overridden", "grades set by hand"), ("late", "late"),
        ("zero", "with 0 points"), ("stale", "graded with out-of-date points or code"),
        ("files_not_used", "LMS files not used"), ("not_on_roster", "submissions not on the roster"))) + ".", ""]
    headline = (f"{assignment_id}: {len(states)} students, "
                + ", ".join(f"{len(counts[status])} {status}" for status in STATUSES)
                + f"; {len(counts['flagged'])} flagged")
    totals = [state.total for state in states.values() if state.total is not None]
    if totals:
        lines += [f"Scores out of {results.max_score:g}: mean {statistics.fmean(totals):.2f}, "
                  f"median {statistics.median(totals):g}, min {min(totals):g}, max {max(totals):g}.", ""]
    look_at = [(NOT_GRADED, counts[NOT_GRADED]), ("0 points", counts["zero"]),
               ("stopped early", counts[STATUSES[1]]), ("flagged", counts["flagged"]),
               ("set by hand", counts["overridden"]), ("late", counts["late"]),
               ("graded with out-of-date points or code", counts["stale"]),
               ("several LMS files", sorted(record.get("duplicates", {}))),
               ("LMS files not used", counts["files_not_used"])]
    plot_class_report(results, rows, headline, look_at, png)
    lines += [f"![score histogram and where the class lost points]({png.name})", "",
              "## Every student", "", *_student_table(results, states), "",
              "## What the class got wrong", "",
              "| criterion | points | mean | lost points | most common message |", "|---|---:|---:|---:|---|"]
    for row in rows:
        message = f"{md(row['message'], 220)} ({plural(row['message_count'], 'student')})" if row["message"] else ""
        lines.append(f"| {row['criterion']} | {row['points']:g} | {row['mean']:.2f} | "
                     f"{row['lost']} of {row['graded']} | {message} |")
    lines += ["", "## Students to look at"]
    lines += _section("Not graded", [
        f"- **{md(s)}**: {md(by_student[s].not_graded)}" + (f". *Fix:* {by_student[s].fix()}" if by_student[s].fix()
                                                            else "") for s in counts[NOT_GRADED]])
    lines += _section("Did not hand in (on the roster, no submission)",
                      [f"- **{md(s)}**" for s in counts[NOT_HANDED_IN]])
    lines += _section("0 points", [f"- **{md(s)}**" + (": " + md("; ".join(by_student[s].limits))
                                                         if by_student[s].limits else "") for s in counts["zero"]],
                      "open the autograded notebook or the feedback: an empty answer, or a mistake that costs "
                      "every criterion")
    lines += _section("Stopped early: a time or sandbox limit, or a dead kernel",
                      [f"- **{md(s)}** ({_score(by_student[s])}): " + md("; ".join(by_student[s].limits))
                       for s in counts[STATUSES[1]]], FIX_LIMIT)
    lines += _section("Flagged for review", [f"- **{md(s)}** ({_score(by_student[s])}): "
                                             + md("; ".join(by_student[s].flags)) for s in counts["flagged"]], FIX_FLAG)
    lines += _section("Grades set by hand (formgrader), kept through every regrade", [
        f"- **{md(s)}**: " + "; ".join(f"{name}: automatic {'none' if auto is None else f'{auto:g}'}, set to {manual:g}"
                                       for name, (auto, manual) in sorted(by_student[s].overrides.items()))
        for s in counts["overridden"]])
    lines += _section("Late", [f"- **{md(s)}**: submitted " + (f"{by_student[s].submitted_at:%Y-%m-%d %H:%M} UTC"
                                                                if by_student[s].submitted_at else "(no time)")
                               + f", {_late(by_student[s])}" for s in counts["late"]])
    lines += _section("Graded with out-of-date points or code",
                      [f"- **{md(s)}**: " + md("; ".join(by_student[s].stale)) for s in counts["stale"]], FIX_STALE)
    lines += _section("Submissions without a roster entry", [f"- **{md(s)}**" for s in counts["not_on_roster"]],
                      "add the student to the roster (or name its column with `--roster-key`), or give their "
                      "Canvas row by hand")
    duplicates = [f"- **{md(student)}** sent {md(why)}"
                  for student, why in sorted(record.get("duplicates", {}).items())]
    lines += _section("Students with several files in the LMS export", duplicates,
                      "nothing to do if the newest is the one to grade; otherwise keep only the right file in "
                      "the export and import it again")
    lines += _section("Files of the LMS export that were not used",
                      [f"- {md(name)}: {md(why)}" for name, why in record.get("problems", [])],
                      "rename the file as the reason says (or ask the student which is theirs) and run "
                      "`python -m autograde grade EXPORT` again")
    feedback = Path(coursedir.root, coursedir.feedback_directory)
    lines += ["", "## Files", "",
              f"- grades (nbgrader's export): `{csv_path}`" if csv_path else "- grades: not exported",
              f"- grades for the LMS (Canvas's gradebook import): `{lms_csv_path}`" if lms_csv_path else
              "- grades for the LMS: not written",
              f"- feedback for students: `{feedback}/<student>/{assignment_id}/*.html`", *extra_files,
              f"- autograded notebooks: `{Path(coursedir.root, coursedir.autograded_directory)}`", ""]
    markdown.write_text("\n".join(lines), encoding="utf-8")
    return [png, markdown], counts
