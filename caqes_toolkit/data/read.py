"""Reading the input data (the tables of :mod:`caqes_toolkit.data.tables`): find the files or
sheets, read every cell as text.

This module only *reads*: it finds ``etablissements``, ``resultats``, … in a folder of CSV
files or in one ``.xlsx`` or ``.ods`` workbook (names compared by
:func:`~caqes_toolkit.data.names.name_key`; files read and parsed by
:mod:`caqes_toolkit.data.files`, workbooks by :mod:`caqes_toolkit.data.workbook`), detects the
encoding and the delimiter, and returns each table as text (trimmed lower-case headers, cells
as written) with the line of every row as a spreadsheet shows it (header = line 1). Checks,
stripping and typing are in :mod:`caqes_toolkit.data.validation`. Inputs are opened read-only
and read once; they are never modified.

Nothing is guessed silently: UTF-8 is decoded strictly (Windows-1252 only for a file without
any UTF-8 sequence), and two files or sheets that read as one table are both refused.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import CaqesError, Fault, FaultCode
from .dataset import SourceFile
from .files import CsvFile, Parsed, Prefetch, layout, lone_cr, parse, read_csv_file
from .names import TABLE_NAMES, table_files
from .raw import (
    RawSource,
    RawTable,
    ambiguous,
    empty_table,
    make_table,
    normalise_header,
    renamed,
    str_series,
    unreadable,
    with_faults,
)

__all__ = ["WORKBOOKS", "RawSource", "RawTable", "read_source"]

WORKBOOKS: tuple[str, ...] = (".xlsx", ".ods")

_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that decoding could not read
_LINE_END = re.compile("[\r\n]")


def read_source(source: str | Path, prefetched: Prefetch | None = None) -> RawSource:
    """Read a folder of CSV files or one ``.xlsx`` or ``.ods`` workbook; raise only for a bad
    path. The files that ``prefetched`` read (:func:`~caqes_toolkit.data.files.prefetch` on
    the same folder) are taken from it."""
    path = Path(source)
    if path.is_dir():
        return _read_folder(path, prefetched)
    if path.is_file() and path.suffix.lower() in WORKBOOKS:
        from .workbook import read_workbook  # deferred: openpyxl and odfpy only for workbooks

        return read_workbook(path)
    if not path.exists():
        raise CaqesError(
            f"{path} : chemin introuvable (dossier de fichiers CSV ou classeur .xlsx ou .ods attendu)")
    raise CaqesError(f"{path} : un dossier de fichiers CSV ou un classeur .xlsx ou .ods est attendu")


# --- CSV -----------------------------------------------------------------------------------


def _read_folder(folder: Path, prefetched: Prefetch | None) -> RawSource:
    found_by_table, unread = table_files(folder)
    tables: dict[str, RawTable] = {}
    sources: list[SourceFile] = []
    for name in TABLE_NAMES:
        found = found_by_table.get(name, [])
        label = f"{name}.csv"
        if len(found) > 1:
            tables[name] = empty_table(name, label, [ambiguous(label, name, found)])
            continue
        if not found:
            continue
        path = folder / found[0]
        file = prefetched.take(folder, found[0]) if prefetched else None
        if file is None:
            try:
                file = read_csv_file(path)
            except OSError as exc:
                tables[name] = empty_table(name, label, [unreadable(label, exc)])
                continue
        tables[name] = with_faults(_read_csv(name, label, file), renamed(label, label, path.name))
        sources.append(SourceFile(path.name, str(path), file.digest))
    return RawSource(folder, False, tables, tuple(sources), unread=tuple(unread))


def _decode(label: str, data: bytes) -> tuple[str, str] | list[Fault]:
    """The text and its encoding, or one fault per line holding an undecodable byte.

    UTF-8 is decoded strictly. A file that is not UTF-8 is read as Windows-1252 only when it
    holds no UTF-8 sequence at all: a file mixing both is never guessed.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"  # the common case, and the fast one
    except UnicodeDecodeError:
        pass
    # each byte that is not UTF-8 becomes one character: fewer characters than bytes means
    # that some bytes did form UTF-8 sequences
    text = data.decode("utf-8", "surrogateescape")
    if len(text) < len(data):
        return _undecodable(label, text, "un texte UTF-8 : octet 0x{byte:02X} illisible en "
                            "colonne {column} de cette ligne (fichier en partie Windows-1252 ?) ; "
                            "réenregistrer le fichier en « CSV UTF-8 »")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return _undecodable(label, data.decode("cp1252", "surrogateescape"),
                            "un texte en UTF-8 ou en Windows-1252 : octet 0x{byte:02X} illisible "
                            "en colonne {column} de cette ligne ; réenregistrer le fichier en "
                            "« CSV UTF-8 »")


