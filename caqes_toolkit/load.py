"""Reading the input data (METHOD.md §7): find the files or sheets, read every cell as text.

This module only *reads*: it finds ``etablissements``, ``resultats``, … in a folder of CSV
files or in one ``.xlsx`` workbook, detects the encoding and the delimiter, and returns each
table as text (trimmed lower-case headers, cells as written) with the line of every row as a
spreadsheet shows it (header = line 1). Checks, stripping and typing are in
:mod:`caqes_toolkit.validation`.
Inputs are opened read-only and read once; they are never modified.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from .campaign import Campaign
from .dataset import Dataset, SourceFile
from .errors import CaqesError, DataError, Fault

__all__ = ["OPTIONAL_TABLES", "REQUIRED_TABLES", "TABLES", "RawSource", "RawTable",
           "load_dataset", "read_source"]

REQUIRED_TABLES: tuple[str, ...] = ("etablissements", "resultats")
OPTIONAL_TABLES: tuple[str, ...] = ("references", "maturite", "ajustements", "contrats", "depenses")
TABLES: tuple[str, ...] = REQUIRED_TABLES + OPTIONAL_TABLES

# pyarrow's CSV reader is ~5x faster than pandas' C engine on a 3 M-row file (0.3 s vs 1.8 s);
# it is optional: without it the C engine reads the same text.
_ENGINE = "pyarrow" if importlib.util.find_spec("pyarrow") else "c"
_ENCODINGS = ("utf-8-sig", "cp1252")  # tried in this order; utf-8-sig also reads plain UTF-8
_SHEET_SEP = " › "


@dataclass(frozen=True)
class RawTable:
    """One table as read: every cell the ``str`` of the file, nothing checked or stripped yet.

    ``header`` lists the normalised header names in file order (duplicates kept, so they can
    be reported); ``frame`` has one column per distinct name (first occurrence) and no blank
    row; ``lines[i]`` is the spreadsheet line of ``frame`` row ``i``; ``faults`` are the
    problems met while reading (undecodable file, ragged row, FINESS zero restored).
    """

    name: str
    label: str
    header: tuple[str, ...]
    frame: pd.DataFrame
    lines: np.ndarray
    faults: tuple[Fault, ...] = ()

    @property
    def has_header(self) -> bool:
        return any(self.header)


@dataclass(frozen=True)
class RawSource:
    """Every table found in a source, the files read, and how to name a missing table."""

    path: Path
    is_workbook: bool
    tables: dict[str, RawTable]
    sources: tuple[SourceFile, ...]
    faults: tuple[Fault, ...] = ()

    def label(self, table: str) -> str:
        """How faults name a table: ``resultats.csv`` or ``classeur.xlsx › resultats``."""
        return f"{self.path.name}{_SHEET_SEP}{table}" if self.is_workbook else f"{table}.csv"


def read_source(source: str | Path) -> RawSource:
    """Read a folder of CSV files or one ``.xlsx`` workbook; raise only for a bad path."""
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and path.suffix.lower() == ".xlsx":
        return _read_workbook(path)
    if not path.exists():
        raise CaqesError(
            f"{path} : chemin introuvable (dossier de fichiers CSV ou classeur .xlsx attendu)")
    raise CaqesError(f"{path} : un dossier de fichiers CSV ou un classeur .xlsx est attendu")


def load_dataset(source: str | Path, campaign: Campaign) -> Dataset:
    """Read, check and normalise the data; raise :class:`DataError` listing every fault
    if any is an error (warnings alone are kept in ``Dataset.warnings``)."""
    from .validation import check  # deferred: validate imports this module

    raw = read_source(source)
    checked = check(raw, campaign)
    if checked.tables is None:
        raise DataError(list(checked.faults))
    return Dataset(**checked.tables, sources=raw.sources, warnings=tuple(checked.faults))


# --- text helpers --------------------------------------------------------------------------


def _normalise_header(names: Iterable[Any]) -> tuple[str, ...]:
    return tuple(("" if n is None else str(n)).strip().lower() for n in names)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _make_table(name: str, label: str, header: tuple[str, ...], frame: pd.DataFrame,
                faults: Iterable[Fault] = ()) -> RawTable:
    """Keep the first column of each header name, drop blank rows, number lines.

    ``frame`` has positional columns (0, 1, …) matching ``header``; row ``i`` is line ``i + 2``.
    """
    first: dict[str, int] = {}
    for position, column in enumerate(header):
        if column and column not in first:
            first[column] = position
    frame = pd.DataFrame(
        {column: frame.iloc[:, position].astype("str") for column, position in first.items()},
        index=frame.index,
    )
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    if len(frame.columns):
        blank = (frame == "").all(axis=1).to_numpy()
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            lines = lines[~blank]
    return RawTable(name, label, header, frame, lines, tuple(faults))


def _empty_table(name: str, label: str, faults: Iterable[Fault] = ()) -> RawTable:
    return RawTable(name, label, (), pd.DataFrame(), np.empty(0, np.int64), tuple(faults))


# --- CSV -----------------------------------------------------------------------------------


def _read_folder(folder: Path) -> RawSource:
    files = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}
    tables: dict[str, RawTable] = {}
    sources: list[SourceFile] = []
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            path = files.get(f"{name}.csv")  # tolerate Resultats.CSV and the like
        if path is None:
            continue
        label = f"{name}.csv"
        try:
            data = path.read_bytes()
        except OSError as exc:
            tables[name] = _empty_table(name, label, [
                Fault(label, None, None, None, f"un fichier lisible ({exc.strerror})")])
            continue
        sources.append(SourceFile(path.name, str(path), _sha256(data)))
        tables[name] = _read_csv(name, label, data)
    return RawSource(folder, False, tables, tuple(sources))


def _decode(data: bytes) -> tuple[str, str] | int:
    """The text and its encoding, or the offset of the first byte no encoding accepts."""
    offset = 0
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            offset = max(offset, exc.start)
    return offset


def _detect_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _read_csv(name: str, label: str, data: bytes) -> RawTable:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return _empty_table(name, label, [Fault(
            label, None, None, None, "un texte encodé en UTF-8 ou en Windows-1252 (ce fichier "
            "est en UTF-16 : l'enregistrer au format « CSV UTF-8 »)")])
    decoded = _decode(data)
    if isinstance(decoded, int):
        line = data[:decoded].count(b"\n") + 1
        return _empty_table(name, label, [Fault(
            label, line, None, None,
            "un texte encodé en UTF-8 ou en Windows-1252 (octet illisible dans cette ligne)")])
    text, encoding = decoded
    if not text or text.isspace():
        return _empty_table(name, label)
    end = text.find("\n")
    first_line = (text if end < 0 else text[:end]).rstrip("\r")
    sep = _detect_delimiter(first_line)
    header = _normalise_header(next(csv.reader([first_line], delimiter=sep)))
    try:
        frame = _read_csv_fast(data, encoding, sep)
        faults: list[Fault] = []
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        frame, faults = _read_csv_tolerant(text, label, sep)
    if len(frame.columns) != len(header):  # header spread over lines by quotes: trust pandas
        header = _normalise_header(frame.columns)
    frame.columns = range(len(frame.columns))
    return _make_table(name, label, header, frame, faults)


def _read_csv_fast(data: bytes, encoding: str, sep: str) -> pd.DataFrame:
    """Every cell as ``str``; a row with more or fewer cells than the header raises."""
    # index_col=False stops the C engine taking a first column as index when rows are longer
    # than the header (pyarrow rejects the option and raises on such rows anyway)
    options: dict[str, Any] = {"index_col": False} if _ENGINE == "c" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False,
            skip_blank_lines=False, encoding=encoding, engine=_ENGINE, **options,
        )


def _read_csv_tolerant(text: str, label: str, sep: str) -> tuple[pd.DataFrame, list[Fault]]:
    """Slow path for ragged files: pad short rows, report rows with extra non-empty cells."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=sep))
    header, body = rows[0], rows[1:]
    width = len(header)
    faults = []
    for line, row in enumerate(body, start=2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            expected = f"{width} cellules au plus, comme l'en-tête ({len(row)} trouvées)"
            faults.append(Fault(label, line, None, sep.join(row), expected))
    fitted = [row[:width] + [""] * (width - len(row)) for row in body]
    return pd.DataFrame(fitted, columns=range(width), dtype="str"), faults


# --- XLSX ----------------------------------------------------------------------------------


def _read_workbook(path: Path) -> RawSource:
    try:
        data = path.read_bytes()
    except OSError as exc:
        fault = Fault(path.name, None, None, None, f"un fichier lisible ({exc.strerror})")
        return RawSource(path, True, {}, (), (fault,))
    sources = (SourceFile(path.name, str(path), _sha256(data)),)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        fault = Fault(path.name, None, None, None, f"un classeur Excel .xlsx lisible ({exc})")
        return RawSource(path, True, {}, sources, (fault,))
    try:
        sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
        tables = {
            name: _read_sheet(name, f"{path.name}{_SHEET_SEP}{name}", sheets[name])
            for name in TABLES if name in sheets
        }
    finally:
        book.close()
    return RawSource(path, True, tables, sources)


def _read_sheet(name: str, label: str, sheet: Any) -> RawTable:
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        return _empty_table(name, label)
    header = _normalise_header(_cell_text(cell) for cell in first)
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    finess_at = header.index("finess") if "finess" in header else None
    body: list[list[str]] = []
    restored: dict[str, list[int]] = {}  # number as read -> lines where its zero was restored
    for line, row in enumerate(rows, start=2):
        cells = [_cell_text(cell) for cell in row[:width]]
        cells += [""] * (width - len(cells))
        if finess_at is not None and _lost_zero(row[finess_at] if finess_at < len(row) else None):
            restored.setdefault(cells[finess_at], []).append(line)
            cells[finess_at] = "0" + cells[finess_at]
        body.append(cells)
    frame = pd.DataFrame(body, columns=range(width), dtype="str")
    return _make_table(name, label, header, frame, _restored_faults(label, restored))


def _cell_text(cell: Any) -> str:
    """A cell as text, as a person reads it: percentages ×100, integral numbers without .0."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", None) or ""):
            value = value * 100  # a cell shown "45,5 %" stores 0.455
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _lost_zero(cell: Any) -> bool:
    """A FINESS such as 010000016 typed in a spreadsheet is stored as the number 10000016."""
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return float(value).is_integer() and 10_000_000 <= value <= 99_999_999


def _restored_faults(label: str, restored: dict[str, list[int]]) -> list[Fault]:
    """One warning per FINESS number (at its first line), not one per cell of that number."""
    faults = []
    for number, lines in restored.items():
        more = f" ; {len(lines)} cellules de cette feuille" if len(lines) > 1 else ""
        faults.append(Fault(label, lines[0], "finess", number,
                            f"un FINESS saisi comme texte : nombre à 8 chiffres, zéro initial "
                            f"restauré (« 0{number} »){more}", "avertissement"))
    return faults
