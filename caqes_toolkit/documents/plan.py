"""Action plans: one pre-filled Excel workbook per establishment, to complete and send to the ARS.

Each workbook lists, best gain first, every indicator of the establishment with points of
global score to gain (:func:`caqes_toolkit.evaluation.analysis.priorities`), with the value, the target
and the recommended action formatted as in the report, then empty columns that the
establishment fills in (responsible person, deadline, progress, comments). A second sheet
explains how to fill it in. A workbook names only its own establishment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from .. import __version__
from ..evaluation.analysis import priorities
from ..evaluation.money import VoletResults
from ..evaluation.scores import Scores
from ..formats import agree, fmt_pct
from .avenant import trajectory_rows
from .fragments import french_date
from .plan_book import (
    BLUE,
    FOLLOW_UP,
    SPARE_ROWS,
    TO_FILL,
    Layout,
    follow_up_paragraphs,
    font,
    notes_sheet,
    plan_path,
    plan_sheet,
    save_plans,
    trajectory_sheet,
)
from .rule_texts import applied_target_text, target_text, value_text
from .vocabulary import TIE_BREAK, missing_value
from .volets import volet_objectives

__all__ = ["FOLLOW_UP", "PLAN_COLUMNS", "SPARE_ROWS", "plan_path", "write_plans"]

#: The pre-filled columns of the plan (header, width), before those the establishment fills in.
LAYOUT = Layout(
    filled=(("Rang", 6), ("Code", 7), ("Indicateur", 40), ("Chapitre", 18), ("Valeur actuelle", 13), ("Cible", 14),
            ("Points de score global à gagner", 12), ("Action recommandée", 42)),
    formats=(("Points de score global à gagner", "0.00"),), missing_column="Valeur actuelle",
    frozen_after="Indicateur")
#: Columns of the plan (header, width): pre-filled ones, then those the establishment fills in.
PLAN_COLUMNS: tuple[tuple[str, float], ...] = (*LAYOUT.filled, *TO_FILL)


def write_plans(scores: Scores, year: int, out_dir: Path, finess: list[str] | None = None,
                n: int | None = None, progress: Callable[[str], None] | None = None,
                volets: VoletResults | None = None, force: bool = False,
                targets: pd.DataFrame | None = None) -> list[Path]:
    """Write the action plan of each establishment scored in ``year`` (or of ``finess`` only).

    ``n`` keeps the ``n`` best priorities (default: every indicator with points to gain).
    ``progress`` is called with each FINESS once its workbook is written. With ``volets``, the
    objectives not yet met of the additional volets in force follow the priorities. With ``targets`` (the
    cibles table), an establishment with an avenant gets a sheet of its trajectory. Nothing is written
    when a FINESS has no score in ``year`` or would give a path outside ``out_dir``, nor when a plan
    would replace a file that no command wrote or that was changed since (a completed plan), unless
    ``force``.
    """
    from ..errors import CaqesError

    rows = scores.establishments[scores.establishments["annee"] == year].set_index("finess")
    wanted = list(dict.fromkeys(finess)) if finess is not None else list(rows.index)
    unknown = [f for f in wanted if f not in rows.index]
    if unknown:
        raise CaqesError(f"aucun score en {year} pour {agree(len(unknown), 'le FINESS', 'les FINESS')} : "
                         f"{', '.join(unknown)}")
    today = dt.date.today()

    def build(code: str) -> Workbook:
        book = _workbook(scores, rows.loc[code], code, year, priorities(scores, code, year, n=n), today,
                         _volet_rows(volets, code))
        if targets is not None:
            ind = scores.indicators
            trajectory_sheet(book, trajectory_rows(targets[targets["finess"] == code],
                                                   ind[(ind["finess"] == code) & (ind["annee"] == year)],
                                                   scores.campaign), year)
        return book

    return save_plans(out_dir, year, wanted, build, force=force, progress=progress)


def _workbook(scores: Scores, identity: pd.Series, finess: str, year: int, plan: pd.DataFrame,
              today: dt.date, extra: list[list[object]]) -> Workbook:
    book = Workbook()
    rows = [_plan_row(scores, rank, row) for rank, (_, row) in enumerate(plan.iterrows(), start=1)]
    rows += [[rank, *values] for rank, values in enumerate(extra, start=len(plan) + 1)]
    missing = [bool(m) for m in plan["non_renseigne"]] if not plan.empty else []
    plan_sheet(book, LAYOUT, f"Plan d'actions CAQES {year} — {identity['raison_sociale']} (FINESS {finess})",
               _title_lines(scores, identity, finess, year, today), rows, missing,
               "Aucun indicateur applicable n'a de marge de progression : tous sont atteints." if plan.empty else "")
    notes_sheet(book, _instructions(scores, finess, year, today), f"Plan d'actions CAQES {year} — FINESS {finess}")
    return book


def _title_lines(scores: Scores, identity: pd.Series, finess: str, year: int, today: dt.date) -> list:
    campaign = scores.campaign
    grade = identity["classe"] if pd.notna(identity["classe"]) else "—"
    return [
        (f"Plan d'actions CAQES {year}", font(bold=True, size=15, color=BLUE)),
        (str(identity["raison_sociale"]), font(bold=True, size=12)),
        ((f"FINESS : {finess} · Campagne : {campaign.label_for(year)} (année évaluée : {year}, "
          f"T0 : {campaign.t0_year})"), font(size=10)),
        (f"Score global {year} : {fmt_pct(identity['score_global'])} — classe {grade}",
         font(bold=True, size=11)),
        ((f"Pré-rempli le {french_date(today)} à partir de l'évaluation {year} "
          f"(caqes-toolkit {__version__})."), font(size=9, color="555555")),
        ((f"Colonnes {LAYOUT.filled_letters} : indicateurs classés par points de score global à gagner "
          "(pré-remplies). Cellules sur fond jaune : à compléter par l'établissement (lignes vides "
          "en fin de tableau pour ses propres actions). Voir l'onglet « Mode d'emploi »."),
         font(size=9, italic=True)),
    ]


def _plan_row(scores: Scores, rank: int, row: pd.Series) -> list[object]:
    """The pre-filled cells of one priority, formatted as in the report."""
    campaign = scores.campaign
    indicator = campaign.by_code[row["indicateur"]]
    chapter = int(row["chapitre"])
    value = missing_value(indicator.data_source) if row["non_renseigne"] else value_text(indicator, row["valeur"])
    return [rank, indicator.code, indicator.label, f"{chapter}. {campaign.short_label(chapter)}",
            value, applied_target_text(indicator, row["cible"], bool(row["cible_avenant"])), float(row["gain"]),
            indicator.action]


def _volet_rows(volets: VoletResults | None, finess: str) -> list[list[object]]:
    """Pre-filled cells (after the rank) of the objectives not yet met of the establishment's
    additional volets: they bring no points of global score, but the contract's intéressement
    or sanction depends on them."""
    if volets is None:
        return []
    out: list[list[object]] = []
    for row in volet_objectives(volets, finess).itertuples():
        volet, objective = volets.campaign.volet_indicators[row.indicateur]
        indicator = objective.as_indicator(1)
        out.append([objective.code, objective.label, f"Volet {volet.code}", value_text(indicator, row.valeur),
                    target_text(indicator, row.cible), None, objective.action])
    return out


def _instructions(scores: Scores, finess: str, year: int, today: dt.date) -> list:
    """The « Mode d'emploi » sheet: what the columns hold, what to fill in, how to send it."""
    name = scores.campaign.name
    heading = font(bold=True)
    return [
        ("Mode d'emploi du plan d'actions", font(bold=True, size=14, color=BLUE)),
        ((f"Ce classeur a été pré-rempli le {french_date(today)} à partir de l'évaluation {year} "
          f"de votre établissement (FINESS {finess}, campagne {name}). L'onglet « Plan d'actions » "
          "liste les indicateurs du contrat qui ont encore une marge de progression, du plus au "
          "moins rentable pour votre score global. Il sert à définir vos priorités de travail pour "
          f"l'année {year + 1}."), None),
        (f"Ce que contiennent les colonnes pré-remplies ({LAYOUT.filled_letters})", heading),
        (("• Rang, Code, Indicateur et Chapitre : l'indicateur du contrat, tel que nommé dans votre "
          "rapport d'évaluation, dans l'ordre des priorités du rapport. " + TIE_BREAK), None),
        ((f"• Valeur actuelle : la valeur retenue pour {year}. « non renseigné (compté 0) » signale "
          "un indicateur que vous déclarez, applicable et sans valeur : il compte 0 ; le renseigner dans la "
          "grille d'auto-évaluation est souvent le gain le moins coûteux. « donnée manquante (comptée 0) » "
          "signale une donnée que fournit l'Assurance Maladie ou la HAS : elle compte 0 jusqu'à ce que l'ARS "
          "l'obtienne ; vous n'avez rien à transmettre."), None),
        (("• Cible : la valeur à atteindre (« ≥ » : au moins ; « ≤ » : au plus ; réf. nationale ou "
          "régionale : la valeur de référence de l'année ; « cible de l'avenant » : la cible de l'année que "
          "fixe l'avenant de votre établissement, étape vers la cible à cinq ans de la campagne, détaillée "
          "dans l'onglet « Trajectoire »)."), None),
        (("• Points de score global à gagner : ce que gagnerait votre score global si l'indicateur "
          "atteignait sa cible, toutes choses égales par ailleurs. Les gains de plusieurs "
          "indicateurs s'additionnent."), None),
        (("• Action recommandée : une piste proposée par l'ARS ; adaptez-la à votre "
          "établissement."), None),
        (("• Lignes dont le chapitre est « Volet … » : objectifs non atteints d'un volet additionnel "
          "(transports, pertinence, qualité) dont le contrat est en vigueur ; ils ne rapportent pas de "
          "points de score global, mais l'intéressement ou la sanction du volet en dépendent."), None),
        *follow_up_paragraphs(LAYOUT, finess, year),
        ("Pour en savoir plus", heading),
        ((f"Le calcul des scores est décrit dans le document de méthode de la campagne {name} "
          "publié par l'ARS. Ce document ne concerne que votre établissement."), None),
    ]
