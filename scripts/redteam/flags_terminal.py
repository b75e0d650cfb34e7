"""attack_flags_escape with an honest classmate (zz_honest: the reference answer) and a
flagged one (edits_test_cell); then `python -m autograde.flags` as the instructor runs it. Prints
its raw output (cat -v) and writes it to /tmp/redteam/flags-output.txt: `cat` that file in a
terminal to see what the instructor sees.
"""
import shutil
import subprocess
import sys
from pathlib import Path

from autograde.corpus import BOTH, EVERYTHING, Case
from autograde.corpus import write_submission
from autograde.corpus.course import autograde, scores_of, submit, submitted_path
from autograde.course_copy import copy_course

destination = Path("/tmp/redteam/course-flags")
shutil.rmtree(destination, ignore_errors=True)
destination.parent.mkdir(exist_ok=True)
course = copy_course(destination, assignments=["challenge"])
write_submission(Case("solution", "valid"), submitted_path(course, "zz_honest"))
submit(course, [Case("attack_flags_escape", "attack", EVERYTHING),
                Case("edits_test_cell", "attack", {"title": BOTH}, flagged=True,
                     edited_cells={"title": "# Graded (1 point): the title.\npass"})])
autograde(course)
print(scores_of(course))
flags = subprocess.run([sys.executable, "-m", "autograde.flags"], cwd=course, capture_output=True)
(destination.parent / "flags-output.txt").write_bytes(flags.stdout)
print("exit status", flags.returncode, "; raw output:")
sys.stdout.buffer.write(subprocess.run(["cat", "-v"], input=flags.stdout, capture_output=True).stdout)
