"""Grade answers with `nbgrader autograde` while sampling the grader process's memory (its own RSS,
not its children's): peak RSS, time, points and the autograded notebooks' sizes.

    .venv/bin/python scripts/redteam/grader_memory.py attack_output_metadata
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from autograde.corpus import EVERYTHING, Case
from autograde.corpus.course import scores_of, submit
from autograde.course_copy import copy_course

names = sys.argv[1:]
destination = Path("/tmp/redteam/course-memory")
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
submit(course, [Case(name, "attack", EVERYTHING) for name in names])
env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
started = time.time()
process = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", "challenge", "--force",
                            "--log-level=WARN"], cwd=course, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
grader, peak = psutil.Process(process.pid), 0
while process.poll() is None:
    try:
        peak = max(peak, grader.memory_info().rss)
    except psutil.Error:
        pass
    time.sleep(0.05)
print("nbgrader exit status", process.returncode, "in", round(time.time() - started, 1), "s;",
      "grader peak RSS", peak // 2**20, "MB")
print(scores_of(course))
for name in names:
    notebook = course / "grading" / "autograded" / name / "challenge" / "04_challenge.ipynb"
    if notebook.exists():
        print(name, "autograded notebook", round(notebook.stat().st_size / 2**20, 1), "MB")
