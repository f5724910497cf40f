"""Notices a document shows about the rules it applied, in one wording for the documents and the
command line's warnings."""

from __future__ import annotations

from collections.abc import Iterable

from ..rules.campaign import Campaign

__all__ = ["previous_year_notice", "previous_year_rescored"]


def previous_year_rescored(campaign: Campaign, year: int, data_years: Iterable[int]) -> bool:
    """Whether N−1, which the documents of ``year`` show beside N, is scored under ``campaign`` (the
    rules of N) although it had its own campaign: the data hold N−1 and N−1 comes after the T0 (a T0
    is the starting point, measured under the rules of each year: it has no campaign of its own).
    The caller knows that no campaign of N−1 was given."""
    return campaign.t0_year is not None and year - 1 > campaign.t0_year and year - 1 in set(data_years)


def previous_year_notice(campaign: Campaign, year: int) -> str:
    """The notice of a document whose N−1 scores are computed under the rules of N."""
    n1 = year - 1
    return (f"Les scores de {n1} (N−1) sont calculés ici selon les règles de la campagne {campaign.name}, faute de "
            f"campagne {n1} fournie : ils peuvent différer des scores {n1} publiés, calculés selon les règles de "
            f"{n1}.")
