"""The reference answer plus N code cells the student added (each `time.sleep(55)`), graded with
`nbgrader autograde`: the grading time grows by about N minutes; the points stay full.

    .venv/bin/python scripts/redteam/extra_cells.py 5
"""
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograde.corpus import Case
from autograde.corpus.course import autograde, scores_of, submit, submitted_path
from autograde.course_copy import copy_course

count = int(sys.argv[1])
destination = Path("/tmp/redteam/course-extra-cells")
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
submit(course, [Case("solution", "valid")])
notebook = nbformat.read(submitted_path(course, "solution"), 4)
notebook.cells[6:6] = [new_code_cell("import time\ntime.sleep(55)  # a cell the student added")
                       for _ in range(count)]
target = submitted_path(course, "extra_cells")
target.parent.mkdir(parents=True)
nbformat.write(notebook, target)
shutil.rmtree(submitted_path(course, "solution").parent.parent)
started = time.time()
autograde(course)
print(f"{count} extra cells: graded in {time.time() - started:.0f} s", scores_of(course))
