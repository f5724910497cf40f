"""Writing outputs: atomically (never a truncated file), CSV for machines, XLSX for people.

Every text cell of a workbook is stored as text, never as a formula (``=HYPERLINK(…)`` in an
establishment's name stays a name), with a quote prefix when it starts like a formula, and the
characters a workbook cannot hold are replaced by U+FFFD; its texts get French spacing
(:func:`~caqes_toolkit.formats.french_spacing`: a workbook is read by people). The machine CSV keeps
values verbatim.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .errors import CaqesError, os_reason
from .formats import french_spacing

if TYPE_CHECKING:  # pandas and openpyxl are imported by the writers only: render workers stay light
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["DATE_FORMAT", "MONEY_FORMAT", "PERCENT_FORMAT", "WRITTEN", "atomic_path", "check_outputs", "csv_text",
           "describe_os_error", "foreign_files", "made_by_people", "output_lock", "recorded", "refuse_overwrite",
           "remember_outputs", "save_workbooks", "set_text", "sheet_text", "typeset_workbook", "write_atomic",
           "write_table"]

#: First characters that make a spreadsheet read a text as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What replaces a character a workbook cannot hold (NUL and other control characters).
REPLACEMENT = "\ufffd"
#: Name of the lock file a command holds in the output folder it writes into.
LOCK_NAME = ".caqes.lock"
#: The record, in a folder, of the files the commands wrote there and of their SHA-256: a file may be
#: replaced only while it is the one a command wrote (never a filled grid nor a completed plan).
WRITTEN = ".caqes-ecrits.json"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends, then deliver it: a file and its record are written
    both or neither. Only the main thread receives signals and may set their handler; elsewhere
    (a worker, which ignores Ctrl-C) the block just runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, FrameType | None]] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append((signum, frame)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):
            previous(*held[0])


@contextmanager
def atomic_path(path: str | Path, then: Callable[[], object] | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    ``then`` runs right after the move, Ctrl-C held back in between (to note the file as written:
    see :func:`recorded`). A reader never sees a half-written file; the file gets
    the usual permissions (umask). An
    ``OSError`` that names no file (a full disk while writing) or the temporary file is given
    ``path``, so that the message names the output (a file another program holds open, which
    Windows refuses to replace, included: :func:`describe_os_error` says so).
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        with _ctrl_c_held():
            os.replace(tmp, path)
            if then is not None:
                then()
    except OSError as exc:
        if exc.filename is None or exc.filename == tmp:
            exc.filename = str(path)
            if str(exc.filename2) == str(path):  # os.replace names both: the temporary file, then the output
                exc.filename2 = None
        raise
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically, flushed to disk (UTF-8 for text)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def describe_os_error(exc: OSError) -> str:
    """A French sentence for a file-system error, naming the path."""
    what = os_reason(exc)
    where = f"{exc.filename} : " if exc.filename is not None else ""
    return f"{where}{what}" + (f" ({exc.filename2})" if exc.filename2 else "")


# --------------------------------------------------------------------------- workbook cells
def sheet_text(text: str) -> str:
    """``text`` with the characters a workbook cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, text)


def set_text(cell: Cell, value: Any) -> None:
    """Set ``cell`` to ``value``; a text stays a text, never a formula, and shows as typed."""
    if not isinstance(value, str):
        cell.value = value
        return
    value = sheet_text(value)
    cell.value = value
    cell.data_type = "s"  # openpyxl makes « =… » a formula
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True  # Excel shows it literally, even after editing the cell


def write_table(sheets: dict[str, pd.DataFrame], path: str | Path,
                labels: dict[str, str] | None = None, decimals: int = 1) -> None:
    """Write tables to ``.csv`` (first table; comma, dot decimal) or ``.xlsx`` (one sheet each).

    The workbook is for people: French ``labels`` for headers, euros as euros (columns named like
    a sum of money), percentages with « % », other numbers with ``decimals`` decimals; bold
    frozen header, filters, column widths from the content; printed on A4 landscape, fitted to
    the page's width, the header row repeated on every page. Every text is a text cell.
    The CSV is for machines: values verbatim.
    """
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_path(path) as tmp:
            tmp.write_bytes(csv_text(next(iter(sheets.values()))).encode("utf-8"))
        return
    if suffix != ".xlsx":
        raise ValueError(f"{path} : extension attendue .csv ou .xlsx")
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in sheets.items():
                df = _sheet_frame(df.rename(columns=labels or {}))
                df.to_excel(writer, sheet_name=name[:31], index=False)
                _format_sheet(writer.sheets[name[:31]], df, decimals)


