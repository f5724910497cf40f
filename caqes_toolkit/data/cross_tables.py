"""Checks across tables, once each table is valid: the expenses that the contracts in force need."""

from __future__ import annotations

import pandas as pd

from ..errors import Fault, FaultCode
from ..rules.campaign import Campaign
from ..rules.objectives import VoletIndicator
from .contracts import contracts_in_force
from .raw import RawSource
from .tables import table as table_spec

__all__ = ["missing_expenses"]


def missing_expenses(raw: RawSource, frames: dict[str, pd.DataFrame], campaign: Campaign) -> list[Fault]:
    """Warnings for the expenses that the contracts in force in the latest year with results
    need (reference year, N − 1, N) and the depenses table lacks, and for the years of those
    objectives without a target rate in the campaign."""
    contracts, results = frames.get("contracts"), frames.get("results")
    if contracts is None or contracts.empty or results is None or results.empty:
        return []
    year = int(results["annee"].max())
    expenses = frames.get("expenses", table_spec("expenses").empty())
    spent = set(zip(expenses["finess"], expenses["annee"].tolist(), expenses["poste"], strict=True))
    needed: dict[tuple[str, int, str], str] = {}
    rates: list[Fault] = []
    name = campaign.file_name
    in_force = contracts_in_force(contracts, campaign, year)[["finess", "volet", "date_debut"]]
    for finess, volet, start in in_force.itertuples(index=False):
        for line in campaign.volet_by_code[volet].expenses:
            first = start.year - 1 if line.reference == "debut_contrat" else year - 1
            for annee in (first, year, year - 1):
                if (finess, annee, line.expense) not in spent:
                    needed.setdefault((finess, annee, str(line.expense)), volet)
            if any(line.rate(k) is None for k in range(first + 1, year + 1)):
                rates.append(_missing_rate(name, volet, line, finess, first, year))
    return list(dict.fromkeys([*(
        Fault(raw.label("depenses"), None, "montant", f"{finess} / {annee} / {poste}",
              f"la dépense « {poste} » {annee} de l'établissement {finess}, requise par son contrat "
              f"« {volet} » en vigueur en {year} (montants laissés vides dans le fichier des volets)",
              "avertissement", code=FaultCode.MISSING_EXPENSE)
        for (finess, annee, poste), volet in sorted(needed.items())), *rates]))


def _missing_rate(name: str, volet: str, line: VoletIndicator, finess: str, first: int, year: int) -> Fault:
    return Fault(name, None, f"volets[{volet}].indicateurs[{line.code}].taux_cible", finess,
                 f"un taux pour chaque année de {first + 1} à {year} (objectif non calculé, montants "
                 "laissés vides)", "avertissement", code=FaultCode.MISSING_RATE)
