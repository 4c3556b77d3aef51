"""The house rules of ARCHITECTURE.md that a machine can check.

Import loops, a Qt import that creeps into core, and files that keep growing all happen
one reasonable-looking edit at a time; these tests catch each at the edit that makes it.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "forensics_app"
MAX_LINES = 500

#: Files over the limit while they are being split, at the length they had then: they
#: may shrink (and then leave this list) but not grow.
KNOWN_LONG: dict[str, int] = {}
#: The main window composes panes and wires them; anything more belongs in a module of its own.
MAIN_WINDOW_MAX_LINES = 300

#: What core must never import: it runs under the CLI, the GUI and training alike.
CORE_FORBIDDEN = (
    "PySide6",
    "PyQt5",
    "PyQt6",
    "shiboken6",
    "qtpy",
    "superqt",
    "forensics_app.workflows",
    "forensics_app.gui",
    "forensics_app.cli",
    "forensics_app.__main__",
    "training",
)
#: Workflows serve both front-ends, so they know neither of them and no Qt.
WORKFLOWS_FORBIDDEN = tuple(name for name in CORE_FORBIDDEN if name != "forensics_app.workflows")

# Imports each named module with every forensics_app module unloaded first, so a module
# that only works when something else happened to be imported before it is caught.
# Third-party modules stay loaded: torch and Qt are imported once, which keeps this fast.
_IMPORT_EACH = """
import importlib, json, sys, traceback
failures = {}
for name in json.loads(sys.stdin.read()):
    for loaded in [m for m in sys.modules if m == "forensics_app" or m.startswith("forensics_app.")]:
        del sys.modules[loaded]
    importlib.invalidate_caches()
    try:
        importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc(limit=-4)
print("\\n@@RESULT@@" + json.dumps(failures))
"""


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth, relative ones resolved.

    ``from forensics_app import gui`` imports ``forensics_app.gui``, so each name of a
    ``from`` import is reported joined to its module as well.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def forbidden_imports(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in python_files(folder):
        for line, name in imported_names(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return sorted(set(found))


def test_every_module_imports_on_its_own() -> None:
    names = [module_name(p) for p in python_files(PACKAGE) if p.name != "__main__.py"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert "@@RESULT@@" in result.stdout, result.stderr[-4000:]
    failures = json.loads(result.stdout.rsplit("@@RESULT@@", 1)[1])
    assert not failures, "modules that fail to import on their own:\n" + "\n".join(
        f"--- {name}\n{error}" for name, error in failures.items()
    )


def test_core_imports_no_qt_no_front_end_and_no_training() -> None:
    assert not forbidden_imports(PACKAGE / "core", CORE_FORBIDDEN)


def test_workflows_import_no_qt_and_no_front_end() -> None:
    folder = PACKAGE / "workflows"
    if folder.is_dir():
        assert not forbidden_imports(folder, WORKFLOWS_FORBIDDEN)


def test_the_import_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    core = tmp_path / "forensics_app" / "core"
    core.mkdir(parents=True)
    sample = core / "sample.py"
    sample.write_text(
        "import numpy\n"
        "from forensics_app import gui\n"
        "def later():\n"
        "    from PySide6.QtCore import QObject\n"
        "    from ..cli import main\n"
    )
    names = {name for _, name in imported_names(sample, root=tmp_path)}
    assert {"numpy", "forensics_app.gui", "PySide6.QtCore", "forensics_app.cli", "forensics_app.cli.main"} <= names


def test_no_file_is_over_the_line_limit() -> None:
    too_long = []
    for path in python_files(PACKAGE):
        relative = path.relative_to(ROOT).as_posix()
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        allowed = KNOWN_LONG.get(relative, MAX_LINES)
        if count > allowed:
            too_long.append(f"{relative}: {count} lines (limit {allowed})")
    assert not too_long, "split these by concern:\n" + "\n".join(too_long)


def test_the_main_window_only_lays_out_and_wires():
    count = len((PACKAGE / "gui" / "main_window.py").read_text(encoding="utf-8").splitlines())
    assert count < MAIN_WINDOW_MAX_LINES, f"gui/main_window.py has {count} lines"


def test_workflows_import_no_qt():
    for path in sorted((PACKAGE / "workflows").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "PySide6" not in text and "forensics_app.gui" not in text, path.name


def import_circles(package: str = "forensics_app") -> list[set[str]]:
    """Every set of modules that import each other round a circle (imports at any depth,
    those made only for type checking included): the strongly connected components."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[set[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(component)
    return circles


def test_no_import_circle() -> None:
    circles = [sorted(c) for c in import_circles()]
    assert not circles, f"modules importing each other round a circle: {circles}"


def test_no_controller_takes_the_window() -> None:
    """The window's controllers take the session and the job queue; only the app builds the window."""
    importers = [path.name for path in sorted((PACKAGE / "gui").rglob("*.py"))
                 if "forensics_app.gui.main_window" in path.read_text(encoding="utf-8")
                 and path.name not in ("app.py", "main_window.py")]
    assert not importers, f"these gui modules name the main window: {importers}"


def test_the_circle_check_finds_a_circle(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "circular"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circular import b\n")
    (package / "b.py").write_text("def later():\n    from circular import c\n")
    (package / "c.py").write_text("import circular.a\n")
    (package / "d.py").write_text("import circular.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_circles("circular") == [{"circular.a", "circular.b", "circular.c"}]


def test_the_layer_contracts_hold() -> None:
    """gui and cli above workflows above core; no Qt below gui; validation in no decision (pyproject.toml)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
