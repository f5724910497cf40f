"""Self-evaluation grids (caqes_toolkit.documents.grid) and their collection (caqes_toolkit.documents.collect)."""

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
from caqes_toolkit.documents.collect import FOLLOW_UP_COLUMNS, collect
from caqes_toolkit.documents.grid import MATURITY_STEP_NAMES, write_grids
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.evaluation.scoring import score_by_year
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2019, SAMPLE
from .grid_helpers import fill, fill_from_data, header, value_cells

YEAR = 2019
DIALYSIS = "090255480"  # DIA only, without liste en sus
BIG = "2A5477391"  # MCO;SSR;PSY, with liste en sus
HAD = "075943381"
# 090255480 (DIA, no liste en sus): every 2019 indicator except those restricted to other
# activities (C08, D01, D02, D03, RCP2, F03) and chapter 5 (L01–L03).
DIALYSIS_CODES = {
    "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11",
    "B01", "B02", "B03", "B04", "B05", "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C09",
    "C10", "C11", "C12", "D04", "E01", "E02", "E03", "E04", "E05", "F01", "F02", "F04", "F05",
    "F06", "G01", "G02", "G03", "G04", "G05", "H01", "H02", "H03"}
# locked: HAS (A08, A09), Assurance Maladie (G01, G02, G05, H01, H02), maturity (A06)
DIALYSIS_LOCKED = {"A06", "A08", "A09", "G01", "G02", "G05", "H01", "H02"}


