"""The heatmap checker: the part of the grading kit that students receive.

Every module in this package is public. ``python -m autograde build-checker``
(run by ``./course generate``) joins them, in dependency order, into the one
file students get, ``solutions/challenge/heatmap_check.py``; a test fails when
that file is not current. Nothing here is secret: the hidden calls' inputs are
drawn when grading starts (``autograde/hidden_inputs.py``), and the verdicts
that count are computed outside the student's process.
"""
