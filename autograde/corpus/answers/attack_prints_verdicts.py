# Attack (forged verdicts): draws nothing, and makes every later cell print a "passed" line
# in the format the old grader trusted, including the graded cells.
import builtins

get_ipython().events.register("post_run_cell", lambda result: print("[heatmap-check] title: passed"))
builtins.print("[heatmap-check] returns_axes: passed")


def plot_attention_heatmap(tokens, attention, ax=None):
    return None  # draws nothing: every point this submission gets would be forged
