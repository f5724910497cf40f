"""French presentation of the tables the commands write: column labels, and the workbooks for people
(``score --detail x.xlsx``, ``score --volets x.xlsx``, ``ciblage x.xlsx``): French headers and values,
number formats, frozen header, filters, A4 landscape (:func:`caqes_toolkit.outputs.write_table`). The
CSV of each is for programs and keeps its machine columns and values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..evaluation.analysis import summary
from ..evaluation.money import VoletResults, volet_table, write_volets
from ..evaluation.scores import Scores
from ..evaluation.targeting import write_targeting
from ..outputs import write_table
from .rule_texts import RULES
from .vocabulary import SCOPES, TARGETING, YES_NO

__all__ = ["INCENTIVE_LABELS", "LABELS", "PROVISIONAL", "TARGETING_LABELS", "VOLET_LABELS", "detail_sheet",
           "detail_table", "incentive_sheet", "score_table", "targeting_sheet", "volets_sheet", "write_detail",
           "write_incentives", "write_targeting_file", "write_volets_file"]

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


#: French headers of the volets workbook (``score --volets x.xlsx``).
VOLET_LABELS: dict[str, str] = {
    "finess": "FINESS", "annee": "Année", "volet": "Volet", "indicateur": "Indicateur",
    "annee_reference": "Année de référence", "montant_reference": "Dépenses de l'année de référence (€)",
    "objectif": "Objectif (€)", "montant": "Dépenses de l'année (€)", "evolution": "Évolution sur un an (%)",
    "economies": "Économies (€)", "depassement": "Dépassement de l'objectif (€)",
    "atteinte": "Atteinte des objectifs (%)", "interessement": "Intéressement estimé (€)",
    "reversement_max": "Reversement maximum estimé (€)", "sanction_proposee": "Sanction proposée",
    "ciblage": "Critère de ciblage rempli",
}
#: French headers of the targeting workbook (``ciblage x.xlsx``).
TARGETING_LABELS: dict[str, str] = {
    "finess": "FINESS", "raison_sociale": "Raison sociale", "annee": "Année", "referentiel": "Référentiel",
    "cible": "Ciblage", "motif": "Valeurs qui décident",
}
#: French headers of the second generation's scores workbook (``score --out x.xlsx``).
INCENTIVE_LABELS: dict[str, str] = {
    "finess": "FINESS", "raison_sociale": "Raison sociale", "annee": "Année", "volets": "Contrats en vigueur",
    "interessement_total": "Intéressement estimé total (€)",
}
#: What a workbook shows in the indicator column of a contract's total row.
CONTRACT_TOTAL = "total du contrat"


def _yes_no(flag: pd.Series) -> pd.Series:
    return flag.map(YES_NO)


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


def detail_sheet(detail: pd.DataFrame) -> pd.DataFrame:
    """The indicators' detail as a workbook for people shows it: scope, rule, applicable in French."""
    return detail.assign(portee=detail["portee"].map(SCOPES).fillna(detail["portee"]),
                         regle=detail["regle"].map({k: r.name for k, r in RULES.items()}).fillna(detail["regle"]),
                         applicable=_yes_no(detail["applicable"].astype(bool)))


def volets_sheet(results: list[VoletResults]) -> pd.DataFrame:
    """The volets file as a workbook for people shows it: each volet by its campaign label, a contract's
    total row named so; the other values as the machine file has them (euros, %, « oui »/« non »)."""
    rows = volet_table(results, text=False)
    labels = {v.code: v.label for r in results for v in r.campaign.volets}
    return rows.assign(volet=rows["volet"].map(labels).fillna(rows["volet"]),
                       indicateur=rows["indicateur"].where(rows["indicateur"] != "", CONTRACT_TOTAL))


def incentive_sheet(table: pd.DataFrame, results: list[VoletResults]) -> pd.DataFrame:
    """The second generation's scores as a workbook for people shows them: the contracts in force by
    their volets' labels (« ; » between two), not their codes."""
    labels = {v.code: v.label for r in results for v in r.campaign.volets}
    return table.assign(volets=table["volets"].map(
        lambda codes: " ; ".join(labels.get(code, code) for code in str(codes).split(", "))))


def write_incentives(table: pd.DataFrame, results: list[VoletResults], path: str | Path) -> None:
    """``score --out`` of the second generation: the machine columns in a CSV, French headers and volets'
    labels in a workbook."""
    if _for_people(path):
        write_table({"interessement": incentive_sheet(table, results)}, path, INCENTIVE_LABELS, decimals=2)
    else:
        write_table({"interessement": table}, path)


def targeting_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """The targeting file as a workbook for people shows it: « ciblé », « non ciblé », « à vérifier »."""
    return table.assign(cible=table["cible"].map(TARGETING).fillna(table["cible"]))


def _for_people(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".xlsx"


def write_detail(detail: pd.DataFrame, path: str | Path) -> None:
    """``score --detail``: the machine columns in a CSV, French headers and values in a workbook."""
    if _for_people(path):
        write_table({"indicateurs": detail_sheet(detail)}, path, LABELS, decimals=2)
    else:
        write_table({"indicateurs": detail}, path)


def write_volets_file(results: list[VoletResults], path: str | Path) -> None:
    """``score --volets``: the machine columns in a CSV (:func:`~caqes_toolkit.evaluation.money.write_volets`),
    French headers and values in a workbook."""
    if _for_people(path):
        write_table({"volets": volets_sheet(results)}, path, VOLET_LABELS, decimals=2)
    else:
        write_volets(results, path)


def write_targeting_file(table: pd.DataFrame, path: str | Path) -> None:
    """``ciblage``: the machine columns in a CSV, French headers and values in a workbook."""
    if _for_people(path):
        write_table({"ciblage": targeting_sheet(table)}, path, TARGETING_LABELS)
    else:
        write_targeting(table, path)
