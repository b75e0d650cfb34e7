"""A throwaway copy of the course, for the tests, the benchmarks and the browser tests;
and the lessons' helper modules for scripts (:func:`lesson_module`, :func:`run_in_lessons_folder`).

Code is not copied: the grading kit is the installed ``autograde`` package. A
copy is the course's content (``nbgrader_config.py``, ``solutions/``,
``notebooks/``) with fresh, empty grading state; its gradebook is filled by
nbgrader's own ``generate_assignment``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from autograde.term.gradebook import gradebook_file

REPO = Path(__file__).resolve().parents[2]
#: The folder of the lessons' helper modules (attention_plots, attention_math, real_attention,
#: head_explorer): lessons 05-07, released after the challenge.
LESSON_MODULES = REPO / "solutions" / "lessons-after-challenge"
_NOT_COPIED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")


def nbgrader(course, *args, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course``; RuntimeError with its output when it fails."""
    # nbgrader runs `alembic` by name: this interpreter's scripts come first on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    process = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"],
                             cwd=course, capture_output=True, text=True, env=env)
    if check and process.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{process.stdout}\n{process.stderr}")
    return process


def copy_course(destination, *, assignments=None, challenge_source=None, config_text: str | None = None,
                regenerate: bool = False) -> Path:
    """Copy the course to ``destination`` and fill a fresh gradebook.

    Args:
        destination: a folder that does not exist yet.
        assignments: the assignments to copy (default: all of ``solutions/``).
        challenge_source: a folder that replaces ``solutions/challenge`` (e.g. the naive baseline's).
        config_text: an ``nbgrader_config.py`` to use instead of the course's.
        regenerate: write the student notebooks afresh into ``notebooks/`` (needed with
            ``challenge_source``); by default the committed ``notebooks/`` are copied as they are
            and nbgrader's generated copies go to a scratch folder.

    Returns:
        The copy's root folder.
    """
    root = Path(destination)
    root.mkdir(parents=True)
    if config_text is None:
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    else:
        (root / "nbgrader_config.py").write_text(config_text)
    # nbgrader creates the gradebook but not the folder it lives in
    database = gradebook_file(root)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    names = list(assignments) if assignments else sorted(p.name for p in (REPO / "solutions").iterdir()
                                                        if p.is_dir() and not p.name.startswith("."))
    for name in names:
        source = Path(challenge_source) if (name == "challenge" and challenge_source) else REPO / "solutions" / name
        shutil.copytree(source, root / "solutions" / name, ignore=_NOT_COPIED)
        if not regenerate and (REPO / "notebooks" / name).exists():
            shutil.copytree(REPO / "notebooks" / name, root / "notebooks" / name, ignore=_NOT_COPIED)
    for name in names:
        release = [] if regenerate else ["--CourseDirectory.release_directory=grading/release"]
        nbgrader(root, "generate_assignment", name, "--force", *release)
    return root


def lesson_module(name: str):
    """One of the lessons' helper modules (``solutions/lessons-after-challenge/<name>.py``),
    imported from its file, for scripts and benchmarks that run outside the lessons' folder."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, LESSON_MODULES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def run_in_lessons_folder(script: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter from ``solutions/lessons-after-challenge`` (where
    lessons 05-07 import the lessons' modules from)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=LESSON_MODULES,
                          capture_output=True, text=True, timeout=120)
