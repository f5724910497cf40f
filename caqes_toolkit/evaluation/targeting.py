"""Targeting: which establishments a référentiel designates for a contract (``caqes ciblage``).

Second generation (arrêté du 23 février 2022): a ``referentiel`` is a list of conditions on year
N's values, each on an indicator's value (``resultats``) or on an expense line (``depenses``),
``inferieur_a: X`` holding when the value is < X. An establishment complies (``non``: not
targeted) when any condition holds; it is targeted (``oui``) when none holds; ``a_verifier``
when none holds for sure but some cannot be evaluated (missing value).

First generation: the ``depense`` objectives with ``seuil_ciblage`` flag the establishments whose
spending grew faster than the target rate or reached the threshold (:func:`money.targeting`); they
are listed as ``oui``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..data.dataset import Dataset
from ..formats import NNBSP, fmt_num
from ..rules.campaign import Campaign, missing_parameter
from ..rules.objectives import Condition, Indicator, VoletIndicator
from .money import targeting as growth_targeting

__all__ = ["TARGETING_COLUMNS", "referentiel_rows", "targeting_table", "write_targeting"]

#: Columns of the targeting file (``caqes ciblage``), in order.
TARGETING_COLUMNS: tuple[str, ...] = ("finess", "raison_sociale", "annee", "referentiel", "cible", "motif")
OUTCOMES = ("oui", "non", "a_verifier")


def _number(x: float | None) -> str:
    return fmt_num(x, 2, trim=True)


def _unit(unit: str | None) -> str:
    return f"{NNBSP}{unit}" if unit else ""


def _check_filled(campaign: Campaign, ind: Indicator | VoletIndicator) -> list[Condition]:
    conditions = list(ind.referentiel or ())
    for k, condition in enumerate(conditions):
        if condition.below is None:
            raise missing_parameter(campaign, ind.code, f"referentiel[{k}].inferieur_a")
    return conditions


def _values(dataset: Dataset, condition: Condition, year: int, finess: pd.Series) -> np.ndarray:
    """Year N's value of the condition for each establishment (NaN when unknown or NC)."""
    if condition.indicator:
        res = dataset.results
        rows = res[(res["annee"] == year) & (res["indicateur"] == condition.indicator)]
        by = rows.drop_duplicates("finess", keep="last").set_index("finess")["valeur"]
    else:
        exp = dataset.expenses
        rows = exp[(exp["annee"] == year) & (exp["poste"] == condition.expense)]
        by = rows.drop_duplicates("finess", keep="last").set_index("finess")["montant"]
    return by.reindex(finess).to_numpy(dtype=float)


def _texts(campaign: Campaign, condition: Condition, values: np.ndarray) -> np.ndarray:
    """The motif part of a condition for each value: « 12 000 boîtes ≥ 8 500 »,
    « dépense ambulance 350 000 € < 400 000 € », « AMBULANCE_PART : donnée manquante »."""
    if condition.indicator:
        found = campaign.by_code.get(condition.indicator) or campaign.volet_indicators[condition.indicator][1]
        unit, name = found.unit, condition.indicator
        prefix = "" if unit and unit not in ("%", "€") else f"{name} "
        limit = _number(condition.below) + (_unit(unit) if unit in ("%", "€") else "")
    else:
        unit, name = "€", f"dépense {condition.expense}"
        prefix, limit = f"{name} ", _number(condition.below) + _unit("€")
    distinct = pd.unique(values[~np.isnan(values)])
    text = {v: f"{prefix}{_number(v)}{_unit(unit)}" for v in distinct}
    shown = pd.Series(values).map(text).astype(object)
    shown = shown.where(shown.notna(), "")
    op = pd.Series(np.where(values < condition.below, " < ", " ≥ "))
    return np.where(np.isnan(values), f"{name} : donnée manquante", (shown + op + limit).to_numpy(dtype=object))


