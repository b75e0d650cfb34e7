"""The course's nbgrader preprocessors, one per module; ``nbgrader_config.py`` names them.

Sanitize step (before the notebook runs):

* :class:`BackupGradebook`: one backup of the gradebook per grading process;
* :class:`ClearGradingRecord`: no grading record of the submission's own;
* :class:`FlagRefusedFiles`: what collect or the check before grading refused, flagged;
* :class:`RestoreTestCells`: deleted read-only cells put back, edits flagged.

Autograde step:

* :class:`CollectEvidence`: the cell that makes the grading calls, and this
  student's calls recorded;
* :class:`SandboxedExecute`: the notebook runs in a bubblewrap sandbox;
* :class:`GradeFromEvidence`: a sandboxed inspector reads what each call drew,
  the grader judges it and writes the graded cells' outputs;
* :class:`RecordGradingRun`: which grading code graded it, and the sandbox's report;
* :class:`StripActiveContent`: only text and images kept of what the notebook displayed;
* :class:`FlagInGradebook` (after nbgrader's ``SaveAutoGrades``): the kit's flags shown in
  formgrader's "Flagged" column.
"""
from .backup_gradebook import BackupGradebook
from .clear_grading_record import ClearGradingRecord
from .collect_evidence import CollectEvidence
from .flag_in_gradebook import FlagInGradebook
from .flag_refused_files import FlagRefusedFiles
from .grade_from_evidence import GradeFromEvidence
from .record_grading_run import RecordGradingRun
from .restore_test_cells import RestoreTestCells
from .strip_active_content import StripActiveContent
from .sandboxed_execute import SandboxedExecute

__all__ = ["BackupGradebook", "ClearGradingRecord", "CollectEvidence", "FlagInGradebook", "FlagRefusedFiles",
           "GradeFromEvidence", "RecordGradingRun", "RestoreTestCells", "SandboxedExecute", "StripActiveContent"]
