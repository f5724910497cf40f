"""The generated pages of docs/ are those of the code: the command-line reference is each command's help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_command_line_reference_is_up_to_date():
    make_docs = _make_docs()
    page = (ROOT / "docs" / "ligne-de-commande.md").read_text(encoding="utf-8")
    assert page == make_docs.cli_reference(), "docs/ligne-de-commande.md n'est pas à jour : lancez « make docs »"
    for command in ("validate", "score", "reports", "grille", "collecte", "ciblage"):
        assert f"## `caqes {command}`" in page and f"Utilisation\u202f: caqes {command} " in page


def test_the_readme_stays_short_and_every_link_of_the_docs_leads_somewhere():
    import re

    readme = ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= 200
    for page in [readme, *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} : lien vers {target} introuvable"
