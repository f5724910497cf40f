"""The report of a second-generation contract (contracts from 1 July 2022): the volets
incitatifs in force, per indicator spending N−1 and N, target rate and objective, savings,
degree of achievement and estimated intéressement, the establishment's targeting, and the
one month it has for its observations. Incentive only: no score, no class, no penalty.

Used by ``notebooks/rapport_contrat.ipynb``, which ``caqes reports`` runs for a campaign with
``generation: 2``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from ..data.dataset import SourceFile
from ..errors import CaqesError
from ..evaluation.money import VoletResults, evaluate_volets
from ..evaluation.region import campaign_source, load_region
from ..evaluation.targeting import referentiel_rows
from ..formats import fmt_euros, fmt_pct
from ..rules.campaign import Campaign, campaign_for_year
from .fragments import Html, french_date, render
from .volet_sections import CHOICE, rate_text, report_section

__all__ = ["ContractReport", "build_contract_report", "header", "method_annex", "synthesis",
           "targeting", "volets"]

OBSERVATIONS = ("Ce rapport d'évaluation est adressé à l'établissement, qui dispose d'un mois à compter de sa "
                "réception pour présenter ses observations à l'ARS et à l'Assurance Maladie. Les montants "
                "sont des estimations : l'intéressement versé est arrêté après ces observations.")
CIBLE = {"oui": "ciblé", "non": "non ciblé", "a_verifier": "à vérifier"}


@dataclass(frozen=True)
class ContractReport:
    """The content of one establishment's second-generation report."""

    finess: str
    annee: int
    campaign: Campaign
    identity: pd.Series
    volets: VoletResults | None      # contracts in force in N (None: none)
    targeting: pd.DataFrame          # TARGETING_COLUMNS of this establishment
    incomplete: tuple[str, ...]      # référentiels not evaluated: a threshold left empty
    sources: tuple[SourceFile, ...]
    toolkit_version: str
    generated_on: dt.date
    phase: int = 2

    @property
    def name(self) -> str:
        return str(self.identity["raison_sociale"])

    @property
    def totals(self) -> pd.DataFrame:
        if self.volets is None:
            return pd.DataFrame(columns=["volet", "economies", "interessement", "atteinte"])
        return self.volets.rows[self.volets.rows["indicateur"] == ""]

    def scores_json(self) -> dict:
        """The figures of the report as plain JSON-ready data (``scores.json``)."""
        def num(x):
            return None if pd.isna(x) else round(float(x), 6)

        totals = self.totals
        bonus = totals["interessement"]
        return {
            "finess": self.finess, "raison_sociale": self.name, "annee": self.annee,
            "campagne": self.campaign.label_for(self.annee), "generation": 2,
            "interessement_total": None if bonus.isna().any() else num(bonus.sum(min_count=1)),
            "volets": [{"volet": r.volet, "atteinte": num(r.atteinte), "economies": num(r.economies),
                        "interessement": num(r.interessement)} for r in totals.itertuples()],
            "ciblage": {r.referentiel: r.cible for r in self.targeting.itertuples()},
            "version_outil": self.toolkit_version,
        }


def build_contract_report(finess: str | int, annee: int, donnees: str | Path, campagne: str | Path,
                          campagne_precedente: str | Path | None = None, today: dt.date | None = None,
                          autre_annee: bool = False, phase: int = 2) -> ContractReport:
    """Compute the content of the second-generation report of ``finess`` for ``annee``
    (``campagne_precedente`` and ``phase`` are accepted for the batch's parameters, unused)."""
    if isinstance(finess, int):
        finess = f"{finess:09d}"
    dataset, campaign = load_region(donnees, campagne)
    if not campaign.second_generation:
        raise CaqesError(f"{campagne} : campagne de première génération ; ce rapport est celui des contrats de "
                         "deuxième génération (generation: 2)")
    campaign_for_year([campaign], annee, autre_annee)
    est = dataset.establishments
    if finess not in set(est["finess"]):
        raise CaqesError(f"FINESS {finess!r} absent de la table etablissements de {donnees}")
    own = dataset.only([finess])
    results = evaluate_volets(own, campaign, annee)
    complete = [i for _, i in campaign.with_referentiel if all(c.below is not None for c in i.referentiel or ())]
    frames = [referentiel_rows(own, campaign, i, annee) for i in complete]
    return ContractReport(
        finess=finess, annee=annee, campaign=campaign, identity=est[est["finess"] == finess].iloc[0],
        volets=None if results.rows.empty else results,
        targeting=pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["finess", "raison_sociale", "annee", "referentiel", "cible", "motif"]),
        incomplete=tuple(i.code for _, i in campaign.with_referentiel if i not in complete),
        sources=(campaign_source(campaign), *dataset.sources),
        toolkit_version=__version__, generated_on=today or dt.date.today(), phase=phase)


