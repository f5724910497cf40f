"""Checks and normalisation of the tables read by :mod:`caqes_toolkit.data.read`, as
:mod:`caqes_toolkit.data.tables` declares them: the orchestrator.

Each table is checked as it was found (:mod:`~caqes_toolkit.data.layout`), each column read by
the parser of its kind (:mod:`~caqes_toolkit.data.parsers`), then its key and the checks across
its columns (:mod:`~caqes_toolkit.data.table_checks`), and, once every table is valid, the
checks across tables (:mod:`~caqes_toolkit.data.cross_tables`). Every fault of every table is
listed, not only the first, each with its :class:`FaultCode`. Checks are vectorised: a column is
factorised, each distinct text is parsed once, the verdicts are broadcast back to the rows with
numpy, and :class:`Fault` objects are built for the bad rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..errors import Fault
from ..rules.campaign import Campaign
from .cross_tables import missing_expenses
from .files import Prefetch
from .layout import missing_table, read_as_known, usable, without_total
from .parsers import PARSERS, Context
from .raw import RawSource, RawTable
from .read import read_source
from .sink import Sink
from .table_checks import TABLE_CHECKS, duplicates
from .tables import TABLES, TableSpec
from .tables import table as table_spec

__all__ = ["Checked", "check", "check_values", "validate"]


@dataclass(frozen=True)
class Checked:
    """The outcome of :func:`check`: every fault, and the normalised tables (keyed by
    :class:`~caqes_toolkit.data.dataset.Dataset` field) or ``None`` when any fault is an error."""

    faults: tuple[Fault, ...]
    tables: dict[str, pd.DataFrame] | None


def validate(source: str | Path, campaign: Campaign, prefetched: Prefetch | None = None) -> list[Fault]:
    """Every fault (errors and warnings) of the data in a folder or an ``.xlsx`` or ``.ods`` workbook
    (``prefetched``: see :func:`~caqes_toolkit.data.load.load_dataset`).

    Never raises for bad data; raises :class:`~caqes_toolkit.errors.CaqesError` only when the
    path does not exist or is neither a folder nor a workbook.
    """
    return list(check(read_source(source, prefetched), campaign).faults)


def check(raw: RawSource, campaign: Campaign) -> Checked:
    """Check the raw tables against their declarations (:data:`~caqes_toolkit.data.tables.TABLES`)
    and normalise them (``resultats`` before the tables whose checks look at its latest year)."""
    faults: list[Fault] = list(raw.faults)
    frames: dict[str, pd.DataFrame] = {}
    known: pd.Series | None = None
    for spec in TABLES:
        read = raw.tables.get(spec.name)
        if read is None:
            if not raw.faults:  # an unreadable workbook is reported once, not per sheet
                faults += missing_table(raw, spec)
            continue
        sink = Sink(without_total(read_as_known(read, spec)))
        if usable(sink, spec):
            sink.report_controls()
            results = frames.get("results")
            latest = int(results["annee"].max()) if results is not None and len(results) else None
            frames[spec.field] = _check_table(sink, spec, Context(campaign, known, latest))
            if any(c.kind == "finess_declared" for c in spec.columns):
                known = frames[spec.field]["finess"]
        faults += sink.sorted()
    if any(f.severity == "erreur" for f in faults):
        return Checked(tuple(faults), None)
    faults += missing_expenses(raw, frames, campaign)
    tables = {spec.field: frames.get(spec.field, spec.empty()) for spec in TABLES}
    return Checked(tuple(faults), tables)


def _check_table(sink: Sink, spec: TableSpec, ctx: Context) -> pd.DataFrame:
    """Each column read by its kind, the key's duplicates, then the checks across columns."""
    for column in spec.columns:
        if not column.read:
            continue
        if column.name in sink.frame:
            PARSERS[column.kind](sink, column, ctx)
        else:  # an optional column absent: empty
            n = len(sink.frame)
            ctx.columns[column.name] = (np.full(n, np.nan) if column.dtype == "float64" else
                                        pd.Series([""] * n, dtype="str"))
    duplicates(sink, {c: ctx.keys[c] for c in spec.key if c in ctx.keys})
    for name in spec.checks:
        TABLE_CHECKS[name](sink, ctx)
    return _frame(spec, ctx.columns)


def _frame(spec: TableSpec, columns: dict[str, pd.Series | np.ndarray]) -> pd.DataFrame:
    """A normalised table: the declared columns, in order, with their dtypes."""
    data = {c: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v)
            for c, v in columns.items()}
    return pd.DataFrame(data, columns=list(spec.names), copy=False).astype(spec.dtypes)


def check_values(campaign: Campaign, values: dict[str, object],
                 source: str = "simulation") -> tuple[pd.DataFrame, list[Fault]]:
    """Indicator values given outside a file (a what-if simulation), checked exactly as the
    ``valeur`` column of ``resultats`` is: same parsers, same rules (binaire: oui/non/NC, a %
    unit or a maturity in 0–100, …). Returns the rows (indicateur, valeur, nc, brut) and the
    faults, each with ``source``, no line, and the indicator code as its column."""
    codes = [str(code) for code in values]
    frame = pd.DataFrame({"indicateur": codes, "valeur": [str(v) for v in values.values()]}, dtype="str")
    sink = Sink(RawTable("resultats", source, ("indicateur", "valeur"), frame, np.arange(len(frame))))
    ctx = Context(campaign, None)
    for column in table_spec("results").columns:
        if column.name in frame:
            PARSERS[column.kind](sink, column, ctx)
    faults = [Fault(source, None, codes[cast(int, f.line)], f.value, f.expected, f.severity, code=f.code)
              for f in sink.faults]
    rows = pd.DataFrame({"indicateur": codes, "valeur": ctx.columns["valeur"], "nc": ctx.columns["nc"],
                         "brut": pd.Series(ctx.columns["brut"], dtype="str").to_numpy(dtype=object)})
    return rows, faults
