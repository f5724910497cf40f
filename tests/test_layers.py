"""The package's folders are its layers: each imports only the layers below it, and no modules
import each other in a circle, not even inside one folder. Each module stays small enough to read.

rules → data → evaluation → documents → run → app → cli, with ``errors``, ``outputs``, ``formats``
and the package's own files (``resources``, ``notebook``, ``workspace``) at the bottom, usable by
every layer. Imports inside functions count too, and so do imports for type annotations only: a
deferred import is still a dependency.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "caqes_toolkit"
ORDER = ["rules", "data", "evaluation", "documents", "run", "app"]
BASE = {"errors", "outputs", "formats", "resources", "notebook", "workspace"}
TOP = {"cli", "cli_fr", "cli_interrupt", "__main__", "__init__"}


def _layer(parts: tuple[str, ...]) -> str:
    """Layer of a module given its dotted parts below ``caqes_toolkit``."""
    if not parts:
        return "package"
    if parts[0] in ORDER:
        return parts[0]
    return "base" if parts[0] in BASE else "top"


def _rank(layer: str) -> int:
    return {"package": -2, "base": -1, "top": len(ORDER)}.get(layer, ORDER.index(layer) if layer in ORDER else 99)


def _imported(source: str, module: tuple[str, ...]) -> list[tuple[int, tuple[str, ...]]]:
    """(line, dotted parts below caqes_toolkit) of every package import in a module's source."""
    package = module[:-1]
    found: list[tuple[int, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = (*base, *(node.module.split(".") if node.module else ()))
            elif node.module and node.module.split(".")[0] == "caqes_toolkit":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            if node.module is None or target == ():
                found += [(node.lineno, (*target, alias.name)) for alias in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, tuple(a.name.split(".")[1:])) for a in node.names
                      if a.name.split(".")[0] == "caqes_toolkit"]
    return found


# Upward imports still being removed, each by the change that owns its module; must end empty.
KNOWN_UPWARD: set[tuple[str, str]] = set()
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_lower_layers(path: Path) -> None:
    module = path.relative_to(PACKAGE).with_suffix("").parts
    own = _layer(module)
    if own == "top":
        return
    upward = []
    for line, target in _imported(path.read_text(encoding="utf-8"), module):
        if target == ("__version__",):
            continue
        layer = _layer(target)
        if (str(path.relative_to(PACKAGE)), ".".join(target)) in KNOWN_UPWARD:
            continue
        if _rank(layer) > _rank(own):
            upward.append(f"{path.name}:{line} imports {'.'.join(target)} ({layer} above {own})")
    assert not upward, "\n".join(upward)


def test_the_checker_sees_an_upward_import() -> None:
    """Relative imports are resolved, deferred ones included."""
    source = "def f():\n    from ..run.render import publish\n    from . import charts\n"
    targets = [target for _, target in _imported(source, ("evaluation", "probe"))]
    assert targets == [("run", "render"), ("evaluation", "charts")]
    assert _rank(_layer(("run", "render"))) > _rank("evaluation")


def _module_file(parts: tuple[str, ...]) -> Path | None:
    """The file of a module given its dotted parts below caqes_toolkit (a package: its __init__)."""
    if not parts:
        return None
    path = PACKAGE.joinpath(*parts)
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return path / "__init__.py" if (path / "__init__.py").is_file() else None


def _imported_files(path: Path) -> set[Path]:
    """The package's modules that ``path`` imports (``from . import x`` of a module x: that module)."""
    module = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for _, target in _imported(path.read_text(encoding="utf-8"), module):
        file = _module_file(target)
        if file is None and len(target) > 1:  # « from .x import name »: the module x
            file = _module_file(target[:-1])
        if file is not None and file != path:
            found.add(file)
    return found


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node of ``graph`` (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _folder_graph() -> dict[str, set[str]]:
    """Imports between modules of one same folder, by path relative to the package."""
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        name = path.relative_to(PACKAGE).as_posix()
        graph[name] = {target.relative_to(PACKAGE).as_posix() for target in _imported_files(path)
                       if target.parent == path.parent and target.name != "__init__.py"}
    return graph


def test_no_circle_inside_a_folder() -> None:
    circles = _circles(_folder_graph())
    assert not circles, "\n".join(" ↔ ".join(sorted(c)) for c in circles)


def test_the_checker_sees_a_circle() -> None:
    """A circle of three, and a deferred import that closes one, are found; a chain is not a circle."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _circles({"a": {"b"}, "b": set()}) == []
    source = "def f():\n    from .volets import report_section\n"
    assert _imported(source, ("documents", "sections")) == [(2, ("documents", "volets"))]


def test_no_private_name_of_another_library() -> None:
    """The package imports no private module or name of another library (typer's vendored click,
    nbconvert's private methods…): what it uses of them is their public interface."""
    private = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module and node.module != "__future__":
                if node.module.split(".")[0] != "caqes_toolkit" and (
                        any(part.startswith("_") for part in node.module.split("."))
                        or any(a.name.startswith("_") for a in node.names)):
                    private.append(f"{path.relative_to(PACKAGE)}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Import):
                private += [f"{path.relative_to(PACKAGE)}:{node.lineno} import {a.name}" for a in node.names
                            if any(part.startswith("_") for part in a.name.split(".")[1:])]
            elif isinstance(node, ast.Attribute) and node.attr in ("_click", "_init_resources", "_nb_metadata"):
                private.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not private, "\n".join(private)


#: A module longer than this is split (by concern: see data/validation.py and the modules it calls).
MAX_LINES = 600


def test_every_module_is_under_the_size_limit() -> None:
    long = {str(path.relative_to(PACKAGE)): n for path in MODULES
            if (n := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_LINES}
    assert not long, f"modules de {MAX_LINES} lignes ou plus : {long}"


def test_what_make_mutation_mutates_exists() -> None:
    """Each file or folder pattern of [tool.mutmut] only_mutate names at least one module: a module
    moved or renamed is followed there, not silently left out of make mutation."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["mutmut"]["only_mutate"]
    assert patterns
    assert not [p for p in patterns if not list(PACKAGE.parent.glob(p))]
