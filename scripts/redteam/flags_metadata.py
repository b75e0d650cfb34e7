"""A submission whose notebook metadata says {"heatmap_grading": {"flags": null}} (an edit of the
.ipynb's JSON), graded with the reference answer and a flagged classmate (edits_test_cell); then
`python -m autograde.flags`.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograde.corpus import BOTH, Case
from autograde.corpus.course import autograde, scores_of, submit, submitted_path
from autograde.course_copy import copy_course

destination = Path("/tmp/redteam/course-metadata")
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
submit(course, [Case("solution", "valid"), Case("edits_test_cell", "attack", {"title": BOTH}, flagged=True,
                                                 edited_cells={"title": "# Graded (1 point): the title.\npass"})])
notebook = nbformat.read(submitted_path(course, "solution"), 4)
notebook.metadata["heatmap_grading"] = {"flags": None}
target = submitted_path(course, "aa_metadata")
target.parent.mkdir(parents=True)
nbformat.write(notebook, target)
autograde(course)
print(scores_of(course))
flags = subprocess.run([sys.executable, "-m", "autograde.flags"], cwd=course, capture_output=True, text=True)
print("flags exit status", flags.returncode)
print(flags.stdout[-500:], flags.stderr[-400:])
