"""The old name of :mod:`autograde.grading.feedback`, kept for course configurations.

An ``nbgrader_config.py`` written before the kit was split into rooms names
``autograde.feedback.FeedbackExporter`` and ``autograde.feedback.CleanFeedback``;
it keeps working. New configurations name ``autograde.grading.feedback.X``.
"""
from autograde.grading.feedback import CleanFeedback, FeedbackExporter

__all__ = ["CleanFeedback", "FeedbackExporter"]
