"""The validated input of one region: typed tables with documented columns.

Tables (pandas DataFrames, French column names as in the data contract in README.md, « Données »):

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
``contracts`` (sheet ``contrats``: contracts of the additional volets)
    finess (str), volet (str, a volet code of the campaign), date_debut (datetime64),
    date_fin (datetime64, NaT = open-ended).
``expenses`` (sheet ``depenses``: Assurance Maladie spending per calendar year)
    finess (str), annee (int), poste (str, an expense line of the campaign's volets),
    montant (float, euros, ≥ 0).

Optional sheets that are absent are empty tables with these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from ..errors import Fault

__all__ = ["COLUMNS", "Dataset", "SourceFile", "empty_table"]

MATURITY_STEPS = tuple(f"etape_{i}" for i in range(1, 8))

COLUMNS: dict[str, tuple[str, ...]] = {
    "establishments": ("finess", "raison_sociale", "region", "activites", "liste_en_sus", "produits_am"),
    "results": ("finess", "annee", "indicateur", "valeur", "nc", "brut"),
    "references": ("indicateur", "annee", "niveau", "valeur", "region"),
    "maturity": ("finess", "annee", *MATURITY_STEPS),
    "adjustments": ("finess", "annee", "indicateur", "valeur", "nc", "brut", "motif"),
    "contracts": ("finess", "volet", "date_debut", "date_fin"),
    "expenses": ("finess", "annee", "poste", "montant"),
}
_VOLET_DTYPES: dict[str, dict[str, str]] = {
    "contracts": {"finess": "str", "volet": "str", "date_debut": "datetime64[ns]",
                  "date_fin": "datetime64[ns]"},
    "expenses": {"finess": "str", "annee": "int64", "poste": "str", "montant": "float64"},
}


def empty_table(name: str) -> pd.DataFrame:
    """An empty ``contracts`` or ``expenses`` table with its columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _VOLET_DTYPES[name].items()})


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
    contracts: pd.DataFrame = field(default_factory=lambda: empty_table("contracts"))
    expenses: pd.DataFrame = field(default_factory=lambda: empty_table("expenses"))

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
            contracts=sub(self.contracts),
            expenses=sub(self.expenses),
        )
