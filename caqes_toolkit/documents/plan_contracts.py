"""Action plans of a second-generation campaign: one per establishment with a contract in force.

The workbook is a plan like the first generation's (:mod:`caqes_toolkit.documents.plan_book`). Per volet
of the contract, in the campaign's order: the scored objectives not met in year N (value, target, the
campaign's action), then each expense line with its spending of N, its objective of N + 1, the savings
and the intéressement at stake (:func:`caqes_toolkit.evaluation.stakes.next_year_stakes`). The title
block gives each contract's dates and the figures of N (achievement, savings, estimated intéressement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from .. import __version__
from ..evaluation.money import VoletResults
from ..evaluation.stakes import next_year_stakes
from ..formats import fmt_euros, fmt_pct
from ..rules.campaign import Campaign
from .fragments import french_date
from .plan_book import BLUE, Layout, follow_up_paragraphs, font, notes_sheet, plan_sheet, save_plans
from .rule_texts import rate_text, target_text, value_text
from .volets import date_text, volet_objectives

__all__ = ["CONTRACT_LAYOUT", "write_contract_plans"]

EUROS = '#,##0.00\\ "€"'
CONTRACT_LAYOUT = Layout(
    filled=(("Rang", 6), ("Volet", 22), ("Code", 11), ("Objectif", 34), ("Valeur actuelle", 15), ("Cible", 19),
            ("Économies en jeu", 13), ("Intéressement en jeu", 13), ("Action recommandée", 38)),
    formats=(("Économies en jeu", EUROS), ("Intéressement en jeu", EUROS)), missing_column="Valeur actuelle",
    frozen_after="Objectif")


def write_contract_plans(results: VoletResults, names: dict[str, str], finess: list[str], out_dir: Path, *,
                         force: bool = False, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the action plan of each establishment of ``finess`` (each with a contract of ``results``,
    the evaluation of year N; ``names``: their raison sociale); the paths. A plan that no command wrote,
    or changed since (a completed plan), is never replaced, unless ``force``."""
    stakes = next_year_stakes(results)
    today = dt.date.today()
    return save_plans(out_dir, results.annee, finess, lambda f: _workbook(results, stakes, f, names[f], today),
                      force=force, progress=progress)


def _workbook(results: VoletResults, stakes: pd.DataFrame, finess: str, name: str, today: dt.date) -> Workbook:
    year, campaign = results.annee, results.campaign
    totals = results.rows[(results.rows["finess"] == finess) & (results.rows["indicateur"] == "")]
    mine = stakes[stakes["finess"] == finess]
    rows: list[list[object]] = []
    missing: list[bool] = []
    todo = volet_objectives(results, finess)
    for total in totals.itertuples():
        volet = campaign.volet_by_code[total.volet]
        for objective in todo[todo["volet"] == total.volet].itertuples():
            ind = campaign.volet_indicators[objective.indicateur][1].as_indicator(1)
            absent = pd.isna(objective.valeur)
            rows.append([len(rows) + 1, volet.label, ind.code, ind.label,
                         "non renseigné (compté 0)" if absent else value_text(ind, objective.valeur),
                         target_text(ind, objective.cible), None, None, ind.action])
            missing.append(bool(absent))
        for line in mine[(mine["volet"] == total.volet) & (mine["indicateur"] != "")].itertuples():
            rows.append([len(rows) + 1, volet.label, *_expense_row(results, line, finess)])
            missing.append(False)
    book = Workbook()
    plan_sheet(book, CONTRACT_LAYOUT,
               f"Plan d'actions CAQES {year} — {name} (FINESS {finess})",
               _title_lines(campaign, totals, mine, finess, name, year, today), rows, missing,
               "Aucun objectif à atteindre ni objectif de dépenses pour les volets de ce contrat.")
    notes_sheet(book, _instructions(campaign, finess, year, today), f"Plan d'actions CAQES {year} — FINESS {finess}")
    return book


def _expense_row(results: VoletResults, stake: Any, finess: str) -> list[object]:
    """Code, label, spending of N, objective of N + 1, savings and intéressement at stake, action."""
    year, line = results.annee, results.campaign.volet_indicators[stake.indicateur][1]
    rows = results.rows
    spent = rows.loc[(rows["finess"] == finess) & (rows["indicateur"] == line.code), "montant"].iloc[0]
    if not stake.en_vigueur:
        target = f"contrat terminé avant {year + 1} : pas d'objectif {year + 1}"
    elif pd.isna(stake.taux):
        target = f"objectif {year + 1} non calculé : taux d'évolution cible {year + 1} absent de la campagne"
    elif pd.isna(stake.objectif):
        target = f"objectif {year + 1} non calculé : dépenses {year} non transmises"
    else:
        target = f"≤ {fmt_euros(stake.objectif)} en {year + 1} ({rate_text(line)})"
    money = [None if pd.isna(v) else float(v) for v in (stake.economies_en_jeu,
                                                          stake.interessement_en_jeu)]
    return [line.code, line.label, f"{fmt_euros(spent)} en {year}", target, *money, line.action]


