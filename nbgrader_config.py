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
