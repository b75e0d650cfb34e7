"""Write the challenge's points everywhere they are shown, from their one source.

The points of each criterion are the ``points`` of its graded cell in
``solutions/challenge/04_challenge.ipynb`` (nbgrader's cell metadata, which
is also what the gradebook and the grader use). Three places show them to
people, and all three are generated here:

* the points table in the notebook's first Markdown cell (the table that
  starts with ``| graded criterion | points |``);
* the first line of each graded cell, ``# Graded (N points): ...``;
* the README's policy table, between :data:`README_BEGIN` and :data:`README_END`.

The criteria's descriptions come from :data:`autograde.checker.spec.CRITERIA`.
``./course generate`` runs :func:`write_points` (``python -m autograde build``)
before nbgrader copies the notebook into ``notebooks/``; a test fails when a
committed file differs from a fresh build.
"""
from __future__ import annotations

from pathlib import Path

from autograde.checker.spec import CRITERIA
from autograde.grading.protocol import GRADED_LINE, criterion_points, grade_id, graded_cells, points_text

CHALLENGE_SOURCE = Path("solutions") / "challenge" / "04_challenge.ipynb"
README = Path("README.md")
#: The first line of the points table in the notebook's first Markdown cell.
TABLE_HEADER = "| graded criterion | points |"
README_BEGIN = "<!-- points table: generated from the graded cells' points by ./course generate; do not edit -->"
README_END = "<!-- end of the generated points table -->"


class PointsError(Exception):
    """A file cannot be updated (e.g. its table or markers are missing)."""


def notebook_table(points: dict) -> str:
    """The notebook's points table (Markdown), one row per criterion and the total."""
    rows = [TABLE_HEADER, "|---|---|"]
    rows += [f"| {CRITERIA.get(criterion, criterion)} | {value:g} |" for criterion, value in points.items()]
    rows.append(f"| **total** | **{sum(points.values()):g}** |")
    return "\n".join(rows)


def readme_table(points: dict) -> str:
    """The README's policy table (Markdown) between its markers."""
    rows = [README_BEGIN, "| graded cell (`grade_id`) | points | passes when |", "|---|---:|---|"]
    rows += [f"| `{criterion}` | {value:g} | {CRITERIA.get(criterion, criterion)} |"
             for criterion, value in points.items()]
    rows += [f"| **total** | **{sum(points.values()):g}** | |", README_END]
    return "\n".join(rows)


def _replace_table(text: str, table: str, where: str) -> str:
    lines = text.split("\n")
    try:
        start = lines.index(TABLE_HEADER)
    except ValueError:
        raise PointsError(f"{where} has no points table: add a line '{TABLE_HEADER}' where it goes") from None
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[:start] + table.split("\n") + lines[end:])


def _graded_source(source: str, criterion: str, points: float) -> str:
    """The cell's source with its first line saying its points (added when missing)."""
    label = f"# Graded ({points_text(points)})"
    lines = source.split("\n")
    if lines and GRADED_LINE.match(lines[0]):
        lines[0] = GRADED_LINE.sub(label, lines[0])
        return "\n".join(lines)
    return f"{label}: {CRITERIA.get(criterion, criterion)}.\n{source}"


def update_notebook(notebook) -> bool:
    """Rewrite the points table and the graded cells' first lines in place; True if anything changed."""
    points = criterion_points(notebook)
    changed = False
    first_markdown = next((cell for cell in notebook.cells if cell.cell_type == "markdown"), None)
    if first_markdown is None:
        raise PointsError("the challenge notebook has no Markdown cell for the points table")
    new = _replace_table(first_markdown.source, notebook_table(points), "the first Markdown cell")
    if new != first_markdown.source:
        first_markdown.source, changed = new, True
    for cell in graded_cells(notebook):
        new = _graded_source(cell.source, grade_id(cell), points[grade_id(cell)])
        if new != cell.source:
            cell.source, changed = new, True
    return changed


def update_readme(text: str, points: dict) -> str:
    """The README with its generated points table replaced."""
    if README_BEGIN not in text or README_END not in text:
        raise PointsError(f"README.md has no generated points table: put the lines\n{README_BEGIN}\n"
                          f"{README_END}\nwhere it goes")
    before, rest = text.split(README_BEGIN, 1)
    _, after = rest.split(README_END, 1)
    return before + readme_table(points) + after


def write_points(course_root=".", check: bool = False) -> list[Path]:
    """Write the points into the challenge notebook and the README of the course at ``course_root``.

    Args:
        course_root: the course root (a course copy without a README is fine).
        check: only report which files are out of date, write nothing.

    Returns:
        The files that were (or, with ``check``, would be) changed.
    """
    import nbformat

    root = Path(course_root)
    notebook_path = root / CHALLENGE_SOURCE
    notebook = nbformat.read(notebook_path, as_version=4)
    changed = []
    if update_notebook(notebook):
        changed.append(notebook_path)
        if not check:
            nbformat.write(notebook, notebook_path)
    readme = root / README
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        new = update_readme(text, criterion_points(notebook))
        if new != text:
            changed.append(readme)
            if not check:
                readme.write_text(new, encoding="utf-8")
    return changed
