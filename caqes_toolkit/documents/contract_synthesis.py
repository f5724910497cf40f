"""The regional synthesis of second-generation contracts (``caqes synthese`` with a campaign of
``generation: 2``): contracts in force, savings and estimated intéressement totalled by volet and
indicator, and the establishments the référentiels target. Internal to the ARS (names them).

Used by ``notebooks/synthese_contrats.ipynb``. Long lists (contracts, targeted establishments)
show their first :data:`N_LISTED` rows; the companion workbook holds them all
(:mod:`caqes_toolkit.documents.synthesis_workbook`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.dataset import SourceFile
from ..evaluation.money import VoletResults, evaluate_volets
from ..evaluation.region import campaign_source, load_region, select_region
from ..evaluation.targeting import referentiel_rows
from ..formats import fmt_euros as euros
from ..formats import fmt_pct
from ..rules.campaign import Campaign, campaign_for_year
from .contract_report import CIBLE
from .fragments import Html, french_date, render
from .synthesis_workbook import SHEETS, more_note, workbook_name
from .volet_sections import CHOICE

__all__ = ["ContractSynthesis", "build_contract_synthesis", "by_indicator", "contracts", "header", "key_figures",
           "provenance", "targeted"]

N_LISTED = 15  # rows of a long list shown in the document (the workbook has them all)


@dataclass(frozen=True)
class ContractSynthesis:
    """Content of the second-generation synthesis of one year."""

    annee: int
    region: str
    campaign: Campaign
    names: dict[str, str]
    volets: VoletResults
    targeting: pd.DataFrame        # TARGETING_COLUMNS, every establishment of the region
    incomplete: tuple[str, ...]    # référentiels not evaluated (a threshold left empty)
    sources: tuple[SourceFile, ...]
    generated_on: dt.date

    @property
    def totals(self) -> pd.DataFrame:
        return self.volets.rows[self.volets.rows["indicateur"] == ""]

    @property
    def lines(self) -> pd.DataFrame:
        return self.volets.rows[self.volets.rows["indicateur"] != ""]


def build_contract_synthesis(annee: int, donnees: str | Path, campagne: str | Path, region: str = "",
                             today: dt.date | None = None, autre_annee: bool = False) -> ContractSynthesis:
    """Compute the synthesis of ``region`` (default: the region of the data, if there is only one)."""
    dataset, campaign = load_region(donnees, campagne)
    campaign_for_year([campaign], annee, autre_annee)
    region = select_region(dataset, region)
    es = dataset.establishments[dataset.establishments["region"] == region]
    own = dataset.only(list(es["finess"]))
    complete = [i for _, i in campaign.with_referentiel if all(c.below is not None for c in i.referentiel or ())]
    frames = [referentiel_rows(own, campaign, i, annee) for i in complete]
    return ContractSynthesis(
        annee=annee, region=region, campaign=campaign, names=dict(zip(es["finess"], es["raison_sociale"])),
        volets=evaluate_volets(own, campaign, annee),
        targeting=pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["finess", "raison_sociale", "annee", "referentiel", "cible", "motif"]),
        incomplete=tuple(i.code for _, i in campaign.with_referentiel if i not in complete),
        sources=(campaign_source(campaign), *dataset.sources),
        generated_on=today or dt.date.today())


def _sum(values: pd.Series) -> str:
    """Sum in euros; « — » when any is unknown (never a partial total shown as whole)."""
    return "—" if values.empty or values.isna().any() else euros(values.sum(), 0)


def header(s: ContractSynthesis) -> Html:
    from .sections import other_rules_notice

    html = render("contract_synthesis_header", {
        "region": s.region, "campagne": s.campaign.label_for(s.annee), "annee": s.annee,
        "date": french_date(s.generated_on), "n": len(s.totals)})
    notice = s.campaign.other_year_notice(s.annee)
    return Html(html + other_rules_notice(notice)) if notice else html


def key_figures(s: ContractSynthesis) -> Html:
    t, target = s.totals, s.targeting
    out = [f"{len(t)} contrat(s) de volet incitatif en vigueur en {s.annee}, pour {t['finess'].nunique()} "
           "établissement(s).",
           f"Économies constatées par rapport à {s.annee - 1} : {_sum(t['economies'])} ; intéressement estimé : "
           f"{_sum(t['interessement'])}.",
           f"Ciblage {s.annee} : {int((target['cible'] == 'oui').sum())} ciblage(s) (établissement × référentiel), "
           f"{int((target['cible'] == 'a_verifier').sum())} à vérifier.",
           "L'évaluation conduit à un intéressement seulement ; chaque établissement dispose d'un mois pour "
           "présenter ses observations sur son rapport.",
           f"Listes complètes : classeur {workbook_name(s.annee)} (onglets « {SHEETS['contracts']} », "
           f"« {SHEETS['targeting']} »)."]
    return render("bullets", out)


def by_indicator(s: ContractSynthesis) -> Html:
    """Savings and intéressement totalled by volet and indicator, then by volet."""
    rows = []
    for volet in s.campaign.volets:
        lines = s.lines[s.lines["volet"] == volet.code]
        for line in volet.expenses:
            mine = lines[lines["indicateur"] == line.code]
            if not mine.empty:
                rows.append([volet.code, line.code, str(len(mine)), _sum(mine["montant_reference"]),
                             _sum(mine["montant"]), _sum(mine["economies"]), _sum(mine["interessement"])])
        total = s.totals[s.totals["volet"] == volet.code]
        if not total.empty:
            rows.append([volet.code, "total du volet", str(len(total)), "", "", _sum(total["economies"]),
                         _sum(total["interessement"])])
    return render("plain_table", {
        "headers": ["Volet", "Indicateur", "Contrats", f"Dépenses {s.annee - 1}", f"Dépenses {s.annee}",
                    "Économies", "Intéressement estimé"],
        "rows": rows, "numeric": [2, 3, 4, 5, 6], "empty": f"Aucun contrat en vigueur en {s.annee}.",
        "notes": ["Intéressement de la ligne = part d'intéressement × économies de la ligne × degré de réalisation "
                  "des objectifs du volet ; « — » quand un montant manque.", CHOICE]})


def contracts(s: ContractSynthesis) -> Html:
    """One row per contract in force (the first :data:`N_LISTED`, by volet then FINESS)."""
    order = {v.code: k for k, v in enumerate(s.campaign.volets)}
    t = s.totals.assign(_o=s.totals["volet"].map(order)).sort_values(["_o", "finess"])
    rows = [[r.finess, s.names.get(r.finess, ""), r.volet,
             f"{pd.Timestamp(r.date_debut):%d/%m/%Y} – "
             + (f"{pd.Timestamp(r.date_fin):%d/%m/%Y}" if pd.notna(r.date_fin) else "sans fin"),
             fmt_pct(r.atteinte, 0), euros(r.economies, 0), euros(r.interessement, 0)]
            for r in t.head(N_LISTED).itertuples()]
    return render("plain_table", {
        "headers": ["FINESS", "Établissement", "Volet", "Contrat", "Réalisation des objectifs", "Économies",
                    "Intéressement estimé"],
        "rows": rows, "numeric": [4, 5, 6], "empty": f"Aucun contrat en vigueur en {s.annee}.",
        "notes": _more(len(rows), len(t), "contracts", s.annee)})


def targeted(s: ContractSynthesis) -> Html:
    """Establishments targeted (or to check) by each référentiel, with the values that decided
    (the first :data:`N_LISTED`: targeted before « to check »)."""
    t = s.targeting[s.targeting["cible"] != "non"]
    order = {c: k for k, c in enumerate(t["referentiel"].drop_duplicates())}
    t = t.assign(_o=t["referentiel"].map(order), _c=np.where(t["cible"] == "oui", 0, 1)).sort_values(
        ["_c", "_o", "finess"])
    under = set(zip(s.totals["finess"], s.totals["volet"]))
    volet_of = {i.code: v.code for v, i in s.campaign.with_referentiel if v is not None}
    rows = [[r.referentiel, r.finess, s.names.get(r.finess, ""), CIBLE[r.cible], r.motif,
             "oui" if (r.finess, volet_of.get(r.referentiel)) in under else "non"]
            for r in t.head(N_LISTED).itertuples()]
    counts = t["cible"].value_counts()
    notes = [f"{int(counts.get('oui', 0))} ciblage(s), {int(counts.get('a_verifier', 0))} à vérifier.",
             *_more(len(rows), len(t), "targeting", s.annee),
             "Ciblé : aucune condition du référentiel n'est remplie ; à vérifier : aucune ne l'est avec "
             "certitude mais une donnée manque. La liste complète (avec les établissements non ciblés) : "
             "caqes ciblage."]
    if s.incomplete:
        notes.append("Référentiels non évalués (seuil à compléter par la région) : " + ", ".join(s.incomplete) + ".")
    return render("plain_table", {
        "headers": ["Référentiel", "FINESS", "Établissement", "Ciblage", "Valeurs qui décident", "Sous contrat"],
        "rows": rows, "numeric": [], "empty": "Aucun établissement ciblé.", "notes": notes})


def _more(shown: int, total: int, sheet: str, annee: int) -> list[str]:
    note = more_note(shown, total, sheet, annee)
    return [note] if note else []


def provenance(s: ContractSynthesis) -> Html:
    from .. import __version__

    return render("provenance", {
        "date": french_date(s.generated_on), "version": __version__,
        "files": [{"name": f.name, "sha256": f.sha256} for f in s.sources],
        "confidentiality": "Document interne à l'ARS : il nomme les établissements. Ne pas diffuser tel quel.",
    })
