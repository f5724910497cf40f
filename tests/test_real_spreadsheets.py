"""Spreadsheets as analysts really write them: headers, sheet and file names typed by hand,
a title line, a year in a date cell, a total row, LibreOffice's own format (.ods)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.names import name_key
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import DataError
from caqes_toolkit.rules.campaign import load_campaign

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = load_campaign(ROOT / "params" / "caqes-2018.yml")
APHP, APHM, AIN = "750712184", "130786049", "010000016"  # valid Luhn keys
# headers as an analyst types them
TYPED_EST = ["FINESS", "Raison sociale", "Région", "Activités", "Liste en sus", "Produits AM (€)"]
TYPED_RES = ["Finess", "Année", "Indicateur", "Valeur"]


def faults(source: Path) -> list[tuple]:
    return [(f.source, f.line, f.column, f.value, f.severity) for f in validate(source, CAMPAIGN)]


def write_csv(folder: Path, name: str, rows: list[list[object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(";".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    return path


def region_rows() -> tuple[list[list[object]], list[list[object]]]:
    est = [TYPED_EST, [APHP, "AP-HP", "Île-de-France", "MCO", "oui", "1 000 000"],
           [APHM, "AP-HM", "PACA", "MCO", "non", ""]]
    res = [TYPED_RES, [APHP, 2018, "A01", "oui"], [APHM, 2018, "G01", "45,5"]]
    return est, res


def book(path: Path, sheets: dict[str, list[list[object]]], edit=None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if edit:
        edit(wb)
    wb.save(path)
    return path


# --- 1. names as typed -----------------------------------------------------------------------


@pytest.mark.parametrize("typed, key", [("Année", "annee"), ("Raison sociale", "raisonsociale"),
                                        ("Produits AM (€)", "produitsam"), (" liste-en_sus ", "listeensus"),
                                        ("Établissements", "etablissements"), ("ÉTAPE 1", "etape1")])
def test_name_key_ignores_case_accents_separators_and_unit(typed: str, key: str) -> None:
    assert name_key(typed) == key


def test_csv_folder_with_typed_headers_and_file_names_is_read_with_one_warning_each(tmp_path: Path) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "Établissements.csv", est)
    write_csv(tmp_path, "Résultats.csv", res)

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == [APHP, APHM]
    assert ds.establishments["raison_sociale"].tolist() == ["AP-HP", "AP-HM"]
    assert ds.establishments["liste_en_sus"].tolist() == [True, False]
    assert ds.establishments["produits_am"].iloc[0] == 1_000_000
    assert ds.results["annee"].tolist() == [2018, 2018]
    got = [(w.source, w.line, w.column, w.value, w.code) for w in ds.warnings]
    # "FINESS" and "Finess", "Indicateur", "Valeur" differ only by case: no warning
    assert got == [
        ("etablissements.csv", None, None, "Établissements.csv", "renamed-table"),
        ("etablissements.csv", 1, "raison_sociale", "raison sociale", "renamed-column"),
        ("etablissements.csv", 1, "region", "région", "renamed-column"),
        ("etablissements.csv", 1, "activites", "activités", "renamed-column"),
        ("etablissements.csv", 1, "liste_en_sus", "liste en sus", "renamed-column"),
        ("etablissements.csv", 1, "produits_am", "produits am (€)", "renamed-column"),
        ("resultats.csv", None, None, "Résultats.csv", "renamed-table"),
        ("resultats.csv", 1, "annee", "année", "renamed-column"),
    ]
    assert all(w.severity == "avertissement" for w in ds.warnings)


def test_xlsx_with_typed_sheet_names_and_headers_is_read(tmp_path: Path) -> None:
    est, res = region_rows()
    path = book(tmp_path / "region.xlsx", {"Établissements": est, "Résultats": res, "Notes": [["x"]]})

    ds = load_dataset(path, CAMPAIGN)

    assert ds.results["finess"].tolist() == [APHP, APHM]
    assert ds.results["valeur"].tolist() == [1.0, 45.5]
    sheets = [(w.source, w.value) for w in ds.warnings if w.code == "renamed-table"]
    assert sheets == [("region.xlsx › etablissements", "Établissements"), ("region.xlsx › resultats", "Résultats")]


def test_two_names_reading_as_one_table_or_column_are_errors_naming_both(tmp_path: Path) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    write_csv(tmp_path, "resultats.csv", res)
    write_csv(tmp_path, "Résultats.csv", res)
    (tmp_path / "etablissements.csv").write_text(
        "finess;raison_sociale;Raison sociale;region;activites;liste_en_sus\n"
        f"{APHP};AP-HP;AP-HP;IDF;MCO;oui\n", encoding="utf-8")

    got = validate(tmp_path, CAMPAIGN)

    errors = [(f.source, f.line, f.column, f.code) for f in got if f.severity == "erreur"]
    assert errors == [("etablissements.csv", 1, "raison_sociale", "duplicate-column"),
                      ("resultats.csv", None, None, "ambiguous-table")]
    assert "« raison_sociale » et « raison sociale »" in got[0].expected
    assert "« Résultats.csv » et « resultats.csv »" in got[-1].expected


def test_unmatched_names_are_listed_with_a_suggestion(tmp_path: Path) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    write_csv(tmp_path, "v1-resultats.csv", res)
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")

    got = validate(tmp_path, CAMPAIGN)

    assert [(f.source, f.line, f.severity, f.code) for f in got if f.severity == "erreur"] == [
        ("resultats.csv", None, "erreur", "missing-table")]
    missing = next(f for f in got if f.severity == "erreur")
    assert "fichiers trouvés : « notes.txt », « v1-resultats.csv »" in missing.expected
    assert "vouliez-vous dire « v1-resultats.csv » ?" in missing.expected


def test_misspelt_header_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    res[0] = ["finess", "anee", "indicateur", "valeur"]
    write_csv(tmp_path, "resultats.csv", res)

    got = [f for f in validate(tmp_path, CAMPAIGN) if f.source == "resultats.csv"]

    assert [(f.line, f.column, f.severity, f.code) for f in got] == [
        (None, "annee", "erreur", "missing-column"), (1, "anee", "avertissement", "extra-column")]
    assert "colonnes trouvées : « anee »" in got[0].expected
    assert "vouliez-vous dire « anee » ?" in got[0].expected
    assert "vouliez-vous dire « annee » ?" in got[1].expected


# --- 2. a title line above the header -----------------------------------------------------------


@pytest.mark.parametrize("title_row", [["Résultats CAQES 2019 — ARS X", "", "", ""], ["Résultats CAQES 2019 — ARS X"]])
def test_title_line_above_the_header_is_one_fault(tmp_path: Path, title_row: list[str]) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    rows = [title_row, *res, *([[APHP, 2018, f"A0{i}", "oui"] for i in range(2, 9)])]
    write_csv(tmp_path, "resultats.csv", rows)

    got = [f for f in validate(tmp_path, CAMPAIGN) if f.source == "resultats.csv"]

    assert [(f.line, f.column, f.value, f.severity, f.code) for f in got] == [
        (1, None, "résultats caqes 2019 — ars x", "erreur", "title-row")]
    assert "il est en ligne 2" in got[0].expected


@pytest.mark.parametrize("above", [[[""]], [["", "", "", ""], [";;"]]], ids=["une", "deux"])
def test_blank_lines_above_the_header_are_named(tmp_path: Path, above: list[list[str]]) -> None:
    """Blank lines above the header: the header is said to be lower down, not the file empty."""
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    write_csv(tmp_path, "resultats.csv", [*above, *res])

    got = [f for f in validate(tmp_path, CAMPAIGN) if f.source == "resultats.csv"]

    assert [(f.line, f.value, f.severity, f.code) for f in got] == [(1, None, "erreur", "title-row")]
    assert f"il est en ligne {len(above) + 1}" in got[0].expected


def test_title_line_in_a_workbook_is_one_fault(tmp_path: Path) -> None:
    est, res = region_rows()
    path = book(tmp_path / "r.xlsx", {"etablissements": est, "resultats": [["Résultats CAQES 2019"], [], *res]})

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.severity, f.code) for f in got if f.severity == "erreur"] == [
        ("r.xlsx › resultats", 1, "erreur", "title-row")]
    assert "il est en ligne 3" in got[-1].expected and "supprimer les lignes 1 à 2" in got[-1].expected


# --- 3. a year in a date cell, a total row -------------------------------------------------------


def test_year_typed_as_a_date_cell_is_read_as_its_year(tmp_path: Path) -> None:
    est, res = region_rows()

    def dates(wb) -> None:
        sheet = wb["resultats"]
        sheet["B2"] = dt.datetime(2018, 1, 1)       # shown 01/01/2018
        sheet["B3"] = dt.datetime(1905, 7, 10)      # 2018 typed in a date cell: serial 2018
        sheet.append([APHM, dt.datetime(2018, 1, 1), "A01", "non"])
        sheet.append([APHM, dt.datetime(2018, 3, 15), "A02", "non"])

    path = book(tmp_path / "r.xlsx", {"etablissements": est, "resultats": res}, edit=dates)

    got = [f for f in validate(path, CAMPAIGN) if f.line != 1]  # not the headers' warnings

    assert [(f.line, f.column, f.value, f.severity, f.code) for f in got] == [
        (2, "annee", "2018-01-01T00:00:00", "avertissement", "year-as-date"),
        (3, "annee", "1905-07-10T00:00:00", "avertissement", "year-as-date"),
        (5, "annee", "2018-03-15T00:00:00", "erreur", "type-error")]
    assert "lue comme l'année 2018" in got[0].expected and "lue comme l'année 2018" in got[1].expected
    path = book(tmp_path / "ok.xlsx", {"etablissements": est, "resultats": res}, edit=lambda wb: dates(wb) or
                wb["resultats"].delete_rows(5))
    ds = load_dataset(path, CAMPAIGN)
    assert ds.results["annee"].tolist() == [2018, 2018, 2018]


@pytest.mark.parametrize("total", [["TOTAL", "", "", "12"], ["", "", "", "1 234,5"], ["Total général"]])
def test_trailing_total_row_is_one_fault(tmp_path: Path, total: list[str]) -> None:
    est, res = region_rows()
    write_csv(tmp_path, "etablissements.csv", est)
    write_csv(tmp_path, "resultats.csv", [*res, total + [""] * (4 - len(total))])

    got = [f for f in validate(tmp_path, CAMPAIGN) if f.severity == "erreur"]

    assert [(f.source, f.line, f.column, f.code) for f in got] == [("resultats.csv", 4, None, "total-row")]


def test_an_establishment_named_total_is_not_a_total_row(tmp_path: Path) -> None:
    est, res = region_rows()
    est.append([AIN, "Total Santé", "ARA", "MCO", "non", ""])
    write_csv(tmp_path, "etablissements.csv", est)
    write_csv(tmp_path, "resultats.csv", res)

    assert [f for f in validate(tmp_path, CAMPAIGN) if f.severity == "erreur"] == []


# --- 4. .ods, LibreOffice's own format ------------------------------------------------------------


def _ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An .ods written with odfpy: str as text, numbers as floats, ("%", x) as a percentage,
    dates as dates, a bool as a boolean."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for title, rows in sheets.items():
        table = Table(name=title)
        for row in rows:
            tr = TableRow()
            for value in row:
                if isinstance(value, tuple):
                    cell = TableCell(valuetype="percentage", value=value[1])
                elif isinstance(value, bool):
                    cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                else:
                    cell = TableCell(valuetype="string") if value else TableCell()
                if value not in ("", None):
                    cell.addElement(P(text=str(value[1] if isinstance(value, tuple) else value)))
                tr.addElement(cell)
            table.addElement(tr)
        # LibreOffice ends a sheet with a million empty repeated rows: never expanded
        table.addElement(TableRow(numberrowsrepeated=1048000))
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def test_ods_written_by_odfpy_is_read_like_xlsx(tmp_path: Path) -> None:
    path = _ods(tmp_path / "region.ods", {
        "Établissements": [TYPED_EST, [int(AIN), "CH de Bourg", "ARA", "MCO", True, 1500000.5],
                           [APHP, "AP-HP", "IDF", "MCO;SSR", "non", None]],
        "resultats": [["finess", "annee", "indicateur", "valeur"], [int(AIN), 2018, "G01", ("%", 0.455)],
                      [], [APHP, dt.date(2018, 1, 1), "A04", 12.25]]})

    ds = load_dataset(path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == [AIN, APHP]
    assert ds.establishments["produits_am"].iloc[0] == 1500000.5
    assert ds.establishments["liste_en_sus"].tolist() == [True, False]
    assert ds.results["valeur"].tolist() == [pytest.approx(45.5), 12.25]
    assert ds.results["annee"].tolist() == [2018, 2018]
    got = [(w.source, w.line, w.column, w.value) for w in ds.warnings]
    assert ("region.ods › etablissements", 2, "finess", "10000016") in got
    assert ("region.ods › resultats", 4, "annee", "2018-01-01T00:00:00") in got  # blank line 3 counted
    assert [s.name for s in ds.sources] == ["region.ods"]


def test_ods_faults_name_sheet_and_line(tmp_path: Path) -> None:
    est, res = region_rows()
    path = _ods(tmp_path / "r.ods", {"etablissements": est, "resultats": [*res, [APHP, 2018, "A04", 130]]})

    with pytest.raises(DataError) as caught:
        load_dataset(path, CAMPAIGN)

    errors = [f for f in caught.value.faults if f.severity == "erreur"]
    assert [(f.source, f.line, f.column, f.value, f.code) for f in errors] == [
        ("r.ods › resultats", 4, "valeur", "130", "out-of-range")]


def test_damaged_or_oversized_ods_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    est, res = region_rows()
    path = _ods(tmp_path / "r.ods", {"etablissements": est, "resultats": res})
    assert [f for f in validate(path, CAMPAIGN) if f.severity == "erreur"] == []
    monkeypatch.setenv("CAQES_MAX_CLASSEUR_MO", "0,0001")
    got = validate(path, CAMPAIGN)
    assert [(f.source, f.line, f.code) for f in got] == [("r.ods", None, "oversized-workbook")]
    monkeypatch.delenv("CAQES_MAX_CLASSEUR_MO")
    broken = tmp_path / "broken.ods"
    broken.write_bytes(path.read_bytes()[:300])
    got = validate(broken, CAMPAIGN)
    assert [(f.source, f.severity, f.code) for f in got] == [("broken.ods", "erreur", "corrupt-workbook")]


def test_libreoffice_converted_workbook_reads_like_the_xlsx(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) absent: conversion xlsx → ods non testée")
    est, res = region_rows()
    est.append([int(AIN), "CH de Bourg", "ARA", "MCO", "non", 12.5])  # a FINESS typed as a number

    def percent(wb) -> None:
        wb["Résultats"].append([APHP, 2018, "C01", 0.98])
        wb["Résultats"]["D4"].number_format = "0.0%"

    xlsx = book(tmp_path / "region.xlsx", {"Établissements": est, "Résultats": res}, edit=percent)
    profile = tmp_path / "profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "ods",
                           "--outdir", str(tmp_path / "ods"), str(xlsx)], capture_output=True, text=True, timeout=180)
    ods = tmp_path / "ods" / "region.ods"
    assert proc.returncode == 0 and ods.exists(), proc.stderr

    from_xlsx, from_ods = load_dataset(xlsx, CAMPAIGN), load_dataset(ods, CAMPAIGN)

    assert from_ods.establishments.equals(from_xlsx.establishments)
    assert from_ods.results.drop(columns="brut").equals(from_xlsx.results.drop(columns="brut"))
    assert from_ods.results["valeur"].tolist() == [1.0, 45.5, pytest.approx(98)]
    assert from_ods.establishments["finess"].tolist() == [APHP, APHM, AIN]
    assert [(w.line, w.column) for w in from_ods.warnings] == [(w.line, w.column) for w in from_xlsx.warnings]


def test_ods_merged_range_and_damaged_content_are_faults(tmp_path: Path) -> None:
    import zipfile

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    est, res = region_rows()
    path = _ods(tmp_path / "r.ods", {"etablissements": est, "resultats": res})
    doc = OpenDocumentSpreadsheet()
    for title, rows in (("etablissements", est), ("resultats", res)):
        table = Table(name=title)
        for i, row in enumerate(rows):
            tr = TableRow()
            for j, value in enumerate(row):
                if title == "resultats" and i == 2 and j == 0:  # A3:A4 merged
                    cell = TableCell(valuetype="string", numberrowsspanned=2)
                elif title == "resultats" and i == 3 and j == 0:
                    tr.addElement(CoveredTableCell())
                    continue
                else:
                    cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    merged = tmp_path / "fusion.ods"
    doc.save(str(merged))

    got = [f for f in validate(merged, CAMPAIGN) if f.code == "merged-cells"]

    assert [(f.source, f.line, f.value) for f in got] == [("fusion.ods › resultats", 3, "resultats!A3:A4")]
    damaged = tmp_path / "abime.ods"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(damaged, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, data[: len(data) // 2] if info.filename == "content.xml" else data)
    got = validate(damaged, CAMPAIGN)
    assert [(f.source, f.severity, f.code) for f in got] == [("abime.ods", "erreur", "corrupt-workbook")]


def test_ods_repeat_bomb_is_refused_naming_the_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    import caqes_toolkit.data.workbook as read

    est, res = region_rows()
    path = _ods(tmp_path / "r.ods", {"etablissements": est, "resultats": res})
    doc = OpenDocumentSpreadsheet()
    for title, rows in (("etablissements", est), ("resultats", res)):
        table = Table(name=title)
        for row in rows:
            tr = TableRow(numberrowsrepeated=1_000_000) if title == "resultats" and row is res[1] else TableRow()
            for value in row:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    bomb = tmp_path / "bombe.ods"
    doc.save(str(bomb))
    assert bomb.stat().st_size < path.stat().st_size * 2  # a million rows declared in a few bytes
    monkeypatch.setattr(read, "_MAX_CELLS", 1000)

    got = validate(bomb, CAMPAIGN)

    assert [(f.source, f.severity, f.code) for f in got if f.severity == "erreur"] == [
        ("bombe.ods › resultats", "erreur", "corrupt-sheet")]
    assert "répétées à l'excès" in got[-1].expected  # the cause is said


def test_workbook_sheets_ambiguous_or_unmatched(tmp_path: Path) -> None:
    est, res = region_rows()
    both = book(tmp_path / "deux.xlsx", {"Établissements": est, "Résultats": res, "resultats": res})
    odd = book(tmp_path / "autre.xlsx", {"etablissements": est, "Resultat 2019": res, "Feuil1": [["x"]]})

    got = [f for f in validate(both, CAMPAIGN) if f.severity == "erreur"]
    assert [(f.source, f.line, f.code) for f in got] == [("deux.xlsx › resultats", None, "ambiguous-table")]
    assert "« Résultats » et « resultats »" in got[0].expected
    got = [f for f in validate(odd, CAMPAIGN) if f.severity == "erreur"]
    assert [(f.source, f.line, f.code) for f in got] == [("autre.xlsx › resultats", None, "missing-table")]
    assert "feuilles trouvées : « Resultat 2019 », « Feuil1 » ; vouliez-vous dire « Resultat 2019 » ?" in got[0].expected
