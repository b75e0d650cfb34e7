"""nbgrader configuration for the course. Run nbgrader from the repository root.

The hand-edited instructor notebooks live in ``solutions/``; ``notebooks/`` is
generated from them. Everything nbgrader creates while grading stays under
``autograde/`` and is ignored by git.
"""
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "attention-heatmaps"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.source_with_tests_directory = "autograde/source_with_tests"
c.CourseDirectory.submitted_directory = "autograde/submitted"
c.CourseDirectory.autograded_directory = "autograde/autograded"
c.CourseDirectory.feedback_directory = "autograde/feedback"
c.CourseDirectory.solution_directory = "autograde/solution"
c.CourseDirectory.db_url = "sqlite:///autograde/gradebook.db"
c.Exchange.root = "autograde/exchange"
c.ExportPlugin.to = "autograde/grades.csv"

# Grading the challenge robustly (see autograde/preprocessors.py and the README).
import os, sys  # noqa: E401
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # makes `autograde` importable
c.Execute.timeout = 60  # seconds per cell; the checks stop a student's call after 10
c.ExecutePreprocessor.timeout = 60  # the same setting under the name older docs use
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "autograde.preprocessors.RestoreTestCells",
    "nbgrader.preprocessors.OverwriteCells", "nbgrader.preprocessors.CheckCellMetadata"]
c.Autograde.autograde_preprocessors = [
    "autograde.preprocessors.RobustExecute", "autograde.preprocessors.CheckVerdicts",
    "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
