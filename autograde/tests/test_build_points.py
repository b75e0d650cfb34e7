"""Points have one source, the graded cells' metadata; every table and label that shows them is built.

The committed challenge notebook and README must be fresh builds (a hand edit of
a points table fails here), a changed point must reach the notebook's table,
the graded cell's "# Graded (N points)" line and the README, and, through
`./course generate`'s two steps, the students' notebook.
"""
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograde.generate.checker import build_checker
from autograde.generate.points import (CHALLENGE_SOURCE, POLICY_BEGIN, POLICY_END, README, README_BEGIN, PointsError,
                                       course_settings, update_readme, write_points)
from autograde.corpus.course_copy import REPO, copy_course
from autograde.grading.protocol import criterion_points, find_cell


def test_the_committed_notebook_and_readme_show_the_points_of_the_metadata():
    stale = write_points(REPO, check=True)
    assert stale == [], f"{[str(p) for p in stale]} show other points than the graded cells: run ./course generate"


@pytest.fixture
def course(tmp_path):
    (tmp_path / CHALLENGE_SOURCE).parent.mkdir(parents=True)
    shutil.copy(REPO / CHALLENGE_SOURCE, tmp_path / CHALLENGE_SOURCE)
    shutil.copy(REPO / README, tmp_path / README)
    return tmp_path


def _set_points(path, grade_id, points):
    notebook = nbformat.read(path, as_version=4)
    find_cell(notebook, grade_id).metadata["nbgrader"]["points"] = points
    nbformat.write(notebook, path)


def test_a_changed_point_reaches_the_table_the_cell_and_the_readme(course):
    _set_points(course / CHALLENGE_SOURCE, "title", 2)
    changed = write_points(course)
    assert sorted(p.name for p in changed) == ["04_challenge.ipynb", "README.md"]

    notebook = nbformat.read(course / CHALLENGE_SOURCE, as_version=4)
    table = notebook.cells[0].source
    assert '| the title is "Attention Heatmap" | 2 |' in table
    assert "| **total** | **11** |" in table
    assert find_cell(notebook, "title").source.startswith("# Graded (2 points): the title")
    assert find_cell(notebook, "colorbar").source.startswith("# Graded (1 point): ")
    readme = (course / README).read_text()
    assert '| `title` | 2 | the title is "Attention Heatmap" |' in readme
    assert "| **total** | **11** | |" in readme
    assert write_points(course) == []  # a second build changes nothing


def test_half_points_and_a_missing_graded_line(course):
    notebook = nbformat.read(course / CHALLENGE_SOURCE, as_version=4)
    find_cell(notebook, "matrix").metadata["nbgrader"]["points"] = 2.5
    find_cell(notebook, "matrix").source = "import heatmap_check\nheatmap_check.require('matrix', plot_attention_heatmap)"
    nbformat.write(notebook, course / CHALLENGE_SOURCE)
    write_points(course)
    notebook = nbformat.read(course / CHALLENGE_SOURCE, as_version=4)
    assert find_cell(notebook, "matrix").source.split("\n")[0] == (
        "# Graded (2.5 points): the heatmap shows exactly the given matrix (rows = query tokens, columns = key tokens).")
    assert criterion_points(notebook)["matrix"] == 2.5


def test_a_readme_without_its_markers_is_a_clear_error():
    with pytest.raises(PointsError, match="no generated points table"):
        update_readme("# A README\n", {"title": 1.0})
    table = f"x\n{README_BEGIN}\nold\n<!-- end of the generated points table -->\n"
    with pytest.raises(PointsError, match="no generated policy"):
        update_readme(table, {"title": 1.0})
    assert README_BEGIN in update_readme(f"{table}{POLICY_BEGIN}\nold\n{POLICY_END}\n", {"title": 1.0})


def test_the_with_ax_setting_reaches_the_notebook_the_readme_and_the_students_checker(course):
    (course / "nbgrader_config.py").write_text(
        (REPO / "nbgrader_config.py").read_text() + '\nc.HeatmapGrading.judge_with_ax_on = "returned"\n')
    assert sorted(p.name for p in write_points(course)) == ["04_challenge.ipynb", "README.md"]
    rule = "- A call with an `ax` is judged on the Axes the function returns: "
    assert rule in nbformat.read(course / CHALLENGE_SOURCE, as_version=4).cells[0].source
    assert rule in (course / README).read_text()
    checker = build_checker(course)
    assert '\nJUDGE_WITH_AX_ON = "returned"\n' in checker and "\nPOINTS = {\"returns_axes\": 1, " in checker
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.HeatmapGrading.judge_with_ax_on = "ax"\n')
    with pytest.raises(PointsError, match="must be one of \\['given', 'returned'\\], not 'ax'"):
        write_points(course)


def test_the_packages_own_settings_are_the_courses():
    from autograde.checker import spec

    assert (spec.POINTS, spec.JUDGE_WITH_AX_ON) == course_settings(REPO), (
        "autograde/checker/spec.py's generated settings are stale: run ./course generate")


@pytest.mark.integration
def test_course_generate_steps_carry_a_point_change_to_the_students_notebook(tmp_path):
    course = copy_course(tmp_path / "course", assignments=["challenge"], regenerate=True)
    _set_points(course / CHALLENGE_SOURCE, "title", 2)
    build = subprocess.run([sys.executable, "-m", "autograde", "build"], cwd=course, capture_output=True,
                           text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    assert "wrote the points into solutions/challenge/04_challenge.ipynb" in build.stdout
    generate = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "challenge", "--force",
                               "--log-level=WARN"], cwd=course, capture_output=True, text=True, timeout=300)
    assert generate.returncode == 0, generate.stderr
    student = nbformat.read(course / "notebooks" / "challenge" / "04_challenge.ipynb", as_version=4)
    assert '| the title is "Attention Heatmap" | 2 |' in student.cells[0].source
    assert find_cell(student, "title").source.startswith("# Graded (2 points)")
    assert criterion_points(student)["title"] == 2.0
