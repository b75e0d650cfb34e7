"""Grade one answer outside nbgrader (same calls, evidence, reading and verdicts, no sandbox):
points per criterion, the failures, and a PNG of each call's drawing.

    .venv/bin/python scripts/redteam/quick_grade.py NAME    # PNGs: /tmp/redteam/png/NAME-<call>.png
"""
import base64
import sys
from pathlib import Path

import matplotlib

matplotlib.use("agg")
from autograde.checker.evidence import collect, read_evidence  # noqa: E402
from autograde.checker.verdicts import judge_call, split_points  # noqa: E402
from autograde.corpus import answer_function, notebook_points  # noqa: E402
from autograde.hidden_inputs import grading_calls  # noqa: E402

name = sys.argv[1]
function = answer_function(name)
calls = grading_calls(1234, name)
pictures = Path("/tmp/redteam/png")
pictures.mkdir(parents=True, exist_ok=True)
verdicts = {}
for call in calls:
    evidence = collect(function, call, png=True)
    if evidence.get("png"):
        (pictures / f"{name}-{call['name']}.png").write_bytes(base64.b64decode(evidence["png"]))
    verdicts[call["name"]] = judge_call(read_evidence(evidence), call)
results = split_points(calls, verdicts, notebook_points())
print(name, {criterion: result["score"] for criterion, result in results.items()},
      "total", sum(result["score"] for result in results.values()))
for criterion, result in results.items():
    for failure in result["failures"]:
        print("  ", criterion, failure[:200])
