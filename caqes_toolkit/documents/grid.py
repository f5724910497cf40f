"""Self-evaluation grids: one pre-filled, guarded Excel workbook per establishment.

The ARS sends each establishment its grid; the establishment types its year-N values in the
« Valeur » column (the only cells to fill, with « Commentaire » and « Preuves ») and the seven
maturity steps, then returns the workbook, which :mod:`caqes_toolkit.documents.collect` reads back.

Values are typed in the indicator's unit, as in the data contract (62,5 for 62,5 %), never as
an Excel percentage. Indicators whose data come from the Assurance Maladie or the HAS
(``source_donnees``) are shown locked, with their value when the ARS already has it. What
identifies the workbook (FINESS, year, campaign name and SHA-256 fingerprint) is stored in a
hidden sheet and in the document properties, with its seal (:mod:`caqes_toolkit.documents.seal`),
so collection never trusts the file name, nor an identification edited by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from pathlib import Path

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
from ..data.validation import number_expectation
from ..errors import CaqesError
from ..formats import agree, fmt_num
from ..outputs import save_workbooks
from ..rules.campaign import Campaign, Indicator
from .fragments import french_date
from .plan import SAFE_FINESS
from .rule_texts import RULES, target_text
from .seal import KEY_ENV, grid_seal, key_path, read_key
from .vocabulary import DATA_SOURCES, TO_OBTAIN

__all__ = ["ESTABLISHMENT_SHEET", "INDICATORS_SHEET", "MATURITY_SHEET", "MATURITY_STEP_NAMES", "META_SHEET",
           "applicable_indicators", "volet_objectives", "write_grids"]

ESTABLISHMENT_SHEET = "Établissement"
INDICATORS_SHEET = "Indicateurs"
MATURITY_SHEET = "Maturité"
META_SHEET = "caqes"  # hidden: what identifies the workbook
GRID_FORMAT = "caqes-grille-1"

#: The seven steps of the certification maturity score, in order (etape_1 … etape_7).
MATURITY_STEP_NAMES: tuple[str, ...] = (
    "Politique", "Organisation interne", "Mobilisation des équipes",
    "Disponibilité des ressources", "Effectivité", "Évaluation", "Actions d'amélioration")

#: Columns of the « Indicateurs » sheet (header, width); « Valeur » is column D.
GRID_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Code", 7), ("Indicateur", 46), ("Unité", 7), ("Valeur", 11), ("Cible ou référence", 15),
    ("Valeur T0", 10), ("Valeur N−1", 10), ("Règle de calcul", 34), ("Source des données", 13),
    ("Commentaire", 26), ("Preuves", 22))
COL = {name: index for index, (name, _) in enumerate(GRID_COLUMNS, start=1)}
HEADER_ROW = 4
MATURITY_HEADER_ROW = 4

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


def _grid_path(out_dir: Path, finess: str, year: int) -> Path:
    """``out_dir/grille_<finess>_<year>.xlsx``, refused if the FINESS is not a plain code."""
    if not SAFE_FINESS.fullmatch(finess):
        raise CaqesError(f"FINESS {finess!r} : seuls des chiffres et des lettres sont admis "
                         "dans un nom de fichier")
    return Path(out_dir) / f"grille_{finess}_{year}.xlsx"


def applicable_indicators(campaign: Campaign, activities: str, with_list: bool) -> list[Indicator]:
    """Indicators that apply to an establishment (its activities, its liste en sus), as scored."""
    own = set(activities.split(";")) - {""}
    list_chapters = set(campaign.chapter_weights(False))
    return [ind for ind in campaign.indicators
            if (ind.activities is None or own & set(ind.activities))
            and (with_list or ind.chapter in list_chapters)]


def volet_objectives(campaign: Campaign, activities: str,
                     volets: Iterable[str]) -> list[tuple[str, list[Indicator]]]:
    """The scored objectives of the volets an establishment has a contract for (``volets``,
    codes), that apply to its activities: (volet label, objectives as indicators) per volet.

    Expense lines (``depense``) come from the Assurance Maladie and ``mesure`` values are not
    scored: neither is asked in a grid."""
    own = set(activities.split(";")) - {""}
    groups = []
    for volet in campaign.volets:
        if volet.code in volets:
            asked = [ind.as_indicator(0) for ind in volet.scored
                     if ind.activities is None or own & set(ind.activities)]
            if asked:
                groups.append((volet.label, asked))
    return groups


def write_grids(data: Dataset, campaign: Campaign, year: int, out_dir: Path,
                finess: list[str] | None = None,
                progress: Callable[[str], None] | None = None, force: bool = False) -> list[Path]:
    """Write the grid of each establishment of ``data`` (or of ``finess`` only); the paths. A file of
    that name that no command wrote, or changed since (a returned grid), is never replaced, unless
    ``force`` (:func:`~caqes_toolkit.outputs.save_workbooks`)."""
    if not campaign.chapters:  # the grid is the socle's (the commands ask the generation first)
        raise CaqesError(f"campagne {campaign.name} : pas de volet obligatoire (chapitres), donc pas de grille "
                         "d'auto-évaluation")
    es = data.establishments.set_index("finess", drop=False)
    wanted = list(dict.fromkeys(finess)) if finess is not None else list(es.index)
    unknown = [f for f in wanted if f not in es.index]
    if unknown:
        raise CaqesError(f"FINESS {agree(len(unknown), 'absent', 'absents')} de la table etablissements : "
                         f"{', '.join(unknown)}")
    paths = [_grid_path(out_dir, f, year) for f in wanted]
    known = _Known(data, campaign, year)
    key = read_key(create=True)
    if key is None:
        raise CaqesError(f"{key_path()} : clé des grilles illisible (64 chiffres hexadécimaux attendus) ; "
                         f"corrigez-la ou indiquez un autre fichier par la variable d'environnement {KEY_ENV}")
    return save_workbooks(paths, lambda k: _workbook(es.loc[wanted[k]], campaign, year, known, key), force=force,
                          saved=None if progress is None else lambda k: progress(wanted[k]))


class _Known:
    """Values the ARS already has: results (as given) and maturity, per FINESS, year, code."""

    def __init__(self, data: Dataset, campaign: Campaign, year: int):
        self.t0_year = campaign.t0_year
        from ..evaluation.money import contracts_in_force

        contracts = contracts_in_force(data, campaign, year)
        self.volets: dict[str, set[str]] = contracts.groupby("finess")["volet"].agg(set).to_dict()
        years = {year, year - 1, campaign.t0_year}
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

    def shown(self, ind: Indicator, finess: str, year: int | None) -> str:
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

    def target(self, ind: Indicator, region: str) -> str:
        if ind.target_kind in ("national", "regional"):
            level = ind.target_kind
            value = self.references.get((ind.code, level, region if level == "regional" else ""))
            if value is None and level == "regional":
                value = self.references.get((ind.code, level, ""))
            return target_text(ind, math.nan if value is None else value)
        return target_text(ind, ind.target if isinstance(ind.target, int | float) else math.nan)




def _rule_words(ind: Indicator) -> str:
    """The scoring rule in a few French words."""
    return RULES[ind.rule].short


def _expected(ind: Indicator) -> str:
    """What the Valeur cell accepts, for the input prompt and the error message (numbers in
    the data check's words)."""
    if ind.rule == "binaire":
        return "oui, non ou NC (non concerné)"
    return f"{number_expectation(ind)} ou NC (non concerné)"


def _validation(ind: Indicator, ref: str) -> DataValidation:
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


def _text(cell: Cell, value: object) -> Cell:
    """Write a value; a text is stored as text, never read as a formula (« =… » names)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _font(**style: object) -> Font:
    return Font(name=FONT, **style)


def _fit_height(sheet: Worksheet, row: int, widths: dict[int, float]) -> None:
    lines = max(math.ceil(len(str(sheet.cell(row=row, column=col).value or "")) / (width * 1.15))
                for col, width in widths.items())
    sheet.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 3


def _print_setup(sheet: Worksheet, header_row: int | None) -> None:
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


def _protect(sheet: Worksheet) -> None:
    """Sheet protection without password: only unlocked cells can be changed."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widening a column stays possible
    sheet.protection.formatRows = False


def _workbook(identity: pd.Series, campaign: Campaign, year: int, known: _Known, key: bytes) -> Workbook:
    finess = str(identity["finess"])
    indicators = applicable_indicators(campaign, str(identity["activites"]),
                                       bool(identity["liste_en_sus"]))
    volets = volet_objectives(campaign, str(identity["activites"]), known.volets.get(finess, ()))
    book = Workbook()
    _styles(book)
    _establishment_sheet(book.active, identity, campaign, year)
    _indicators_sheet(book.create_sheet(INDICATORS_SHEET), identity, campaign, year, indicators,
                      known, volets)
    if any(ind.rule == "maturite" for ind in indicators):
        _maturity_sheet(book.create_sheet(MATURITY_SHEET), finess, campaign, year, known)
    meta = {"format": GRID_FORMAT, "finess": finess, "annee": str(year),
            "campagne": campaign.name, "empreinte": campaign.sha256 or "",
            "version": __version__, "sceau": grid_seal(key, finess, year, campaign.sha256 or "")}
    sheet = book.create_sheet(META_SHEET)
    for row, (name, value) in enumerate(meta.items(), start=1):
        _text(sheet.cell(row=row, column=1), name)
        _text(sheet.cell(row=row, column=2), value)
    sheet.sheet_state = "hidden"
    _protect(sheet)
    for name, value in meta.items():
        book.custom_doc_props.append(StringProperty(name=f"caqes_{name}", value=value))
    book.properties.title = f"Grille d'auto-évaluation CAQES {year} — FINESS {finess}"
    book.properties.creator = f"caqes-toolkit {__version__}"
    return book


def _deadline(campaign: Campaign) -> str:
    value = campaign.grid_deadline
    return french_date(value) if isinstance(value, dt.date) else (value or "")


def _establishment_sheet(sheet: Worksheet, identity: pd.Series, campaign: Campaign,
                         year: int) -> None:
    sheet.title = ESTABLISHMENT_SHEET
    finess = str(identity["finess"])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70
    title = _text(sheet.cell(row=1, column=1),
                  f"Grille d'auto-évaluation CAQES — année {year}")
    title.font = _font(bold=True, size=14, color=BLUE)
    sheet.row_dimensions[1].height = 24
    rows = [
        ("FINESS", finess),
        ("Raison sociale", str(identity["raison_sociale"])),
        ("Région", str(identity["region"])),
        ("Activités", str(identity["activites"]).replace(";", ", ")),
        ("Liste en sus", "oui" if identity["liste_en_sus"] else "non"),
        ("Campagne", campaign.name),
        ("Année évaluée", str(year)),
        ("Année de référence (T0)", str(campaign.t0_year)),
    ]
    if campaign.grid_deadline:
        rows.append(("Date limite de retour", _deadline(campaign)))
    if campaign.ars_contact:
        rows.append(("Contact à l'ARS", campaign.ars_contact))
    for row, (label, value) in enumerate(rows, start=3):
        _text(sheet.cell(row=row, column=1), label).font = _font(bold=True)
        cell = _text(sheet.cell(row=row, column=2), value)
        cell.alignment = WRAP
        for col in (1, 2):
            sheet.cell(row=row, column=col).border = BORDER
    deadline = (f" au plus tard le {_deadline(campaign)}" if campaign.grid_deadline else "")
    contact = (f" Pour toute question : {campaign.ars_contact}." if campaign.ars_contact else "")
    paragraphs = [
        ("Comment remplir cette grille", _font(bold=True, size=12, color=BLUE)),
        (f"1. Onglet « {INDICATORS_SHEET} » : pour chaque indicateur, saisissez la valeur de "
         f"l'année {year} dans la colonne « Valeur » (cellules jaunes). Les autres colonnes sont "
         "remplies par l'ARS et protégées.", None),
        ("2. Indicateurs « oui / non » : choisissez oui, non ou NC dans la liste. Indicateurs "
         "chiffrés : saisissez le nombre dans l'unité indiquée, sans le signe % (62,5 pour "
         "62,5 %) ; un taux d'évolution peut être négatif.", None),
        ("3. NC signifie « non concerné » : l'indicateur sort alors du calcul ; justifiez-le dans "
         "la colonne « Commentaire ». Une valeur laissée vide est comptée « non renseignée » "
         "(0 point).", None),
        ("4. Colonnes « Commentaire » et « Preuves » (facultatives) : précisez la source de la "
         "donnée et les pièces justificatives disponibles (référence du document, date).", None),
        (f"5. Onglet « {MATURITY_SHEET} » (s'il existe) : cotez chacune des sept étapes de 0 à 5, "
         "comme dans votre dernier compte qualité ou rapport de certification HAS.", None),
        ("6. Les indicateurs dont la donnée vient de l'Assurance Maladie ou de la HAS sont "
         "affichés en gris, verrouillés : vous n'avez rien à saisir ; l'ARS obtient leur valeur auprès de "
         f"l'Assurance Maladie ou de la HAS (« {TO_OBTAIN} » tant qu'elle ne l'a pas).", None),
        (f"7. Enregistrez le classeur au format .xlsx (Excel ou LibreOffice), sans changer la "
         f"structure des onglets, et renvoyez-le à l'ARS{deadline}.{contact}", None),
        ("Ce classeur contient l'identification de votre établissement et de la campagne : "
         "l'ARS l'utilise pour intégrer vos réponses. Une grille ne concerne qu'un établissement.",
         None),
    ]
    start = len(rows) + 5
    for offset, (text, font) in enumerate(paragraphs):
        row = start + offset
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = _text(sheet.cell(row=row, column=1), text)
        cell.alignment = WRAP
        if font is not None:
            cell.font = font
        _fit_height(sheet, row, {1: 98})
    _print_setup(sheet, None)
    sheet.page_setup.orientation = "portrait"
    _protect(sheet)


def _indicators_sheet(sheet: Worksheet, identity: pd.Series, campaign: Campaign, year: int,
                      indicators: list[Indicator], known: _Known,
                      volets: list[tuple[str, list[Indicator]]]) -> None:
    finess = str(identity["finess"])
    last = get_column_letter(len(GRID_COLUMNS))
    title = _text(sheet.cell(row=1, column=1),
                  f"Indicateurs {year} — {identity['raison_sociale']} (FINESS {finess})")
    title.font = _font(bold=True, size=13, color=BLUE)
    note = _text(sheet.cell(row=2, column=1),
                 "Saisir la valeur de chaque indicateur dans la colonne « Valeur » (cellules "
                 "jaunes), dans l'unité indiquée : 62,5 pour 62,5 %. NC = non concerné.")
    note.font = _font(italic=True)
    headers = {"Valeur T0": f"Valeur T0 ({campaign.t0_year})",
               "Valeur N−1": f"Valeur {year - 1} (N−1)"}
    for col, (name, width) in enumerate(GRID_COLUMNS, start=1):
        cell = _text(sheet.cell(row=HEADER_ROW, column=col), headers.get(name, name))
        cell.font = _font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 3 * LINE_HEIGHT + 3
    widths = {col: width for col, (_, width) in enumerate(GRID_COLUMNS, start=1)}
    row = HEADER_ROW
    groups = [(f"Chapitre {chapter} — {campaign.chapters[chapter]}",
               [ind for ind in indicators if ind.chapter == chapter]) for chapter in sorted(campaign.chapters)]
    groups += [(f"Volet additionnel — {label}", objectives) for label, objectives in volets]
    for heading, members in groups:
        if not members:
            continue
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(GRID_COLUMNS))
        cell = _text(sheet.cell(row=row, column=1), heading)
        cell.font = _font(bold=True, color=BLUE)
        cell.fill = CHAPTER_FILL
        cell.alignment = WRAP
        for ind in members:
            row += 1
            _indicator_row(sheet, row, ind, identity, year, known)
            _fit_height(sheet, row, widths)
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    sheet.print_area = f"A1:{last}{row}"
    _print_setup(sheet, HEADER_ROW)
    _protect(sheet)


