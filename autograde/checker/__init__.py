"""The heatmap checker: the part of the grading kit that students receive.

Every module in this package is public. ``python -m autograde build-checker``
(run by ``./course generate``) joins them, in dependency order, into the one
file students get, ``solutions/challenge/heatmap_check.py``; a test fails when
that file is not current. Nothing here is secret: the hidden calls' inputs are
drawn when grading starts (``autograde/grading/hidden_inputs.py``), and the verdicts
that count are computed outside the student's process.

What runs where: everything here runs in the student's kernel for the self-check (where
nothing it computes is trusted); :mod:`.evidence`'s ``collect`` runs in the sandboxed
grading kernel (it records what each grading call drew); :mod:`.unpickle` (with
:mod:`.admitted`) and the readers (:mod:`.picture` and what it reads with: :mod:`.artists`,
:mod:`.texts`, :mod:`.handmade`, :mod:`.heatmaps`, :mod:`.heatmap_cells`, :mod:`.seen`,
:mod:`.seen_cells`, :mod:`.seen_texts`, :mod:`.colours`) run in the sandboxed inspector;
:mod:`.judge`, :mod:`.judge_texts` and :mod:`.verdicts` run in the grader, on what the
inspector read. Imports: nothing of the kit outside this package (it becomes one file).
"""
