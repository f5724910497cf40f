"""Beyond the score: progress, regional position, priorities, what-if simulation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..data.dataset import Dataset
from ..data.validation import check_values
from ..errors import DataError
from ..rules.campaign import Campaign, campaign_for_year
from ..rules.objectives import Indicator
from .scores import Scores
from .scoring import score

__all__ = [
    "Simulation",
    "priorities",
    "regional_distribution",
    "simulate",
    "summary",
    "target_value",
]


def summary(scores: Scores, year: int) -> pd.DataFrame:
    """One row per establishment for ``year``: scores, class, progress since T0 and N−1, rank.

    Adds to ``Scores.establishments``: score_global_t0, evolution_t0, score_global_n1,
    evolution_n1 (points; NaN without data), rang_regional (1 = best), nb_etablissements_region,
    percentile_regional (0–100), campagne (the campaign's name, saying so when its rules are
    another year's: « caqes-2019 (règles appliquées à 2018) »).
    """
    est = scores.establishments
    current = est[est["annee"] == year].copy()
    for label, other in (("t0", scores.campaign.t0_year), ("n1", year - 1)):
        prev = est.loc[est["annee"] == other, ["finess", "score_global"]].rename(
            columns={"score_global": f"score_global_{label}"})
        current = current.merge(prev, on="finess", how="left")
        current[f"evolution_{label}"] = current["score_global"] - current[f"score_global_{label}"]
    by_region = current.groupby("region")["score_global"]
    current["rang_regional"] = by_region.rank(ascending=False, method="min").astype("Int64")
    current["nb_etablissements_region"] = by_region.transform("count").astype("Int64")
    current["percentile_regional"] = 100 * by_region.rank(pct=True, method="max")
    current["campagne"] = scores.campaign.label_for(year)
    return current.reset_index(drop=True)


def regional_distribution(scores: Scores, year: int, region: str) -> pd.DataFrame:
    """Anonymous distribution of the global and chapter scores of a region's establishments.

    Index: score_global, chapitre_1 …; columns: n, min, q1, mediane, q3, max.
    """
    est = scores.establishments
    rows = est[(est["annee"] == year) & (est["region"] == region)]
    cols = ["score_global"] + [f"chapitre_{c}" for c in sorted(scores.campaign.chapters)]
    values = rows[cols].astype(float)
    return pd.DataFrame({
        "n": values.count(),
        "min": values.min(),
        "q1": values.quantile(0.25),
        "mediane": values.median(),
        "q3": values.quantile(0.75),
        "max": values.max(),
    })


def priorities(scores: Scores, finess: str, year: int, n: int | None = 5) -> pd.DataFrame:
    """Indicators ranked by points of global score to gain next year.

    Applicable indicators with a score below 1, by gain; ties: national before regional,
    worsened since N−1 before others, then code. Adds ``libelle``, ``action``, ``non_renseigne``
    (no value, counted 0) and ``source_donnees`` (who provides the value: the establishment, whose
    missing value is the cheapest gain, or the Assurance Maladie or the HAS).
    """
    ind = scores.indicators
    rows = ind[(ind["finess"] == finess) & (ind["annee"] == year) & ind["applicable"]
               & (ind["score"] < 1 - 1e-12)].copy()
    catalogue = scores.campaign.by_code
    rows["libelle"] = rows["indicateur"].map(lambda c: catalogue[c].label)
    rows["action"] = rows["indicateur"].map(lambda c: catalogue[c].action)
    rows["non_renseigne"] = rows["statut"] == "non renseigné"
    rows["source_donnees"] = rows["indicateur"].map(lambda c: catalogue[c].data_source)
    rows["_gain"] = -rows["gain"].round(9)
    rows["_scope"] = (rows["portee"] != "national").astype(int)
    rows["_worse"] = (rows["tendance_n1"] != "dégradé").astype(int)
    rows = rows.sort_values(["_gain", "_scope", "_worse", "indicateur"], kind="stable")
    rows = rows.drop(columns=["_gain", "_scope", "_worse"]).reset_index(drop=True)
    return rows if n is None else rows.head(n)


def target_value(indicator: Indicator, target: float | None) -> float:
    """A value that gives the indicator the full score (1)."""
    up = indicator.direction == "hausse"
    if indicator.rule == "binaire":
        return 1.0
    if indicator.rule == "maturite":
        return 100.0
    if indicator.rule == "seuils":
        best = max(points for _, points in indicator.thresholds or ())
        met = [t for t, points in indicator.thresholds or () if points == best]
        return min(met) if up else max(met)
    if target is None or np.isnan(target):
        raise ValueError(f"l'indicateur {indicator.code} n'a pas de cible pour cette année")
    return float(target)


@dataclass(frozen=True)
class Simulation:
    """Result of a what-if: global score and class before and after the changes."""

    finess: str
    annee: int
    changes: dict[str, float]
    score_before: float
    score_after: float
    class_before: str
    class_after: str
    scores: Scores

    @property
    def gain(self) -> float:
        return self.score_after - self.score_before


def simulate(dataset: Dataset, campaign: Campaign, year: int, finess: str,
             changes: Mapping[str, float | str], allow_other_year: bool = False) -> Simulation:
    """What if some indicators of one establishment had other values in ``year``?

    ``changes`` maps an indicator code to a value, checked exactly as a value of the
    ``resultats`` table is (« oui »/« non »/« NC » for a binaire indicator, a number in 0–100
    for a % unit or a maturity, …; a fault raises :class:`DataError` naming the code), or to
    ``"cible"`` (reach the target: the value that gives score 1). ``year`` must be one the
    campaign evaluates (:func:`campaign_for_year`). Returns the global score and class before
    and after; the dataset is not modified.
    """
    campaign = campaign_for_year([campaign], year, allow_other_year)
    one = dataset.only([finess])
    if one.establishments.empty:
        raise KeyError(f"FINESS {finess} absent des établissements")
    before = score(one, campaign, [year])
    targets = before.indicators.set_index("indicateur")["cible"]
    texts = {code: _target_text(campaign.by_code.get(code), change, targets.get(code))
             for code, change in changes.items()}
    rows, faults = check_values(campaign, texts)
    if faults:
        raise DataError(faults)
    drop_maturity = any(campaign.by_code[c].rule == "maturite" for c in rows["indicateur"])
    after = score(_with_values(one, year, rows, drop_maturity), campaign, [year])
    b, a = before.establishments.iloc[0], after.establishments.iloc[0]
    values = dict(zip(rows["indicateur"], rows["valeur"].astype(float), strict=True))
    return Simulation(finess, year, values, float(b["score_global"]), float(a["score_global"]),
                      str(b["classe"]), str(a["classe"]), after)


def _target_text(indicator: Indicator | None, change: object, target: float | None) -> object:
    """``change`` itself, or for « cible » the value that reaches the target, as a value text."""
    if indicator is None or not (isinstance(change, str) and change.strip().lower() == "cible"):
        return change
    return "oui" if indicator.rule == "binaire" else repr(target_value(indicator, target))


def _with_values(data: Dataset, year: int, rows: pd.DataFrame, drop_maturity: bool) -> Dataset:
    """Dataset whose results for ``year`` carry ``rows`` (checked values: indicateur, valeur, nc,
    brut; adjustments, and the maturity table when a maturity indicator changes, no longer
    override them)."""
    key = ["finess", "annee", "indicateur"]
    new = rows.assign(finess=data.establishments["finess"].iloc[0], annee=year)[list(data.results.columns)]
    new = new.astype(data.results.dtypes.to_dict())
    changed = data.results[key].merge(new[key], on=key, how="left", indicator=True)["_merge"] == "both"
    results = pd.concat([data.results[~changed.to_numpy()], new], ignore_index=True)
    adj = data.adjustments
    adj = adj[~(adj["annee"].eq(year) & adj["indicateur"].isin(rows["indicateur"]))]
    maturity = data.maturity[data.maturity["annee"] != year] if drop_maturity else data.maturity
    return replace(data, results=results, adjustments=adj, maturity=maturity)
