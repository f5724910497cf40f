"""The regional synthesis for the ARS: every establishment of a region, named (internal document).

:func:`build_synthesis` computes the content once; the functions below it return the HTML
sections that ``notebooks/synthese_regionale.ipynb`` displays. Made for 20 to 3,000
establishments: charts summarise (distributions, a T0-versus-N scatter, the extremes) and long
lists show their first :data:`N_LISTED` rows, the whole list being in the companion workbook
(:mod:`caqes_toolkit.documents.synthesis_workbook`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..data.dataset import Dataset, SourceFile
from ..evaluation.analysis import summary
from ..evaluation.avenant import on_trajectory
from ..evaluation.money import VoletResults, evaluate_volets, targeting
from ..evaluation.region import campaign_source, evaluate_region, select_region
from ..evaluation.scores import Scores
from ..evaluation.scoring import score
from ..formats import agree, fmt_euros, fmt_num, fmt_pct, fmt_points, fmt_rate, plural
from ..rules.campaign import Campaign, campaign_for_year, load_campaign
from ..rules.changes import RuleChange, compare_campaigns
from ..rules.objectives import ACTIVITIES
from . import charts
from .fragments import SYNTHESIS_READERS, Html, figure, french_date, provisional_notice, render, with_other_rules_notice
from .fragments import provenance as provenance_fragment
from .notices import previous_year_notice, previous_year_rescored
from .sections import rule_changes_table
from .synthesis_workbook import SHEETS, more_note, workbook_name
from .vocabulary import YES_NO
from .volets import MARKS, date_text

__all__ = [
    "RegionalSynthesis",
    "activities",
    "build_synthesis",
    "chart_classes",
    "chart_extremes",
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
    "workbook_sheets",
]

N_WORST = 15    # indicators in the chart of those that weigh most
N_LISTED = 15   # rows of a long list shown in the document (the workbook has them all)
N_EXTREMES = 10  # largest and smallest changes since T0, named


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
    avenants: pd.DataFrame | None = None  # evaluation.avenant.on_trajectory of the year: own targets, met


def build_synthesis(annee: int, donnees: str | Path, campagne: str | Path, region: str = "",
                    campagne_precedente: str | Path | None = None,
                    today: dt.date | None = None, autre_annee: bool = False,
                    phase: int = 2) -> RegionalSynthesis:
    """Compute the synthesis of ``region`` (default: the region of the data, if there is one).

    ``campagne`` must be the campaign of ``annee``, unless ``autre_annee`` asks to apply another
    year's rules: the synthesis then says so."""
    dataset, campaign, scores = evaluate_region(donnees, campagne, phase, annee)
    campaign_for_year([campaign], annee, autre_annee)
    region = select_region(dataset, region)
    in_region = dataset.establishments.loc[dataset.establishments["region"] == region, "finess"]
    table = _with_unreported(summary(scores, annee), scores, annee)
    table = table[table["finess"].isin(in_region)].sort_values("score_global", ascending=False)
    previous = summary(scores, annee - 1) if annee - 1 in dataset.years else table.iloc[0:0]
    previous = previous[previous["finess"].isin(in_region)]
    chapters = scores.chapters[(scores.chapters["annee"] == annee) & scores.chapters["finess"].isin(in_region)]
    prev_campaign, own = None, pd.DataFrame(columns=["finess", "score_global", "classe"])
    changes: tuple[RuleChange, ...] = ()
    if campagne_precedente:
        prev_campaign = load_campaign(campagne_precedente)
        changes = tuple(compare_campaigns(prev_campaign, campaign))
        if annee - 1 in dataset.years:
            own = score(dataset.only(list(in_region)), prev_campaign, [annee - 1]).establishments
    sources = tuple(campaign_source(c) for c in (campaign, prev_campaign) if c is not None) + dataset.sources
    return RegionalSynthesis(
        annee=annee, region=region, campaign=campaign, table=table.reset_index(drop=True),
        previous=previous.reset_index(drop=True), chapters=chapters.reset_index(drop=True),
        achievement=_achievement(scores, annee, in_region),
        missing=_missing(dataset, annee, in_region),
        previous_campaign=prev_campaign, rule_changes=changes,
        previous_own_rules=own[["finess", "score_global", "classe"]],
        sources=sources, generated_on=today or dt.date.today(), phase=phase,
        avenants=_avenants(scores, annee, in_region),
        **_volets(dataset, campaign, annee, in_region),
    )


