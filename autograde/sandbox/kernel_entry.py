"""The grading kernel's program inside its sandbox: ``python -m ipykernel_launcher``, without
two costs that every submission paid and no grading uses.

:class:`autograde.sandbox.kernel.KernelSandbox` binds this file read-only into the sandbox,
and the launcher (``launch.py``) becomes ``python /sandbox/kernel_entry.py -f CONNECTION``.
It runs ipykernel exactly as ``-m`` would (``sys.argv``, ``sys.path[0]`` and ``__main__``
as there), except:

- ipykernel starts without its debugger. At start it imports debugpy's server (pydevd:
  about 70 ms of CPU here) to offer JupyterLab's visual debugger, which no grading client
  asks for. That one import fails while ipykernel starts; afterwards the student's code
  imports debugpy as it would anywhere.
- the interpreter's exit does not walk the whole heap again and again. Python's exit runs
  several full garbage collections over every object of ipykernel, IPython, NumPy and
  matplotlib while it takes the modules apart (about 80 ms of CPU). Here, after every
  other exit handler, one collection finds the garbage of the student's objects (their
  ``__del__``, the flush of a file left open in a cycle) and what is left is frozen
  (:func:`gc.freeze`): the modules are still taken apart, and their objects finalized,
  as always; only the repeated walks are skipped.

Imports nothing of the kit (it is not installed in the sandbox).
"""
import atexit
import gc
import os
import runpy
import sys


def _collect_once_then_freeze():
    gc.collect()
    gc.freeze()


def _import_ipykernel_without_debugger():
    """Import ipykernel's debugger module with debugpy's server unavailable: it then records
    that debugpy is missing, and the kernel neither imports it nor offers a debugger."""
    sys.modules["debugpy.server"] = None  # importing it raises ImportError
    try:
        import ipykernel.debugger  # noqa: F401
    finally:
        del sys.modules["debugpy.server"]


def main():
    atexit.register(_collect_once_then_freeze)  # registered first: runs last
    sys.path[0] = os.getcwd()  # as with -m, not this file's folder
    _import_ipykernel_without_debugger()
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
