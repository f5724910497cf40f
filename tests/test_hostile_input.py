"""Hostile and broken input, one test per class of fault: each is refused with a fault that
names file (or sheet), line (or cell) and column, never read silently wrong, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import CaqesError, DataError, Fault, FaultCode, summarise
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import plain_spaces

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN_PATH = ROOT / "params" / "caqes-2018.yml"
CAMPAIGN = load_campaign(CAMPAIGN_PATH)
APHP, APHM = "750712184", "130786049"  # valid Luhn keys
ESTABLISHMENTS = ["finess", "raison_sociale", "region", "activites", "liste_en_sus"]
RESULTS = ["finess", "annee", "indicateur", "valeur"]
runner = CliRunner()


def faults(source: Path) -> list[tuple]:
    return [(f.source, f.line, f.column, f.value, f.severity, f.code) for f in validate(source, CAMPAIGN)]


def csv_region(folder: Path, establishments: list[str] | None = None,
               results: list[str] | None = None) -> Path:
    """A valid two-establishment region (semicolons, UTF-8), rows replaced when given."""
    folder.mkdir(parents=True, exist_ok=True)
    est = establishments or [f"{APHP};AP-HP;Île-de-France;MCO;oui", f"{APHM};AP-HM;PACA;MCO;non"]
    res = results or [f"{APHP};2018;A01;oui", f"{APHP};2018;G01;45,5"]
    (folder / "etablissements.csv").write_text(
        "\n".join([";".join(ESTABLISHMENTS), *est]) + "\n", encoding="utf-8")
    (folder / "resultats.csv").write_text("\n".join([";".join(RESULTS), *res]) + "\n",
                                          encoding="utf-8")
    return folder


def workbook(path: Path, results: list[list[object]], edit: Callable | None = None) -> Path:
    """A workbook with a valid etablissements sheet and the given resultats rows."""
    book = openpyxl.Workbook()
    book.active.title = "etablissements"
    for row in [ESTABLISHMENTS, [APHP, "AP-HP", "IDF", "MCO", "oui"]]:
        book.active.append(row)
    sheet = book.create_sheet("resultats")
    for row in [RESULTS, *results]:
        sheet.append(row)
    if edit:
        edit(book, sheet)
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a zip (the others copied as they are)."""
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in members:
            new.writestr(info.filename, change(data) if info.filename == member else data)


RESULTS_XML = "xl/worksheets/sheet2.xml"  # the second sheet openpyxl writes


# --- 1. strict decoding ----------------------------------------------------------------------


def test_stray_windows_1252_byte_in_utf8_file_is_an_error_at_its_line_and_column(tmp_path: Path) -> None:
    csv_region(tmp_path)
    (tmp_path / "etablissements.csv").write_bytes(
        "finess;raison_sociale;region;activites;liste_en_sus\n"
        f"{APHP};Hôpital;Région fictive;MCO;oui\n".encode()
        + f"{APHM};H".encode() + b"\xe9pital;R\xe9gion fictive;MCO;non\n")

    got = validate(tmp_path, CAMPAIGN)

    assert [(f.source, f.line, f.column, f.severity, f.code) for f in got] == [
        ("etablissements.csv", 3, None, "erreur", "encoding-error")]
    # "130786049;H" is 11 characters: the byte is in column 12 (the second 0xE9 of the line
    # is not reported again: one fault per line)
    assert "octet 0xE9 illisible en colonne 12" in got[0].expected
    assert "CSV UTF-8" in got[0].expected
    with pytest.raises(DataError):
        load_dataset(tmp_path, CAMPAIGN)


