"""Action plans: one pre-filled Excel workbook per establishment, to complete and send to the ARS.

Each workbook lists, best gain first, every indicator of the establishment with points of
global score to gain (:func:`caqes_toolkit.evaluation.analysis.priorities`), with the value, the target
and the recommended action formatted as in the report, then empty columns that the
establishment fills in (responsible person, deadline, progress, comments). A second sheet
explains how to fill it in. A workbook names only its own establishment.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..errors import CaqesError
from ..evaluation.analysis import priorities
from ..evaluation.money import VoletResults
from ..evaluation.scoring import Scores
from ..formats import agree, fmt_pct
from ..outputs import save_workbooks, set_text, sheet_text
from .fragments import french_date
from .rule_texts import target_text, value_text
from .vocabulary import TIE_BREAK, missing_value
from .volets import volet_objectives

__all__ = ["FOLLOW_UP", "PLAN_COLUMNS", "SPARE_ROWS", "write_plans"]

#: Choices of the « Suivi / état d'avancement » column.
FOLLOW_UP: tuple[str, ...] = ("À engager", "En cours", "Réalisé", "Abandonné")

#: Columns of the plan (header, width): pre-filled ones, then those the establishment fills in.
PLAN_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Rang", 6),
    ("Code", 7),
    ("Indicateur", 40),
    ("Chapitre", 18),
    ("Valeur actuelle", 13),
    ("Cible", 14),
    ("Points de score global à gagner", 12),
    ("Action recommandée", 42),
    ("Responsable", 16),
    ("Échéance", 12),
    ("Suivi / état d'avancement", 15),
    ("Commentaires", 28),
)
#: Empty rows at the end of the table, for the establishment's own actions.
SPARE_ROWS = 5

COL = {name: index for index, (name, _) in enumerate(PLAN_COLUMNS, start=1)}
N_FILLED = COL["Action recommandée"]
LAST = get_column_letter(len(PLAN_COLUMNS))
FILLED = f"A à {get_column_letter(N_FILLED)}"
TO_FILL = f"{get_column_letter(N_FILLED + 1)} à {LAST}"
TITLE_ROWS = 6
HEADER_ROW = TITLE_ROWS + 2

FONT = "Calibri"
BLUE = "000091"
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
INPUT_FILL = PatternFill("solid", fgColor="FFF6D5")  # cells the establishment fills in
MISSING_FILL = PatternFill("solid", fgColor="FBE3D6")  # values not reported (counted 0)
THIN = Side(style="thin", color="B4B4B4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT = 14.5  # points per line of 11-point text
NOTES_WIDTH = 75
SAFE_FINESS = re.compile(r"[0-9A-Za-z]+")


def _plan_path(out_dir: Path, finess: str, year: int) -> Path:
    """``out_dir/<finess>/plan_actions_<finess>_<year>.xlsx``, refused if outside ``out_dir``."""
    if not SAFE_FINESS.fullmatch(finess):
        raise CaqesError(f"FINESS {finess!r} : seuls des chiffres et des lettres sont admis "
                         "dans un nom de fichier")
    root = Path(out_dir).resolve()
    path = (root / finess / f"plan_actions_{finess}_{year}.xlsx").resolve()
    if not path.is_relative_to(root):
        raise CaqesError(f"{path} : le plan d'actions sortirait du dossier {root}")
    return path


def write_plans(scores: Scores, year: int, out_dir: Path, finess: list[str] | None = None,
                n: int | None = None, progress: Callable[[str], None] | None = None,
                volets: VoletResults | None = None, force: bool = False) -> list[Path]:
    """Write the action plan of each establishment scored in ``year`` (or of ``finess`` only).

    ``n`` keeps the ``n`` best priorities (default: every indicator with points to gain).
    ``progress`` is called with each FINESS once its workbook is written. With ``volets``, the
    objectives not yet met of the additional volets in force follow the priorities. Nothing is written
    when a FINESS has no score in ``year`` or would give a path outside ``out_dir``, nor when a plan
    would replace a file that no command wrote or that was changed since (a completed plan), unless
    ``force``.
    """
    rows = scores.establishments[scores.establishments["annee"] == year].set_index("finess")
    wanted = list(dict.fromkeys(finess)) if finess is not None else list(rows.index)
    unknown = [f for f in wanted if f not in rows.index]
    if unknown:
        raise CaqesError(f"aucun score en {year} pour {agree(len(unknown), 'le FINESS', 'les FINESS')} : "
                         f"{', '.join(unknown)}")
    paths = [_plan_path(out_dir, f, year) for f in wanted]
    today = dt.date.today()

    def build(k: int) -> Workbook:
        code = wanted[k]
        return _workbook(scores, rows.loc[code], code, year, priorities(scores, code, year, n=n), today,
                         _volet_rows(volets, code))

    return save_workbooks(paths, build, force=force, saved=None if progress is None else lambda k: progress(wanted[k]))


def _font(**style: object) -> Font:
    return Font(name=FONT, **style)


def _put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """The one way this module fills a cell: a text is stored as a text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    set_text(cell, value)
    return cell