def _sha(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def sample(campaign_2019):
    return load_dataset(SAMPLE, campaign_2019)


def _grids(tmp_path: Path, sample, campaign, finess: list[str], year: int = YEAR) -> Path:
    folder = tmp_path / "grilles"
    write_grids(sample, campaign, year, folder, finess)
    return folder


def _rows(sheet) -> dict[str, int]:
    row, cols = header(sheet, "Code", "Valeur")
    return {str(sheet.cell(row=r, column=cols["Code"]).value): r
            for r in range(row + 1, sheet.max_row + 1)
            if sheet.cell(row=r, column=cols["Code"]).value
            and not str(sheet.cell(row=r, column=cols["Code"]).value).startswith(("Chapitre", "Volet additionnel"))}


def test_grid_holds_the_applicable_indicators_guarded(tmp_path, sample, campaign_2019):
    folder = _grids(tmp_path, sample, campaign_2019, [DIALYSIS])
    path = folder / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    book = openpyxl.load_workbook(path)
    assert {"Établissement", "Indicateurs", "Maturité"} <= set(book.sheetnames)
    sheet = book["Indicateurs"]
    row, cols = header(sheet, "Code", "Valeur", "Commentaire", "Preuves")
    rows = _rows(sheet)
    assert set(rows) == DIALYSIS_CODES
    valeur = cols["Valeur"]
    unlocked = {c for c, r in rows.items() if sheet.cell(row=r, column=valeur).protection.locked is False}
    assert unlocked == DIALYSIS_CODES - DIALYSIS_LOCKED
    # only Valeur, Commentaire and Preuves can be changed, under a sheet protection without password
    assert sheet.protection.sheet and not sheet.protection.password
    for r in rows.values():
        for col in range(1, sheet.max_column + 1):
            if col not in (valeur, cols["Commentaire"], cols["Preuves"]):
                assert sheet.cell(row=r, column=col).protection.locked is not False
    # the Assurance Maladie value known to the ARS is shown, locked (« 47.3 » in the data)
    assert sheet.cell(row=rows["G01"], column=valeur).value == "47,3\u202f%"  # narrow no-break space before the unit
    # data validation fitting the rule
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    a01 = rules[sheet.cell(row=rows["A01"], column=valeur).coordinate]
    assert a01.type == "list" and a01.formula1 == '"oui,non,NC"'
    a04_cell = sheet.cell(row=rows["A04"], column=valeur).coordinate
    a04 = rules[a04_cell]
    assert a04.type == "custom" and f"{a04_cell}<=100" in a04.formula1 and '"NC"' in a04.formula1
    f01 = rules[sheet.cell(row=rows["F01"], column=valeur).coordinate]  # %/an: negative allowed
    assert ">=0" not in f01.formula1
    # print: A4 landscape, one page wide, header row repeated
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == f"${row}:${row}"
    # maturity: seven steps in order, a 0–5 list
    mat = book["Maturité"]
    mrow, mcols = header(mat, "Étape", "Cotation")
    assert [mat.cell(row=mrow + i, column=mcols["Étape"]).value for i in range(1, 8)] == list(
        MATURITY_STEP_NAMES)
    (rule,) = mat.data_validations.dataValidation
    assert rule.formula1 == '"0,1,2,3,4,5"'
    # identification stored in the workbook
    meta = dict(book["caqes"].iter_rows(values_only=True))
    assert book["caqes"].sheet_state == "hidden"
    assert (meta["finess"], meta["annee"], meta["campagne"], meta["empreinte"]) == (
        DIALYSIS, "2019", "caqes-2019", campaign_2019.sha256)


def test_grid_text_is_never_a_formula(tmp_path, sample, campaign_2019):
    es = sample.establishments.copy()
    es.loc[es["finess"] == DIALYSIS, "raison_sociale"] = '=HYPERLINK("http://x","clic")'
    data = dataclasses.replace(sample, establishments=es)
    folder = _grids(tmp_path, data, campaign_2019, [DIALYSIS])
    path = folder / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    with zipfile.ZipFile(path) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    sheet = openpyxl.load_workbook(path)["Établissement"]
    assert sheet["B4"].value == '=HYPERLINK("http://x","clic")' and sheet["B4"].data_type == "s"


def test_grid_refuses_unknown_finess(tmp_path, sample, campaign_2019):
    with pytest.raises(CaqesError, match="123456789"):
        write_grids(sample, campaign_2019, YEAR, tmp_path, ["123456789"])


def test_round_trip_on_the_sample_region(tmp_path, sample, campaign_2019):
    """Grids filled with the data's own 2019 values give back the same scores."""
    before = _sha(SAMPLE)
    folder = tmp_path / "grilles"
    write_grids(sample, campaign_2019, YEAR, folder)
    assert fill_from_data(folder, SAMPLE, YEAR) == len(sample.establishments)
    result = collect(folder, campaign_2019, YEAR, SAMPLE, tmp_path / "donnees2")
    assert result.ok and _sha(SAMPLE) == before
    assert list(result.follow_up.columns) == list(FOLLOW_UP_COLUMNS)
    assert set(result.follow_up["statut"]) <= {"recue", "incomplete"}
    follow = result.follow_up.set_index("finess")
    # 2A5477391 gave every value; 692873086 left C09 empty in the data
    assert follow.loc[BIG, "statut"] == "recue"
    assert follow.loc["692873086", ["statut", "valeurs_manquantes"]].tolist() == ["incomplete", 1]
    old = score_by_year(sample, [campaign_2019], [YEAR])[YEAR]
    new = score_by_year(load_dataset(tmp_path / "donnees2", campaign_2019), [campaign_2019], [YEAR])[YEAR]
    key = ["finess", "annee"]
    a, b = (s.establishments.sort_values(key).reset_index(drop=True) for s in (old, new))
    pd.testing.assert_series_equal(a["score_global"], b["score_global"])
    assert a["classe"].tolist() == b["classe"].tolist()
    key = ["finess", "annee", "indicateur"]
    a, b = (s.indicators.sort_values(key).reset_index(drop=True) for s in (old, new))
    pd.testing.assert_series_equal(a["score"], b["score"])
    pd.testing.assert_series_equal(a["statut"], b["statut"])


def test_collect_reads_values_as_people_type_them(tmp_path, sample, campaign_2019):
    folder = _grids(tmp_path, sample, campaign_2019, [DIALYSIS])
    path = folder / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    fill(path, {"A01": "Oui ", "A04": "45,5 %", "B03": " 83,8 ", "C01": "92.2", "E01": 74.3,
                "C04": 0.895, "B04": "nc"}, [2, 4, 3, 3, 2, 3, 3])
    book = openpyxl.load_workbook(path)  # C04 typed « 89,5 % » in Excel: 0.895 shown as a percent
    sheet = book["Indicateurs"]
    sheet[value_cells(path)["C04"]].number_format = "0.0%"
    book.save(path)
    result = collect(folder, campaign_2019, YEAR, SAMPLE, tmp_path / "out")
    assert result.ok
    data = load_dataset(tmp_path / "out", campaign_2019)
    res = data.results
    mine = res[(res["finess"] == DIALYSIS) & (res["annee"] == YEAR)].set_index("indicateur")
    assert mine.loc[["A01", "A04", "B03", "C01", "E01", "C04"], "valeur"].tolist() == pytest.approx(
        [1.0, 45.5, 83.8, 92.2, 74.3, 89.5])
    assert bool(mine.loc["B04", "nc"])
    # not typed in the grid: not reported (the data's own 2019 value is replaced)
    assert "A02" not in mine.index
    # locked Assurance Maladie value: kept from the data
    assert mine.loc["G01", "valeur"] == pytest.approx(47.3)
    mat = data.maturity
    steps = mat[(mat["finess"] == DIALYSIS) & (mat["annee"] == YEAR)].iloc[0, 2:].tolist()
    assert steps == [2, 4, 3, 3, 2, 3, 3]
    follow = result.follow_up.set_index("finess")
    assert follow.loc[DIALYSIS, "statut"] == "incomplete"
    # 46 codes − 8 locked = 38 values asked, plus the maturity; 7 values and the maturity typed
    assert follow.loc[DIALYSIS, "valeurs_manquantes"] == 38 + 1 - 8
    assert follow.loc[HAD, "statut"] == "manquante"


def test_each_fault_names_its_cell_and_the_bad_grid_keeps_the_data(tmp_path, sample, campaign_2019):
    folder = _grids(tmp_path, sample, campaign_2019, [DIALYSIS, BIG])
    bad = folder / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    good = folder / f"grille_{BIG}_{YEAR}.xlsx"
    fill(bad, {"A04": 120, "A01": "peut-être", "F01": "beaucoup", "A02": "oui"},
         [2, 4, 3, 3, 2, 3, 6])
    fill(good, {"A01": "non"}, None)
    cells = value_cells(bad)
    mat = openpyxl.load_workbook(bad)["Maturité"]
    mrow, mcols = header(mat, "Étape", "Cotation")
    step7 = mat.cell(row=mrow + 7, column=mcols["Cotation"]).coordinate
    result = collect(folder, campaign_2019, YEAR, SAMPLE, tmp_path / "out")
    assert not result.ok
    found = {(f.file, f.reference, f.indicator, f.value) for f in result.faults if f.severity == "erreur"}
    name = bad.name
    assert found == {
        (name, f"Indicateurs!{cells['A04']}", "A04", "120"),
        (name, f"Indicateurs!{cells['A01']}", "A01", "peut-être"),
        (name, f"Indicateurs!{cells['F01']}", "F01", "beaucoup"),
        (name, f"Maturité!{step7}", "A06", "6"),
    }
    a04 = next(f for f in result.faults if f.indicator == "A04")
    assert "entre 0 et 100" in a04.expected and f"Indicateurs!{cells['A04']}" in str(a04)
    follow = result.follow_up.set_index("finess")
    assert follow.loc[DIALYSIS, ["statut", "anomalies"]].tolist() == ["invalide", 4]
    assert follow.loc[BIG, "statut"] == "incomplete"
    assert follow.loc[HAD, "statut"] == "manquante"
    # the bad grid's establishment keeps the data's rows; the good one gets its grid's values
    src = pd.read_csv(SAMPLE / "resultats.csv", dtype=str, keep_default_na=False)
    out = pd.read_csv(tmp_path / "out" / "resultats.csv", dtype=str, keep_default_na=False)
    src, out = (df.sort_values(["finess", "annee", "indicateur"], ignore_index=True) for df in (src, out))
    assert src[src["finess"] == DIALYSIS].equals(out[out["finess"] == DIALYSIS])
    big = out[(out["finess"] == BIG) & (out["annee"] == "2019")].set_index("indicateur")["valeur"]
    assert big["A01"] == "non" and "A02" not in big.index and big["G01"] == src[
        (src["finess"] == BIG) & (src["annee"] == "2019") & (src["indicateur"] == "G01")]["valeur"].item()
    # the command: exit status 1, the follow-up table written, the data folder written
    suivi = tmp_path / "suivi.csv"
    run = CliRunner().invoke(app, ["collecte", str(folder), "--campaign", str(CAMPAIGN_2019), "--year",
                                   "2019", "--data", str(SAMPLE), "--out", str(tmp_path / "out2"),
                                   "--suivi", str(suivi)])
    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output and f"Indicateurs!{cells['A04']}" in run.output
    table = pd.read_csv(suivi, dtype=str)
    assert list(table.columns) == list(FOLLOW_UP_COLUMNS) and len(table) == 20
    assert (tmp_path / "out2" / "resultats.csv").is_file()


def test_grids_of_another_year_campaign_or_origin_are_refused(tmp_path, sample, campaign_2019):
    folder = _grids(tmp_path, sample, campaign_2019, [DIALYSIS, BIG])
    # a 2018 grid renamed as a 2019 one: the file name is not trusted
    other = tmp_path / "autre"
    write_grids(sample, campaign_2019, 2018, other, [HAD])
    shutil.copy(other / f"grille_{HAD}_2018.xlsx", folder / f"grille_{HAD}_2019.xlsx")
    # the same establishment returned twice
    (folder / "copie").mkdir()
    shutil.copy(folder / f"grille_{BIG}_{YEAR}.xlsx", folder / "copie" / "grille_bis.xlsx")
    # a workbook that is not one of ours
    book = openpyxl.Workbook()
    book.active["A1"] = "Code"
    book.save(folder / "tableau.xlsx")
    # a grid written with an edited campaign file (another fingerprint)
    edited = tmp_path / "caqes-2019-modifiee.yml"
    edited.write_text(CAMPAIGN_2019.read_text(encoding="utf-8") + "\n# modifiée\n", encoding="utf-8")
    write_grids(sample, load_campaign(edited), YEAR, tmp_path / "modif", [DIALYSIS])
    shutil.copy(tmp_path / "modif" / f"grille_{DIALYSIS}_{YEAR}.xlsx", folder / "dialyse.xlsx")
    result = collect(folder, campaign_2019, YEAR, SAMPLE, tmp_path / "out")
    by_file: dict[str, list[str]] = {}
    for f in result.faults:
        by_file.setdefault(f.file, []).append(f.expected)
    assert any("année" in e and "2019" in e for e in by_file[f"grille_{HAD}_{YEAR}.xlsx"])
    assert any("une seule grille" in e for e in by_file["copie/grille_bis.xlsx"])
    assert any("une seule grille" in e for e in by_file[f"grille_{BIG}_{YEAR}.xlsx"])
    assert any("caqes grille" in e for e in by_file["tableau.xlsx"])
    assert any("empreinte" in e for e in by_file["dialyse.xlsx"])
    follow = result.follow_up.set_index("finess")
    assert follow.loc[[HAD, BIG], "statut"].tolist() == ["invalide", "invalide"]
    assert not result.ok


def test_collect_never_writes_into_the_input(tmp_path, sample, campaign_2019):
    data = tmp_path / "donnees"
    shutil.copytree(SAMPLE, data)
    (tmp_path / "grilles").mkdir()
    with pytest.raises(CaqesError, match="distinct"):
        collect(tmp_path / "grilles", campaign_2019, YEAR, data, data)


def test_grille_command(tmp_path):
    run = CliRunner().invoke(app, ["grille", str(SAMPLE), "--campaign", str(CAMPAIGN_2019), "--year",
                                   "2019", "--out", str(tmp_path), "--finess", f"{DIALYSIS},{BIG}"])
    assert run.exit_code == 0, run.output
    # the command's lock file (.caqes.lock) and record of what it wrote (.caqes-ecrits.json) aside, only
    # the grids asked for
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in (".caqes.lock", ".caqes-ecrits.json")) == [
        f"grille_{DIALYSIS}_2019.xlsx", f"grille_{BIG}_2019.xlsx"]


