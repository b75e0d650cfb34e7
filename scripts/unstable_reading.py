"""Check that an honest picture is read the same every time: collect and read it again and again.

The colormap sweep (``autograde/tests/test_admitted_sweep.py``) used to fail now and then on
a call without ``ax``: one reading of a correct heatmap lost the colorbar's points (its bar
blank in the render), the matrix's or the tick labels', and reading the very same evidence
again gave full marks. The cause was matplotlib's unpickling, which files each transform's
parents under the ids of the process that pickled the figure (mended in
``unpickle._rekey_transform_parents``). This script repeats what the sweep does, in one
process: collect the reference solution's call (``evidence.collect``, a fork), read it
(``read_evidence``) and judge it; on a reading that loses points it reads the same evidence
again and saves both renders (``--out``). Before
the fix about one reading in 20 to 300 lost points on a busy machine (two CPU-bound processes
beside it); it exits with 1 if any does.

Usage (from the repository root)::

    python scripts/unstable_reading.py [--n 3000] [--out /tmp/unstable] [COLORMAP ...]
"""
import argparse
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograde.checker import seen  # noqa: E402
from autograde.checker.evidence import collect  # noqa: E402
from autograde.checker.unpickle import read_evidence  # noqa: E402
from autograde.checker.verdicts import judge_call  # noqa: E402
from autograde.tests.test_admitted_sweep import CALLS, reference  # noqa: E402

RENDERS = []  # every SeenRender of the reading in progress


def _keep_renders():
    """Record each render the reader makes (the reader releases them; their pixels stay)."""
    render = seen.SeenRender.render

    def recorded(self):
        RENDERS.append(self)
        return render(self)
    seen.SeenRender.render = recorded


def _read(evidence, call):
    RENDERS.clear()
    verdicts = judge_call(read_evidence(evidence), call)
    return {name: why for name, why in verdicts.items() if why}, list(RENDERS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="readings (default 3000)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/unstable"), help="where the renders go")
    parser.add_argument("colormaps", nargs="*", default=["autumn_r", "twilight_r", "okabe_ito", "PuBu", "magma"])
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    _keep_renders()
    call = next(call for call in CALLS if call["name"] == "hidden_no_ax")
    wrong = 0
    for index in range(args.n):
        colormap = args.colormaps[index % len(args.colormaps)]
        evidence = collect(reference(cmap=colormap), call)
        lost, renders = _read(evidence, call)
        if not lost:
            continue
        wrong += 1
        lost_again, renders_again = _read(evidence, call)
        print(f"reading {index} ({colormap}) lost points: {sorted(lost)}; the same evidence read "
              f"again: {sorted(lost_again) or 'full marks'}", flush=True)
        for name, made in (("first", renders), ("again", renders_again)):
            if made and made[0].pixels is not None:
                Image.fromarray(made[0].pixels).save(args.out / f"reading-{index}-{colormap}-{name}.png")
    print(f"{wrong} of {args.n} readings lost points")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
