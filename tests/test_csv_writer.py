"""The machine CSV written column by column is pandas' ``to_csv`` to the byte, whatever the values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caqes_toolkit.outputs import csv_text, write_table

N = 12
TEXT = st.text(st.sampled_from(["a", "é", ",", '"', "\n", "\r", " ", ";", "\t", "=", "\u202f", "x"]), max_size=6)
FLOAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                  st.sampled_from([0.0, -0.0, 100.0, 1e-4, 9.9999e-5, 1e-5, 1e15, 1e16, 123456789012345.6,
                                   5939431.0, 59394.31, 1 / 3, 2.5e-8, 1.7976931348623157e308, 5e-324]))


def _same(df: pd.DataFrame) -> None:
    assert csv_text(df) == df.to_csv(index=False)


@settings(max_examples=150, deadline=None)
@given(floats=st.lists(FLOAT, min_size=N, max_size=N), texts=st.lists(st.one_of(st.none(), TEXT), min_size=N, max_size=N),
       ints=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=N, max_size=N),
       optional=st.lists(st.one_of(st.none(), st.integers(-(10**12), 10**12)), min_size=N, max_size=N),
       flags=st.lists(st.booleans(), min_size=N, max_size=N))
def test_same_bytes_as_pandas(floats, texts, ints, optional, flags):
    _same(pd.DataFrame({
        "valeur": np.array(floats, dtype=float),
        "texte": pd.Series(texts, dtype="str"),
        "objet": pd.Series(texts, dtype=object),
        "entier": np.array(ints, dtype=np.int64),
        "rang": pd.array(optional, dtype="Int64"),
        "oui": np.array(flags, dtype=bool),
        "Nom, « avec » \"guillemets\"": [f"{x}" for x in range(N)],
    }))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FLOAT, min_size=1, max_size=50))
def test_floats_as_repr(floats):
    df = pd.DataFrame({"x": np.array(floats, dtype=float), "y": np.array(floats, dtype=float)[::-1]})
    _same(df)


@pytest.mark.parametrize("column", [
    pd.Series(pd.to_datetime(["2019-01-01", None, "2020-02-29"])),
    pd.Series(["a", 1, None], dtype=object),
    pd.Series(["a", "b", "a"], dtype="category"),
    pd.Series([1.5, None, 2.0], dtype="Float64"),
    pd.Series([True, None, False], dtype="boolean"),
])
def test_other_types_as_pandas(column):
    _same(pd.DataFrame({"x": column, "y": ["p", "q,r", ""]}))


def test_one_column_and_no_row_as_pandas():
    _same(pd.DataFrame({"x": ["", "a"]}))  # a lone empty cell is quoted
    _same(pd.DataFrame({"x": pd.Series(dtype=float), "y": pd.Series(dtype="str")}))


def test_write_table_writes_those_bytes(tmp_path):
    df = pd.DataFrame({"finess": ["010000016", "020000014"], "score_global": [64.5, np.nan],
                       "raison_sociale": ['Clinique "A", Lyon', "B\nC"], "annee": [2019, 2019]})
    write_table({"scores": df}, tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_bytes() == df.to_csv(index=False).encode("utf-8")