def _avenants(scores: Scores, annee: int, finess: pd.Series) -> pd.DataFrame:
    """The establishments of the region scored against targets of their own in ``annee``, and whether
    they met them all (:func:`~caqes_toolkit.evaluation.avenant.on_trajectory`)."""
    ind = scores.indicators
    return on_trajectory(ind[(ind["annee"] == annee) & ind["finess"].isin(finess) & ind["cible_avenant"]])


def _volets(dataset: Dataset, campaign: Campaign, annee: int, finess: pd.Series) -> dict:
    if not campaign.volets:
        return {}
    region = dataset.only(list(finess))
    return {"volets": evaluate_volets(region, campaign, annee), "targeted": targeting(region, campaign, annee)}


def _with_unreported(table: pd.DataFrame, scores: Scores, annee: int) -> pd.DataFrame:
    """``table`` with, per establishment, its indicators without a value by who provides them:
    ``non_renseignes_etablissement`` (those it declares) and ``manquants_ars`` (the Assurance
    Maladie's and the HAS's, which the ARS obtains); they add up to ``nb_non_renseignes``."""
    ind = scores.indicators
    rows = ind[(ind["annee"] == annee) & (ind["statut"] == "non renseigné")]
    own = rows["indicateur"].map(lambda c: scores.campaign.by_code[c].data_source == "etablissement")
    counts = pd.DataFrame({"finess": rows["finess"], "own": own.astype(int), "other": (~own).astype(int)})
    counts = counts.groupby("finess")[["own", "other"]].sum()
    return table.assign(
        non_renseignes_etablissement=table["finess"].map(counts["own"]).fillna(0).astype(int),
        manquants_ars=table["finess"].map(counts["other"]).fillna(0).astype(int))


def _same_indicators(phase: int) -> str:
    """Said of every comparison of a phase-1 synthesis (empty in phase 2)."""
    return (" En phase 1, les scores des années précédentes sont calculés comme celui de l'année, sans les "
            "indicateurs de l'Assurance Maladie : les évolutions comparent les mêmes indicateurs."
            if phase == 1 else "")


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
    return with_other_rules_notice(html, s.campaign, s.annee)


def activities(s: RegionalSynthesis) -> Html:
    """Establishments evaluated, by activity (one establishment may have several)."""
    acts = s.table["activites"].str.split(";")
    rows = [{"activite": a, "n": int(acts.apply(lambda x, a=a: a in x).sum())} for a in ACTIVITIES]
    rows = [r for r in rows if r["n"]]
    with_list = int(s.table["liste_en_sus"].sum())
    return render("count_table", {
        "rows": rows, "total": len(s.table),
        "note": f"{plural(with_list, 'établissement')} avec liste en sus, {len(s.table) - with_list} sans.",
    })


