"""Command line of the grading kit. Run from the repository (course) root:

    python -m autograde grade [SUBMISSIONS] [--assignment ID] [--jobs N] [--force]

grades every submission in parallel with nbgrader's own autograder, then writes
feedback HTML, grades.csv and a class report (see ``autograde/class_grading.py``).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograde", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser(
        "grade", help="grade a whole class: grades, feedback, grades.csv and a class report",
        description="Autograde every submission in parallel with nbgrader (same grades as "
                    "`nbgrader autograde`), then write each student's feedback HTML, grades.csv "
                    "and a class report (PNG + Markdown) under autograde/reports/.")
    grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS",
                       help="a folder or .zip of notebooks named by student (alice.ipynb, "
                            "alice_challenge.ipynb), as an LMS exports them; they are copied into "
                            "nbgrader's submitted folder first. Default: grade nbgrader's submitted "
                            "folder as it is.")
    grade.add_argument("--assignment", default="challenge", help="assignment id (default: challenge)")
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help=f"notebooks graded at once (default: all cores, here {os.cpu_count()})")
    grade.add_argument("--force", "-f", action="store_true",
                       help="regrade submissions that are already graded")
    grade.add_argument("--no-feedback", action="store_true",
                       help="skip the feedback HTML this time (a later run without this flag "
                            "writes it for every graded student who has none)")
    grade.add_argument("--reports", type=Path, default=None,
                       help="folder for grades.csv, the class report and the log "
                            "(default: autograde/reports)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


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


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    if not Path("nbgrader_config.py").exists():
        print("error: run this from the course root (the folder with nbgrader_config.py)",
              file=sys.stderr)
        return 2

    from autograde.class_grading import GradingError, grade_class

    try:
        summary = grade_class(".", args.assignment, args.submissions, jobs=args.jobs,
                              force=args.force, reports_dir=args.reports,
                              feedback=not args.no_feedback,
                              progress=not args.no_progress)
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: what was saved stays graded; run the command again to "
              "grade the rest", file=sys.stderr)
        return 130
    _print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
