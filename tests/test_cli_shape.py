"""The command line stays thin: a command is options → request → call → print.

Each command function is short (the work is in :mod:`caqes_toolkit.app`), its options are declared
once as module-level aliases that every command shares, and no test reaches into the command line's
private names (what a test needs of a command is the application's public functions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "caqes_toolkit" / "cli.py"
MOST_LINES = 40


def _commands(tree: ast.Module) -> list[ast.FunctionDef]:
    """The functions decorated with ``@app.command(…)``."""
    def is_command(decorator: ast.expr) -> bool:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(call, ast.Attribute) and call.attr == "command"

    return [node for node in tree.body if isinstance(node, ast.FunctionDef)
            and any(is_command(d) for d in node.decorator_list)]


def _option_calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("Option", "Argument")]


def test_no_command_function_over_40_lines() -> None:
    commands = _commands(ast.parse(CLI.read_text(encoding="utf-8")))
    assert len(commands) == 13  # init, validate, score, reports, plan, methode, synthese, grille, collecte, ciblage,
    # trajectoires, etat, envoi
    long = {f.name: f.end_lineno - f.lineno + 1 for f in commands if f.end_lineno - f.lineno + 1 > MOST_LINES}
    assert not long, long


def test_options_are_declared_once_outside_the_commands() -> None:
    tree = ast.parse(CLI.read_text(encoding="utf-8"))
    inside = [f.name for f in _commands(tree) if _option_calls(f.args)]
    assert not inside, f"options declared in the signature of {inside}: declare an alias once"
    flags = [arg.value for call in _option_calls(tree) for arg in call.args if isinstance(arg, ast.Constant)]
    assert flags.count("--formats") == 1


def test_no_test_uses_a_private_name_of_the_command_line() -> None:
    found = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "caqes_toolkit.cli":
                found += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "cli"
                  and node.attr.startswith("_")):
                found.append(f"{path.name}: cli.{node.attr}")
    assert not found, found


def test_the_checks_see_a_long_command_and_an_inline_option() -> None:
    source = ("@app.command()\ndef f(x: Annotated[int, typer.Option('--formats')] = 1) -> None:\n"
              + "    pass\n" * 40)
    tree = ast.parse(source)
    [command] = _commands(tree)
    assert command.end_lineno - command.lineno + 1 > MOST_LINES
    assert _option_calls(command.args)
