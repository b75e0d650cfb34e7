"""Record which grading code graded a notebook, and what the sandbox reported.

:class:`RecordGradingRun` runs last of the course's grading preprocessors before
nbgrader's ``SaveAutoGrades``: it stores the grader's fingerprint
(:func:`autograde.grading.fingerprint.grader_fingerprint`) and the sandbox's report (was
it sandboxed, which limit was hit, the kernel's exit status) in the autograded
notebook's ``heatmap_grading`` metadata. ``python -m autograde grade`` regrades
the students whose recorded fingerprint is not the present code's.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.grading.fingerprint import FINGERPRINT_KEY, SANDBOX_KEY, grader_fingerprint
from autograde.grading.protocol import grading_record


class RecordGradingRun(NbGraderPreprocessor):
    """Record the grader's fingerprint and the sandbox's report in the notebook's metadata."""

    def preprocess(self, nb, resources):
        record = grading_record(nb)
        record[FINGERPRINT_KEY] = grader_fingerprint()
        sandbox = resources.get("sandbox")
        if isinstance(sandbox, dict):
            record[SANDBOX_KEY] = {key: sandbox.get(key) for key in
                                   ("sandboxed", "limit", "limit_message", "exit_status")}
        return nb, resources