def _fit_height(sheet: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Row height for its wrapped texts (not every viewer recomputes it when opening)."""
    lines = max(math.ceil(len(str(sheet.cell(row=row, column=col).value or "")) / (width * 1.05))
                for col, width in widths.items())
    sheet.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 3


def _workbook(scores: Scores, identity: pd.Series, finess: str, year: int, plan: pd.DataFrame,
              today: dt.date, extra: Sequence[Sequence[object]] = ()) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "Plan d'actions"
    _title_block(sheet, scores, identity, finess, year, today)
    if plan.empty:
        _put(sheet, TITLE_ROWS + 1, 1, "Aucun indicateur applicable n'a de marge de progression : "
                                       "tous sont atteints.")
    _table(sheet, scores, plan, extra)
    _print_setup(sheet, "landscape")
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    title = f"Plan d'actions CAQES {year} — {identity['raison_sociale']} (FINESS {finess})"
    sheet.oddHeader.left.text = sheet_text(title).replace("&", "&&")
    sheet.oddHeader.left.size = 8
    sheet.oddFooter.right.text = "Page &P / &N"
    sheet.oddFooter.right.size = 8
    notes = book.create_sheet("Mode d'emploi")
    _instructions(notes, scores, finess, year, today)
    _print_setup(notes, "portrait")
    book.properties.title = f"Plan d'actions CAQES {year} — FINESS {finess}"
    book.properties.creator = f"caqes-toolkit {__version__}"
    book.properties.language = "fr-FR"
    return book


def _title_block(sheet: Worksheet, scores: Scores, identity: pd.Series, finess: str, year: int,
                 today: dt.date) -> None:
    campaign = scores.campaign
    grade = identity["classe"] if pd.notna(identity["classe"]) else "—"
    lines = [
        (f"Plan d'actions CAQES {year}", _font(bold=True, size=15, color=BLUE)),
        (str(identity["raison_sociale"]), _font(bold=True, size=12)),
        ((f"FINESS : {finess} · Campagne : {campaign.label_for(year)} (année évaluée : {year}, "
          f"T0 : {campaign.t0_year})"), _font(size=10)),
        (f"Score global {year} : {fmt_pct(identity['score_global'])} — classe {grade}",
         _font(bold=True, size=11)),
        ((f"Pré-rempli le {french_date(today)} à partir de l'évaluation {year} "
          f"(caqes-toolkit {__version__})."), _font(size=9, color="555555")),
        ((f"Colonnes {FILLED} : indicateurs classés par points de score global à gagner "
          "(pré-remplies). Cellules sur fond jaune : à compléter par l'établissement (lignes vides "
          "en fin de tableau pour ses propres actions). Voir l'onglet « Mode d'emploi »."),
         _font(size=9, italic=True)),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(f"A{row}:{LAST}{row}")
        cell = _put(sheet, row, 1, text)
        cell.font = font
        cell.alignment = Alignment(vertical="center", wrap_text=row == TITLE_ROWS)
    sheet.row_dimensions[1].height = 24
    sheet.row_dimensions[TITLE_ROWS].height = 28


def _plan_row(scores: Scores, rank: int, row: pd.Series) -> list[object]:
    """The pre-filled cells of one priority, formatted as in the report."""
    campaign = scores.campaign
    indicator = campaign.by_code[row["indicateur"]]
    chapter = int(row["chapitre"])
    value = missing_value(indicator.data_source) if row["non_renseigne"] else value_text(indicator, row["valeur"])
    return [rank, indicator.code, indicator.label, f"{chapter}. {campaign.short_label(chapter)}",
            value, target_text(indicator, row["cible"]), float(row["gain"]), indicator.action]


def _table(sheet: Worksheet, scores: Scores, plan: pd.DataFrame, extra: Sequence[Sequence[object]] = ()) -> None:
    widths = {col: width for col, (_, width) in enumerate(PLAN_COLUMNS, start=1)}
    for col, (header, width) in enumerate(PLAN_COLUMNS, start=1):
        cell = _put(sheet, HEADER_ROW, col, header)
        cell.font = _font(bold=True)
        cell.fill = HEADER_FILL if col <= N_FILLED else INPUT_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(col)].width = width
    _fit_height(sheet, HEADER_ROW, widths)
    first = HEADER_ROW + 1
    for rank, (_, row) in enumerate(plan.iterrows(), start=1):
        _write_row(sheet, HEADER_ROW + rank, _plan_row(scores, rank, row), bool(row["non_renseigne"]))
        _fit_height(sheet, HEADER_ROW + rank, widths)
    for rank, values in enumerate(extra, start=len(plan) + 1):
        _write_row(sheet, HEADER_ROW + rank, [rank, *values])
        _fit_height(sheet, HEADER_ROW + rank, widths)
    filled = len(plan) + len(extra)
    last = HEADER_ROW + filled + SPARE_ROWS
    for row in range(HEADER_ROW + filled + 1, last + 1):
        _write_row(sheet, row, [])
        sheet.row_dimensions[row].height = 2 * LINE_HEIGHT + 3
    _input_rules(sheet, first, last)
    sheet.freeze_panes = sheet.cell(row=first, column=COL["Indicateur"] + 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{LAST}{last}"


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


def _write_row(sheet: Worksheet, row: int, values: list[object], missing: bool = False) -> None:
    """One row of the table; the cells after ``values`` are left for the establishment."""
    for col in range(1, len(PLAN_COLUMNS) + 1):
        cell = _put(sheet, row, col, values[col - 1] if col <= len(values) else None)
        cell.alignment = WRAP
        cell.border = BORDER
        if col > len(values):
            cell.fill = INPUT_FILL
    sheet.cell(row=row, column=COL["Points de score global à gagner"]).number_format = "0.00"
    sheet.cell(row=row, column=COL["Échéance"]).number_format = "DD/MM/YYYY"
    if missing:
        sheet.cell(row=row, column=COL["Valeur actuelle"]).fill = MISSING_FILL


def _input_rules(sheet: Worksheet, first: int, last: int) -> None:
    """Drop-down list on « Suivi » and a date check on « Échéance »."""
    follow_up = DataValidation(
        type="list", formula1='"' + ",".join(FOLLOW_UP) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle="Suivi",
        error="Choisir dans la liste : " + ", ".join(FOLLOW_UP) + ".",
        showInputMessage=True, promptTitle="Suivi", prompt="État d'avancement de l'action.")
    deadline = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
        showErrorMessage=True, errorTitle="Échéance", error="Saisir une date au format jj/mm/aaaa.",
        showInputMessage=True, promptTitle="Échéance",
        prompt="Date prévue de réalisation (jj/mm/aaaa).")
    for rule, name in ((follow_up, "Suivi / état d'avancement"), (deadline, "Échéance")):
        letter = get_column_letter(COL[name])
        rule.add(f"{letter}{first}:{letter}{last}")
        sheet.add_data_validation(rule)


def _print_setup(sheet: Worksheet, orientation: str) -> None:
    """A4, fitted to the page width (as many pages down as needed)."""
    sheet.page_setup.orientation = orientation
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def _instructions(sheet: Worksheet, scores: Scores, finess: str, year: int, today: dt.date) -> None:
    """The « Mode d'emploi » sheet: what the columns hold, what to fill in, how to send it."""
    name = scores.campaign.name
    heading = _font(bold=True)
    paragraphs = [
        ("Mode d'emploi du plan d'actions", _font(bold=True, size=14, color=BLUE)),
        ((f"Ce classeur a été pré-rempli le {french_date(today)} à partir de l'évaluation {year} "
          f"de votre établissement (FINESS {finess}, campagne {name}). L'onglet « Plan d'actions » "
          "liste les indicateurs du contrat qui ont encore une marge de progression, du plus au "
          "moins rentable pour votre score global. Il sert à définir vos priorités de travail pour "
          f"l'année {year + 1}."), None),
        (f"Ce que contiennent les colonnes pré-remplies ({FILLED})", heading),
        (("• Rang, Code, Indicateur et Chapitre : l'indicateur du contrat, tel que nommé dans votre "
          "rapport d'évaluation, dans l'ordre des priorités du rapport. " + TIE_BREAK), None),
        ((f"• Valeur actuelle : la valeur retenue pour {year}. « non renseigné (compté 0) » signale "
          "un indicateur que vous déclarez, applicable et sans valeur : il compte 0 ; le renseigner dans la "
          "grille d'auto-évaluation est souvent le gain le moins coûteux. « donnée manquante (comptée 0) » "
          "signale une donnée que fournit l'Assurance Maladie ou la HAS : elle compte 0 jusqu'à ce que l'ARS "
          "l'obtienne ; vous n'avez rien à transmettre."), None),
        (("• Cible : la valeur à atteindre (« ≥ » : au moins ; « ≤ » : au plus ; réf. nationale ou "
          "régionale : la valeur de référence de l'année)."), None),
        (("• Points de score global à gagner : ce que gagnerait votre score global si l'indicateur "
          "atteignait sa cible, toutes choses égales par ailleurs. Les gains de plusieurs "
          "indicateurs s'additionnent."), None),
        (("• Action recommandée : une piste proposée par l'ARS ; adaptez-la à votre "
          "établissement."), None),
        (("• Lignes dont le chapitre est « Volet … » : objectifs non atteints d'un volet additionnel "
          "(transports, pertinence, qualité) dont le contrat est en vigueur ; ils ne rapportent pas de "
          "points de score global, mais l'intéressement ou la sanction du volet en dépendent."), None),
        (f"Ce que vous complétez (colonnes {TO_FILL}, sur fond jaune)", heading),
        ("• Responsable : nom et fonction de la personne qui pilote l'action.", None),
        ("• Échéance : date prévue de réalisation, au format jj/mm/aaaa.", None),
        ("• Suivi / état d'avancement : choisir dans la liste « " + " », « ".join(FOLLOW_UP)
         + " » ; mettre à jour à chaque point d'étape.", None),
        (("• Commentaires : l'action réellement retenue si elle diffère de l'action recommandée, "
          "les moyens, les difficultés, la raison d'un abandon."), None),
        ((f"Ne modifiez pas les colonnes {FILLED} des lignes pré-remplies. Pour une action qui ne "
          "figure pas dans la liste, utilisez les lignes jaunes en fin de tableau, ou insérez une "
          "ligne à l'intérieur du tableau (la liste de choix et le format de date suivent)."), None),
        ("Transmission à l'ARS", heading),
        (("Faites valider le plan par la direction et la commission médicale de l'établissement, "
          "puis adressez-le à l'ARS au format .xlsx, sans changer le nom du fichier "
          f"(plan_actions_{finess}_{year}.xlsx), selon les modalités et le calendrier indiqués par "
          "l'ARS. Le plan complété sert de base au dialogue avec l'ARS et l'Assurance Maladie lors "
          "de l'évaluation suivante."), None),
        ("Pour en savoir plus", heading),
        ((f"Le calcul des scores est décrit dans le document de méthode de la campagne {name} "
          "publié par l'ARS. Ce document ne concerne que votre établissement."), None),
    ]
    sheet.column_dimensions["A"].width = NOTES_WIDTH
    for row, (text, font) in enumerate(paragraphs, start=1):
        cell = _put(sheet, row, 1, text)
        cell.alignment = WRAP
        if font is not None:
            cell.font = font
        _fit_height(sheet, row, {1: NOTES_WIDTH})
    sheet.row_dimensions[1].height = 24
