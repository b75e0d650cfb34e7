"""After the notebook ran: grade every criterion from the evidence, outside the student's process.

:class:`GradeFromEvidence` takes the evidence the sandboxed kernel sent back
(one record per call, from the cell :class:`CollectEvidence` added), removes
that cell, has a fresh sandboxed inspector read what each call drew
(:func:`autograde.grading.inspector.inspect_evidence`), judges each call against the
data the grader chose (:func:`autograde.checker.verdicts.judge_call`, under the
course's :class:`HeatmapGrading` settings), splits each criterion's points over
the call shapes (:func:`autograde.checker.verdicts.split_points`) and writes
every graded cell's outputs itself: the criterion's name, its points and one
line per failure. Whatever the kernel printed in those cells is discarded, so
nothing a submission prints, raises or patches can turn a failing criterion into
a passing one. nbgrader's ``SaveAutoGrades`` then reads the points from these
outputs (an error output: 0; a number: partial credit; neither: full points).

What each call drew is shown too: the self-check cell's outputs become, call by
call, the picture the inspector drew of what the caller sees (a PNG) and that
call's verdicts, so the feedback page and formgrader show the student's own
heatmaps next to the scores.
"""
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Enum
from traitlets.config import Configurable

from autograde.checker.evidence import not_a_function
from autograde.checker.spec import CALL_SHAPES, CRITERION_NAMES, WITH_AX_RULES, describe_sentence
from autograde.checker.verdicts import axes_to_read, judge_call, split_points
from autograde.grading.inspector import Inspector, inspect_evidence
from autograde.grading.protocol import (ANSWER_CELL, EVIDENCE_CELL_KEY, EVIDENCE_MIME, KERNEL_FAULTS, SELF_CHECK_CELL,
                                        GraderFault, add_flag, criterion_points, grade_id, graded_cells,
                                        grading_record, points_text)
from autograde.sandbox import Sandbox


class HeatmapGrading(Configurable):
    """How the challenge is judged (``c.HeatmapGrading`` in ``nbgrader_config.py``).

    ``./course generate`` copies the setting into the students' checker, so that the
    self-check judges as grading does."""

    judge_with_ax_on = Enum(list(WITH_AX_RULES), default_value="given", help=(
        "What a call that is given an ax is judged on. 'given' (the default): that ax, which is what "
        "the caller sees; a function that ignores it and draws elsewhere loses that call's half of "
        "every criterion. 'returned': the Axes the function returns, as a design that says 'tests "
        "inspect the returned Axes' reads literally; ignoring the given ax then costs only the return "
        "value's half point.")).tag(config=True)


def _evidence_cell(nb):
    return next((cell for cell in nb.cells if cell.metadata.get(EVIDENCE_CELL_KEY)), None)


def _why_missing(nb, cell) -> tuple[str, str | None]:
    """(why the calls' evidence is missing, a flag or None), from the executed notebook.

    A cell the kernel never ran (no execution count) means the notebook stopped
    earlier: the kernel died, hung or hit a limit; the first error shown in the
    notebook says why. An error in the recording cell itself means the
    submission broke the checker module; no error and no evidence means the
    recording was stopped some other way. The last two are flagged.
    """
    if cell.get("execution_count") is None:
        for earlier in nb.cells:
            for output in earlier.get("outputs", []) if earlier.cell_type == "code" else []:
                if output.get("output_type") == "error":
                    error = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()[:300]
                    return f"the notebook stopped before your function could be called ({error})", None
        return "the notebook stopped before your function could be called", None
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            error = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()[:300]
            return (f"the grader's recording cell failed ({error}): the notebook changed or replaced the "
                    f"checker module heatmap_check", f"the cell that records the grading calls failed: {error}")
    return ("no drawing came back for this call",
            "no evidence came back for some calls although the notebook ran to the end "
            "(the code that records them was changed or stopped)")