def _title_lines(campaign: Campaign, totals: pd.DataFrame, stakes: pd.DataFrame, finess: str, name: str,
                 year: int, today: dt.date) -> list:
    lines = [(f"Plan d'actions CAQES {year} — volets incitatifs", font(bold=True, size=15, color=BLUE)),
             (name, font(bold=True, size=12)),
             (f"FINESS : {finess} · Campagne : {campaign.label_for(year)} (année évaluée : {year})", font(size=10))]
    at_stake = stakes[stakes["indicateur"] == ""].set_index("volet")["interessement_en_jeu"]
    for total in totals.itertuples():
        volet = campaign.volet_by_code[total.volet]
        end = f"au {date_text(total.date_fin)}" if pd.notna(total.date_fin) else "sans date de fin"
        facts = [f"atteinte des objectifs {year} : {fmt_pct(total.atteinte, 0)}"]
        if volet.expenses:
            facts += [f"économies {year} : {fmt_euros(total.economies)}",
                      f"intéressement estimé {year} : {fmt_euros(total.interessement)}",
                      f"intéressement en jeu en {year + 1} : {fmt_euros(at_stake.get(total.volet))}"]
        lines.append((f"Volet « {volet.label} » (contrat du {date_text(total.date_debut)} {end}) : "
                      + " ; ".join(facts), font(bold=True, size=10)))
    lines += [(f"Pré-rempli le {french_date(today)} à partir de l'évaluation {year} (caqes-toolkit {__version__}).",
               font(size=9, color="555555")),
              (f"Colonnes {CONTRACT_LAYOUT.filled_letters} : par volet, les objectifs non atteints en {year}, puis "
               f"les objectifs de dépenses de {year + 1} et ce qu'ils mettent en jeu (pré-remplies). Cellules sur "
               "fond jaune : à compléter par l'établissement (lignes vides en fin de tableau pour ses propres "
               "actions). Voir l'onglet « Mode d'emploi ».", font(size=9, italic=True))]
    return lines


def _instructions(campaign: Campaign, finess: str, year: int, today: dt.date) -> list:
    """The « Mode d'emploi » sheet: what the columns hold, what to fill in, how to send it."""
    heading = font(bold=True)
    return [
        ("Mode d'emploi du plan d'actions", font(bold=True, size=14, color=BLUE)),
        (f"Ce classeur a été pré-rempli le {french_date(today)} à partir de l'évaluation {year} des volets "
         f"incitatifs de votre contrat (FINESS {finess}, campagne {campaign.name}). Il sert à définir vos "
         f"priorités de travail pour l'année {year + 1}.", None),
        (f"Ce que contiennent les colonnes pré-remplies ({CONTRACT_LAYOUT.filled_letters})", heading),
        ("• Objectifs non atteints : valeur retenue pour l'année évaluée (« non renseigné (compté 0) » : "
         "objectif sans valeur déclarée) et cible. Chaque objectif non atteint réduit le degré de réalisation "
         "des objectifs du volet, donc l'intéressement, qui lui est proportionnel.", None),
        (f"• Objectifs de dépenses : dépenses {year} (prescriptions en établissement remboursées en ville, "
         f"données de l'Assurance Maladie) ; cible = objectif {year + 1} = dépenses {year} × (1 + taux "
         f"d'évolution cible de {year + 1}).", None),
        (f"• Économies en jeu : la baisse des dépenses par rapport à {year} si l'objectif {year + 1} est "
         "tenu. Intéressement en jeu : la part d'intéressement du volet appliquée à ces économies, si tous "
         "les objectifs du volet sont atteints ; ce sont des estimations, le montant versé étant arrêté par "
         "l'ARS et l'Assurance Maladie.", None),
        ("• Action recommandée : une piste proposée par l'ARS ; adaptez-la à votre établissement.", None),
        *follow_up_paragraphs(CONTRACT_LAYOUT, finess, year),
        ("Pour en savoir plus", heading),
        (f"Le calcul des économies et de l'intéressement est décrit dans le document de méthode de la campagne "
         f"{campaign.name} publié par l'ARS. Ce document ne concerne que votre établissement.", None),
    ]
