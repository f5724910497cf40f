"""The input tables, each declared once: what is read, checked, typed and documented.

A :class:`TableSpec` names a table (its file ``<name>.csv`` or its sheet ``<name>``), the
:class:`~caqes_toolkit.data.dataset.Dataset` attribute that holds it, its columns and its
unique key. A :class:`ColumnSpec` gives a column's dtype in the Dataset, how validation reads
it (``kind``, with its bounds or choices and the French text of what a cell must hold) and its
line in the README's data table. File, sheet and column names are compared as analysts type
them (:func:`~caqes_toolkit.data.names.name_key`). Adding a table is adding one :class:`TableSpec`
to :data:`TABLES` (and its typed attribute to the Dataset, which a test checks); a new kind of
column is one parser more in :data:`~caqes_toolkit.data.parsers.PARSERS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONTRACT_YEARS", "MATURITY_STEPS", "MAX_EUROS", "NO_END_DATES", "TABLES", "ColumnSpec", "Kind",
           "TableSpec", "readme_table", "table"]

#: Ceiling of every amount in euros the data give (``produits_am``, ``depenses.montant``): 10¹² €,
#: a thousand times the Assurance Maladie's yearly spending on one hospital group. Above it an
#: amount is a typing or unit mistake (« 1,7e308 »), never a figure to compute money from.
MAX_EUROS = 10**12
#: Years a contract date may fall in (a CAQES contract is signed and ends within them).
CONTRACT_YEARS = (2000, 2100)
#: End dates that spreadsheets and registers write for « no end »: read as an empty ``date_fin``.
NO_END_DATES = ("9999-12-31", "2999-12-31")

#: How validation reads a column (each kind is one parser in :data:`caqes_toolkit.data.parsers.PARSERS`).
Kind = Literal[
    "finess_declared",  # the FINESS that etablissements declares (format, Luhn key, unique)
    "finess",           # a FINESS declared in etablissements
    "year",             # a 4-digit year (a year typed in a date cell is read, with a warning)
    "indicator",        # an indicator code of the campaign
    "value",            # a result: number, oui/non, NC or empty, as its indicator's rule says
    "reference_value",  # a reference: a number (0–100 for a % indicator)
    "target_value",     # an establishment's own target (cibles): read as a reference value
    "text",             # any text, stripped
    "filled",           # a text that must not be empty
    "yes_no",           # « oui » or « non », read as a bool
    "choice",           # one of ``choices`` (case ignored)
    "activities",       # activities among ACTIVITIES, separated by « ; » or « , »
    "number",           # a number in [low, high]
    "date",             # AAAA-MM-JJ or JJ/MM/AAAA
    "volet",            # a volet code of the campaign
    "expense_line",     # an expense line (poste) of the campaign's volets
    "derived",          # not read: computed from another column (nc, brut)
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its name, dtype in the Dataset, how it is read and checked, its README text.

    ``required``: the file must have it (an optional column absent reads as empty);
    ``expected``: the French text of what a cell holds, for ``filled``, ``choice`` and
    ``number`` columns; ``low``/``high``/``suffix``/``allow_empty``: bounds, unit sign
    stripped and empty cells allowed for ``number``; for ``date``, ``low``/``high`` bound the
    year and ``allow_empty`` reads an empty cell, or a date of :data:`NO_END_DATES`, as « no end ».
    ``doc`` may name ``{activities}`` (the list of :mod:`~caqes_toolkit.rules.objectives`, filled in the README).
    """

    name: str
    dtype: str
    kind: Kind
    required: bool = True
    doc: str = ""
    expected: str = ""
    choices: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    low: float | None = None
    high: float | None = None
    suffix: str = ""
    allow_empty: bool = False

    @property
    def read(self) -> bool:
        """Whether the column is read from the file (``derived`` ones are computed)."""
        return self.kind != "derived"