def _indicator_row(sheet: Worksheet, row: int, ind: Indicator, identity: pd.Series, year: int,
                   known: _Known) -> None:
    finess = str(identity["finess"])
    unit = "oui/non" if ind.rule == "binaire" else (ind.unit or "")
    values: dict[str, object] = {
        "Code": ind.code, "Indicateur": ind.label, "Unité": unit,
        "Cible ou référence": known.target(ind, str(identity["region"])),
        "Valeur T0": known.shown(ind, finess, known.t0_year),
        "Valeur N−1": known.shown(ind, finess, year - 1),
        "Règle de calcul": _rule_words(ind),
        "Source des données": DATA_SOURCES[ind.data_source],
    }
    own = ind.data_source == "etablissement"
    for name, col in COL.items():
        cell = sheet.cell(row=row, column=col)
        if name in values:
            _text(cell, values[name])
        editable = name in ("Commentaire", "Preuves") or (name == "Valeur" and own
                                                           and ind.rule != "maturite")
        cell.style = ("grille_saisie" if editable and own else "grille_note" if editable
                      else "grille_texte" if own else "grille_verrou")
    value = sheet.cell(row=row, column=COL["Valeur"])
    if ind.rule == "maturite":
        _text(value, f"voir « {MATURITY_SHEET} »")
        value.style = "grille_verrou"
    elif not own:
        shown = known.shown(ind, finess, year)
        _text(value, TO_OBTAIN if shown == "—" else shown)
    else:
        rule = _validation(ind, value.coordinate)
        rule.add(value.coordinate)
        sheet.add_data_validation(rule)


