"""Flag what the grader refused to take from a submission (links, FIFOs, planted folders).

The exchange's collect (:mod:`autograde.grading.exchange`) and the check before grading
(:mod:`autograde.grading.submission_guard`) never follow or copy a link, a FIFO, a device
or a hard link, nor take a folder planted in the exchange under a classmate's name; they
record each refusal next to the student's submitted folder (:mod:`autograde.grading.refusals`).
:class:`FlagRefusedFiles` (sanitize step, after :class:`ClearGradingRecord`) turns each
into a flag: nothing of it was read, and the grade is what the notebook itself earns.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.grading import refusals
from autograde.grading.protocol import add_flag


class FlagRefusedFiles(NbGraderPreprocessor):
    """One flag per refusal recorded for this submission."""

    def preprocess(self, nb, resources):
        folder = resources.get("metadata", {}).get("path")
        for reason in refusals.reasons(folder) if folder else []:
            add_flag(nb, reason)
        return nb, resources
