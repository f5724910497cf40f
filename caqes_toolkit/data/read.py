"""Reading the input data (the tables of :mod:`caqes_toolkit.data.tables`): find the files or
sheets, read every cell as text.

This module only *reads*: it finds ``etablissements``, ``resultats``, … in a folder of CSV
files or in one ``.xlsx`` or ``.ods`` workbook (names compared by :func:`name_key`), detects
the encoding and the delimiter, and returns each table as text (trimmed lower-case headers,
cells as written) with the line of every row as a spreadsheet shows it (header = line 1).
Checks, stripping and typing are in :mod:`caqes_toolkit.data.validation`.
Inputs are opened read-only and read once; they are never modified.

Nothing is guessed silently: UTF-8 is decoded strictly (Windows-1252 only for a file without
any UTF-8 sequence), two files or sheets that read as one table are both refused, a workbook
is checked in its zip directory (size, compression ratio) before it is parsed, and workbook
cells that read as empty without being so (formulas never calculated, merged ranges) are
reported by cell.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import importlib.util
import io
import itertools
import os
import re
import unicodedata
import warnings
import xml.sax
import xml.sax.handler
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from xml.sax import SAXException

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import CaqesError, Fault, FaultCode
from .dataset import SourceFile
from .tables import TABLES

__all__ = ["WORKBOOKS", "RawSource", "RawTable", "cell_text", "name_key", "read_source"]

_NAMES: tuple[str, ...] = tuple(spec.name for spec in TABLES)
WORKBOOKS: tuple[str, ...] = (".xlsx", ".ods")

# pyarrow's CSV reader is ~5x faster than pandas' C engine on a 3 M-row file (0.3 s vs 1.8 s);
# it is optional: without it the C engine reads the same text.
_ENGINE = "pyarrow" if importlib.util.find_spec("pyarrow") else "c"
_SHEET_SEP = " › "
_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that decoding could not read
_LINE_END = re.compile("[\r\n]")
_FIRST_LINE = re.compile("[^\r\n]*")
# Workbook limits, checked in the zip directory before any parsing. Python's zipfile never
# inflates a member beyond the size its directory declares (it stops and fails the CRC), so
# these sizes bound what openpyxl can be made to read.
MAX_WORKBOOK_ENV = "CAQES_MAX_CLASSEUR_MO"
MAX_WORKBOOK_MB = 500  # an Excel sheet holds 1 048 576 rows: ~200 MB of XML for 4 columns
# Cells carry their position (r="D123"), which keeps real sheets under ~12:1 even when every
# row is the same (measured: 1 M identical rows, 162 MB of XML, 11.7:1 at zlib's best level);
# a zip bomb reaches ~1 000:1. A member over 8 MiB that inflates more than 200 times is refused.
BOMB_RATIO, BOMB_MIN_BYTES = 200, 8 * 2**20
# what openpyxl, odfpy and zipfile raise on a damaged workbook or sheet (lxml's XMLSyntaxError
# and ElementTree's ParseError are SyntaxErrors; odfpy parses with xml.sax)
_CORRUPT = (zipfile.BadZipFile, zlib.error, InvalidFileException, SyntaxError, KeyError,
            ValueError, IndexError, EOFError, OSError, SAXException)


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
        return f"{self.path.name}{_SHEET_SEP}{table}" if self.is_workbook else f"{table}.csv"


def read_source(source: str | Path) -> RawSource:
    """Read a folder of CSV files or one ``.xlsx`` or ``.ods`` workbook; raise only for a bad
    path."""
    path = Path(source)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and path.suffix.lower() in WORKBOOKS:
        return _read_workbook(path)
    if not path.exists():
        raise CaqesError(
            f"{path} : chemin introuvable (dossier de fichiers CSV ou classeur .xlsx ou .ods attendu)")
    raise CaqesError(f"{path} : un dossier de fichiers CSV ou un classeur .xlsx ou .ods est attendu")


# --- text helpers --------------------------------------------------------------------------


def _normalise_header(names: Iterable[Any]) -> tuple[str, ...]:
    return tuple(("" if n is None else str(n)).strip().lower() for n in names)


_UNIT = re.compile(r"\s*\([^()]*\)\s*$")  # « Produits AM (€) »
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015.'’]+")


def name_key(name: str) -> str:
    """A name as compared with the expected ones: case, accents, spaces, underscores, hyphens
    and a trailing unit in parentheses ignored (« Produits AM (€) » → ``produitsam``)."""
    text = unicodedata.normalize("NFKD", _UNIT.sub("", name.strip()))
    return _SEPARATORS.sub("", "".join(c for c in text if not unicodedata.combining(c)).casefold())


def _by_table(names: dict[str, str | None]) -> tuple[dict[str, list[str]], list[str]]:
    """The names read as each table, and the others. ``names`` maps each file or sheet name to
    the text compared with the table names (``None``: never a table, a PDF for instance)."""
    found: dict[str, list[str]] = {}
    unread = []
    for name, compared in names.items():
        key = None if compared is None else name_key(compared)
        if key in _NAMES:
            found.setdefault(key, []).append(name)
        else:
            unread.append(name)
    return found, unread


def _renamed(label: str, expected: str, name: str) -> tuple[Fault, ...]:
    """A warning when ``name`` differs from ``expected`` by more than case and surrounding spaces."""
    if name.strip().lower() == expected:
        return ()
    return (Fault(label, None, None, name, f"le nom « {expected} » : « {name} » est lu comme "
                  f"« {expected} »", "avertissement", code=FaultCode.RENAMED_TABLE),)


def _with_faults(table: RawTable, faults: tuple[Fault, ...]) -> RawTable:
    return replace(table, faults=(*faults, *table.faults)) if faults else table


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
    head = tuple(tuple(str(cell) for cell in row) for row in frame.head(5).itertuples(index=False))
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
    return RawTable(name, label, header, frame, lines, tuple(faults), head)


def _empty_table(name: str, label: str, faults: Iterable[Fault] = ()) -> RawTable:
    return RawTable(name, label, (), pd.DataFrame(), np.empty(0, np.int64), tuple(faults))


# --- CSV -----------------------------------------------------------------------------------


def _read_folder(folder: Path) -> RawSource:
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    # Resultats.CSV, « Résultats.csv », « resultats .csv » are read as resultats.csv
    by_table, unread = _by_table({f: Path(f).stem if Path(f).suffix.lower() == ".csv" else None
                                  for f in files})
    tables: dict[str, RawTable] = {}
    sources: list[SourceFile] = []
    for name in _NAMES:
        found = by_table.get(name, [])
        label = f"{name}.csv"
        if len(found) > 1:
            tables[name] = _empty_table(name, label, [_ambiguous(label, name, found)])
            continue
        if not found:
            continue
        path = folder / found[0]
        try:
            data = path.read_bytes()
        except OSError as exc:
            tables[name] = _empty_table(name, label, [
                Fault(label, None, None, None, f"un fichier lisible ({exc.strerror})",
                      code=FaultCode.UNREADABLE_FILE)])
            continue
        sources.append(SourceFile(path.name, str(path), _sha256(data)))
        tables[name] = _with_faults(_read_csv(name, label, data), _renamed(label, label, path.name))
    return RawSource(folder, False, tables, tuple(sources), unread=tuple(unread))


def _ambiguous(label: str, table: str, names: list[str], sheets: bool = False) -> Fault:
    """Two files (or sheets) that both read as ``table``: neither is read, both are named."""
    quoted = " et ".join(f"« {n} »" for n in names)
    what = ("une seule feuille « {t} » : les feuilles {q} se lisent toutes comme {t} (renommer "
            "ou supprimer les autres)") if sheets else (
            "un seul fichier {t}.csv : les fichiers {q} se lisent tous comme {t}.csv (garder "
            "l'un d'eux)")
    return Fault(label, None, None, None, what.format(t=table, q=quoted), code=FaultCode.AMBIGUOUS_TABLE)


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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return _empty_table(name, label, [Fault(
            label, None, None, None, "un texte encodé en UTF-8 ou en Windows-1252 (ce fichier "
            "est en UTF-16 : l'enregistrer au format « CSV UTF-8 »)", code=FaultCode.ENCODING_ERROR)])
    decoded = _decode(label, data)
    if isinstance(decoded, list):
        return _empty_table(name, label, decoded)
    text, encoding = decoded
    if not text or text.isspace():
        return _empty_table(name, label)
    if "\r" in text and text.count("\r") != text.count("\r\n"):  # old Mac: CR alone ends lines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        data, encoding = text.encode("utf-8"), "utf-8"
    first_line = _FIRST_LINE.match(text).group()  # type: ignore[union-attr]
    sep = _detect_delimiter(first_line, text[len(first_line):].lstrip("\r\n").partition("\n")[0])
    header = _normalise_header(next(csv.reader([first_line], delimiter=sep)))
    try:
        frame = _read_csv_fast(data, encoding, sep)
        faults: list[Fault] = []
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        frame, faults = _read_csv_tolerant(text, label, sep)
    if len(frame.columns) > len(header) and sum(map(bool, header)) <= 1:  # a title line
        header += ("",) * (len(frame.columns) - len(header))
    elif len(frame.columns) != len(header):  # header spread over lines by quotes: trust pandas
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
    if sum(bool(cell.strip()) for cell in header) <= 1:  # a title line: the header is below
        width = max(len(row) for row in rows[:6])
    faults = []
    for line, row in enumerate(body, start=2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            expected = f"{width} cellules au plus, comme l'en-tête ({len(row)} trouvées)"
            faults.append(Fault(label, line, None, sep.join(row), expected, code=FaultCode.EXTRA_CELL))
    fitted = [row[:width] + [""] * (width - len(row)) for row in body]
    return pd.DataFrame(fitted, columns=range(width), dtype="str"), faults


# --- XLSX ----------------------------------------------------------------------------------


def _read_workbook(path: Path) -> RawSource:
    try:
        data = path.read_bytes()
    except OSError as exc:
        fault = Fault(path.name, None, None, None, f"un fichier lisible ({exc.strerror})",
                      code=FaultCode.UNREADABLE_FILE)
        return RawSource(path, True, {}, (), (fault,))
    sources = (SourceFile(path.name, str(path), _sha256(data)),)
    ods = path.suffix.lower() == ".ods"
    book = None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        refusal = _oversized(archive)
        if refusal is None:
            book = _OdsBook(data) if ods else openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True)
    except _CORRUPT as exc:
        kind = "OpenDocument .ods" if ods else "Excel .xlsx"
        refusal = FaultCode.CORRUPT_WORKBOOK, f"un classeur {kind} lisible ({exc})"
    if book is None:
        assert refusal is not None  # no workbook without a reason
        code, text = refusal
        return RawSource(path, True, {}, sources, (Fault(path.name, None, None, None, text, code=code),))
    try:
        by_title = {sheet.title: sheet for sheet in book.worksheets}
        by_table, unread = _by_table({title: title for title in by_title})
        tables = {}
        for name in _NAMES:
            found, label = by_table.get(name, []), f"{path.name}{_SHEET_SEP}{name}"
            if len(found) > 1:
                tables[name] = _empty_table(name, label, [_ambiguous(label, name, found, sheets=True)])
            elif found:
                table = _read_sheet_safely(name, label, by_title[found[0]], archive)
                tables[name] = _with_faults(table, _renamed(label, name, found[0]))
    finally:
        book.close()
    return RawSource(path, True, tables, sources, unread=tuple(unread))


def _oversized(archive: zipfile.ZipFile) -> tuple[FaultCode, str] | None:
    """Why a workbook is refused before parsing (too big, or a zip bomb), or ``None``."""
    members = archive.infolist()
    limit = _max_workbook_mb()
    total = sum(m.file_size for m in members)
    if total > limit * 10**6:
        return FaultCode.OVERSIZED_WORKBOOK, (
            f"un classeur de {limit} Mo au plus une fois décompressé (celui-ci en fait "
            f"{total / 10**6:.0f}) ; limite réglable par la variable d'environnement {MAX_WORKBOOK_ENV}")
    for m in members:
        if m.file_size > BOMB_MIN_BYTES and m.file_size > BOMB_RATIO * max(m.compress_size, 1):
            return FaultCode.COMPRESSION_BOMB, (f"un classeur Excel ordinaire : « {m.filename} » se décompresse "
                    f"{m.file_size // max(m.compress_size, 1)} fois (plus de {BOMB_RATIO} fois : "
                    "bombe de décompression ?) ; classeur refusé avant lecture")
    return None


def _max_workbook_mb() -> float:
    text = os.environ.get(MAX_WORKBOOK_ENV, "").strip()
    if not text:
        return MAX_WORKBOOK_MB
    try:
        limit = float(text.replace(",", "."))
    except ValueError:
        limit = float("nan")
    if not limit > 0 or limit == float("inf"):
        raise CaqesError(f"{MAX_WORKBOOK_ENV} : un nombre de mégaoctets positif est attendu "
                         f"(reçu « {text} »)")
    return limit


def _read_sheet_safely(name: str, label: str, sheet: Any, archive: zipfile.ZipFile) -> RawTable:
    """:func:`_read_sheet`, a damaged sheet being a fault that names it."""
    try:
        return _read_sheet(name, label, sheet, archive)
    except _CORRUPT as exc:
        return _empty_table(name, label, [Fault(
            label, None, None, None, f"une feuille lisible (feuille « {sheet.title} » "
            f"endommagée : {exc}) ; la réenregistrer depuis un tableur", code=FaultCode.CORRUPT_SHEET)])


def _read_sheet(name: str, label: str, sheet: Any, archive: zipfile.ZipFile) -> RawTable:
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        return _empty_table(name, label)
    header = _normalise_header(cell_text(cell) for cell in first)
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    if sum(map(bool, header)) <= 1:  # a title line: keep the width of the header below it
        peek = list(itertools.islice(rows, 5))
        width = max([width, *(_filled_width(row) for row in peek)])
        header += ("",) * (width - len(header))
        rows = itertools.chain(peek, rows)
    finess_at = next((i for i, h in enumerate(header) if name_key(h) == "finess"), None)
    body: list[list[str]] = []
    restored: dict[str, list[int]] = {}  # number as read -> lines where its zero was restored
    for line, row in enumerate(rows, start=2):
        cells = [cell_text(cell) for cell in row[:width]]
        cells += [""] * (width - len(cells))
        if finess_at is not None and _lost_zero(row[finess_at] if finess_at < len(row) else None):
            restored.setdefault(cells[finess_at], []).append(line)
            cells[finess_at] = "0" + cells[finess_at]
        body.append(cells)
    frame = pd.DataFrame(body, columns=range(width), dtype="str")
    untrusted = (sheet.untrusted(label, len(header)) if isinstance(sheet, _OdsSheet) else
                 _untrusted_cells(label, sheet.title, header, archive.open(sheet._worksheet_path)))
    return _make_table(name, label, header, frame, [*untrusted, *_restored_faults(label, restored)])


# --- cells that read as empty but are not ----------------------------------------------------

_NS = rb"(?:[A-Za-z_][\w.-]*:)?"  # writers may prefix the tags (<x:c>)
# a cell holding a formula and no cached value (openpyxl writes <v />; absent for others)
_UNCACHED = re.compile(
    rb"<" + _NS + rb"c\b([^>]*)>\s*<" + _NS + rb"f\b(?:[^>]*/>|[^>]*>([^<]*)</" + _NS + rb"f>)"
    rb"\s*(<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>)?\s*</" + _NS + rb"c>")
_MERGED = re.compile(rb"<" + _NS + rb'mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_TYPE = re.compile(rb'\bt="([^"]*)"')
_CHUNK = 1 << 24


def _untrusted_cells(label: str, title: str, header: tuple[str, ...], xml: Any) -> list[Fault]:
    """Formulas never calculated and merged ranges of the table (``header`` columns), from
    the sheet's XML: read-only openpyxl shows neither, only empty cells.

    The XML is scanned by chunks cut after a cell's end; only chunks holding a formula tag
    go through the cell pattern, so a sheet without formulas costs one pass of ``in``.
    """
    faults: list[Fault] = []
    rest = b""
    with xml:
        while True:
            chunk = xml.read(_CHUNK)
            data = rest + chunk
            cut = _after_last_cell(data) if chunk else len(data)
            piece, rest = data[:cut], data[cut:]
            if b"<f" in piece or b":f>" in piece or b":f " in piece:
                faults += _uncached(label, title, header, piece)
            if not chunk:
                break
    for match in _MERGED.finditer(piece):  # merges follow the cells, in the last piece
        first, row, last, end = (g.decode() for g in match.groups())
        if column_index_from_string(first) <= len(header):
            ref = f"{first}{row}:{last}{end}"
            faults.append(Fault(label, int(row), None, f"{title}!{ref}",
                                f"des cellules non fusionnées : la plage {title}!{ref} est "
                                "fusionnée, ses cellules autres que la première se lisent vides ; "
                                "défusionner et recopier la valeur dans chaque cellule",
                                code=FaultCode.MERGED_CELLS))
    return faults


def _after_last_cell(xml: bytes) -> int:
    """Position just after the last cell end tag (``</c>`` or ``</x:c>``), 0 if none."""
    plain, prefixed = xml.rfind(b"</c>"), xml.rfind(b":c>")
    return max(plain + 4 if plain >= 0 else 0, prefixed + 3 if prefixed >= 0 else 0)


def _uncached(label: str, title: str, header: tuple[str, ...], xml: bytes) -> list[Fault]:
    faults = []
    for match in _UNCACHED.finditer(xml):
        attributes, formula, empty_value = match.groups()
        kind = _TYPE.search(attributes)
        if empty_value and kind and kind.group(1) == b"str":
            continue  # a formula whose cached result is the empty text
        ref = _REF.search(attributes)
        if ref is None:
            continue  # no position to report (rare writers): openpyxl saw it empty
        letters, row = ref.group(1).decode(), ref.group(2).decode()
        position = column_index_from_string(letters)
        if position > len(header):
            continue  # outside the table: an ignored column
        text = html.unescape((formula or b"").decode("utf-8", "replace"))
        faults.append(Fault(label, int(row), header[position - 1] or None, f"={text}",
                            f"une valeur calculée : la cellule {title}!{letters}{row} contient "
                            "une formule jamais calculée (classeur écrit par un programme et "
                            "jamais ouvert dans un tableur), qui se lirait vide ; ouvrir et "
                            "enregistrer le classeur dans un tableur, ou saisir la valeur",
                            code=FaultCode.FORMULA_WITHOUT_VALUE))
    return faults


def cell_text(cell: Any) -> str:
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


def _filled_width(row: Any) -> int:
    """Position after the last non-empty cell of a row."""
    return max((i + 1 for i, cell in enumerate(row) if getattr(cell, "value", None) not in (None, "")), default=0)


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
                            f"restauré (« 0{number} »){more}", "avertissement",
                            code=FaultCode.FINESS_ZERO_RESTORED))
    return faults


# --- ODS (LibreOffice) ------------------------------------------------------------------------

_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 1024  # a sheet's rows; columns read (tables have ~10)
# cells once repeats are expanded: what a 500 MB .xlsx holds; repeat counts cost nothing to write
_MAX_CELLS = 50_000_000


@dataclass(frozen=True, slots=True)
class _OdsCell:
    """An OpenDocument cell as :func:`cell_text` and :func:`_lost_zero` read an openpyxl one."""

    value: Any
    number_format: str = ""


class _OdsBook:
    """An ``.ods`` workbook read with odfpy (the library pandas uses), sheets in file order."""

    def __init__(self, data: bytes) -> None:
        from odf.opendocument import load
        from odf.table import Table

        # odfpy prints a part it cannot parse and reads on: the sheets' part is checked first
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as content:
            xml.sax.parse(content, xml.sax.handler.ContentHandler())
        with contextlib.redirect_stdout(io.StringIO()):
            document = load(io.BytesIO(data))
        self.worksheets = [_OdsSheet(t) for t in document.spreadsheet.getElementsByType(Table)]

    def close(self) -> None:
        """Nothing to release: the document is read in memory."""


class _OdsSheet:
    """One ``table:table``: rows of :class:`_OdsCell`, repeated rows and cells expanded (an
    empty repeat only when data follow it), merged ranges and uncalculated formulas noted."""

    def __init__(self, table: Any) -> None:
        self.title = _attribute(table, "table", "name") or ""
        self._table = table
        self._notes: list[tuple[int, int, str, str]] = []  # line, column, kind, text

    def iter_rows(self) -> Iterable[list[_OdsCell]]:
        from odf.table import TableRow

        line, pending, expanded = 0, 0, 0
        for row in self._table.getElementsByType(TableRow):
            repeat = int(_attribute(row, "table", "number-rows-repeated") or 1)
            cells = self._cells(row, line + pending + 1)
            if all(c.value is None for c in cells):
                pending += repeat
                continue
            for _ in range(pending):
                yield []
            line += pending
            pending = 0
            for _ in range(min(repeat, _MAX_ROWS - line)):
                line += 1
                expanded += len(cells)
                if expanded > _MAX_CELLS:
                    raise ValueError(f"plus de {_MAX_CELLS:,} cellules une fois les répétitions développées "
                                     "(lignes ou colonnes répétées à l'excès)".replace(",", " "))
                yield cells

    def _cells(self, row: Any, line: int) -> list[_OdsCell]:
        cells: list[_OdsCell] = []
        for node in row.childNodes:
            if node.qname[1] not in ("table-cell", "covered-table-cell") or len(cells) >= _MAX_COLUMNS:
                continue
            cell = _ods_cell(node)
            spans = [int(_attribute(node, "table", f"number-{a}-spanned") or 1) for a in ("columns", "rows")]
            formula = _attribute(node, "table", "formula")
            if max(spans) > 1:
                self._notes.append((line, len(cells), "merged", f"{spans[0]}:{spans[1]}"))
            elif cell.value is None and formula:
                self._notes.append((line, len(cells), "formula", formula))
            repeat = int(_attribute(node, "table", "number-columns-repeated") or 1)
            cells += [cell] * min(repeat, _MAX_COLUMNS - len(cells))
        return cells

    def untrusted(self, label: str, width: int) -> list[Fault]:
        """Merged ranges and formulas without value in the table's columns (after reading)."""
        from openpyxl.utils.cell import get_column_letter

        faults = []
        for line, column, kind, text in self._notes:
            if column >= width:
                continue
            ref = f"{get_column_letter(column + 1)}{line}"
            if kind == "merged":
                across, down = (int(n) for n in text.split(":"))
                ref += f":{get_column_letter(column + across)}{line + down - 1}"
                faults.append(Fault(label, line, None, f"{self.title}!{ref}",
                                    f"des cellules non fusionnées : la plage {self.title}!{ref} est "
                                    "fusionnée, ses cellules autres que la première se lisent vides ; "
                                    "défusionner et recopier la valeur dans chaque cellule",
                                    code=FaultCode.MERGED_CELLS))
            else:
                faults.append(Fault(label, line, None, text,
                                    f"une valeur calculée : la cellule {self.title}!{ref} contient une "
                                    "formule jamais calculée, qui se lirait vide ; ouvrir et enregistrer "
                                    "le classeur dans un tableur, ou saisir la valeur",
                                    code=FaultCode.FORMULA_WITHOUT_VALUE))
        return faults


def _attribute(node: Any, prefix: str, name: str) -> str | None:
    """An attribute of an odfpy element (``None`` when absent, whatever the element allows)."""
    from odf.namespaces import OFFICENS, TABLENS

    return node.attributes.get((TABLENS if prefix == "table" else OFFICENS, name))


def _ods_cell(node: Any) -> _OdsCell:
    """The typed value of an OpenDocument cell (``office:value-type``), ``None`` when empty."""
    from datetime import datetime

    kind, value = _attribute(node, "office", "value-type"), _attribute(node, "office", "value")
    if kind in ("float", "percentage", "currency") and value is not None:
        return _OdsCell(float(value), "0%" if kind == "percentage" else "")
    if kind == "date" and _attribute(node, "office", "date-value"):
        return _OdsCell(datetime.fromisoformat(str(_attribute(node, "office", "date-value"))))
    if kind == "boolean":
        return _OdsCell(str(_attribute(node, "office", "boolean-value")).lower() == "true")
    text = "\n".join(_paragraph_text(p) for p in node.childNodes if p.qname[1] == "p")
    return _OdsCell(text or None)


def _paragraph_text(paragraph: Any) -> str:
    from odf import teletype

    return teletype.extractText(paragraph)