def _styles(book: Workbook) -> None:
    """Named cell styles of the grid (one style per cell: fast to write, same look everywhere)."""
    font = _font()
    for name, fill, locked in (("grille_texte", None, True), ("grille_verrou", LOCKED_FILL, True),
                               ("grille_saisie", INPUT_FILL, False),
                               ("grille_note", None, False)):
        style = NamedStyle(name=name, font=font, border=BORDER, alignment=WRAP,
                           protection=Protection(locked=locked))
        if fill is not None:
            style.fill = fill
        book.add_named_style(style)


def _maturity_sheet(sheet: Worksheet, finess: str, campaign: Campaign, year: int,
                    known: _Known) -> None:
    title = _text(sheet.cell(row=1, column=1), f"Maturité du management de la prise en charge "
                                                f"médicamenteuse — {year}")
    title.font = _font(bold=True, size=13, color=BLUE)
    _text(sheet.cell(row=2, column=1), "Coter chaque étape de 0 à 5 (colonne « Cotation », "
                                       "cellules jaunes) ; score = somme des 7 cotations / 35."
          ).font = _font(italic=True)
    columns = (("N°", 5), ("Étape", 34), ("Cotation", 11), (f"Cotation {year - 1} (N−1)", 13),
               ("Commentaire", 40))
    for col, (name, width) in enumerate(columns, start=1):
        cell = _text(sheet.cell(row=MATURITY_HEADER_ROW, column=col), name)
        cell.font = _font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(col)].width = width
    previous = known.maturity.get((finess, year - 1))
    rule = DataValidation(type="list", formula1='"0,1,2,3,4,5"', allow_blank=True,
                          showErrorMessage=True, showInputMessage=True, errorTitle="Cotation",
                          error="Saisir une cotation entière de 0 à 5.", promptTitle="Cotation",
                          prompt="Cotation de l'étape, de 0 à 5.")
    for step, name in enumerate(MATURITY_STEP_NAMES, start=1):
        row = MATURITY_HEADER_ROW + step
        old = "—" if previous is None else f"{previous[step - 1]:g}"
        for col, value in enumerate((step, name, None, old, None), start=1):
            cell = sheet.cell(row=row, column=col)
            _text(cell, value)
            cell.border = BORDER
            cell.alignment = WRAP
        for col in (3, 5):
            sheet.cell(row=row, column=col).protection = UNLOCKED
            sheet.cell(row=row, column=col).fill = INPUT_FILL
        sheet.cell(row=row, column=3).alignment = Alignment(horizontal="center", vertical="top")
    first, last = MATURITY_HEADER_ROW + 1, MATURITY_HEADER_ROW + len(MATURITY_STEP_NAMES)
    rule.add(f"C{first}:C{last}")
    sheet.add_data_validation(rule)
    _print_setup(sheet, MATURITY_HEADER_ROW)
    _protect(sheet)