def why_cell_stopped(outputs) -> str | None:
    """In words, why a cell's outputs show it stopped (time limit, sandbox limit, an error), or None."""
    errors = [output for output in outputs if output.get("output_type") == "error"]
    names = [output.get("ename", "") for output in errors]
    if not errors:
        return None
    if "SandboxLimit" in names:
        return "it was stopped: " + str(errors[names.index("SandboxLimit")].get("evalue", "")).split("\n")[0]
    fault = next((KERNEL_FAULTS[name] for name in names if name in KERNEL_FAULTS), None)
    if fault:
        return fault
    name = names[0] or "an error"
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} stopped it, shown under the cell at its line"


def answer_cell_error(nb) -> str | None:
    """Why the answer cell did not run to its end, in words, or None when it did."""
    for cell in nb.cells:
        if grade_id(cell) == ANSWER_CELL:
            return why_cell_stopped(cell.get("outputs", []))
    return None


def never_defined_message(why: str) -> str:
    """Why every call failed when the answer cell stopped before defining the function."""
    return (f"your answer cell did not run to its end ({why}), so plot_attention_heatmap was never "
            f"defined: fix that and run the cell again")


def evidence_by_call(nb, calls) -> tuple[dict, list]:
    """``({call name: evidence}, flags)`` from the evidence cell's outputs; missing calls absent."""
    cell = _evidence_cell(nb)
    found, flags = {}, []
    for output in (cell.get("outputs", []) if cell is not None else []):
        record = output.get("data", {}).get(EVIDENCE_MIME) if output.get("output_type") == "display_data" else None
        if not isinstance(record, dict):
            continue
        name = record.get("call")
        if name in found:
            flags.append(f"the kernel sent evidence for the call {name!r} more than once")
        elif name in {call["name"] for call in calls}:
            found[name] = dict(record)
    return found, flags


def outputs_for(criterion: str, result: dict) -> list:
    """The graded cell's outputs, as the student will see them in the feedback: the
    criterion, its points, and per call shape "passed" or what went wrong."""
    name = CRITERION_NAMES.get(criterion, criterion)
    score, maximum = result["score"], result["max"]
    heading = (f"{name}: {score:g} of {points_text(maximum)} "
               "(half for the call without ax, half for the call with one)")
    lines = [heading] + [f"- {line}" for line in result["lines"]]
    if score >= maximum:
        return [new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
    if score > 0:
        return [new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
                new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=None)]
    return [new_output("error", ename="CheckFailed", evalue="\n".join(lines[1:]), traceback=lines)]


def call_outputs(calls: list, verdicts: dict, readings: dict) -> list:
    """The self-check cell's outputs at grading: per call, which call it was, the picture of
    what the caller saw (when there is one) and each criterion's verdict in that call."""
    outputs = [new_output("stream", name="stdout", text=(
        f"At grading, your function was called {len(calls)} times. Each picture is what the caller saw "
        f"(with an ax: the figure of the ax it was given, the left one of two).\n"))]
    for number, call in enumerate(calls, 1):
        outputs.append(new_output("stream", name="stdout", text=(
            f"\nCall {number} of {len(calls)}: {CALL_SHAPES[call['shape']]['label']}, "
            f"with {describe_sentence(call)}\n")))
        png = (readings.get(call["name"]) or {}).get("png")
        if png:
            outputs.append(new_output("display_data", data={
                "image/png": png, "text/plain": f"<the figure of call {number}>"}))
            if CALL_SHAPES[call["shape"]].get("picture_note"):
                outputs.append(new_output("stream", name="stdout", text=CALL_SHAPES[call["shape"]]["picture_note"] + "\n"))
        grouped = {}  # one line per distinct verdict, naming every criterion it is
        for criterion, message in verdicts.get(call["name"], {}).items():
            grouped.setdefault(message or "passed", []).append(CRITERION_NAMES.get(criterion, criterion))
        lines = [f"- {', '.join(names)}: {message}" for message, names in grouped.items()]
        outputs.append(new_output("stream", name="stdout", text="\n".join(lines) + "\n"))
    return outputs


