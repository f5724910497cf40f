"""One campaign configured once: the workspace file ``caqes.toml`` that ``caqes init`` writes, the
defaults every command takes from it, its located French errors, the fixed outputs, the grids'
deadline, contact and key of the workspace, the warning of an N−1 scored under the rules of N, and
the year by default of a second-generation campaign."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from caqes_toolkit.app.config import OUTPUTS, SCHEMA, read_workspace
from caqes_toolkit.app.documents import ReportsOptions, reports_key
from caqes_toolkit.app.request import request
from caqes_toolkit.cli import app
from caqes_toolkit.workspace import create_workspace

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE, PlainRunner

runner = PlainRunner()
SAMPLE_2022 = SAMPLE.parent / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"


def run(*args: object):
    """The command's result, its output's no-break spaces as plain ones (their own tests: test_typography)."""
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace made by ``caqes init``, the current folder."""
    folder = tmp_path / "caqes-region"
    create_workspace(folder)
    monkeypatch.chdir(folder)
    return folder


def _line_of(file: Path, start: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_init_writes_a_workspace_file_whose_every_key_is_written_and_every_path_exists(workspace: Path) -> None:
    ws = read_workspace(Path("caqes.toml"))
    assert ws.data == Path("data/exemple") and ws.year == 2019 and ws.phase == 2
    assert ws.campaigns == (Path("params/caqes-2018.yml"), Path("params/caqes-2019.yml"))
    assert ws.outputs == Path("sorties") and ws.grid_key == Path(".caqes-cle-grilles")
    assert (ws.ars.name, ws.ars.contact, str(ws.ars.deadline)) == ("ARS Région fictive", "caqes@ars.example",
                                                                    "2020-03-31")
    assert all(p.exists() for p in (ws.data, *ws.campaigns))
    assert set(ws.lines) == {f"{s}.{k}" for s, keys in SCHEMA.items() for k in keys}  # every key written
    assert ws.lines["campagne.annee"] == _line_of(Path("caqes.toml"), "annee =")
    assert ws.output("rapports", 2019) == Path("sorties/rapports-2019")
    assert OUTPUTS["envoi"].format(annee=2019) == "envoi-2019"
    assert (workspace / "modeles" / "courrier.md").is_file()


@pytest.mark.parametrize("text, said", [
    ('[campagne]\ndonnees = "data/exemple"\nannee = 20 19\n', "ligne 3, colonne 12 : texte en trop après la valeur"),
    ('[campagne]\ndonnees = "data/exemple"\nannee = 2019\nanne = 2018\n',
     "ligne 4, [campagne] anne : clé inconnue ; clés possibles : donnees, campagnes, annee, phase, sorties"),
    ('[campagne]\nannee = "2019"\n', "ligne 2, [campagne] annee : attendu : une année de 2000 à 2100"),
    ('[campagne]\nphase = 3\n', "ligne 2, [campagne] phase : attendu : 1 (évaluation provisoire) ou 2"),
    ('# l\'ARS\n\n[ars]\nnom = "ARS"\ndate_limite_grille = "31/03/2020"\n',
     "ligne 5, [ars] date_limite_grille : attendu : une date AAAA-MM-JJ sans guillemets"),
    ('[ars]\ndate_limite_grille = 9999-12-31\n', "ligne 2, [ars] date_limite_grille : attendu"),
    ('annee = 2019\n', "ligne 1 : clé annee hors de sa section : écrivez-la sous [campagne]"),
    ('[campagnes]\nannee = 2019\n', "ligne 1 : section inconnue [campagnes]"),
    ('campagne.annee = 1435\n', "ligne 1, [campagne] annee : attendu : une année de 2000 à 2100"),
    ('[campagne]\nannee = 2019\nannee = 2018\n', "ligne 3, colonne 13 : clé donnée deux fois"),
])
def test_a_malformed_workspace_file_is_a_french_error_naming_the_key_and_its_line(
        workspace: Path, text: str, said: str) -> None:
    Path("caqes.toml").write_text(text, encoding="utf-8")
    result = run("score")
    assert result.exit_code == 1, result.output
    assert said in result.output and "caqes.toml" in result.output
    assert "Traceback" not in result.output and "Expected" not in result.output


def test_a_workspace_file_in_another_encoding_names_its_line(workspace: Path) -> None:
    Path("caqes.toml").write_bytes('[ars]\nnom = "ARS Île-de-France"\n'.encode("cp1252"))
    result = run("validate")
    assert result.exit_code == 1 and "ligne 2 : octet 0xCE illisible" in result.output


def test_a_missing_path_of_the_workspace_names_its_key_and_line(workspace: Path) -> None:
    toml = Path("caqes.toml")
    toml.write_text(toml.read_text(encoding="utf-8").replace('"data/exemple"', '"data/exmple"', 1), encoding="utf-8")
    result = run("validate")
    assert result.exit_code == 1
    assert f"caqes.toml, ligne {_line_of(toml, 'donnees =')} (campagne.donnees)" in result.output
    assert "data/exmple introuvable" in result.output


def test_the_commands_take_their_defaults_from_the_workspace(workspace: Path) -> None:
    assert run("validate").exit_code == 0
    scored = run("score")
    assert scored.exit_code == 0, scored.output
    table = pd.read_excel("sorties/scores-2019.xlsx")
    assert len(table) == 20  # the 20 establishments of the sample region, year 2019 only
    grids = run("grille")
    assert grids.exit_code == 0, grids.output
    assert len(list(Path("sorties/grilles-2019").glob("grille_*_2019.xlsx"))) == 20
    assert "avertissement" not in grids.output  # the workspace names the deadline and the contact
    plans = run("plan")
    assert plans.exit_code == 0, plans.output
    assert len(list(Path("sorties/plans-2019").rglob("plan_actions_*_2019.xlsx"))) == 20
    assert run("methode", "--formats", "html").exit_code == 0
    assert Path("sorties/methode/methode_caqes-2019.html").is_file()  # the year's campaign of the two


def test_an_option_overrides_the_workspace(workspace: Path) -> None:
    result = run("grille", "--year", "2018", "--finess", "094869773")
    assert result.exit_code == 0, result.output
    grid = openpyxl.load_workbook("sorties/grilles-2018/grille_094869773_2018.xlsx")
    assert grid["caqes"]["B4"].value == "caqes-2018"  # the campaign of 2018, among the workspace's
    assert not Path("sorties/grilles-2019").exists()


def test_config_names_a_workspace_from_another_folder(workspace: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("plan", "--config", workspace / "caqes.toml", "--finess", "094869773")
    assert result.exit_code == 0, result.output
    assert (workspace / "sorties" / "plans-2019" / "094869773" / "plan_actions_094869773_2019.xlsx").is_file()
    assert not list(elsewhere.iterdir())
    missing = run("plan", "--config", tmp_path / "nulle-part.toml")
    assert missing.exit_code == 2 and "--config" in missing.output


def test_without_a_workspace_a_missing_option_is_said_as_before(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("plan", SAMPLE, "--campaign", CAMPAIGN_2019)
    assert result.exit_code == 2
    assert "Option manquante : « --out »" in result.output and "caqes init" in result.output
    result = run("etat")
    assert result.exit_code == 2 and "aucun fichier caqes.toml" in result.output


def test_grids_say_whom_to_return_them_to_and_by_when_or_are_warned(workspace: Path) -> None:
    bare = run("grille", SAMPLE, "-c", CAMPAIGN_2019, "--out", "nues", "--finess", "094869773", "--config",
               Path("absent"))  # no workspace file named: refused
    assert bare.exit_code == 2
    Path("caqes.toml").unlink()  # the campaign file gives neither: warned
    bare = run("grille", SAMPLE, "-c", CAMPAIGN_2019, "--out", "nues", "--finess", "094869773")
    assert bare.exit_code == 0
    assert "grilles écrites sans contact à l'ARS ni date limite de retour" in bare.output
    sheet = openpyxl.load_workbook("nues/grille_094869773_2019.xlsx")["Établissement"]
    assert "Date limite de retour" not in [c.value for c in sheet["A"]]


def test_the_workspace_key_seals_the_grids_for_every_analyst(workspace: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("grille", "--finess", "094869773,2A5477391").exit_code == 0
    key = workspace / ".caqes-cle-grilles"
    assert stat.S_IMODE(key.stat().st_mode) == 0o640  # the team's group reads it
    shutil.copytree("sorties/grilles-2019", "retours-2019")
    monkeypatch.setenv("CAQES_CLE_GRILLES", str(tmp_path / "cle-d-un-autre-analyste"))  # another installation
    collected = run("collecte")
    assert "invalid-seal" not in collected.output, collected.output
    board = pd.read_excel("sorties/suivi-2019.xlsx", dtype=str)
    statuses = dict(zip(board["FINESS"], board["Statut"]))
    assert statuses["094869773"] == statuses["2A5477391"] == "incomplète"  # returned blank: sealed, values missing
    assert statuses["697436590"] == "manquante"
    assert Path("sorties/donnees-2019/resultats.csv").is_file()
    outside = run("collecte", "retours-2019", "-c", CAMPAIGN_2019, "--data", SAMPLE, "--out", tmp_path / "d",
                  "--config", tmp_path / "aucun.toml")
    assert outside.exit_code == 2  # refused before reading: no such workspace file


def test_grids_collected_without_the_workspace_key_are_refused(workspace: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("grille", "--finess", "094869773").exit_code == 0
    monkeypatch.chdir(tmp_path)  # outside the workspace: the installation's key, another one
    monkeypatch.setenv("CAQES_CLE_GRILLES", str(tmp_path / "autre-cle"))
    result = run("collecte", workspace / "sorties" / "grilles-2019", "-c", CAMPAIGN_2019, "--data", SAMPLE,
                 "--out", tmp_path / "d")
    assert result.exit_code == 1 and "invalid-seal" in result.output


def test_n_minus_1_under_the_rules_of_n_is_warned(tmp_path: Path) -> None:
    alone = run("score", SAMPLE, "-c", CAMPAIGN_2019, "--out", tmp_path / "a.csv")
    assert alone.exit_code == 0
    assert ("scores de 2018 (N−1) calculés selon les règles de la campagne caqes-2019, faute de campagne 2018"
            in alone.output)
    both = run("score", SAMPLE, "-c", CAMPAIGN_2018, "-c", CAMPAIGN_2019, "-y", "2019", "--out", tmp_path / "b.csv")
    assert both.exit_code == 0 and "N−1" not in both.output
    first = run("score", SAMPLE, "-c", CAMPAIGN_2018, "--out", tmp_path / "c.csv")  # N−1 = 2017 = T0
    assert first.exit_code == 0 and "N−1" not in first.output


def test_the_year_of_a_second_generation_campaign_is_the_last_with_contracts_in_force(tmp_path: Path) -> None:
    """Contracts from 1 July 2022 to 30 June 2027, data of 2021 to 2023: 2023."""
    result = run("score", SAMPLE_2022, "-c", CAMPAIGN_2022, "--out", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert "année évaluée : 2023" in result.output
    assert set(pd.read_csv(tmp_path / "s.csv")["annee"]) == {2023}


def test_the_reports_key_covers_the_workspace_notebook(workspace: Path) -> None:
    req = request(data=None, campaigns=None)
    before = reports_key(req, ReportsOptions())
    notebook = workspace / "notebooks" / "rapport_etablissement.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("## 1. Synthèse", "## 1. Synthèse de l'ARS"),
                        encoding="utf-8")
    assert reports_key(req, ReportsOptions()) != before  # an edit of the workspace's notebook remakes the reports


def test_etat_walks_the_year_and_names_the_next_command(workspace: Path) -> None:
    result = run("etat")
    assert result.exit_code == 0, result.output
    titles = ["Grilles écrites et envoyées", "Grilles reçues", "Données validées", "Phase 1 : évaluation provisoire",
              "Phase contradictoire", "Phase 2 : données de l'Assurance Maladie", "Rapports", "Synthèse régionale",
              "Plans d'actions", "Dossiers d'envoi"]
    positions = [result.output.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "0 grille écrite sur 20 dans sorties/grilles-2019" in result.output
    assert "retour demandé au plus tard le 31/03/2020" in result.output
    assert "Étape suivante : caqes grille (grilles écrites et envoyées)." in result.output
    assert run("grille").exit_code == 0
    after = run("etat").output
    assert "20 grilles écrites sur 20" in after and "Étape suivante : caqes reports (rapports)." in after
    Path("retours-2019").mkdir()
    shutil.copy(next(Path("sorties/grilles-2019").glob("*.xlsx")), "retours-2019")
    assert "1 fichier déposé dans retours-2019, pas encore collecté" in run("etat").output


def test_etat_waits_for_data_without_errors(workspace: Path) -> None:
    table = Path("data/exemple/etablissements.csv")
    table.write_text(table.read_text(encoding="utf-8").replace(",MCO;SSR;PSY,", ",MCO;XXX,", 1), encoding="utf-8")
    result = run("etat")
    assert result.exit_code == 0, result.output
    assert "1 erreur, 0 avertissement dans data/exemple" in result.output
    assert result.output.count("données à corriger d'abord") == 8  # every step but the returns and the data
    assert "Étape suivante : caqes validate (données validées)." in result.output


@pytest.mark.parametrize("dropped, said", [
    ("contact", "grilles écrites sans contact à l'ARS : elles ne disent pas à qui les renvoyer ; indiquez-le "
                "([ars] contact dans caqes.toml)"),
    ("date_limite_grille", "grilles écrites sans date limite de retour : elles ne disent pas avant quand les "
                           "renvoyer ; indiquez-la ([ars] date_limite_grille dans caqes.toml)"),
])
def test_a_workspace_without_the_grids_contact_or_deadline_warns_of_the_one_missing(
        workspace: Path, dropped: str, said: str) -> None:
    toml = Path("caqes.toml")
    toml.write_text("\n".join(line for line in toml.read_text(encoding="utf-8").splitlines()
                              if not line.startswith(f"{dropped} =")), encoding="utf-8")
    result = run("grille", "--finess", "094869773")
    assert result.exit_code == 0, result.output
    assert said in " ".join(result.output.split())
    sheet = openpyxl.load_workbook("sorties/grilles-2019/grille_094869773_2019.xlsx")["Établissement"]
    shown = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert ("caqes@ars.example" in shown) == (dropped != "contact")  # the one given is still written
    assert ("31 mars 2020" in shown) == (dropped != "date_limite_grille")


def test_a_second_generation_year_without_contract_in_force_names_the_years_that_have_some(tmp_path: Path) -> None:
    """Contracts from 1 July 2022 to 30 June 2027, data of 2021 to 2023: in force in 2022 and 2023."""
    result = run("reports", SAMPLE_2022, "-c", CAMPAIGN_2022, "--year", "2021", "--formats", "html",
                 "--out", tmp_path / "r")
    assert result.exit_code == 1, result.output
    assert ("aucun contrat de la campagne caqes-2022-region-fictive en vigueur en 2021 (table contrats) ; années "
            "des données qui en ont : 2022, 2023") in " ".join(result.output.split())
