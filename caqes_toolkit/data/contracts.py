"""The contracts of the additional volets in force in a year: what the money, the grids, the
reports and the validation of the expenses all look at."""

from __future__ import annotations

import pandas as pd

from ..rules.campaign import Campaign

__all__ = ["contracts_in_force"]


def contracts_in_force(contracts: pd.DataFrame, campaign: Campaign, year: int) -> pd.DataFrame:
    """Contracts of the campaign's volets in force during ``year`` (start ≤ 31/12 and no end or
    end ≥ 01/01); of two contracts of one volet in force the same year, the later one."""
    start, end = contracts["date_debut"], contracts["date_fin"]
    in_force = ((start <= pd.Timestamp(year, 12, 31)) & (end.isna() | (end >= pd.Timestamp(year, 1, 1)))
                & contracts["volet"].isin(campaign.volet_by_code))
    rows = contracts[in_force].sort_values(["finess", "volet", "date_debut"])
    return rows.drop_duplicates(["finess", "volet"], keep="last").reset_index(drop=True)
