"""The workbook of a self-evaluation grid, whatever the generation: what every grid shares.

A grid (:mod:`caqes_toolkit.documents.grid` for the first generation,
:mod:`caqes_toolkit.documents.grid_contracts` for the second) is an Excel workbook with a sheet
« Établissement » (identity and how to fill it in), a sheet « Indicateurs » whose columns « Code »
and « Valeur » :mod:`caqes_toolkit.documents.collect` reads back, locked cells but the ones the
establishment fills in (a sheet protection without password), a list or a check on each value
cell, and a hidden sheet with what identifies the workbook (FINESS, year, campaign name and
fingerprint) and its seal (:mod:`caqes_toolkit.documents.seal`). Every text is written as a text,
never read as a formula (an establishment's name may start with « = »).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..data.dataset import MATURITY_STEPS, Dataset
from ..data.parsers import number_expectation
from ..errors import CaqesError
from ..formats import fmt_num
from ..outputs import save_workbooks, set_text
from ..rules.campaign import Campaign, Indicator, Volet, VoletIndicator
from .fragments import french_date
from .plan_book import SAFE_FINESS
from .rule_texts import RULES, applied_target_text, target_text
from .seal import KEY_ENV, grid_seal, key_path, read_key

__all__ = [
    "BLUE",
    "ESTABLISHMENT_SHEET",
    "GRID_FORMAT",
    "HEADER_FILL",
    "HEADER_ROW",
    "INDICATORS_SHEET",
    "INPUT_FILL",
    "LINE_HEIGHT",
    "MATURITY_SHEET",
    "MEASURE",
    "META_SHEET",
    "UNLOCKED",
    "Known",
    "Objective",
    "add_sheet",
    "closing_paragraphs",
    "fit_height",
    "font",
    "grid_path",
    "heading_row",
    "identity_sheet",
    "indicators_sheet",
    "new_grid",
    "print_setup",
    "protect",
    "put",
    "rule_words",
    "save_grids",
    "style_header",
    "value_row",
    "volet_objectives",
]

ESTABLISHMENT_SHEET = "Établissement"
INDICATORS_SHEET = "Indicateurs"
MATURITY_SHEET = "Maturité"
META_SHEET = "caqes"  # hidden: what identifies the workbook
GRID_FORMAT = "caqes-grille-1"
HEADER_ROW = 4  # of the « Indicateurs » sheet

#: What a grid says of a ``mesure`` objective's target and rule.
MEASURE = "mesure suivie, non notée"

FONT = "Calibri"
BLUE = "000091"
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
CHAPTER_FILL = PatternFill("solid", fgColor="EEF1F7")
INPUT_FILL = PatternFill("solid", fgColor="FFF6D5")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="B4B4B4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT = 14.5
UNLOCKED = Protection(locked=False)

T = TypeVar("T")
#: What a grid's row asks or shows: a catalogue indicator or a volet objective.
Objective = Indicator | VoletIndicator


def grid_path(out_dir: Path, finess: str, year: int) -> Path:
    """``out_dir/grille_<finess>_<year>.xlsx``, refused if the FINESS is not a plain code."""
    if not SAFE_FINESS.fullmatch(finess):
        raise CaqesError(f"FINESS {finess!r} : seuls des chiffres et des lettres sont admis "
                         "dans un nom de fichier")
    return Path(out_dir) / f"grille_{finess}_{year}.xlsx"


def save_grids(out_dir: Path, year: int, wanted: Sequence[str], build: Callable[[str, bytes], Workbook], *,
               force: bool = False, progress: Callable[[str], None] | None = None,
               key_file: Path | None = None) -> list[Path]:
    """Write ``build(finess, key)`` to ``grille_<finess>_<year>.xlsx`` for each wanted FINESS, sealed with
    the key ``key_file`` (a workspace's) or the installation's (made the first time); the paths. A file
    of that name that no command wrote, or changed since (a returned grid), is never replaced, unless
    ``force``."""
    paths = [grid_path(out_dir, f, year) for f in wanted]
    key = read_key(create=True, workspace_key=key_file)
    if key is None:
        raise CaqesError(f"{key_path(key_file)} : clé des grilles illisible (64 chiffres hexadécimaux attendus) ; "
                         f"corrigez-la ou indiquez un autre fichier par la variable d'environnement {KEY_ENV}")
    return save_workbooks(paths, lambda k: build(wanted[k], key), force=force,
                          saved=None if progress is None else lambda k: progress(wanted[k]))


def volet_objectives(campaign: Campaign, activities: str,
                     volets: Iterable[str]) -> list[tuple[Volet, list[VoletIndicator]]]:
    """The objectives a grid shows of the volets an establishment has a contract for (``volets``,
    codes), that apply to its activities: (volet, objectives) per volet, in the campaign's order.

    Scored objectives are shown (the establishment fills in those it declares); a ``mesure`` only
    when the establishment declares it; an expense line (``depense``, from the Assurance Maladie)
    never as an objective to fill in."""
    own = set(activities.split(";")) - {""}
    groups = []
    for volet in campaign.volets:
        if volet.code in volets:
            shown = [ind for ind in volet.indicators
                     if (ind.activities is None or own & set(ind.activities))
                     and ind.rule != "depense" and (ind.rule != "mesure" or ind.declared)]
            if shown:
                groups.append((volet, shown))
    return groups


class Known:
    """Values the ARS already has: results (as given), maturity and targets' references, per FINESS,
    year and code; the volets each establishment has a contract for in ``year``."""

    def __init__(self, data: Dataset, campaign: Campaign, year: int):
        from ..data.contracts import contracts_in_force

        self.t0_year = campaign.t0_year
        self.contracts = contracts_in_force(data.contracts, campaign, year)
        self.volets: dict[str, set[str]] = self.contracts.groupby("finess")["volet"].agg(set).to_dict()
        years = {year, year - 1} | ({campaign.t0_year} if campaign.t0_year is not None else set())
        res = data.results[data.results["annee"].isin(years)]
        self.results = {(f, int(y), i): (v, bool(nc), b) for f, y, i, v, nc, b in zip(
            res["finess"], res["annee"], res["indicateur"], res["valeur"], res["nc"], res["brut"],
            strict=True)}
        mat = data.maturity[data.maturity["annee"].isin(years)]
        self.maturity = {(f, int(y)): tuple(row) for f, y, row in zip(
            mat["finess"], mat["annee"], mat[list(MATURITY_STEPS)].to_numpy(dtype=float).tolist(),
            strict=True)}
        refs = data.references[data.references["annee"] == year]
        self.references = {(i, n, r): v for i, n, r, v in zip(
            refs["indicateur"], refs["niveau"], refs["region"], refs["valeur"], strict=True)}
        own = data.targets[data.targets["annee"] == year]  # the establishments' avenants
        self.own = {(f, i): v for f, i, v in zip(own["finess"], own["indicateur"], own["cible"], strict=True)}

    def shown(self, ind: Objective, finess: str, year: int | None) -> str:
        """A known value as text (« — » when unknown)."""
        if year is None:
            return "—"
        if ind.rule == "maturite" and (finess, year) in self.maturity:
            steps = self.maturity[(finess, year)]
            return fmt_num(100 * sum(steps) / 35, 1, trim=True, unit=ind.unit)
        found = self.results.get((finess, year, ind.code))
        if found is None or (not found[1] and not found[2]):
            return "—"
        value, nc, _ = found
        if nc:
            return "NC"
        if ind.rule == "binaire":
            return "oui" if value >= 0.5 else "non"
        return fmt_num(value, 1, trim=True, unit=ind.unit)

    def target(self, ind: Objective, finess: str, region: str) -> str:
        """The target or reference of the year, as a grid shows it: the establishment's own (its
        avenant) when it has one."""
        if isinstance(ind, VoletIndicator):
            if ind.rule == "mesure":
                return MEASURE
            ind = ind.as_indicator(0)
        elif ind.rule == "cible" and (finess, ind.code) in self.own:
            five_years = float(ind.target) if isinstance(ind.target, int | float) else None
            return applied_target_text(ind, self.own[(finess, ind.code)], own=True, campaign_target=five_years)
        if ind.target_kind in ("national", "regional"):
            level = ind.target_kind
            value = self.references.get((ind.code, level, region if level == "regional" else ""))
            if value is None and level == "regional":
                value = self.references.get((ind.code, level, ""))
            return target_text(ind, math.nan if value is None else value)
        return target_text(ind, ind.target if isinstance(ind.target, int | float) else math.nan)


def rule_words(ind: Objective) -> str:
    """The scoring rule in a few French words."""
    return MEASURE if ind.rule == "mesure" else RULES[ind.rule].short


def _expected(ind: Objective) -> str:
    """What the Valeur cell accepts, for the input prompt and the error message (numbers in
    the data check's words)."""
    if ind.rule == "binaire":
        return "oui, non ou NC (non concerné)"
    return f"{number_expectation(ind)} ou NC (non concerné)"


def _validation(ind: Objective, ref: str) -> DataValidation:
    """Data validation of one Valeur cell.

    A numeric check cannot accept the text « NC », so numbers are checked by a custom formula:
    a number in range, or the text NC (any case, spaces trimmed).
    """
    common = {"allow_blank": True, "showErrorMessage": True, "showInputMessage": True,
              "errorTitle": f"Valeur de {ind.code}", "error": f"Saisir {_expected(ind)}.",
              "promptTitle": ind.code, "prompt": f"Saisir {_expected(ind)}."[:255]}
    if ind.rule == "binaire":
        return DataValidation(type="list", formula1='"oui,non,NC"', **common)
    nc = f'UPPER(TRIM({ref}))="NC"'
    if ind.unit == "%":
        formula = f"OR(AND(ISNUMBER({ref}),{ref}>=0,{ref}<=100),{nc})"
    else:
        formula = f"OR(ISNUMBER({ref}),{nc})"
    return DataValidation(type="custom", formula1=formula, **common)


def put(cell: Cell, value: object) -> Cell:
    """Write a value; a text is stored as text, never read as a formula (« =… » names)."""
    set_text(cell, value)
    return cell


def font(**style: object) -> Font:
    return Font(name=FONT, **style)


def fit_height(sheet: Worksheet, row: int, widths: dict[int, float]) -> None:
    """Row height for its wrapped texts (not every viewer recomputes it when opening)."""
    lines = max(math.ceil(len(str(sheet.cell(row=row, column=col).value or "")) / (width * 1.15))
                for col, width in widths.items())
    sheet.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 3


def print_setup(sheet: Worksheet, header_row: int | None) -> None:
    """A4 landscape, fitted to the page width, header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"


def protect(sheet: Worksheet) -> None:
    """Sheet protection without password: only unlocked cells can be changed."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widening a column stays possible
    sheet.protection.formatRows = False


def _styles(book: Workbook) -> None:
    """Named cell styles of the grid (one style per cell: fast to write, same look everywhere)."""
    plain = font()
    for name, fill, locked in (("grille_texte", None, True), ("grille_verrou", LOCKED_FILL, True),
                               ("grille_saisie", INPUT_FILL, False),
                               ("grille_note", None, False)):
        style = NamedStyle(name=name, font=plain, border=BORDER, alignment=WRAP,
                           protection=Protection(locked=locked))
        if fill is not None:
            style.fill = fill
        book.add_named_style(style)


def new_grid(finess: str, year: int, campaign: Campaign, key: bytes) -> Workbook:
    """An empty grid with its styles and its identification (the hidden sheet, the document
    properties, the seal); the sheets are added before the hidden one."""
    book = Workbook()
    _styles(book)
    meta = {"format": GRID_FORMAT, "finess": finess, "annee": str(year),
            "campagne": campaign.name, "empreinte": campaign.sha256 or "",
            "version": __version__, "sceau": grid_seal(key, finess, year, campaign.sha256 or "")}
    sheet = book.create_sheet(META_SHEET)
    for row, (name, value) in enumerate(meta.items(), start=1):
        put(sheet.cell(row=row, column=1), name)
        put(sheet.cell(row=row, column=2), value)
    sheet.sheet_state = "hidden"
    protect(sheet)
    for name, value in meta.items():
        book.custom_doc_props.append(StringProperty(name=f"caqes_{name}", value=value))
    book.properties.title = f"Grille d'auto-évaluation CAQES {year} — FINESS {finess}"
    book.properties.creator = f"caqes-toolkit {__version__}"
    return book


def add_sheet(book: Workbook, title: str) -> Worksheet:
    """A new sheet of ``book``, before its hidden identification."""
    return book.create_sheet(title, index=book.sheetnames.index(META_SHEET))


def _deadline(campaign: Campaign) -> str:
    value = campaign.grid_deadline
    return french_date(value) if isinstance(value, dt.date) else (value or "")


def _contact_rows(campaign: Campaign) -> list[tuple[str, str]]:
    """The identity rows of the return deadline and the ARS's contact, when the campaign gives them."""
    rows = [("Date limite de retour", _deadline(campaign))] if campaign.grid_deadline else []
    return rows + ([("Contact à l'ARS", campaign.ars_contact)] if campaign.ars_contact else [])


def closing_paragraphs(campaign: Campaign, number: int) -> list[tuple[str, Font | None]]:
    """The last instructions of a grid (step ``number``: save and return it), and what it holds."""
    deadline = f" au plus tard le {_deadline(campaign)}" if campaign.grid_deadline else ""
    contact = f" Pour toute question : {campaign.ars_contact}." if campaign.ars_contact else ""
    return [(f"{number}. Enregistrez le classeur au format .xlsx (Excel ou LibreOffice), sans changer la structure "
             f"des onglets, et renvoyez-le à l'ARS{deadline}.{contact}", None),
            ("Ce classeur contient l'identification de votre établissement et de la campagne : l'ARS l'utilise "
             "pour intégrer vos réponses. Une grille ne concerne qu'un établissement.", None)]


def identity_sheet(sheet: Worksheet, campaign: Campaign, title: str, rows: Sequence[tuple[str, str]],
                   paragraphs: Sequence[tuple[str, Font | None]]) -> None:
    """The « Établissement » sheet: a title, the identity (label, value: « FINESS », « Année évaluée »…,
    then the return deadline and the ARS's contact when the campaign gives them) and the paragraphs on
    how to fill the grid in, under their heading."""
    rows = [*rows, *_contact_rows(campaign)]
    paragraphs = [("Comment remplir cette grille", font(bold=True, size=12, color=BLUE)), *paragraphs]
    sheet.title = ESTABLISHMENT_SHEET
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70
    put(sheet.cell(row=1, column=1), title).font = font(bold=True, size=14, color=BLUE)
    sheet.row_dimensions[1].height = 24
    for row, (label, value) in enumerate(rows, start=3):
        label_cell = put(sheet.cell(row=row, column=1), label)
        label_cell.font, label_cell.alignment = font(bold=True), WRAP
        put(sheet.cell(row=row, column=2), value).alignment = WRAP
        for col in (1, 2):
            sheet.cell(row=row, column=col).border = BORDER
        if len(value) > 70:  # a long value (a contract's volet) wraps: its row is made as high
            fit_height(sheet, row, {2: 62})
    start = len(rows) + 5
    for offset, (text, style) in enumerate(paragraphs):
        row = start + offset
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = put(sheet.cell(row=row, column=1), text)
        cell.alignment = WRAP
        if style is not None:
            cell.font = style
        fit_height(sheet, row, {1: 98})
    print_setup(sheet, None)
    sheet.page_setup.orientation = "portrait"
    protect(sheet)


def style_header(cell: Cell) -> None:
    cell.font = font(bold=True)
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def indicators_sheet(sheet: Worksheet, identity: pd.Series, year: int, note: str,
                     columns: Sequence[tuple[str, float]], headers: dict[str, str],
                     sections: Iterable[tuple[str, Sequence[T]]], write: Callable[[int, T], None]) -> None:
    """The « Indicateurs » sheet: its title (the year, the establishment's name and FINESS, which
    collection checks), a note, the header row (``headers`` renames some ``columns``), then each
    non-empty section: its heading, then ``write(row, item)`` for each of its items."""
    finess = str(identity["finess"])
    title = put(sheet.cell(row=1, column=1), f"Indicateurs {year} — {identity['raison_sociale']} (FINESS {finess})")
    title.font = font(bold=True, size=13, color=BLUE)
    put(sheet.cell(row=2, column=1), note).font = font(italic=True)
    for col, (name, width) in enumerate(columns, start=1):
        style_header(put(sheet.cell(row=HEADER_ROW, column=col), headers.get(name, name)))
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 3 * LINE_HEIGHT + 3
    widths = {col: width for col, (_, width) in enumerate(columns, start=1)}
    row = HEADER_ROW
    for heading, items in sections:
        if not items:
            continue
        row += 1
        heading_row(sheet, row, heading, len(columns))
        for item in items:
            row += 1
            write(row, item)
            fit_height(sheet, row, widths)
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    sheet.print_area = f"A1:{get_column_letter(len(columns))}{row}"
    print_setup(sheet, HEADER_ROW)
    protect(sheet)


def heading_row(sheet: Worksheet, row: int, text: str, n_columns: int) -> None:
    """A section's heading across the table (in the « Code » column, which collection skips: no value)."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n_columns)
    cell = put(sheet.cell(row=row, column=1), text)
    cell.font = font(bold=True, color=BLUE)
    cell.fill = CHAPTER_FILL
    cell.alignment = WRAP


def value_row(sheet: Worksheet, row: int, columns: dict[str, int], values: dict[str, object], own: bool,
              ask: Objective | None, value: str = "") -> None:
    """One row of the « Indicateurs » sheet: ``values`` by column name; ``own``: an objective whose data
    the establishment gives (white row, grey otherwise). With ``ask``, the « Valeur » cell is the one to
    fill in, with its list or check; else it is locked and shows ``value``. « Commentaire » and
    « Preuves » stay open."""
    for name, col in columns.items():
        cell = sheet.cell(row=row, column=col)
        if name in values:
            put(cell, values[name])
        editable = name in ("Commentaire", "Preuves") or (name == "Valeur" and ask is not None)
        cell.style = ("grille_saisie" if editable and own else "grille_note" if editable
                      else "grille_texte" if own else "grille_verrou")
    cell = sheet.cell(row=row, column=columns["Valeur"])
    if ask is None:
        put(cell, value)
        cell.style = "grille_verrou"
        return
    rule = _validation(ask, cell.coordinate)
    rule.add(cell.coordinate)
    sheet.add_data_validation(rule)
