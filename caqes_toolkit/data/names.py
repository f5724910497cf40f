"""Names as analysts type them: files, sheets and columns compared with the expected ones.

Free of pandas, like :mod:`caqes_toolkit.data.tables`, so that the files of a folder can be
found before pandas is loaded (:mod:`caqes_toolkit.data.files`), and without pyarrow, so that
a resumed request lists them at once (:mod:`caqes_toolkit.run.resume`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .tables import TABLES

__all__ = ["TABLE_NAMES", "by_table", "input_files", "name_key", "table_files"]

TABLE_NAMES: tuple[str, ...] = tuple(spec.name for spec in TABLES)

_UNIT = re.compile(r"\s*\([^()]*\)\s*$")  # « Produits AM (€) »
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015.'’]+")


def name_key(name: str) -> str:
    """A name as compared with the expected ones: case, accents, spaces, underscores, hyphens
    and a trailing unit in parentheses ignored (« Produits AM (€) » → ``produitsam``)."""
    text = unicodedata.normalize("NFKD", _UNIT.sub("", name.strip()))
    return _SEPARATORS.sub("", "".join(c for c in text if not unicodedata.combining(c)).casefold())


def by_table(names: dict[str, str | None]) -> tuple[dict[str, list[str]], list[str]]:
    """The names read as each table, and the others. ``names`` maps each file or sheet name to
    the text compared with the table names (``None``: never a table, a PDF for instance)."""
    found: dict[str, list[str]] = {}
    unread = []
    for name, compared in names.items():
        key = None if compared is None else name_key(compared)
        if key in TABLE_NAMES:
            found.setdefault(key, []).append(name)
        else:
            unread.append(name)
    return found, unread


def table_files(folder: Path) -> tuple[dict[str, list[str]], list[str]]:
    """The files of ``folder`` read as each table (``Resultats.CSV``, « Résultats.csv »,
    « resultats .csv » read as ``resultats.csv``), and the other files."""
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return by_table({f: Path(f).stem if Path(f).suffix.lower() == ".csv" else None for f in files})


def input_files(source: Path) -> list[Path]:
    """The files the loader reads for ``source`` (a workbook, or each file of a folder that reads as
    a table: ``Resultats.CSV`` too), sorted: what a cache, a batch fingerprint or a resumed request
    must cover, exactly (see :mod:`caqes_toolkit.data.read`)."""
    if not source.is_dir():
        return [source]
    found, _ = table_files(source)
    return sorted(source / name for names in found.values() for name in names)
