"""What reading gives: every table as text (:class:`RawTable`) and the source it came from
(:class:`RawSource`), with the helpers that the CSV and workbook readers share (blank rows
dropped, lines numbered as a spreadsheet shows them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Fault, FaultCode, os_reason
from .dataset import SourceFile

__all__ = ["SHEET_SEP", "RawSource", "RawTable", "ambiguous", "empty_table", "factorize", "make_table",
           "normalise_header", "renamed", "str_series", "unreadable", "with_faults"]

SHEET_SEP = " › "
# pandas' "str" dtype: Arrow strings under pandas 3 (built from Arrow columns without a copy),
# numpy objects under pandas 2
_STR = pd.Series(dtype="str").dtype


def str_series(column: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string column as a pandas ``str`` Series."""
    if hasattr(_STR, "__from_arrow__"):
        return pd.Series(_STR.__from_arrow__(column), copy=False)
    return pd.Series(column.to_pandas(), dtype="str")


def factorize(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of each row into the distinct texts (in order of first appearance), and those texts.

    Arrow's hash kernel, called directly, takes half the time of ``pandas.factorize`` on the
    Arrow strings of a region's 4 million results; a missing value is a text of its own
    (never the code -1).
    """
    array = pa.array(column)  # pandas' Arrow strings as they are (numpy objects converted)
    chunked = array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
    encoded = pc.dictionary_encode(chunked, null_encoding="encode")
    if encoded.num_chunks == 0:
        return np.empty(0, np.int32), pd.Series([], dtype="str")
    encoded = encoded.unify_dictionaries()
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in encoded.chunks])  # int32
    return codes, str_series(encoded.chunk(0).dictionary)


@dataclass(frozen=True)
class RawTable:
    """One table as read: every cell the ``str`` of the file, nothing checked or stripped yet.

    ``header`` lists the normalised header names in file order (duplicates kept, so they can
    be reported); ``frame`` has one column per distinct name (first occurrence) and no blank
    row; ``lines[i]`` is the spreadsheet line of ``frame`` row ``i``; ``faults`` are the
    problems met while reading (undecodable file, ragged row, FINESS zero restored, name read
    as the table's); ``head`` holds the first rows under the header, cell by cell (to find a
    header that a title line pushed down).
    """

    name: str
    label: str
    header: tuple[str, ...]
    frame: pd.DataFrame
    lines: np.ndarray
    faults: tuple[Fault, ...] = ()
    head: tuple[tuple[str, ...], ...] = ()

    @property
    def has_header(self) -> bool:
        return any(self.header)


@dataclass(frozen=True)
class RawSource:
    """Every table found in a source, the files read, how to name a missing table, and the
    files or sheets read as no table (``unread``, to suggest one)."""

    path: Path
    is_workbook: bool
    tables: dict[str, RawTable]
    sources: tuple[SourceFile, ...]
    faults: tuple[Fault, ...] = ()
    unread: tuple[str, ...] = ()

    def label(self, table: str) -> str:
        """How faults name a table: ``resultats.csv`` or ``classeur.xlsx › resultats``."""
        return f"{self.path.name}{SHEET_SEP}{table}" if self.is_workbook else f"{table}.csv"



# --- text helpers --------------------------------------------------------------------------


def normalise_header(names: Iterable[Any]) -> tuple[str, ...]:
    return tuple(("" if n is None else str(n)).strip().lower() for n in names)


def renamed(label: str, expected: str, name: str) -> tuple[Fault, ...]:
    """A warning when ``name`` differs from ``expected`` by more than case and surrounding spaces."""
    if name.strip().lower() == expected:
        return ()
    return (Fault(label, None, None, name, f"le nom « {expected} » : « {name} » est lu comme "
                  f"« {expected} »", "avertissement", code=FaultCode.RENAMED_TABLE),)


def unreadable(label: str, exc: OSError) -> Fault:
    """A file that could not be read (permissions, disk), the reason said in French."""
    return Fault(label, None, None, None, f"un fichier lisible ({os_reason(exc)})", code=FaultCode.UNREADABLE_FILE)


def with_faults(table: RawTable, faults: tuple[Fault, ...]) -> RawTable:
    return replace(table, faults=(*faults, *table.faults)) if faults else table


def make_table(name: str, label: str, header: tuple[str, ...], frame: pd.DataFrame,
                faults: Iterable[Fault] = ()) -> RawTable:
    """Keep the first column of each header name, drop blank rows, number lines.

    ``frame`` has positional columns (0, 1, …) matching ``header``; row ``i`` is line ``i + 2``.
    """
    first: dict[str, int] = {}
    for position, column in enumerate(header):
        if column and column not in first:
            first[column] = position
    head = tuple(tuple(str(cell) for cell in row) for row in frame.head(5).itertuples(index=False))
    frame = pd.DataFrame(
        {column: frame.iloc[:, position].astype("str") for column, position in first.items()},
        index=frame.index,
    )
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    if len(frame.columns):
        # a blank row is blank in its first column: the others are looked at on those rows only
        rows = np.flatnonzero((frame.iloc[:, 0] == "").to_numpy(bool))
        for other in range(1, len(frame.columns) if rows.size else 0):
            rows = rows[(frame.iloc[rows, other] == "").to_numpy(bool)]
        if rows.size:
            keep = np.ones(len(frame), dtype=bool)
            keep[rows] = False
            frame = frame.loc[keep].reset_index(drop=True)
            lines = lines[keep]
    return RawTable(name, label, header, frame, lines, tuple(faults), head)


def empty_table(name: str, label: str, faults: Iterable[Fault] = ()) -> RawTable:
    return RawTable(name, label, (), pd.DataFrame(), np.empty(0, np.int64), tuple(faults))



def ambiguous(label: str, table: str, names: list[str], sheets: bool = False) -> Fault:
    """Two files (or sheets) that both read as ``table``: neither is read, both are named."""
    quoted = " et ".join(f"« {n} »" for n in names)
    what = ("une seule feuille « {t} » : les feuilles {q} se lisent toutes comme {t} (renommer "
            "ou supprimer les autres)") if sheets else (
            "un seul fichier {t}.csv : les fichiers {q} se lisent tous comme {t}.csv (garder "
            "l'un d'eux)")
    return Fault(label, None, None, None, what.format(t=table, q=quoted), code=FaultCode.AMBIGUOUS_TABLE)
