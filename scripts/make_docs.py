"""Write the generated pages of ``docs/``: the command-line reference, from the typer application
(the data contract's table, from the table registry, is checked by tests/test_tables.py).
``--check``: only say whether they are up to date (exit status 1 if not), as the tests do.

    python scripts/make_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer.core
import typer.main

from caqes_toolkit.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
WIDTH = 100
_GENERATED = "<!-- Page générée par scripts/make_docs.py : ne pas la modifier à la main. -->"


def cli_reference() -> str:
    """``docs/ligne-de-commande.md``: each command's ``--help``, as the terminal prints it."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    root = group.context_class(group, info_name="caqes", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [_GENERATED, "", "# Référence de la ligne de commande `caqes`", "",
             "Chaque commande, telle que `caqes COMMANDE --help` l'affiche. Le guide "
             "([guide.md](guide.md)) dit dans quel ordre les enchaîner au fil de l'année.", "",
             "```text", group.get_help(root), "```"]
    for name in group.list_commands(root):
        command = group.get_command(root, name)
        if command is None or command.hidden:
            continue
        ctx = command.context_class(command, info_name=name, parent=root, terminal_width=WIDTH,
                                    max_content_width=WIDTH)
        parts += ["", f"## `caqes {name}`", "", "```text", command.get_help(ctx), "```"]
    return "\n".join(parts) + "\n"


PAGES = {"ligne-de-commande.md": cli_reference}


def main(argv: list[str]) -> int:
    stale = [name for name, make in PAGES.items()
             if not (DOCS / name).exists() or (DOCS / name).read_text(encoding="utf-8") != make()]
    if "--check" in argv:
        for name in stale:
            print(f"docs/{name} n'est pas à jour : lancez « make docs »")
        return 1 if stale else 0
    for name in stale:
        (DOCS / name).write_text(PAGES[name](), encoding="utf-8")
        print(f"écrit : docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
