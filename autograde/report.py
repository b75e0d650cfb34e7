"""The class report written after grading: a PNG and a short Markdown summary.

The PNG has the score histogram and, per graded criterion (nbgrader grade
cell), the share of students who got its full points. The Markdown lists the
score figures, the same per-criterion table, the submissions flagged by the
checker (``autograde.flags``) and the submissions that failed to run.
Everything is read back from nbgrader's gradebook and autograded notebooks, so
the report also covers students graded in earlier runs.
"""
from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from pathlib import Path

# Error names that mean the notebook did not run to the end normally: the
# kernel died or a cell hit the time limit. nbgrader records a grade for the
# cells anyway; the report still lists the submission as failing to run.
FAULT_NAMES = {
    "DeadKernelError": "the kernel died",
    "CellTimeoutError": "a cell ran past the time limit",
    "TimeoutError": "a cell ran past the time limit",
    "KernelDied": "the kernel died",
    "KernelDiedError": "the kernel died",
    "UnresponsiveKernelError": "the kernel stopped responding",
}


@dataclass
class ClassResults:
    """Scores of every submission of one assignment, read from the gradebook."""

    assignment_id: str
    criteria: list[tuple[str, float]] = field(default_factory=list)   # (grade_id, max points)
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)  # student -> grade_id -> score
    totals: dict[str, float] = field(default_factory=dict)
    max_score: float = 0.0

    def graded_students(self) -> list[str]:
        """Students with an automatic score for every criterion."""
        return sorted(s for s, cells in self.scores.items()
                      if cells and all(v is not None for v in cells.values()))

    def pass_rate(self, grade_id: str) -> float:
        """Share of graded students with full points on one criterion (0..1)."""
        students = self.graded_students()
        if not students:
            return 0.0
        points = dict(self.criteria)[grade_id]
        return sum(self.scores[s].get(grade_id) == points for s in students) / len(students)


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
    from nbgrader.api import Gradebook

    results = ClassResults(assignment_id)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        assignment = gradebook.find_assignment(assignment_id)
        criteria = {cell.name: float(cell.max_score)
                    for notebook in assignment.notebooks for cell in notebook.grade_cells}
        for submission in assignment.submissions:
            cells = {grade.name: grade.score for notebook in submission.notebooks
                     for grade in notebook.grades if grade.name in criteria}
            if any(grade.auto_score is None and grade.manual_score is None
                   for notebook in submission.notebooks for grade in notebook.grades
                   if grade.name in criteria):
                cells = {name: None for name in cells}
            results.scores[submission.student_id] = cells
            results.totals[submission.student_id] = float(submission.score or 0.0)
    order = _release_order(coursedir, assignment_id)
    results.criteria = sorted(criteria.items(),
                              key=lambda item: (order.index(item[0]) if item[0] in order else len(order),
                                                item[0]))
    results.max_score = sum(points for _, points in results.criteria)
    return results


def execution_faults(notebook_path) -> list[str]:
    """Why an autograded notebook did not run normally (kernel death, time-outs), if it did not.

    One entry per kind of fault, naming the first cell it hit and how many
    more cells it affected.
    """
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    hits: dict[str, list[str]] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            reason = FAULT_NAMES.get(output.get("ename", ""))
            text = f"{output.get('ename', '')} {output.get('evalue', '')}".lower()
            if reason is None and ("kernel died" in text or "timed out" in text):
                reason = "the kernel died" if "died" in text else "a cell ran past the time limit"
            if reason:
                hits.setdefault(reason, []).append(
                    cell.metadata.get("nbgrader", {}).get("grade_id", "an ungraded cell"))
                break
    return [f"{reason} in {cells[0]}" + (f" ({len(cells) - 1} more cells not run)" if len(cells) > 1 else "")
            for reason, cells in hits.items()]


def find_flagged(coursedir) -> tuple[list[tuple[str, str]], str]:
    """(student, reason) pairs from the checker's tamper flags, and a note if unavailable."""
    autograded_root = Path(coursedir.root) / coursedir.autograded_directory
    try:
        from autograde.flags import find_flags
    except ImportError:
        return [], "flag detection is not installed (autograde/flags.py is missing)"
    try:
        return sorted(find_flags(autograded_root)), ""
    except Exception as exc:  # a broken flag scan must not lose the rest of the report
        return [], f"flag detection failed: {type(exc).__name__}: {exc}"


