"""The course's grading kit: nbgrader grading of the challenge that a student cannot forge.

The flow, and the module for each step::

    solutions/challenge/04_challenge.ipynb  (instructor source; points in its cells' metadata)
        │  ./course generate: build_checker (checker/ -> heatmap_check.py), build_points (the points
        │  tables and "# Graded (N points)" lines, from the metadata), nbgrader generate_assignment
        ▼
    notebooks/challenge/  (what students get: the notebook and heatmap_check.py)
        │  students submit; lms imports an LMS export into nbgrader's submitted folder
        ▼
    nbgrader autograde challenge  or  python -m autograde grade  (cli -> class_grading)
        sanitize:  preprocessors.BackupGradebook, nbgrader's, preprocessors.RestoreTestCells
        autograde: preprocessors.CollectEvidence      the grading calls (hidden_inputs: fresh data)
                   preprocessors.SandboxedExecute     the notebook runs in bubblewrap (sandbox)
                   preprocessors.GradeFromEvidence    inspector (sandboxed) reads each drawing,
                                                      checker.verdicts judges it, points per cell
                   preprocessors.RecordGradingRun     which grading code graded it, the sandbox's report
                   nbgrader's SaveAutoGrades          grades into the gradebook
        feedback:  feedback.CleanFeedback, feedback.FeedbackExporter (criteria named, no grader paths)
        ▼
    grading/  (gradebook, autograded notebooks, feedback, report, grades.csv, the LMS's CSV,
               the run journal)

Trusted and untrusted: everything under :mod:`autograde.checker` is public (it
is also the students' ``heatmap_check.py``) and runs in the student's kernel
for the self-check, where nothing it computes is trusted; at grading the kernel
only produces *evidence* (pickled figures). Verdicts are computed by code that
never ran student code: the inspector process (which only unpickles and reads
pictures, in its own sandbox) and the grader's preprocessors.

Other modules: :mod:`protocol` (shared facts), :mod:`nbgrader_adapter` (the
only door to nbgrader's private API), :mod:`grading_worker` and
:mod:`worker_pool` (parallel grading), :mod:`run_journal` (no student
without an outcome when a run is interrupted), :mod:`lms` (LMS exports in,
Canvas's CSV out), :mod:`gradebook` (reading grades),
:mod:`report` (the class report), :mod:`flags` (what to review),
:mod:`course_copy` (throwaway course copies for tests and benchmarks),
:mod:`corpus` (sample submissions with expected points) and
:mod:`naive_baseline` (what a one-cell test would have given).
"""
