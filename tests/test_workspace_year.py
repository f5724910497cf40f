"""A workspace made by ``caqes init`` runs the year with no option: its own notebooks make the reports
and the synthesis, and ``caqes envoi`` packs what each establishment receives."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from caqes_toolkit.cli import app
from caqes_toolkit.formats import fmt_pct
from caqes_toolkit.workspace import create_workspace

from .conftest import PlainRunner

pytestmark = pytest.mark.slow
runner = PlainRunner()
WORDS = {"rapport_etablissement.ipynb": "Mot de l'ARS Région fictive aux établissements",
         "synthese_regionale.ipynb": "Note de la direction de l'offre de soins fictive"}


def run(*args: object):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def _add_paragraph(notebook: Path, text: str) -> None:
    """What an ARS does first: a paragraph of its own in the workspace's notebook."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_markdown_cell(text))
    nbformat.write(nb, notebook)


def test_a_workspace_runs_the_year_with_no_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "caqes-region"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    for name, text in WORDS.items():
        _add_paragraph(Path("notebooks") / name, text)

    assert run("grille").exit_code == 0
    assert run("plan").exit_code == 0
    made = run("reports")
    assert made.exit_code == 0, made.output
    assert "notebook : notebooks/rapport_etablissement.ipynb" in made.output
    assert "20 rapports produits" in made.output
    report = Path("sorties/rapports-2019/094869773/rapport.html").read_text(encoding="utf-8")
    assert WORDS["rapport_etablissement.ipynb"] in report
    assert "20 déjà à jour" in run("reports").output  # the same request: answered at once

    synthesis = run("synthese")
    assert synthesis.exit_code == 0, synthesis.output
    assert "notebook : notebooks/synthese_regionale.ipynb" in synthesis.output
    html = Path("sorties/synthese-2019/synthese_regionale_2019.html").read_text(encoding="utf-8")
    assert WORDS["synthese_regionale.ipynb"] in html

    sent = run("envoi")
    assert sent.exit_code == 0, sent.output
    assert "20 dossiers d'envoi dans sorties/envoi-2019" in sent.output
    assert "1 établissement sans courriel (colonne courriel de la table etablissements) : 697436590" in sent.output
    with zipfile.ZipFile("sorties/envoi-2019/094869773.zip") as pack:
        assert sorted(pack.namelist()) == ["courrier_094869773_2019.pdf", "grille_094869773_2019.xlsx",
                                           "plan_actions_094869773_2019.xlsx", "rapport_094869773_2019.pdf"]
        assert pack.read("rapport_094869773_2019.pdf") == Path(
            "sorties/rapports-2019/094869773/rapport.pdf").read_bytes()
        letter = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.read("courrier_094869773_2019.pdf"))).pages)
    figures = json.loads(Path("sorties/rapports-2019/094869773/scores.json").read_text(encoding="utf-8"))
    def plain(text: str) -> str:  # the PDF's ligatures (ﬁ) and no-break spaces as typed
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))

    for said in ("ARS Région fictive", "caqes@ars.example", "31 mars 2020", fmt_pct(figures["score_global"]),
                 f"classe {figures['classe']}", "Établissement de santé mentale de Chimérie"):
        assert plain(said) in plain(letter), said
    recipients = pd.read_csv("sorties/envoi-2019/destinataires.csv", dtype=str, keep_default_na=False)
    assert list(recipients.columns) == ["finess", "raison_sociale", "courriel", "fichier"] and len(recipients) == 20
    row = recipients.set_index("finess").loc["094869773"]
    assert (row["courriel"], row["fichier"]) == ("qualite@mentale-chimerie.example", "094869773.zip")
    assert recipients.set_index("finess").loc["697436590", "courriel"] == ""

    state = run("etat")
    assert state.exit_code == 0
    assert re.search(r"Dossiers d'envoi \.+ fait\n +20 dossiers sur 20", state.output), state.output


