"""Percentages typed as fractions (45,5 % typed 0,455 in a plain cell): a group of % values that
all lie in [0, 1] is reported once, at its first row — an establishment's results of one year, or
the whole references table. The checks ``fractions_by_establishment`` and ``fractions`` of
:data:`~caqes_toolkit.data.table_checks.TABLE_CHECKS`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import FaultCode
from .parsers import Context, Measured
from .sink import Sink

__all__ = ["fractions_by_establishment", "reference_fractions", "target_fractions"]


def fractions_by_establishment(sink: Sink, ctx: Context) -> None:
    """Results: % values all in [0, 1] for one establishment and year (see :func:`_fractions`)."""
    ind_codes, indicators = ctx.indicators
    finess, years = ctx.columns["finess"], ctx.columns["annee"]
    finess_key, year_key = ctx.keys["finess"], ctx.keys["annee"]
    goal = np.array([_percent_above_one(i) for i in indicators], dtype=bool)[ind_codes]

    def groups() -> np.ndarray:  # establishment × year
        return finess_key.astype(np.int64) * (int(year_key.max(initial=0)) + 1) + year_key

    _fractions(sink, groups, goal, np.asarray(ctx.columns["valeur"]),
               lambda row: f"de {pd.Series(finess).iat[row]} pour {years[row]}")


def reference_fractions(sink: Sink, ctx: Context) -> None:
    """References: % values all in [0, 1] (see :func:`_fractions`)."""
    ind_codes, indicators = ctx.indicators
    values = np.asarray(ctx.columns["valeur"])
    percent = np.array([i is not None and i.unit == "%" for i in indicators], dtype=bool)[ind_codes]
    _fractions(sink, lambda: np.zeros(len(values), dtype=np.int64), percent, values, lambda row: "de référence")


def target_fractions(sink: Sink, ctx: Context) -> None:
    """Individual targets (cibles): an establishment's % targets all in [0, 1] (see :func:`_fractions`)."""
    ind_codes, indicators = ctx.indicators
    finess_key = ctx.keys["finess"]
    percent = np.array([_percent_above_one(i) for i in indicators], dtype=bool)[ind_codes]
    _fractions(sink, lambda: finess_key.astype(np.int64), percent, np.asarray(ctx.columns["cible"]),
               lambda row: f"de {pd.Series(ctx.columns['finess']).iat[row]}", column="cible")


def _percent_above_one(ind: Measured | None) -> bool:
    """A % indicator whose target (or best threshold) is above 1 %, or a reference."""
    if ind is None or ind.unit != "%":
        return False
    if ind.rule == "cible":
        return isinstance(ind.target, str) or (ind.target is not None and ind.target > 1)
    return ind.rule == "seuils" and max(t for t, _ in ind.thresholds or ((0, 0),)) > 1


def _fractions(sink: Sink, groups: Callable[[], np.ndarray], percent: np.ndarray, numbers: np.ndarray,
               whose: Callable[[int], str], column: str = "valeur") -> None:
    """Report groups whose % values all lie in [0, 1] (two at least, one strictly inside):
    45,5 % typed as 0.455 in a plain cell. One fault at the group's first such row.

    ``groups()`` gives each row's group as a small non-negative integer; it is called only when
    some % value lies strictly inside (0, 1), and only those values' groups are looked at.
    """
    with np.errstate(invalid="ignore"):
        somewhere_inside = percent & (numbers > 0) & (numbers < 1)
    if not somewhere_inside.any():
        return
    group = groups()
    candidate = np.zeros(int(group.max(initial=0)) + 1, dtype=bool)
    candidate[group[somewhere_inside]] = True
    rows = np.flatnonzero(candidate[group] & percent & np.isfinite(numbers))
    key, _ = pd.factorize(group[rows])
    values = numbers[rows]
    inside = (values > 0) & (values < 1)
    count = np.bincount(key)
    flagged = ((count >= 2) & (np.bincount(key[(values < 0) | (values > 1)], minlength=len(count)) == 0)
               & (np.bincount(key[inside], minlength=len(count)) > 0))
    if not flagged.any():
        return
    in_flagged = flagged[key]
    _, first = np.unique(key[in_flagged], return_index=True)  # groups in key order
    _, example = np.unique(key[in_flagged & inside], return_index=True)
    starts, sizes = rows[in_flagged][first], count[key[in_flagged][first]]
    texts = {}
    for start, size, at in zip(starts.tolist(), sizes.tolist(),
                               rows[in_flagged & inside][example].tolist(), strict=True):
        seen = f"{numbers[at]:.10g}".replace(".", ",")
        meant = f"{numbers[at] * 100:.10g}".replace(".", ",")
        texts[start] = (f"des pourcentages de 0 à 100 : les {size} valeurs "
                        f"en % {whose(start)} sont toutes entre 0 et 1 (ex. {seen}) : des "
                        f"fractions au lieu de pourcentages ? Saisir {meant} pour {meant} %")
    mask = np.zeros(len(numbers), dtype=bool)
    mask[starts] = True
    sink.rows(mask, column, lambda at: [texts[row] for row in at.tolist()],
              code=FaultCode.PERCENT_AS_FRACTION)
