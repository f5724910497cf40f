"""Everything one establishment's evaluation report shows, computed once by the package.

The report notebook calls :func:`build_report` and displays the sections of
:mod:`caqes_toolkit.documents.sections`; the batch writes ``scores.json`` from the same object, so a
number in the report, in ``scores.json`` and in the scores workbook comes from one computation.
Peers appear only as an anonymous regional distribution: no other establishment is named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..data.dataset import MATURITY_STEPS, Dataset, SourceFile
from ..errors import CaqesError
from ..evaluation.analysis import priorities, regional_distribution, summary
from ..evaluation.money import VoletResults, evaluate_volets
from ..evaluation.region import campaign_source, evaluate_region
from ..evaluation.scores import Scores
from ..evaluation.scoring import score
from ..rules.campaign import Campaign, campaign_for_year, load_campaign
from ..rules.changes import RuleChange, compare_campaigns

__all__ = ["EstablishmentReport", "build_report"]


@dataclass(frozen=True)
class EstablishmentReport:
    """The content of one establishment's report (see the notebook for how it is shown)."""

    finess: str
    annee: int
    campaign: Campaign
    identity: pd.Series          # finess, raison_sociale, region, activites, liste_en_sus, produits_am
    summary: pd.Series           # the establishment's row of analysis.summary
    history: pd.DataFrame        # annee, score_global, classe, chapitre_1 … (T0 … N)
    chapters: pd.DataFrame       # chapitre, libelle(_court), score, poids, part, score_t0/n1,
                                 # contribution_t0/n1, q1, mediane, q3, evolution_n1
    indicators: pd.DataFrame     # the year's indicator scores with libelle
    priorities: pd.DataFrame     # every indicator with something to gain, best gain first
    maturity: pd.DataFrame       # annee, etape_1 … etape_7 (years up to N)
    adjustments: pd.DataFrame    # indicateur, libelle, valeur_avant, nc_avant, valeur_apres, nc_apres, motif
    score_before_adjustments: float | None
    class_before_adjustments: str | None
    sources: tuple[SourceFile, ...]
    toolkit_version: str
    generated_on: dt.date
    previous_campaign: Campaign | None = None
    rule_changes: tuple[RuleChange, ...] = ()
    score_n1_own_rules: float | None = None  # N−1 as evaluated under the previous campaign
    class_n1_own_rules: str | None = None
    volets: VoletResults | None = None  # additional volets in force in N (None: no contract)
    phase: int = 2  # 1: provisional, the Assurance Maladie indicators awaited

    @property
    def provisional(self) -> str:
        """The provisional-evaluation notice of a phase-1 report ("" in phase 2)."""
        from .fragments import provisional_notice

        return provisional_notice(self.campaign, self.phase)

    @property
    def name(self) -> str:
        return str(self.identity["raison_sociale"])

    @property
    def other_year_notice(self) -> str | None:
        """Set when the year is evaluated under another year's rules (``autre_annee``)."""
        return self.campaign.other_year_notice(self.annee)

    def scores_json(self) -> dict:
        """The figures of the report as plain JSON-ready data (``scores.json``)."""
        s = self.summary

        def num(x: Any) -> float | None:
            return None if pd.isna(x) else round(float(x), 6)

        return {
            "finess": self.finess,
            "raison_sociale": self.name,
            "annee": self.annee,
            "campagne": self.campaign.label_for(self.annee),
            "score_global": num(s["score_global"]),
            "classe": None if pd.isna(s["classe"]) else str(s["classe"]),
            "sanction_proposee": bool(s["sanction_proposee"]),
            "chapitres": {str(int(r.chapitre)): num(r.score) for r in self.chapters.itertuples()},
            "score_global_t0": num(s["score_global_t0"]),
            "score_global_n1": num(s["score_global_n1"]),
            "priorites": [
                {"indicateur": r.indicateur, "gain": num(r.gain)} for r in self.priorities.head(5).itertuples()
            ],
            "score_avant_ajustements": num(self.score_before_adjustments),
            "phase": self.phase,
            "version_outil": self.toolkit_version,
            "volets": self._volets_json(num),
        }

    def _volets_json(self, num: Callable[[Any], float | None]) -> list[dict]:
        """Totals of each additional volet in force (money in euros, None when unknown)."""
        if self.volets is None:
            return []
        totals = self.volets.rows[self.volets.rows["indicateur"] == ""]
        return [{"volet": r.volet, "atteinte": num(r.atteinte), "economies": num(r.economies),
                 "depassement": num(r.depassement), "interessement": num(r.interessement),
                 "reversement_max": num(r.reversement_max), "sanction_proposee": r.sanction_proposee,
                 "ciblage": r.ciblage} for r in totals.itertuples()]


