"""Reading the input data (the tables of :mod:`caqes_toolkit.data.tables`): find the files or
sheets, read every cell as text.

This module only *reads*: it finds ``etablissements``, ``resultats``, … in a folder of CSV
files or in one ``.xlsx`` or ``.ods`` workbook (names compared by :func:`name_key`; workbooks in
:mod:`caqes_toolkit.data.workbook`), detects the encoding and the delimiter, and returns each
table as text (trimmed lower-case headers, cells as written) with the line of every row as a
spreadsheet shows it (header = line 1). Checks, stripping and typing are in
:mod:`caqes_toolkit.data.validation`. Inputs are opened read-only and read once; they are never
modified.

Nothing is guessed silently: UTF-8 is decoded strictly (Windows-1252 only for a file without
any UTF-8 sequence), and two files or sheets that read as one table are both refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ..errors import CaqesError, Fault, FaultCode
from .dataset import SourceFile
from .raw import (
    TABLE_NAMES,
    RawSource,
    RawTable,
    ambiguous,
    by_table,
    empty_table,
    make_table,
    name_key,
    normalise_header,
    renamed,
    sha256,
    str_series,
    with_faults,
)

__all__ = ["WORKBOOKS", "RawSource", "RawTable", "name_key", "read_source"]

WORKBOOKS: tuple[str, ...] = (".xlsx", ".ods")

_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that decoding could not read
_LINE_END = re.compile("[\r\n]")
_FIRST_LINE = re.compile("[^\r\n]*")
_HEAD = 1 << 16  # bytes decoded to find the delimiter and the header
_LINE = re.compile("[^\r\n]*(?:\r\n|\r|\n)?")


def read_source(source: str | Path) -> RawSource:
    """Read a folder of CSV files or one ``.xlsx`` or ``.ods`` workbook; raise only for a bad
    path."""
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and path.suffix.lower() in WORKBOOKS:
        from .workbook import read_workbook  # deferred: openpyxl and odfpy only for workbooks

        return read_workbook(path)
    if not path.exists():
        raise CaqesError(
            f"{path} : chemin introuvable (dossier de fichiers CSV ou classeur .xlsx ou .ods attendu)")
    raise CaqesError(f"{path} : un dossier de fichiers CSV ou un classeur .xlsx ou .ods est attendu")


# --- CSV -----------------------------------------------------------------------------------


def _read_folder(folder: Path) -> RawSource:
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    # Resultats.CSV, « Résultats.csv », « resultats .csv » are read as resultats.csv
    found_by_table, unread = by_table({f: Path(f).stem if Path(f).suffix.lower() == ".csv" else None
                                        for f in files})
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
        try:
            data = path.read_bytes()
        except OSError as exc:
            tables[name] = empty_table(name, label, [
                Fault(label, None, None, None, f"un fichier lisible ({exc.strerror})",
                      code=FaultCode.UNREADABLE_FILE)])
            continue
        with ThreadPoolExecutor(1) as hasher:  # hashlib and the parser both release the GIL
            digest = hasher.submit(sha256, data)
            tables[name] = with_faults(_read_csv(name, label, data), renamed(label, label, path.name))
            sources.append(SourceFile(path.name, str(path), digest.result()))
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


def _detect_delimiter(header_line: str, next_line: str) -> str:
    """« ; » or « , », as the header line (or the next one, under a title line) counts them."""
    line = header_line if ";" in header_line or "," in header_line else next_line
    return ";" if line.count(";") > line.count(",") else ","


def _read_csv(name: str, label: str, data: bytes) -> RawTable:
    """The common file (UTF-8, one line per row, as wide as its header) is parsed at once, its
    bytes checked by the parser; any other goes the careful way (:func:`_read_csv_carefully`)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return empty_table(name, label, [Fault(
            label, None, None, None, "un texte encodé en UTF-8 ou en Windows-1252 (ce fichier "
            "est en UTF-16 : l'enregistrer au format « CSV UTF-8 »)", code=FaultCode.ENCODING_ERROR)])
    head, lone_cr = _utf8_head(data), _lone_cr(data)
    if head is not None and head.strip() and not lone_cr:
        try:
            return _parsed(name, label, data, head, check_utf8=True)
        except pa.ArrowInvalid:  # a byte that is not UTF-8, a ragged row, a blank line
            pass
    return _read_csv_carefully(name, label, data, lone_cr)


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
            return _parsed(name, label, text.encode("utf-8"), text, check_utf8=False)
        except pa.ArrowInvalid:
            pass
    sep, header = _layout(text)
    frame, faults = _read_csv_tolerant(text, label, sep)
    header += [""] * (len(frame.columns) - len(header))  # a title line above the header
    return make_table(name, label, normalise_header(header), frame, faults)


def _parsed(name: str, label: str, data: bytes, text: str, *, check_utf8: bool) -> RawTable:
    """The table, its header found in ``text`` (the file's start, decoded); raises
    :class:`pyarrow.ArrowInvalid` when a row is longer or shorter than the header."""
    sep, header = _layout(text)
    frame = _read_csv_fast(data, sep, len(header), check_utf8=check_utf8)
    return make_table(name, label, normalise_header(header), frame)


def _layout(text: str) -> tuple[str, list[str]]:
    """The delimiter and the header's cells (its first record), from the file's start."""
    sep = _detect_delimiter(*_first_lines(text))
    return sep, next(csv.reader(_lines(text), delimiter=sep), [])


def _utf8_head(data: bytes) -> str | None:
    """The start of the file decoded (a character cut at the end left out), or ``None`` when
    it is not UTF-8."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data[:_HEAD], final=False)
    except UnicodeDecodeError:
        return None


def _lone_cr(data: bytes) -> bool:
    """Whether some line ends with CR alone (old Mac files)."""
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")


def _first_lines(text: str) -> tuple[str, str]:
    """The first line and the next non-empty one (without copying the rest of the text)."""
    first = _FIRST_LINE.match(text).group()  # type: ignore[union-attr]
    start = len(first)
    while start < len(text) and text[start] in "\r\n":
        start += 1
    end = text.find("\n", start)
    return first, text[start:end if end >= 0 else len(text)]


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, line ends kept, produced as they are read (for the header only)."""
    return (match.group() for match in _LINE.finditer(text))


def _read_csv_fast(data: bytes, sep: str, width: int, *, check_utf8: bool) -> pd.DataFrame:
    """Every cell as ``str`` (positional columns, header row left out); raises
    :class:`pyarrow.ArrowInvalid` on a row with more or fewer cells than the header, or on a
    byte that is not UTF-8 when ``check_utf8``.

    pyarrow's CSV reader is several times faster than pandas' own engines on a region's
    4 million rows and reads in parallel; cells are read as large strings, the layout of
    pandas' Arrow-backed strings, so that no column is copied.
    """
    names = [str(i) for i in range(width)]
    table = pa_csv.read_csv(
        pa.BufferReader(data),  # the bytes themselves, not a copy read through a Python file
        read_options=pa_csv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pa_csv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False, check_utf8=check_utf8),
    ).slice(1)
    return pd.DataFrame({i: str_series(table.column(i)) for i in range(width)})


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
