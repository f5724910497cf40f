"""The avenant: an establishment's own yearly targets (the ``cibles`` table) and the step of a
proposed trajectory.

The target a campaign gives a ``cible`` indicator is the five-year target. Where the ``cibles``
table gives an establishment its own target for an indicator and a year, that target replaces the
campaign's in the level and in the progress from T0 (:mod:`caqes_toolkit.evaluation.scoring`).
A proposed trajectory (:mod:`caqes_toolkit.evaluation.trajectories`) goes from the T0 value t0 to
the campaign's target c in H equal steps: t0 + (c − t0) × k / H for the year T0 + k, k = 1 … H,
rounded to one decimal, half away from zero (:func:`step_target`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

__all__ = ["on_trajectory", "own_target_cells", "step_target"]


def own_target_cells(values: np.ndarray, cell: np.ndarray, indicator: np.ndarray,
                     shape: tuple[int, int]) -> dict[int, np.ndarray]:
    """The ``cibles`` rows as one [year, establishment] array per indicator position that has some
    (NaN where an establishment has no target of its own). ``cell``: each row's flat position
    in that array, ``indicator``: its indicator's position; rows where either is -1 are left out."""
    keep = (cell >= 0) & (indicator >= 0)
    own = {}
    for k in np.unique(indicator[keep]).tolist():
        cells = np.full(shape[0] * shape[1], np.nan)
        mine = keep & (indicator == k)
        cells[cell[mine]] = values[mine]
        own[k] = cells.reshape(shape)
    return own


def step_target(t0: float, target: float, step: int, horizon: int) -> float:
    """The target of year T0 + ``step``: t0 + (target − t0) × step / horizon, rounded to one decimal,
    half away from zero.

    Computed on the decimals the values were typed with (``repr`` of the floats): in binary,
    t0 = 9 and target = 5.75 give 8.349999… for the first step, which would round to 8.3 instead
    of 8.4, and Python's ``round`` rounds halves to even."""
    start, end = Decimal(repr(float(t0))), Decimal(repr(float(target)))
    exact = start + (end - start) * step / horizon
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))  # HALF_UP: away from zero


def on_trajectory(indicators: pd.DataFrame) -> pd.DataFrame:
    """Per establishment and year with some target of its own (``indicators``: the scores' indicator
    table), sorted by FINESS and year: ``cibles_avenant``, the applicable indicators scored against
    an own target, ``atteintes``, those of them met, and ``sur_trajectoire``: every one met."""
    own = indicators[indicators["cible_avenant"].astype(bool)]
    met = own["applicable"].astype(bool) & (own["statut"] == "atteint")
    grouped = own.assign(_counted=own["applicable"].astype(int), _met=met.astype(int)).groupby(
        ["finess", "annee"], sort=True)
    table = pd.DataFrame({"cibles_avenant": grouped["_counted"].sum(), "atteintes": grouped["_met"].sum()})
    return table.assign(sur_trajectoire=table["atteintes"] == table["cibles_avenant"]).reset_index()
