"""The documents of a second-generation campaign (contracts from 1 July 2022): incentive only, no
score, no class, no penalty.

* The establishment's report (:func:`build_contract_report`, ``notebooks/rapport_contrat.ipynb``):
  the volets incitatifs in force, per indicator spending N−1 and N, target rate and objective,
  savings, degree of achievement and estimated intéressement, the establishment's targeting, and the
  one month it has for its observations.
* The regional synthesis (:func:`build_contract_synthesis`, ``notebooks/synthese_contrats.ipynb``):
  contracts in force, savings and intéressement totalled by volet and indicator, the establishments
  the référentiels target; internal to the ARS (names them). Long lists show their first
  :data:`N_LISTED` rows, the companion workbook (:func:`workbook_sheets`) holds them all.
* The method document (:func:`method_html`): the référentiels, the savings and intéressement rules
  with every parameter and its source, the values the region must fill, and a worked example
  computed by the engine (:func:`caqes_toolkit.evaluation.money.evaluate_volets`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..data.dataset import Dataset, SourceFile
from ..errors import CaqesError
from ..evaluation.money import VoletResults, evaluate_volets
from ..evaluation.region import campaign_source, load_region, select_region
from ..evaluation.targeting import referentiel_rows
from ..formats import fmt_euros, fmt_num, fmt_pct, french_spacing_html, plural
from ..rules.campaign import Campaign, campaign_for_year
from ..rules.objectives import Condition, Volet, VoletIndicator
from .examples import EXAMPLE_FINESS, example_dataset, example_establishments
from .fragments import REPORT_READERS, SYNTHESIS_READERS, Html, french_date, provenance, render, with_other_rules_notice
from .rule_texts import RULES, rate_text
from .synthesis_workbook import SHEETS, more_notes, workbook_name
from .templating import environment
from .vocabulary import TARGETING, YES_NO, volet_label
from .volets import MARKS, Presentation, report_section, spending_facts

__all__ = ["INCENTIVE", "ContractReport", "ContractSynthesis", "build_contract_report",
           "build_contract_synthesis", "by_indicator", "contracts", "header", "key_figures", "method_annex",
           "method_html", "report_provenance", "synthesis", "synthesis_header", "synthesis_provenance", "targeted",
           "targeting", "volets", "workbook_sheets"]

OBSERVATIONS = ("Ce rapport d'évaluation est adressé à l'établissement, qui dispose d'un mois à compter de sa "
                "réception pour présenter ses observations à l'ARS et à l'Assurance Maladie. Les montants "
                "sont des estimations : l'intéressement versé est arrêté après ces observations.")
N_LISTED = 15  # rows of a long list shown in the synthesis (the workbook has them all)
#: The worked example of the method: spending of N − 1 and N, rate and share when the campaign leaves them empty.
EXAMPLE_SPENDING = (200_000.0, 185_000.0)
EXAMPLE_SHARE = 25.0
EXAMPLE_RATE = -5.0
_TARGETING_COLUMNS = ["finess", "raison_sociale", "annee", "referentiel", "cible", "motif"]


def _targeting(dataset: Dataset, campaign: Campaign, annee: int) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Every establishment of ``dataset`` on each référentiel whose thresholds are filled, and the
    référentiels not evaluated (a threshold left empty)."""
    complete = [i for _, i in campaign.with_referentiel if all(c.below is not None for c in i.referentiel or ())]
    frames = [referentiel_rows(dataset, campaign, i, annee) for i in complete]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_TARGETING_COLUMNS)
    return table, tuple(i.code for _, i in campaign.with_referentiel if i not in complete)


def _num(x: Any) -> float | None:
    return None if pd.isna(x) else round(float(x), 6)


# --- the establishment's report ----------------------------------------------------------------


