"""The workbook that accompanies a synthesis: every row of the lists the PDF only begins.

A synthesis of 3,000 establishments cannot print every establishment proposed for a sanction or
every incomplete return; it shows the first ones and names the workbook and sheet that hold them
all. The workbook (``synthese_regionale_<année>.xlsx``, beside the synthesis) is written with
:func:`caqes_toolkit.outputs.write_table`: atomically, every text a text (never a formula).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..outputs import write_table

if TYPE_CHECKING:  # the syntheses import this module for its names
    from .contract_synthesis import ContractSynthesis
    from .synthesis import RegionalSynthesis

__all__ = ["SHEETS", "contract_sheets", "more_note", "regional_sheets", "synthesis_stem", "workbook_name",
           "write_workbook"]

#: Sheet names, by the list they hold.
SHEETS = {
    "establishments": "Établissements",
    "sanctions": "Sanctions",
    "incomplete": "Incomplets",
    "missing": "Sans données",
    "indicators": "Indicateurs",
    "contracts": "Contrats",
    "targeting": "Ciblage",
}


def synthesis_stem(annee: int) -> str:
    """File name, without suffix, of a synthesis and of its workbook."""
    return f"synthese_regionale_{annee}"


def workbook_name(annee: int) -> str:
    return f"{synthesis_stem(annee)}.xlsx"


def more_note(shown: int, total: int, sheet: str, annee: int) -> str:
    """« … et 285 autres : voir le classeur …xlsx, onglet Sanctions. » ("" when all are shown)."""
    rest = total - shown
    if rest <= 0:
        return ""
    others = "autre" if rest == 1 else "autres"
    return (f"… et {rest} {others} (liste complète de {total} : voir le classeur {workbook_name(annee)}, "
            f"onglet « {SHEETS[sheet]} »).")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map({True: "oui", False: "non"})


def regional_sheets(s: RegionalSynthesis) -> dict[str, pd.DataFrame]:
    """Every establishment, and each long list of the regional synthesis, in full."""
    t = s.table
    establishments = pd.DataFrame({
        "FINESS": t["finess"], "Établissement": t["raison_sociale"], "Activités": t["activites"],
        "Liste en sus": _yes_no(t["liste_en_sus"]),
        f"Score global {s.annee} (%)": t["score_global"], "Classe": t["classe"],
        f"Score global T0 {s.campaign.t0_year} (%)": t["score_global_t0"],
        "Évolution depuis le T0 (points)": t["evolution_t0"],
        f"Score global {s.annee - 1} (%)": t["score_global_n1"],
        f"Évolution depuis {s.annee - 1} (points)": t["evolution_n1"],
        "Rang régional": t["rang_regional"],
        "Sanction proposée": _yes_no(t["sanction_proposee"]),
        "Produits Assurance Maladie (€)": t["produits_am"],
        "Plafond estimé de la sanction (€)": t["plafond_sanction"],
        "Indicateurs non renseignés": t["nb_non_renseignes"],
    })
    proposed = establishments[t["sanction_proposee"].to_numpy()].sort_values(f"Score global {s.annee} (%)")
    incomplete = establishments[(t["nb_non_renseignes"] > 0).to_numpy()].sort_values(
        "Indicateurs non renseignés", ascending=False, kind="stable")
    keep = ["FINESS", "Établissement", f"Score global {s.annee} (%)", "Classe"]
    a = s.achievement
    indicators = pd.DataFrame({
        "Code": a["indicateur"], "Indicateur": a["libelle"], "Chapitre": a["chapitre"],
        "Établissements concernés": a["applicable"], "Atteint": a["atteint"],
        "Taux d'atteinte (%)": a["taux_atteinte"], "Non renseigné": a["non_renseigne"],
        "Points perdus (moyenne)": a["points_perdus"],
    })
    return {
        SHEETS["establishments"]: establishments,
        SHEETS["sanctions"]: proposed[[*keep, "Produits Assurance Maladie (€)", "Plafond estimé de la sanction (€)"]],
        SHEETS["incomplete"]: incomplete[[*keep, "Indicateurs non renseignés"]],
        SHEETS["missing"]: s.missing.rename(columns={"finess": "FINESS", "raison_sociale": "Établissement"}),
        SHEETS["indicators"]: indicators,
    }


def contract_sheets(s: ContractSynthesis) -> dict[str, pd.DataFrame]:
    """Every contract in force and every establishment a référentiel targets (or asks to check)."""
    from .contract_report import CIBLE

    t = s.totals.sort_values(["volet", "finess"])
    contracts = pd.DataFrame({
        "FINESS": t["finess"], "Établissement": t["finess"].map(s.names), "Volet": t["volet"],
        "Début": pd.to_datetime(t["date_debut"]).dt.date, "Fin": pd.to_datetime(t["date_fin"]).dt.date,
        "Réalisation des objectifs (%)": t["atteinte"], "Économies (€)": t["economies"],
        "Intéressement estimé (€)": t["interessement"],
    })
    g = s.targeting[s.targeting["cible"] != "non"].sort_values(["referentiel", "cible", "finess"])
    targeting = pd.DataFrame({
        "Référentiel": g["referentiel"], "FINESS": g["finess"], "Établissement": g["finess"].map(s.names),
        "Ciblage": g["cible"].map(CIBLE), "Valeurs qui décident": g["motif"],
    })
    return {SHEETS["contracts"]: contracts, SHEETS["targeting"]: targeting}


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the companion workbook (atomically; texts never formulas)."""
    write_table({name: df.reset_index(drop=True) for name, df in sheets.items()}, path)
    return Path(path)