def classes(s: RegionalSynthesis) -> Html:
    """Classes of the year and of N−1 (same rules), with the change."""
    now = s.table["classe"].value_counts()
    before = s.previous["classe"].value_counts()
    rows = [{"classe": c, "avant": int(before.get(c, 0)), "n": int(now.get(c, 0)),
             "evolution": fmt_num(int(now.get(c, 0)) - int(before.get(c, 0)), 0, sign=True)}
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
    without = int(s.table["score_global_t0"].isna().sum())
    absent = plural(without, "établissement sans score au T0 n'y figure pas",
                    "établissements sans score au T0 n'y figurent pas")
    return figure(charts.progress_scatter(s.table, s.campaign, s.annee),
                  f"Score global au T0 et en {s.annee}, un point par établissement",
                  f"Chaque point est un établissement : score global au T0 ({s.campaign.t0_year}) en abscisse, "
                  f"en {s.annee} en ordonnée, couleur de sa classe {s.annee} ; au-dessus de la diagonale, il progresse"
                  + ("" if s.campaign.without_sanction else " ; tirets rouges : seuil de sanction")
                  + (f". {absent}." if without else ".") + _same_indicators(s.phase))


def chart_extremes(s: RegionalSynthesis) -> Html:
    """The establishments that progressed most and least since T0, named."""
    if s.table["evolution_t0"].notna().sum() == 0:
        return render("note", f"Aucun établissement n'a de score au T0 ({s.campaign.t0_year}).")
    known = int(s.table["evolution_t0"].notna().sum())
    best, worst = min(N_EXTREMES, known), min(N_EXTREMES, known - min(N_EXTREMES, known))
    shown = f"les {best} plus fortes" + (f" et {agree(worst, 'la', 'les')} {worst} plus "
                                         f"{agree(worst, 'faible', 'faibles')}" if worst else "")
    return figure(charts.progress_extremes(s.table, s.campaign, N_EXTREMES),
                  "Plus fortes et plus faibles évolutions depuis le T0",
                  f"Évolution du score global depuis le T0 ({s.campaign.t0_year}), en points : {shown} ; chaque "
                  f"établissement dans le classeur {workbook_name(s.annee)}, onglet « {SHEETS['establishments']} ».")


def sanctions(s: RegionalSynthesis) -> Html:
    """Establishments proposed for a sanction (lowest scores first), with the cap of the estimated
    sanction; the first :data:`N_LISTED`, the others in the workbook."""
    c = s.campaign
    if c.without_sanction:
        return render("note", f"Campagne {c.name} évaluée sans sanction : aucun établissement n'est proposé.")
    rows = s.table[s.table["sanction_proposee"]].sort_values(["score_global", "finess"])
    items = [{"finess": r.finess, "nom": r.raison_sociale, "score": fmt_pct(r.score_global), "classe": r.classe,
              "produits": _euros(r.produits_am, "non connus"), "plafond": _euros(r.plafond_sanction, "—")}
             for r in rows.head(N_LISTED).itertuples()]
    cap = c.sanction.cap_pct_income if c.sanction else None
    caps = rows["plafond_sanction"].dropna()
    total = "" if not len(caps) or cap is None else (
        f" Total des plafonds estimés : {_euros(caps.sum(), '—')}." if len(caps) == len(rows) else
        f" Total des {fmt_num(len(caps), 0)} plafonds calculés (sur {fmt_num(len(rows), 0)} ; produits non connus pour "
        "les autres) : "
        f"{_euros(caps.sum(), '—')}.")
    note = " ".join(filter(None, [
        f"{plural(len(rows), 'établissement')} sous le seuil de {fmt_pct(c.sanction_threshold, 0)}"
        + (" (scores provisoires, phase 1)" if s.phase == 1 else "") + ", du plus bas score au plus haut." + total,
        more_note(len(items), len(rows), "sanctions", s.annee),
        _cap_rule(c)]))
    return render("sanctions_table", {"rows": items, "note": note})


def _cap_rule(c: Campaign) -> str:
    """The rule of the estimated cap, said once: the campaign's own sentence (``formule``) when it gives one,
    else the share."""
    if c.sanction is None:
        return "Aucune règle de plafond dans la campagne."
    return (c.sanction.formula if c.sanction.formula else
            f"Plafond estimé : {fmt_pct(c.sanction.cap_pct_income, 1)} des produits Assurance Maladie.")


def _euros(value: float, missing: str) -> str:
    return fmt_euros(value, 0) if pd.notna(value) else missing


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
    """Establishments without data, then those with indicators not reported (most first); the
    first :data:`N_LISTED` of each, the others in the workbook."""
    absent = s.missing.sort_values("finess")
    partial = s.table[s.table["nb_non_renseignes"] > 0].sort_values(["nb_non_renseignes", "finess"],
                                                                   ascending=[False, True])
    return Html(
        render("plain_table", {
            "headers": ["FINESS", f"Établissement sans aucune donnée pour {s.annee}"],
            "rows": [[r.finess, r.raison_sociale] for r in absent.head(N_LISTED).itertuples()],
            "numeric": [], "empty": f"Tous les établissements ont transmis des données pour {s.annee}.",
            "notes": [n for n in [more_note(min(len(absent), N_LISTED), len(absent), "missing", s.annee)] if n]})
        + render("plain_table", {
            "headers": ["FINESS", "Établissement", "Non renseignés, déclarés par l'établissement",
                        "Données manquantes de l'Assurance Maladie ou de la HAS"],
            "rows": [[r.finess, r.raison_sociale, str(r.non_renseignes_etablissement), str(r.manquants_ars)]
                     for r in partial.head(N_LISTED).itertuples()],
            "numeric": [2, 3], "empty": "Aucun indicateur non renseigné parmi les établissements évalués.",
            "notes": [f"{plural(len(partial), 'établissement évalué', 'établissements évalués')} avec au moins un "
                      "indicateur sans valeur (compté 0), du plus grand nombre au plus petit. Les indicateurs que "
                      "l'établissement déclare sont à renseigner par lui ; les données de l'Assurance Maladie et "
                      "de la HAS sont à obtenir par l'ARS.",
                      *[n for n in [more_note(min(len(partial), N_LISTED), len(partial), "incomplete", s.annee)]
                        if n]]}))


def rule_changes(s: RegionalSynthesis, title: str = "Changements de règles entre campagnes") -> Html:
    """The section ``title`` on the rules changed since the previous campaign (nothing, heading
    included, without a previous campaign), or the notice that N−1 is scored under the rules of N."""
    prev = s.previous_campaign
    if prev is None:
        rescored = not s.previous.empty and previous_year_rescored(s.campaign, s.annee, [s.annee - 1])
        return Html(render("heading", title) + render("note", previous_year_notice(s.campaign, s.annee))
                    if rescored else "")
    notes = []
    if not s.previous_own_rules.empty:
        own = s.previous_own_rules["classe"].value_counts()
        same = s.previous["classe"].value_counts()
        text = ", ".join(f"{c} : {int(own.get(c, 0))} ({int(same.get(c, 0))})" for c in s.campaign.classes)
        notes.append(f"Classes {s.annee - 1} selon la campagne {prev.name} (entre parenthèses, recalculées "
                     f"selon les règles de {s.campaign.name}) — {text}.")
    return Html(render("heading", title) + rule_changes_table(prev, s.campaign, s.rule_changes, notes))


def volets(s: RegionalSynthesis) -> Html:
    """Additional volets: contracts, money at stake, establishments flagged for a next contract."""
    names = dict(zip(s.table["finess"], s.table["raison_sociale"]))
    return _volets_section(s.volets, s.targeted if s.targeted is not None else pd.DataFrame(), names)


def _known_sum(values: pd.Series) -> tuple[str, int]:
    """Sum of the known amounts, and how many are unknown."""
    return fmt_euros(values.sum(min_count=1) if values.notna().any() else np.nan, 0), int(values.isna().sum())


def _volets_section(results: VoletResults | None, targeted: pd.DataFrame, names: dict[str, str]) -> Html:
    """The « Volets additionnels » section of the regional synthesis: per volet with a contract in
    force, its contracts, savings and overruns, estimated intéressement and reversement, and the
    establishments the targeting rule flags for a next contract (nothing when the region has neither)."""
    if results is None or not results.campaign.volets:
        return Html("")
    c, year = results.campaign, results.annee
    totals = results.rows[results.rows["indicateur"] == ""]
    if totals.empty and targeted.empty:
        return Html("")
    summary, notes = [], []
    for volet in c.volets:
        rows = totals[totals["volet"] == volet.code]
        if rows.empty:
            continue
        money = {}
        for column, applies in (("economies", bool(volet.expenses)), ("depassement", bool(volet.expenses)),
                                ("interessement", volet.expenses and volet.share_savings is not None),
                                ("reversement_max", rows["_clawback"].any() if len(rows) else False)):
            if not applies or rows.empty:
                money[column] = "—"
                continue
            values = rows[column] if column != "reversement_max" else rows.loc[rows["_clawback"], column]
            text, unknown = _known_sum(values)
            money[column] = text + (f" ({plural(unknown, 'non calculé')})" if unknown else "")
        summary.append({"volet": volet.label, "code": volet.code, "n": len(rows), **money,
                        "sanctions": int(rows["sanction_proposee"].eq(True).sum())})
    contracts = [{
        "finess": r.finess, "nom": names.get(r.finess, ""), "volet": c.volet_by_code[r.volet].label,
        "periode": f"{date_text(r.date_debut)} – {date_text(r.date_fin) if pd.notna(r.date_fin) else 'sans fin'}",
        "atteinte": fmt_pct(r.atteinte, 0), "economies": fmt_euros(r.economies, 0),
        "depassement": fmt_euros(r.depassement, 0),
        "interessement": fmt_euros(r.interessement, 0), "reversement": fmt_euros(r.reversement_max, 0),
        "sanction": YES_NO.get(r.sanction_proposee, "—"),
    } for r in totals.assign(_o=totals["volet"].map({v.code: k for k, v in enumerate(c.volets)}))
        .sort_values(["_o", "finess"]).itertuples()]
    flagged = [{"finess": t.finess, "nom": names.get(t.finess, ""), "volet": c.volet_by_code[t.volet].label,
                "indicateur": t.indicateur, "montant": fmt_euros(t.montant, 0),
                "evolution": fmt_pct(t.evolution, 2, sign=True),
                "contrat": YES_NO[bool(t.sous_contrat)]} for t in targeted.itertuples()]
    lines = [i for v in c.volets for i in v.expenses if i.targeting_threshold is not None]
    rule = " ; ".join(f"{i.code} : évolution {year - 1} → {year} supérieure à "
                      f"{fmt_rate(i.rate(year))} ou dépenses {year} "
                      f"d'au moins {fmt_euros(i.targeting_threshold, 0)}" for i in lines)
    notes.append(f"Règle de ciblage (premier contrat ou renouvellement) — {rule}." if rule else
                 "Aucune règle de ciblage (seuil_ciblage) dans la campagne.")
    if c.without_sanction:
        notes.append(f"Campagne {c.name} évaluée sans sanction : aucun reversement n'est estimé.")
    notes.append(MARKS)
    if totals.empty:
        notes.insert(0, f"Aucun contrat de volet additionnel en vigueur en {year}.")
    return render("synthesis_volets", {"annee": year, "summary": summary, "contracts": contracts,
                                       "flagged": flagged, "notes": notes,
                                       "sources": [f"{v.label} : {v.source}" for v in c.volets if v.source]})


def provenance(s: RegionalSynthesis) -> Html:
    return provenance_fragment(s.generated_on, __version__, s.sources, SYNTHESIS_READERS)


def key_figures(s: RegionalSynthesis) -> list[str]:
    """Sentences for the top of the synthesis."""
    t = s.table
    g = t["score_global"]
    out = [f"{len(t)} établissements évalués en {s.annee} ; score global médian {fmt_pct(g.median())} "
           f"(de {fmt_pct(g.min())} à {fmt_pct(g.max())})."]
    delta = t["evolution_t0"].dropna()
    same = " (mêmes indicateurs, sans ceux de l'Assurance Maladie)" if s.phase == 1 else ""
    if not delta.empty:
        out.append(f"{plural(int((delta > 0).sum()), 'établissement progresse', 'établissements progressent')} "
                   f"depuis le T0{same} (évolution médiane {fmt_points(delta.median())}).")
    if not s.campaign.without_sanction:
        out.append(f"{plural(int(t['sanction_proposee'].sum()), 'établissement')} sous le seuil de sanction"
                   + (" (scores provisoires : sanction possible, décidée après la phase 2)." if s.phase == 1 else
                      " (sanction encourue, décidée après la phase contradictoire)."))
    worst = s.achievement.head(3)
    if not worst.empty:
        out.append("Indicateurs qui pèsent le plus : " + ", ".join(
            f"{r.indicateur} ({fmt_pct(r.taux_atteinte, 0)} d'atteinte)" for r in worst.itertuples()) + ".")
    if s.avenants is not None and not s.avenants.empty:
        out.append(_avenants_sentence(len(s.avenants), int(s.avenants["sur_trajectoire"].sum()), s.annee))
    own = len(s.missing) + int((t["non_renseignes_etablissement"] > 0).sum())
    if own:
        out.append(plural(own, "établissement n'a pas transmis toutes les données qu'il déclare",
                          "établissements n'ont pas transmis toutes les données qu'ils déclarent") + ".")
    other = int(t["manquants_ars"].sum())
    if other:
        concerned = plural(int((t["manquants_ars"] > 0).sum()), "établissement")
        out.append(f"{plural(other, 'donnée')} de l'Assurance Maladie ou de la HAS "
                   f"{agree(other, 'manque', 'manquent')} ({concerned}) : à obtenir par l'ARS.")
    out.append(f"Chaque établissement et chaque liste complète : classeur {workbook_name(s.annee)} (onglets "
               + ", ".join(f"« {SHEETS[k]} »" for k in ("establishments", "sanctions", "incomplete", "missing",
                                                          "indicators")) + ").")
    return out


def _avenants_sentence(n: int, on: int, year: int) -> str:
    """« 3 établissements ont des cibles d'avenant pour 2019 … ; 1 est sur sa trajectoire … »."""
    have = f"{n} établissements ont" if n > 1 else "1 établissement a"
    if on == 0:
        on_text = "aucun n'est sur sa trajectoire" if n > 1 else "il n'est pas sur sa trajectoire"
    elif on == n:
        on_text = "tous sont sur leur trajectoire" if n > 1 else "il est sur sa trajectoire"
    else:
        on_text = f"{on} sont sur leur trajectoire" if on > 1 else "1 est sur sa trajectoire"
    return (f"{have} des cibles d'avenant pour {year} (cibles annuelles vers la cible à cinq ans de la "
            f"campagne) ; {on_text} (toutes les cibles de l'année atteintes).")


def summary_box(synthese: RegionalSynthesis) -> Html:
    return render("bullets", key_figures(synthese))


# --- the companion workbook ------------------------------------------------------------------


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map(YES_NO)


def workbook_sheets(s: RegionalSynthesis) -> dict[str, pd.DataFrame]:
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
        "dont déclarés par l'établissement": t["non_renseignes_etablissement"],
        "dont données de l'Assurance Maladie ou de la HAS (à obtenir par l'ARS)": t["manquants_ars"],
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
        SHEETS["incomplete"]: incomplete[[*keep, "Indicateurs non renseignés", "dont déclarés par l'établissement",
                                          "dont données de l'Assurance Maladie ou de la HAS (à obtenir par l'ARS)"]],
        SHEETS["missing"]: s.missing.rename(columns={"finess": "FINESS", "raison_sociale": "Établissement"}),
        SHEETS["indicators"]: indicators,
    }
