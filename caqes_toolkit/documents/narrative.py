"""Sentences of the report's synthesis, generated from the results (never fixed boilerplate)."""

from __future__ import annotations

import pandas as pd

from ..formats import fmt_pct, fmt_points, plural
from .vocabulary import missing_data

__all__ = ["synthesis_sentences"]

MIN_CHANGE = 0.05  # points: below this a change is « stable »


def _points(x: float) -> str:
    """« 0,3 point », « 18,7 points » (unsigned, for a sentence)."""
    return fmt_points(abs(x), sign=False)


def _verdict(summary: pd.Series, sanction_threshold: float | None, without_sanction: bool, year: int,
             phase: int) -> str:
    g, grade = summary["score_global"], summary["classe"]
    provisional = " provisoire" if phase == 1 else ""
    text = f"L'établissement obtient un score global{provisional} de {fmt_pct(g)} en {year}, soit la classe {grade}."
    if without_sanction:
        return text + " La campagne est évaluée sans sanction."
    threshold = fmt_pct(sanction_threshold, 0)
    if summary["sanction_proposee"] and phase == 1:
        return text + (f" Ce score provisoire est inférieur au seuil de {threshold} : une sanction serait possible "
                       "si le score définitif de la phase 2 restait sous ce seuil.")
    if summary["sanction_proposee"]:
        return text + (f" Ce score est inférieur au seuil de {threshold} : une sanction est encourue ; elle peut "
                       "être proposée à l'issue de la phase contradictoire.")
    return text + f" Ce score atteint le seuil de {threshold} : aucune sanction n'est encourue."


#: Said of every change of a phase-1 report: it compares the same indicators.
SAME_INDICATORS = "à indicateurs identiques (sans ceux de l'Assurance Maladie, en attente)"


def _change(summary: pd.Series, chapters: pd.DataFrame, key: str, since: str, phase: int) -> str | None:
    delta = summary[f"evolution_{key}"]
    if pd.isna(delta):
        return None
    same = f", {SAME_INDICATORS}" if phase == 1 else ""
    if abs(delta) < MIN_CHANGE:
        return f"Le score global est stable depuis {since}{same}."
    verb = "progresse" if delta > 0 else "recule"
    text = f"Depuis {since}{same}, le score global {verb} de {_points(delta)}"
    contrib = chapters[f"contribution_{key}"].dropna()
    same_way = contrib[contrib * delta > 0]
    if not same_way.empty:
        top = same_way.abs().idxmax()
        row = chapters.loc[top]
        text += (f", {'porté' if delta > 0 else 'entraîné'} surtout par le chapitre {int(row['chapitre'])} "
                 f"({row['libelle_court']}, {fmt_points(row[f'contribution_{key}'])} de score global)")
    return text + "."


def _weakest(chapters: pd.DataFrame) -> str | None:
    scored = chapters.dropna(subset=["score"])
    if scored.empty:
        return None
    row = scored.loc[scored["score"].idxmin()]
    text = (f"Le chapitre le plus faible est le chapitre {int(row['chapitre'])} "
            f"({row['libelle_court']}) avec {fmt_pct(row['score'])}")
    if pd.notna(row["mediane"]):
        position = "au-dessous" if row["score"] < row["mediane"] else "au niveau ou au-dessus"
        text += f", {position} de la médiane régionale ({fmt_pct(row['mediane'])})"
    return text + "."


def _priorities(priorities: pd.DataFrame, n: int = 5) -> str | None:
    top = priorities.head(n)
    if top.empty:
        return "Tous les indicateurs applicables sont atteints."
    points = _points(top["gain"].sum())
    if len(top) == 1:
        text = f"La priorité proposée pour l'an prochain représente jusqu'à {points} de score global"
    else:
        text = (f"Les {len(top)} priorités proposées pour l'an prochain représentent jusqu'à "
                f"{points} de score global")
    missing = priorities[priorities["non_renseigne"]]
    for clause in missing_data(zip(missing["indicateur"], missing["source_donnees"])):
        text += f" ; {clause}"
    return text + "."


def _avenant(indicators: pd.DataFrame | None, year: int) -> str | None:
    """What the establishment's own targets of the year (its avenant) gave, when it has some."""
    if indicators is None or not indicators["cible_avenant"].any():
        return None
    own = indicators[indicators["cible_avenant"] & indicators["applicable"]]
    if own.empty:
        return f"Les cibles de l'avenant de l'établissement pour {year} portent sur des indicateurs non concernés."
    met = own[own["statut"] == "atteint"]
    missed = own[own["statut"] != "atteint"]
    text = (f"En {year}, {plural(len(own), 'indicateur est évalué', 'indicateurs sont évalués')} sur les cibles "
            "annuelles de l'avenant de l'établissement, au lieu de la cible à cinq ans de la campagne : ")
    if missed.empty:
        return text + f"{'elle est atteinte' if len(own) == 1 else 'toutes sont atteintes'} ; l'établissement est " \
                      "sur sa trajectoire."
    parts = [f"{plural(len(met), 'atteinte')} ({', '.join(met['indicateur'])})" if len(met) else "",
             f"{plural(len(missed), 'non atteinte', 'non atteintes')} ({', '.join(missed['indicateur'])})"]
    return text + ", ".join(p for p in parts if p) + " ; l'établissement n'est pas sur sa trajectoire."


def synthesis_sentences(summary: pd.Series, chapters: pd.DataFrame, priorities: pd.DataFrame, *,
                        year: int, t0_year: int | None, sanction_threshold: float | None,
                        without_sanction: bool, indicators: pd.DataFrame | None = None, phase: int = 2) -> list[str]:
    """Three to six sentences: verdict, what the targets of the establishment's avenant gave (with
    ``indicators``, the year's indicator table, when it has some), change since T0 and N−1 with its
    main driver, the weakest chapter against the region, and what the priorities are worth
    (``phase`` 1: a provisional score, changes on the same indicators).

    ``chapters`` needs: chapitre, libelle_court, score, mediane, contribution_t0, contribution_n1.
    """
    sentences: list[str | None] = [_verdict(summary, sanction_threshold, without_sanction, year, phase),
                                   _avenant(indicators, year)]
    if year != t0_year:
        sentences.append(_change(summary, chapters, "t0", f"le T0 ({t0_year})", phase))
    if year - 1 != t0_year:
        sentences.append(_change(summary, chapters, "n1", str(year - 1), phase))
    sentences.append(_weakest(chapters))
    sentences.append(_priorities(priorities))
    return [s for s in sentences if s]