def test_grid_resaved_by_libreoffice_is_collected(tmp_path, sample, campaign_2019):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) introuvable : installer le paquet Debian "
                    "libreoffice-calc-nogui pour ce test")
    folder = _grids(tmp_path, sample, campaign_2019, [DIALYSIS])
    path = folder / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    fill(path, {"A01": "oui", "A04": "45,5 %", "B03": 83.8, "F01": -1.5, "B04": "NC"},
         [2, 4, 3, 3, 2, 3, 3])
    resaved = tmp_path / "libreoffice"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "xlsx", "--outdir", str(resaved), str(path)],
                   check=True, capture_output=True, timeout=240)
    assert (resaved / path.name).is_file()
    result = collect(resaved, campaign_2019, YEAR, SAMPLE, tmp_path / "out")
    assert result.ok, [str(f) for f in result.faults]
    res = load_dataset(tmp_path / "out", campaign_2019).results
    mine = res[(res["finess"] == DIALYSIS) & (res["annee"] == YEAR)].set_index("indicateur")
    assert mine.loc[["A01", "A04", "B03", "F01"], "valeur"].tolist() == pytest.approx([1, 45.5, 83.8, -1.5])
    assert bool(mine.loc["B04", "nc"])
    assert result.follow_up.set_index("finess").loc[DIALYSIS, "valeurs_manquantes"] == 38 + 1 - 6