# --------------------------------------------------------------------------- machine CSV
def csv_text(df: pd.DataFrame) -> str:
    """The text of ``df.to_csv(index=False)``, the same to the byte, built column by column.

    pandas formats each float through NumPy and writes the table cell by cell (a second for the
    scores of 30,000 establishments); here pyarrow formats and joins whole columns, and Python's
    csv module writes only the header and the rare cells it would quote. pyarrow's own CSV writer
    is not used: it quotes every text and writes 100.0 as 100. Column types without a fast path
    (dates, categories, mixed objects) leave the whole table to pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [_csv_cells(df.iloc[:, i]) for i in range(df.shape[1])]
    if df.shape[1] < 2 or df.columns.nlevels > 1 or any(c is None for c in columns):
        return df.to_csv(index=False)  # a lone empty cell is quoted: pandas' own rules
    header = _csv_line(df.columns.tolist())
    if not len(df):
        return header
    texts = [c.cast(pa.large_string()) for c in columns if c is not None]
    lines = pc.binary_join_element_wise(*texts, pa.scalar(",", pa.large_string())).to_pylist()
    lines.append("")
    return header + os.linesep.join(lines)


def _csv_line(cells: list[Any]) -> str:
    """One line as Python's csv module writes it (pandas' writer)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=os.linesep).writerow(cells)
    return buffer.getvalue()


def _csv_cells(column: pd.Series) -> pa.Array | None:
    """Each cell of ``column`` as ``to_csv`` writes it, or ``None`` for a type left to pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = column.dtype
    if pd.api.types.is_float_dtype(dtype):
        return _float_cells(column.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_bool_dtype(dtype):
        return pc.if_else(pa.array(column, from_pandas=True), "True", "False").fill_null("")
    if pd.api.types.is_integer_dtype(dtype):
        return pa.array(column, from_pandas=True).cast(pa.string()).fill_null("")
    texts_only = pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(column) in ("string", "empty")
    if isinstance(dtype, pd.StringDtype) or texts_only:
        texts = column if isinstance(dtype, pd.StringDtype) else column.to_numpy(dtype=object, na_value=None)
        return _quoted(pa.array(texts, type=pa.large_string(), from_pandas=True).fill_null(""))
    return None


def _quoted(texts: pa.Array) -> pa.Array:
    """Texts holding a comma, a quote or a line break as the csv module quotes them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    special = pc.match_substring_regex(texts, '[,"\r\n]').to_numpy(zero_copy_only=False)
    if not special.any():
        return texts
    fields = [_csv_line([text, ""])[:-len(os.linesep) - 1] for text in texts.filter(pa.array(special)).to_pylist()]
    return pc.replace_with_mask(texts, pa.array(special), pa.array(fields, type=texts.type))


def _float_cells(values: np.ndarray) -> pa.Array:
    """Floats as Python's ``repr`` writes them (pandas' CSV); NaN as an empty cell.

    pyarrow gives the same shortest round-trip digits but its own notation: its text is kept
    for plain decimals of 1e-4 ≤ |x| < 1e16 (with « .0 » added to whole numbers, as repr does);
    ``repr`` writes the others, exponents, infinities and the rare cases pyarrow writes
    differently.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values).cast(pa.string())
    exponent = pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    point = pc.match_substring(text, ".").to_numpy(zero_copy_only=False)
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        plain = ((size >= 1e-4) & (size < 1e16) | (values == 0)) & ~exponent
    text = pc.if_else(pa.array(plain & ~point), pc.binary_join_element_wise(text, ".0", ""), text)
    text = pc.if_else(pa.array(np.isnan(values)), "", text)
    other = ~plain & ~np.isnan(values)
    if not other.any():
        return text
    replaced = [repr(x) for x in values[other].tolist()]
    return pc.replace_with_mask(text, pa.array(other), pa.array(replaced, type=pa.string()))


def _text_columns(df: pd.DataFrame) -> list[int]:
    """Positions of the columns that may hold text (every column but numeric and boolean ones)."""
    import pandas as pd

    return [i for i in range(df.shape[1])
            if not (pd.api.types.is_numeric_dtype(df.iloc[:, i]) or pd.api.types.is_bool_dtype(df.iloc[:, i]))]


def _people_text(text: str) -> str:
    """A text as a workbook for people shows it: characters it cannot hold replaced, French spacing."""
    return french_spacing(sheet_text(text))


def _sheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its texts fit for a workbook read by people (each distinct text checked once)."""
    df = df.rename(columns=lambda c: _people_text(c) if isinstance(c, str) else c)
    for i in _text_columns(df):
        values = df.iloc[:, i]
        changed = {v: new for v in values.dropna().unique() if isinstance(v, str) and (new := _people_text(v)) != v}
        if changed:
            df.isetitem(i, values.replace(changed))
    return df


