"""One submission through nbgrader, in the grader (nbgrader's process or a grading worker).

:mod:`.preprocessors` (one per file, named in ``nbgrader_config.py``: the evidence cell, the
sandboxed kernel, the verdicts, the grading record), :mod:`.inspector` (reads what each call
drew, in a sandbox of its own), :mod:`.hidden_inputs`, :mod:`.fingerprint` (which grading code
made a grade), :mod:`.feedback` (the student's page), :mod:`.submission_file` (a file that is not
a notebook), :mod:`.protocol` (the facts the kit shares) and :mod:`.nbgrader_adapter` (the only
user of nbgrader's private API). Nothing here runs student code outside the sandbox. Imports:
:mod:`autograde.sandbox` and :mod:`autograde.checker`.
"""
