"""Late work: nbgrader's late-penalty plugin, with a penalty per day late.

nbgrader compares a submission's time (``timestamp.txt``: written by ``nbgrader collect`` from
the exchange, and by ``python -m autograde grade EXPORT`` from the LMS's file) with the
assignment's due date (``nbgrader db assignment add challenge --duedate "2026-03-13 23:59
Europe/Berlin"``), and its ``AssignLatePenalties`` step asks a plugin for the penalty. nbgrader's
own plugin knows "none" and "zero"; this one adds points per day late, each day begun counting,
after a grace period. nbgrader records the penalty in the gradebook (its export, the Canvas file
and the class report deduct it) and its feedback page shows it. ``nbgrader_config.py`` names this
plugin; with ``points_per_day = 0`` (the default) and nbgrader's ``penalty_method = "none"`` late
work costs nothing.
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class LatePenalty(LateSubmissionPlugin):
    """``c.LatePenalty.points_per_day`` points off per day late (each day begun), after
    ``c.LatePenalty.grace_minutes``; never more than the score. ``penalty_method = "zero"`` (nbgrader's)
    still gives late work 0."""

    points_per_day = Float(0.0, help="Points taken off per day late, each day begun counting (0: none)."
                           ).tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the due date that are not late.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if self.penalty_method == "zero":
            return super().late_submission_penalty(student_id, score, total_seconds_late)
        late = total_seconds_late - self.grace_minutes * 60
        if self.points_per_day <= 0 or late <= 0:
            return None
        days = math.ceil(late / 86400)
        penalty = min(score, days * self.points_per_day)
        self.log.warning("%s is %d day(s) late: %g points off", student_id, days, penalty)
        return penalty
