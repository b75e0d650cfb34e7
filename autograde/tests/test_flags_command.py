"""`python -m autograde flags` answers plainly: flags, nothing to read, or --help."""
import subprocess
import sys

import nbformat
from nbformat.v4 import new_notebook

from autograde.corpus.course_copy import REPO
from autograde.grading.protocol import add_flag


def flags_command(*args):
    return subprocess.run([sys.executable, "-m", "autograde", "flags", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_missing_autograded_folder_is_a_message_not_a_traceback(tmp_path):
    result = flags_command(str(tmp_path / "autograded"))
    assert result.returncode == 2
    assert "no autograded folder" in result.stderr and "python -m autograde grade" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_autograded_folder_without_flags_exits_zero(tmp_path):
    (tmp_path / "autograded").mkdir()
    result = flags_command(str(tmp_path / "autograded"))
    assert result.returncode == 0, result.stderr
    assert "no submission was flagged" in result.stdout


def test_flags_are_listed_one_per_line_and_exit_one(tmp_path):
    notebook = new_notebook()
    add_flag(notebook, "the read-only cell 'title' was edited (nbgrader restored it)")
    path = tmp_path / "autograded" / "bob" / "challenge" / "04_challenge.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, path)
    result = flags_command(str(tmp_path / "autograded"))
    assert result.returncode == 1
    assert result.stdout == "bob\tthe read-only cell 'title' was edited (nbgrader restored it)\n"


def test_help_is_help_not_a_folder():
    result = flags_command("--help")
    assert result.returncode == 0 and "usage: python -m autograde flags" in result.stdout
    assert "AUTOGRADED_FOLDER" in result.stdout
