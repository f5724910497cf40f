"""Reading the input data: CSV encodings and delimiters, xlsx workbooks, normalised tables."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from caqes_toolkit.data.dataset import COLUMNS, Dataset
from caqes_toolkit.data.files import prefetch
from caqes_toolkit.data.load import load_dataset, read_source
from caqes_toolkit.errors import CaqesError, DataError
from caqes_toolkit.rules.campaign import load_campaign

CAMPAIGN = load_campaign(Path(__file__).resolve().parents[1] / "params" / "caqes-2018.yml")

# FINESS whose 9th digit is the Luhn key of the first eight (AP-HP, AP-HM, HCL; 010000016)
APHP, APHM, HCL, AIN = "750712184", "130786049", "690781810", "010000016"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_windows_1252_semicolons_decimal_comma(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          "finess;raison_sociale;region;activites;liste_en_sus;produits_am\r\n"
          f"{APHP};Hôpital Européen Georges-Pompidou;Île-de-France;ssr, mco;OUI;1 234 567,89\r\n"
          f"{APHM};Centre hospitalier d'Arles — Joseph-Imbert;Provence-Alpes-Côte d'Azur;PSY;non;\r\n",
          encoding="cp1252")
    write(tmp_path, "resultats.csv",
          "finess;annee;indicateur;valeur\r\n"
          f"{APHP};2018;G01;45,5 %\r\n"
          f"{APHP};2018;A01;Oui\r\n"
          f"{APHP};2018;A02;non\r\n"
          f"{APHP};2018;A04;nc\r\n"
          f"{APHP};2018;A05;\r\n"
          f"{APHM};2018;F01;-2,5\r\n",
          encoding="cp1252")

    ds = load_dataset(tmp_path, CAMPAIGN)

    est = ds.establishments
    assert est["raison_sociale"].tolist() == ["Hôpital Européen Georges-Pompidou",
                                             "Centre hospitalier d'Arles — Joseph-Imbert"]
    assert est["region"].tolist() == ["Île-de-France", "Provence-Alpes-Côte d'Azur"]
    assert est["activites"].tolist() == ["MCO;SSR", "PSY"]
    assert est["liste_en_sus"].tolist() == [True, False]
    assert est["produits_am"].iloc[0] == pytest.approx(1234567.89)
    assert np.isnan(est["produits_am"].iloc[1])

    res = ds.results
    assert res["indicateur"].tolist() == ["G01", "A01", "A02", "A04", "A05", "F01"]
    assert res["valeur"].tolist()[:3] == [45.5, 1.0, 0.0]
    assert np.isnan(res["valeur"].iloc[3]) and np.isnan(res["valeur"].iloc[4])
    assert res["valeur"].iloc[5] == -2.5
    assert res["nc"].tolist() == [False, False, False, True, False, False]
    assert res["brut"].tolist() == ["45,5 %", "Oui", "non", "nc", "", "-2,5"]
    assert res["annee"].tolist() == [2018] * 6
    assert ds.warnings == ()


def test_tab_separated_text_as_excel_saves_it(tmp_path: Path) -> None:
    """Excel's « Texte (séparateur : tabulation) »: Windows-1252, tabs, commas inside the cells."""
    write(tmp_path, "etablissements.csv",
          "finess\traison_sociale\tregion\tactivites\tliste_en_sus\r\n"
          f"{APHP}\tHôpital, site Nord\tÎle-de-France\tMCO, SSR\toui\r\n", encoding="cp1252")
    write(tmp_path, "resultats.csv",
          f"finess\tannee\tindicateur\tvaleur\n{APHP}\t2018\tG01\t45,5 %\n{APHP}\t2018\tA01\toui\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments[["raison_sociale", "activites"]].values.tolist() == [["Hôpital, site Nord", "MCO;SSR"]]
    assert ds.results["valeur"].tolist() == [45.5, 1.0]


def test_utf8_bom_commas_and_spaces(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          "\ufeff Finess , Raison_Sociale,REGION,activites,liste_en_sus\n"
          f" {APHP} ,  Hôpital Bichat ,Île-de-France,\"MCO,HAD\",non\n")
    write(tmp_path, "resultats.csv",
          "\ufefffiness,annee,indicateur,valeur\n"
          f"{APHP}, 2018 , G01 ,\"45,5 %\"\n"
          f"{APHP},2018,C01,\"99,9\"\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == [APHP]
    assert ds.establishments["raison_sociale"].tolist() == ["Hôpital Bichat"]
    assert ds.establishments["activites"].tolist() == ["MCO;HAD"]
    assert ds.results["indicateur"].tolist() == ["G01", "C01"]
    assert ds.results["valeur"].tolist() == [45.5, 99.9]
    assert ds.results["annee"].tolist() == [2018, 2018]


def test_normalised_columns_and_dtypes(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")
    write(tmp_path, "references.csv",
          "indicateur;annee;niveau;valeur;region\nF01;2018;national;2,5;\nG05;2018;regional;40;IDF\n")
    write(tmp_path, "maturite.csv",
          "finess;annee;etape_1;etape_2;etape_3;etape_4;etape_5;etape_6;etape_7\n"
          f"{APHP};2018;2;4;3;3;2;3;3\n")
    write(tmp_path, "ajustements.csv",
          f"finess;annee;indicateur;valeur;motif\n{APHP};2018;A01;non;Preuve absente\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    expected = {
        "establishments": ["str", "str", "str", "str", "bool", "float64", "str"],
        "results": ["str", "int64", "str", "float64", "bool", "str"],
        "references": ["str", "int64", "str", "float64", "str"],
        "maturity": ["str", "int64"] + ["float64"] * 7,
        "adjustments": ["str", "int64", "str", "float64", "bool", "str", "str"],
    }
    for name, dtypes in expected.items():
        frame = getattr(ds, name)
        assert tuple(frame.columns) == COLUMNS[name]
        assert [str(d) for d in frame.dtypes] == dtypes, name
    assert ds.maturity.iloc[0, 2:].sum() / 35 == pytest.approx(20 / 35)
    assert ds.references["region"].tolist() == ["", "IDF"]
    assert ds.references["valeur"].tolist() == [2.5, 40.0]
    assert ds.adjustments[["valeur", "motif"]].values.tolist() == [[0.0, "Preuve absente"]]


def test_optional_tables_absent_are_empty_with_columns(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    for name in ("references", "maturity", "adjustments"):
        frame = getattr(ds, name)
        assert frame.empty and tuple(frame.columns) == COLUMNS[name]
    assert str(ds.maturity["annee"].dtype) == "int64"
    assert ds.establishments["produits_am"].isna().all()


def test_corsica_finess_kept_as_text(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          "finess;raison_sociale;region;activites;liste_en_sus\n"
          "2A0000013;CH d'Ajaccio;Corse;MCO;oui\n"
          "2b0000020;CH de Bastia;Corse;MCO;non\n"
          f"{AIN};CH de Bourg-en-Bresse;Auvergne-Rhône-Alpes;MCO;non\n")
    write(tmp_path, "resultats.csv",
          "finess;annee;indicateur;valeur\n2A0000013;2018;A01;oui\n2B0000020;2018;A01;non\n"
          f"{AIN};2018;A01;oui\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == ["2A0000013", "2B0000020", AIN]
    assert ds.results["finess"].tolist() == ["2A0000013", "2B0000020", AIN]
    assert ds.warnings == ()  # the Luhn key is never checked for 2A/2B


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> dict[str, openpyxl.worksheet.worksheet.Worksheet]:
    book = openpyxl.Workbook()
    book.remove(book.active)
    made = {}
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        made[title] = sheet
    book.save(path)
    return made


def test_xlsx_numeric_finess_gets_its_zero_back(tmp_path: Path) -> None:
    path = tmp_path / "occitanie.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Etablissements"
    book.active.append(["finess", "raison_sociale", "region", "activites", "liste_en_sus", "produits_am"])
    book.active.append([int(AIN), "CH de Bourg", "ARA", "MCO", "oui", 1500000.5])
    book.active.append([APHP, "AP-HP", "IDF", "MCO;SSR", False, None])  # a boolean cell
    results = book.create_sheet("resultats")
    results.append(["finess", "annee", "indicateur", "valeur"])
    results.append([int(AIN), 2018, "G01", 0.455])
    results["D2"].number_format = "0.0%"  # shown "45,5 %", stored 0.455
    results.append([])  # a blank row keeps the following line numbers
    results.append([APHP, 2018, "G01", "45,5 %"])
    results.append([APHP, 2018, "A04", 12.25])
    book.create_sheet("notes").append(["ignorée"])
    book.save(path)

    ds = load_dataset(path, CAMPAIGN)

    assert ds.establishments["finess"].tolist() == [AIN, APHP]
    assert ds.establishments["produits_am"].iloc[0] == 1500000.5
    assert ds.establishments["liste_en_sus"].tolist() == [True, False]
    assert ds.establishments["activites"].tolist() == ["MCO", "MCO;SSR"]
    assert ds.results["finess"].tolist() == [AIN, APHP, APHP]
    assert ds.results["valeur"].tolist() == [pytest.approx(45.5), 45.5, 12.25]
    assert ds.results["annee"].tolist() == [2018, 2018, 2018]
    got = [(w.source, w.line, w.column, w.value, w.severity, w.code) for w in ds.warnings]
    assert got == [
        ("occitanie.xlsx › etablissements", 2, "finess", "10000016", "avertissement", "finess-zero-restored"),
        ("occitanie.xlsx › resultats", 2, "finess", "10000016", "avertissement", "finess-zero-restored"),
    ]
    assert "010000016" in ds.warnings[0].expected
    data = path.read_bytes()
    assert [(s.name, s.path, s.sha256) for s in ds.sources] == [
        ("occitanie.xlsx", str(path), hashlib.sha256(data).hexdigest())]


def test_xlsx_faults_name_sheet_and_spreadsheet_line(tmp_path: Path) -> None:
    path = tmp_path / "classeur.xlsx"
    _workbook(path, {
        "etablissements": [["finess", "raison_sociale", "region", "activites", "liste_en_sus"],
                           [APHP, "AP-HP", "IDF", "MCO", "oui"]],
        "resultats": [["finess", "annee", "indicateur", "valeur"],
                      [APHP, 2018, "A01", "oui"], [], [APHP, 2018, "A04", 130]],
    })

    with pytest.raises(DataError) as caught:
        load_dataset(path, CAMPAIGN)

    got = [(f.source, f.line, f.column, f.value, f.code) for f in caught.value.faults]
    assert got == [("classeur.xlsx › resultats", 4, "valeur", "130", "out-of-range")]


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "classeur.xlsx"
    _workbook(path, {"etablissements": [["finess", "raison_sociale", "region", "activites",
                                         "liste_en_sus"], [APHP, "AP-HP", "IDF", "MCO", "oui"]]})

    faults = read_and_check(path)

    assert faults == [("classeur.xlsx › resultats", None, None, None, "erreur", "missing-table")]


def read_and_check(path: Path) -> list[tuple]:
    from caqes_toolkit.data.validation import validate

    return [(f.source, f.line, f.column, f.value, f.severity, f.code) for f in validate(path, CAMPAIGN)]


def test_blank_lines_keep_spreadsheet_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    write(tmp_path, "resultats.csv",
          f"finess;annee;indicateur;valeur\n\n{APHP};2018;A01;oui\n;;;\n{APHP};2018;A04;abc\n")

    assert read_and_check(tmp_path) == [("resultats.csv", 5, "valeur", "abc", "erreur", "type-error")]


def test_quoted_newline_counts_as_one_spreadsheet_row(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          "finess;raison_sociale;region;activites;liste_en_sus\n"
          f"{APHP};\"AP-HP\nsiège\";IDF;MCO;oui\n{APHM};AP-HM;PACA;MCO;peut-être\n")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")

    assert read_and_check(tmp_path) == [
        ("etablissements.csv", 3, "liste_en_sus", "peut-être", "erreur", "invalid-choice")]


def test_ragged_rows(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    write(tmp_path, "resultats.csv",
          "finess;annee;indicateur;valeur\n"
          f"{APHP};2018;A01\n"            # short: missing cells are empty
          f"{APHP};2018;A02;oui;\n"       # an empty extra cell is harmless
          f"{APHP};2018;A03;oui;en trop\n")

    assert read_and_check(tmp_path) == [
        ("resultats.csv", 4, None, f"{APHP};2018;A03;oui;en trop", "erreur", "extra-cell")]


def test_undecodable_file(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    (tmp_path / "resultats.csv").write_bytes(
        f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n{APHP};2018;A02;\x81\n".encode("latin-1"))

    assert read_and_check(tmp_path) == [("resultats.csv", 3, None, None, "erreur", "encoding-error")]


LONG = "x" * 70_000  # a cell that pushes the next line past the first 64 KiB the reader looks at


def test_windows_1252_byte_past_the_start_of_the_file(tmp_path: Path) -> None:
    """The encoding is the whole file's: a Windows-1252 « é » first met after 64 KiB is read."""
    write(tmp_path, "etablissements.csv",
          "finess;raison_sociale;region;activites;liste_en_sus\n"
          f"{APHP};{LONG};IDF;MCO;oui\n{APHM};Hôpital Nord;PACA;MCO;non\n", encoding="cp1252")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert ds.establishments["raison_sociale"].tolist() == [LONG, "Hôpital Nord"]


def test_mixed_encodings_past_the_start_of_the_file(tmp_path: Path) -> None:
    """UTF-8 at the start, a Windows-1252 byte after 64 KiB: refused at that byte's line."""
    (tmp_path / "etablissements.csv").write_bytes(
        b"finess;raison_sociale;region;activites;liste_en_sus\n"
        + f"{APHP};Hôpital {LONG};IDF;MCO;oui\n".encode()
        + f"{APHM};Hôpital Nord;PACA;MCO;non\n".encode("cp1252"))
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")

    assert read_and_check(tmp_path) == [("etablissements.csv", 3, None, None, "erreur", "encoding-error")]


def test_windows_line_ends_read_as_line_ends(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\r\n{APHP};AP-HP;IDF;MCO;oui\r\n")
    write(tmp_path, "resultats.csv",
          f"finess;annee;indicateur;valeur\r\n{APHP};2018;A01;oui\r\n{APHP};2018;A04;abc\r\n")

    assert read_and_check(tmp_path) == [("resultats.csv", 3, "valeur", "abc", "erreur", "type-error")]


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n",
          encoding="utf-16")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")

    faults = read_and_check(tmp_path)

    assert faults == [("etablissements.csv", None, None, None, "erreur", "encoding-error")]


def test_inputs_are_byte_identical_after_loading(tmp_path: Path) -> None:
    csv_dir = tmp_path / "csv"
    write(csv_dir, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};Hôpital;IDF;MCO;oui\n",
          encoding="cp1252")
    write(csv_dir, "resultats.csv", f"\ufefffiness,annee,indicateur,valeur\n{APHP},2018,G01,\"45,5 %\"\n")
    write(csv_dir, "ajustements.csv", f"finess;annee;indicateur;valeur;motif\n{APHP};2018;G01;50;ok\n")
    xlsx = tmp_path / "classeur.xlsx"
    _workbook(xlsx, {"etablissements": [["finess", "raison_sociale", "region", "activites", "liste_en_sus"],
                                        [int(AIN), "CH", "ARA", "MCO", "oui"]],
                     "resultats": [["finess", "annee", "indicateur", "valeur"], [int(AIN), 2018, "A01", "oui"]]})
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

    ds_csv = load_dataset(csv_dir, CAMPAIGN)
    ds_xlsx = load_dataset(xlsx, CAMPAIGN)

    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert [s.name for s in ds_csv.sources] == ["etablissements.csv", "resultats.csv", "ajustements.csv"]
    for source in ds_csv.sources + ds_xlsx.sources:
        assert source.sha256 == hashlib.sha256(Path(source.path).read_bytes()).hexdigest()
    assert ds_xlsx.establishments["finess"].tolist() == [AIN]


def _as_read(source) -> tuple:
    """What a reading gives, comparable: each table's header, cells, lines and faults, the files."""
    return ({name: (t.header, t.frame.to_dict("list"), t.lines.tolist(), t.faults)
             for name, t in source.tables.items()}, source.sources, source.unread)


def test_prefetched_files_read_as_the_reader_reads_them(tmp_path: Path) -> None:
    """What the background reading gives is what the reader gives alone, on files of every
    path: parsed at once (UTF-8), read carefully (Windows-1252, ragged, undecodable), refused
    (two files for one table), unreadable as a table (UTF-16) or not a table at all."""
    write(tmp_path, "Etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};Hôpital;IDF;MCO;oui\n", encoding="cp1252")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01\n{APHP};2018;A02;oui;x\n")
    write(tmp_path, "references.csv", "annee;indicateur;niveau;region;valeur\n2018;A01;national;;0,5\n")
    (tmp_path / "maturite.csv").write_bytes(b"finess;annee\n\x81\xe9;2018\n")
    write(tmp_path, "ajustements.csv", "finess;annee;indicateur;valeur;motif\n", encoding="utf-16")
    write(tmp_path, "contrats.csv", "finess;volet\n")
    write(tmp_path, "Contrats .csv", "finess;volet\n")
    write(tmp_path, "notes.txt", "pas une table\n")

    early = prefetch(tmp_path)

    assert early is not None
    assert _as_read(read_source(tmp_path, early)) == _as_read(read_source(tmp_path))
    assert early.take(tmp_path, "resultats.csv") is None  # each file taken once
    again = prefetch(tmp_path)
    assert again is not None
    assert again.take(tmp_path, "references.csv").parsed is not None  # parsed at once
    assert again.take(tmp_path, "resultats.csv").parsed is None  # ragged: read carefully
    assert again.take(tmp_path, "contrats.csv") is None  # two files for one table: neither read


def test_prefetch_is_only_for_the_folder_it_read(tmp_path: Path) -> None:
    write(tmp_path / "a", "resultats.csv", "finess;annee;indicateur;valeur\n")
    write(tmp_path / "b", "resultats.csv", "finess;annee;indicateur;valeur\n")
    early = prefetch(tmp_path / "a")

    assert early is not None and early.take(tmp_path / "b", "resultats.csv") is None
    assert prefetch(tmp_path / "absent") is None
    assert prefetch(tmp_path / "a" / "resultats.csv") is None  # a file: a workbook is read by the reader


def test_an_unreadable_data_file_is_said_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "etablissements.csv", f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n")
    write(tmp_path, "resultats.csv", f"finess;annee;indicateur;valeur\n{APHP};2018;A01;oui\n")
    real = Path.read_bytes

    def denied(path: Path) -> bytes:  # simulated: the tests may run as root, who reads anything
        if path.name == "resultats.csv":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", denied)

    with pytest.raises(DataError) as caught:
        load_dataset(tmp_path, CAMPAIGN, prefetch(tmp_path))
    assert [(f.source, f.expected, f.code) for f in caught.value.faults] == [
        ("resultats.csv", "un fichier lisible (permission refusée)", "unreadable-file")]


def test_loaded_dataset_is_a_dataset(tmp_path: Path) -> None:
    write(tmp_path, "etablissements.csv",
          f"finess;raison_sociale;region;activites;liste_en_sus\n{APHP};AP-HP;IDF;MCO;oui\n"
          f"{HCL};HCL;ARA;MCO;non\n")
    write(tmp_path, "resultats.csv",
          f"finess;annee;indicateur;valeur\n{APHP};2017;A01;oui\n{HCL};2018;A01;non\n")

    ds = load_dataset(tmp_path, CAMPAIGN)

    assert isinstance(ds, Dataset)
    assert ds.years == [2017, 2018]
    assert ds.only([HCL]).results["finess"].tolist() == [HCL]
    assert isinstance(ds.results.index, pd.RangeIndex)


@pytest.mark.parametrize("make", ["missing", "file", "xls"])
def test_bad_source_path_raises(tmp_path: Path, make: str) -> None:
    path = tmp_path / "absent"
    if make == "file":
        path = write(tmp_path, "resultats.csv", "finess;annee;indicateur;valeur\n")
    elif make == "xls":
        path = write(tmp_path, "classeur.xls", "pas un classeur")
    with pytest.raises(CaqesError, match="dossier"):
        load_dataset(path, CAMPAIGN)
    with pytest.raises(CaqesError):
        read_source(path)


def test_corrupt_workbook_is_a_fault_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "classeur.xlsx", "ceci n'est pas un zip")

    faults = read_and_check(path)

    assert faults == [("classeur.xlsx", None, None, None, "erreur", "corrupt-workbook")]