def test_a_second_generation_workspace_lists_the_establishments_without_contract(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "caqes-2022"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    toml = Path("caqes.toml")
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^donnees = .*$", 'donnees = "data/exemple-2022"', text)
    text = re.sub(r"(?m)^campagnes = .*$", 'campagnes = ["data/exemple-2022/caqes-2022-region-fictive.yml"]', text)
    toml.write_text(re.sub(r"(?m)^annee = 2019$", "", text), encoding="utf-8")  # the year: from the contracts
    made = run("reports")
    assert made.exit_code == 0, made.output
    assert "année évaluée : 2023" in made.output
    assert ("3 établissements sans rapport en 2023 : pas de contrat en vigueur (010006062, 260003033, 730004041)"
            in made.output)
    index = Path("sorties/rapports-2023/index.html").read_text(encoding="utf-8")
    assert index.count('class="caqes-absent"') == 3
    again = run("reports")
    assert "3 établissements sans rapport" in again.output and "3 déjà à jour" in again.output
    sent = run("envoi")
    assert sent.exit_code == 0, sent.output
    assert "sans courriel" not in sent.output
    recipients = pd.read_csv("sorties/envoi-2023/destinataires.csv", dtype=str).set_index("finess")
    assert recipients.loc["380001016", "courriel"] == "qualite@songe-mer.example"
    with zipfile.ZipFile("sorties/envoi-2023/380001016.zip") as pack:  # its contract's grid and plan too
        assert sorted(pack.namelist()) == ["courrier_380001016_2023.pdf", "grille_380001016_2023.xlsx",
                                           "plan_actions_380001016_2023.xlsx", "rapport_380001016_2023.pdf"]
    assert sorted(p.name for p in Path("sorties/envoi-2023").glob("*.zip")) == [
        "070005053.zip", "380001016.zip", "690002027.zip"]


def test_notebook_given_on_the_command_line_wins_over_the_workspace_s(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_pool import stub_notebook

    folder = tmp_path / "caqes-region"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    report_nb = stub_notebook(tmp_path / "rapport-essai.ipynb")
    made = run("reports", "--notebook", report_nb, "--finess", "094869773", "--formats", "html")
    assert made.exit_code == 0, made.output
    assert f"notebook : {report_nb}" in made.output
    assert "Rapport d'essai" in Path("sorties/rapports-2019/094869773/rapport.html").read_text(encoding="utf-8")

    synthesis_nb = tmp_path / "synthese-essai.ipynb"
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell('annee = 0\ndonnees = ""\ncampagne = ""\nregion = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("# Synthèse d'essai de l'ARS")]
    nbformat.write(nb, synthesis_nb)
    synthesis = run("synthese", "--notebook", synthesis_nb, "--formats", "html")
    assert synthesis.exit_code == 0, synthesis.output
    assert f"notebook : {synthesis_nb}" in synthesis.output
    html = Path("sorties/synthese-2019/synthese_regionale_2019.html").read_text(encoding="utf-8")
    assert "Synthèse d'essai de l'ARS" in html


def test_an_edit_of_the_workspace_report_notebook_remakes_the_reports(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_pool import stub_notebook

    folder = tmp_path / "caqes-region"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    workspace_nb = stub_notebook(Path("notebooks/rapport_etablissement.ipynb"))  # the ARS's own notebook
    two = ("--finess", "094869773,2A5477391", "--formats", "html")
    assert "2 rapports produits, 0 déjà à jour" in run("reports", *two).output
    assert "0 rapport produit, 2 déjà à jour" in run("reports", *two).output
    _add_paragraph(workspace_nb, "Paragraphe ajouté par l'ARS")
    again = run("reports", *two)
    assert "2 rapports produits, 0 déjà à jour" in again.output, again.output
    assert "Paragraphe ajouté par l'ARS" in Path("sorties/rapports-2019/2A5477391/rapport.html").read_text(
        encoding="utf-8")


def test_envoi_makes_what_is_missing_remakes_what_is_older_and_joins_a_person_s_plan_as_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import openpyxl

    from .test_pool import stub_notebook

    folder = tmp_path / "caqes-region"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    stub_notebook(Path("notebooks/rapport_etablissement.ipynb"))
    first = run("envoi", "--finess", "094869773")  # nothing made before: report, plan and grid made here
    assert first.exit_code == 0, first.output
    plan = Path("sorties/plans-2019/094869773/plan_actions_094869773_2019.xlsx")
    grid = Path("sorties/grilles-2019/grille_094869773_2019.xlsx")
    assert plan.is_file() and grid.is_file() and Path("sorties/rapports-2019/094869773/rapport.pdf").is_file()
    with zipfile.ZipFile("sorties/envoi-2019/094869773.zip") as pack:
        assert len(pack.namelist()) == 4

    book = openpyxl.load_workbook(plan)  # the analyst adds a word of her own to the plan
    book.worksheets[0]["A1"] = "Plan revu par l'ARS"
    book.save(plan)
    results = Path("data/exemple/resultats.csv")
    written = grid.stat().st_mtime
    os.utime(results, (written + 1, written + 1))  # the data changed after the grid was written
    second = run("envoi", "--finess", "094869773")
    assert second.exit_code == 0, second.output
    assert f"{plan.name} : modifié depuis son écriture, joint tel quel" in second.output.replace("\n", "")
    assert grid.stat().st_mtime > written  # written again, after the data
    with zipfile.ZipFile("sorties/envoi-2019/094869773.zip") as pack:
        assert pack.read(plan.name) == plan.read_bytes() and pack.read(grid.name) == grid.read_bytes()