def test_every_mixed_line_is_reported_and_a_genuine_windows_1252_file_is_read(tmp_path: Path) -> None:
    mixed, genuine = tmp_path / "mixte", tmp_path / "ansi"
    csv_region(mixed, results=[f"{APHP};2018;A01;oui"])
    (mixed / "resultats.csv").write_bytes(
        b"finess;annee;indicateur;valeur\n"
        + f"{APHP};2018;G01;45,5 € é\n".encode()            # line 2: valid UTF-8
        + f"{APHP};2018;A01;oui €\n".encode("cp1252")       # line 3: « € » is 0x80 in cp1252
        + f"{APHP};2018;A02;oui\r\n{APHP};2018;A03;œ\r\n".encode("cp1252"))  # line 5: 0x9C
    csv_region(genuine)
    (genuine / "etablissements.csv").write_bytes(
        f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};Hôpital;Région;MCO;oui\n"
        .encode("cp1252"))

    got = validate(mixed, CAMPAIGN)

    assert [(f.line, f.column, f.code) for f in got] == [(3, None, "encoding-error"), (5, None, "encoding-error")]
    assert "0x80 illisible en colonne 24" in got[0].expected  # after "750712184;2018;A01;oui "
    assert "0x9C illisible en colonne 20" in got[1].expected  # after "750712184;2018;A03;"
    ds = load_dataset(genuine, CAMPAIGN)
    assert ds.establishments["raison_sociale"].tolist() == ["Hôpital"]
    assert ds.establishments["region"].tolist() == ["Région"]


# --- 2. CR-only line endings -------------------------------------------------------------------


def test_cr_only_line_endings_are_read_line_by_line(tmp_path: Path) -> None:
    csv_region(tmp_path)
    for name in ("etablissements.csv", "resultats.csv"):
        path = tmp_path / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == [APHP, APHM]
    assert ds.establishments["region"].tolist() == ["Île-de-France", "PACA"]
    assert ds.results["valeur"].tolist() == [1.0, 45.5]
    (tmp_path / "resultats.csv").write_bytes(
        f"finess;annee;indicateur;valeur\r{APHP};2018;A01;oui\r{APHP};2018;G01;beaucoup\r".encode())
    assert faults(tmp_path) == [("resultats.csv", 3, "valeur", "beaucoup", "erreur", "type-error")]


# --- 3. ambiguous tables -----------------------------------------------------------------------


def test_two_files_reading_as_one_table_are_refused_naming_both(tmp_path: Path) -> None:
    csv_region(tmp_path)
    (tmp_path / "RESULTATS.csv").write_text(f"finess;annee;indicateur;valeur\n{APHP};2018;A01;non\n",
                                            encoding="utf-8")
    if len({p.name.lower() for p in tmp_path.iterdir()}) == len(list(tmp_path.iterdir())):
        pytest.skip("case-insensitive file system: the two names are one file")

    got = validate(tmp_path, CAMPAIGN)

    assert [(f.source, f.line, f.column, f.severity, f.code) for f in got] == [
        ("resultats.csv", None, None, "erreur", "ambiguous-table")]
    assert "« RESULTATS.csv » et « resultats.csv »" in got[0].expected  # both are named


def test_two_sheets_reading_as_one_table_are_refused_naming_both(tmp_path: Path) -> None:
    def second_sheet(book, _sheet) -> None:
        book.create_sheet("Resultats ").append(RESULTS)

    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]], edit=second_sheet)

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.severity, f.code) for f in got] == [
        ("classeur.xlsx › resultats", None, "erreur", "ambiguous-table")]
    assert "« resultats » et « Resultats  »" in got[0].expected


# --- 4. workbook cells that cannot be trusted ------------------------------------------------------


def test_formula_without_cached_value_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [
        [APHP, 2018, "A01", "oui"], [APHP, 2018, "G01", "=40+5.5"],
        [APHP, 2018, "C01", 50, "=1/0"]])  # column E is outside the table: ignored

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.column, f.value, f.severity, f.code) for f in got] == [
        ("classeur.xlsx › resultats", 3, "valeur", "=40+5.5", "erreur", "formula-without-value")]
    assert "resultats!D3" in got[0].expected  # the cell is named


