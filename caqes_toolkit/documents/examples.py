"""The fictitious data of the method documents' worked examples, typed as the data reader types the
real ones: each table through its declaration in the table registry (:mod:`caqes_toolkit.data.tables`).

The examples are computed by the engine itself (scoring, money) on this data, so that a method
document cannot disagree with the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..data.dataset import Dataset
from ..data.tables import TABLES
from ..rules.objectives import ACTIVITIES

__all__ = ["EXAMPLE_FINESS", "EXAMPLE_INCOME", "example_dataset", "example_establishments"]

#: The FINESS of the first fictitious establishment (« EX0000001 », then « EX0000002 »…).
EXAMPLE_FINESS = "EX0000001"
#: Assurance Maladie income of a fictitious establishment, in euros.
EXAMPLE_INCOME = 10_000_000.0
#: What a column left out holds, by dtype (a table's derived columns: not declared NC, no raw text).
_FILL: dict[str, Any] = {"bool": False, "str": "", "float64": float("nan"), "datetime64[ns]": pd.NaT}


def example_establishments(finess: Sequence[str] = (EXAMPLE_FINESS,), income: float = EXAMPLE_INCOME) -> dict:
    """The ``etablissements`` rows of fictitious establishments that every indicator applies to:
    every activity, with liste en sus, ``income`` of Assurance Maladie income (NaN: unknown)."""
    return {"finess": list(finess), "raison_sociale": "Exemple", "region": "Exemple",
            "activites": ";".join(ACTIVITIES), "liste_en_sus": True, "produits_am": income}


def _table(columns: dict[str, Any], spec_names: tuple[str, ...], dtypes: dict[str, str]) -> pd.DataFrame:
    rows = max((len(v) for v in columns.values() if isinstance(v, list | tuple | pd.Series)), default=1)
    unknown = set(columns) - set(spec_names)
    if unknown:
        raise ValueError(f"colonnes inconnues : {', '.join(sorted(unknown))}")
    data = {name: columns.get(name, _FILL.get(dtypes[name])) for name in spec_names}
    return pd.DataFrame(data, index=range(rows), columns=list(spec_names)).astype(dtypes)


def example_dataset(**tables: dict[str, Any]) -> Dataset:
    """A Dataset of fictitious data: each table given by Dataset field (``results={"finess": […], …}``),
    its columns typed by the registry (a column left out: not declared NC, no raw text, no value);
    the tables not given are empty."""
    unknown = set(tables) - {spec.field for spec in TABLES}
    if unknown:
        raise ValueError(f"tables inconnues : {', '.join(sorted(unknown))}")
    return Dataset(**{spec.field: _table(tables[spec.field], spec.names, spec.dtypes) if spec.field in tables
                      else spec.empty() for spec in TABLES})
