"""Beyond the score (METHOD.md §6): progress, regional position, priorities, what-if simulation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .campaign import Campaign, Indicator
from .dataset import Dataset
from .scoring import Scores, score

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
    percentile_regional (0–100), campagne.
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
    current["campagne"] = scores.campaign.name
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
    """Indicators ranked by points of global score to gain next year (METHOD.md §6).

    Applicable indicators with a score below 1, by gain; ties: national before regional,
    worsened since N−1 before others, then code. Adds ``libelle``, ``action`` and
    ``non_renseigne`` (the cheapest gains: reporting the value may be enough).
    """
    ind = scores.indicators
    rows = ind[(ind["finess"] == finess) & (ind["annee"] == year) & ind["applicable"]
               & (ind["score"] < 1 - 1e-12)].copy()
    catalogue = scores.campaign.by_code
    rows["libelle"] = rows["indicateur"].map(lambda c: catalogue[c].label)
    rows["action"] = rows["indicateur"].map(lambda c: catalogue[c].action)
    rows["non_renseigne"] = rows["statut"] == "non renseigné"
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
             changes: Mapping[str, float | str]) -> Simulation:
    """What if some indicators of one establishment had other values in ``year``?

    ``changes`` maps an indicator code to a value (number, ``"oui"``/``"non"``) or to
    ``"cible"`` (reach the target: the value that gives score 1). Returns the global score
    and class before and after; the dataset is not modified.
    """
    one = dataset.only([finess])
    if one.establishments.empty:
        raise KeyError(f"FINESS {finess} absent des établissements")
    before = score(one, campaign, [year])
    targets = before.indicators.set_index("indicateur")["cible"]
    values: dict[str, float] = {}
    for code, change in changes.items():
        indicator = campaign.by_code.get(code)
        if indicator is None:
            raise KeyError(f"indicateur inconnu : {code}")
        values[code] = _as_value(indicator, change, targets.get(code))
    drop_maturity = any(campaign.by_code[c].rule == "maturite" for c in values)
    after = score(_with_values(one, year, values, drop_maturity), campaign, [year])
    b, a = before.establishments.iloc[0], after.establishments.iloc[0]
    return Simulation(finess, year, values, float(b["score_global"]), float(a["score_global"]),
                      str(b["classe"]), str(a["classe"]), after)


def _as_value(indicator: Indicator, change: float | str, target: float | None) -> float:
    if isinstance(change, str):
        text = change.strip().lower()
        if text == "cible":
            return target_value(indicator, target)
        if text in ("oui", "non"):
            return 1.0 if text == "oui" else 0.0
        return float(text.replace(",", ".").replace("%", ""))
    return float(change)


def _with_values(data: Dataset, year: int, values: dict[str, float], drop_maturity: bool) -> Dataset:
    """Dataset whose results for ``year`` carry ``values`` (adjustments, and the maturity table
    when a maturity indicator changes, no longer override them)."""
    key = ["finess", "annee", "indicateur"]
    new = pd.DataFrame({
        "finess": data.establishments["finess"].iloc[0], "annee": year,
        "indicateur": list(values), "valeur": list(values.values()), "nc": False,
        "brut": [str(v) for v in values.values()],
    })
    changed = data.results[key].merge(new[key], on=key, how="left", indicator=True)["_merge"] == "both"
    results = pd.concat([data.results[~changed.to_numpy()], new], ignore_index=True)
    adj = data.adjustments
    adj = adj[~(adj["annee"].eq(year) & adj["indicateur"].isin(values))]
    maturity = data.maturity[data.maturity["annee"] != year] if drop_maturity else data.maturity
    return replace(data, results=results, adjustments=adj, maturity=maturity)