def test_cached_formula_is_read_as_its_value(tmp_path: Path) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "G01", "=40+5.5"],
                                                 [APHP, 2018, "C01", '=""']])
    # what a spreadsheet saves: the last value computed, and "" cached as text
    rewrite_member(path, RESULTS_XML, lambda xml: xml
                   .replace(b"<f>40+5.5</f><v />", b"<f>40+5.5</f><v>45.5</v>")
                   .replace(b'<c r="D3"><f>""</f><v />', b'<c r="D3" t="str"><f>""</f><v></v>'))

    ds = load_dataset(path, CAMPAIGN)

    assert ds.results["valeur"].tolist()[0] == 45.5
    assert ds.results["brut"].tolist() == ["45.5", ""]


def test_merged_cells_in_a_table_are_an_error_naming_the_range(tmp_path: Path) -> None:
    path = workbook(tmp_path / "classeur.xlsx",
                    [[APHP, 2018, "A01", "oui"], [APHP, 2018, "A02", "oui"], [None, None, "A03", "non"]],
                    edit=lambda _book, sheet: (sheet.merge_cells("A3:B4"), sheet.merge_cells("F1:G2")))

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.column, f.value) for f in got
            if f.code == "merged-cells"] == [("classeur.xlsx › resultats", 3, None, "resultats!A3:B4")]
    assert all(f.severity == "erreur" for f in got)


# --- 5. damaged workbooks ----------------------------------------------------------------------


def test_damaged_sheet_is_a_fault_naming_the_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]])
    rewrite_member(path, RESULTS_XML, lambda xml: xml[: len(xml) // 2] + b"<<>")

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.severity, f.code) for f in got] == [
        ("classeur.xlsx › resultats", None, "erreur", "corrupt-sheet")]
    result = runner.invoke(app, ["validate", str(path), "--campaign", str(CAMPAIGN_PATH)])
    assert result.exit_code == 1 and "Traceback" not in result.output


@pytest.mark.parametrize("damage", ["truncated", "bad_crc"])
def test_damaged_zip_is_a_fault_naming_the_file(tmp_path: Path, damage: str) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]])
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # one byte of the compressed etablissements sheet flipped: the zip directory is intact
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/worksheets/sheet1.xml")
        data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF
    path.write_bytes(bytes(data))

    got = validate(path, CAMPAIGN)

    assert got and all(f.severity == "erreur" and f.source.startswith("classeur.xlsx") for f in got)
    assert {f.code for f in got} <= {"corrupt-workbook", "corrupt-sheet"}
    assert all(f.line is None for f in got)


# --- 6. zip bombs and oversized workbooks ----------------------------------------------------------

