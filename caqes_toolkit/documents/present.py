"""French presentation of the scores tables: column labels and the tables written for people
(numbers are formatted by :mod:`caqes_toolkit.formats`)."""

from __future__ import annotations

import pandas as pd

from ..evaluation.analysis import summary
from ..evaluation.scores import Scores

__all__ = ["LABELS", "PROVISIONAL", "detail_table", "score_table"]

#: Added to the campaign column of a phase-1 evaluation's files: their figures are provisional.
PROVISIONAL = " (provisoire — phase 1)"

#: French headers of the scores workbook.
LABELS: dict[str, str] = {
    "finess": "FINESS",
    "raison_sociale": "Raison sociale",
    "annee": "Année",
    "score_global": "Score global (%)",
    "classe": "Classe",
    "sanction_proposee": "Sanction proposée",
    **{f"chapitre_{k}": f"Chapitre {k} (%)" for k in range(1, 10)},
    "region": "Région",
    "activites": "Activités",
    "liste_en_sus": "Liste en sus",
    "campagne": "Campagne",
    "score_global_t0": "Score global T0 (%)",
    "evolution_t0": "Évolution depuis T0 (points)",
    "score_global_n1": "Score global N−1 (%)",
    "evolution_n1": "Évolution depuis N−1 (points)",
    "rang_regional": "Rang régional",
    "nb_etablissements_region": "Établissements de la région",
    "percentile_regional": "Percentile régional",
    "nb_non_renseignes": "Indicateurs non renseignés",
    "produits_am": "Produits Assurance Maladie (€)",
    "plafond_sanction": "Plafond de sanction estimé (€)",
    "indicateur": "Indicateur",
    "libelle": "Libellé",
    "chapitre": "Chapitre",
    "portee": "Portée",
    "regle": "Règle",
    "sens": "Sens",
    "unite": "Unité",
    "poids": "Poids",
    "valeur": "Valeur",
    "valeur_t0": "Valeur T0",
    "valeur_n1": "Valeur N−1",
    "cible": "Cible / référence",
    "cible_campagne": "Cible de la campagne (à cinq ans)",
    "cible_avenant": "Cible de l'avenant",
    "applicable": "Applicable",
    "motif_nc": "Motif non concerné",
    "statut": "Statut",
    "score": "Score (0–1)",
    "tendance_t0": "Tendance depuis T0",
    "tendance_n1": "Tendance depuis N−1",
    "gain": "Points à gagner",
    "interessement_total": "Intéressement estimé des volets additionnels (€)",
    "reversement_max_total": "Reversement maximum estimé des volets additionnels (€)",
}


def _yes_no(flag: pd.Series) -> pd.Series:
    return flag.map({True: "oui", False: "non"})


def _phase_label(table: pd.DataFrame, phase: int) -> pd.DataFrame:
    """The campaign column saying that a phase-1 evaluation is provisional (phase 2: unchanged)."""
    if phase == 1:
        table["campagne"] = table["campagne"] + PROVISIONAL
    return table


def score_table(scores_by_year: dict[int, Scores], phase: int = 2) -> pd.DataFrame:
    """The scores file: one row per establishment and year (contract columns first); ``phase`` 1
    marks every row provisional in its ``campagne`` column."""
    frames = []
    for year, scores in sorted(scores_by_year.items()):
        frames.append(summary(scores, year))
    table = _phase_label(pd.concat(frames, ignore_index=True), phase)
    table["sanction_proposee"] = _yes_no(table["sanction_proposee"])
    table["liste_en_sus"] = _yes_no(table["liste_en_sus"])
    chapters = sorted({c for s in scores_by_year.values() for c in s.campaign.chapters})
    first = ["finess", "raison_sociale", "annee", "score_global", "classe", "sanction_proposee",
             *[f"chapitre_{c}" for c in chapters]]
    rest = ["region", "activites", "liste_en_sus", "campagne", "score_global_t0", "evolution_t0",
            "score_global_n1", "evolution_n1", "rang_regional", "nb_etablissements_region",
            "percentile_regional", "nb_non_renseignes", "produits_am", "plafond_sanction"]
    return table[first + rest]


def detail_table(scores_by_year: dict[int, Scores], phase: int = 2) -> pd.DataFrame:
    """Indicator-level scores of every establishment and year, with the catalogue's label
    (``phase`` 1: marked provisional in the ``campagne`` column)."""
    frames = []
    for year, scores in sorted(scores_by_year.items()):
        ind = scores.indicators[scores.indicators["annee"] == year].copy()
        labels = {code: ind.label for code, ind in scores.campaign.by_code.items()}
        ind.insert(3, "libelle", ind["indicateur"].map(labels))
        ind["campagne"] = scores.campaign.label_for(year)
        frames.append(ind)
    return _phase_label(pd.concat(frames, ignore_index=True), phase)
