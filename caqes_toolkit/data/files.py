"""The input files' bytes: read once, hashed, and a folder's CSV files parsed by Arrow.

Free of pandas, so that a command can start reading before pandas and the rest of the package
are imported: :func:`prefetch` reads, hashes and parses the files of a folder in a background
thread (file reads, hashlib and Arrow's parser release the GIL) while the interpreter imports,
which hides most of the reading of a region's 4 million results. :mod:`caqes_toolkit.data.read`
turns what was parsed into tables, and reads any file that was not prefetched itself.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from .names import table_files

__all__ = ["CsvFile", "Parsed", "Prefetch", "layout", "lone_cr", "parse", "prefetch", "read_csv_file", "sha256"]

_FIRST_LINE = re.compile("[^\r\n]*")
_LINE = re.compile("[^\r\n]*(?:\r\n|\r|\n)?")
_HEAD = 1 << 16  # bytes decoded to find the delimiter and the header
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Parsed:
    """A CSV file parsed at once: its delimiter, its header's cells, and the rows below the
    header with every cell as an Arrow large string (positional columns ``0``, ``1``, …)."""

    sep: str
    header: list[str]
    table: pa.Table


@dataclass(frozen=True)
class CsvFile:
    """A CSV file's bytes, their SHA-256, and the file parsed (``None``: to be read carefully,
    see :func:`read_csv_file`)."""

    data: bytes
    digest: str
    parsed: Parsed | None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_csv_file(path: Path) -> CsvFile:
    """Read (raises :class:`OSError`), hash and, for the common file, parse.

    The common file is UTF-8 in its first 64 KiB, has no line ended by CR alone and no row
    wider or narrower than its header; the parser checks the UTF-8 of the rest. Any other file
    is left unparsed, for the careful reading of :mod:`caqes_toolkit.data.read`.
    """
    data = path.read_bytes()
    with ThreadPoolExecutor(1) as hasher:  # hashlib and the parser both release the GIL
        digest = hasher.submit(sha256, data)
        head = _utf8_head(data)
        parsed = None
        if head is not None and head.strip() and not lone_cr(data):
            try:
                parsed = parse(data, head, check_utf8=True)
            except pa.ArrowInvalid:  # a byte that is not UTF-8, a ragged row, a blank line
                pass
        return CsvFile(data, digest.result(), parsed)


def parse(data: bytes, text: str, *, check_utf8: bool) -> Parsed:
    """Parse ``data`` (UTF-8), its delimiter and header found in ``text`` (its start, decoded);
    raises :class:`pyarrow.ArrowInvalid` on a row with more or fewer cells than the header, or
    on a byte that is not UTF-8 when ``check_utf8``.

    pyarrow's CSV reader is several times faster than pandas' own engines on a region's
    4 million rows and reads in parallel; cells are read as large strings, the layout of
    pandas' Arrow-backed strings, so that no column is copied into pandas.
    """
    sep, header = layout(text)
    names = [str(i) for i in range(len(header))]
    table = pa_csv.read_csv(
        pa.BufferReader(data),  # the bytes themselves, not a copy read through a Python file
        read_options=pa_csv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pa_csv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False, check_utf8=check_utf8),
    )
    return Parsed(sep, header, table.slice(1))


def layout(text: str) -> tuple[str, list[str]]:
    """The delimiter and the header's cells (its first record), from the file's start."""
    sep = _detect_delimiter(*_first_lines(text))
    return sep, next(csv.reader(_lines(text), delimiter=sep), [])


def lone_cr(data: bytes) -> bool:
    """Whether some line ends with CR alone (old Mac files)."""
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")


def _utf8_head(data: bytes) -> str | None:
    """The start of the file decoded (a character cut at the end left out), or ``None`` when
    it is not UTF-8."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data[:_HEAD], final=False)
    except UnicodeDecodeError:
        return None


def _detect_delimiter(header_line: str, next_line: str) -> str:
    """« , », « ; » or a tabulation (Excel's « Texte (séparateur : tabulation) »): the one the
    header line (or the next one, under a title line) holds most; « , » when in doubt."""
    line = header_line if any(d in header_line for d in _DELIMITERS) else next_line
    return max(_DELIMITERS, key=line.count)  # a tie goes to the first


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


class Prefetch:
    """The table files of a folder being read in a background thread (see :func:`prefetch`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        pool = ThreadPoolExecutor(1, thread_name_prefix="caqes-prefetch")
        self._files = pool.submit(self._read_all)
        pool.shutdown(wait=False)  # its one thread ends with the task

    def _read_all(self) -> dict[str, CsvFile]:
        found, _ = table_files(self.folder)
        files = {}
        for names in found.values():
            if len(names) == 1:  # two files read as one table are refused, not read
                try:
                    files[names[0]] = read_csv_file(self.folder / names[0])
                except OSError:
                    pass  # read again, and reported, by the reader
        return files

    def take(self, folder: Path, name: str) -> CsvFile | None:
        """The file ``name`` of ``folder`` as read in the background, once; ``None`` when it was
        not (another folder, an unreadable file, a folder that could not be listed)."""
        if folder != self.folder:
            return None
        try:
            return self._files.result().pop(name, None)
        except Exception:  # whatever failed here, the reader meets it again and reports it
            return None


def prefetch(source: str | Path) -> Prefetch | None:
    """Start reading a folder's table files in the background (``None`` for a workbook or a
    path that is not a folder: nothing to gain, or an error the reader reports)."""
    path = Path(source)
    try:
        return Prefetch(path) if path.is_dir() else None
    except OSError:
        return None