_BOMB_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.data.validation import validate
got = validate(sys.argv[1], load_campaign(sys.argv[2]))
print(json.dumps([[f.source, f.expected, f.code] for f in got]))
"""


def test_zip_bomb_is_refused_in_seconds_under_a_memory_limit(tmp_path: Path) -> None:
    path = workbook(tmp_path / "bombe.xlsx", [[APHP, 2018, "A01", "oui"]])
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    row = b"<row>" + b'<c t="inlineStr"><is><t>0</t></is></c>' * 25 + b"</row>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info, data in members:
            if info.filename != RESULTS_XML:
                new.writestr(info.filename, data)
        with new.open(RESULTS_XML, "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b"<sheetData>")
            block = row * (2**20 // len(row))
            for _ in range(1100):  # 1.1 GB of XML
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    assert path.stat().st_size < 6 * 10**6

    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _BOMB_CHILD, str(path), str(CAMPAIGN_PATH)],
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
    elapsed = time.perf_counter() - start

    assert child.returncode == 0, child.stderr[-2000:]
    got = json.loads(child.stdout)
    assert [(source, code) for source, _, code in got] == [("bombe.xlsx", "oversized-workbook")]
    assert "CAQES_MAX_CLASSEUR_MO" in got[0][1]  # how to raise the limit
    assert elapsed < 30


def test_over_compressed_member_under_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]])
    rewrite_member(path, RESULTS_XML, lambda xml: xml.replace(
        b"<sheetData>", b"<sheetData>" + b"<!-- " + b" " * 20 * 2**20 + b" -->"))  # 20 MB of blanks

    got = validate(path, CAMPAIGN)

    assert [(f.source, f.line, f.code) for f in got] == [("classeur.xlsx", None, "compression-bomb")]
    assert RESULTS_XML in got[0].expected  # the member is named


def test_workbook_size_cap_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]])
    with zipfile.ZipFile(path) as archive:
        size = sum(info.file_size for info in archive.infolist())
    assert validate(path, CAMPAIGN) == []

    monkeypatch.setenv("CAQES_MAX_CLASSEUR_MO", f"{(size - 1) / 10**6}".replace(".", ","))
    got = validate(path, CAMPAIGN)
    assert [(f.source, f.line, f.code) for f in got] == [("classeur.xlsx", None, "oversized-workbook")]
    monkeypatch.setenv("CAQES_MAX_CLASSEUR_MO", f"{(size + 1) / 10**6}")
    assert validate(path, CAMPAIGN) == []
    monkeypatch.setenv("CAQES_MAX_CLASSEUR_MO", "beaucoup")
    with pytest.raises(CaqesError, match="CAQES_MAX_CLASSEUR_MO"):
        validate(path, CAMPAIGN)


# --- 7. control characters ---------------------------------------------------------------------


def test_control_characters_are_errors_in_any_text_cell(tmp_path: Path) -> None:
    csv_region(tmp_path, establishments=[f"{APHP};AP-HP\x1b[31m rouge;Île-de-France;MCO;oui",
                                         f"{APHM};AP-HM;PA\x85CA;MCO;non",
                                         "690781810;HCL\tsiège;ARA;MCO;non"],  # tab is allowed
               results=[f"{APHP};2018;A01;oui", f"{APHP};2018;A\x7f02;oui"])
    (tmp_path / "ajustements.csv").write_text(
        f"finess;annee;indicateur;valeur;motif\n{APHP};2018;A01;non;preuve\x00 absente\n",
        encoding="utf-8")

    got = validate(tmp_path, CAMPAIGN)

    controls = [(f.source, f.line, f.column, f.value, f.severity) for f in got
                if f.code == "control-character"]
    assert controls == [
        ("etablissements.csv", 2, "raison_sociale", "AP-HP\x1b[31m rouge", "erreur"),
        ("etablissements.csv", 3, "region", "PA\x85CA", "erreur"),
        ("resultats.csv", 3, "indicateur", "A\x7f02", "erreur"),
        ("ajustements.csv", 2, "motif", "preuve\x00 absente", "erreur")]
    assert [f.code for f in got if f.code != "control-character"] == ["unknown-indicator"]  # A\x7f02


def test_control_characters_at_either_end_of_a_cell_are_reported_not_stripped(tmp_path: Path) -> None:
    """U+000B, U+000C and U+0085 are spaces to ``strip``: at either end of a cell they are
    reported all the same, with the cell as the file holds it."""
    csv_region(tmp_path, results=[f"{APHP};2018;A01;oui\x85", f"{APHP};2018;\x0bA02;oui",
                                  f"{APHP};2018;A03; non\x0c", f"{APHP};2018;A05;non"])

    got = validate(tmp_path, CAMPAIGN)

    assert [(f.line, f.column, f.value, f.code) for f in got] == [
        (2, "valeur", "oui\x85", "control-character"),
        (3, "indicateur", "\x0bA02", "control-character"),
        (4, "valeur", " non\x0c", "control-character")]


def test_values_echoed_to_the_terminal_carry_no_escape_sequence_nor_markup(tmp_path: Path) -> None:
    fault = Fault("resultats.csv", 2, "motif", "a\x1b]52;c;x\x07b\x00\x9b", "un texte",
                  code=FaultCode.CONTROL_CHARACTER)
    assert str(fault) == ("erreur [control-character] — resultats.csv, ligne 2, colonne « motif » : valeur "
                          "« a\\x1b]52;c;x\\x07b\\x00\\x9b » ; attendu : un texte")
    csv_region(tmp_path, establishments=[f"{APHP};[red]AP-HP[/red] :thumbs_up:\x1b[2J;IDF;MCO;oui"])

    result = runner.invoke(app, ["validate", str(tmp_path), "--campaign", str(CAMPAIGN_PATH)])

    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "[red]AP-HP[/red] :thumbs_up:\\x1b[2J" in result.output


# --- 8. names that must be filled --------------------------------------------------------------


def test_empty_name_or_region_is_an_error(tmp_path: Path) -> None:
    csv_region(tmp_path, establishments=[f"{APHP};  ;Île-de-France;MCO;oui", f"{APHM};AP-HM;;MCO;non"])

    assert faults(tmp_path) == [("etablissements.csv", 2, "raison_sociale", "", "erreur", "blank-cell"),
                                ("etablissements.csv", 3, "region", "", "erreur", "blank-cell")]


# --- 9. fractions typed for percentages ----------------------------------------------------------


def test_fractions_for_percentages_are_refused_per_establishment_and_year(tmp_path: Path) -> None:
    csv_region(tmp_path, results=[
        f"{APHP};2018;A01;oui", f"{APHP};2018;G01;0,455", f"{APHP};2018;C01;1",  # 2018: all ≤ 1
        f"{APHP};2018;A04;0", f"{APHP};2018;A08;nc",
        f"{APHP};2017;G01;0,455", f"{APHP};2017;C01;98",          # 2017: 98 is a percentage
        f"{APHM};2018;G01;0", f"{APHM};2018;C01;1",                 # only 0 and 1: not flagged
        f"{APHM};2017;G01;0,5", f"{APHM};2017;F01;0,3"])            # F01 is in %/an: one value

    got = validate(tmp_path, CAMPAIGN)

    assert [(f.source, f.line, f.column, f.value, f.code) for f in got] == [
        ("resultats.csv", 3, "valeur", "0,455", "percent-as-fraction")]
    assert "les 3 valeurs en % de 750712184 pour 2018 sont toutes entre 0 et 1 (ex. 0,455)" in got[0].expected
    assert "Saisir 45,5 pour 45,5 %" in got[0].expected


def test_fraction_references_are_refused_and_percent_formatted_cells_stay_right(tmp_path: Path) -> None:
    def percent_cells(_book, sheet) -> None:
        for row in (2, 3):
            sheet.cell(row=row, column=4).number_format = "0.0%"

    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "G01", 0.455], [APHP, 2018, "C01", 0.98]],
                    edit=percent_cells)
    assert load_dataset(path, CAMPAIGN).results["valeur"].tolist() == [pytest.approx(45.5),
                                                                       pytest.approx(98)]
    csv_region(tmp_path / "csv")
    (tmp_path / "csv" / "references.csv").write_text(
        "indicateur;annee;niveau;valeur;region\nF01;2018;national;0,5;\n"
        "G05;2018;regional;0,4;IDF\nG05;2018;national;0,45;\n", encoding="utf-8")

    got = validate(tmp_path / "csv", CAMPAIGN)

    assert [(f.source, f.line, f.value, f.code) for f in got] == [("references.csv", 3, "0,4", "percent-as-fraction")]
    assert "les 2 valeurs en % de référence" in got[0].expected


# --- 10. error floods ---------------------------------------------------------------------------


def test_summarise_groups_systematic_faults() -> None:
    flood = [Fault("r.csv", n, "valeur", "x", f"un nombre (doublon de la ligne {n - 1})",
                   code=FaultCode.DUPLICATE_ROW) for n in range(2, 10)]
    other = Fault("r.csv", 4, "annee", "x", "une année", code=FaultCode.TYPE_ERROR)

    lines = summarise([*flood[:3], other, *flood[3:]], keep=2)

    assert lines == [str(flood[0]), str(flood[1]),
                     "  … et 6 autres lignes avec la même anomalie (r.csv, colonne « valeur », "
                     "lignes 4 à 9)",
                     str(other)]
    assert summarise(flood[:2], keep=2) == [str(flood[0]), str(flood[1])]


def test_a_file_where_every_row_is_wrong_gives_a_short_listing_and_a_full_file(tmp_path: Path) -> None:
    rows = 200_000
    csv_region(tmp_path / "data")
    with open(tmp_path / "data" / "resultats.csv", "w", encoding="utf-8") as fh:
        fh.write("finess;annee;indicateur;valeur\n" + f"{APHP};2018;Z99;oui\n" * rows)
    listing = tmp_path / "anomalies.csv"

    start = time.perf_counter()
    result = runner.invoke(app, ["validate", str(tmp_path / "data"), "--campaign", str(CAMPAIGN_PATH),
                                 "--anomalies", str(listing)])
    elapsed = time.perf_counter() - start

    assert result.exit_code == 1
    lines = plain_spaces(result.output).splitlines()
    assert len(lines) == 14  # 2 kinds × (5 shown + 1 count), the file written, the totals
    assert ("  … et 199 995 autres lignes avec la même anomalie (resultats.csv, colonne "
            "« indicateur », lignes 7 à 200 001)") in lines
    assert ("  … et 199 994 autres lignes avec la même anomalie (resultats.csv, colonne "
            "« finess, annee, indicateur », lignes 8 à 200 001)") in lines
    assert lines[-1].endswith(" : 399 999 erreurs, 0 avertissement.")
    table = pd.read_csv(listing, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["fichier", "ligne", "colonne", "valeur", "attendu", "gravite", "code"]
    assert len(table) == 2 * rows - 1
    assert table.iloc[0].tolist()[:4] == ["resultats.csv", "2", "indicateur", "Z99"]
    assert table["code"].value_counts().to_dict() == {"unknown-indicator": rows, "duplicate-row": rows - 1}
    assert elapsed < 60  # ~5 s on an idle machine; printing every fault took minutes


def test_data_error_message_groups_systematic_faults(tmp_path: Path) -> None:
    csv_region(tmp_path, results=[f"{APHP};{year};Z99;oui" for year in range(1000, 3000)])

    with pytest.raises(DataError) as caught:
        load_dataset(tmp_path, CAMPAIGN)

    assert len(caught.value.faults) == 2000
    message = str(caught.value).splitlines()
    assert message[0] == "2\u202f000 erreurs dans les données :"
    assert len(message) == 1 + 5 + 1
    assert message[-1] == ("    … et 1\u202f995 autres lignes avec la même anomalie (resultats.csv, "
                           "colonne « indicateur », lignes 7 à 2\u202f001)")


def test_anomalies_file_is_never_written_into_the_data(tmp_path: Path) -> None:
    csv_region(tmp_path, results=[f"{APHP};2018;Z99;oui"])
    before = (tmp_path / "resultats.csv").read_bytes()

    result = runner.invoke(app, ["validate", str(tmp_path), "--campaign", str(CAMPAIGN_PATH),
                                 "--anomalies", str(tmp_path / "resultats.csv")])

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (tmp_path / "resultats.csv").read_bytes() == before


def test_anomalies_workbook_keeps_hostile_values_as_texts(tmp_path: Path) -> None:
    """The listing an analyst opens in a spreadsheet: a value sent by an establishment never
    becomes a live formula there (the .csv stays verbatim, for programs)."""
    hostile = ['=HYPERLINK("http://x.invalid")', "=cmd|' /C calc'!A0", "@SUM(A1)"]
    csv_region(tmp_path / "data", results=[f"{APHP};2018;A0{i};{value}" for i, value in enumerate(hostile, 1)])
    listing = tmp_path / "anomalies.xlsx"

    result = runner.invoke(app, ["validate", str(tmp_path / "data"), "--campaign", str(CAMPAIGN_PATH),
                                 "--anomalies", str(listing)])

    assert result.exit_code == 1 and "Traceback" not in result.output
    rows = list(openpyxl.load_workbook(listing).active.iter_rows())  # formulas would be read as such
    assert [c.value for c in rows[0]] == ["fichier", "ligne", "colonne", "valeur", "attendu", "gravite", "code"]
    assert [(r[1].value, r[3].value, r[3].data_type, r[3].quotePrefix) for r in rows[1:]] == [
        (line, value, "s", True) for line, value in zip([2, 3, 4], hostile, strict=True)]
    assert [r[6].value for r in rows[1:]] == ["type-error"] * 3
