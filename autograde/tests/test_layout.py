"""The kit's rooms: one subpackage per subsystem, imports one way, modules one can read in a sitting.

What runs where is the layout: ``checker`` (shipped to students), ``sandbox`` (bubblewrap),
``grading`` (nbgrader grading of one submission), ``term`` (a class's term) and ``generate``
(what ``./course generate`` writes), with the command line on top. A room may import only
rooms below it, so that what runs inside a sandbox or a student's kernel never pulls in the
grader, and the grader never pulls in the instructor's terminal.
"""
import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
#: A room's rank: it may import its own room and rooms of a lower rank only.
RANKS = {"checker": 0, "sandbox": 0, "grading": 1, "term": 2, "generate": 2, "cli": 3, "__main__": 4}
#: Rooms outside the flow, allowed to import anything: test infrastructure, and the old
#: names kept for course configurations (which only re-export grading's).
ANYTHING = {"tests", "corpus", "preprocessors", "feedback", "__init__"}
MAX_LINES = 500
MAX_TOP_LEVEL_MODULES = 6


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "answers" in relative.parts:
            continue  # students' answers, run only inside the sandbox
        module = ".".join(relative.parts)
        yield (module[:-len(".__init__")] if module.endswith(".__init__") else module), path


def _imported(module: str, path: Path):
    """Every ``autograde`` module ``path`` imports, at any depth (lazy imports count)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names)


def test_imports_run_one_way():
    wrong = []
    for module, path in _modules():
        room = _room(module)
        if room in ANYTHING:
            continue
        for name in _imported(module, path):
            if not name.startswith("autograde.") or name.count(".") < 1:
                continue
            target = _room(name)
            if target not in RANKS or target == room:
                continue
            if RANKS[target] >= RANKS[room]:
                wrong.append(f"{module} imports {name} ({room} may not use {target})")
    assert wrong == []


def test_the_checker_and_the_sandbox_launcher_stand_alone():
    """The checker becomes one file students get; the launcher is the first program inside a
    sandbox: neither may import anything of the kit, the launcher nothing beyond the standard library."""
    for module, path in _modules():
        names = [n for n in _imported(module, path) if n.startswith("autograde")]
        if _room(module) == "checker":
            assert all(n.startswith("autograde.checker") for n in names), (module, names)
    launch = PACKAGE / "sandbox" / "launch.py"
    tops = {n.split(".")[0] for n in _imported("autograde.sandbox.launch", launch)}
    assert tops <= set(sys.stdlib_module_names), tops - set(sys.stdlib_module_names)


def test_the_direction_test_can_fail(tmp_path):
    """A grading module that imported the term's report would be caught."""
    path = tmp_path / "bad.py"
    path.write_text("def f():\n    from autograde.term import report\n")
    assert "autograde.term.report" in set(_imported("autograde.grading.bad", path))
    assert RANKS[_room("autograde.term.report")] >= RANKS[_room("autograde.grading.bad")]


def test_modules_are_small_enough_to_read_in_one_sitting():
    long = [f"{module}: {len(path.read_text().splitlines())} lines" for module, path in _modules()
            if _room(module) not in ("tests", "corpus") and len(path.read_text().splitlines()) > MAX_LINES]
    assert long == []


def test_few_modules_sit_directly_in_the_package():
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    rooms = sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists())
    assert rooms == ["checker", "corpus", "generate", "grading", "sandbox", "term"]
    for room in rooms:
        docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert docstring and len(docstring.split()) > 20, f"{room}/__init__.py says nothing of what runs where"
