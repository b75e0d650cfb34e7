"""The grading kit's command line: ``python -m autograde <command>``, run from the course root.

    python -m autograde grade [SUBMISSIONS] [--student NAME ...] [--jobs N] [--force] [--lms-column NAME]
    python -m autograde flags [AUTOGRADED_FOLDER]
    python -m autograde build
    python -m autograde build-checker

Each command is a thin layer over one documented function: ``grade`` over
:func:`autograde.term.class_grading.grade_class`, ``flags`` over
:func:`autograde.term.flags.print_flags`, ``build`` over
:func:`autograde.generate.checker.write_checker` and
:func:`autograde.generate.points.write_points` (what ``./course generate`` runs
before nbgrader), ``build-checker`` over the first alone.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


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
    students = sorted(students)
    return ", ".join(students[:limit]) + (f" and {len(students) - limit} more" if len(students) > limit else "")


def _print_summary(summary) -> None:
    from autograde.grading.protocol import plural  # not at the top: `--help` imports nothing of the kit

    imported = summary.imported
    if imported is not None:
        print(f"Imported {plural(len(imported.imported), 'notebook')} into the submitted folder"
              + (f" ({len(imported.changed)} changed since the last import)" if imported.changed else ""))
        for student, why in sorted(imported.duplicates.items()):
            print(f"  {student} sent {why}")
        for name, reason in imported.problems:
            print(f"  not used: {name}: {reason}")
    if summary.previous_run:
        print(f"The previous run did not finish; it left {plural(len(summary.previous_run), 'student')} not graded "
              f"({_names(summary.previous_run)}): graded now")
    if summary.regraded:
        print(f"Regraded {plural(len(summary.regraded), 'student')} whose grade was out of date:")
        for student, reasons in sorted(summary.regraded.items()):
            print(f"  {student}: {'; '.join(reasons)}")
    if summary.chosen:
        print(f"Chosen with --student: {_names(summary.chosen)}")
    print(f"Graded {len(summary.graded)}, already graded (skipped) {len(summary.skipped)}, "
          f"not graded {len(summary.failed)} in {summary.seconds:.1f} s")
    for student, reason in sorted(summary.failed.items()):
        print(f"  NOT GRADED {student}: {reason}")
    if summary.stale_left:
        print(f"Out of date and not regraded (not chosen with --student): {_names(summary.stale_left)}; "
              f"run `python -m autograde grade` to regrade them")
    print(f"Feedback HTML for {plural(len(summary.feedback), 'student')}"
          + (f", {len(summary.feedback_failed)} failed" if summary.feedback_failed else ""))
    for student, reason in summary.feedback_failed.items():
        print(f"  no feedback for {student}: {reason}")
    counts = summary.counts
    if counts:
        print(f"Every student accounted for: {counts['submitted']} students, {counts['graded']} graded, "
              f"{counts['not_graded']} not graded; {counts['failed_to_run']} failed to run (not graded, or "
              f"stopped early by a time limit, a sandbox limit or a dead kernel: {counts['limits']}); "
              f"{counts['flagged']} flagged"
              + (f"; {plural(counts['files_not_used'], 'LMS file')} not used" if counts["files_not_used"] else "")
              + " (the report lists each, with the fix)")
    if summary.csv_path:
        print(f"Grades: {summary.csv_path}")
    if summary.lms_csv_path:
        print(f"Grades for Canvas's gradebook import: {summary.lms_csv_path}"
              + (f" ({len(summary.lms_rows_without_id)} rows without a Canvas user id)"
                 if summary.lms_rows_without_id else ""))
    for path in summary.report_paths:
        print(f"Report: {path}")


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
                              lms_column=args.lms_column)
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
    return 0
