"""Summary of a mutation run (``make mutation``): score per module and per folder, surviving mutants.

Reads what ``mutmut run`` left in ``mutants/`` (one ``.meta`` file of verdicts per mutated module;
the mutants it did not run, outside the names ``make mutation`` gives it, are left out) and the
list of equivalent mutants kept beside this script (``equivalents.txt``). A mutant is *killed*
when a test failed (or timed out) with it; the score of a module is killed / (mutants −
equivalents). Every other mutant is listed with its file, line and the changed line, so that a
test can be written for it, or its line added to ``equivalents.txt`` with the reason it cannot
change any output.

mutmut only prints a total and names mutants by an internal number: this script adds the score
per module, the source line and the equivalents, which mutmut has no notion of.

Run from the repository root, after ``mutmut run``: ``python mutation/report.py``.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

HERE = Path(__file__).resolve().parent
EQUIVALENTS = HERE / "equivalents.txt"
#: Verdicts that count as killed: a test failed, hung or crashed with the mutant.
KILLED = ("killed", "timeout", "segfault", "caught by type check")
#: Folders (and the parsers module) reported together, as in the developer documentation.
GROUPS = ("caqes_toolkit/evaluation/", "caqes_toolkit/rules/", "caqes_toolkit/data/")
SEPARATOR = " :: "


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's name: module.x_function__mutmut_N
    path: str  # source file, relative to the repository
    status: str
    function: str  # Class.method or function
    line: int
    before: str
    after: str

    @property
    def key(self) -> tuple[str, str]:
        """What equivalents.txt names: the function and the mutated line (stable when numbers shift)."""
        return self.function, self.after


def _function(name: str) -> tuple[str, str | None]:
    """The function (and class) a mutant name points to: ``…xǁClassǁmethod__mutmut_3``."""
    mangled = name.partition("__mutmut_")[0].rpartition(".")[2]
    if "ǁ" in mangled:
        _, cls, method = mangled.split("ǁ")
        return method, cls
    return mangled.removeprefix("x_"), None


def _spans(path: Path) -> dict[str, tuple[int, int]]:
    """First and last line of every function and method of a source file (``Class.method``)."""
    spans: dict[str, tuple[int, int]] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    spans[f"{node.name}.{item.name}"] = (item.lineno, item.end_lineno or item.lineno)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            spans.setdefault(node.name, (node.lineno, node.end_lineno or node.lineno))
    return spans


def _change(name: str, path: str, lines: list[str], span: tuple[int, int]) -> tuple[int, str, str]:
    """Line number in the source, original line and mutated line of one mutant."""
    diff = get_diff_for_mutant(name, path=path).splitlines()[2:]
    before = next((d[1:] for d in diff if d.startswith("-")), "")
    after = next((d[1:] for d in diff if d.startswith("+")), "")
    first, last = span
    found = [k for k in range(first, last + 1) if lines[k - 1].strip() == before.strip()]
    return (found[0] if found else first), before.strip(), after.strip()


def collect(root: Path) -> list[Mutant]:
    """Every mutant of the last run, with its verdict and its place in the source."""
    mutants = []
    for source_path in sorted(walk_mutatable_files()):  # the files [tool.mutmut] mutates
        path, meta = source_path.as_posix(), root / "mutants" / f"{source_path}.meta"
        if not meta.exists():
            continue
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if not verdicts:
            continue
        source = root / path
        lines, spans = source.read_text(encoding="utf-8").splitlines(), _spans(source)
        for name, code in sorted(verdicts.items()):
            if code is None:  # not run: outside the names given to mutmut run (see the Makefile)
                continue
            status = status_by_exit_code[code]
            function, cls = _function(name)
            qualified = f"{cls}.{function}" if cls else function
            if status in KILLED:
                mutants.append(Mutant(name, path, status, qualified, 0, "", ""))
                continue
            line, before, after = _change(name, path, lines, spans.get(qualified, (1, len(lines))))
            mutants.append(Mutant(name, path, status, qualified, line, before, after))
    return mutants


def equivalents(path: Path = EQUIVALENTS) -> dict[tuple[str, str], str]:
    """``function :: mutated line :: reason`` lines (``#`` comments and blank lines skipped)."""
    found = {}
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        parts = text.split(SEPARATOR)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            sys.exit(f"{path.name}, ligne {number} : « fonction :: ligne mutée :: raison » attendu")
        found[(parts[0].strip(), parts[1].strip())] = parts[2].strip()
    return found


def _score(killed: int, counted: int) -> str:
    return f"{100 * killed / counted:5.1f} %" if counted else "    – "


def report(mutants: list[Mutant], known: dict[tuple[str, str], str]) -> tuple[str, int]:
    """The printed summary, and the number of mutants neither killed nor listed as equivalent."""
    equivalent = {m.name for m in mutants if m.status not in KILLED and m.key in known}
    out = [f"{'module':<40} {'mutants':>8} {'tués':>6} {'équiv.':>7} {'survivants':>10} {'score':>8}"]

    def row(label: str, group: list[Mutant]) -> str:
        killed = sum(m.status in KILLED for m in group)
        eq = sum(m.name in equivalent for m in group)
        alive = len(group) - killed - eq
        return f"{label:<40} {len(group):>8} {killed:>6} {eq:>7} {alive:>10} {_score(killed, len(group) - eq):>8}"

    by_path: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_path.setdefault(m.path, []).append(m)
    out += [row(path, group) for path, group in sorted(by_path.items())]
    out.append("")
    out += [row(prefix, [m for m in mutants if m.path.startswith(prefix)]) for prefix in GROUPS]
    out.append(row("total", mutants))
    alive = [m for m in mutants if m.status not in KILLED and m.name not in equivalent]
    statuses = Counter(m.status for m in alive)
    if alive:
        out += ["", "Mutants survivants (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ") :"]
        out += [f"{m.path}:{m.line}: {m.function}: {m.before}  →  {m.after}"
                + ("" if m.status == "survived" else f"  [{m.status}]") for m in alive]
    unused = sorted(set(known) - {m.key for m in mutants})
    if unused:
        lines = "une ligne" if len(unused) == 1 else f"{len(unused)} lignes"
        out += ["", f"{EQUIVALENTS.name} : {lines} ne correspondant plus à aucun mutant :"]
        out += [f"{function}{SEPARATOR}{line}" for function, line in unused]
    return "\n".join(out), len(alive)


def main() -> int:
    root = Path.cwd()
    if not (root / "mutants").is_dir():
        sys.exit("dossier mutants/ absent : lancer d'abord « make mutation » (ou « mutmut run »)")
    text, _ = report(collect(root), equivalents())
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
