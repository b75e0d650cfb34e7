"""How fast is lesson 07's NumPy transformer on one core?

Measures, in one run:

* loading the model in a fresh Python process: importing ``real_attention``
  (NumPy, tokenizers, safetensors) and ``load_model()`` (config, tokenizer,
  memory-mapped weights), each process timing itself; the median of several
  processes, after one warm-up process that brings the files into the page cache;
* the forward pass (``run_model``: tokenize, embed, 6 layers, every head's
  attention kept) of a 128-token paragraph, and of a 16-token sentence for
  comparison; the median of several repeats after a warm-up.

BLAS runs on one thread (``OPENBLAS_NUM_THREADS=1`` and friends are set before
NumPy is imported, here and in the child processes), so CPU time and wall time
agree on an idle machine; the script prints both.

Run from the repository root::

    python benchmarks/bench_real_attention.py [--repeats 7]

Targets (issue 11): the 128-token forward pass under 0.5 s, loading under 1 s.
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"   # one core: before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from autograde.corpus.course_copy import REPO, lesson_module  # noqa: E402

LESSONS = REPO / "solutions" / "lessons-after-challenge"
ra = lesson_module("real_attention")

PARAGRAPH = (
    "When we read a sentence we do not give every word the same care. Some words carry "
    "the meaning, others only hold the grammar together, and a good reader knows which is "
    "which without thinking about it. A transformer has to learn this skill from data. "
    "For every word it asks a question, compares that question with what every other word "
    "offers, and turns the answers into weights that sum to one. Those weights are what "
    "we have been drawing all along. In a short sentence we can read them cell by cell, "
    "but real inputs are long: a paragraph like this one already has more than a hundred "
    "tokens, and a model may look at thousands."
)
SENTENCE = "The animal didn't cross the street because it was too tired."

_LOAD_IN_CHILD = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import real_attention
imported = time.perf_counter() - wall, time.process_time() - cpu
wall, cpu = time.perf_counter(), time.process_time()
model = real_attention.load_model()
loaded = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({{"import": imported, "load": loaded}}))
"""


def text_of(model, text: str, n_tokens: int) -> str:
    """The start of ``text`` that tokenizes to exactly ``n_tokens`` tokens, [CLS] and [SEP] included."""
    offsets = ra.tokenize(model, text).offsets
    if len(offsets) < n_tokens:
        raise ValueError(f"the text has only {len(offsets)} tokens")
    prefix = text[: offsets[n_tokens - 2][1]]   # the last token before [SEP]
    assert len(ra.tokenize(model, prefix).ids) == n_tokens
    return prefix


def time_loading(repeats: int) -> dict:
    """Import and load times of fresh processes (seconds): medians of wall and CPU time."""
    runs = []
    for i in range(repeats + 1):
        result = subprocess.run([sys.executable, "-c", _LOAD_IN_CHILD], capture_output=True,
                                text=True, check=True, env=os.environ, cwd=LESSONS)  # as a notebook
        if i:   # the first process only warms the page cache
            runs.append(json.loads(result.stdout))
    return {step: (statistics.median(r[step][0] for r in runs),
                   statistics.median(r[step][1] for r in runs)) for step in ("import", "load")}


def time_forward(model, text: str, repeats: int) -> tuple:
    """Median wall and CPU seconds of ``run_model(model, text)``, after one warm-up."""
    ra.run_model(model, text)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        ra.run_model(model, text)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    model = ra.load_model()
    paragraph = text_of(model, PARAGRAPH, 128)
    n_sentence = len(ra.tokenize(model, SENTENCE).ids)
    loading = time_loading(args.repeats)
    forward_long = time_forward(model, paragraph, args.repeats)
    forward_short = time_forward(model, SENTENCE, args.repeats)

    print(f"all-MiniLM-L6-v2 in NumPy {ra.np.__version__}, one BLAS thread, "
          f"median of {args.repeats}; seconds (wall / CPU)")
    print(f"  import real_attention (fresh process)    {loading['import'][0]:.3f} / "
          f"{loading['import'][1]:.3f}")
    print(f"  load_model()                             {loading['load'][0]:.3f} / "
          f"{loading['load'][1]:.3f}   target < 1 s")
    print(f"  run_model, 128-token paragraph           {forward_long[0]:.3f} / "
          f"{forward_long[1]:.3f}   target < 0.5 s")
    print(f"  run_model, {n_sentence}-token sentence             {forward_short[0]:.3f} / "
          f"{forward_short[1]:.3f}")
    met = loading["load"][1] < 1 and forward_long[1] < 0.5
    print("targets met (CPU time):", "yes" if met else "NO")


if __name__ == "__main__":
    main()
