"""Reading an ``.xlsx`` (openpyxl) or ``.ods`` (odfpy) workbook: one sheet per table.

A workbook is checked in its zip directory (size, compression ratio) before it is parsed;
cells that read as empty without being so (formulas never calculated, merged ranges) are
reported by cell; a FINESS typed as a number has its leading zero restored, with a warning.
This module is imported only when a workbook is read: a folder of CSV files does without
openpyxl and odfpy.
"""

from __future__ import annotations

import contextlib
import html
import io
import itertools
import os
import re
import xml.sax
import xml.sax.handler
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax import SAXException

import openpyxl
import pandas as pd
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import CaqesError, Fault, FaultCode
from .dataset import SourceFile
from .files import sha256
from .names import TABLE_NAMES, by_table, name_key
from .raw import (
    SHEET_SEP,
    RawSource,
    RawTable,
    ambiguous,
    empty_table,
    make_table,
    normalise_header,
    renamed,
    unreadable,
    with_faults,
)

__all__ = ["MAX_WORKBOOK_ENV", "Sheets", "archive_refusal", "cell_text", "read_sheets", "read_workbook",
           "uncalculated_cells"]

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

def read_workbook(path: Path) -> RawSource:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return RawSource(path, True, {}, (), (unreadable(path.name, exc),))
    sources = (SourceFile(path.name, str(path), sha256(data)),)
    ods = path.suffix.lower() == ".ods"
    book = None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        refusal = archive_refusal(archive)
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
        found_by_table, unread = by_table({title: title for title in by_title})
        tables = {}
        for name in TABLE_NAMES:
            found, label = found_by_table.get(name, []), f"{path.name}{SHEET_SEP}{name}"
            if len(found) > 1:
                tables[name] = empty_table(name, label, [ambiguous(label, name, found, sheets=True)])
            elif found:
                table = _read_sheet_safely(name, label, by_title[found[0]], archive)
                tables[name] = with_faults(table, renamed(label, name, found[0]))
    finally:
        book.close()
    return RawSource(path, True, tables, sources, unread=tuple(unread))

@dataclass(frozen=True)
class Sheets:
    """Some sheets of a small workbook read at once (a returned grid): ``rows`` of cells by sheet
    title (row 1 first; a cell's column is its position + 1), the formulas without value by sheet
    and cell reference (``D6``: read as empty cells), the custom document properties."""

    rows: dict[str, list[tuple[Any, ...]]]
    uncalculated: dict[str, dict[str, str]]
    properties: dict[str, str]


def read_sheets(path: Path, titles: Iterable[str], limit_mb: float) -> Sheets | tuple[FaultCode, str]:
    """The sheets ``titles`` of the ``.xlsx`` workbook ``path`` (those it has), or why it is refused:
    larger than ``limit_mb`` megabytes once inflated, a zip bomb (both before any parsing), damaged.
    Read as the data reader reads (read-only, cached values, every row whatever the sheet's
    declared size)."""
    wanted = set(titles)
    try:
        if path.stat().st_size > limit_mb * 10**6:
            return FaultCode.OVERSIZED_WORKBOOK, (f"un classeur de {limit_mb:g} Mo au plus (celui-ci en fait "
                                                  f"{path.stat().st_size / 10**6:.0f} compressé)")
        data = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(data))
        refusal = archive_refusal(archive, limit_mb)
        if refusal is not None:
            return refusal
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows, uncalculated = {}, {}
            for sheet in book.worksheets:
                if sheet.title in wanted:
                    sheet.reset_dimensions()  # a wrong declared size would cut rows off
                    rows[sheet.title] = [tuple(row) for row in sheet.iter_rows()]
                    uncalculated[sheet.title] = {f"{letters}{row}": formula for letters, row, formula in
                                                 uncalculated_cells(archive.open(sheet._worksheet_path))}
            properties = {p.name: str(p.value) for p in getattr(book, "custom_doc_props", [])}
        finally:
            book.close()
    except _CORRUPT as exc:
        return FaultCode.CORRUPT_WORKBOOK, f"un classeur Excel .xlsx lisible ({exc})"
    return Sheets(rows, uncalculated, properties)