def _join(acc: np.ndarray, text: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``acc`` with ``text`` appended (« ; ») where ``where``."""
    joined = np.where(acc == "", text, acc + " ; " + text)
    return np.where(where, joined, acc)


def referentiel_rows(dataset: Dataset, campaign: Campaign, ind: Indicator | VoletIndicator,
                     year: int) -> pd.DataFrame:
    """The outcome of one référentiel for every establishment (:data:`TARGETING_COLUMNS`)."""
    conditions = _check_filled(campaign, ind)
    es = dataset.establishments
    n = len(es)
    holds_any, unknown_any = np.zeros(n, bool), np.zeros(n, bool)
    holding, failing = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    for condition in conditions:
        values = _values(dataset, condition, year, es["finess"])
        texts = _texts(campaign, condition, values)
        unknown = np.isnan(values)
        holds = ~unknown & (values < condition.below)
        holds_any |= holds
        unknown_any |= unknown
        holding = _join(holding, texts, holds)
        failing = _join(failing, texts, ~holds)
    cible = np.where(holds_any, "non", np.where(unknown_any, "a_verifier", "oui"))
    return pd.DataFrame({"finess": es["finess"].to_numpy(), "raison_sociale": es["raison_sociale"].to_numpy(),
                         "annee": year, "referentiel": ind.code, "cible": cible,
                         "motif": np.where(holds_any, holding, failing)})


def _growth_rows(dataset: Dataset, campaign: Campaign, year: int) -> pd.DataFrame:
    """First generation: the establishments the growth-or-threshold rule flags, as ``oui``."""
    flagged = growth_targeting(dataset, campaign, year)
    if flagged.empty:
        return pd.DataFrame(columns=list(TARGETING_COLUMNS))
    lines = {i.code: i for v in campaign.volets for i in v.expenses}
    parts = []
    for code, part in flagged.groupby("indicateur", sort=False):
        line = lines[code]
        amount, growth = part["montant"].to_numpy(dtype=float), part["evolution"].to_numpy(dtype=float)
        rate = line.rate(year)
        spent = np.array([f"dépense {line.expense} {_number(a)}{_unit('€')}" for a in pd.unique(amount)])
        by_amount = dict(zip(pd.unique(amount), spent))
        above = amount >= line.targeting_threshold
        limit = f"{_number(line.targeting_threshold)}{_unit('€')}"
        motif = np.where(above, pd.Series(amount).map(by_amount).to_numpy(dtype=object) + f" ≥ {limit}", "")
        if rate is not None:
            fast = ~np.isnan(growth) & (growth > rate)
            limit = f" > {_number(rate)}{_unit('%')}/an"
            signed = {g: f"évolution {fmt_num(g, 2, trim=True, sign=True)}{_unit('%')}{limit}"
                      for g in pd.unique(growth[fast])}
            motif = _join(motif, pd.Series(growth).map(signed).astype(object).fillna("").to_numpy(dtype=object), fast)
        parts.append(pd.DataFrame({"finess": part["finess"].to_numpy(), "annee": year, "referentiel": code,
                                   "cible": "oui", "motif": motif}))
    rows = pd.concat(parts, ignore_index=True)
    names = dataset.establishments.set_index("finess")["raison_sociale"]
    return rows.assign(raison_sociale=rows["finess"].map(names).fillna(""))[list(TARGETING_COLUMNS)]


def targeting_table(dataset: Dataset, campaign: Campaign, year: int) -> pd.DataFrame:
    """One row per establishment and référentiel (:data:`TARGETING_COLUMNS`), then the
    establishments flagged by a first-generation ``seuil_ciblage``; sorted by référentiel and
    FINESS. Raises :class:`CaqesError` when a référentiel has an empty threshold."""
    frames = [referentiel_rows(dataset, campaign, ind, year) for _, ind in campaign.with_referentiel]
    if any(i.targeting_threshold is not None for v in campaign.volets for i in v.expenses):
        frames.append(_growth_rows(dataset, campaign, year))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "annee" else object) for c in TARGETING_COLUMNS})
    order = {i.code: k for k, (_, i) in enumerate(campaign.with_referentiel)}
    table = pd.concat(frames, ignore_index=True)
    table = table.assign(_o=table["referentiel"].map(order).fillna(len(order))).sort_values(
        ["_o", "referentiel", "finess"], kind="stable")
    return table[list(TARGETING_COLUMNS)].astype({"annee": "int64"}).reset_index(drop=True)


def write_targeting(table: pd.DataFrame, path: str | Path) -> None:
    """Write the targeting file (.csv or .xlsx) with exactly :data:`TARGETING_COLUMNS` as header."""
    from ..outputs import write_table

    write_table({"ciblage": table[list(TARGETING_COLUMNS)]}, path, labels=None)
