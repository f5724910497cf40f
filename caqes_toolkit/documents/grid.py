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

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..data.dataset import Dataset
from ..errors import CaqesError
from ..formats import agree
from ..rules.campaign import Campaign, Indicator
from .grid_book import (
    BLUE,
    INDICATORS_SHEET,
    INPUT_FILL,
    MATURITY_SHEET,
    UNLOCKED,
    Known,
    Objective,
    add_sheet,
    closing_paragraphs,
    font,
    grid_path,
    identity_sheet,
    indicators_sheet,
    new_grid,
    print_setup,
    protect,
    put,
    rule_words,
    save_grids,
    style_header,
    value_row,
    volet_objectives,
)
from .vocabulary import DATA_SOURCES, TO_OBTAIN

__all__ = ["MATURITY_STEP_NAMES", "applicable_indicators", "grid_path", "write_grids"]

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
MATURITY_HEADER_ROW = 4


def applicable_indicators(campaign: Campaign, activities: str, with_list: bool) -> list[Indicator]:
    """Indicators that apply to an establishment (its activities, its liste en sus), as scored."""
    own = set(activities.split(";")) - {""}
    list_chapters = set(campaign.chapter_weights(False))
    return [ind for ind in campaign.indicators
            if (ind.activities is None or own & set(ind.activities))
            and (with_list or ind.chapter in list_chapters)]


def write_grids(data: Dataset, campaign: Campaign, year: int, out_dir: Path,
                finess: list[str] | None = None,
                progress: Callable[[str], None] | None = None, force: bool = False,
                key_file: Path | None = None) -> list[Path]:
    """Write the grid of each establishment of ``data`` (or of ``finess`` only); the paths. A file of
    that name that no command wrote, or changed since (a returned grid), is never replaced, unless
    ``force`` (:func:`~caqes_toolkit.outputs.save_workbooks`). Sealed with the key ``key_file`` (a
    workspace's), else the installation's."""
    if not campaign.chapters:  # the grid is the socle's (the commands ask the generation first)
        raise CaqesError(f"campagne {campaign.name} : pas de volet obligatoire (chapitres), donc pas de grille "
                         "d'auto-évaluation")
    es = data.establishments.set_index("finess", drop=False)
    wanted = list(dict.fromkeys(finess)) if finess is not None else list(es.index)
    unknown = [f for f in wanted if f not in es.index]
    if unknown:
        raise CaqesError(f"FINESS {agree(len(unknown), 'absent', 'absents')} de la table etablissements : "
                         f"{', '.join(unknown)}")
    known = Known(data, campaign, year)
    return save_grids(out_dir, year, wanted, lambda f, key: _workbook(es.loc[f], campaign, year, known, key),
                      force=force, progress=progress, key_file=key_file)


def _workbook(identity: pd.Series, campaign: Campaign, year: int, known: Known, key: bytes) -> Workbook:
    finess = str(identity["finess"])
    indicators = applicable_indicators(campaign, str(identity["activites"]),
                                       bool(identity["liste_en_sus"]))
    volets = volet_objectives(campaign, str(identity["activites"]), known.volets.get(finess, ()))
    book = new_grid(finess, year, campaign, key)
    _establishment_sheet(book.active, identity, campaign, year)
    groups: list[tuple[str, list[Objective]]] = [
        (f"Chapitre {chapter} — {campaign.chapters[chapter]}", [ind for ind in indicators if ind.chapter == chapter])
        for chapter in sorted(campaign.chapters)]
    groups += [(f"Volet additionnel — {volet.label}", list(objectives)) for volet, objectives in volets]
    sheet = add_sheet(book, INDICATORS_SHEET)
    note = ("Saisir la valeur de chaque indicateur dans la colonne « Valeur » (cellules jaunes), dans l'unité "
            "indiquée : 62,5 pour 62,5 %. NC = non concerné.")
    headers = {"Valeur T0": f"Valeur T0 ({campaign.t0_year})", "Valeur N−1": f"Valeur {year - 1} (N−1)"}

    indicators_sheet(sheet, identity, year, note, GRID_COLUMNS, headers, groups,
                     lambda row, ind: _indicator_row(sheet, row, ind, identity, year, known))
    if any(ind.rule == "maturite" for ind in indicators):
        _maturity_sheet(add_sheet(book, MATURITY_SHEET), finess, year, known)
    return book