def typeset_workbook(book: Any) -> None:
    """French spacing in every text of the visible sheets of an openpyxl ``book`` and in the prompts and
    error messages of their input rules (a hidden sheet, which identifies a grid, is left alone)."""
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (spaced := french_spacing(cell.value)) != cell.value:
                    set_text(cell, spaced)
        for rule in sheet.data_validations.dataValidation:
            rule.prompt = french_spacing(rule.prompt) if rule.prompt else rule.prompt
            rule.error = french_spacing(rule.error) if rule.error else rule.error


#: Number formats of the workbooks (codes are locale-free: a French spreadsheet shows « 1 234,50 € »).
MONEY_FORMAT = '#,##0.00\\ "€"'
PERCENT_FORMAT = '0.0\\ "%"'  # values already in 0–100
POINTS_FORMAT = "+0.0;-0.0;0.0"
DATE_FORMAT = "DD/MM/YYYY"
#: Headers (accents and case folded) of the columns holding euros.
_MONEY = re.compile(r"interessement|economies|depenses|objectif|reversement|produits|plafond|montant|"
                    r"depassement|€")
_TEXT_WIDTH = 40  # widest column (characters); longer texts wrap, and headers wrap to their content's width
_LINE_HEIGHT = 13  # points per line of a wrapped cell


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def _number_format(header: str, series: pd.Series, decimals: int) -> str | None:
    """The number format of a numeric column, from its header and type (``None``: not numeric)."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        return DATE_FORMAT
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return None
    name = _fold(header)
    if "(%)" in name:
        return PERCENT_FORMAT
    if _MONEY.search(name):
        return MONEY_FORMAT
    if "(points)" in name:
        return POINTS_FORMAT
    if pd.api.types.is_integer_dtype(series):
        return "0"
    return "0." + "0" * decimals if decimals else "0"


def _content_width(series: pd.Series, number_format: str | None) -> int:
    """Characters the widest value of a column takes once formatted."""
    import numpy as np

    if number_format is None:
        lengths = series.dropna().astype(str).str.len()
        return int(lengths.max()) if len(lengths) else 0
    if number_format == DATE_FORMAT:
        return len("31/12/2020")
    values = np.abs(series.to_numpy(dtype=float, na_value=np.nan))
    if np.isnan(values).all():
        return 0
    digits = len(f"{np.nanmax(values):,.0f}")
    fraction = re.search(r"\.(0+)", number_format)
    decimals = len(fraction.group(1)) if fraction else 0
    return digits + (decimals + 1 if decimals else 0) + (2 if number_format in (MONEY_FORMAT, PERCENT_FORMAT) else 1)


def _lines(lengths: pd.Series, width: int) -> pd.Series:
    """Lines a text of each length takes in a wrapped column ``width`` characters wide (with a margin
    for the proportional font)."""
    return (lengths * 1.1 // width + 1).astype(int)


def _format_sheet(ws: Worksheet, df: pd.DataFrame, decimals: int) -> None:
    """Header, number formats, widths, filters, frozen header and printing on A4 landscape."""
    import pandas as pd
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDE5F0")
    for cell in ws[1]:
        set_text(cell, cell.value)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for idx in _text_columns(df):
        for (cell,) in ws.iter_rows(min_row=2, min_col=idx + 1, max_col=idx + 1):
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                set_text(cell, cell.value)  # the others are already plain text cells
    header_lines, row_lines = 1, None
    wrap = Alignment(wrap_text=True, vertical="top")
    for idx in range(1, df.shape[1] + 1):
        header = str(ws.cell(row=1, column=idx).value)
        series = df.iloc[:, idx - 1]
        number_format = _number_format(header, series, decimals)
        if number_format is not None:
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = number_format
        content = _content_width(series, number_format)
        longest_word = max((len(w) for w in header.split()), default=0)
        width = min(max(content, longest_word, 6), _TEXT_WIDTH)
        if number_format is None and content > _TEXT_WIDTH:  # long texts wrap, their rows grow
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.alignment = wrap
            lines = _lines(series.fillna("").astype(str).str.len(), width)
            row_lines = lines if row_lines is None else row_lines.combine(lines, max)
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = width + 2
        header_lines = max(header_lines, _lines(pd.Series([len(header)]), width).iloc[0])
    ws.row_dimensions[1].height = _LINE_HEIGHT * header_lines + 4
    if row_lines is not None:  # a spreadsheet does not size rows it opens: LibreOffice would overlap them
        for row, n in enumerate(row_lines.tolist(), start=2):
            if n > 1:
                ws.row_dimensions[row].height = _LINE_HEIGHT * n + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, as wide as the page, the header row on every page, page numbers."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as needed downwards
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.oddFooter.left.text = "&F — &A"
    ws.oddFooter.right.text = "page &P / &N"


# --------------------------------------------------------------------------- output paths
def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same file or folder (resolved, or the same inode)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(inputs: Iterable[str | Path], files: Iterable[str | Path] = (),
                  folders: Iterable[str | Path] = ()) -> None:
    """Refuse, before anything is written, outputs that would overwrite an input or each other.

    ``inputs``: the data (folder or workbook), campaign files, notebook; a CSV output into the
    data folder is refused too (the loader would read it). ``files``: the files a command
    writes; ``folders``: the folders it writes into. Raise :class:`CaqesError` in French.
    """
    sources = [Path(p) for p in inputs]
    data_dirs = [p for p in sources if p.is_dir()]
    sources += [p for folder in data_dirs for p in folder.iterdir() if p.is_file()]
    seen: list[Path] = []
    for folder in map(Path, folders):
        if folder.exists() and not folder.is_dir():
            raise CaqesError(f"{folder} est un fichier : un dossier de sortie est attendu")
        for data in data_dirs:
            if _same(folder, data):
                raise CaqesError(f"{folder} est le dossier de données : choisissez un autre dossier de sortie "
                                 "(les entrées ne sont jamais modifiées)")
    for path in map(Path, files):
        if path.is_dir():
            raise CaqesError(f"{path} est un dossier : un fichier de sortie est attendu")
        for source in sources:
            if _same(path, source):
                raise CaqesError(f"{path} est un fichier d'entrée de la commande : choisissez un autre "
                                 "fichier de sortie (les entrées ne sont jamais modifiées)")
        for data in data_dirs:
            if path.suffix.lower() == ".csv" and _same(path.parent, data):
                raise CaqesError(f"{path} : pas de CSV de sortie dans le dossier de données {data} "
                                 "(il serait lu comme une entrée)")
        for other in seen:
            if _same(path, other):
                raise CaqesError(f"{path} : deux sorties de la commande au même chemin")
        seen.append(path)


@contextmanager
def output_lock(folder: str | Path) -> Iterator[Path]:
    """Hold ``folder/.caqes.lock`` while a command writes into ``folder`` (created if needed).

    A second command on the same folder stops at once with a French message instead of
    interleaving its files with the first one's.
    """
    from filelock import FileLock, Timeout

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise CaqesError(f"le dossier {folder} est utilisé par une autre commande caqes (verrou {path}) : "
                         "attendez qu'elle se termine ou choisissez un autre dossier") from None
    try:
        yield path
    finally:
        lock.release()


# --------------------------------------------------------------------------- what a person made
def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _written(folder: Path) -> dict[str, str]:
    """File name → SHA-256 of the files the commands wrote in ``folder`` (empty when unrecorded)."""
    import json

    try:
        files = json.loads((folder / WRITTEN).read_text(encoding="utf-8"))["fichiers"]
        return {str(name): str(digest) for name, digest in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _ours(path: Path, records: dict[Path, dict[str, str]]) -> bool:
    """Whether ``path`` is a file a command wrote and nobody changed since."""
    record = records.setdefault(path.parent, _written(path.parent))
    try:
        return record.get(path.name) == _sha256(path)
    except OSError:
        return False


def _listed(paths: list[Path], most: int = 5) -> str:
    shown = ", ".join(str(p) for p in paths[:most])
    return shown + (f" et {len(paths) - most} autres" if len(paths) > most else "")


def made_by_people(paths: Iterable[str | Path]) -> list[Path]:
    """The files of ``paths`` that exist and that no command wrote, or that were changed since."""
    records: dict[Path, dict[str, str]] = {}
    return [p for p in map(Path, paths) if p.is_file() and not _ours(p, records)]


def refuse_overwrite(paths: Iterable[str | Path], force: bool = False) -> None:
    """Refuse (:class:`CaqesError`), before anything is written, to replace an existing file that no
    command wrote or that was changed since (a returned grid, a completed plan, a person's file of
    the same name). ``force``: replace them knowingly."""
    kept = made_by_people(paths)
    if kept and not force:
        these, them = (("ces fichiers existent et ne sont pas ceux que caqes a écrits (modifiés depuis, ou "
                        "faits par une personne", "les") if len(kept) > 1 else
                       ("ce fichier existe et n'est pas celui que caqes a écrit (modifié depuis, ou fait par une "
                        "personne", "le"))
        raise CaqesError(f"{_listed(kept)} : {these} : grille remplie, plan complété…) ; rien n'est remplacé. "
                         f"Choisissez un autre dossier, déplacez-{them}, ou ajoutez --force pour {them} remplacer "
                         "sciemment")


def remember_outputs(paths: Iterable[str | Path]) -> None:
    """Record the files just written (their SHA-256) in their folders' :data:`WRITTEN` file."""
    import json

    by_folder: dict[Path, list[Path]] = {}
    for path in map(Path, paths):
        if path.is_file():
            by_folder.setdefault(path.parent, []).append(path)
    for folder, files in by_folder.items():
        record = _written(folder)
        record.update({p.name: _sha256(p) for p in files})
        write_atomic(folder / WRITTEN, json.dumps({"fichiers": dict(sorted(record.items()))}, indent=1))