def _incentive_facts(results: VoletResults, row: Any, line: VoletIndicator, year: int) -> list[tuple[str, str]]:
    """Incentive only: the rate, the savings and the line's share."""
    facts = spending_facts(row, year)
    facts.insert(1, ("Taux d'évolution cible", rate_text(line)))
    return [*facts, (f"Économies par rapport à {year - 1}", fmt_euros(row.economies)),
            ("Intéressement estimé de la ligne", fmt_euros(row.interessement))]


def _incentive_basis(results: VoletResults, volet: Volet, total: Any, year: int) -> list[str]:
    """What a second-generation intéressement rests on."""
    return [f"Cet intéressement repose sur : la part de {fmt_pct(volet.share_savings, 0)} des économies fixée "
            f"par la région ; les économies constatées sur l'année civile {year} par rapport à {year - 1} "
            "(dépenses remboursées par l'Assurance Maladie) ; le degré de réalisation des objectifs du volet "
            f"({fmt_pct(total.atteinte, 0)}). C'est une estimation : le montant versé par le fonds "
            "d'intervention régional (FIR) est arrêté par l'ARS et l'Assurance Maladie après les observations "
            "de l'établissement."]


#: The volets incitatifs of a report: two years only (N − 1 and N), the table says it all.
INCENTIVE = Presentation(
    title="Volets incitatifs",
    intro=lambda n, year: (f"L'établissement a {plural(n, 'contrat de volet incitatif')} en vigueur en {year}. Pour "
                           f"chaque indicateur : dépenses {year - 1} et {year}, taux d'évolution cible et "
                           "objectif, économies et intéressement estimé. Le degré de réalisation des objectifs "
                           "d'un volet est la moyenne pondérée des scores de ses objectifs notés (100 % sans "
                           "objectif noté)."),
    line_facts=_incentive_facts, money_notes=_incentive_basis, line_charts=False)


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
        totals = self.totals
        bonus = totals["interessement"]
        return {
            "finess": self.finess, "raison_sociale": self.name, "annee": self.annee,
            "campagne": self.campaign.label_for(self.annee), "generation": self.campaign.generation,
            "interessement_total": None if bonus.isna().any() else _num(bonus.sum(min_count=1)),
            "volets": [{"volet": r.volet, "atteinte": _num(r.atteinte), "economies": _num(r.economies),
                        "interessement": _num(r.interessement)} for r in totals.itertuples()],
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
    if campaign.chapters:
        raise CaqesError(f"{campagne} : campagne de première génération ; ce rapport est celui des contrats de "
                         "deuxième génération (generation: 2)")
    campaign_for_year([campaign], annee, autre_annee)
    est = dataset.establishments
    if finess not in set(est["finess"]):
        raise CaqesError(f"FINESS {finess!r} absent de la table etablissements de {donnees}")
    own = dataset.only([finess])
    results = evaluate_volets(own, campaign, annee)
    targeted, incomplete = _targeting(own, campaign, annee)
    return ContractReport(
        finess=finess, annee=annee, campaign=campaign, identity=est[est["finess"] == finess].iloc[0],
        volets=None if results.rows.empty else results, targeting=targeted, incomplete=incomplete,
        sources=(campaign_source(campaign), *dataset.sources),
        toolkit_version=__version__, generated_on=today or dt.date.today(), phase=phase)


def header(r: ContractReport) -> Html:
    """Identity of the establishment, campaign, year, date and the notice of another year's rules."""
    i = r.identity
    html = render("contract_header", {
        "raison_sociale": r.name, "finess": r.finess, "region": i["region"],
        "activites": str(i["activites"]).replace(";", ", "), "campagne": r.campaign.label_for(r.annee),
        "annee": r.annee, "date": french_date(r.generated_on)})
    return with_other_rules_notice(html, r.campaign, r.annee)


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
    """The volets incitatifs in force, per indicator."""
    return report_section(r.volets, r.finess, INCENTIVE)


def targeting(r: ContractReport) -> Html:
    """The establishment's outcome on each référentiel of year N, and the values that decided it."""
    rows = [{"code": t.referentiel, "cible": TARGETING[t.cible], "motif": t.motif} for t in r.targeting.itertuples()]
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
        MARKS,
    ]
    return render("contract_annex", {"paragraphs": paragraphs, "lines": lines})


