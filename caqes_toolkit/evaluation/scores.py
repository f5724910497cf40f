"""What scoring returns (:class:`Scores`: the indicators', chapters' and establishments' tables
of one campaign) and the statuses an indicator can have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ..rules.campaign import Campaign

__all__ = ["STATUSES", "Scores"]

#: Indicator statuses, in the order reports list them.
STATUSES: tuple[str, ...] = ("atteint", "en progrès", "non atteint", "non renseigné", "non concerné",
                              "en attente")


@dataclass(frozen=True)
class Scores:
    """Scores of a set of establishments and years under one campaign.

    ``indicators`` (built on first use: it is the large table): one row per establishment ×
        year × catalogue indicator — finess, annee, indicateur, chapitre, portee, regle, sens,
        unite, poids, valeur, valeur_t0, valeur_n1, cible (the target applied: the establishment's
        own for the year where the cibles table gives one, else the campaign's), cible_campagne,
        cible_avenant (bool: the target applied is the establishment's own), applicable (bool), motif_nc, statut,
        score (0–1, NaN when not applicable), tendance_t0 / tendance_n1 ("amélioré" | "stable" |
        "dégradé" | NaN), gain (points of global score won if the indicator reached score 1).
    ``chapters``: one row per establishment × year × chapter —
        finess, annee, chapitre, score (0–100, NaN = NC), poids (weight of the profile table),
        part (effective share of the global score, 0–1, after pro rata), poids_indicateurs.
    ``establishments``: one row per establishment × year —
        finess, raison_sociale, region, activites, liste_en_sus, annee, score_global, classe,
        sanction_proposee (bool), produits_am, chapitre_1 … chapitre_N, nb_non_renseignes,
        plafond_sanction (euros, NaN unless a sanction is proposed and produits_am is known).
    """

    campaign: Campaign
    chapters: pd.DataFrame
    establishments: pd.DataFrame
    make_indicators: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        return self.make_indicators()

    def year(self, annee: int) -> Scores:
        """The same scores restricted to one year."""
        return Scores(
            self.campaign,
            chapters=_rows_of(self.chapters, annee),
            establishments=_rows_of(self.establishments, annee),
            make_indicators=lambda: _rows_of(self.indicators, annee),
        )


def _rows_of(df: pd.DataFrame, annee: int) -> pd.DataFrame:
    return df[df["annee"] == annee].reset_index(drop=True)
