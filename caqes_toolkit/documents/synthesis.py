"""The regional synthesis for the ARS: every establishment of a region, named (internal document).

:func:`build_synthesis` computes the content once; the functions below it return the HTML
sections that ``notebooks/synthese_regionale.ipynb`` displays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from ..data.dataset import Dataset, SourceFile
from ..evaluation.analysis import summary
from ..evaluation.money import VoletResults, evaluate_volets, targeting
from ..evaluation.scoring import Scores, score
from ..formats import fmt_num, fmt_pct, fmt_points
from ..rules.campaign import ACTIVITIES, Campaign, RuleChange, campaign_for_year, compare_campaigns, load_campaign
from . import charts
from .fragments import Html, figure, french_date, render
from .report import evaluate_region, provisional_notice
from .sections import other_rules_notice, rule_changes_table

__all__ = [
    "RegionalSynthesis",
    "activities",
    "build_synthesis",
    "chart_classes",
    "chart_indicators",
    "chart_progress",
    "chart_scores",
    "classes",
    "header",
    "incomplete",
    "indicators",
    "key_figures",
    "provenance",
    "rule_changes",
    "sanctions",
    "summary_box",
    "volets",
]

N_WORST = 15


@dataclass(frozen=True)
class RegionalSynthesis:
    """Content of the regional synthesis of one campaign year."""

    annee: int
    region: str
    campaign: Campaign
    table: pd.DataFrame            # analysis.summary of the year (one row per establishment)
    previous: pd.DataFrame         # the same for N−1 (under the same rules), may be empty
    chapters: pd.DataFrame         # chapter scores of the year (long format)
    achievement: pd.DataFrame      # per indicator: applicable, atteint, taux_atteinte, non_renseigne, points_perdus
    missing: pd.DataFrame          # establishments without data for the year
    previous_campaign: Campaign | None
    rule_changes: tuple[RuleChange, ...]
    previous_own_rules: pd.DataFrame  # N−1 evaluated under the previous campaign (finess, score, classe)
    sources: tuple[SourceFile, ...]
    generated_on: dt.date
    volets: VoletResults | None = None   # additional volets in force (None: campaign without volets)
    targeted: pd.DataFrame | None = None  # establishments flagged by the targeting rule
    phase: int = 2  # 1: provisional, the Assurance Maladie indicators awaited


def build_synthesis(annee: int, donnees: str | Path, campagne: str | Path, region: str = "",
                    campagne_precedente: str | Path | None = None,
                    today: dt.date | None = None, autre_annee: bool = False,
                    phase: int = 2) -> RegionalSynthesis:
    """Compute the synthesis of ``region`` (default: the region of the data, if there is one).

    ``campagne`` must be the campaign of ``annee``, unless ``autre_annee`` asks to apply another
    year's rules: the synthesis then says so."""
    dataset, campaign, scores = evaluate_region(donnees, campagne, phase, annee)
    campaign_for_year([campaign], annee, autre_annee)
    regions = sorted(dataset.establishments["region"].unique())
    region = region or (regions[0] if len(regions) == 1 else "")
    if region not in regions:
        raise ValueError(f"région à préciser parmi : {', '.join(regions)}")
    in_region = dataset.establishments.loc[dataset.establishments["region"] == region, "finess"]
    table = summary(scores, annee)
    table = table[table["finess"].isin(in_region)].sort_values("score_global", ascending=False)
    previous = summary(scores, annee - 1) if annee - 1 in dataset.years else table.iloc[0:0]
    previous = previous[previous["finess"].isin(in_region)]
    chapters = scores.chapters[(scores.chapters["annee"] == annee) & scores.chapters["finess"].isin(in_region)]
    prev_campaign, changes, own = None, (), pd.DataFrame(columns=["finess", "score_global", "classe"])
    if campagne_precedente:
        prev_campaign = load_campaign(campagne_precedente)
        changes = tuple(compare_campaigns(prev_campaign, campaign))
        if annee - 1 in dataset.years:
            own = score(dataset.only(list(in_region)), prev_campaign, [annee - 1]).establishments
    sources = tuple(SourceFile(Path(c.path).name, c.path, c.sha256)
                    for c in (campaign, prev_campaign) if c is not None) + dataset.sources
    return RegionalSynthesis(
        annee=annee, region=region, campaign=campaign, table=table.reset_index(drop=True),
        previous=previous.reset_index(drop=True), chapters=chapters.reset_index(drop=True),
        achievement=_achievement(scores, annee, in_region),
        missing=_missing(dataset, annee, in_region),
        previous_campaign=prev_campaign, rule_changes=changes,
        previous_own_rules=own[["finess", "score_global", "classe"]],
        sources=sources, generated_on=today or dt.date.today(), phase=phase,
        **_volets(dataset, campaign, annee, in_region),
    )