def _establishment_sheet(sheet: Worksheet, identity: pd.Series, campaign: Campaign,
                         year: int) -> None:
    rows = [
        ("FINESS", str(identity["finess"])),
        ("Raison sociale", str(identity["raison_sociale"])),
        ("Région", str(identity["region"])),
        ("Activités", str(identity["activites"]).replace(";", ", ")),
        ("Liste en sus", "oui" if identity["liste_en_sus"] else "non"),
        ("Campagne", campaign.name),
        ("Année évaluée", str(year)),
        ("Année de référence (T0)", str(campaign.t0_year)),
    ]
    paragraphs = [
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
        *closing_paragraphs(campaign, 7),
    ]
    identity_sheet(sheet, campaign, f"Grille d'auto-évaluation CAQES — année {year}", rows, paragraphs)


def _indicator_row(sheet: Worksheet, row: int, ind: Objective, identity: pd.Series, year: int,
                   known: Known) -> None:
    finess = str(identity["finess"])
    unit = "oui/non" if ind.rule == "binaire" else (ind.unit or "")
    values: dict[str, object] = {
        "Code": ind.code, "Indicateur": ind.label, "Unité": unit,
        "Cible ou référence": known.target(ind, finess, str(identity["region"])),
        "Valeur T0": known.shown(ind, finess, known.t0_year),
        "Valeur N−1": known.shown(ind, finess, year - 1),
        "Règle de calcul": rule_words(ind),
        "Source des données": DATA_SOURCES[ind.data_source],
    }
    own = ind.data_source == "etablissement"
    if ind.rule == "maturite":
        value_row(sheet, row, COL, values, own, None, f"voir « {MATURITY_SHEET} »")
    elif not own:
        shown = known.shown(ind, finess, year)
        value_row(sheet, row, COL, values, own, None, TO_OBTAIN if shown == "—" else shown)
    else:
        value_row(sheet, row, COL, values, own, ind)


def _maturity_sheet(sheet: Worksheet, finess: str, year: int, known: Known) -> None:
    title = put(sheet.cell(row=1, column=1), f"Maturité du management de la prise en charge médicamenteuse — {year}")
    title.font = font(bold=True, size=13, color=BLUE)
    put(sheet.cell(row=2, column=1), "Coter chaque étape de 0 à 5 (colonne « Cotation », cellules jaunes) ; "
                                     "score = somme des 7 cotations / 35.").font = font(italic=True)
    columns = (("N°", 5), ("Étape", 34), ("Cotation", 11), (f"Cotation {year - 1} (N−1)", 13),
               ("Commentaire", 40))
    for col, (name, width) in enumerate(columns, start=1):
        style_header(put(sheet.cell(row=MATURITY_HEADER_ROW, column=col), name))
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
            put(cell, value)
            cell.style = "grille_texte"
        for col in (3, 5):
            sheet.cell(row=row, column=col).protection = UNLOCKED
            sheet.cell(row=row, column=col).fill = INPUT_FILL
        sheet.cell(row=row, column=3).alignment = Alignment(horizontal="center", vertical="top")
    first, last = MATURITY_HEADER_ROW + 1, MATURITY_HEADER_ROW + len(MATURITY_STEP_NAMES)
    rule.add(f"C{first}:C{last}")
    sheet.add_data_validation(rule)
    print_setup(sheet, MATURITY_HEADER_ROW)
    protect(sheet)
