"""The package's folders are its layers: each imports only the layers below it.

rules → data → evaluation → documents → run → cli, with ``errors``, ``outputs``, ``formats`` and the
package's own files (``resources``, ``notebook``, ``workspace``) at the bottom, usable by every layer. Imports inside functions count too: a deferred import is still a
dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "caqes_toolkit"
ORDER = ["rules", "data", "evaluation", "documents", "run"]
BASE = {"errors", "outputs", "formats", "resources", "notebook", "workspace"}
TOP = {"cli", "cli_fr", "__main__", "__init__"}


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