def _volets(dataset: Dataset, campaign: Campaign, annee: int, finess: pd.Series) -> dict:
    if not campaign.volets:
        return {}
    region = dataset.only(list(finess))
    return {"volets": evaluate_volets(region, campaign, annee), "targeted": targeting(region, campaign, annee)}


def _achievement(scores: Scores, annee: int, finess: pd.Series) -> pd.DataFrame:
    ind = scores.indicators
    rows = ind[(ind["annee"] == annee) & ind["finess"].isin(finess) & ind["applicable"]]
    grouped = rows.groupby("indicateur", sort=False)
    out = pd.DataFrame({
        "applicable": grouped.size(),
        "atteint": grouped["statut"].apply(lambda s: (s == "atteint").sum()),
        "non_renseigne": grouped["statut"].apply(lambda s: (s == "non renseigné").sum()),
        "score_moyen": grouped["score"].mean(),
        "points_perdus": grouped["gain"].mean(),
    })
    out["taux_atteinte"] = 100 * out["atteint"] / out["applicable"]
    out["libelle"] = [scores.campaign.by_code[c].label for c in out.index]
    out["chapitre"] = [scores.campaign.by_code[c].chapter for c in out.index]
    return out.sort_values(["points_perdus", "taux_atteinte"], ascending=[False, True]).reset_index()


def _missing(dataset: Dataset, annee: int, finess: pd.Series) -> pd.DataFrame:
    with_data = set(dataset.results.loc[dataset.results["annee"] == annee, "finess"])
    es = dataset.establishments
    return es[es["finess"].isin(finess) & ~es["finess"].isin(with_data)][["finess", "raison_sociale"]]


# --- sections (HTML) -----------------------------------------------------------------------


def header(s: RegionalSynthesis) -> Html:
    """Region, campaign, year, and the notices of a provisional evaluation or of another year's rules."""
    html = render("synthesis_header", {
        "region": s.region, "campagne": s.campaign.label_for(s.annee), "annee": s.annee,
        "date": french_date(s.generated_on), "n": len(s.table), "annee_t0": s.campaign.t0_year,
        "provisoire": provisional_notice(s.campaign, s.phase),
    })
    notice = s.campaign.other_year_notice(s.annee)
    return Html(html + other_rules_notice(notice)) if notice else html


def activities(s: RegionalSynthesis) -> Html:
    """Establishments evaluated, by activity (one establishment may have several)."""
    acts = s.table["activites"].str.split(";")
    rows = [{"activite": a, "n": int(acts.apply(lambda x, a=a: a in x).sum())} for a in ACTIVITIES]
    rows = [r for r in rows if r["n"]]
    with_list = int(s.table["liste_en_sus"].sum())
    return render("count_table", {
        "rows": rows, "total": len(s.table),
        "note": f"{with_list} établissement(s) avec liste en sus, {len(s.table) - with_list} sans.",
    })


def classes(s: RegionalSynthesis) -> Html:
    """Classes of the year and of N−1 (same rules), with the change."""
    now = s.table["classe"].value_counts()
    before = s.previous["classe"].value_counts()
    rows = [{"classe": c, "avant": int(before.get(c, 0)), "n": int(now.get(c, 0)),
             "evolution": f"{int(now.get(c, 0)) - int(before.get(c, 0)):+d}".replace("-", "−")}
            for c in s.campaign.classes]
    return render("classes_table", {"rows": rows, "annee": s.annee, "avant": s.annee - 1,
                                     "has_before": not s.previous.empty})


def chart_classes(s: RegionalSynthesis) -> Html:
    return figure(charts.class_distribution(s.table, s.previous, s.campaign, s.annee),
                   "Répartition des établissements par classe",
                   f"Nombre d'établissements par classe en {s.annee - 1} et {s.annee} (mêmes règles).")


def chart_scores(s: RegionalSynthesis) -> Html:
    return figure(charts.score_distribution(s.table, s.campaign),
                   "Distribution des scores global et par chapitre",
                   "Distribution des scores (boîte : quartiles et médiane ; moustaches : min–max hors valeurs "
                   "extrêmes ; points : établissements).")


def chart_progress(s: RegionalSynthesis) -> Html:
    return figure(charts.progress_since_t0(s.table, s.campaign),
                   "Score global au T0 et cette année, par établissement",
                   f"Score global de chaque établissement au T0 ({s.campaign.t0_year}, cercle vide) et en "
                   f"{s.annee} (point de la couleur de sa classe).")


