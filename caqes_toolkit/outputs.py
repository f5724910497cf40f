"""Writing outputs: atomically (never a truncated file), CSV for machines, XLSX for people.

Every text cell of a workbook is stored as text, never as a formula (``=HYPERLINK(…)`` in an
establishment's name stays a name), with a quote prefix when it starts like a formula, and the
characters a workbook cannot hold are replaced by U+FFFD. The machine CSV keeps values verbatim.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CaqesError

if TYPE_CHECKING:  # pandas and openpyxl are imported by the writers only: render workers stay light
    import pandas as pd
    from openpyxl.cell.cell import Cell

__all__ = ["atomic_path", "check_outputs", "describe_os_error", "output_lock", "set_text", "sheet_text",
           "write_atomic", "write_table"]

#: First characters that make a spreadsheet read a text as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What replaces a character a workbook cannot hold (NUL and other control characters).
REPLACEMENT = "\ufffd"
#: Name of the lock file a command holds in the output folder it writes into.
LOCK_NAME = ".caqes.lock"
#: French descriptions of the usual errors of the file system.
OS_ERRORS: dict[int, str] = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota disque dépassé",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EISDIR: "est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EEXIST: "existe déjà",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A reader never sees a half-written file; the file gets the usual permissions (umask). An
    ``OSError`` that names no file (a full disk while writing) or the temporary file is given
    ``path``, so that the message names the output.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.filename is None or exc.filename == tmp:
            exc.filename = str(path)
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
    what = OS_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc)
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

    The workbook is for people: French ``labels`` for headers, numbers shown with ``decimals``
    decimals, bold frozen header, filters and fitted column widths; every text is a text cell.
    The CSV is for machines: values verbatim.
    """
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_path(path) as tmp:
            next(iter(sheets.values())).to_csv(tmp, index=False, encoding="utf-8")
        return
    if suffix != ".xlsx":
        raise ValueError(f"{path} : extension attendue .csv ou .xlsx")
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in sheets.items():
                df = _sheet_frame(df.rename(columns=labels or {}))
                df.to_excel(writer, sheet_name=name[:31], index=False)
                _format_sheet(writer.sheets[name[:31]], df, decimals)


def _text_columns(df: pd.DataFrame) -> list[int]:
    """Positions of the columns that may hold text (every column but numeric and boolean ones)."""
    import pandas as pd

    return [i for i in range(df.shape[1])
            if not (pd.api.types.is_numeric_dtype(df.iloc[:, i]) or pd.api.types.is_bool_dtype(df.iloc[:, i]))]


def _sheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its texts fit for a workbook (each distinct text checked once)."""
    df = df.rename(columns=lambda c: sheet_text(c) if isinstance(c, str) else c)
    for i in _text_columns(df):
        values = df.iloc[:, i]
        bad = {v: sheet_text(v) for v in values.dropna().unique() if isinstance(v, str) and _ILLEGAL.search(v)}
        if bad:
            df.isetitem(i, values.replace(bad))
    return df


def _format_sheet(ws, df: pd.DataFrame, decimals: int) -> None:
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
    number_format = "0." + "0" * decimals if decimals else "0"
    for idx in range(1, df.shape[1] + 1):
        letter = ws.cell(row=1, column=idx).column_letter
        if pd.api.types.is_float_dtype(df.iloc[:, idx - 1]):
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = number_format
        text = df.iloc[:, idx - 1].astype(str)
        width = max([len(str(ws.cell(row=1, column=idx).value)), *text.str.len().head(500).tolist()])
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


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
