"""The course's grading kit: nbgrader grading of the challenge that a student cannot forge.

The flow of a term, and the room (subpackage) for each step::

    solutions/challenge/04_challenge.ipynb  (instructor source; points in its cells' metadata)
        │  ./course generate: generate.checker (checker/ -> heatmap_check.py), generate.points
        │  (the points tables and "# Graded (N points)" lines), nbgrader generate_assignment
        ▼
    notebooks/challenge/  (what students get: the notebook and heatmap_check.py)
        │  students submit; term.lms imports an LMS export into nbgrader's submitted folder
        ▼
    nbgrader autograde challenge  or  python -m autograde grade  (cli -> term.class_grading)
        sanitize:  grading.preprocessors: BackupGradebook, ClearGradingRecord, RestoreTestCells
        autograde: grading.preprocessors.CollectEvidence   the grading calls (grading.hidden_inputs)
                   grading.preprocessors.SandboxedExecute  the notebook runs in bubblewrap (sandbox/)
                   grading.preprocessors.GradeFromEvidence grading.inspector (sandboxed) reads each
                                                           drawing, checker.verdicts judges it
                   grading.preprocessors.RecordGradingRun  which grading code graded it
                   nbgrader's SaveAutoGrades               grades into the gradebook
        feedback:  grading.feedback (criteria named, no grader paths)
        ▼
    grading/  (gradebook, autograded notebooks, feedback; term.exports: grades.csv, the LMS's CSV,
               term.report: the class report; term.run_journal: who a run left ungraded)

What runs where: :mod:`autograde.checker` is public (it is also the students'
``heatmap_check.py``) and runs in the student's kernel for the self-check, where
nothing it computes is trusted; at grading the kernel only produces *evidence*
(pickled figures). :mod:`autograde.sandbox` runs student kernels and the
inspector in bubblewrap. :mod:`autograde.grading` computes verdicts in code that
never ran student code: the inspector process (which only unpickles and reads
pictures, in its own sandbox) and the grader's preprocessors.
:mod:`autograde.term` is the instructor's terminal (class grading, workers, LMS,
report, flags); :mod:`autograde.generate` writes the generated files;
:mod:`autograde.corpus` holds sample submissions with expected points and the
throwaway course copies the tests and benchmarks use.

Imports run one way: ``cli`` -> ``term``, ``generate`` -> ``grading`` ->
``sandbox``, ``checker`` (``autograde/tests/test_layout.py``).
"""