def sanctions(s: RegionalSynthesis) -> Html:
    """Establishments proposed for a sanction, with the cap of the estimated sanction."""
    c = s.campaign
    if c.without_sanction:
        return render("note", f"Campagne {c.name} évaluée sans sanction : aucun établissement n'est proposé.")
    rows = s.table[s.table["sanction_proposee"]].sort_values("score_global")
    items = [{"finess": r.finess, "nom": r.raison_sociale, "score": fmt_pct(r.score_global), "classe": r.classe,
              "produits": fmt_num(r.produits_am, 0) + "\u202f€" if pd.notna(r.produits_am) else "non connus",
              "plafond": fmt_num(r.plafond_sanction, 0) + "\u202f€" if pd.notna(r.plafond_sanction) else "—"}
             for r in rows.itertuples()]
    cap = c.sanction.cap_pct_income if c.sanction else None
    note = (f"{len(items)} établissement(s) sous le seuil de {fmt_pct(c.sanction_threshold, 0)}. "
            + (f"Plafond estimé : {fmt_num(cap, 1)}\u202f% des produits Assurance Maladie ; "
               f"{c.sanction.formula}" if cap is not None else "Aucune règle de plafond dans la campagne."))
    return render("sanctions_table", {"rows": items, "note": note})


def chart_indicators(s: RegionalSynthesis) -> Html:
    return figure(charts.indicator_achievement(s.achievement.head(N_WORST)),
                   "Indicateurs qui pèsent le plus sur la région",
                   f"Les {N_WORST} indicateurs qui font perdre le plus de points de score global en moyenne, "
                   "avec leur taux d'atteinte dans la région.")


def indicators(s: RegionalSynthesis) -> Html:
    rows = [{"code": r.indicateur, "libelle": r.libelle, "chapitre": r.chapitre, "applicable": r.applicable,
             "taux": fmt_pct(r.taux_atteinte, 0), "non_renseigne": r.non_renseigne,
             "points": fmt_num(r.points_perdus, 2)} for r in s.achievement.itertuples()]
    return render("achievement_table", rows)


def incomplete(s: RegionalSynthesis) -> Html:
    """Establishments without data, or with indicators not reported."""
    partial = s.table[s.table["nb_non_renseignes"] > 0].sort_values("nb_non_renseignes", ascending=False)
    rows = [{"finess": r.finess, "nom": r.raison_sociale, "n": int(r.nb_non_renseignes)}
            for r in partial.itertuples()]
    absent = [{"finess": r.finess, "nom": r.raison_sociale} for r in s.missing.itertuples()]
    return render("incomplete_table", {"rows": rows, "absent": absent, "annee": s.annee})


def rule_changes(s: RegionalSynthesis) -> Html:
    prev = s.previous_campaign
    if prev is None:
        return Html("")
    notes = []
    if not s.previous_own_rules.empty:
        own = s.previous_own_rules["classe"].value_counts()
        same = s.previous["classe"].value_counts()
        text = ", ".join(f"{c} : {int(own.get(c, 0))} ({int(same.get(c, 0))})" for c in s.campaign.classes)
        notes.append(f"Classes {s.annee - 1} selon la campagne {prev.name} (entre parenthèses, recalculées "
                     f"selon les règles de {s.campaign.name}) — {text}.")
    return rule_changes_table(prev, s.campaign, s.rule_changes, notes)


def volets(s: RegionalSynthesis) -> Html:
    """Additional volets: contracts, money at stake, establishments flagged for a next contract."""
    from .volet_sections import synthesis_section

    names = dict(zip(s.table["finess"], s.table["raison_sociale"]))
    return synthesis_section(s.volets, s.targeted if s.targeted is not None else pd.DataFrame(), names)


def provenance(s: RegionalSynthesis) -> Html:
    return render("provenance", {
        "date": french_date(s.generated_on), "version": __version__,
        "files": [{"name": f.name, "sha256": f.sha256} for f in s.sources],
        "confidentiality": "Document interne à l'ARS : il nomme les établissements. Ne pas diffuser tel quel.",
    })


def key_figures(s: RegionalSynthesis) -> list[str]:
    """Sentences for the top of the synthesis."""
    t = s.table
    g = t["score_global"]
    out = [f"{len(t)} établissements évalués en {s.annee} ; score global médian {fmt_pct(g.median())} "
           f"(de {fmt_pct(g.min())} à {fmt_pct(g.max())})."]
    delta = t["evolution_t0"].dropna()
    if not delta.empty:
        out.append(f"{int((delta > 0).sum())} établissement(s) progressent depuis le T0 "
                   f"(évolution médiane {fmt_points(delta.median())}).")
    if not s.campaign.without_sanction:
        out.append(f"{int(t['sanction_proposee'].sum())} établissement(s) sous le seuil de sanction.")
    worst = s.achievement.head(3)
    if not worst.empty:
        out.append("Indicateurs qui pèsent le plus : " + ", ".join(
            f"{r.indicateur} ({fmt_pct(r.taux_atteinte, 0)} d'atteinte)" for r in worst.itertuples()) + ".")
    missing = len(s.missing) + int((t["nb_non_renseignes"] > 0).sum())
    if missing:
        out.append(f"{missing} établissement(s) n'ont pas transmis toutes leurs données.")
    return out


def summary_box(s: RegionalSynthesis) -> Html:
    return render("bullets", key_figures(s))

