"""The sandbox's settings (``c.Sandbox.<name>``), the names of its limits, and the sentences that
name a limit a notebook went over."""
from __future__ import annotations

import errno

from traitlets import Bool, Integer, Unicode
from traitlets.config import Configurable

MB = 1024 * 1024
#: Names of the limits, as recorded in resources["sandbox"]["limit"].
CPU, MEMORY, PROCESSES, FILE_SIZE, DISK, TIMEOUT, NOTEBOOK_TIME = (
    "cpu", "memory", "processes", "file_size", "disk", "timeout", "notebook_time")


class Sandbox(Configurable):
    """Settings of the grading sandbox (``c.Sandbox.<name>`` in ``nbgrader_config.py``)."""

    enabled = Bool(True, help=(
        "Run every grading kernel in a bubblewrap sandbox. Turn it off only to grade "
        "trusted notebooks on a machine without bubblewrap: without it, student code runs "
        "with your permissions (it can read solutions/ and the gradebook, and change them)."
    )).tag(config=True)
    warm_kernels = Bool(True, help=(
        "Fork each grading kernel from a warm template in the worker's sandbox (NumPy and "
        "matplotlib imported, nothing of any student), one kernel at a time, the sandbox "
        "emptied and every process of the last kernel killed in between: about 0.9 CPU-s "
        "less per submission. False: a fresh sandbox and Python for every kernel."
    )).tag(config=True)
    memory_mb = Integer(2048, help=(
        "Address space of each process in the sandbox, in MB (RLIMIT_AS). Allocating "
        "beyond it raises MemoryError.")).tag(config=True)
    max_processes = Integer(64, help=(
        "Processes and threads the sandbox may run at once (RLIMIT_NPROC); the kernel "
        "itself uses about ten.")).tag(config=True)
    max_file_mb = Integer(64, help=(
        "Largest file a sandboxed process may write, in MB (RLIMIT_FSIZE); writing beyond "
        "fails with EFBIG ('File too large').")).tag(config=True)
    max_disk_mb = Integer(256, help=(
        "Disk a notebook may fill with all the files it writes, in MB (deleted files its "
        "processes still hold open, and files in memory, count too); the grader stops the "
        "kernel when it goes over.")).tag(config=True)
    max_files = Integer(10000, help=(
        "Files and folders a notebook may create; the grader stops the kernel when it "
        "goes over.")).tag(config=True)
    cpu_seconds = Integer(120, help=(
        "CPU time of each process in the sandbox, in seconds (RLIMIT_CPU): SIGXCPU stops "
        "it.")).tag(config=True)
    max_seconds = Integer(300, help=(
        "Wall-clock time a notebook may take in all, from its kernel's start to its last "
        "cell, in seconds (an honest notebook takes a few seconds; each cell also has "
        "c.Execute.timeout); the grader stops the kernel when it goes over.")).tag(config=True)
    max_output_mb = Integer(20, help=(
        "Output a notebook may send back to the grader in all its cells, in MB (whole "
        "messages: text, images, metadata, binary buffers, display updates, widget state); "
        "beyond it, its cells' further output is dropped with a note. The grader's own cell "
        "that records the grading calls has a budget of its own.")).tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap program (a name on PATH or a path).").tag(
        config=True)

    def as_dict(self) -> dict:
        """The settings, for the record kept with each graded notebook."""
        names = ("enabled", "memory_mb", "max_processes", "max_file_mb", "max_disk_mb",
                 "max_files", "cpu_seconds", "max_seconds", "max_output_mb", "bwrap")
        return {name: getattr(self, name) for name in names}


class SandboxUnavailable(RuntimeError):
    """The sandbox is enabled but bubblewrap cannot run here; the message says how to fix it."""


def limit_message(limit: str, settings: Sandbox, *, stopped: bool = True,
                  subject: str = "the notebook", timeout: float | None = None) -> str:
    """A plain-words sentence naming the sandbox limit that ``subject`` went over."""
    what = {
        CPU: f"used more than {settings.cpu_seconds} s of CPU time",
        MEMORY: f"tried to use more than {settings.memory_mb} MB of memory",
        PROCESSES: f"tried to run more than {settings.max_processes} processes or threads at "
                   "once",
        FILE_SIZE: f"tried to write a file larger than {settings.max_file_mb} MB",
        DISK: f"wrote more than {settings.max_disk_mb} MB (or {settings.max_files} files) to "
              "disk",
        TIMEOUT: f"ran for more than {timeout} s",
        NOTEBOOK_TIME: f"ran for more than {settings.max_seconds} s in all",
    }[limit]
    return f"{subject} {what} (the grading sandbox's limit)" + (" and was stopped" if stopped
                                                                 else "")


def limit_in_error(ename: str, evalue: str, traceback: str = "") -> str | None:
    """The limit a Python error raised inside the sandbox shows, if any."""
    if "MemoryError" in ename:
        return MEMORY
    starting = ("fork" in traceback or "Popen" in traceback or "spawn" in traceback)
    if (ename == "BlockingIOError" and starting) or "can't start new thread" in evalue:
        return PROCESSES  # fork/clone fails with EAGAIN at RLIMIT_NPROC
    if f"[Errno {errno.EFBIG}]" in evalue:
        return FILE_SIZE
    return None

