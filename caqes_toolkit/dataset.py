"""The validated input of one region: typed tables with documented columns.

Tables (pandas DataFrames, French column names as in the data contract, METHOD.md §7):

``establishments`` (sheet ``etablissements``)
    finess (str, 9 characters), raison_sociale (str), region (str),
    activites (str, canonical ``"MCO;SSR"`` in ACTIVITIES order), liste_en_sus (bool),
    produits_am (float, NaN when unknown).
``results`` (sheet ``resultats``)
    finess (str), annee (int), indicateur (str), valeur (float: the number, 1/0 for oui/non,
    NaN for NC or empty), nc (bool), brut (str: the text as given).
``references`` (sheet ``references``)
    indicateur (str), annee (int), niveau ("national" | "regional"), valeur (float),
    region (str, "" = every region).
``maturity`` (sheet ``maturite``)
    finess (str), annee (int), etape_1 … etape_7 (float, 0–5).
``adjustments`` (sheet ``ajustements``)
    finess, annee, indicateur, valeur, nc, brut (as ``results``), motif (str).

Optional sheets that are absent are empty tables with these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from .errors import Fault

__all__ = ["COLUMNS", "Dataset", "SourceFile"]

MATURITY_STEPS = tuple(f"etape_{i}" for i in range(1, 8))

COLUMNS: dict[str, tuple[str, ...]] = {
    "establishments": ("finess", "raison_sociale", "region", "activites", "liste_en_sus", "produits_am"),
    "results": ("finess", "annee", "indicateur", "valeur", "nc", "brut"),
    "references": ("indicateur", "annee", "niveau", "valeur", "region"),
    "maturity": ("finess", "annee", *MATURITY_STEPS),
    "adjustments": ("finess", "annee", "indicateur", "valeur", "nc", "brut", "motif"),
}


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
    references: pd.DataFrame
    maturity: pd.DataFrame
    adjustments: pd.DataFrame
    sources: tuple[SourceFile, ...] = ()
    warnings: tuple[Fault, ...] = field(default=())

    @property
    def years(self) -> list[int]:
        """Years that have at least one result, ascending."""
        return sorted(int(y) for y in self.results["annee"].unique())

    def only(self, finess: list[str] | tuple[str, ...]) -> Dataset:
        """The same data restricted to some establishments (references are kept whole)."""
        keep = set(finess)

        def sub(df: pd.DataFrame) -> pd.DataFrame:
            return df[df["finess"].isin(keep)].reset_index(drop=True)

        return replace(
            self,
            establishments=sub(self.establishments),
            results=sub(self.results),
            maturity=sub(self.maturity),
            adjustments=sub(self.adjustments),
        )
