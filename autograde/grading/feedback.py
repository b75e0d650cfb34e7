"""The feedback a student reads: their own errors, in plain words, and nothing of the grader's.

nbgrader's feedback HTML is the autograded notebook rendered. Two things make
it the students' own (``nbgrader_config.py`` sets both, so ``python -m
autograde grade`` and ``nbgrader generate_feedback`` agree):

* :class:`CleanFeedback`, a feedback preprocessor: error tracebacks keep the
  frames of the student's own cells and say in one line which library frames
  were left out; every absolute path (the instructor's folders, the sandbox's
  scratch folder, the virtualenv) is cut down to its file name; and an error
  that only repeats that the answer cell failed (``NameError: name
  'plot_attention_heatmap' is not defined`` in the self-check after a
  ``SyntaxError``) becomes one sentence pointing to the real error, which
  stays where it happened, at its line.
* :class:`FeedbackExporter`, the feedback's HTML exporter: nbgrader's own
  feedback page (its template "feedback") whose score summary names each
  criterion, from its graded cell's ``# Graded (N points): <criterion>``
  line, instead of "Test cell" (``feedback_templates/heatmap_feedback.html.j2``).
  Only the feedback uses it: formgrader's pages keep nbgrader's templates.
"""
from __future__ import annotations

import re
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool, default, validate

from autograde.grading.preprocessors.grade_from_evidence import why_cell_stopped

TEMPLATES = Path(__file__).resolve().parent / "feedback_templates"
TEMPLATE_FILE = "heatmap_feedback.html.j2"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# An absolute path's folders ("/home/me/course/x.py" -> "x.py"); not URLs, not "and/or" or "1/2".
_FOLDERS = re.compile(r"(?<![\w.~:/\\-])(?:/[^\s/'\"():,;<>\]\[]+)+/(?=[^\s/'\"():,;<>\]\[])")
_LIBRARY = re.compile(r"(?:site-packages|dist-packages)/([^/\s]+)|lib/python[\d.]+/(?!site-packages|dist-packages)([^/\s]+)")
_DEFINED = re.compile(r"^\s*(?:def|class)\s+(\w+)|^(\w+)\s*=", re.MULTILINE)
_NOT_DEFINED = re.compile(r"name '(\w+)' is not defined")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback HTML (``GenerateFeedback.exporter_class``) with the criteria named.

    nbgrader's converter sets this exporter's template ("feedback") and its
    folders; this class only puts its own page, which extends that template,
    first.
    """

    # Our page is found in extra_template_paths, searched after the template's own folders, so
    # the "index.html.j2" it extends is nbgrader's. nbgrader's converter sets those paths itself
    # (its static files): ours is added to whatever it sets.
    @default("extra_template_paths")
    def _extra_template_paths_default(self):
        return [str(TEMPLATES)]

    @validate("extra_template_paths")
    def _keep_our_template(self, proposal):
        paths = list(proposal["value"])
        return paths if str(TEMPLATES) in paths else [*paths, str(TEMPLATES)]

    @default("template_file")
    def _template_file_default(self):
        return TEMPLATE_FILE


def without_paths(text: str) -> str:
    """``text`` with every absolute path cut down to its last part (the file name)."""
    return _FOLDERS.sub("", text)


def _library_of(frame: str) -> str:
    match = _LIBRARY.search(frame)
    if match:
        return (match.group(1) or match.group(2)).split(".")[0]
    found = re.search(r"File ([^\s:,]+)", frame)
    return Path(found.group(1)).name if found else "the course's code"


def clean_traceback(lines: list[str]) -> list[str]:
    """A traceback with the student's frames, one line for each run of library frames, no paths."""
    cleaned, hidden = [], []

    def flush():
        if hidden:
            names = sorted(set(hidden))
            cleaned.append(f"   ... {len(hidden)} frame{'s' if len(hidden) > 1 else ''} inside "
                           f"{', '.join(names)} left out\n")
            hidden.clear()

    for line in lines:
        plain = _ANSI.sub("", line)
        if plain.lstrip().startswith("File "):
            hidden.append(_library_of(plain))
            continue
        flush()
        cleaned.append(without_paths(plain))
    flush()
    return cleaned


def _clean_output(output):
    if output.get("output_type") == "stream":
        output["text"] = without_paths(output.get("text", ""))
    elif output.get("output_type") == "error":
        output["evalue"] = without_paths(str(output.get("evalue", "")))
        output["traceback"] = clean_traceback(list(output.get("traceback", [])))
    elif "data" in output and isinstance(output["data"].get("text/plain"), str):
        output["data"]["text/plain"] = without_paths(output["data"]["text/plain"])
    return output


class CleanFeedback(Preprocessor):
    """Feedback preprocessor: no grader paths or library frames, a failed answer cell said once."""

    enabled = Bool(True, help="Clean the feedback (paths, library frames, repeated errors).").tag(config=True)

    def preprocess(self, nb, resources):
        failed_answer = None  # (why it stopped, names its cell defines) of the last answer cell that stopped
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs = []
            for output in cell.get("outputs", []):
                missing = _NOT_DEFINED.search(str(output.get("evalue", ""))) \
                    if output.get("output_type") == "error" and output.get("ename") == "NameError" else None
                if failed_answer and missing and missing.group(1) in failed_answer[1]:
                    outputs.append(new_output("stream", name="stderr", text=(
                        f"Not run: your answer cell above did not run to its end ({failed_answer[0]}), "
                        f"so {missing.group(1)} was never defined; fix that first.\n")))
                    continue
                outputs.append(_clean_output(output))
            cell.outputs = outputs
            nbgrader = cell.metadata.get("nbgrader", {})
            why = why_cell_stopped(outputs) if nbgrader.get("solution") else None
            if why:
                failed_answer = (why, {a or b for a, b in _DEFINED.findall(cell.source)})
        return nb, resources
