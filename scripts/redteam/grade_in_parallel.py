"""Grade answers with `python -m autograde grade --jobs 2` (parallel workers) in a throwaway course.

    taskset -c 1 .venv/bin/python scripts/redteam/grade_in_parallel.py attack_starves_classmates \\
        zz_honest_1:solution zz_honest_2:solution zz_honest_3:solution

(STUDENT:ANSWER submits answers/ANSWER.py as STUDENT: the honest classmates are named to be graded
after the attacker; taskset keeps the demonstration on one core of a shared machine.) Prints points, flags, the
per-student execution times from the grading log, and the honest students' failures.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from autograde.corpus import EVERYTHING, Case
from autograde.corpus import write_submission
from autograde.corpus.course import scores_of, submitted_path
from autograde.course_copy import copy_course
from autograde.flags import find_flags

names = sys.argv[1:]
destination = Path("/tmp/redteam/course-parallel")
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
for name in names:
    student, _, answer = name.partition(":")
    write_submission(Case(answer or student, "attack", EVERYTHING), submitted_path(course, student))
env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
started = time.time()
process = subprocess.run([sys.executable, "-m", "autograde", "grade", "--jobs", "2", "--no-feedback",
                          "--no-progress"], cwd=course, env=env, capture_output=True, text=True)
print("exit status", process.returncode, "in", round(time.time() - started, 1), "s")
for student, points in scores_of(course).items():
    print(student, points, "total", sum(value or 0 for value in points.values()))
print("flags", find_flags(course / "grading" / "autograded"))
for log in (course / "grading" / "reports").glob("*.log"):
    print("".join(line for line in log.read_text().splitlines(True) if "executed in" in line))