def _refuse_to_grade_on_grader_faults(readings: dict) -> None:
    """Raise :class:`GraderFault` when the inspector could not read a drawing that an ordinary
    matplotlib call may have made (``refused == "grader"``): whatever points the other calls
    earned, a grade computed without that call would be the grader's failure recorded as the
    student's. The student is listed as not graded, with the reason, for the instructor."""
    faults = {}  # one reason, said once, with every call it stopped
    for name, reading in readings.items():
        if reading.get("refused") == "grader":
            faults.setdefault((reading.get("flags") or ["the grader could not read its drawing"])[0], []).append(name)
    if faults:
        raise GraderFault("; ".join(f"call{'s' if len(names) > 1 else ''} {', '.join(names)}: {reason}"
                                    for reason, names in faults.items()))


class GradeFromEvidence(NbGraderPreprocessor):
    """Judge the calls' evidence in a sandboxed inspector and write the graded cells' outputs."""

    def preprocess(self, nb, resources):
        record = grading_record(nb)
        calls = record.get("calls")
        cell = _evidence_cell(nb)
        if not calls or cell is None:
            return nb, resources
        found, flags = evidence_by_call(nb, calls)
        missing, missing_flag = _why_missing(nb, cell)
        nb.cells.remove(cell)
        policy = HeatmapGrading(parent=self).judge_with_ax_on
        present = [call for call in calls if call["name"] in found]
        readings = dict(zip([call["name"] for call in present], inspect_evidence(
            [found[call["name"]] for call in present], Sandbox(parent=self), Inspector(parent=self),
            orders=[axes_to_read(call, policy) for call in present])))
        _refuse_to_grade_on_grader_faults(readings)
        if len(present) < len(calls) and missing_flag:
            flags.append(missing_flag)
        answer_error = answer_cell_error(nb)
        verdicts = {}
        for call in calls:
            reading = readings.get(call["name"]) or {"status": "missing", "problem": missing}
            if answer_error and (reading.get("exception") or {}).get("message") == not_a_function(None):
                reading = {"status": "missing", "problem": never_defined_message(answer_error)}
            flags += [flag for flag in reading.get("flags", []) if isinstance(flag, str)]
            try:
                verdicts[call["name"]] = judge_call(reading, call, policy)
            except Exception as exc:  # the grader's own code failed: no points may come of it
                raise GraderFault(f"the grader could not judge call {call['name']} "
                                  f"({type(exc).__name__}: {str(exc)[:200]}); grade it by hand") from exc
        points = {criterion: value for criterion, value in criterion_points(nb).items() if criterion in CRITERION_NAMES}
        results = split_points(calls, verdicts, points)
        for result in results.values():
            if result["score"] == 0 and answer_error and all(
                    never_defined_message(answer_error) in line for line in result["lines"]):
                result["lines"] = [never_defined_message(answer_error)]  # said once, not per call
        for graded in graded_cells(nb):
            criterion = grade_id(graded)
            if criterion in results:
                graded.outputs = outputs_for(criterion, results[criterion])
        self_check = next((cell for cell in nb.cells if grade_id(cell) == SELF_CHECK_CELL), None)
        if self_check is not None:  # (RestoreTestCells puts a deleted one back)
            self_check.outputs = call_outputs(calls, verdicts, readings)
            # the pictures' alternative text, for nbconvert's HTML (outputs keep no metadata)
            self_check.metadata["alt"] = "what your function drew in one of the grading calls"
        for flag in flags:
            add_flag(nb, flag)
        record["judge_with_ax_on"] = policy
        record["verdicts"] = verdicts
        record["points"] = {criterion: result["score"] for criterion, result in results.items()}
        return nb, resources
