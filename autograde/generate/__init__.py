"""What ``./course generate`` writes from the kit before nbgrader generates the students' copies.

:mod:`.checker` joins :mod:`autograde.checker` into the students' ``heatmap_check.py``;
:mod:`.points` writes the graded cells' points (their nbgrader metadata) into the challenge's
points table, its ``# Graded (N points)`` lines and the README's policy table. Both run on
the instructor's machine, on the course's files only. Imports: :mod:`autograde.grading`
(:mod:`~autograde.grading.protocol`) and :mod:`autograde.checker`; only the command line
imports this.
"""
