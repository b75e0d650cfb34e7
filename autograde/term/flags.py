"""Submissions flagged for an instructor's review, read from nbgrader's autograded notebooks.

The grader records in each autograded notebook's metadata (under
``heatmap_grading.flags``) what an instructor may want to look at. A flag
never changes a grade: the points always come from what the student's function
really drew. Flags mean one of:

* a read-only cell was edited, deleted or renamed (nbgrader restored it);
* the evidence was forged or unreadable: it held objects no matplotlib figure
  holds, or methods replaced on single objects (that call scored nothing);
* no evidence came back for some calls although the notebook ran to the end
  (the code that records it was changed or stopped);
* the kernel sent evidence twice for one call;
* the grader refused what the student sent: a link, a hard link or a FIFO in the submission, a
  folder planted in the exchange under a classmate's name (:mod:`autograde.grading.refusals`),
  or a drawing too costly to read (the inspector's CPU budget).

``python -m autograde flags`` lists them
after grading; open ``grading/autograded/<student>/challenge/04_challenge.ipynb``
(or its feedback) to review one.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from autograde.grading.protocol import flags_of

DEFAULT_AUTOGRADED = Path("grading") / "autograded"


def find_flags(autograded_root) -> list:
    """``[(student_id, reason), ...]`` for every flagged autograded notebook, sorted by student.

    ``autograded_root`` is nbgrader's autograded folder
    (``<root>/<student_id>/<assignment>/<notebook>.ipynb``).
    """
    root = Path(autograded_root)
    if not root.is_dir():
        raise FileNotFoundError(f"no autograded folder at {root}: grade first (python -m autograde grade)")
    flags = []
    for path in sorted(root.glob("*/*/*.ipynb")):
        student_id = path.relative_to(root).parts[0]
        for reason in flags_of(nbformat.read(path, as_version=4)):
            flags.append((student_id, reason))
    return flags


def print_flags(autograded=None) -> int:
    """Print the flags, one per line; exit status 1 when there are any, 2 without a folder."""
    try:
        flags = find_flags(autograded or DEFAULT_AUTOGRADED)
    except FileNotFoundError as error:
        print(f"python -m autograde flags: {error}", file=sys.stderr)
        return 2
    for student_id, reason in flags:
        print(f"{student_id}\t{reason}")
    if not flags:
        print("no submission was flagged")
    return 1 if flags else 0
