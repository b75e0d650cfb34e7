"""The grading kit's command line: ``python -m autograde <command>``, run from the course root.

    python -m autograde grade [SUBMISSIONS] [--student NAME ...] [--roster CSV] [--jobs N] [--force] ...
    python -m autograde flags [AUTOGRADED_FOLDER]
    python -m autograde build
    python -m autograde build-checker

Each command is a thin layer over one documented function: ``grade`` over
:func:`autograde.term.class_grading.grade_class`, ``flags`` over
:func:`autograde.term.flags.print_flags`, ``build`` over
:func:`autograde.generate.checker.write_checker` and
:func:`autograde.generate.points.write_points` (what ``./course generate`` runs
before nbgrader), ``build-checker`` over the first alone.

Exit status of ``grade``: 0 when every student with a submission is graded and none is flagged;
3 when a student is not graded or a submission is flagged (the summary and the report say who;
``--allow-ungraded`` makes it 0); 1 when the run cannot start or the report cannot be written
(the grade files are written all the same); 2 for a usage error; 130 when interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


EXIT_ATTENTION = 3  # a student is not graded or a submission is flagged


def _grade_arguments(grade: argparse.ArgumentParser) -> None:
    grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS",
                       help="a folder or .zip of notebooks named by student (alice.ipynb, "
                            "alice_challenge.ipynb, Canvas's alice_12345_67890_04_challenge.ipynb), as an "
                            "LMS exports them; they are copied into nbgrader's submitted folder first (of "
                            "several files for one student, the newest). Default: grade nbgrader's "
                            "submitted folder as it is.")
    grade.add_argument("--student", "-s", action="append", metavar="NAME", dest="students",
                       help="grade (or regrade) only this student; repeat it for several "
                            "(--student alice --student bob). The report and the CSVs still cover everyone.")
    grade.add_argument("--assignment", default=None, help="assignment id (default: challenge)")
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help=f"notebooks graded at once (default: all cores, here {os.cpu_count()})")
    grade.add_argument("--force", "-f", action="store_true",
                       help="regrade every submission, graded or not (without it, a run grades whoever "
                            "has no grade, a changed submission, or a grade made with other points or "
                            "another version of the grading code)")
    grade.add_argument("--no-feedback", action="store_true",
                       help="skip the feedback HTML this time (a later run without this flag "
                            "writes it for every graded student who has none)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run the students' notebooks WITHOUT the bubblewrap sandbox (a student's code "
                            "can then read and write whatever you can); only where bubblewrap cannot run")
    grade.add_argument("--lms-column", default=None, metavar="NAME",
                       help="the assignment's column header in grading/<assignment>-canvas.csv, the file "
                            "for Canvas's gradebook import: your Canvas assignment's name (default: the "
                            "assignment id)")
    grade.add_argument("--roster", default=None, metavar="CSV",
                       help="the class list: Canvas's gradebook export (Grades > Export). Matches each row to "
                            "a submission by Canvas user id or by --roster-key, fills the Canvas file's ids, "
                            "names and sections, and lists who did not hand in and who is not on the roster. "
                            "Kept for later runs (grading/<assignment>-roster.json).")
    grade.add_argument("--roster-key", default=None, metavar="COLUMN",
                       help="the roster's column whose values are nbgrader student ids (default: SIS Login ID)")
    grade.add_argument("--not-handed-in", choices=("blank", "zero"), default=None,
                       help="what roster students without a submission get in both grade files (default: "
                            "blank, or the choice kept with the roster)")
    grade.add_argument("--allow-ungraded", action="store_true",
                       help=f"exit status 0 even when a student is not graded or flagged (default: "
                            f"{EXIT_ATTENTION}, so that a script notices)")
    grade.add_argument("--reports", type=Path, default=None,
                       help="folder for the class report (<assignment>-report.md and .png) and the grading "
                            "log (default: grading/reports). The grade files go next to nbgrader's export, "
                            "c.ExportPlugin.to (grading/grades.csv).")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    """The ``python -m autograde`` argument parser."""
    main = argparse.ArgumentParser(prog="python -m autograde", description=__doc__.split("\n\n")[0])
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _grade_arguments(commands.add_parser(
        "grade", help="grade a whole class: grades, feedback, the grade CSVs and a class report",
        description="Autograde the submissions in parallel with nbgrader's own autograder (the same "
                    "grades as `nbgrader autograde`), each in the grading sandbox, then write each "
                    "student's feedback HTML, grading/grades.csv (nbgrader's export), "
                    "grading/<assignment>-canvas.csv (for Canvas's gradebook import) and a class report "
                    "that accounts for every student. Ctrl-C finishes the notebooks in hand and stops; "
                    "run it again to grade the rest."))
    flags = commands.add_parser("flags", help="list the submissions flagged for an instructor's review",
                                description="Print student<TAB>reason for every flagged autograded notebook; "
                                            "exit status 1 when there are any, 2 without an autograded folder.")
    flags.add_argument("autograded", nargs="?", default=None, metavar="AUTOGRADED_FOLDER",
                       help="nbgrader's autograded folder (default: the course's, grading/autograded)")
    commands.add_parser("build", help="rebuild what is generated from the grading kit (./course generate runs it)",
                        description="Rebuild solutions/challenge/heatmap_check.py from autograde/checker, and "
                                    "write the criteria's points (from the graded cells' metadata) into the "
                                    "challenge's points table, its '# Graded (N points)' lines and the README's "
                                    "policy table. Then run nbgrader generate_assignment (./course generate "
                                    "does both).")
    commands.add_parser("build-checker", help="rebuild solutions/challenge/heatmap_check.py from autograde/checker",
                        description="Join the checker's public modules into the students' heatmap_check.py.")
    return main


def _course_root_problem() -> str | None:
    if not Path("nbgrader_config.py").exists():
        return "run this from the course root (the folder with nbgrader_config.py)"
    return None


def main(argv=None) -> int:
    """Run one command; returns the exit status."""
    args = parser().parse_args(argv)
    problem = _course_root_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.command in ("build", "build-checker"):
        from autograde.generate.checker import write_checker
        print(f"wrote {write_checker('.')}")
        if args.command == "build":
            return _build_points()
        return 0
    if args.command == "flags":
        from autograde.term.flags import print_flags
        return print_flags(args.autograded)
    return _grade(args)


def _build_points() -> int:
    from autograde.generate.points import PointsError, write_points

    try:
        changed = write_points(".")
    except PointsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"wrote the points into {path}")
    return 0


def _names(students, limit: int = 8) -> str:
    from autograde.term.text import one_line

    students = sorted(students)
    return ", ".join(one_line(s, 60) for s in students[:limit]) + (
        f" and {len(students) - limit} more" if len(students) > limit else "")


def _say(line: str) -> None:
    """Print one line of the summary as one printable line (names and reasons are students' text:
    a name holding a carriage return or an escape sequence must not erase the line before it)."""
    from autograde.term.text import one_line

    print(line[:len(line) - len(line.lstrip(" "))] + one_line(line))


def _print_import(imported) -> None:
    from autograde.grading.protocol import plural

    _say(f"Imported {plural(len(imported.imported), 'notebook')} into the submitted folder"
         + (f" ({len(imported.changed)} changed since the last import)" if imported.changed else ""))
    for student, why in sorted(imported.duplicates.items()):
        _say(f"  {student} sent {why}")
    for name, reason in imported.problems:
        _say(f"  not used: {name}: {reason}")


def _print_class(summary) -> None:
    """One line per status (they add up to the class), then what cuts across them."""
    from autograde.term.report import GRADED, STATUSES

    counts = summary.counts
    _say(f"The class: {counts['students']} students" + (f" (roster: {summary.roster})" if summary.roster else ""))
    for status in STATUSES:
        _say(f"  {len(counts[status]):4d} {status}"
             + (f": {_names(counts[status])}" if counts[status] and status != GRADED else ""))
    for key, label in (("flagged", "flagged for review"), ("zero", "with 0 points"),
                       ("overridden", "with a grade set by hand (kept)"), ("late", "late"),
                       ("not_on_roster", "not on the roster")):
        if counts.get(key):
            _say(f"  of them {len(counts[key])} {label}: {_names(counts[key])}")
    if counts.get("files_not_used"):
        _say(f"LMS files not used: {len(counts['files_not_used'])} (listed above and in the report)")


def _print_summary(summary) -> None:
    from autograde.grading.protocol import plural  # not at the top: `--help` imports nothing of the kit

    if summary.imported is not None:
        _print_import(summary.imported)
    if summary.previous_run:
        _say(f"The previous run did not finish; it left {plural(len(summary.previous_run), 'student')} not graded "
             f"({_names(summary.previous_run)}): graded now")
    if summary.regraded:
        _say(f"Regraded {plural(len(summary.regraded), 'student')} whose grade was out of date:")
        for student, reasons in sorted(summary.regraded.items()):
            _say(f"  {student}: {'; '.join(reasons)}")
    if summary.chosen:
        _say(f"Chosen with --student: {_names(summary.chosen)}")
    _say(f"This run: graded {len(summary.graded)}, left {len(summary.skipped)} already graded, could not grade "
         f"{len(summary.failed)} ({summary.seconds:.1f} s)")
    for student, reason in sorted(summary.failed.items()):
        _say(f"  NOT GRADED {student}: {reason}")
    if summary.stale_left:
        _say(f"Out of date and not regraded (not chosen with --student): {_names(summary.stale_left)}; "
             f"run `python -m autograde grade` to regrade them")
    _say(f"Feedback HTML for {plural(len(summary.feedback), 'student')}"
         + (f", {len(summary.feedback_failed)} failed" if summary.feedback_failed else ""))
    for student, reason in summary.feedback_failed.items():
        _say(f"  no feedback for {student}: {reason}")
    if summary.counts:
        _print_class(summary)
    if summary.csv_path:
        _say(f"Grades: {summary.csv_path}")
    if summary.lms_csv_path:
        _say(f"Grades for Canvas's gradebook import: {summary.lms_csv_path}")
    if summary.lms_rows_without_id:
        _say(f"  warning: {plural(len(summary.lms_rows_without_id), 'row')} without a Canvas user id, which "
             f"Canvas cannot match ({_names(summary.lms_rows_without_id)}): "
             + ("add them to the roster, or name its column of student ids with --roster-key" if summary.roster
                else "give the class list with --roster canvas-gradebook.csv (Canvas: Grades > Export)"))
    if summary.feedback_zip:
        _say(f"Feedback for Canvas's Re-Upload Submissions: {summary.feedback_zip}"
             + (f" ({len(summary.feedback_zip_missing)} graded students not in it: no Canvas file of theirs "
                f"to attach to, or no feedback page)" if summary.feedback_zip_missing else ""))
    for path in summary.report_paths:
        _say(f"Report: {path}")


def _grade(args) -> int:
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    from autograde.grading.protocol import plural
    from autograde.term.class_grading import GradingError, grade_class

    try:
        summary = grade_class(".", args.assignment, args.submissions, jobs=args.jobs,
                              force=args.force, reports_dir=args.reports,
                              feedback=not args.no_feedback, progress=not args.no_progress,
                              sandbox=not args.no_sandbox, students=args.students,
                              lms_column=args.lms_column, roster=args.roster, roster_key=args.roster_key,
                              absent_zero=None if args.not_handed_in is None else args.not_handed_in == "zero")
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: what was saved stays graded; run the command again to "
              "grade the rest", file=sys.stderr)
        return 130
    _print_summary(summary)
    if summary.interrupted:
        print(f"interrupted: {plural(len(summary.failed), 'student')} not graded (listed above and in the report); "
              f"run the command again to grade them", file=sys.stderr)
        return 130
    if summary.report_error:
        print(f"error: the class report could not be written ({summary.report_error}); the grade files "
              f"above are written; the grading log has the details", file=sys.stderr)
        return 1
    counts = summary.counts
    if (counts.get("not graded") or counts.get("flagged")) and not args.allow_ungraded:
        print(f"exit status {EXIT_ATTENTION}: {len(counts['not graded'])} not graded, {len(counts['flagged'])} "
              f"flagged (see above and the report; --allow-ungraded exits 0)", file=sys.stderr)
        return EXIT_ATTENTION
    return 0
