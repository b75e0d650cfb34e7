"""Grade answers of autograde/corpus/answers with real `nbgrader autograde` in a throwaway course.

    .venv/bin/python scripts/redteam/grade_answers.py NAME [NAME ...]

Prints each student's points, the flags, and the graded cells' outputs. The course copy is
/tmp/redteam/course-<NAME or multi> (removed first).
"""
import shutil
import sys
import time
from pathlib import Path

import nbformat

from autograde.corpus import EVERYTHING, Case
from autograde.corpus.course import autograde, scores_of, submit
from autograde.course_copy import copy_course
from autograde.flags import find_flags

names = sys.argv[1:]
destination = Path("/tmp/redteam") / f"course-{names[0] if len(names) == 1 else 'multi'}"
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
submit(course, [Case(name, "attack", EVERYTHING) for name in names])
started = time.time()
process = autograde(course, check=False)
print("nbgrader exit status", process.returncode, "in", round(time.time() - started, 1), "s")
for student, points in scores_of(course).items():
    print(student, points, "total", sum(points.values()))
print("flags", find_flags(course / "grading" / "autograded"))
for name in names:
    path = course / "grading" / "autograded" / name / "challenge" / "04_challenge.ipynb"
    for cell in nbformat.read(path, 4).cells if path.exists() else []:
        if cell.cell_type == "code" and cell.outputs:
            for output in cell.outputs:
                text = output.get("text") or output.get("evalue") or ""
                print(f"  {name} [{cell.metadata.get('nbgrader', {}).get('grade_id', '-')}]",
                      text.replace("\n", " | ")[:300])
