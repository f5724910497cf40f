"""The workbook of an action plan, whatever the generation: what every plan shares.

A plan (:mod:`caqes_toolkit.documents.plan` for the first generation,
:mod:`caqes_toolkit.documents.plan_contracts` for the second) has a sheet « Plan d'actions » — a title
block, then a table whose first columns are pre-filled (:class:`Layout`) and whose last four the
establishment fills in (responsible person, deadline, progress from a list, comments), with empty rows
at the end for its own actions — and a sheet « Mode d'emploi ». A workbook names only its own
establishment; every text is written as a text, never read as a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
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
from ..outputs import save_workbooks, set_text, sheet_text

__all__ = [
    "BLUE",
    "FOLLOW_UP",
    "SAFE_FINESS",
    "SPARE_ROWS",
    "TO_FILL",
    "Layout",
    "follow_up_paragraphs",
    "font",
    "notes_sheet",
    "plan_path",
    "plan_sheet",
    "save_plans",
]

#: Choices of the « Suivi / état d'avancement » column.
FOLLOW_UP: tuple[str, ...] = ("À engager", "En cours", "Réalisé", "Abandonné")
#: The columns the establishment fills in (header, width), after the pre-filled ones.
TO_FILL: tuple[tuple[str, float], ...] = (
    ("Responsable", 16), ("Échéance", 12), ("Suivi / état d'avancement", 15), ("Commentaires", 28))
#: Empty rows at the end of the table, for the establishment's own actions.
SPARE_ROWS = 5

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


@dataclass(frozen=True)
class Layout:
    """The table of a plan: its pre-filled columns (header, width), then :data:`TO_FILL`; the number
    format of some pre-filled columns; the column a missing value is flagged in; the column after
    which the panes freeze."""

    filled: tuple[tuple[str, float], ...]
    formats: tuple[tuple[str, str], ...] = ()
    missing_column: str = ""
    frozen_after: str = ""

    @cached_property
    def columns(self) -> tuple[tuple[str, float], ...]:
        return (*self.filled, *TO_FILL)

    @cached_property
    def col(self) -> dict[str, int]:
        return {name: index for index, (name, _) in enumerate(self.columns, start=1)}

    @property
    def last(self) -> str:
        return get_column_letter(len(self.columns))

    @property
    def filled_letters(self) -> str:
        """« A à H »: the pre-filled columns."""
        return f"A à {get_column_letter(len(self.filled))}"

    @property
    def to_fill_letters(self) -> str:
        """« I à L »: the columns the establishment fills in."""
        return f"{get_column_letter(len(self.filled) + 1)} à {self.last}"


def plan_path(out_dir: Path, finess: str, year: int) -> Path:
    """``out_dir/<finess>/plan_actions_<finess>_<year>.xlsx``, refused if outside ``out_dir``."""
    if not SAFE_FINESS.fullmatch(finess):
        raise CaqesError(f"FINESS {finess!r} : seuls des chiffres et des lettres sont admis "
                         "dans un nom de fichier")
    root = Path(out_dir).resolve()
    path = (root / finess / f"plan_actions_{finess}_{year}.xlsx").resolve()
    if not path.is_relative_to(root):
        raise CaqesError(f"{path} : le plan d'actions sortirait du dossier {root}")
    return path


def save_plans(out_dir: Path, year: int, wanted: Sequence[str], build: Callable[[str], Workbook], *,
               force: bool = False, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``build(finess)`` to ``<finess>/plan_actions_<finess>_<year>.xlsx`` for each wanted FINESS;
    nothing is written when a path would leave ``out_dir``, nor when a plan would replace a file that no
    command wrote or that was changed since (a completed plan), unless ``force``."""
    paths = [plan_path(out_dir, f, year) for f in wanted]
    return save_workbooks(paths, lambda k: build(wanted[k]), force=force,
                          saved=None if progress is None else lambda k: progress(wanted[k]))


