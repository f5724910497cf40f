"""Second-generation grids and action plans on the sample region data/exemple-2022 (year 2023): the grid
asks each establishment under contract the objectives it declares, is collected as a first-generation grid
is, and the values returned feed the evaluation; the plan lists, per volet, the objectives not met and the
expense objectives of the next year with the savings and intéressement at stake. Every expected figure is
computed by hand from the sample's data and its campaign."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents.collect import collect
from caqes_toolkit.documents.generations import generation_of
from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.evaluation.stakes import next_year_stakes
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import ROOT
from .grid_helpers import fill, header

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
YEAR = 2023
SONGE, UTOPIA, CHIMERES, FICTILANDE = "380001016", "690002027", "260003033", "070005053"
NB = "\u202f"
runner = CliRunner()


def _euros(text: str) -> str:
    """« 494 000,00 € » with the narrow no-break spaces of the documents."""
    return text.replace(" ", NB)


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _grids(tmp_path: Path, *extra: str) -> Path:
    folder = tmp_path / "grilles"
    _run("grille", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", str(YEAR), "--out", str(folder), *extra)
    return folder


def _rows(sheet) -> dict[str, int]:
    """Code → row of the « Indicateurs » sheet (volet headings left out)."""
    row, cols = header(sheet, "Code", "Valeur")
    return {str(sheet.cell(r, cols["Code"]).value): r for r in range(row + 1, sheet.max_row + 1)
            if sheet.cell(r, cols["Code"]).value and not str(sheet.cell(r, cols["Code"]).value).startswith("Volet")}


def test_one_grid_per_establishment_under_contract_with_its_volets(tmp_path):
    folder = _grids(tmp_path)
    assert sorted(p.name for p in folder.glob("*.xlsx")) == [
        f"grille_{f}_{YEAR}.xlsx" for f in (FICTILANDE, SONGE, UTOPIA)]  # the three contracts in force in 2023
    book = openpyxl.load_workbook(folder / f"grille_{UTOPIA}_{YEAR}.xlsx")
    assert book.sheetnames == ["Établissement", "Indicateurs", "caqes"] and book["caqes"].sheet_state == "hidden"
    identity = {r[0]: r[1] for r in book["Établissement"].iter_rows(values_only=True) if r[0]}
    assert identity["FINESS"] == UTOPIA and identity["Année évaluée"] == "2023"
    sheet = book["Indicateurs"]
    row, cols = header(sheet, "Code", "Valeur", "Cible ou objectif", "Commentaire", "Preuves")
    rows = _rows(sheet)
    # produits de santé and transports: the objectives it declares, and the expense lines for information;
    # neither the measures (IPP_BOITES, PERFADOM_PART, AMBULANCE_PART) nor the volet pertinence (no contract)
    assert list(rows) == ["PS_R1", "PS_R2", "IPP", "PERFADOM", "EZETIMIBE", "PANSEMENTS", "TR_R1", "AMBULANCE"]
    headings = [sheet.cell(r, 1).value for r in range(row + 1, sheet.max_row + 1)
                if str(sheet.cell(r, 1).value).startswith("Volet")]
    assert headings[0] == ("Volet «\u202fProduits de santé prescrits en établissement et remboursés en ville\u202f» — "
                           "contrat du 01/07/2022 au 30/06/2027")
    assert len(headings) == 4 and "objectifs de dépenses, pour information" in headings[1]
    valeur = cols["Valeur"]
    unlocked = {c for c, r in rows.items() if sheet.cell(r, valeur).protection.locked is False}
    assert unlocked == {"PS_R1", "PS_R2", "TR_R1"}
    assert sheet.protection.sheet and not sheet.protection.password
    for r in rows.values():  # only Valeur (asked), Commentaire and Preuves open
        for col in range(1, sheet.max_column + 1):
            if col not in (valeur, cols["Commentaire"], cols["Preuves"]):
                assert sheet.cell(r, col).protection.locked is not False
    # IPP: 520 000 € in 2022, −5 %/an: objective 2023 = 494 000 €; spending 2023 505 000 € shown, locked
    ipp = rows["IPP"]
    assert sheet.cell(ipp, cols["Cible ou objectif"]).value == f"≤ {_euros('494 000,00 €')}"
    assert sheet.cell(ipp, valeur).value == _euros("505 000,00 €")
    assert sheet.cell(ipp, header(sheet, "Valeur 2022 (N−1)")[1]["Valeur 2022 (N−1)"]).value == _euros("520 000,00 €")
    # AMBULANCE: 1 200 000 € × (1 − 2 %) = 1 176 000 €
    assert sheet.cell(rows["AMBULANCE"], cols["Cible ou objectif"]).value == f"≤ {_euros('1 176 000,00 €')}"
    assert sheet.cell(rows["PS_R2"], cols["Cible ou objectif"]).value == f"≥ 60,0{NB}%"
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert rules[sheet.cell(rows["PS_R1"], valeur).coordinate].formula1 == '"oui,non,NC"'
    ps_r2 = sheet.cell(rows["PS_R2"], valeur).coordinate
    assert rules[ps_r2].type == "custom" and f"{ps_r2}<=100" in rules[ps_r2].formula1
    meta = dict(book["caqes"].iter_rows(values_only=True))
    assert (meta["finess"], meta["annee"], meta["campagne"]) == (UTOPIA, "2023", "caqes-2022-region-fictive")
    assert meta["sceau"]


def _sha(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_round_trip_filled_collected_and_evaluated(tmp_path):
    before = _sha(SAMPLE_2022)
    folder = _grids(tmp_path)
    # what each establishment types (as a person would: text, comma decimals, a stray space)
    fill(folder / f"grille_{SONGE}_{YEAR}.xlsx", {"PS_R1": "oui", "PS_R2": "40"})
    fill(folder / f"grille_{UTOPIA}_{YEAR}.xlsx", {"PS_R1": "oui", "PS_R2": "65,0 ", "TR_R1": "non"})
    fill(folder / f"grille_{FICTILANDE}_{YEAR}.xlsx", {"TR_R1": "oui"})
    out, suivi = tmp_path / "donnees", tmp_path / "suivi.csv"
    _run("collecte", str(folder), "-c", str(CAMPAIGN_2022), "--data", str(SAMPLE_2022), "--out", str(out),
         "--suivi", str(suivi), "-y", str(YEAR))
    assert _sha(SAMPLE_2022) == before
    follow = pd.read_csv(suivi, dtype=str).set_index("finess")
    # the establishments a grid was written for: the three under contract, nobody else « manquante »
    assert sorted(follow.index) == sorted([SONGE, UTOPIA, FICTILANDE])
    assert set(follow["statut"]) == {"reçue"} and set(follow["valeurs_manquantes"]) == {"0"}
    campaign = load_campaign(CAMPAIGN_2022)
    data = load_dataset(out, campaign)
    res = data.results[data.results["annee"] == YEAR].set_index(["finess", "indicateur"])["valeur"]
    assert res.loc[(SONGE, "PS_R2")] == 40 and res.loc[(UTOPIA, "PS_R2")] == 65 and res.loc[(UTOPIA, "TR_R1")] == 0
    assert res.loc[(SONGE, "IPP_BOITES")] == 12_000  # a measure the grid does not ask: kept from the data
    totals = evaluate_volets(data, campaign, YEAR).rows
    totals = totals[totals["indicateur"] == ""].set_index(["finess", "volet"])
    # Songe-sur-Mer: PS_R1 oui (1), PS_R2 40 < 60 without T0 (0): A = 50 %; savings: IPP 200 000 → 185 000
    # = 15 000 € (PERFADOM, EZETIMIBE rose, PANSEMENTS flat: 0); 25 % × 15 000 × 0.5 = 1 875 €
    assert totals.loc[(SONGE, "produits_sante"), ["atteinte", "economies", "interessement"]].tolist() == \
        pytest.approx([50.0, 15_000.0, 1_875.0])
    # Utopia: PS_R2 65 ≥ 60: A = 100 %; savings 15 000 + 30 000 + 2 400 + 6 600 = 54 000; 25 % → 13 500 €
    assert totals.loc[(UTOPIA, "produits_sante"), ["atteinte", "economies", "interessement"]].tolist() == \
        pytest.approx([100.0, 54_000.0, 13_500.0])
    # Utopia transports: TR_R1 non: A = 0, savings 1 200 000 − 1 150 000 = 50 000, intéressement 0
    assert totals.loc[(UTOPIA, "transports"), ["atteinte", "economies", "interessement"]].tolist() == \
        pytest.approx([0.0, 50_000.0, 0.0])
    # Fictilande: TR_R1 oui: 25 % × (450 000 − 430 000) = 5 000 €
    assert totals.loc[(FICTILANDE, "transports"), "interessement"] == pytest.approx(5_000.0)


def test_collection_checks_a_second_generation_grid_as_any_grid(tmp_path):
    folder = _grids(tmp_path, "--finess", UTOPIA)
    path = folder / f"grille_{UTOPIA}_{YEAR}.xlsx"
    fill(path, {"PS_R1": "peut-être", "PS_R2": 150})
    book = openpyxl.load_workbook(path)
    rows = _rows(book["Indicateurs"])
    col = header(book["Indicateurs"], "Valeur")[1]["Valeur"]
    cells = {c: book["Indicateurs"].cell(rows[c], col).coordinate for c in ("PS_R1", "PS_R2")}
    result = runner.invoke(app, ["collecte", str(folder), "-c", str(CAMPAIGN_2022), "--data", str(SAMPLE_2022),
                                 "--out", str(tmp_path / "out"), "--suivi", str(tmp_path / "s.csv"), "-y", "2023"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"Indicateurs!{cells['PS_R1']}, indicateur PS_R1 : valeur « peut-être »" in said
    assert f"Indicateurs!{cells['PS_R2']}, indicateur PS_R2 : valeur « 150 »" in said and "[out-of-range]" in said
    follow = pd.read_csv(tmp_path / "s.csv", dtype=str).set_index("finess")
    assert follow.loc[UTOPIA, "statut"] == "invalide"
    assert follow.loc[SONGE, "statut"] == "manquante" and CHIMERES not in follow.index


@pytest.mark.parametrize("command", ["grille", "plan"])
def test_refusals(tmp_path, command):
    without = runner.invoke(app, [command, str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023",
                                  "--out", str(tmp_path / "a"), "--finess", f"{UTOPIA},{CHIMERES}"])
    assert without.exit_code == 1
    assert (f"FINESS sans contrat de la campagne caqes-2022-region-fictive en vigueur en 2023 (table contrats) : "
            f"{CHIMERES}") in " ".join(without.output.split())
    none = runner.invoke(app, [command, str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2021",
                               "--out", str(tmp_path / "b")])  # the contracts start on 1 July 2022
    assert none.exit_code == 1
    assert "aucun contrat de la campagne caqes-2022-region-fictive en vigueur en 2021" in " ".join(none.output.split())
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_measure_the_establishment_declares_is_asked(tmp_path):
    text = CAMPAIGN_2022.read_text(encoding="utf-8").replace(
        "    regle: mesure\n    unite: boîtes\n", "    regle: mesure\n    unite: boîtes\n    source_donnees: etablissement\n")
    campaign_file = tmp_path / "campagne.yml"
    campaign_file.write_text(text, encoding="utf-8")
    folder = tmp_path / "grilles"
    _run("grille", str(SAMPLE_2022), "-c", str(campaign_file), "-y", "2023", "--out", str(folder), "--finess", SONGE)
    path = folder / f"grille_{SONGE}_{YEAR}.xlsx"
    sheet = openpyxl.load_workbook(path)["Indicateurs"]
    rows = _rows(sheet)
    assert list(rows)[:3] == ["IPP_BOITES", "PS_R1", "PS_R2"]
    assert sheet.cell(rows["IPP_BOITES"], 4).protection.locked is False
    fill(path, {"IPP_BOITES": "11 500", "PS_R1": "oui", "PS_R2": 72})
    _run("collecte", str(folder), "-c", str(campaign_file), "--data", str(SAMPLE_2022), "--out",
         str(tmp_path / "out"), "-y", "2023")
    data = load_dataset(tmp_path / "out", load_campaign(campaign_file))
    res = data.results[(data.results["annee"] == YEAR) & (data.results["finess"] == SONGE)]
    assert res.set_index("indicateur").loc["IPP_BOITES", "valeur"] == 11_500


def test_an_expense_line_is_never_the_establishments(tmp_path):
    text = CAMPAIGN_2022.read_text(encoding="utf-8").replace(
        "    poste: ipp\n", "    poste: ipp\n    source_donnees: etablissement\n")
    campaign_file = tmp_path / "campagne.yml"
    campaign_file.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="une dépense vient de l'Assurance Maladie"):
        load_campaign(campaign_file)


def _plan(tmp_path: Path, finess: str) -> openpyxl.worksheet.worksheet.Worksheet:
    _run("plan", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023", "--out", str(tmp_path / "plans"),
         "--finess", finess)
    path = tmp_path / "plans" / finess / f"plan_actions_{finess}_2023.xlsx"
    return openpyxl.load_workbook(path)


def test_plan_lists_the_objectives_not_met_and_the_stakes_of_the_next_year(tmp_path):
    book = _plan(tmp_path, UTOPIA)
    assert book.sheetnames == ["Plan d'actions", "Mode d'emploi"]
    sheet = book["Plan d'actions"]
    row, cols = header(sheet, "Rang", "Code", "Valeur actuelle", "Cible", "Économies en jeu",
                       "Intéressement en jeu", "Responsable")
    table = [[sheet.cell(r, c).value for c in range(1, cols["Responsable"])] for r in range(row + 1, row + 7)]
    produits, transports = ("Produits de santé prescrits en établissement et remboursés en ville",
                            "Organisation des soins\u202f: transports prescrits en établissement et remboursés en ville")
    # PS_R2: 45 % declared for a target of 60 % (PS_R1 oui: met, not listed)
    assert table[0][:6] == [1, produits, "PS_R2", "Part des prescriptions d'IPP de sortie réévaluées",
                            f"45,0{NB}%", f"≥ 60,0{NB}%"]
    assert table[0][6:8] == [None, None]
    # 2024 objective = spending 2023 × (1 + rate 2024); savings at stake = spending − objective; 25 % of it
    expected = [("IPP", "505 000,00 €", "479 750,00 €", "−5,0", 25_250.0, 6_312.5),
                ("PERFADOM", "280 000,00 €", "266 000,00 €", "−5,0", 14_000.0, 3_500.0),
                ("EZETIMIBE", "84 100,00 €", "81 577,00 €", "−3,0", 2_523.0, 630.75),
                ("PANSEMENTS", "229 400,00 €", "222 518,00 €", "−3,0", 6_882.0, 1_720.5),
                ("AMBULANCE", "1 150 000,00 €", "1 127 000,00 €", "−2,0", 23_000.0, 5_750.0)]
    for k, (code, spent, objective, rate, savings, bonus) in enumerate(expected, start=1):
        rank, volet, got_code, _, value, target, got_savings, got_bonus, action = table[k]
        assert action
        assert (rank, volet, got_code) == (k + 1, transports if code == "AMBULANCE" else produits, code)
        assert value == f"{_euros(spent)} en 2023"
        assert target == f"≤ {_euros(objective)} en 2024 ({rate}{NB}%/an)"
        assert (got_savings, got_bonus) == pytest.approx((savings, bonus))
    assert sheet.cell(row + 7, cols["Code"]).value is None  # then the establishment's own rows
    title = "\n".join(str(sheet.cell(r, 1).value) for r in range(1, row))
    # produits de santé 2023: A = 50 % (PS_R2 not met), savings 54 000 €, 25 % × 54 000 × 0.5 = 6 750 €;
    # at stake in 2024: 25 % × (25 250 + 14 000 + 2 523 + 6 882) = 12 163,75 €
    assert (f"atteinte des objectifs 2023{NB}: 50{NB}%{NB}; économies 2023{NB}: {_euros('54 000,00 €')}{NB}; "
            f"intéressement estimé 2023{NB}: {_euros('6 750,00 €')}{NB}; intéressement en jeu en 2024{NB}: "
            f"{_euros('12 163,75 €')}") in title
    assert "contrat du 01/07/2022 au 30/06/2027" in title
    notes = "\n".join(str(c.value) for c in book["Mode d'emploi"]["A"] if c.value)
    assert "Économies en jeu" in notes and f"plan_actions_{UTOPIA}_2023.xlsx" in notes


def test_plan_names_no_other_establishment(tmp_path):
    book = _plan(tmp_path, SONGE)
    text = "\n".join(str(c.value) for s in book for r in s.iter_rows() for c in r if c.value is not None)
    assert "Songe-sur-Mer" in text and "Utopia" not in text and UTOPIA not in text
    row, cols = header(book["Plan d'actions"], "Code")
    codes = [book["Plan d'actions"].cell(r, cols["Code"]).value for r in range(row + 1, row + 6)]
    assert codes == ["IPP", "PERFADOM", "EZETIMIBE", "PANSEMENTS", None]  # every objective met: the expense lines only


def test_stakes_unknown_when_the_contract_ends_or_the_rate_is_missing(tmp_path):
    campaign = load_campaign(CAMPAIGN_2022)
    data = load_dataset(SAMPLE_2022, campaign)
    contracts = data.contracts.copy()
    contracts.loc[contracts["finess"] == FICTILANDE, "date_fin"] = pd.Timestamp("2023-12-31")
    stakes = next_year_stakes(evaluate_volets(dataclasses.replace(data, contracts=contracts), campaign, YEAR))
    ended = stakes[(stakes["finess"] == FICTILANDE)]
    assert not ended["en_vigueur"].any() and ended[["objectif", "economies_en_jeu"]].isna().all().all()
    # a rate given for 2023 only: no objective for 2024
    text = CAMPAIGN_2022.read_text(encoding="utf-8").replace("taux_cible: -2.0", "taux_cible: {2023: -2.0}")
    dated_file = tmp_path / "campagne.yml"
    dated_file.write_text(text, encoding="utf-8")
    dated = load_campaign(dated_file)
    stakes = next_year_stakes(evaluate_volets(data, dated, YEAR))
    line = stakes[(stakes["finess"] == FICTILANDE) & (stakes["indicateur"] == "AMBULANCE")].iloc[0]
    assert line["en_vigueur"] and pd.isna(line["taux"]) and pd.isna(line["economies_en_jeu"])
    total = stakes[(stakes["finess"] == FICTILANDE) & (stakes["indicateur"] == "")].iloc[0]
    assert pd.isna(total["interessement_en_jeu"])


def test_names_starting_with_equals_are_never_formulas(tmp_path):
    """An establishment named « =… » stays a text in its grid and its plan."""
    campaign = load_campaign(CAMPAIGN_2022)
    data = load_dataset(SAMPLE_2022, campaign)
    es = data.establishments.copy()
    es.loc[es["finess"] == UTOPIA, "raison_sociale"] = '=HYPERLINK("http://x","clic")'
    data = dataclasses.replace(data, establishments=es)
    generation = generation_of(campaign)
    (grid,) = generation.write_grids(data, campaign, YEAR, tmp_path / "g", [UTOPIA])
    (plan,) = generation.write_plans(data, campaign, YEAR, tmp_path / "p", [UTOPIA])
    for path in (grid, plan):
        with zipfile.ZipFile(path) as z:
            assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert openpyxl.load_workbook(grid)["Établissement"]["B4"].value == '=HYPERLINK("http://x","clic")'


@pytest.mark.slow
def test_a_grid_resaved_by_libreoffice_is_collected(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) introuvable : installer le paquet Debian libreoffice-calc-nogui pour ce test")
    folder = _grids(tmp_path, "--finess", UTOPIA)
    path = folder / f"grille_{UTOPIA}_{YEAR}.xlsx"
    fill(path, {"PS_R1": "non", "PS_R2": "62,5", "TR_R1": "NC"})
    resaved = tmp_path / "libreoffice"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "xlsx", "--outdir", str(resaved), str(path)],
                   check=True, capture_output=True, timeout=240)
    campaign = load_campaign(CAMPAIGN_2022)
    result = collect(resaved, campaign, YEAR, SAMPLE_2022, tmp_path / "out")
    assert result.ok, [str(f) for f in result.faults]
    res = load_dataset(tmp_path / "out", campaign).results
    mine = res[(res["finess"] == UTOPIA) & (res["annee"] == YEAR)].set_index("indicateur")
    assert mine.loc[["PS_R1", "PS_R2"], "valeur"].tolist() == pytest.approx([0.0, 62.5])
    assert bool(mine.loc["TR_R1", "nc"])


def test_a_rate_beyond_what_a_number_holds_is_refused(tmp_path):
    text = CAMPAIGN_2022.read_text(encoding="utf-8").replace("taux_cible: -2.0", "taux_cible: {2023: -2.0, 2024: 1.0e+307}")
    campaign_file = tmp_path / "campagne.yml"
    campaign_file.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["plan", str(SAMPLE_2022), "-c", str(campaign_file), "-y", "2023",
                                 "--out", str(tmp_path / "plans")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "volets[transports].indicateurs[AMBULANCE].taux_cible de 2024 démesuré" in " ".join(result.output.split())
    assert not list((tmp_path / "plans").rglob("*.xlsx"))


def test_an_expense_not_given_leaves_its_objective_unknown(tmp_path):
    """Songe-sur-Mer's IPP spending of 2022 removed: no 2023 objective (« — », never 0 nor « ≤ — »), the
    2023 spending still shown."""
    campaign = load_campaign(CAMPAIGN_2022)
    data = load_dataset(SAMPLE_2022, campaign)
    spent = data.expenses
    keep = ~((spent["finess"] == SONGE) & (spent["annee"] == 2022) & (spent["poste"] == "ipp"))
    data = dataclasses.replace(data, expenses=spent[keep].reset_index(drop=True))
    (grid,) = generation_of(campaign).write_grids(data, campaign, YEAR, tmp_path / "g", [SONGE])
    sheet = openpyxl.load_workbook(grid)["Indicateurs"]
    _, cols = header(sheet, "Code", "Valeur", "Cible ou objectif", "Valeur 2022 (N−1)")
    ipp = _rows(sheet)["IPP"]
    assert [sheet.cell(ipp, cols[c]).value for c in ("Valeur", "Cible ou objectif", "Valeur 2022 (N−1)")] == [
        f"185{NB}000,00{NB}€", "—", "—"]
