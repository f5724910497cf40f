"""Checks of the input data: one test per kind of fault, with its exact file, line, column,
value, severity and code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.parsers import _luhn_ok, _numbers
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import DataError
from caqes_toolkit.rules.campaign import load_campaign

CAMPAIGN = load_campaign(Path(__file__).resolve().parents[1] / "params" / "caqes-2018.yml")
APHP, APHM, CHU_TOULOUSE = "750712184", "130786049", "310781406"  # valid Luhn keys

STEPS = ";".join(f"etape_{i}" for i in range(1, 8))
BASE = {  # a valid region; rows appended by a test start at the line given in NEXT
    "etablissements": ["finess;raison_sociale;region;activites;liste_en_sus;produits_am",
                       f"{APHP};AP-HP;Île-de-France;MCO,SSR;oui;1 000 000",
                       f"{APHM};AP-HM;PACA;MCO;non;"],
    "resultats": ["finess;annee;indicateur;valeur",
                  f"{APHP};2018;A01;oui",
                  f"{APHP};2018;A04;45,5 %",
                  f"{APHP};2018;A06;57,1",
                  f"{APHP};2018;F01;-2,5",
                  f"{APHM};2018;A01;NC"],
    "references": ["indicateur;annee;niveau;valeur;region",
                   "F01;2018;national;2,5;",
                   "G05;2018;regional;40;PACA"],
    "maturite": [f"finess;annee;{STEPS}", f"{APHP};2018;2;4;3;3;2;3;3"],
    "ajustements": ["finess;annee;indicateur;valeur;motif", f"{APHP};2018;A01;non;Preuve absente"],
}
NEXT = {name: len(lines) + 1 for name, lines in BASE.items()}


def build(folder: Path, add: dict[str, list[str]] | None = None,
          replace: dict[str, str | None] | None = None) -> Path:
    """Write the base region, with rows added to some tables or whole tables replaced."""
    add, replace = add or {}, replace or {}
    for name, lines in BASE.items():
        text = "\n".join(lines + add.get(name, [])) + "\n"
        if name in replace:
            text = replace[name]
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def faults(folder: Path) -> list[tuple]:
    return [(f.source, f.line, f.column, f.value, f.severity, f.code) for f in validate(folder, CAMPAIGN)]


def test_base_region_is_valid(tmp_path: Path) -> None:
    build(tmp_path)
    assert validate(tmp_path, CAMPAIGN) == []
    ds = load_dataset(tmp_path, CAMPAIGN)
    assert len(ds.results) == 5 and len(ds.references) == 2 and len(ds.adjustments) == 1


def test_unknown_indicator(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;Z99;oui"]})
    assert faults(tmp_path) == [("resultats.csv", NEXT["resultats"], "indicateur", "Z99", "erreur",
                                 "unknown-indicator")]
    assert "caqes-2018" in validate(tmp_path, CAMPAIGN)[0].expected  # the campaign is named


def test_non_numeric_value(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;C01;beaucoup", f"{APHP};2018;C04;45.5.1"]})
    line = NEXT["resultats"]
    assert faults(tmp_path) == [("resultats.csv", line, "valeur", "beaucoup", "erreur", "type-error"),
                                ("resultats.csv", line + 1, "valeur", "45.5.1", "erreur", "type-error")]


@pytest.mark.parametrize("code, value", [("C01", "100,5"), ("C01", "-1"), ("D04", "101 %"),
                                         ("G02", "1e3")])
def test_value_out_of_range_for_percentages(tmp_path: Path, code: str, value: str) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;{code};{value}"]})
    assert faults(tmp_path) == [("resultats.csv", NEXT["resultats"], "valeur", value, "erreur", "out-of-range")]
    assert f"indicateur {code}" in validate(tmp_path, CAMPAIGN)[0].expected  # the indicator is named


@pytest.mark.parametrize("code, value", [("F01", "-12,5"), ("H01", "150"), ("L01", "-3 %"),
                                         ("C01", "100"), ("C01", "0"), ("C01", " 99,5 % ")])
def test_values_in_range_or_unbounded_units(tmp_path: Path, code: str, value: str) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2017;{code};{value}"]})
    assert faults(tmp_path) == []


def test_binary_indicator_accepts_only_oui_non_nc_empty(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;A02;1", f"{APHP};2018;A03;peut-être",
                                       f"{APHP};2018;A05;NON", f"{APHP};2018;A07;nc",
                                       f"{APHP};2018;A10;"]})
    line = NEXT["resultats"]
    assert faults(tmp_path) == [("resultats.csv", line, "valeur", "1", "erreur", "type-error"),
                                ("resultats.csv", line + 1, "valeur", "peut-être", "erreur", "type-error")]


def test_number_indicator_rejects_oui(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;G01;oui"]})
    assert faults(tmp_path) == [("resultats.csv", NEXT["resultats"], "valeur", "oui", "erreur", "type-error")]


def test_maturity_indicator_in_results(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHM};2018;A06;120", f"{APHM};2017;A06;oui",
                                       f"{APHP};2017;A06;NC", f"{APHM};2016;A06;",
                                       f"{APHM};2015;A06;48,6 %"]})
    line = NEXT["resultats"]
    assert faults(tmp_path) == [("resultats.csv", line, "valeur", "120", "erreur", "out-of-range"),
                                ("resultats.csv", line + 1, "valeur", "oui", "erreur", "type-error")]


def test_maturity_steps_between_0_and_5(tmp_path: Path) -> None:
    build(tmp_path, add={"maturite": [f"{APHM};2018;2;6;3;3;2;x;3", f"{APHM};2017;0;5;2,5;;1;1;-1"]})
    line = NEXT["maturite"]
    assert faults(tmp_path) == [("maturite.csv", line, "etape_2", "6", "erreur", "out-of-range"),
                                ("maturite.csv", line, "etape_6", "x", "erreur", "type-error"),
                                ("maturite.csv", line + 1, "etape_4", "", "erreur", "blank-cell"),
                                ("maturite.csv", line + 1, "etape_7", "-1", "erreur", "out-of-range")]


def test_malformed_finess(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": ["75071218;Trop court;IDF;MCO;oui;"],
                         "resultats": [f"2C{APHP[2:]};2018;A01;oui", f"{APHP}0;2018;A02;oui"]})
    line = NEXT["resultats"]
    assert faults(tmp_path) == [
        ("etablissements.csv", NEXT["etablissements"], "finess", "75071218", "erreur", "invalid-finess"),
        ("resultats.csv", line, "finess", f"2C{APHP[2:]}", "erreur", "invalid-finess"),
        ("resultats.csv", line + 1, "finess", f"{APHP}0", "erreur", "invalid-finess"),
    ]


def test_finess_absent_from_establishments(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{CHU_TOULOUSE};2018;A01;oui"],
                         "maturite": [f"{CHU_TOULOUSE};2018;1;1;1;1;1;1;1"],
                         "ajustements": [f"{CHU_TOULOUSE};2018;A01;oui;erreur de saisie"]})
    assert faults(tmp_path) == [
        ("resultats.csv", NEXT["resultats"], "finess", CHU_TOULOUSE, "erreur", "unknown-finess"),
        ("maturite.csv", NEXT["maturite"], "finess", CHU_TOULOUSE, "erreur", "unknown-finess"),
        ("ajustements.csv", NEXT["ajustements"], "finess", CHU_TOULOUSE, "erreur", "unknown-finess"),
    ]


def test_finess_check_key_is_only_a_warning(tmp_path: Path) -> None:
    wrong = APHP[:8] + "5"
    build(tmp_path, add={"etablissements": [f"{wrong};AP-HP bis;IDF;MCO;oui;",
                                            "2A0000099;CH de Corse;Corse;MCO;non;"],
                         "resultats": [f"{wrong};2018;A01;oui"]})
    assert faults(tmp_path) == [("etablissements.csv", NEXT["etablissements"], "finess", wrong,
                                 "avertissement", "finess-check-digit")]
    ds = load_dataset(tmp_path, CAMPAIGN)
    assert [w.value for w in ds.warnings] == [wrong]
    assert wrong in ds.results["finess"].tolist()


def test_bad_year(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018.5;A02;oui", f"{APHP};deux mille;A03;oui"],
                         "references": ["F01;18;national;3;"]})
    line = NEXT["resultats"]
    assert faults(tmp_path) == [("resultats.csv", line, "annee", "2018.5", "erreur", "type-error"),
                                ("resultats.csv", line + 1, "annee", "deux mille", "erreur", "type-error"),
                                ("references.csv", NEXT["references"], "annee", "18", "erreur", "type-error")]


def test_duplicate_results_name_the_first_line(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;A05;oui", f" {APHP} ;2018;A01;non"]})
    assert faults(tmp_path) == [("resultats.csv", NEXT["resultats"] + 1, "finess, annee, indicateur",
                                 f"{APHP} / 2018 / A01", "erreur", "duplicate-row")]
    assert "doublon de la ligne 2" in validate(tmp_path, CAMPAIGN)[0].expected  # the first line is named


def test_duplicate_establishment(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": [f"{APHM};AP-HM bis;PACA;MCO;non;"]})
    assert faults(tmp_path) == [("etablissements.csv", NEXT["etablissements"], "finess", APHM,
                                 "erreur", "duplicate-row")]
    assert "doublon de la ligne 3" in validate(tmp_path, CAMPAIGN)[0].expected


def test_duplicate_maturity_references_adjustments(tmp_path: Path) -> None:
    build(tmp_path, add={"maturite": [f"{APHP};2018;1;1;1;1;1;1;1"],
                         "references": ["G05;2018;regional;45;Occitanie", "G05;2018;Regional;41;PACA",
                                        "F01;2018;national;3;"],
                         "ajustements": [f"{APHP};2018;A01;oui;autre motif"]})
    line = NEXT["references"]
    assert faults(tmp_path) == [
        ("references.csv", line + 1, "indicateur, annee, niveau, region", "G05 / 2018 / Regional / PACA",
         "erreur", "duplicate-row"),
        ("references.csv", line + 2, "indicateur, annee, niveau, region", "F01 / 2018 / national / ",
         "erreur", "duplicate-row"),
        ("maturite.csv", NEXT["maturite"], "finess, annee", f"{APHP} / 2018", "erreur", "duplicate-row"),
        ("ajustements.csv", NEXT["ajustements"], "finess, annee, indicateur", f"{APHP} / 2018 / A01",
         "erreur", "duplicate-row"),
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    build(tmp_path, replace={"resultats": f"finess;annee;indicateur;valeurs\n{APHP};2018;A01;oui\n"})
    assert faults(tmp_path) == [("resultats.csv", None, "valeur", None, "erreur", "missing-column"),
                                ("resultats.csv", 1, "valeurs", "valeurs", "avertissement", "extra-column")]


def test_missing_required_file(tmp_path: Path) -> None:
    without_establishments, only_establishments = tmp_path / "a", tmp_path / "b"
    without_establishments.mkdir()
    only_establishments.mkdir()
    build(without_establishments, replace={"etablissements": None})
    build(only_establishments, replace={name: None for name in BASE if name != "etablissements"})
    assert faults(without_establishments) == [("etablissements.csv", None, None, None, "erreur", "missing-table")]
    assert faults(only_establishments) == [("resultats.csv", None, None, None, "erreur", "missing-table")]


@pytest.mark.parametrize("name, text, severity", [
    ("etablissements", "", "erreur"),
    ("resultats", "finess;annee;indicateur;valeur\n", "erreur"),
    ("resultats", "\n\n", "erreur"),
    ("ajustements", "finess;annee;indicateur;valeur;motif\n", "avertissement"),
    ("maturite", "", "avertissement"),
])
def test_empty_file(tmp_path: Path, name: str, text: str, severity: str) -> None:
    build(tmp_path, replace={name: text})
    assert faults(tmp_path) == [(f"{name}.csv", None, None, None, severity, "empty-table")]


def test_liste_en_sus_must_be_oui_or_non(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": [f"{CHU_TOULOUSE};CHU;Occitanie;MCO;peut-être;",
                                            "310000013;CH;Occitanie;MCO; NON ;"]})
    assert faults(tmp_path) == [("etablissements.csv", NEXT["etablissements"], "liste_en_sus",
                                 "peut-être", "erreur", "invalid-choice")]


def test_unknown_or_missing_activity(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": [f"{CHU_TOULOUSE};CHU;Occitanie;MCO,URG;oui;",
                                            "310000013;CH;Occitanie;;non;"]})
    line = NEXT["etablissements"]
    assert faults(tmp_path) == [("etablissements.csv", line, "activites", "MCO,URG", "erreur", "invalid-choice"),
                                ("etablissements.csv", line + 1, "activites", "", "erreur", "invalid-choice")]


def test_reference_level_and_value(tmp_path: Path) -> None:
    build(tmp_path, add={"references": ["G05;2017;departemental;40;", "G05;2016;regional;beaucoup;",
                                        "G05;2015;regional;120;", "F01;2017;national;-4;",
                                        "Z99;2018;national;1;"]})
    line = NEXT["references"]
    assert faults(tmp_path) == [("references.csv", line, "niveau", "departemental", "erreur", "invalid-choice"),
                                ("references.csv", line + 1, "valeur", "beaucoup", "erreur", "type-error"),
                                ("references.csv", line + 2, "valeur", "120", "erreur", "out-of-range"),
                                ("references.csv", line + 4, "indicateur", "Z99", "erreur", "unknown-indicator")]


def test_income_must_be_an_amount(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": [f"{CHU_TOULOUSE};CHU;Occitanie;MCO;oui;beaucoup",
                                            "310000013;CH;Occitanie;MCO;oui;12 345,60 €"]})
    assert faults(tmp_path) == [("etablissements.csv", NEXT["etablissements"], "produits_am",
                                 "beaucoup", "erreur", "type-error")]


def test_extra_and_duplicate_columns(tmp_path: Path) -> None:
    build(tmp_path, replace={"resultats": "finess;annee;indicateur;valeur;commentaire;Valeur\n"
                                          f"{APHP};2018;A01;oui;RAS;non\n"})
    assert faults(tmp_path) == [("resultats.csv", 1, "commentaire", "commentaire", "avertissement", "extra-column"),
                                ("resultats.csv", 1, "valeur", "valeur", "erreur", "duplicate-column")]


def test_every_fault_of_every_file_at_once(tmp_path: Path) -> None:
    build(tmp_path, add={"etablissements": ["123;X;IDF;MCO;oui;"],
                         "resultats": [f"{APHP};2018;Z99;oui", f"{APHP};2018;C01;200",
                                       f"{APHP};20xx;A02;oui"],
                         "maturite": [f"{APHM};2018;9;1;1;1;1;1;1"],
                         "references": ["F01;2018;mondial;1;"]})
    got = faults(tmp_path)
    assert [(s, line, col, code) for s, line, col, _, _, code in got] == [
        ("etablissements.csv", 4, "finess", "invalid-finess"),
        ("resultats.csv", 7, "indicateur", "unknown-indicator"), ("resultats.csv", 8, "valeur", "out-of-range"),
        ("resultats.csv", 9, "annee", "type-error"),
        ("references.csv", 4, "niveau", "invalid-choice"),
        ("maturite.csv", 3, "etape_1", "out-of-range"),
    ]


def test_load_dataset_raises_data_error_with_all_faults(tmp_path: Path) -> None:
    build(tmp_path, add={"resultats": [f"{APHP};2018;Z99;oui", f"{APHP};2018;C01;200"],
                         "etablissements": [f"{APHP[:8]}5;X;IDF;MCO;oui;"]})
    with pytest.raises(DataError) as caught:
        load_dataset(tmp_path, CAMPAIGN)
    assert [(f.line, f.severity, f.code) for f in caught.value.faults] == [
        (4, "avertissement", "finess-check-digit"), (7, "erreur", "unknown-indicator"),
        (8, "erreur", "out-of-range")]
    assert str(caught.value).startswith("2 erreurs dans les données")
    assert "resultats.csv, ligne 8, colonne « valeur » : valeur « 200 »" in str(caught.value)


def test_validate_never_raises_on_garbage(tmp_path: Path) -> None:
    build(tmp_path, replace={"resultats": "\x00\x01;;;\n;\"\n\"\"\"\n", "maturite": ";;;\n"})
    (tmp_path / "references.csv").write_bytes(bytes(range(256)))
    got = faults(tmp_path)
    assert ("resultats.csv", None, "finess", None, "erreur", "missing-column") in got
    # 0x81, which no encoding reads, is on line 3: after "\n" (0x0A) and "\r" (0x0D, a line end)
    assert ("references.csv", 3, None, None, "erreur", "encoding-error") in got


# --- properties of the parsers ---------------------------------------------------------------


def _luhn_key(payload: str) -> str:
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


@given(st.text("0123456789", min_size=8, max_size=8), st.integers(1, 9))
def test_luhn_key_accepts_right_key_and_flags_others(payload: str, shift: int) -> None:
    right = payload + _luhn_key(payload)
    wrong = payload + str((int(_luhn_key(payload)) + shift) % 10)
    assert _luhn_ok(pd.Series([right, wrong, "2A" + right[2:]], dtype="str")).tolist() == [True, False, True]


@given(st.decimals(min_value=-1000, max_value=10**7, places=2, allow_nan=False),
       st.sampled_from(["", " %", "%", "\u00a0%"]), st.sampled_from(["-", "\u2212"]))
def test_french_numbers_parse(number, suffix: str, minus: str) -> None:
    """As typed, or as copied from a French document (« −2,5 » with the true minus sign)."""
    text = f"{number:,.2f}".replace(",", " ").replace(".", ",").replace("-", minus) + suffix
    values, ok = _numbers(pd.Series([text], dtype="str"))
    assert ok.tolist() == [True]
    assert values[0] == pytest.approx(float(number))


def test_every_space_between_digits_is_removed() -> None:
    """Each character Python reads as a space (tab, no-break, narrow no-break, ideographic…)
    may separate thousands; no other character is taken for one."""
    import sys

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    others = ["_", ".", "'", "\u200b", "\ufeff"]  # zero-width space and BOM are not spaces
    values, ok = _numbers(pd.Series([f"1{c}234,5" for c in spaces + others], dtype="str"))
    assert ok.tolist() == [True] * len(spaces) + [False] * len(others)
    assert values[:len(spaces)].tolist() == [1234.5] * len(spaces)