def build_report(finess: str | int, annee: int, donnees: str | Path, campagne: str | Path,
                 campagne_precedente: str | Path | None = None,
                 today: dt.date | None = None, autre_annee: bool = False,
                 phase: int = 2) -> EstablishmentReport:
    """Compute the content of the report of ``finess`` for year ``annee``.

    ``campagne`` must be the campaign of ``annee`` (its ``annee`` key), unless ``autre_annee``
    asks to apply another year's rules: the report then says so. With ``campagne_precedente``
    (the campaign that evaluated N−1), the report says which rules changed and what the N−1
    score was under its own campaign.
    """
    if isinstance(finess, int):  # « papermill -p finess 010005239 » gives an int: zeros lost
        finess = f"{finess:09d}"
    dataset, campaign, scores = evaluate_region(donnees, campagne, phase, annee)
    campaign_for_year([campaign], annee, autre_annee)
    est = dataset.establishments
    if finess not in set(est["finess"]):
        raise CaqesError(f"FINESS {finess!r} absent de la table etablissements de {donnees}")
    identity = est[est["finess"] == finess].iloc[0]
    table = summary(scores, annee)
    mine = table[table["finess"] == finess]
    if mine.empty:
        raise CaqesError(f"aucune donnée pour le FINESS {finess} en {annee} dans {donnees}")
    row = mine.iloc[0]
    year_scores = scores.year(annee)
    indicators = year_scores.indicators[year_scores.indicators["finess"] == finess].copy()
    indicators.insert(3, "libelle", indicators["indicateur"].map(lambda c: campaign.by_code[c].label))
    before, class_before, adjusted = _adjustments(dataset, campaign, finess, annee, phase)
    changes: tuple[RuleChange, ...] = ()
    previous, n1_score, n1_class = None, None, None
    if campagne_precedente:
        previous = load_campaign(campagne_precedente)
        changes = tuple(compare_campaigns(previous, campaign))
        if annee - 1 in dataset.years:
            own = score(dataset.only([finess]), previous, [annee - 1]).establishments
            if not own.empty:
                n1_score, n1_class = float(own["score_global"].iloc[0]), str(own["classe"].iloc[0])
    sources = (campaign_source(campaign), *((campaign_source(previous),) if previous is not None else ()))
    return EstablishmentReport(
        finess=finess,
        annee=annee,
        campaign=campaign,
        identity=identity,
        summary=row,
        history=_history(scores, finess, annee),
        chapters=_chapters(scores, campaign, finess, annee, str(identity["region"])),
        indicators=indicators.reset_index(drop=True),
        priorities=priorities(scores, finess, annee, n=None),
        maturity=_maturity(dataset, finess, annee),
        adjustments=adjusted,
        score_before_adjustments=before,
        class_before_adjustments=class_before,
        sources=(*sources, *dataset.sources),
        toolkit_version=__version__,
        generated_on=today or dt.date.today(),
        previous_campaign=previous,
        rule_changes=changes,
        score_n1_own_rules=n1_score,
        class_n1_own_rules=n1_class,
        volets=_volets(dataset, campaign, finess, annee),
        phase=phase,
    )


