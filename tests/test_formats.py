"""French formats (caqes_toolkit.formats): one minus sign, one narrow no-break space policy for numbers
and punctuation, real plurals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from caqes_toolkit.formats import (
    MINUS,
    NNBSP,
    agree,
    fmt_euros,
    fmt_num,
    fmt_pct,
    fmt_points,
    fmt_rate,
    french_spacing,
    french_spacing_html,
    plural,
    plural_form,
)

N = NNBSP


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (-3.2, 1, f"{MINUS}3,2"),
    (3.25, 2, "3,25"),
    (1234.5, 1, f"1{N}234,5"),
    (12_345_678.9, 1, f"12{N}345{N}678,9"),
    (-1_000_000, 0, f"{MINUS}1{N}000{N}000"),
    (np.int64(1000), 0, f"1{N}000"),
    (np.float64(-0.5), 1, f"{MINUS}0,5"),
])
def test_numbers(value, decimals, expected):
    assert fmt_num(value, decimals) == expected


@pytest.mark.parametrize("value", [-0.0, -0.04, 0.04, 0.0])
def test_a_value_that_rounds_to_zero_has_no_sign(value):
    assert fmt_num(value) == "0,0"
    assert fmt_points(value) == f"0,0{N}point"
    assert fmt_rate(value, sign=True) == f"0,0{N}%/an"


@pytest.mark.parametrize("value", [None, math.nan, np.nan, pd.NA, float("nan")])
def test_missing_is_a_dash(value):
    assert fmt_num(value) == fmt_pct(value) == fmt_points(value) == fmt_euros(value) == "—"


def test_rounding_is_pythons_ties_to_even_on_exact_halves():
    """2.5 and 0.125 are exact in binary: ties go to the even digit; 2.675 is 2.67499… in binary."""
    assert [fmt_num(x, 0) for x in (0.5, 1.5, 2.5, 3.5, -2.5)] == ["0", "2", "2", "4", f"{MINUS}2"]
    assert fmt_num(0.125, 2) == "0,12" and fmt_num(2.675, 2) == "2,67" and fmt_num(2.6751, 2) == "2,68"


def test_infinity():
    assert fmt_num(math.inf) == "∞" and fmt_pct(-math.inf) == f"{MINUS}∞{N}%"


def test_trim_keeps_at_most_the_decimals():
    assert [fmt_num(x, 2, trim=True) for x in (12000, 85.4, 3.256, -5, 0.001)] == [
        f"12{N}000", "85,4", "3,26", f"{MINUS}5", "0"]


def test_percentages_rates_points_euros():
    assert fmt_pct(66.25) == f"66,2{N}%"  # 66.25 is exact: tie to even
    assert fmt_pct(1.25, 2, sign=True) == f"+1,25{N}%"
    assert fmt_pct(-4.5, 2, sign=True) == f"{MINUS}4,50{N}%"
    assert fmt_rate(-5) == f"{MINUS}5,0{N}%/an" and fmt_rate(3.2, sign=True) == f"+3,2{N}%/an"
    assert fmt_rate(2.2) == f"2,2{N}%/an"
    assert fmt_points(3.2) == f"+3,2{N}points" and fmt_points(-1.0) == f"{MINUS}1,0{N}point"
    assert fmt_points(1.96) == f"+2,0{N}points"  # the unit follows the number shown
    assert fmt_points(-18.7, sign=False) == f"{MINUS}18,7{N}points"
    assert fmt_euros(1014.24) == f"1{N}014,24{N}€"
    assert fmt_euros(-1234.5) == f"{MINUS}1{N}234,50{N}€"
    assert fmt_euros(100_000, 0) == f"100{N}000{N}€"
    assert fmt_num(12, 0, unit="k€") == f"12{N}k€"


def test_no_ascii_hyphen_and_no_plain_space_anywhere():
    values = [-0.001, -1.5, -1234.5678, -10**9, 42, 1e6]
    for x in values:
        for text in (fmt_num(x, 3), fmt_pct(x), fmt_points(x), fmt_euros(x), fmt_rate(x), fmt_num(x, 2, trim=True)):
            assert "-" not in text and " " not in text and "\u00a0" not in text, text


# --- punctuation: one no-break space (U+202F) inside « » and before ; : ! ? % -------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Score : 80 %", f"Score{N}: 80{N}%"),
    ("voir « Mode d'emploi ».", f"voir «{N}Mode d'emploi{N}»."),
    ("«x»", f"«{N}x{N}»"),
    ("a ; b ! c ? d", f"a{N}; b{N}! c{N}? d"),
    ("a\u00a0: b", f"a{N}: b"),             # a no-break space of another width becomes the policy's
    ("50%, 7 %/an", f"50{N}%, 7{N}%/an"),
    ("Note :\nsuite", f"Note{N}:\nsuite"),
    ("« Oui ? »", f"«{N}Oui{N}?{N}»"),
])
def test_french_spacing(text, expected):
    assert french_spacing(text) == expected
    assert french_spacing(expected) == expected  # idempotent


@pytest.mark.parametrize("text", ["https://ars.fr/a?b=c:d", "C:\\Users\\x", "10:30", "a?b", "IPAQSS (score, %)",
                                  "sans ponctuation"])
def test_french_spacing_leaves_what_is_not_prose(text):
    assert french_spacing(text) == text


def test_french_spacing_html_touches_the_text_only():
    html = ('<p class="a : b" title="x ; y">Note : « x »</p><!-- a : b --><script>a ? b : c;</script>'
            '<code>cle : valeur</code><style>p { a : b }</style> fin !')
    assert french_spacing_html(html) == (
        f'<p class="a : b" title="x ; y">Note{N}: «{N}x{N}»</p><!-- a : b --><script>a ? b : c;</script>'
        f'<code>cle : valeur</code><style>p {{ a : b }}</style> fin{N}!')


# --- counts: real plurals, never « (s) » --------------------------------------------------------
@pytest.mark.parametrize(("n", "singular", "expected"), [
    (0, "échec", "0 échec"),
    (1, "établissement", "1 établissement"),
    (18, "établissement", "18 établissements"),
    (2, "indicateur non renseigné", "2 indicateurs non renseignés"),
    (3, "contrat de volet incitatif", "3 contrats de volet incitatif"),
    (20, "rapport disponible", "20 rapports disponibles"),
    (2, "plan d'actions", "2 plans d'actions"),  # from « d'… » on: the complement, left alone
    (2, "FINESS", "2 FINESS"),
    (4, "écart régional", "4 écarts régionaux"),
    (2, "niveau", "2 niveaux"),
    (1234, "ligne écrite", f"1{N}234 lignes écrites"),
])
def test_plural(n, singular, expected):
    assert plural(n, singular) == expected


def test_agreement_of_a_verb_is_given():
    assert plural(1, "établissement progresse", "établissements progressent") == "1 établissement progresse"
    assert plural(18, "établissement progresse", "établissements progressent") == "18 établissements progressent"
    assert agree(1, "reçue") == "reçue" and agree(18, "manquante") == "manquantes"
    assert plural_form("non ciblé") == "non ciblés"
    # an adjective after the complement agrees with the noun: the caller gives the plural
    assert plural(2, "plan d'actions écrit", "plans d'actions écrits") == "2 plans d'actions écrits"