@dataclass(frozen=True)
class TableSpec:
    """One input table: file ``<name>.csv`` or sheet ``<name>``, Dataset attribute ``field``.

    ``key``: columns that identify a row (two rows with one key are a ``duplicate-row``);
    ``checks``: checks across columns, by name (:data:`~caqes_toolkit.data.table_checks.TABLE_CHECKS`).
    """

    name: str
    field: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Columns of the Dataset table, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.read and c.required)

    @property
    def known_columns(self) -> tuple[str, ...]:
        """Columns read from the file: the required ones, then the optional ones."""
        return self.required_columns + tuple(c.name for c in self.columns if c.read and not c.required)

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}

    def empty(self) -> pd.DataFrame:
        """The table with no row: its columns and dtypes."""
        import pandas as pd  # deferred: the registry names the files before pandas is loaded

        return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in self.columns})


MATURITY_STEPS: tuple[str, ...] = tuple(f"etape_{i}" for i in range(1, 8))

_FINESS = ColumnSpec("finess", "str", "finess")
_YEAR = ColumnSpec("annee", "int64", "year")
_INDICATOR = ColumnSpec("indicateur", "str", "indicator")
_VALUE = (ColumnSpec("valeur", "float64", "value",
                     doc="nombre, oui/non, `NC` = non concerné, vide = non renseigné"),
          ColumnSpec("nc", "bool", "derived"), ColumnSpec("brut", "str", "derived"))

TABLES: tuple[TableSpec, ...] = (
    TableSpec("etablissements", "establishments", required=True, key=("finess",), columns=(
        ColumnSpec("finess", "str", "finess_declared", doc="9 caractères, texte : zéros initiaux, 2A/2B"),
        ColumnSpec("raison_sociale", "str", "filled", expected="nom de l'établissement"),
        ColumnSpec("region", "str", "filled", expected="région de l'établissement"),
        ColumnSpec("activites", "str", "activities", doc="{activities} séparées par `;` ou `,`"),
        ColumnSpec("liste_en_sus", "bool", "yes_no", doc="oui/non"),
        ColumnSpec("produits_am", "float64", "number", required=False, doc="euros, 10¹² € au plus", low=0,
                   high=MAX_EUROS, suffix="€", allow_empty=True,
                   expected="un montant positif en euros, 10¹² € au plus (ex. « 12 345 678,90 ») ou vide"),
        ColumnSpec("courriel", "str", "text", required=False,
                   doc="adresse électronique de l'établissement : destinataire de son dossier d'envoi et "
                   "contact du suivi des grilles"),
    )),
    TableSpec("resultats", "results", required=True, key=("finess", "annee", "indicateur"),
              checks=("fractions_by_establishment",),
              columns=(_FINESS, _YEAR, _INDICATOR, *_VALUE)),
    TableSpec("references", "references", key=("indicateur", "annee", "niveau", "region"),
              checks=("fractions",), columns=(
        _INDICATOR, _YEAR,
        ColumnSpec("niveau", "str", "choice", doc="national/regional",
                   choices=MappingProxyType({"national": "national", "regional": "regional",
                                             "régional": "regional"}),
                   expected="« national » ou « regional »"),
        ColumnSpec("valeur", "float64", "reference_value"),
        ColumnSpec("region", "str", "text", required=False),
    )),
    TableSpec("maturite", "maturity", key=("finess", "annee"), columns=(
        _FINESS, _YEAR,
        *(ColumnSpec(step, "float64", "number", doc="cotations 0–5", low=0, high=5,
                     expected="un nombre de 0 à 5 (cotation de l'étape)") for step in MATURITY_STEPS),
    )),
    TableSpec("ajustements", "adjustments", key=("finess", "annee", "indicateur"), columns=(
        _FINESS, _YEAR, _INDICATOR, *_VALUE,
        ColumnSpec("motif", "str", "text", doc="phase contradictoire"),
    )),
    TableSpec("cibles", "targets", key=("finess", "annee", "indicateur"), checks=("individual_targets",),
              columns=(
        _FINESS, _YEAR,
        ColumnSpec("indicateur", "str", "indicator", doc="indicateur du volet obligatoire à règle `cible`"),
        ColumnSpec("cible", "float64", "target_value", doc="cible de l'établissement pour l'année, "
                   "celle de son avenant : un nombre, de 0 à 100 pour un indicateur en %"),
    )),
    TableSpec("contrats", "contracts", key=("finess", "volet", "date_debut"),
              checks=("contract_periods",), columns=(
        _FINESS,
        ColumnSpec("volet", "str", "volet", doc="code d'un volet additionnel de la campagne : "
                   "transports, pertinence, qualite"),
        ColumnSpec("date_debut", "datetime64[ns]", "date", low=CONTRACT_YEARS[0], high=CONTRACT_YEARS[1]),
        ColumnSpec("date_fin", "datetime64[ns]", "date", allow_empty=True, low=CONTRACT_YEARS[0],
                   high=CONTRACT_YEARS[1], doc="`AAAA-MM-JJ` ou `JJ/MM/AAAA`, de 2000 à 2100 ; vide, 31/12/2999 "
                   "ou 31/12/9999 = sans fin ; 5 ans au plus"),
    )),
    TableSpec("depenses", "expenses", key=("finess", "annee", "poste"), checks=("plausible_expenses",), columns=(
        _FINESS, _YEAR,
        ColumnSpec("poste", "str", "expense_line", doc="poste de dépense d'un volet, ex. `transports`"),
        ColumnSpec("montant", "float64", "number", low=0, high=MAX_EUROS, suffix="€",
                   expected="un montant positif ou nul en euros, 10¹² € au plus (ex. « 1 250 000,00 »)",
                   doc="euros remboursés par l'Assurance Maladie dans l'année, 10¹² € au plus ; "
                   "« 1 250 000,00 » accepté"),
    )),
)

