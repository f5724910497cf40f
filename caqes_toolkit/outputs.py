"""Writing outputs: atomically (never a truncated file), CSV for machines, XLSX for people."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by write_table only: render workers stay light
    import pandas as pd

__all__ = ["atomic_path", "write_atomic", "write_table"]


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A reader never sees a half-written file; the file gets the usual permissions (umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
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


def write_table(sheets: dict[str, pd.DataFrame], path: str | Path,
                labels: dict[str, str] | None = None, decimals: int = 1) -> None:
    """Write tables to ``.csv`` (first table; comma, dot decimal) or ``.xlsx`` (one sheet each).

    The workbook is for people: French ``labels`` for headers, numbers shown with ``decimals``
    decimals, bold frozen header, filters and fitted column widths.
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
                df.rename(columns=labels or {}).to_excel(writer, sheet_name=name[:31], index=False)
                _format_sheet(writer.sheets[name[:31]], df, decimals)


def _format_sheet(ws, df: pd.DataFrame, decimals: int) -> None:
    import pandas as pd
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDE5F0")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    number_format = "0." + "0" * decimals if decimals else "0"
    for idx, col in enumerate(df.columns, start=1):
        letter = ws.cell(row=1, column=idx).column_letter
        if pd.api.types.is_float_dtype(df[col]):
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = number_format
        text = df[col].astype(str)
        width = max(len(str(ws.cell(row=1, column=idx).value)), *text.str.len().head(500).tolist())
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
