"""The instructor's term: grading a whole class, and what an instructor reads afterwards.

What runs where: ``python -m autograde grade``'s main process (:mod:`.class_grading`: who is
graded, the gradebook's only writer, the run journal, the exports) on the instructor's
terminal; its worker processes (:mod:`.worker`, kept by :mod:`.worker_pool`), which run the
execute half of nbgrader's autograder through :mod:`autograde.grading` (each student's
notebook in the sandbox) and render the feedback. Around them: :mod:`.lms` (LMS exports in,
Canvas's CSV out), :mod:`.gradebook` (reading grades back, the whole class in one pass),
:mod:`.graded_notebooks` (what is read of each autograded notebook, cached until it changes),
:mod:`.report` (the class report), :mod:`.flags` (what to review) and :mod:`.run_journal` (no
student without an outcome when a run is interrupted).

Nothing here runs student code or decides a point. Imports: :mod:`autograde.grading`,
:mod:`autograde.sandbox` and :mod:`autograde.checker`; only the command line imports this.
"""
