"""Put back the read-only cells a student deleted, and flag every edited one.

nbgrader's own ``OverwriteCells`` (with ``add_missing_cells``) restores the
source of graded cells, and re-adds a deleted graded cell only when the cell
before it is a graded or answer cell; a cell whose ``grade_id`` was renamed
makes it fail the whole submission. :class:`RestoreTestCells` runs just before
it (sanitize step): it turns renamed read-only cells into plain cells, puts
back every deleted read-only cell from the gradebook's copy, and records a flag
for each graded or set-up cell that was edited, renamed or deleted. None of this
changes a grade by itself: the grader judges what the function draws.
"""

from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.grading.protocol import GRADED_LINE, SETUP_CELL, add_flag, grade_id

#: Read-only cells whose edits are reported (other read-only cells are restored silently).
WATCHED_CELLS = (SETUP_CELL,)


def _normalise(source: str) -> str:
    source = GRADED_LINE.sub("# Graded", source.strip())  # the points may have changed since
    return "\n".join(line.rstrip() for line in source.splitlines())


class RestoreTestCells(NbGraderPreprocessor):
    """Re-add deleted read-only cells; flag edited, renamed or deleted graded cells."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(info["notebook"], info["assignment"])
            graded = {cell.name: cell.max_score for cell in source.grade_cells}
            source_cells = [(cell.name, cell.cell_type, cell.source, cell.locked)
                            for cell in source.source_cells]
        known = {name for name, *_ in source_cells}
        for cell in nb.cells:
            # A cell claiming an unknown grade_id (a renamed test cell) would make
            # nbgrader's OverwriteCells fail the whole submission: make it a plain cell.
            if grade_id(cell) and grade_id(cell) not in known:
                nbgrader = cell.metadata.pop("nbgrader")
                if nbgrader.get("grade") or nbgrader.get("locked"):
                    add_flag(nb, f"a read-only cell was renamed to '{nbgrader['grade_id']}'")
        present = {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}
        for name, _, text, locked in source_cells:
            cell = present.get(name)
            watched = name in graded or name in WATCHED_CELLS
            if cell is not None and watched and locked and _normalise(cell.source) != _normalise(text):
                add_flag(nb, f"the read-only cell '{name}' was edited (nbgrader restored it)")
        previous_index = -1
        for name, cell_type, text, locked in source_cells:
            if name in present:
                previous_index = next(i for i, c in enumerate(nb.cells) if c is present[name])
                continue
            if not (locked or name in graded):
                continue  # a deleted answer cell stays deleted: nothing to grade
            if name in graded or name in WATCHED_CELLS:
                add_flag(nb, f"the read-only cell '{name}' was deleted (nbgrader restored it)")
            cell = new_code_cell(text) if cell_type == "code" else new_markdown_cell(text)
            cell.metadata["nbgrader"] = {
                "grade": name in graded, "grade_id": name, "locked": True, "solution": False,
                "task": False, "schema_version": 3}
            if name in graded:
                cell.metadata["nbgrader"]["points"] = graded[name]
            nb.cells.insert(previous_index + 1, cell)
            present[name] = cell
            previous_index += 1
        return nb, resources