def report_provenance(r: ContractReport) -> Html:
    """Toolkit version, SHA-256 of the campaign and input files, date of generation."""
    return provenance(r.generated_on, r.toolkit_version, r.sources, REPORT_READERS)


# --- the regional synthesis ---------------------------------------------------------------------


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
    targeted, incomplete = _targeting(own, campaign, annee)
    return ContractSynthesis(
        annee=annee, region=region, campaign=campaign, names=dict(zip(es["finess"], es["raison_sociale"])),
        volets=evaluate_volets(own, campaign, annee), targeting=targeted, incomplete=incomplete,
        sources=(campaign_source(campaign), *dataset.sources), generated_on=today or dt.date.today())


def _sum(values: pd.Series) -> str:
    """Sum in euros; « — » when any is unknown (never a partial total shown as whole)."""
    return "—" if values.empty or values.isna().any() else fmt_euros(values.sum(), 0)


def synthesis_header(s: ContractSynthesis) -> Html:
    html = render("contract_synthesis_header", {
        "region": s.region, "campagne": s.campaign.label_for(s.annee), "annee": s.annee,
        "date": french_date(s.generated_on), "n": len(s.totals)})
    return with_other_rules_notice(html, s.campaign, s.annee)


def key_figures(s: ContractSynthesis) -> Html:
    t, target = s.totals, s.targeting
    out = [f"{plural(len(t), 'contrat de volet incitatif')} en vigueur en {s.annee}, pour "
           f"{plural(t['finess'].nunique(), 'établissement')}.",
           f"Économies constatées par rapport à {s.annee - 1} : {_sum(t['economies'])} ; intéressement estimé : "
           f"{_sum(t['interessement'])}.",
           f"Ciblage {s.annee} : {plural(int((target['cible'] == 'oui').sum()), 'ciblage')} (établissement × "
           f"référentiel), {int((target['cible'] == 'a_verifier').sum())} à vérifier.",
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
                rows.append([volet.label, line.code, str(len(mine)), _sum(mine["montant_reference"]),
                             _sum(mine["montant"]), _sum(mine["economies"]), _sum(mine["interessement"])])
        total = s.totals[s.totals["volet"] == volet.code]
        if not total.empty:
            rows.append([volet.label, "total du volet", str(len(total)), "", "", _sum(total["economies"]),
                         _sum(total["interessement"])])
    return render("plain_table", {
        "headers": ["Volet", "Indicateur", "Contrats", f"Dépenses {s.annee - 1}", f"Dépenses {s.annee}",
                    "Économies", "Intéressement estimé"],
        "rows": rows, "numeric": [2, 3, 4, 5, 6], "empty": f"Aucun contrat en vigueur en {s.annee}.",
        "notes": ["Intéressement de la ligne = part d'intéressement × économies de la ligne × degré de réalisation "
                  "des objectifs du volet ; « — » quand un montant manque.", MARKS]})


def contracts(s: ContractSynthesis) -> Html:
    """One row per contract in force (the first :data:`N_LISTED`, by volet then FINESS)."""
    order = {v.code: k for k, v in enumerate(s.campaign.volets)}
    t = s.totals.assign(_o=s.totals["volet"].map(order)).sort_values(["_o", "finess"])
    rows = [[r.finess, s.names.get(r.finess, ""), volet_label(s.campaign, r.volet),
             f"{pd.Timestamp(r.date_debut):%d/%m/%Y} – "
             + (f"{pd.Timestamp(r.date_fin):%d/%m/%Y}" if pd.notna(r.date_fin) else "sans fin"),
             fmt_pct(r.atteinte, 0), fmt_euros(r.economies, 0), fmt_euros(r.interessement, 0)]
            for r in t.head(N_LISTED).itertuples()]
    return render("plain_table", {
        "headers": ["FINESS", "Établissement", "Volet", "Contrat", "Réalisation des objectifs", "Économies",
                    "Intéressement estimé"],
        "rows": rows, "numeric": [4, 5, 6], "empty": f"Aucun contrat en vigueur en {s.annee}.",
        "notes": more_notes(len(rows), len(t), "contracts", s.annee)})


def targeted(s: ContractSynthesis) -> Html:
    """Establishments targeted (or to check) by each référentiel, with the values that decided
    (the first :data:`N_LISTED`: targeted before « to check »)."""
    t = s.targeting[s.targeting["cible"] != "non"]
    order = {c: k for k, c in enumerate(t["referentiel"].drop_duplicates())}
    t = t.assign(_o=t["referentiel"].map(order), _c=np.where(t["cible"] == "oui", 0, 1)).sort_values(
        ["_c", "_o", "finess"])
    under = set(zip(s.totals["finess"], s.totals["volet"]))
    volet_of = {i.code: v.code for v, i in s.campaign.with_referentiel if v is not None}
    rows = [[r.referentiel, r.finess, s.names.get(r.finess, ""), TARGETING[r.cible], r.motif,
             YES_NO[(r.finess, volet_of.get(r.referentiel)) in under]]
            for r in t.head(N_LISTED).itertuples()]
    counts = t["cible"].value_counts()
    notes = [f"{plural(int(counts.get('oui', 0)), 'ciblage')}, {int(counts.get('a_verifier', 0))} à vérifier.",
             *more_notes(len(rows), len(t), "targeting", s.annee),
             "Ciblé : aucune condition du référentiel n'est remplie ; à vérifier : aucune ne l'est avec "
             "certitude mais une donnée manque. La liste complète (avec les établissements non ciblés) : "
             "caqes ciblage."]
    if s.incomplete:
        notes.append("Référentiels non évalués (seuil à compléter par la région) : " + ", ".join(s.incomplete) + ".")
    return render("plain_table", {
        "headers": ["Référentiel", "FINESS", "Établissement", "Ciblage", "Valeurs qui décident", "Sous contrat"],
        "rows": rows, "numeric": [], "empty": "Aucun établissement ciblé.", "notes": notes})


def synthesis_provenance(s: ContractSynthesis) -> Html:
    return provenance(s.generated_on, __version__, s.sources, SYNTHESIS_READERS)


def workbook_sheets(s: ContractSynthesis) -> dict[str, pd.DataFrame]:
    """Every contract in force and every establishment a référentiel targets (or asks to check)."""
    t = s.totals.sort_values(["volet", "finess"])
    listed = pd.DataFrame({
        "FINESS": t["finess"], "Établissement": t["finess"].map(s.names),
        "Volet": t["volet"].map(lambda code: volet_label(s.campaign, code)),
        "Début": pd.to_datetime(t["date_debut"]).dt.date, "Fin": pd.to_datetime(t["date_fin"]).dt.date,
        "Réalisation des objectifs (%)": t["atteinte"], "Économies (€)": t["economies"],
        "Intéressement estimé (€)": t["interessement"],
    })
    g = s.targeting[s.targeting["cible"] != "non"].sort_values(["referentiel", "cible", "finess"])
    flagged = pd.DataFrame({
        "Référentiel": g["referentiel"], "FINESS": g["finess"], "Établissement": g["finess"].map(s.names),
        "Ciblage": g["cible"].map(TARGETING), "Valeurs qui décident": g["motif"],
    })
    return {SHEETS["contracts"]: listed, SHEETS["targeting"]: flagged}


# --- the method document -----------------------------------------------------------------------


def _condition_text(campaign: Campaign, c: Condition) -> str:
    found = campaign.volet_indicators.get(c.indicator) if c.indicator else None
    unit = "€" if c.expense else found[1].unit if found else None
    limit = "à compléter" if c.below is None else fmt_num(c.below, 2, trim=True, unit=unit)
    return f"dépense {c.expense} < {limit}" if c.expense else f"{c.indicator} < {limit}"


def _example_campaign(campaign: Campaign, line: VoletIndicator, volet: Volet) -> tuple[Campaign, float, float]:
    """A one-line campaign for the example: the line's rate and the volet's share, or the method's
    example values where the campaign leaves them empty."""
    rate = line.target_rate if isinstance(line.target_rate, int | float) else EXAMPLE_RATE
    share = volet.share_savings if volet.share_savings is not None else EXAMPLE_SHARE
    example = Campaign.model_validate({
        "campagne": campaign.name, "generation": 2,
        "volets": [{"code": volet.code, "libelle": volet.label, "part_interessement": share, "indicateurs": [
            {"code": line.code, "libelle": line.label, "portee": line.scope, "regle": "depense",
             "poste": line.expense, "taux_cible": rate, "reference": "annee_precedente"}]}]})
    return example, rate, share


def _worked_example(campaign: Campaign, year: int = 2023) -> dict:
    """Spending 200 000 € in N − 1 and 185 000 € in N, every objective met (A = 1): the objective,
    savings, growth and intéressement as :func:`evaluate_volets` computes them."""
    volet, line = next((v, i) for v in campaign.volets for i in v.expenses)
    example, rate, share = _example_campaign(campaign, line, volet)
    data = example_dataset(
        establishments=example_establishments(income=np.nan),
        contracts={"finess": [EXAMPLE_FINESS], "volet": volet.code, "date_debut": [pd.Timestamp(year - 1, 7, 1)]},
        expenses={"finess": EXAMPLE_FINESS, "annee": [year - 1, year], "poste": line.expense,
                  "montant": list(EXAMPLE_SPENDING)})
    row = evaluate_volets(data, example, year).rows.iloc[0]
    given = []
    if line.target_rate is None:
        given.append(f"taux de {fmt_num(rate, 2, trim=True, unit='%')} pris pour l'exemple")
    if volet.share_savings is None:
        given.append(f"part de {fmt_num(share, 2, trim=True, unit='%')} prise pour l'exemple "
                     "(la campagne la laisse à compléter)")
    n1, n = (fmt_euros(x) for x in EXAMPLE_SPENDING)
    return {
        "intro": (f"Indicateur {line.code} ({line.label}), contrat signé le 01/07/{year - 1}, évaluation {year} ; "
                  "objectifs du volet tous atteints (A = 100 %)" + (f" ; {', '.join(given)}" if given else "") + "."),
        "rows": [
            (f"Dépenses {year - 1} (référence : année précédente)", n1),
            (f"Dépenses {year}", n),
            (f"Objectif {year} = {fmt_num(EXAMPLE_SPENDING[0], 2, trim=True)} × (1 {'−' if rate < 0 else '+'} "
             f"{fmt_num(abs(rate), 2, trim=True, unit='%')})", fmt_euros(row["objectif"])),
            (f"Évolution {year - 1} → {year}", fmt_pct(row["evolution"], 2, sign=True)),
            (f"Économies = dépenses {year - 1} − dépenses {year}", fmt_euros(row["economies"])),
            ("Degré de réalisation des objectifs A", fmt_pct(row["atteinte"], 0)),
            (f"Intéressement estimé = {fmt_num(share, 2, trim=True, unit='%')} × {fmt_euros(row['economies'])} × "
             f"{fmt_pct(row['atteinte'], 0)}", fmt_euros(row["interessement"])),
        ]}


def _todo(campaign: Campaign) -> list[str]:
    """Every key the campaign leaves empty."""
    out = []
    for v in campaign.volets:
        if v.share_savings is None:
            out.append(f"volets[{v.code}].part_interessement")
        for i in v.indicators:
            if i.rule == "depense" and i.target_rate is None:
                out.append(f"volets[{v.code}].indicateurs[{i.code}].taux_cible")
            out += [f"volets[{v.code}].indicateurs[{i.code}].referentiel[{k}].inferieur_a"
                    for k, c in enumerate(i.referentiel or ()) if c.below is None]
    return out


def _method_content(campaign: Campaign) -> dict:
    """The content of ``methode_contrat.html.j2``."""
    expenses = [(v, i) for v in campaign.volets for i in v.expenses]
    return {
        "title": f"Méthode d'évaluation de la campagne {campaign.name}",
        "facts": [("Campagne", campaign.name), ("Génération", "2 (contrats signés à partir du 1er juillet 2022)"),
                  ("Volets incitatifs", str(len(campaign.volets))),
                  ("Référentiels de ciblage", str(len(campaign.with_referentiel)))],
        "principle": [
            "Seuls les établissements ciblés par un référentiel signent un contrat, pour 5 ans au plus, sur des "
            "volets incitatifs (produits de santé, organisation des soins, pertinence) et des objectifs régionaux.",
            "L'évaluation annuelle, conduite conjointement par l'ARS et l'Assurance Maladie, conduit à un "
            "intéressement versé par le fonds d'intervention régional (FIR), en fonction des économies "
            "constatées et du degré de réalisation des objectifs. Elle n'entraîne aucune pénalité : il n'y a "
            "ni score global ni reversement.",
            "Le rapport d'évaluation est adressé à l'établissement, qui dispose d'un mois pour présenter ses "
            "observations.",
        ],
        "targeting_rule": ("Un établissement respecte un référentiel dès qu'une de ses conditions est remplie "
                           "(valeur de l'année N strictement inférieure au seuil) ; il est ciblé quand aucune ne "
                           "l'est ; « à vérifier » quand aucune ne l'est avec certitude mais qu'une donnée manque."),
        "referentiels": [{"code": i.code, "libelle": i.label,
                          "conditions": " ou ".join(_condition_text(campaign, c) for c in i.referentiel or ()),
                          "sources": " ; ".join(c.source for c in i.referentiel or () if c.source) or "—"}
                         for _, i in campaign.with_referentiel],
        "formulas": ["objectif N = dépenses N−1 × (1 + taux cible / 100)",
                     "évolution = 100 × (dépenses N / dépenses N−1 − 1)",
                     "économies = max(0 ; dépenses N−1 − dépenses N)  (année civile, contre l'année précédente)",
                     "A = Σ poids × score / Σ poids des objectifs notés du volet (100 % sans objectif noté)",
                     "intéressement estimé = part d'intéressement × Σ économies du volet × A"],
        "lines": [{"volet": v.label, "code": i.code, "libelle": i.label, "poste": i.expense,
                   "taux": rate_text(i) if i.target_rate is not None else "à compléter"} for v, i in expenses],
        "volets": [{"libelle": v.label, "part": fmt_pct(v.share_savings, 0) if v.share_savings is not None
                    else "à compléter", "source": v.source or "—"} for v in campaign.volets],
        "objectives": [f"{i.code} — {i.label} (volet « {v.label} », règle {RULES[i.rule].name})"
                       for v in campaign.volets for i in v.scored],
        "example": _worked_example(campaign) if expenses else {"intro": "Aucun indicateur de dépense.", "rows": []},
        "todo": _todo(campaign), "marks": MARKS,
        "source_file": Path(campaign.path).name if campaign.path else None,
        "sha256": campaign.sha256, "version": __version__, "date": french_date(dt.date.today()),
    }


def method_html(campaign: Campaign) -> str:
    """The method document of a second-generation ``campaign`` as one self-contained HTML page."""
    page = environment().get_template("methode_contrat.html.j2").render(m=_method_content(campaign))
    return french_spacing_html(page)