def header(r: ContractReport) -> Html:
    """Identity of the establishment, campaign, year, date and the notice of another year's rules."""
    from .sections import other_rules_notice

    i = r.identity
    html = render("contract_header", {
        "raison_sociale": r.name, "finess": r.finess, "region": i["region"],
        "activites": str(i["activites"]).replace(";", ", "), "campagne": r.campaign.label_for(r.annee),
        "annee": r.annee, "date": french_date(r.generated_on)})
    notice = r.campaign.other_year_notice(r.annee)
    return Html(html + other_rules_notice(notice)) if notice else html


def synthesis(r: ContractReport) -> Html:
    """Contracts in force, total savings and estimated intéressement, and the month for observations."""
    totals = r.totals
    known = not totals.empty and not totals["interessement"].isna().any()
    kpis = [("Contrats en vigueur", str(len(totals))),
            (f"Économies constatées en {r.annee}", fmt_euros(totals["economies"].sum(min_count=1)) if known else "—"),
            ("Intéressement estimé", fmt_euros(totals["interessement"].sum(min_count=1)) if known else "—")]
    if totals.empty:
        sentences = [f"L'établissement n'a pas de contrat de volet incitatif en vigueur en {r.annee} : "
                     "aucun intéressement n'est calculé."]
    else:
        sentences = [f"Volet « {r.campaign.volet_by_code[t.volet].label} » : économies {fmt_euros(t.economies)}, "
                     f"degré de réalisation des objectifs {fmt_pct(t.atteinte, 0)}, intéressement estimé "
                     f"{fmt_euros(t.interessement)}." for t in totals.itertuples()]
    sentences.append("L'évaluation annuelle, conduite conjointement par l'ARS et l'Assurance Maladie, conduit "
                     "à un intéressement, en fonction des économies constatées et du degré de réalisation des "
                     "objectifs ; elle n'entraîne aucune pénalité.")
    return render("contract_synthesis", {"kpis": kpis, "sentences": sentences, "observations": OBSERVATIONS})


def volets(r: ContractReport) -> Html:
    """The volets incitatifs in force, per indicator (reuses the volets section)."""
    return report_section(r.volets, r.finess)


def targeting(r: ContractReport) -> Html:
    """The establishment's outcome on each référentiel of year N, and the values that decided it."""
    rows = [{"code": t.referentiel, "cible": CIBLE[t.cible], "motif": t.motif} for t in r.targeting.itertuples()]
    notes = [f"Un établissement respecte un référentiel dès qu'une de ses conditions est remplie ; il est ciblé "
             f"quand aucune ne l'est (valeurs de {r.annee}) ; « à vérifier » quand une donnée manque."]
    if r.incomplete:
        notes.append("Référentiels non évalués (seuil à compléter par la région dans le fichier de campagne) : "
                     + ", ".join(r.incomplete) + ".")
    return render("contract_targeting", {"annee": r.annee, "rows": rows, "notes": notes})


def method_annex(r: ContractReport) -> Html:
    """How the figures were computed, with the campaign's parameters and their sources."""
    c = r.campaign
    lines = [{"code": i.code, "libelle": i.label, "taux": rate_text(i) if i.target_rate is not None else "à compléter"}
             for v in c.volets for i in v.expenses]
    paragraphs = [
        "Pour chaque indicateur de dépense d'un volet en vigueur l'année N : objectif N = dépenses N−1 × "
        "(1 + taux cible) ; évolution = dépenses N / dépenses N−1 − 1 ; économies = max(0, dépenses N−1 − "
        "dépenses N), mesurées sur l'année civile par rapport à l'année précédente.",
        "Degré de réalisation A du volet = moyenne pondérée des scores de ses objectifs notés (100 % sans objectif "
        "noté). Intéressement estimé = part d'intéressement × économies × A, versé par le fonds d'intervention "
        "régional (FIR).",
        *(f"Volet « {v.label} » : part d'intéressement "
          f"{fmt_pct(v.share_savings, 0) if v.share_savings is not None else 'à compléter'}. {v.source}."
          for v in c.volets),
        CHOICE,
    ]
    return render("contract_annex", {"paragraphs": paragraphs, "lines": lines})
