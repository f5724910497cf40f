"""The faults of a validation as a table, written for people (``.xlsx``) or programs (``.csv``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import Fault
from ..outputs import write_table

__all__ = ["write_faults"]


def write_faults(faults: Sequence[Fault], path: Path) -> None:
    """Write every fault (fichier, ligne, colonne, valeur, attendu, gravite, code), atomically, to
    a ``.csv`` file (values verbatim, for programs) or an ``.xlsx`` workbook (for people: a value
    such as « =HYPERLINK(…) » stays a text, see :func:`~caqes_toolkit.outputs.write_table`)."""
    table = pd.DataFrame({
        "fichier": [f.source for f in faults],
        "ligne": pd.array([f.line for f in faults], dtype="Int64"),
        "colonne": [f.column for f in faults], "valeur": [f.value for f in faults],
        "attendu": [f.expected for f in faults], "gravite": [f.severity for f in faults],
        "code": [str(f.code) for f in faults]})
    write_table({"anomalies": table}, path)
