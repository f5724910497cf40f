"""The workbook that accompanies a synthesis: every row of the lists the PDF only begins.

A synthesis of 3,000 establishments cannot print every establishment proposed for a sanction or
every incomplete return; it shows the first ones and names the workbook and sheet that hold them
all. The workbook (``synthese_regionale_<année>.xlsx``, beside the synthesis) is written with
:func:`caqes_toolkit.outputs.write_table`: atomically, every text a text (never a formula); each
generation's synthesis gives its sheets (``workbook_sheets``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..formats import fmt_num, plural
from ..outputs import write_table

__all__ = ["SHEETS", "more_note", "more_notes", "synthesis_stem", "workbook_name", "write_workbook"]

#: Sheet names, by the list they hold.
SHEETS = {
    "establishments": "Établissements",
    "sanctions": "Sanctions",
    "incomplete": "Incomplets",
    "missing": "Sans données",
    "indicators": "Indicateurs",
    "contracts": "Contrats",
    "targeting": "Ciblage",
}


def synthesis_stem(annee: int) -> str:
    """File name, without suffix, of a synthesis and of its workbook."""
    return f"synthese_regionale_{annee}"


def workbook_name(annee: int) -> str:
    return f"{synthesis_stem(annee)}.xlsx"


def more_note(shown: int, total: int, sheet: str, annee: int) -> str:
    """« … et 285 autres : voir le classeur …xlsx, onglet Sanctions. » ("" when all are shown)."""
    rest = total - shown
    if rest <= 0:
        return ""
    return (f"… et {plural(rest, 'autre')} (liste complète de {fmt_num(total, 0)} : voir le classeur "
            f"{workbook_name(annee)}, onglet « {SHEETS[sheet]} »).")


def more_notes(shown: int, total: int, sheet: str, annee: int) -> list[str]:
    """:func:`more_note` as a list of notes (empty when all are shown)."""
    note = more_note(shown, total, sheet, annee)
    return [note] if note else []


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the companion workbook (atomically; texts never formulas)."""
    write_table({name: df.reset_index(drop=True) for name, df in sheets.items()}, path)
    return Path(path)
