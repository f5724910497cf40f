"""Self-evaluation grids of a second-generation campaign: one per establishment with a contract in force.

The workbook is a grid like the first generation's (:mod:`caqes_toolkit.documents.grid_book`: sheet
« Indicateurs » with columns « Code » and « Valeur », identity, locked cells, lists and checks, seal),
read back by the same :mod:`caqes_toolkit.documents.collect`. It asks, per volet of the establishment's
contracts, the objectives it declares (a scored objective, or any objective whose ``source_donnees`` is
``etablissement``); each volet's heading gives its contract's dates, and its expense objectives
(``depense``: spending from the Assurance Maladie, the objective of the year and the spending of N − 1
and N when known, computed by :func:`caqes_toolkit.evaluation.money.evaluate_volets`) are shown locked,
for information.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..data.contracts import contracts_in_force
from ..data.dataset import Dataset
from ..errors import CaqesError
from ..evaluation.money import VoletResults, evaluate_volets
from ..formats import agree, fmt_euros
from ..rules.campaign import Campaign, VoletIndicator
from .grid_book import (
    INDICATORS_SHEET,
    Known,
    add_sheet,
    closing_paragraphs,
    identity_sheet,
    indicators_sheet,
    new_grid,
    rule_words,
    save_grids,
    value_row,
    volet_objectives,
)
from .rule_texts import rate_text
from .vocabulary import DATA_SOURCES
from .volets import date_text

__all__ = ["CONTRACT_COLUMNS", "contract_holders", "write_contract_grids"]

#: Columns of the « Indicateurs » sheet (header, width); « Valeur » is column D.
CONTRACT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Code", 11), ("Objectif", 46), ("Unité", 8), ("Valeur", 13), ("Cible ou objectif", 17),
    ("Valeur N−1", 13), ("Règle de calcul", 34), ("Source des données", 13), ("Commentaire", 26), ("Preuves", 22))
COL = {name: index for index, (name, _) in enumerate(CONTRACT_COLUMNS, start=1)}


def contract_holders(data: Dataset, campaign: Campaign, year: int, wanted: list[str] | None) -> list[str]:
    """The establishments with a contract of the campaign in force in ``year``, to whom a grid or a plan
    is written (or the ``wanted`` ones, each refused when it has none)."""
    holders = sorted(set(contracts_in_force(data.contracts, campaign, year)["finess"]))
    if wanted is None:
        if not holders:
            raise CaqesError(f"aucun contrat de la campagne {campaign.name} en vigueur en {year} (table contrats) : "
                             "ni grille ni plan d'actions à écrire")
        return holders
    wanted = list(dict.fromkeys(wanted))
    unknown = [f for f in wanted if f not in set(data.establishments["finess"])]
    if unknown:
        raise CaqesError(f"FINESS {agree(len(unknown), 'absent', 'absents')} de la table etablissements : "
                         f"{', '.join(unknown)}")
    without = [f for f in wanted if f not in holders]
    if without:
        raise CaqesError(f"FINESS sans contrat de la campagne {campaign.name} en vigueur en {year} (table contrats) : "
                         f"{', '.join(without)} ; la grille et le plan d'actions d'une campagne de deuxième "
                         "génération portent sur les objectifs des volets du contrat")
    return wanted


def write_contract_grids(data: Dataset, campaign: Campaign, year: int, out_dir: Path,
                         finess: list[str] | None = None, progress: Callable[[str], None] | None = None,
                         force: bool = False, key_file: Path | None = None) -> list[Path]:
    """Write the grid of each establishment under contract in ``year`` (or of ``finess`` only); the
    paths. A file that no command wrote, or changed since (a returned grid), is never replaced, unless
    ``force``."""
    wanted = contract_holders(data, campaign, year, finess)
    known = Known(data, campaign, year)
    money = evaluate_volets(data, campaign, year)
    es = data.establishments.set_index("finess", drop=False)
    return save_grids(out_dir, year, wanted, lambda f, key: _workbook(es.loc[f], campaign, year, known, money, key),
                      force=force, progress=progress, key_file=key_file)


def _workbook(identity: pd.Series, campaign: Campaign, year: int, known: Known, money: VoletResults,
              key: bytes) -> Workbook:
    finess = str(identity["finess"])
    contracts = known.contracts[known.contracts["finess"] == finess].set_index("volet")
    book = new_grid(finess, year, campaign, key)
    _establishment_sheet(book.active, identity, campaign, year, contracts)
    lines = money.rows[(money.rows["finess"] == finess) & (money.rows["indicateur"] != "")].set_index("indicateur")
    shown = dict(volet_objectives(campaign, str(identity["activites"]), set(contracts.index)))
    sections: list[tuple[str, list[VoletIndicator]]] = []
    for volet in campaign.volets:
        if volet.code in contracts.index:
            sections += [(f"Volet « {volet.label} » — {_period(contracts.loc[volet.code])}", shown.get(volet, [])),
                         (f"Volet « {volet.label} » — objectifs de dépenses, pour information (données de "
                          "l'Assurance Maladie, rien à saisir)", list(volet.expenses))]
    sheet = add_sheet(book, INDICATORS_SHEET)
    note = ("Saisir la valeur de l'année de chaque objectif déclaré par l'établissement dans la colonne « Valeur » "
            "(cellules jaunes), dans l'unité indiquée : 62,5 pour 62,5 %. NC = non concerné.")
    headers = {"Valeur N−1": f"Valeur {year - 1} (N−1)"}
    indicators_sheet(sheet, identity, year, note, CONTRACT_COLUMNS, headers, sections,
                     lambda row, ind: _row(sheet, row, ind, identity, year, known, lines))
    return book


def _period(contract: pd.Series) -> str:
    end = f"au {date_text(contract['date_fin'])}" if pd.notna(contract["date_fin"]) else "sans date de fin"
    return f"contrat du {date_text(contract['date_debut'])} {end}"


def _row(sheet: Worksheet, row: int, ind: VoletIndicator, identity: pd.Series, year: int, known: Known,
         lines: pd.DataFrame) -> None:
    finess = str(identity["finess"])
    if ind.rule == "depense":
        line = lines.loc[ind.code] if ind.code in lines.index else None
        values: dict[str, object] = {
            "Code": ind.code, "Objectif": ind.label, "Unité": "€",
            "Cible ou objectif": ("—" if line is None or pd.isna(line["objectif"])  # an expense not given
                                  else f"≤ {fmt_euros(line['objectif'])}"),
            "Valeur N−1": "—" if line is None else fmt_euros(line["montant_reference"]),
            "Règle de calcul": f"objectif = dépenses {year - 1} × (1 + taux) ; taux {rate_text(ind)} ; "
                               f"économies = baisse par rapport à {year - 1}",
            "Source des données": DATA_SOURCES[ind.data_source]}
        spent = "" if line is None or pd.isna(line["montant"]) else fmt_euros(line["montant"])
        value_row(sheet, row, COL, values, False, None, spent)
        return
    values = {
        "Code": ind.code, "Objectif": ind.label, "Unité": "oui/non" if ind.rule == "binaire" else (ind.unit or ""),
        "Cible ou objectif": known.target(ind, finess, str(identity["region"])),
        "Valeur N−1": known.shown(ind, finess, year - 1), "Règle de calcul": rule_words(ind),
        "Source des données": DATA_SOURCES[ind.data_source]}
    if ind.declared:
        value_row(sheet, row, COL, values, True, ind)
    else:
        shown = known.shown(ind, finess, year)
        value_row(sheet, row, COL, values, False, None, "" if shown == "—" else shown)


def _establishment_sheet(sheet: Worksheet, identity: pd.Series, campaign: Campaign, year: int,
                         contracts: pd.DataFrame) -> None:
    rows = [("FINESS", str(identity["finess"])), ("Raison sociale", str(identity["raison_sociale"])),
            ("Région", str(identity["region"])), ("Activités", str(identity["activites"]).replace(";", ", ")),
            ("Campagne", campaign.name), ("Année évaluée", str(year))]
    rows += [("Contrat", f"Volet « {campaign.volet_by_code[code].label} » : {_period(contract)}")
             for code, contract in contracts.iterrows()]
    paragraphs = [
        (f"1. Onglet « {INDICATORS_SHEET} » : pour chaque objectif des volets de votre contrat que "
         f"l'établissement déclare, saisissez la valeur de l'année {year} dans la colonne « Valeur » (cellules "
         "jaunes). Les autres colonnes sont remplies par l'ARS et protégées.", None),
        ("2. Objectifs « oui / non » : choisissez oui, non ou NC dans la liste. Objectifs chiffrés : saisissez "
         "le nombre dans l'unité indiquée, sans le signe % (62,5 pour 62,5 %).", None),
        ("3. NC signifie « non concerné » : l'objectif sort alors du calcul du degré de réalisation des "
         "objectifs du volet ; justifiez-le dans la colonne « Commentaire ». Un objectif laissé vide est compté "
         "non atteint (0), ce qui réduit l'intéressement du volet.", None),
        ("4. Colonnes « Commentaire » et « Preuves » (facultatives) : précisez la source de la donnée et les "
         "pièces justificatives disponibles (référence du document, date).", None),
        (f"5. Les objectifs de dépenses (en gris) sont calculés à partir des dépenses remboursées par "
         f"l'Assurance Maladie : objectif {year} = dépenses {year - 1} × (1 + taux d'évolution cible) ; les "
         f"économies sont la baisse des dépenses par rapport à {year - 1}. Ils sont donnés pour information : "
         "vous n'avez rien à saisir.", None),
        *closing_paragraphs(campaign, 6),
    ]
    identity_sheet(sheet, campaign, f"Grille d'auto-évaluation CAQES — volets incitatifs, année {year}", rows,
                   paragraphs)
