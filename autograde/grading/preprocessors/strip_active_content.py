"""Keep only inert outputs in an autograded notebook: what a student's code displayed can
never run in an instructor's browser.

An autograded notebook is opened by instructors (formgrader, JupyterLab) and rendered
into the students' feedback. A submission's code can display HTML, JavaScript or SVG
that runs as script when rendered (an ``<img onerror=...>``, say), with the instructor's
session: it could change grades through formgrader's API or start a kernel outside the
sandbox. :class:`StripActiveContent` (after the grading, before ``SaveAutoGrades``)
keeps of each output only the inert formats (plain text and bitmap images) and says
once, in the cell, what was left out. ``nbgrader_config.py`` also has nbconvert sanitize
the HTML of every page it renders (formgrader's and the feedback), for the notebook's
own markdown cells.
"""
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

#: Output formats that are only ever shown, never run.
INERT = frozenset({"text/plain", "image/png", "image/jpeg", "image/gif"})


class StripActiveContent(NbGraderPreprocessor):
    """Drop every output format but plain text and bitmap images from code cells."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            dropped = set()
            for output in cell.get("outputs", []):
                data = output.get("data")
                if data is None:
                    continue
                dropped |= set(data) - INERT
                output["data"] = {kind: value for kind, value in data.items() if kind in INERT}
                output["metadata"] = {}
            cell.outputs = [o for o in cell.outputs if o.get("data", True)]
            if dropped:
                kinds = ", ".join(sorted(dropped))[:200]
                cell.outputs.append(new_output("stream", name="stdout",
                                               text=f"[the grader kept only text and images here, not {kinds}]\n"))
        return nb, resources
