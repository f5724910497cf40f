"""French number formats (caqes_toolkit.formats): one minus sign, one narrow no-break space policy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from caqes_toolkit.formats import MINUS, NNBSP, fmt_euros, fmt_num, fmt_pct, fmt_points, fmt_rate

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
