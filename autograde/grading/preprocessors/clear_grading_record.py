"""Start every submission with no grading record of its own.

The grader keeps its record in the notebook's metadata (``heatmap_grading``: the
calls, verdicts, points, flags) and marks the cell it adds with a cell metadata key.
A submitted notebook is the student's file: it may carry either, made up. The
first sanitize step, :class:`ClearGradingRecord`, removes both, so what the grader
reads back later is only what the grader wrote.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.grading.protocol import EVIDENCE_CELL_KEY, METADATA_KEY


class ClearGradingRecord(NbGraderPreprocessor):
    """Remove any grading record and evidence-cell mark a submission carries."""

    def preprocess(self, nb, resources):
        nb.metadata.pop(METADATA_KEY, None)
        for cell in nb.cells:
            cell.metadata.pop(EVIDENCE_CELL_KEY, None)
        return nb, resources
