"""The table registry (caqes_toolkit/data/tables.py) drives reading, validation, the Dataset and
the README: each input table is declared once."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import pytest

import caqes_toolkit.data.names as names
import caqes_toolkit.data.read as read
import caqes_toolkit.data.validation as validation
from caqes_toolkit.data.dataset import COLUMNS, Dataset, empty_table
from caqes_toolkit.data.parsers import PARSERS
from caqes_toolkit.data.read import read_source
from caqes_toolkit.data.table_checks import TABLE_CHECKS
from caqes_toolkit.data.tables import TABLES, ColumnSpec, Kind, TableSpec, readme_table, table

from .test_hostile_input import APHM, APHP, CAMPAIGN, csv_region

ROOT = Path(__file__).resolve().parents[1]


def test_dataset_has_one_typed_table_per_declaration() -> None:
    frames = [f.name for f in dataclasses.fields(Dataset) if f.type in (pd.DataFrame, "pd.DataFrame")]
    assert sorted(frames) == sorted(spec.field for spec in TABLES)
    assert COLUMNS["results"] == ("finess", "annee", "indicateur", "valeur", "nc", "brut")
    empty = Dataset(empty_table("establishments"), empty_table("results"))
    assert [str(t) for t in empty.contracts.dtypes] == ["str", "str", "datetime64[ns]", "datetime64[ns]"]


def test_each_kind_and_check_is_implemented() -> None:
    """Every column kind but ``derived`` (computed, never read) has its parser, and only those;
    every check a table names is registered."""
    assert set(PARSERS) == set(get_args(Kind)) - {"derived"}
    assert {name for spec in TABLES for name in spec.checks} <= set(TABLE_CHECKS)
    for spec in TABLES:
        assert set(spec.key) <= set(spec.known_columns), spec.name
    assert table("resultats") is table("results")


def test_readme_table_is_the_registry() -> None:
    readme = (ROOT / "docs" / "donnees.md").read_text(encoding="utf-8")
    assert "\n" + readme_table() + "\n\n" in readme
    assert "| `maturite` (facultatif) | `finess`, `annee`, `etape_1` … `etape_7` (cotations 0–5) |" in readme_table()


def test_a_new_table_is_one_declaration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table declared in the registry alone is found (name as typed), read, checked (kinds,
    key) and typed."""
    goals = TableSpec("objectifs", "goals", key=("finess", "annee"), columns=(
        ColumnSpec("finess", "str", "finess"), ColumnSpec("annee", "int64", "year"),
        ColumnSpec("cible", "float64", "number", low=0, high=100, expected="un nombre de 0 à 100")))
    monkeypatch.setattr(validation, "TABLES", (*TABLES, goals))
    for module in (names, read):  # the table names, derived from TABLES when the modules load
        monkeypatch.setattr(module, "TABLE_NAMES", (*module.TABLE_NAMES, "objectifs"))
    folder = csv_region(tmp_path)
    (folder / "Objectifs.csv").write_text(
        f"finess;annee;cible\n{APHP};2018;80\n{APHM};2018;120\n{APHP};2018;70\n{APHM};2019;\n", encoding="utf-8")

    checked = validation.check(read_source(folder), CAMPAIGN)

    assert [(f.source, f.line, f.column, f.code) for f in checked.faults] == [
        ("objectifs.csv", 3, "cible", "out-of-range"),
        ("objectifs.csv", 4, "finess, annee", "duplicate-row"),
        ("objectifs.csv", 5, "cible", "blank-cell")]
    (folder / "Objectifs.csv").write_text(f"finess;annee;cible\n{APHP};2018;80,5\n", encoding="utf-8")
    tables = validation.check(read_source(folder), CAMPAIGN).tables
    assert tables is not None
    assert tables["goals"].to_dict("list") == {"finess": [APHP], "annee": [2018], "cible": [80.5]}
    assert tables["goals"]["annee"].dtype == np.int64
