"""The old name of :mod:`autograde.grading.preprocessors`, kept for course configurations.

An ``nbgrader_config.py`` written before the kit was split into rooms names
``autograde.preprocessors.X``; it keeps working. New configurations name
``autograde.grading.preprocessors.X`` (see the course's own ``nbgrader_config.py``).
"""
from autograde.grading.preprocessors import *  # noqa: F401,F403
from autograde.grading.preprocessors import __all__  # noqa: F401
