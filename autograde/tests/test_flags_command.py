"""`python -m autograde.flags` answers plainly when there is nothing to read."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def flags_command(*args):
    return subprocess.run([sys.executable, "-m", "autograde.flags", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_missing_autograded_folder_is_a_message_not_a_traceback(tmp_path):
    result = flags_command(str(tmp_path / "autograded"))
    assert result.returncode == 2
    assert "no autograded folder" in result.stderr and "run nbgrader autograde" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_autograded_folder_without_flags_exits_zero(tmp_path):
    (tmp_path / "autograded").mkdir()
    result = flags_command(str(tmp_path / "autograded"))
    assert result.returncode == 0, result.stderr
    assert "no submission was flagged" in result.stdout
