"""One table being checked (:class:`Sink`): the distinct texts of its columns, each parsed once,
and its faults.

Checks are vectorised: a column is factorised, each distinct text is parsed once, the verdicts
are broadcast back to the rows with numpy, and :class:`~caqes_toolkit.errors.Fault` objects are
built for the bad rows only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat

import numpy as np
import pandas as pd

from ..errors import Fault, FaultCode, Severity
from .raw import RawTable, factorize

__all__ = ["PerRow", "Sink", "spread"]

PerRow = Callable[[np.ndarray], Sequence[str]]  # bad row positions -> one text per row
# below this many rows, starting threads costs more than factorising columns in parallel saves
_PARALLEL_ROWS = 200_000
# NUL, C0 controls but tab and line breaks (a cell may hold several lines), DEL, C1 controls
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


@dataclass
class Sink:
    """One table being checked: its stripped text and its faults (built for bad rows only)."""

    table: RawTable
    faults: list[Fault] = field(default_factory=list)
    _distinct: dict[str, tuple[np.ndarray, pd.Series]] = field(default_factory=dict)
    _stripped: set[str] = field(default_factory=set)  # columns where stripping changed a cell
    _controls: dict[str, np.ndarray] = field(default_factory=dict)  # rows with a control character
    _text: dict[str, pd.Series] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.frame

    def distinct(self, column: str) -> tuple[np.ndarray, pd.Series]:
        """Row codes into the distinct stripped texts of a column (each text parsed once)."""
        if column not in self._distinct:
            self._keep(column, _distinct(self.frame[column]))
        return self._distinct[column]

    def distinct_all(self) -> None:
        """:meth:`distinct` of every column, in parallel threads for a large table (Arrow's
        hash kernel releases the GIL: two cores factorise a region's results in 60 % of the
        time of one)."""
        columns = [c for c in self.frame.columns if c not in self._distinct]
        workers = min(len(columns), os.cpu_count() or 1) if len(self.frame) >= _PARALLEL_ROWS else 1
        if workers <= 1:
            return
        with ThreadPoolExecutor(workers) as pool:
            found = pool.map(_distinct, [self.frame[c] for c in columns])
            for column, distinct in zip(columns, found, strict=True):
                self._keep(column, distinct)

    def _keep(self, column: str, distinct: tuple[np.ndarray, pd.Series, bool, np.ndarray | None]) -> None:
        codes, uniques, stripped, controls = distinct
        self._distinct[column] = (codes, uniques)
        if stripped:
            self._stripped.add(column)
        if controls is not None:
            self._controls[column] = controls

    def text(self, column: str) -> pd.Series:
        """The column with surrounding spaces stripped (the column itself when it has none)."""
        if column not in self._text:
            codes, uniques = self.distinct(column)
            self._text[column] = spread(uniques, codes, self.frame[column],
                                         unchanged=not self.is_stripped(column))
        return self._text[column]

    def controls(self, column: str) -> np.ndarray | None:
        """Mask of the rows whose cell holds a control character (``None``: no such row)."""
        self.distinct(column)
        return self._controls.get(column)

    def is_stripped(self, column: str) -> bool:
        """Whether stripping changed some cell of the column."""
        self.distinct(column)
        return column in self._stripped

    def add(self, line: int | None, column: str | None, value: str | None, expected: str,
            severity: Severity = "erreur", *, code: FaultCode) -> None:
        self.faults.append(Fault(self.table.label, line, column, value, expected, severity, code=code))

    def rows(self, mask: np.ndarray, column: str, expected: str | PerRow,
             severity: Severity = "erreur", values: PerRow | None = None, *,
             code: FaultCode) -> None:
        """One fault per ``mask`` row (``expected`` and ``values`` per row when callable)."""
        rows = np.flatnonzero(mask)
        if not rows.size:
            return
        lines = self.table.lines[rows].tolist()
        got = values(rows) if values else self.text(column).take(rows).tolist()
        wanted = [expected] * rows.size if isinstance(expected, str) else expected(rows)
        count = rows.size
        self.faults.extend(map(partial(Fault, code=code), repeat(self.table.label, count), lines,
                               repeat(column, count), got, wanted, repeat(severity, count)))

    def texts(self, bad: np.ndarray, column: str, expected: str | PerRow,
              severity: Severity = "erreur", *, code: FaultCode) -> None:
        """:meth:`rows` for a mask over the column's distinct texts: the rows are looked up
        only when some text is bad (millions of rows, usually none)."""
        if bad.any():
            self.rows(bad[self.distinct(column)[0]], column, expected, severity, code=code)

    def sorted(self) -> list[Fault]:
        """Faults of the table first (line None), then by line and column position."""
        where = {name: i for i, name in enumerate(self.table.header)}
        every = [*self.table.faults, *self.faults]
        return sorted(every, key=lambda f: (f.line or 0,
                                            where.get((f.column or "").split(",")[0], -1)))

    def report_controls(self) -> None:
        """Report every cell holding a control character (NUL, ESC, C1…), in any column."""
        self.distinct_all()
        for column in self.frame.columns:
            rows = self.controls(column)
            if rows is not None:
                self.rows(rows, column, "un texte sans caractère de contrôle (caractère nul, "
                          "échappement, U+0080 à U+009F… : reste d'un export ou d'un copier-coller ; "
                          "le supprimer)", values=partial(_cells, self.frame[column]),
                          code=FaultCode.CONTROL_CHARACTER)


def _distinct(column: pd.Series) -> tuple[np.ndarray, pd.Series, bool, np.ndarray | None]:
    """Row codes, the distinct texts stripped of surrounding spaces, whether stripping changed
    some text (" A01" and "A01" become one value), and the mask of the rows holding a control
    character (``None``: none). Those are looked for before stripping, which would remove some
    of them unseen (U+000B, U+000C, U+0085 at either end of a cell)."""
    codes, uniques = factorize(column)
    control = uniques.str.contains(_CONTROL, regex=True).to_numpy(bool)
    controls = control[codes] if control.any() else None
    stripped = uniques.str.strip()
    if (stripped == uniques).all():
        return codes, uniques, False, controls
    recoded, stripped = pd.factorize(stripped)
    return recoded[codes], pd.Series(stripped, dtype="str"), True, controls


def _cells(column: pd.Series, rows: np.ndarray) -> list[str]:
    """The cells of ``rows`` as the file holds them (not stripped)."""
    return column.take(rows).tolist()


def spread(normal: pd.Series, codes: np.ndarray, original: pd.Series, unchanged: bool) -> pd.Series:
    """Rows of a normalised distinct-value column; ``original`` itself when ``unchanged``
    (the common case, which spares building millions of strings)."""
    if unchanged:
        return original
    return pd.Series(normal.array.take(codes), dtype="str")
