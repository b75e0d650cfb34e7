"""The grading kit's command line: ``python -m autograde <command>``, run from the course root.

    python -m autograde grade [SUBMISSIONS] [--jobs N] [--force] [--student NAME ...]
    python -m autograde flags [AUTOGRADED_FOLDER]
    python -m autograde build-checker

Each command is a thin layer over one documented function: ``grade`` over
:func:`autograde.class_grading.grade_class`, ``flags`` over
:func:`autograde.flags.find_flags`, ``build-checker`` over
:func:`autograde.build_checker.write_checker`.
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
                            "LMS exports them; they are copied into nbgrader's submitted folder first. "
                            "Default: grade nbgrader's submitted folder as it is.")
    grade.add_argument("--assignment", default=None, help="assignment id (default: challenge)")
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help=f"notebooks graded at once (default: all cores, here {os.cpu_count()})")
    grade.add_argument("--force", "-f", action="store_true",
                       help="regrade submissions that are already graded")
    grade.add_argument("--no-feedback", action="store_true",
                       help="skip the feedback HTML this time (a later run without this flag "
                            "writes it for every graded student who has none)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run the students' notebooks WITHOUT the bubblewrap sandbox (a student's code "
                            "can then read and write whatever you can); only where bubblewrap cannot run")
    grade.add_argument("--reports", type=Path, default=None,
                       help="folder for the class report and the grading log (default: grading/reports)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    """The ``python -m autograde`` argument parser."""
    main = argparse.ArgumentParser(prog="python -m autograde", description=__doc__.split("\n\n")[0])
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _grade_arguments(commands.add_parser(
        "grade", help="grade a whole class: grades, feedback, grades.csv and a class report",
        description="Autograde every submission in parallel with nbgrader's own autograder (the same "
                    "grades as `nbgrader autograde`), each in the grading sandbox, then write each "
                    "student's feedback HTML, grades.csv and a class report."))
    flags = commands.add_parser("flags", help="list the submissions flagged for an instructor's review",
                                description="Print student<TAB>reason for every flagged autograded notebook; "
                                            "exit status 1 when there are any, 2 without an autograded folder.")
    flags.add_argument("autograded", nargs="?", default=None, metavar="AUTOGRADED_FOLDER",
                       help="nbgrader's autograded folder (default: the course's, grading/autograded)")
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
    if args.command == "build-checker":
        from autograde.build_checker import write_checker
        print(f"wrote {write_checker('.')}")
        return 0
    if args.command == "flags":
        from autograde.flags import main as flags_main
        return flags_main([args.autograded] if args.autograded else [])
    return _grade(args)


def _print_summary(summary) -> None:
    imported = summary.imported
    if imported is not None:
        count = len(imported.imported)
        print(f"Imported {count} notebook{'s' if count != 1 else ''} into the submitted folder"
              + (f" ({len(imported.changed)} changed since the last import)" if imported.changed else ""))
        for name, reason in imported.problems:
            print(f"  skipped {name}: {reason}")
    print(f"Graded {len(summary.graded)}, already graded (skipped) {len(summary.skipped)}, "
          f"failed {len(summary.failed)} in {summary.seconds:.1f} s")
    for student, reason in summary.failed.items():
        print(f"  FAILED {student}: {reason}")
    print(f"Feedback HTML for {len(summary.feedback)} students"
          + (f", {len(summary.feedback_failed)} failed" if summary.feedback_failed else ""))
    for student, reason in summary.feedback_failed.items():
        print(f"  no feedback for {student}: {reason}")
    if summary.csv_path:
        print(f"Grades: {summary.csv_path}")
    for path in summary.report_paths:
        print(f"Report: {path}")


def _grade(args) -> int:
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    from autograde.class_grading import GradingError, grade_class

    try:
        summary = grade_class(".", args.assignment, args.submissions, jobs=args.jobs,
                              force=args.force, reports_dir=args.reports,
                              feedback=not args.no_feedback, progress=not args.no_progress,
                              sandbox=not args.no_sandbox)
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: what was saved stays graded; run the command again to "
              "grade the rest", file=sys.stderr)
        return 130
    _print_summary(summary)
    return 0
