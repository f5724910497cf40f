"""What the next year holds for the contracts evaluated in year N, for their action plans.

For each expense line of a contract in force in N whose savings are measured against the previous
year (``reference: annee_precedente``, the second generation), with MT_N its spending of N and x its
target rate of N + 1:

- objective of N + 1 = MT_N × (1 + x / 100), rounded to the cent;
- savings at stake = max(0, MT_N − objective): the savings of N + 1 if the spending meets its objective;
- intéressement at stake = part_interessement % × savings at stake, every objective of the volet met
  (achievement 100 %): per line, and per contract on the sum of its lines.

Unknown stays unknown (NaN): MT_N missing, no rate for N + 1, a contract ending before N + 1, a
volet without part_interessement; a line measured against the year before the contract has no
stake here. Every number comes from the campaign file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CaqesError
from ..rules.campaign import Campaign
from .money import VoletResults

__all__ = ["STAKE_COLUMNS", "next_year_stakes"]

#: Columns of :func:`next_year_stakes`: one row per expense line (``indicateur`` its code) and one per
#: contract (``indicateur`` empty: the sums, and the intéressement at stake).
STAKE_COLUMNS: tuple[str, ...] = ("finess", "volet", "indicateur", "annee", "taux", "objectif", "economies_en_jeu",
                                  "interessement_en_jeu", "en_vigueur")


def next_year_stakes(results: VoletResults) -> pd.DataFrame:
    """The stakes of year N + 1 of every contract of ``results`` (see the module docstring)."""
    campaign, following = results.campaign, results.annee + 1
    rows = results.rows
    lines = rows[(rows["indicateur"] != "") & (rows["regle_reference"] == "annee_precedente")].copy()
    running = (lines["date_fin"].isna() | (lines["date_fin"] >= pd.Timestamp(following, 1, 1))).to_numpy()
    by_code = campaign.volet_indicators
    rate = np.array([np.nan if (r := by_code[c][1].rate(following)) is None else r for c in lines["indicateur"]],
                    dtype=float)
    spent = lines["montant"].to_numpy(dtype=float)
    with np.errstate(over="ignore"):
        objective = np.where(running, np.round(spent * (1 + rate / 100), 2), np.nan)
    _refuse_infinite(lines, objective, campaign, following)
    at_stake = np.round(np.maximum(0.0, spent - objective), 2)  # NaN stays NaN
    line_share = lines["volet"].map(lambda v: campaign.volet_by_code[v].share_savings).astype(float).to_numpy()
    lines = lines.assign(annee=following, taux=rate, objectif=objective, economies_en_jeu=at_stake,
                         interessement_en_jeu=np.round(line_share / 100 * at_stake, 2), en_vigueur=running)
    key = ["finess", "volet"]
    sums = lines.groupby(key, sort=False)["economies_en_jeu"].sum(min_count=1)
    sums = sums.mask(lines["economies_en_jeu"].isna().groupby([lines["finess"], lines["volet"]], sort=False).any())
    totals = sums.rename("economies_en_jeu").reset_index()
    share = totals["volet"].map(lambda v: campaign.volet_by_code[v].share_savings).astype(float)
    running_total = lines.groupby(key, sort=False)["en_vigueur"].any().reindex(
        pd.MultiIndex.from_frame(totals[key])).to_numpy(dtype=bool)
    totals = totals.assign(indicateur="", annee=following, taux=np.nan, objectif=np.nan,
                           interessement_en_jeu=np.round(share / 100 * totals["economies_en_jeu"], 2),
                           en_vigueur=running_total)
    out = pd.concat([lines[list(STAKE_COLUMNS)], totals[list(STAKE_COLUMNS)]], ignore_index=True)
    return out.astype({"annee": "int64", "en_vigueur": "bool"})


def _refuse_infinite(lines: pd.DataFrame, objective: np.ndarray, campaign: Campaign, year: int) -> None:
    """Refuse (:class:`CaqesError`) an objective beyond what a float holds (a rate far too large): never an
    infinity in a plan."""
    bad = np.isinf(objective)
    if bad.any():
        where = Path(campaign.path).name if campaign.path else campaign.name
        volet, code = lines["volet"].to_numpy()[bad][0], lines["indicateur"].to_numpy()[bad][0]
        raise CaqesError(f"{where} : volets[{volet}].indicateurs[{code}].taux_cible de {year} démesuré : l'objectif "
                         f"de dépenses {year} dépasse ce qu'un calcul peut tenir ; aucun plan n'est écrit")
