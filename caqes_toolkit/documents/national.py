"""The national overview: regions side by side (classes, scores, sanctions), when the data cover
several regions (``caqes synthese`` without ``--region`` on a national extract).

:func:`build_national` computes one row per region from the same scores as each regional
synthesis; the functions below it return the HTML sections of ``notebooks/synthese_nationale.ipynb``
(one or two pages). Names no establishment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from ..data.dataset import SourceFile
from ..evaluation.analysis import summary
from ..evaluation.region import campaign_source, evaluate_region, regions
from ..formats import fmt_num, fmt_pct, plural
from ..rules.campaign import Campaign, campaign_for_year
from . import charts
from .fragments import Html, figure, french_date, provisional_notice, render, with_other_rules_notice

__all__ = ["NationalOverview", "build_national", "chart_classes", "chart_scores", "header", "key_figures",
           "provenance", "regions_table"]


@dataclass(frozen=True)
class NationalOverview:
    """Every region's figures for one campaign year."""

    annee: int
    campaign: Campaign
    table: pd.DataFrame      # analysis.summary of the year, every establishment of every region
    regions: pd.DataFrame    # one row per region: see :func:`_by_region`
    missing: pd.Series       # establishments without data for the year, by region
    sources: tuple[SourceFile, ...]
    generated_on: dt.date
    phase: int = 2


def build_national(annee: int, donnees: str | Path, campagne: str | Path, today: dt.date | None = None,
                   autre_annee: bool = False, phase: int = 2) -> NationalOverview:
    """Compute the overview of every region of the data for ``annee``."""
    dataset, campaign, scores = evaluate_region(donnees, campagne, phase, annee)
    campaign_for_year([campaign], annee, autre_annee)
    table = summary(scores, annee)
    es = dataset.establishments
    evaluated = set(table["finess"])
    missing = es[~es["finess"].isin(evaluated)].groupby("region").size()
    sources = (campaign_source(campaign), *dataset.sources)
    return NationalOverview(annee=annee, campaign=campaign, table=table,
                            regions=_by_region(table, campaign, missing, regions(dataset)), missing=missing,
                            sources=sources, generated_on=today or dt.date.today(), phase=phase)


def _by_region(table: pd.DataFrame, campaign: Campaign, missing: pd.Series, order: list[str]) -> pd.DataFrame:
    """region, n, classes A…E (counts), moyenne, mediane, progres (share progressing since T0, %),
    sanctions, sans_donnees; regions in ``order``, the whole country last."""
    def figures(rows: pd.DataFrame) -> dict[str, object]:
        counts = rows["classe"].value_counts()
        delta = rows["evolution_t0"].dropna()
        return {"n": len(rows), **{c: int(counts.get(c, 0)) for c in campaign.classes},
                "moyenne": rows["score_global"].mean(), "mediane": rows["score_global"].median(),
                "progres": 100 * (delta > 0).mean() if len(delta) else float("nan"),
                "sanctions": int(rows["sanction_proposee"].sum())}

    out = [{"region": r, **figures(table[table["region"] == r]), "sans_donnees": int(missing.get(r, 0))}
           for r in order]
    out.append({"region": "Ensemble", **figures(table), "sans_donnees": int(missing.sum())})
    return pd.DataFrame(out)


def header(s: NationalOverview) -> Html:
    html = render("national_header", {
        "campagne": s.campaign.label_for(s.annee), "annee": s.annee, "date": french_date(s.generated_on),
        "n": len(s.table), "regions": len(s.regions) - 1, "provisoire": provisional_notice(s.campaign, s.phase)})
    return with_other_rules_notice(html, s.campaign, s.annee)


def key_figures(s: NationalOverview) -> Html:
    r = s.regions.iloc[:-1]
    best, worst = r.loc[r["mediane"].idxmax()], r.loc[r["mediane"].idxmin()]
    out = [f"{len(s.table)} établissements évalués en {s.annee} dans {len(r)} régions ; score global médian "
           f"{fmt_pct(s.table['score_global'].median())}.",
           f"Score médian le plus haut : {best['region']} ({fmt_pct(best['mediane'])}) ; le plus bas : "
           f"{worst['region']} ({fmt_pct(worst['mediane'])}).",
           "Chaque région a sa synthèse régionale (nominative) dans son dossier ; ce document ne nomme aucun "
           "établissement."]
    if not s.campaign.without_sanction:
        out.insert(2, f"{plural(int(r['sanctions'].sum()), 'établissement')} sous le seuil de sanction "
                      f"({fmt_pct(s.campaign.sanction_threshold, 0)}).")
    return render("bullets", out)


def regions_table(s: NationalOverview) -> Html:
    """One row per region, then the whole country."""
    classes = list(s.campaign.classes)
    rows = [[r["region"], str(r["n"]), *[str(r[c]) for c in classes], fmt_pct(r["moyenne"]), fmt_pct(r["mediane"]),
             fmt_pct(r["progres"], 0), "—" if s.campaign.without_sanction else str(r["sanctions"]),
             str(r["sans_donnees"])] for _, r in s.regions.iterrows()]
    return render("plain_table", {
        "headers": ["Région", "Évalués", *[f"Classe {c}" for c in classes], "Score moyen", "Score médian",
                    "En progrès depuis le T0", "Proposés pour une sanction", "Sans données"],
        "rows": rows, "numeric": list(range(1, len(rows[0]) if rows else 1)), "empty": "Aucune région.",
        "notes": [f"Score global {s.annee} ; « en progrès » : part des établissements dont le score global "
                  f"dépasse celui du T0 ({s.campaign.t0_year}) ; « sans données » : établissements de la table "
                  f"etablissements sans résultat pour {s.annee}. Écart de score médian entre régions : "
                  f"{fmt_num(s.regions['mediane'].iloc[:-1].max() - s.regions['mediane'].iloc[:-1].min())} points."]})


def chart_classes(s: NationalOverview) -> Html:
    return figure(charts.regions_classes(s.regions, s.campaign),
                  "Répartition des classes par région",
                  f"Part des établissements de chaque classe en {s.annee}, par région (effectifs dans les barres).")


def chart_scores(s: NationalOverview) -> Html:
    return figure(charts.regions_scores(s.table, s.campaign, list(s.regions["region"].iloc[:-1])),
                  "Score global par région",
                  f"Score global {s.annee} par région : boîte du premier au troisième quartile, barre noire : "
                  "médiane, losange : moyenne, trait : du plus bas au plus haut ; tirets rouges : seuil de sanction.")


def provenance(s: NationalOverview) -> Html:
    return render("provenance", {
        "date": french_date(s.generated_on), "version": __version__,
        "files": [{"name": f.name, "sha256": f.sha256} for f in s.sources],
        "confidentiality": "Document de synthèse : il ne nomme aucun établissement.",
    })
