"""Submissions flagged for tampering, read from nbgrader's autograded notebooks.

During ``nbgrader autograde`` the preprocessors in :mod:`autograde.preprocessors`
store every reason to distrust a submission in the autograded notebook's
metadata, under ``heatmap_check.flags``: matplotlib/builtins/IPython changes
the checker found and undid, a fake Axes returned, test cells edited or
deleted, code that targets the grading itself, graded cells without a
verdict. Run ``python -m autograde.flags`` from the repository root after
autograding to list them; review each one by opening
``autograde/autograded/<student>/challenge/04_challenge.ipynb`` (or its
feedback).
"""
import sys
from pathlib import Path

import nbformat

METADATA_KEY = "heatmap_check"


def find_flags(autograded_root) -> list:
    """``[(student_id, reason), ...]`` for every flagged autograded notebook.

    ``autograded_root`` is nbgrader's autograded folder
    (``<root>/<student_id>/<assignment>/<notebook>.ipynb``). Sorted by student.
    """
    root = Path(autograded_root)
    if not root.is_dir():
        raise FileNotFoundError(f"no autograded folder at {root}: run nbgrader autograde first")
    flags = []
    for path in sorted(root.glob("*/*/*.ipynb")):
        student_id = path.relative_to(root).parts[0]
        notebook = nbformat.read(path, as_version=4)
        for reason in notebook.metadata.get(METADATA_KEY, {}).get("flags", []):
            flags.append((student_id, reason))
    return flags


def main(argv=None) -> int:
    """Print the flags, one per line; exit status 1 when there are any, 2 without a folder."""
    args = sys.argv[1:] if argv is None else argv
    root = args[0] if args else "autograde/autograded"
    try:
        flags = find_flags(root)
    except FileNotFoundError as error:
        print(f"python -m autograde.flags: {error}", file=sys.stderr)
        return 2
    for student_id, reason in flags:
        print(f"{student_id}\t{reason}")
    if not flags:
        print("no submission was flagged")
    return 1 if flags else 0


if __name__ == "__main__":
    sys.exit(main())