_BY_NAME = {spec.name: spec for spec in TABLES}
_BY_FIELD = {spec.field: spec for spec in TABLES}


def table(name: str) -> TableSpec:
    """The specification of a table, by file name (``resultats``) or Dataset field (``results``)."""
    return _BY_NAME.get(name) or _BY_FIELD[name]


_NUMBERED = re.compile(r"(.*_)([0-9]+)")


def _readme_columns(spec: TableSpec) -> str:
    """The README's text for a table's columns; a run of numbered columns sharing one text
    (``etape_1`` … ``etape_7``) is written once."""
    parts: list[str] = []
    columns = [c for c in spec.columns if c.read]
    i = 0
    while i < len(columns):
        column, j = columns[i], i + 1
        first = _NUMBERED.fullmatch(column.name)
        while (first and j < len(columns) and columns[j].doc == column.doc
               and (m := _NUMBERED.fullmatch(columns[j].name)) and m.group(1) == first.group(1)):
            j += 1
        name = f"`{column.name}`" + (f" … `{columns[j - 1].name}`" if j - i > 2 else "")
        notes = ", ".join(n for n in ("" if column.required else "facultatif", column.doc) if n)
        parts.append(name + (f" ({notes})" if notes else ""))
        i = j if j - i > 2 else i + 1
    return ", ".join(parts)


def readme_table() -> str:
    """The README's table of the input tables (« Données (contrat d'entrée) »), in Markdown."""
    from ..rules.objectives import ACTIVITIES  # deferred: the Dataset does not need the rules

    lines = ["| fichier / onglet | colonnes |", "|---|---|"]
    for spec in TABLES:
        label = f"`{spec.name}`" + ("" if spec.required else " (facultatif)")
        lines.append(f"| {label} | {_readme_columns(spec)} |")
    return "\n".join(lines).replace("{activities}", ", ".join(ACTIVITIES))
