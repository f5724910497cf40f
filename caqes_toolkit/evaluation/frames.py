"""The tables of :class:`~caqes_toolkit.evaluation.scoring.Scores` built from the scoring's arrays:
one row per establishment-year and chapter, one row per establishment-year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules.campaign import Campaign
from .cap import income_cap

__all__ = ["chapter_frame", "global_frame"]


def chapter_frame(finess: np.ndarray, chapters: list[int], years: list[int], e_idx: np.ndarray,
                   y_idx: np.ndarray, score: np.ndarray, weight: np.ndarray, part: np.ndarray,
                   ind_weight: np.ndarray) -> pd.DataFrame:
    """One row per establishment-year (``e_idx``, ``y_idx``) and chapter, from
    [establishment, year, chapter] arrays."""
    n_ch = len(chapters)
    row = e_idx * len(years) + y_idx

    def pick(values: np.ndarray) -> np.ndarray:  # whole [chapter] rows
        return values.reshape(-1, n_ch).take(row, axis=0).reshape(-1)

    return pd.DataFrame({
        "finess": pd.Series(np.repeat(finess.take(e_idx), n_ch), dtype=object, copy=False),
        "annee": np.repeat(np.asarray(years, dtype=np.int64).take(y_idx), n_ch),
        "chapitre": np.tile(np.asarray(chapters), len(e_idx)),
        "score": pick(score),
        "poids": pick(weight),
        "part": pick(part),
        "poids_indicateurs": pick(ind_weight),
    }, copy=False)  # the columns are new arrays


def global_frame(es: pd.DataFrame, campaign: Campaign, chapters: list[int], years: list[int],
                  keep: np.ndarray, g: np.ndarray, ch_score: np.ndarray,
                  missing: np.ndarray) -> pd.DataFrame:
    """One row per establishment-year with data (``keep``, [year, establishment]), by year
    then FINESS (taken in that order rather than sorted after)."""
    by_finess = es["finess"].argsort(kind="stable").to_numpy()
    y_idx, rank = np.nonzero(keep.take(by_finess, axis=1))
    e_idx = by_finess.take(rank)
    row = e_idx * len(years) + y_idx  # in [establishment, year] arrays
    glob = g.reshape(-1).take(row)
    rounded = np.round(glob, 6)
    names, bounds = list(campaign.classes), list(campaign.classes.values())
    grade = np.select([rounded >= b for b in bounds], names, default=names[-1]).astype(object)
    grade[np.isnan(glob)] = np.nan
    sanction = ~np.isnan(glob) & (rounded < campaign.sanction_threshold) & (not campaign.without_sanction)
    income = es["produits_am"].array.take(e_idx)
    cap = income_cap(campaign.sanction.cap_pct_income, np.asarray(income, dtype=float)) if campaign.sanction else np.nan
    by_chapter = ch_score.reshape(-1, len(chapters)).take(row, axis=0)

    def taken(*names: str) -> dict:
        return {name: es[name].array.take(e_idx) for name in names}

    return pd.DataFrame({
        **taken("finess", "raison_sociale", "region", "activites", "liste_en_sus"),
        "annee": np.asarray(years, dtype=np.int64).take(y_idx),
        "score_global": glob,
        "classe": grade,
        "sanction_proposee": sanction,
        "produits_am": income,
        **{f"chapitre_{k}": by_chapter[:, j].copy() for j, k in enumerate(chapters)},
        "nb_non_renseignes": missing.reshape(-1).take(y_idx * len(es) + e_idx),
        "plafond_sanction": np.where(sanction, cap, np.nan),
    }, copy=False)  # the columns are new arrays