def font(**style: object) -> Font:
    return Font(name=FONT, **style)


def _put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """The one way a plan fills a cell: a text is stored as a text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    set_text(cell, value)
    return cell


def _fit_height(sheet: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Row height for its wrapped texts (not every viewer recomputes it when opening)."""
    lines = max(math.ceil(len(str(sheet.cell(row=row, column=col).value or "")) / (width * 1.05))
                for col, width in widths.items())
    sheet.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 3


def plan_sheet(book: Workbook, layout: Layout, title: str, lines: Sequence[tuple[str, Font]],
               rows: Sequence[Sequence[object]], missing: Sequence[bool] = (), empty: str = "") -> None:
    """The « Plan d'actions » sheet (the active one of ``book``): the title block (``lines``, the last one
    wrapped; ``empty`` under it when there is no row), the table of ``rows`` one row below (pre-filled
    cells, the rank first; ``missing[k]``: row k's value was not reported), empty rows for the establishment's own
    actions, its lists and checks; printed landscape with ``title`` on every page."""
    sheet = book.active
    sheet.title = "Plan d'actions"
    for row, (text, style) in enumerate(lines, start=1):
        sheet.merge_cells(f"A{row}:{layout.last}{row}")
        cell = _put(sheet, row, 1, text)
        cell.font = style
        cell.alignment = Alignment(vertical="center", wrap_text=row == len(lines))
    sheet.row_dimensions[1].height = 24
    sheet.row_dimensions[len(lines)].height = 28
    if not rows and empty:
        _put(sheet, len(lines) + 1, 1, empty)
    header_row = len(lines) + 2
    widths = {col: width for col, (_, width) in enumerate(layout.columns, start=1)}
    for col, (header, width) in enumerate(layout.columns, start=1):
        cell = _put(sheet, header_row, col, header)
        cell.font = font(bold=True)
        cell.fill = HEADER_FILL if col <= len(layout.filled) else INPUT_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(col)].width = width
    _fit_height(sheet, header_row, widths)
    for k, values in enumerate(rows):
        _write_row(sheet, layout, header_row + 1 + k, values, k < len(missing) and missing[k])
        _fit_height(sheet, header_row + 1 + k, widths)
    first, last = header_row + 1, header_row + len(rows) + SPARE_ROWS
    for row in range(header_row + len(rows) + 1, last + 1):
        _write_row(sheet, layout, row, [])
        sheet.row_dimensions[row].height = 2 * LINE_HEIGHT + 3
    _input_rules(sheet, layout, first, last)
    sheet.freeze_panes = sheet.cell(row=first, column=layout.col[layout.frozen_after] + 1)
    sheet.auto_filter.ref = f"A{header_row}:{layout.last}{last}"
    _print_setup(sheet, "landscape")
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddHeader.left.text = sheet_text(title).replace("&", "&&")
    sheet.oddHeader.left.size = 8
    sheet.oddFooter.right.text = "Page &P / &N"
    sheet.oddFooter.right.size = 8


def _write_row(sheet: Worksheet, layout: Layout, row: int, values: Sequence[object], missing: bool = False) -> None:
    """One row of the table; the cells after ``values`` are left for the establishment."""
    for col in range(1, len(layout.columns) + 1):
        cell = _put(sheet, row, col, values[col - 1] if col <= len(values) else None)
        cell.alignment = WRAP
        cell.border = BORDER
        if col > len(values):
            cell.fill = INPUT_FILL
    for name, number_format in (*layout.formats, ("Échéance", "DD/MM/YYYY")):
        sheet.cell(row=row, column=layout.col[name]).number_format = number_format
    if missing:
        sheet.cell(row=row, column=layout.col[layout.missing_column]).fill = MISSING_FILL


def _input_rules(sheet: Worksheet, layout: Layout, first: int, last: int) -> None:
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
        letter = get_column_letter(layout.col[name])
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


