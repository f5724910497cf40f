"""The follow-up board of a collection of returned grids (``caqes collecte --suivi``): one row per
establishment saying whether its grid came back, when, in what state, whom to write to and whether
a reminder is due.

Statuses: « reçue » (valid and complete), « incomplète » (valid, some values left empty),
« invalide » (refused: the faults say why), « manquante » (no grid returned). A reminder is due
(« à faire ») for a grid to correct or complete, and for a missing one once the deadline has passed
(before it, the day after the deadline); a grid is late when it came back after the deadline, or
is still missing after it. The date received is the date of the returned file (the day it was
saved in the folder of returns).

The ``.xlsx`` is for people (French headers and values, dates as dates, frozen header, filters,
A4 landscape, like ``scores.xlsx``); the ``.csv`` for programs (the same columns, machine names,
ISO dates).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import CaqesError
from ..outputs import write_table

__all__ = ["BOARD_COLUMNS", "LABELS", "STATUSES", "board", "read_board", "write_board"]

#: Statuses of an establishment on the board, in the order they are counted.
STATUSES: tuple[str, ...] = ("reçue", "incomplète", "invalide", "manquante")
#: Columns of the board, and their headers in the workbook.
LABELS: dict[str, str] = {
    "finess": "FINESS", "raison_sociale": "Raison sociale", "statut": "Statut",
    "date_reception": "Date de réception", "en_retard": "En retard", "relance": "Relance",
    "contact": "Contact", "valeurs_manquantes": "Valeurs manquantes", "anomalies": "Anomalies",
    "fichier": "Fichier",
}
BOARD_COLUMNS: tuple[str, ...] = tuple(LABELS)
DUE = "à faire"


def board(returns: pd.DataFrame, deadline: dt.date | None, today: dt.date | None = None) -> pd.DataFrame:
    """The board of ``returns`` (one row per establishment: finess, raison_sociale, statut,
    date_reception, contact, valeurs_manquantes, anomalies, fichier): lateness and reminders
    against ``deadline`` (none: a missing grid is reminded at once, nothing is late)."""
    today = today or dt.date.today()
    passed = deadline is not None and today > deadline
    received = pd.to_datetime(returns["date_reception"])
    missing = returns["statut"] == "manquante"
    late = (received.dt.date > deadline).fillna(False) if deadline is not None else pd.Series(False, returns.index)
    late = late | (missing & passed)
    to_fix = returns["statut"].isin(["incomplète", "invalide"])
    later = f"après le {deadline:%d/%m/%Y}" if deadline is not None and not passed else DUE
    reminder = pd.Series("non", index=returns.index).mask(to_fix, DUE).mask(missing, later)
    out = returns.assign(date_reception=received, en_retard=late.map({True: "oui", False: "non"}),
                         relance=reminder)
    out["valeurs_manquantes"] = out["valeurs_manquantes"].astype("Int64")
    out["anomalies"] = out["anomalies"].astype("Int64")
    return out[list(BOARD_COLUMNS)]


def write_board(table: pd.DataFrame, path: str | Path) -> None:
    """The board as ``.xlsx`` (for people) or ``.csv`` (for programs); every text stays a text (an
    establishment's name may start with « = »)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise CaqesError(f"{path} : extension attendue .csv ou .xlsx pour le tableau de suivi")
    if path.suffix.lower() == ".csv":
        write_table({"suivi": table.assign(date_reception=table["date_reception"].dt.strftime("%Y-%m-%d"))}, path)
        return
    write_table({"Suivi des grilles": table}, path, LABELS, decimals=0)


def read_board(path: Path) -> pd.DataFrame:
    """A board written by :func:`write_board` (either format), with its machine column names."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    return frame.rename(columns={label: name for name, label in LABELS.items()})
