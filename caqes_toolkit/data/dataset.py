"""The validated input of one region: typed tables with documented columns.

Each table (a pandas DataFrame) has the columns and dtypes of its
:class:`~caqes_toolkit.data.tables.TableSpec` in :data:`~caqes_toolkit.data.tables.TABLES`
(French names, as in the README's data contract, « Données »); an optional table that is
absent is an empty table with these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

import pandas as pd

from ..errors import Fault
from .tables import MATURITY_STEPS, TABLES, table

__all__ = ["COLUMNS", "MATURITY_STEPS", "Dataset", "SourceFile", "empty_table"]

#: Columns of each Dataset table, by field (``COLUMNS["results"]``).
COLUMNS: dict[str, tuple[str, ...]] = {spec.field: spec.names for spec in TABLES}


def empty_table(name: str) -> pd.DataFrame:
    """An empty table (by Dataset field or file name) with its columns and dtypes."""
    return table(name).empty()


@dataclass(frozen=True)
class SourceFile:
    """An input file (or workbook sheet) and the SHA-256 of its bytes, for provenance."""

    name: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """Validated input tables of one region (see the module docstring for the columns)."""

    establishments: pd.DataFrame
    results: pd.DataFrame
    references: pd.DataFrame = field(default_factory=partial(empty_table, "references"))
    maturity: pd.DataFrame = field(default_factory=partial(empty_table, "maturity"))
    adjustments: pd.DataFrame = field(default_factory=partial(empty_table, "adjustments"))
    sources: tuple[SourceFile, ...] = ()
    warnings: tuple[Fault, ...] = ()
    contracts: pd.DataFrame = field(default_factory=partial(empty_table, "contracts"))
    expenses: pd.DataFrame = field(default_factory=partial(empty_table, "expenses"))
    targets: pd.DataFrame = field(default_factory=partial(empty_table, "targets"))

    @property
    def years(self) -> list[int]:
        """Years that have at least one result, ascending."""
        return sorted(int(y) for y in self.results["annee"].unique())

    def only(self, finess: list[str] | tuple[str, ...]) -> Dataset:
        """The same data restricted to some establishments (references are kept whole)."""
        keep = set(finess)

        def sub(df: pd.DataFrame) -> pd.DataFrame:
            return df[df["finess"].isin(keep)].reset_index(drop=True)

        return replace(self, **{spec.field: sub(getattr(self, spec.field))
                                for spec in TABLES if "finess" in spec.names})