def failed_to_run(coursedir, assignment_id: str, failed_now: dict[str, str]) -> dict[str, str]:
    """Students whose submission could not be graded or did not run normally, with the reason."""
    failed = dict(failed_now)
    for student_dir in sorted(Path(coursedir.root, coursedir.submitted_directory).glob("*")):
        student = student_dir.name
        if student in failed or not (student_dir / assignment_id).is_dir():
            continue
        graded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment_id))
        notebooks = sorted(graded.glob("*.ipynb"))
        if not notebooks:
            failed[student] = "not graded: no autograded notebook (see the grading log)"
            continue
        reasons = [r for path in notebooks for r in execution_faults(path)]
        if reasons:
            failed[student] = "graded, but " + "; ".join(reasons)
    return dict(sorted(failed.items()))


def plot_class_report(results: ClassResults, path) -> Path:
    """Score histogram and pass rate per criterion, side by side, saved as a PNG."""
    import numpy as np
    from matplotlib.figure import Figure

    students = results.graded_students()
    totals = [results.totals[s] for s in students]
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    hist_ax, rate_ax = fig.subplots(1, 2, width_ratios=[1.1, 1])

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
    ungraded = len(results.scores) - len(students)
    hist_ax.set_title(f"Scores: {results.assignment_id}, {len(students)} students graded"
                      + (f" ({ungraded} not graded)" if ungraded else ""))

    labels = [f"{grade_id} ({points:g} pt{'s' if points != 1 else ''})" for grade_id, points in results.criteria]
    rates = [100 * results.pass_rate(grade_id) for grade_id, _ in results.criteria]
    positions = np.arange(len(labels))
    rate_ax.barh(positions, rates, color="#00798c")
    rate_ax.set_yticks(positions, labels=labels)
    rate_ax.invert_yaxis()
    rate_ax.set_xlim(0, 115)
    rate_ax.set_xticks(range(0, 101, 25))
    for y, rate in zip(positions, rates):
        rate_ax.text(rate + 1.5, y, f"{rate:.0f}%", va="center", fontsize=9)
    rate_ax.set_xlabel("students with full points (%)")
    rate_ax.set_title("Pass rate per criterion")
    for ax in (hist_ax, rate_ax):
        ax.spines[["top", "right"]].set_visible(False)

    path = Path(path)
    fig.savefig(path, dpi=110)
    return path


def _markdown(results: ClassResults, flagged, flag_note: str, failed: dict[str, str],
              png: Path, csv_path: Path | None, coursedir) -> str:
    students = results.graded_students()
    totals = [results.totals[s] for s in students]
    lines = [f"# Class report: {results.assignment_id}", "",
             f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M}. "
             f"{len(results.scores)} submissions in the gradebook, {len(students)} graded, "
             f"{len(failed)} failed to run, {len(flagged)} flagged.", ""]
    if totals:
        lines += [f"Scores out of {results.max_score:g}: mean {statistics.fmean(totals):.2f}, "
                  f"median {statistics.median(totals):g}, min {min(totals):g}, max {max(totals):g}.", ""]
    lines += [f"![score histogram and pass rate per criterion]({png.name})", "",
              "| criterion | points | full points | mean points |", "|---|---:|---:|---:|"]
    for grade_id, points in results.criteria:
        got = [results.scores[s].get(grade_id) or 0.0 for s in students]
        mean = statistics.fmean(got) if got else 0.0
        lines.append(f"| {grade_id} | {points:g} | {100 * results.pass_rate(grade_id):.0f}% | {mean:.2f} |")

    lines += ["", "## Flagged submissions", ""]
    if flag_note:
        lines.append(f"_{flag_note}_")
    elif flagged:
        lines += [f"- **{student}**: {reason}" for student, reason in flagged]
    else:
        lines.append("None.")

    lines += ["", "## Submissions that failed to run", ""]
    lines += [f"- **{student}**: {reason}" for student, reason in failed.items()] or ["None."]

    feedback = Path(coursedir.root, coursedir.feedback_directory)
    lines += ["", "## Files", "",
              f"- grades: `{csv_path}`" if csv_path else "- grades: not exported",
              f"- feedback for students: `{feedback}/<student>/{results.assignment_id}/*.html`",
              f"- autograded notebooks: `{Path(coursedir.root, coursedir.autograded_directory)}`", ""]
    return "\n".join(lines)


def write_class_report(coursedir, assignment_id: str, failed_now: dict[str, str], out_dir,
                       csv_path=None) -> list[Path]:
    """Write ``<assignment>-report.png`` and ``<assignment>-report.md`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = class_results(coursedir, assignment_id)
    flagged, flag_note = find_flagged(coursedir)
    failed = failed_to_run(coursedir, assignment_id, failed_now)
    png = plot_class_report(results, out_dir / f"{assignment_id}-report.png")
    markdown = out_dir / f"{assignment_id}-report.md"
    markdown.write_text(_markdown(results, flagged, flag_note, failed, png, csv_path, coursedir),
                        encoding="utf-8")
    return [png, markdown]
