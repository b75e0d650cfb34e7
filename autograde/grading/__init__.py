"""Grading one submission with nbgrader: the preprocessors, the inspector and the grader's facts.

What runs where:

* in the grader (``nbgrader autograde``'s process, or a worker of ``python -m autograde
  grade``), never running student code: :mod:`.preprocessors` (one nbgrader preprocessor per
  file: the gradebook backup, the sanitizing, the grading calls, the sandboxed run, the
  verdicts), :mod:`.hidden_inputs` (the hidden calls' fresh data), :mod:`.fingerprint` (which
  grading code graded a notebook), :mod:`.feedback` (nbgrader's feedback page),
  :mod:`.nbgrader_adapter` (the only door to nbgrader's private API), :mod:`.exchange`
  (collect: only a student's own folders, regular files only), :mod:`.submission_guard`
  (before nbgrader reads a submission: nothing followed, nothing too big), :mod:`.refusals`
  (what those two refused, for the flags), :mod:`.submission_file` (a submitted file that is
  not a notebook: said with the fix, never a traceback, on both paths), :mod:`.late_penalty`
  (nbgrader's late-penalty plugin, points per day late) and :mod:`.canary` (the instructor's
  solution must earn full marks before anyone is graded);
* in a sandbox of its own: :mod:`.inspector`'s ``main``, which unpickles and reads the
  pictures a submission sent back (the grader starts it and reads its reply);
* everywhere in the kit: :mod:`.protocol`, the facts the grader shares (assignment, notebook,
  metadata keys, flags).

Imports: :mod:`autograde.checker` and :mod:`autograde.sandbox` only; :mod:`autograde.term`
and the command line use this package, never the other way round.
"""