def follow_up_paragraphs(layout: Layout, finess: str, year: int) -> list[tuple[str, Font | None]]:
    """The instructions every plan shares: the columns to fill in, the rows to add, sending it."""
    heading = font(bold=True)
    return [
        (f"Ce que vous complétez (colonnes {layout.to_fill_letters}, sur fond jaune)", heading),
        ("• Responsable : nom et fonction de la personne qui pilote l'action.", None),
        ("• Échéance : date prévue de réalisation, au format jj/mm/aaaa.", None),
        ("• Suivi / état d'avancement : choisir dans la liste « " + " », « ".join(FOLLOW_UP)
         + " » ; mettre à jour à chaque point d'étape.", None),
        (("• Commentaires : l'action réellement retenue si elle diffère de l'action recommandée, "
          "les moyens, les difficultés, la raison d'un abandon."), None),
        ((f"Ne modifiez pas les colonnes {layout.filled_letters} des lignes pré-remplies. Pour une action qui ne "
          "figure pas dans la liste, utilisez les lignes jaunes en fin de tableau, ou insérez une "
          "ligne à l'intérieur du tableau (la liste de choix et le format de date suivent)."), None),
        ("Transmission à l'ARS", heading),
        (("Faites valider le plan par la direction et la commission médicale de l'établissement, "
          "puis adressez-le à l'ARS au format .xlsx, sans changer le nom du fichier "
          f"(plan_actions_{finess}_{year}.xlsx), selon les modalités et le calendrier indiqués par "
          "l'ARS. Le plan complété sert de base au dialogue avec l'ARS et l'Assurance Maladie lors "
          "de l'évaluation suivante."), None),
    ]


def notes_sheet(book: Workbook, paragraphs: Sequence[tuple[str, Font | None]], title: str) -> None:
    """The « Mode d'emploi » sheet (``paragraphs``: text and font, or None for plain text), and the
    workbook's properties (``title``)."""
    sheet = book.create_sheet("Mode d'emploi")
    sheet.column_dimensions["A"].width = NOTES_WIDTH
    for row, (text, style) in enumerate(paragraphs, start=1):
        cell = _put(sheet, row, 1, text)
        cell.alignment = WRAP
        if style is not None:
            cell.font = style
        _fit_height(sheet, row, {1: NOTES_WIDTH})
    sheet.row_dimensions[1].height = 24
    _print_setup(sheet, "portrait")
    book.properties.title = title
    book.properties.creator = f"caqes-toolkit {__version__}"
    book.properties.language = "fr-FR"


def trajectory_sheet(book: Workbook, table: pd.DataFrame, year: int) -> None:
    """The sheet « Trajectoire » of an establishment with an avenant: per indicator, its own target of
    each year up to the campaign's five-year target (nothing without an avenant)."""
    if table.empty:
        return
    sheet = book.create_sheet("Trajectoire", 1)
    cell = _put(sheet, 1, 1, "Trajectoire de l'avenant : les cibles de chaque année, jusqu'à la cible à cinq ans "
                             f"de la campagne (valeur actuelle : celle de {year})")
    cell.font = font(bold=True, size=13, color=BLUE)
    widths = {col: 42.0 if name == "Indicateur" else 12.0 for col, name in enumerate(table.columns, start=1)}
    for col, name in enumerate(table.columns, start=1):
        cell = _put(sheet, 3, col, name)
        cell.font, cell.fill, cell.border = font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(col)].width = widths[col]
    _fit_height(sheet, 3, widths)
    for row, values in enumerate(table.itertuples(index=False), start=4):
        for col, value in enumerate(values, start=1):
            cell = _put(sheet, row, col, value)
            cell.alignment, cell.border = WRAP, BORDER
        _fit_height(sheet, row, widths)
    sheet.print_title_rows = "3:3"
    _print_setup(sheet, "landscape")
