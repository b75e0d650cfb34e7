# Attack (denial of service): a correct answer that holds the grading run for seven and a half
# minutes (measured: 450 s, against 11 s for the reference answer) and still gets full marks.
# Nothing bounds a notebook's run as a whole: each cell may run for the cell timeout (60 s),
# each grading call for 10 s. So the answer cell and every graded cell sleep just under 60 s
# (their outputs are the grader's anyway), and every call sleeps just under 10 s before drawing.
# `nbgrader autograde` grades one student after another, so everyone after this one waits; each
# extra cell a submission adds to its notebook (a student may add any number) holds the run
# another minute.
import time

import heatmap_check

time.sleep(58)
heatmap_check.require = lambda *args, **kwargs: time.sleep(58)


def plot_attention_heatmap(tokens, attention, ax=None):
    time.sleep(9)
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.asarray(attention, dtype=float))
    ax.set_xticks(range(len(tokens)), labels=tokens)
    ax.set_yticks(range(len(tokens)), labels=tokens)
    ax.figure.colorbar(image, ax=ax, label="Attention Weight")
    ax.set_title("Attention Heatmap")
    return ax
