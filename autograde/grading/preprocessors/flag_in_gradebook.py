"""After the grades are saved: the kit's flags in formgrader's "Flagged" column.

The grader records its reasons for an instructor to look at a submission in the
autograded notebook (:func:`autograde.grading.protocol.add_flag`), where
``python -m autograde flags`` and the class report read them. Formgrader shows
nbgrader's own flag instead: ``SubmittedNotebook.flagged`` in the gradebook (a
flag icon in the submissions' "Flagged" column, the flag an instructor toggles
while grading by hand). :class:`FlagInGradebook`, right after nbgrader's
``SaveAutoGrades`` (in the grader's one gradebook writer: nbgrader's process, or
``python -m autograde grade``'s main process), sets that flag when the kit flagged
the submission. It never clears one: an instructor's flag, or one the kit set at an
earlier grading, stays until an instructor clears it in formgrader.
"""
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.grading.protocol import flags_of


class FlagInGradebook(NbGraderPreprocessor):
    """Set nbgrader's ``flagged`` on a submitted notebook the kit flagged."""

    def preprocess(self, nb, resources):
        if not flags_of(nb):
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            submission = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            if not submission.flagged:
                submission.flagged = True
                gradebook.db.commit()
        return nb, resources
