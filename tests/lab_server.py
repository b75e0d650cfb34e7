"""Run a real JupyterLab server on a temporary copy of the course, for the browser tests.

The course copy comes from :func:`autograde.corpus.course_copy.copy_course` (the
course's notebooks, plus a gradebook of its own for nbgrader's formgrader);
``JupyterLab`` starts ``jupyter lab`` on 127.0.0.1
with a free port and a random token and always stops it again
(``with JupyterLab(root, state) as lab: ...``). Nothing here runs on import.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# User settings for the test server: no news toast (and no request to the
# internet for it), so nothing covers the notebook in the screenshots.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    # Every cell in the page, also those out of view: the tests read cells they scroll past.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """``jupyter lab`` serving ``root`` (also its working directory, so nbgrader finds
    ``nbgrader_config.py``), headless, on 127.0.0.1 with a free port and a token.

    Jupyter's config, data, runtime, settings and workspace folders are private
    to this server (under ``state``), so the user's own Jupyter setup neither
    changes the test nor is changed by it. The server log is ``state/lab.log``.
    """

    def __init__(self, root: Path, state: Path, start_timeout: float = 90):
        self.root = Path(root)
        self.state = Path(state)
        self.start_timeout = start_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "lab.log"
        self._process = None

    def __enter__(self) -> "JupyterLab":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def page_url(self, path: str = "") -> str:
        """The URL of a page of this server, e.g. ``lab/tree/notebooks/x.ipynb``, with the token."""
        separator = "&" if "?" in path else "?"
        return f"{self.url}/{path}{separator}token={self.token}"

    def start(self) -> None:
        """Start the server and wait until its REST API answers."""
        settings = self.state / "settings"
        for name, values in _LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(self.state / "config"),
                   JUPYTER_DATA_DIR=str(self.state / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
                   PYTHONUNBUFFERED="1")
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.state / 'workspaces'}",
            # The tests read the notebook's outputs from the page's own model.
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.state.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self._process.returncode}:\n"
                                   f"{self.log()}")
            try:
                with urllib.request.urlopen(self.page_url("api/status"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"jupyter lab did not answer within {self.start_timeout} s:\n"
                           f"{self.log()}")

    def log(self) -> str:
        """The tail of the server log, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server (and with it its kernels): terminate, then kill if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