@contextmanager
def recorded(paths: Iterable[str | Path]) -> Iterator[None]:
    """Write the files of the block, then record them as written (:func:`remember_outputs`), with
    Ctrl-C held back until both are done: an interrupted command never leaves a file of its own
    unrecorded, which the next run would take for a person's. For short writes (a table, a page)."""
    with _ctrl_c_held():
        yield
        remember_outputs(paths)


def save_workbooks(paths: Sequence[Path], build: Callable[[int], Any], *, force: bool = False,
                   saved: Callable[[int], None] | None = None) -> list[Path]:
    """Save the openpyxl workbook ``build(k)`` to ``paths[k]`` for each k, atomically; refused before
    the first is built when one would replace a file a person made (:func:`refuse_overwrite`); each
    recorded as written, even when the command stops in the middle. ``saved(k)`` after each. Their
    texts get French spacing (:func:`typeset_workbook`)."""
    refuse_overwrite(paths, force)
    written: list[Path] = []
    try:
        for k, path in enumerate(paths):
            book = build(k)
            typeset_workbook(book)
            with atomic_path(path, then=partial(written.append, path)) as tmp:
                book.save(tmp)
            if saved is not None:
                saved(k)
    finally:
        remember_outputs(written)
    return list(paths)


def foreign_files(folder: str | Path) -> list[Path]:
    """What a folder holds that no command wrote or that was changed since (its lock and record aside)."""
    folder = Path(folder)
    records: dict[Path, dict[str, str]] = {}
    return sorted(p for p in folder.iterdir() if p.name not in (WRITTEN, LOCK_NAME) and not _ours(p, records))
