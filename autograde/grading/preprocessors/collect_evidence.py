"""Before the notebook runs: add the cell that makes the grading calls.

:class:`CollectEvidence` draws this student's calls (the public ones and one
hidden call per call shape, from :mod:`autograde.grading.hidden_inputs`), records them
in the notebook's metadata, and inserts one code cell just before the first
graded cell. In the sandboxed kernel that cell calls the student's
``plot_attention_heatmap`` with each call's data and sends back what it drew
(``heatmap_check.record_evidence``). The kernel is untrusted: what comes back is
evidence for :class:`GradeFromEvidence`, never a verdict. The cell is removed
again before the notebook is saved.
"""
from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.checker.notebook import recording_cell
from autograde.grading.hidden_inputs import HiddenInputs, grading_calls
from autograde.grading.protocol import ASSIGNMENT, EVIDENCE_CELL_KEY, NOTEBOOK, graded_cells, grading_record

def is_graded_challenge(resources) -> bool:
    """True for the challenge notebook (the only one graded from evidence)."""
    info = resources.get("nbgrader", {})
    return info.get("assignment") == ASSIGNMENT and info.get("notebook") == NOTEBOOK


class CollectEvidence(NbGraderPreprocessor):
    """Insert the evidence cell and record this student's calls (challenge notebook only)."""

    def preprocess(self, nb, resources):
        if not is_graded_challenge(resources):
            return nb, resources
        seed = HiddenInputs(parent=self).run_seed()
        student = resources["nbgrader"]["student"]
        calls = grading_calls(seed, student)
        record = grading_record(nb)
        record.update(seed=seed, student=student, calls=calls)
        cell = new_code_cell(recording_cell(calls, "the grader"))
        cell.metadata[EVIDENCE_CELL_KEY] = True
        graded = graded_cells(nb)
        index = next(i for i, c in enumerate(nb.cells) if c is graded[0]) if graded else len(nb.cells)
        nb.cells.insert(index, cell)
        self.log.info("%s: grading calls drawn from seed %d", student, seed)
        return nb, resources