def _undecodable(label: str, text: str, expected: str) -> list[Fault]:
    """One fault per line of ``text`` holding an undecoded byte (a lone surrogate)."""
    faults, line, counted, found = [], 1, 0, _UNDECODED.search(text)
    while found:
        at = found.start()
        start = max(text.rfind("\n", counted, at), text.rfind("\r", counted, at), counted - 1) + 1
        line += _line_breaks(text, counted, start)
        counted = start
        faults.append(Fault(label, line, None, None, expected.format(
            byte=ord(text[at]) - 0xDC00, column=at - start + 1), code=FaultCode.ENCODING_ERROR))
        end = _LINE_END.search(text, at)
        found = _UNDECODED.search(text, end.start()) if end else None
    return faults


def _line_breaks(text: str, start: int, end: int) -> int:
    """Line ends (LF, CR LF or CR alone) in ``text[start:end]``."""
    return (text.count("\n", start, end) + text.count("\r", start, end)
            - text.count("\r\n", start, end))


def _read_csv(name: str, label: str, file: CsvFile) -> RawTable:
    """The common file as parsed at once (:func:`~caqes_toolkit.data.files.read_csv_file`); any
    other goes the careful way (:func:`_read_csv_carefully`)."""
    if file.parsed is not None:
        return _table(name, label, file.parsed)
    if file.data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return empty_table(name, label, [Fault(
            label, None, None, None, "un texte encodé en UTF-8 ou en Windows-1252 (ce fichier "
            "est en UTF-16 : l'enregistrer au format « CSV UTF-8 »)", code=FaultCode.ENCODING_ERROR)])
    return _read_csv_carefully(name, label, file.data, lone_cr(file.data))


def _read_csv_carefully(name: str, label: str, data: bytes, lone_cr: bool) -> RawTable:
    """Decoded strictly (Windows-1252 only without any UTF-8 sequence), lone CR line ends read
    as line ends, ragged rows padded and reported."""
    decoded = _decode(label, data)
    if isinstance(decoded, list):
        return empty_table(name, label, decoded)
    text, encoding = decoded
    if not text or text.isspace():
        return empty_table(name, label)
    if lone_cr:  # old Mac: CR alone ends lines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if lone_cr or encoding == "cp1252":  # what kept the file from being parsed at once
        try:
            return _table(name, label, parse(text.encode("utf-8"), text, check_utf8=False))
        except pa.ArrowInvalid:
            pass
    sep, header = layout(text)
    frame, faults = _read_csv_tolerant(text, label, sep)
    header += [""] * (len(frame.columns) - len(header))  # a title line above the header
    return make_table(name, label, normalise_header(header), frame, faults)


def _table(name: str, label: str, parsed: Parsed) -> RawTable:
    frame = pd.DataFrame({i: str_series(parsed.table.column(i)) for i in range(len(parsed.header))})
    return make_table(name, label, normalise_header(parsed.header), frame)


def _read_csv_tolerant(text: str, label: str, sep: str) -> tuple[pd.DataFrame, list[Fault]]:
    """Slow path for ragged files: pad short rows, report rows with extra non-empty cells."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=sep))
    header, body = rows[0], rows[1:]
    width = len(header)
    if sum(bool(cell.strip()) for cell in header) <= 1:  # a title line: the header is below
        width = max(len(row) for row in rows[:6])
    faults = []
    for line, row in enumerate(body, start=2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            expected = f"{width} cellules au plus, comme l'en-tête ({len(row)} trouvées)"
            faults.append(Fault(label, line, None, sep.join(row), expected, code=FaultCode.EXTRA_CELL))
    fitted = [row[:width] + [""] * (width - len(row)) for row in body]
    return pd.DataFrame(fitted, columns=range(width), dtype="str"), faults
