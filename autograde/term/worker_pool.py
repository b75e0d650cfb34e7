"""A process pool that survives the death of a worker, and the clean-up of what dead workers leave.

``python -m autograde grade`` keeps a few long-lived worker processes for the
whole run (:class:`WorkerPool`). When one dies (a crash, the OOM killer), the
tasks it had in hand are retried one at a time at the end, and a task that kills
its worker twice is reported as lost instead of stopping the run. Kernels a dead
worker leaves behind are stopped: on Linux the main process adopts orphaned
descendants (:func:`adopt_orphans`) and :func:`stop_stray_kernels` ends them.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context


def adopt_orphans() -> bool:
    """Make this process adopt its orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    A kernel whose worker process died, or a process a student's code left
    running, then becomes our child instead of init's, and
    ``stop_stray_kernels`` can stop it. Returns False where unsupported.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # 36 = PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def stop_stray_kernels(log: logging.Logger) -> None:
    """Kill kernel processes (and their forks) adopted by this process; call with no pool running."""
    import psutil

    for _ in range(5):  # a killed kernel's own children are adopted next
        strays = []
        for child in psutil.Process().children():
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                    strays.append(child)
            except psutil.Error:
                continue
        for child in strays:
            log.warning("stopping a leftover kernel process %d", child.pid)
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(psutil.Process().children(), timeout=1)  # reaps zombies too
        if not strays:
            return


class WorkerPool:
    """A process pool that survives the death of a worker.

    At most ``jobs`` tasks run at a time, and :data:`WAITING` more are handed over to wait
    for the first worker that is free. When a worker dies, those in-flight tasks are put
    aside and the rest go on in a fresh pool; at the end each one put aside is retried
    alone in a fresh worker, and one that kills that worker too is reported as lost
    (``result is None``).
    """

    #: Tasks handed over beyond one a worker: a worker that finishes a task starts the next
    #: at once, instead of waiting while this process saves what came back and prepares
    #: the next task (about a tenth of a notebook's time, a worker idle for it).
    WAITING = 1

    def __init__(self, jobs: int, initializer=None, initargs=(), log: logging.Logger | None = None,
                 after_close=None):
        self.jobs = jobs
        self.log = log or logging.getLogger(__name__)
        self.after_close = after_close  # called once the workers are gone
        self.initializer, self.initargs = initializer, initargs
        self.executor: ProcessPoolExecutor | None = None

    def _start(self, workers: int) -> ProcessPoolExecutor:
        # fork: the workers inherit the modules the main process already imported
        # (nbgrader, nbconvert, ...), which saves seconds of CPU per worker.
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        return ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method),
                                   initializer=self.initializer, initargs=self.initargs)

    def start(self) -> None:
        """Start the workers now, without waiting for them: before any progress-bar thread
        exists (the first task forks them all), and while the main process prepares the
        first tasks."""
        if self.executor is None:
            self.executor = self._start(self.jobs)
        for _ in range(self.jobs):
            self.executor.submit(os.getpid)

    def run(self, function, argument_tuples, stop=None):
        """Yield ``(arguments, result or None)`` as tasks finish, in any order.

        ``argument_tuples`` is taken one at a time, as a worker is free for it or about to be
        (it may be a generator that prepares each task then). ``stop`` (a callable) is asked
        before each task is handed over: once it returns True no more tasks are taken, the
        ones handed over finish, and the tasks never taken are not yielded at all.
        """
        stop = stop or (lambda: False)
        queue, suspects = iter(argument_tuples), []
        in_flight: dict = {}
        while True:
            if stop():
                queue = iter(())
                suspects.clear()
            while len(in_flight) < self.jobs + self.WAITING and (arguments := next(queue, None)) is not None:
                if self.executor is None:
                    self.executor = self._start(self.jobs)
                in_flight[self.executor.submit(function, *arguments)] = arguments
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                arguments = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    suspects.append(arguments)
                    broken = True
                    continue
                yield arguments, result
            if broken:  # the other tasks in flight finish or die with the pool
                for future in list(in_flight):
                    arguments = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        suspects.append(arguments)
                        continue
                    yield arguments, result
                self.log.warning("a grading worker process died; %d tasks lost with it so far "
                                 "will be retried one at a time at the end", len(suspects))
                self.close()
        for arguments in suspects:
            if stop():
                break
            self.close()
            self.executor = self._start(1)
            try:
                result = self.executor.submit(function, *arguments).result()
            except BrokenProcessPool:
                self.log.error("a grading worker process died again on %s", arguments)
                result = None
            self.close()
            yield arguments, result

    def terminate(self):
        """Stop at once: kill the workers (and the kernels they leave, via ``after_close``)."""
        import psutil

        if self.executor is None:
            return
        for child in psutil.Process().children():
            try:
                child.kill()
            except psutil.Error:
                pass
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None
        if self.after_close:
            self.after_close()

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
            if self.after_close:
                self.after_close()
