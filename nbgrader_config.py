"""nbgrader configuration for the course. Run nbgrader from the repository root.

The flow: ``solutions/`` (the hand-edited instructor notebooks) -> ``notebooks/``
(what students get, generated) -> ``grading/`` (everything nbgrader keeps while
you teach: submissions, autograded notebooks, feedback, the gradebook and its
backups, reports; ignored by git). The grading kit is the ``autograde``
package, installed by ``./course``.
"""
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "attention-heatmaps"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.source_with_tests_directory = "grading/source_with_tests"
c.CourseDirectory.solution_directory = "grading/solution"
c.CourseDirectory.db_url = "sqlite:///grading/gradebook.db"
c.Exchange.root = "grading/exchange"  # one machine; on a JupyterHub: an absolute path (README)
c.ExportPlugin.to = "grading/grades.csv"

# What a student hands in is untrusted on the instructor's side too (README, the trust model):
# collect takes only folders owned by the student they name and copies regular files only;
# before nbgrader reads a submission, nothing in it is followed and nothing is too big, and the
# instructor's solution must first earn full marks through the real grading path.
c.ExchangeFactory.collect = "autograde.grading.exchange.SafeExchangeCollect"
c.Autograde.pre_convert_hook = "autograde.grading.submission_guard.pre_convert_hook"

# Grading the challenge (README, "How grading works"): the notebook runs in a
# sandbox, the grader calls the student's function itself and judges what it
# drew outside the student's process.
c.Execute.timeout = 60  # seconds per cell; one call of the student's function gets 10
c.ExecutePreprocessor.timeout = 60  # the same setting under the name older docs use
c.OverwriteCells.add_missing_cells = True
# A submitted file that is not a notebook: "ask the student to hand in the notebook again", no traceback
c.Autograde.exporter_class = "autograde.grading.submission_file.SubmissionExporter"
c.Autograde.sanitize_preprocessors = [
    "autograde.grading.preprocessors.BackupGradebook", "autograde.grading.preprocessors.ClearGradingRecord",
    "autograde.grading.preprocessors.FlagRefusedFiles", "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds", "nbgrader.preprocessors.OverwriteKernelspec", "autograde.grading.preprocessors.RestoreTestCells",
    "nbgrader.preprocessors.OverwriteCells", "nbgrader.preprocessors.CheckCellMetadata"]
c.Autograde.autograde_preprocessors = [
    "autograde.grading.preprocessors.CollectEvidence", "autograde.grading.preprocessors.SandboxedExecute",
    "autograde.grading.preprocessors.GradeFromEvidence", "autograde.grading.preprocessors.RecordGradingRun",
    "autograde.grading.preprocessors.StripActiveContent",
    "nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "autograde.grading.preprocessors.FlagInGradebook",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]

# Late work (README, "Late work"): the due date is the gradebook's (nbgrader db assignment add
# challenge --duedate "2026-03-13 23:59 Europe/Berlin"); a late submission loses this many points per
# day begun (0: none; nbgrader's c.LatePenalty.penalty_method = "zero" gives it 0 instead).
c.AssignLatePenalties.plugin_class = "autograde.grading.late_penalty.LatePenalty"
c.LatePenalty.points_per_day = 0
c.LatePenalty.grace_minutes = 0

# A submission's notebook is rendered in instructors' browsers (formgrader) and in its feedback:
# nbconvert sanitizes its HTML there, so nothing a student wrote can run as script.
c.HTMLExporter.sanitize_html = True

# Feedback for students (autograde/grading/feedback.py): nbgrader's page with each criterion named,
# without the grader's paths or library frames.
c.GenerateFeedback.exporter_class = "autograde.grading.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograde.grading.feedback.CleanFeedback"]

# The grading sandbox's limits (every setting, with help: autograde/sandbox/settings.py), e.g.
# c.Sandbox.memory_mb = 2048
# c.Sandbox.cpu_seconds = 120
# Limits on the instructor's side (autograde/grading/submission_guard.py, inspector.py, exchange.py):
# c.SubmissionLimits.max_notebook_mb = 50
# c.SubmissionLimits.max_cells = 2000
# c.Inspector.cpu_seconds = 20
# c.SafeExchangeCollect.require_owner = "auto"
# Fixed hidden inputs instead of fresh ones for each run (autograde/grading/hidden_inputs.py):
# c.HiddenInputs.seed = 1234
# What a call given an ax is judged on (README, "Grading the challenge: the policy"): "given" (the
# default: that ax, as the caller sees it) or "returned" (the Axes the function returns). Run
# ./course generate after changing it: the students' self-check judges the same way.
# c.HeatmapGrading.judge_with_ax_on = "given"