def _volets(dataset: Dataset, campaign: Campaign, finess: str, annee: int) -> VoletResults | None:
    """The establishment's additional volets in force in ``annee`` (None without a contract)."""
    if not campaign.volets or finess not in set(dataset.contracts["finess"]):
        return None
    results = evaluate_volets(dataset.only([finess]), campaign, annee)
    return None if results.rows.empty else results


def _history(scores: Scores, finess: str, annee: int) -> pd.DataFrame:
    est = scores.establishments
    rows = est[(est["finess"] == finess) & (est["annee"] <= annee)]
    cols = ["annee", "score_global", "classe"] + [c for c in est.columns if c.startswith("chapitre_")]
    return rows[cols].sort_values("annee").reset_index(drop=True)


def _chapters(scores: Scores, campaign: Campaign, finess: str, annee: int, region: str) -> pd.DataFrame:
    """The year's chapters with the regional distribution and each chapter's contribution to the
    change of the global score since T0 and N−1 (contributions add up to the change)."""
    ch = scores.chapters[scores.chapters["finess"] == finess]
    ch = ch.assign(points=ch["part"] * ch["score"].fillna(0.0))
    mine = ch[ch["annee"] == annee][["chapitre", "score", "poids", "part", "points"]]
    for key, year in (("t0", campaign.t0_year), ("n1", annee - 1)):
        other = ch[ch["annee"] == year][["chapitre", "score", "points"]].rename(
            columns={"score": f"score_{key}", "points": f"points_{key}"})
        mine = mine.merge(other, on="chapitre", how="left")
        mine[f"contribution_{key}"] = mine["points"] - mine[f"points_{key}"]
    dist = regional_distribution(scores, annee, region)
    dist = dist[dist.index.str.startswith("chapitre_")][["q1", "mediane", "q3"]]
    dist.index = dist.index.str.removeprefix("chapitre_").astype(int)
    out = mine.merge(dist, left_on="chapitre", right_index=True, how="left")
    out["evolution_n1"] = out["score"] - out["score_n1"]
    out.insert(1, "libelle", out["chapitre"].map(campaign.chapters))
    out.insert(2, "libelle_court", out["chapitre"].map(campaign.short_label))
    return out.drop(columns=["points", "points_t0", "points_n1"]).sort_values("chapitre").reset_index(drop=True)


def _maturity(dataset: Dataset, finess: str, annee: int) -> pd.DataFrame:
    mat = dataset.maturity
    rows = mat[(mat["finess"] == finess) & (mat["annee"] <= annee)]
    return rows[["annee", *MATURITY_STEPS]].sort_values("annee").reset_index(drop=True)


def _adjustments(dataset: Dataset, campaign: Campaign, finess: str,
                 annee: int, phase: int = 2) -> tuple[float | None, str | None, pd.DataFrame]:
    adj = dataset.adjustments
    adj = adj[(adj["finess"] == finess) & (adj["annee"] == annee) & adj["indicateur"].isin(campaign.by_code)]
    columns = ["indicateur", "libelle", "valeur_avant", "nc_avant", "valeur_apres", "nc_apres", "motif"]
    if adj.empty:
        return None, None, pd.DataFrame(columns=columns)
    res = dataset.results
    given = res[(res["finess"] == finess) & (res["annee"] == annee)].set_index("indicateur")
    table = pd.DataFrame({
        "indicateur": adj["indicateur"],
        "libelle": adj["indicateur"].map(lambda c: campaign.by_code[c].label),
        "valeur_avant": adj["indicateur"].map(given["valeur"]),
        "nc_avant": adj["indicateur"].map(given["nc"]).fillna(False).astype(bool),
        "valeur_apres": adj["valeur"],
        "nc_apres": adj["nc"],
        "motif": adj["motif"],
    }).sort_values("indicateur").reset_index(drop=True)
    unadjusted = score(dataset.only([finess]), campaign, [annee], adjusted=False,
                       phase=phase).establishments.iloc[0]
    return float(unadjusted["score_global"]), str(unadjusted["classe"]), table