def archive_refusal(archive: zipfile.ZipFile, limit_mb: float | None = None) -> tuple[FaultCode, str] | None:
    """Why a workbook is refused before parsing (too big once inflated, or a zip bomb), or ``None``.
    ``limit_mb``: the ceiling in megabytes (default: the data's, set by ``CAQES_MAX_CLASSEUR_MO``)."""
    members = archive.infolist()
    limit = _max_workbook_mb() if limit_mb is None else limit_mb
    total = sum(m.file_size for m in members)
    if total > limit * 10**6:
        how = (f"limite réglable par la variable d'environnement {MAX_WORKBOOK_ENV}" if limit_mb is None
               else "classeur refusé avant lecture")
        return FaultCode.OVERSIZED_WORKBOOK, (
            f"un classeur de {limit:g} Mo au plus une fois décompressé (celui-ci en fait "
            f"{total / 10**6:.0f}) ; {how}")
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
        return empty_table(name, label, [Fault(
            label, None, None, None, f"une feuille lisible (feuille « {sheet.title} » "
            f"endommagée : {exc}) ; la réenregistrer depuis un tableur", code=FaultCode.CORRUPT_SHEET)])

def _read_sheet(name: str, label: str, sheet: Any, archive: zipfile.ZipFile) -> RawTable:
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        return empty_table(name, label)
    header = normalise_header(cell_text(cell) for cell in first)
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
    return make_table(name, label, header, frame, [*untrusted, *_restored_faults(label, restored)])

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

def _pieces(xml: Any) -> Iterator[tuple[bytes, bool]]:
    """A sheet's XML by chunks cut after a cell's end, each with whether it is the last."""
    rest = b""
    with xml:
        while True:
            chunk = xml.read(_CHUNK)
            data = rest + chunk
            cut = _after_last_cell(data) if chunk else len(data)
            piece, rest = data[:cut], data[cut:]
            yield piece, not chunk
            if not chunk:
                return


def _has_formula(piece: bytes) -> bool:
    return b"<f" in piece or b":f>" in piece or b":f " in piece


def uncalculated_cells(xml: Any) -> Iterator[tuple[str, int, str]]:
    """(column letters, row, formula) of each cell of a sheet's XML (a binary file object) that
    holds a formula without a cached value: openpyxl reads it as an empty cell."""
    for piece, _ in _pieces(xml):
        if _has_formula(piece):
            yield from _uncached(piece)


def _untrusted_cells(label: str, title: str, header: tuple[str, ...], xml: Any) -> list[Fault]:
    """Formulas never calculated and merged ranges of the table (``header`` columns), from
    the sheet's XML: read-only openpyxl shows neither, only empty cells.

    The XML is scanned by chunks cut after a cell's end; only chunks holding a formula tag
    go through the cell pattern, so a sheet without formulas costs one pass of ``in``.
    """
    faults: list[Fault] = []
    for piece, last in _pieces(xml):
        if _has_formula(piece):
            faults += _formula_faults(label, title, header, _uncached(piece))
        if not last:
            continue
        for match in _MERGED.finditer(piece):  # merges follow the cells, in the last piece
            first, row, end_col, end = (g.decode() for g in match.groups())
            if column_index_from_string(first) <= len(header):
                ref = f"{first}{row}:{end_col}{end}"
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


def _uncached(xml: bytes) -> Iterator[tuple[str, int, str]]:
    for match in _UNCACHED.finditer(xml):
        attributes, formula, empty_value = match.groups()
        kind = _TYPE.search(attributes)
        if empty_value and kind and kind.group(1) == b"str":
            continue  # a formula whose cached result is the empty text
        ref = _REF.search(attributes)
        if ref is None:
            continue  # no position to report (rare writers): openpyxl saw it empty
        text = html.unescape((formula or b"").decode("utf-8", "replace"))
        yield ref.group(1).decode(), int(ref.group(2)), text


def _formula_faults(label: str, title: str, header: tuple[str, ...],
                    cells: Iterable[tuple[str, int, str]]) -> list[Fault]:
    faults = []
    for letters, row, text in cells:
        position = column_index_from_string(letters)
        if position > len(header):
            continue  # outside the table: an ignored column
        faults.append(Fault(label, row, header[position - 1] or None, f"={text}",
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