def test_grid_gives_the_deadline_and_the_ars_contact(tmp_path, sample):
    path = tmp_path / "campagne.yml"
    path.write_text(CAMPAIGN_2019.read_text(encoding="utf-8")
                    + '\ndate_limite_grille: 2020-03-31\ncontact_ars: "ars-caqes@exemple.fr"\n',
                    encoding="utf-8")
    campaign = load_campaign(path)
    folder = _grids(tmp_path, sample, campaign, [HAD])
    sheet = openpyxl.load_workbook(folder / f"grille_{HAD}_{YEAR}.xlsx")["Établissement"]
    pairs = {r[0]: r[1] for r in sheet.iter_rows(min_row=3, max_col=2, values_only=True) if r[0]}
    assert pairs["Date limite de retour"] == "31 mars 2020"
    assert pairs["Contact à l'ARS"] == "ars-caqes@exemple.fr"
    assert pairs["FINESS"] == HAD and pairs["Année évaluée"] == "2019"


def test_follow_up_workbook_stores_names_as_text(tmp_path):
    from caqes_toolkit.documents.collect import write_follow_up

    table = pd.DataFrame([("090255480", "=1+2", "invalide", "", 3, "grille.xlsx"),
                          ("2A5477391", "CH", "recue", 0, 0, "g.xlsx")], columns=list(FOLLOW_UP_COLUMNS))
    write_follow_up(table, tmp_path / "suivi.xlsx")
    with zipfile.ZipFile(tmp_path / "suivi.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    sheet = openpyxl.load_workbook(tmp_path / "suivi.xlsx").active
    assert [c.value for c in sheet[1]] == ["FINESS", "Raison sociale", "Grille", "Valeurs manquantes", "Anomalies",
                                           "Fichier"]  # for people: French headers and statuses
    assert [sheet["C2"].value, sheet["C3"].value] == ["invalide", "reçue"]
    assert sheet["B2"].value == "=1+2" and sheet["B2"].data_type == "s" and sheet["E2"].value == 3
    with pytest.raises(CaqesError, match="extension"):
        write_follow_up(table, tmp_path / "suivi.ods")


def test_grid_asks_the_objectives_of_the_volets_in_force(tmp_path, sample, campaign_2019):
    """2A5477391 has transports and qualité contracts in force in 2019 (none for pertinence):
    its grid asks their scored objectives (not the expense lines nor the mesures); collected,
    a volet objective replaces the data's value like any indicator."""
    folder = _grids(tmp_path, sample, campaign_2019, [BIG, DIALYSIS])
    rows = _rows(openpyxl.load_workbook(folder / f"grille_{BIG}_{YEAR}.xlsx")["Indicateurs"])
    assert {"T01", "T02", "Q01", "Q02"} <= set(rows)
    assert not {"TR1", "T03", "PE1", "PE2"} & set(rows)  # expense, mesure, volet not contracted
    plain = _rows(openpyxl.load_workbook(folder / f"grille_{DIALYSIS}_{YEAR}.xlsx")["Indicateurs"])
    assert not set(plain) & set(campaign_2019.volet_indicators)
    fill_from_data(folder, SAMPLE, YEAR)
    fill(folder / f"grille_{BIG}_{YEAR}.xlsx", {"T01": "non"})  # the data say « oui »
    result = collect(folder, campaign_2019, YEAR, SAMPLE, tmp_path / "donnees2")
    assert result.ok
    res = load_dataset(tmp_path / "donnees2", campaign_2019).results
    got = res[(res["finess"] == BIG) & (res["annee"] == YEAR) & (res["indicateur"] == "T01")]
    assert got["brut"].tolist() == ["non"]
