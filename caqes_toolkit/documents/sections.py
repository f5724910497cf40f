"""The sections of an establishment report as HTML fragments (what the notebook displays).

Every value is formatted in French here and escaped by the Jinja2 template
(``templates/sections.html.j2``, autoescape on): a name containing ``<script>`` or quotes
shows as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..evaluation.scores import STATUSES
from ..formats import agree, fmt_pct, fmt_points
from ..rules.campaign import Campaign
from ..rules.changes import RuleChange
from . import charts
from .fragments import REPORT_READERS, Html, figure, french_date, render, with_other_rules_notice
from .fragments import provenance as provenance_fragment
from .narrative import synthesis_sentences
from .notices import previous_year_notice, previous_year_rescored
from .rule_texts import (
    AGGREGATION,
    AVENANT,
    CHANGE_LABELS,
    NOT_FILLED,
    ROUNDING,
    RULES,
    avenant_note,
    class_ranges,
    not_applicable_reasons,
    own_target_value,
    rule_value,
    rules_used,
    target_text,
    value_text,
)
from .vocabulary import DATA_SOURCES, PROVIDERS, TIE_BREAK
from .volets import ADDITIONAL, report_section

if TYPE_CHECKING:  # annotations only: the synthesis uses these sections without the report
    from .report import EstablishmentReport

__all__ = [
    "adjustments",
    "chapters",
    "chart_chapters",
    "chart_history",
    "chart_maturity",
    "chart_status",
    "header",
    "indicators",
    "method_annex",
    "priorities",
    "provenance",
    "rule_changes",
    "rule_changes_table",
    "synthesis",
    "volets",
]

N_PRIORITIES = 5


def _yes_no(flag: object) -> str:
    return "oui" if bool(flag) else "non"


def header(r: EstablishmentReport) -> Html:
    """Identity of the establishment, campaign, year and date, and the notice when the year is
    evaluated under another year's rules."""
    i = r.identity
    html = render("header", {
        "raison_sociale": r.name, "finess": r.finess, "region": i["region"],
        "activites": str(i["activites"]).replace(";", ", "), "liste_en_sus": _yes_no(i["liste_en_sus"]),
        "campagne": r.campaign.label_for(r.annee), "annee": r.annee, "annee_t0": r.campaign.t0_year,
        "date": french_date(r.generated_on), "provisoire": r.provisional,
    })
    return with_other_rules_notice(html, r.campaign, r.annee)


def sanction_state(below: bool, campaign: Campaign, phase: int) -> tuple[str, str]:
    """The sanction as the state it is, and what it rests on, for a box of key figures: « possible :
    score sous 80 % » (phase 1, provisional), « encourue » (phase 2: proposed or not after the
    contradictory phase), « non »."""
    if campaign.without_sanction:
        return "non", f"campagne {campaign.name} évaluée sans sanction"
    threshold = fmt_pct(campaign.sanction_threshold, 0)
    if below and phase == 1:
        return f"possible : score sous {threshold}", "phase 1 : score provisoire"
    if below:
        return "encourue", f"score sous {threshold} ; décision après la phase contradictoire"
    return "non", f"score d'au moins {threshold}" + (" (phase 1 : provisoire)" if phase == 1 else "")


def synthesis(r: EstablishmentReport) -> Html:
    """Global score, class, sanction, progress, rank and the generated sentences."""
    s, c = r.summary, r.campaign
    sanction, sanction_detail = sanction_state(bool(s["sanction_proposee"]), c, r.phase)
    rank = "—"
    if pd.notna(s["rang_regional"]):
        rank = f"{int(s['rang_regional'])}e sur {int(s['nb_etablissements_region'])}"
        rank = rank.replace("1e sur", "1er sur") if int(s["rang_regional"]) == 1 else rank
    sentences = synthesis_sentences(
        s, r.chapters, r.priorities, year=r.annee, t0_year=c.t0_year,
        sanction_threshold=c.sanction_threshold, without_sanction=c.without_sanction, indicators=r.indicators,
        phase=r.phase)
    return render("synthesis", {
        "score": fmt_pct(s["score_global"]), "classe": s["classe"], "sanction": sanction,
        "sanction_detail": sanction_detail, "provisoire": r.phase == 1,
        "annee_t0": c.t0_year, "annee_n1": r.annee - 1,
        "evolution_t0": fmt_points(s["evolution_t0"]), "evolution_n1": fmt_points(s["evolution_n1"]),
        "rang": rank, "sentences": sentences,
    })


def chapters(r: EstablishmentReport) -> Html:
    """Table of chapter scores against the region."""
    rows = [{
        "chapitre": int(ch.chapitre), "libelle": ch.libelle,
        "couleur": charts.CHAPTER_COLOURS.get(int(ch.chapitre), "#555"),
        "poids": fmt_pct(100 * ch.part, 1) if ch.part > 0 else "NC",
        "score": fmt_pct(ch.score) if pd.notna(ch.score) else "non concerné",
        "evolution": fmt_points(ch.evolution_n1),
        "mediane": fmt_pct(ch.mediane), "iqr": f"{fmt_pct(ch.q1)} – {fmt_pct(ch.q3)}" if pd.notna(ch.q1) else "—",
    } for ch in r.chapters.itertuples()]
    return render("chapters", rows)


def chart_chapters(r: EstablishmentReport) -> Html:
    n = int(r.summary["nb_etablissements_region"])
    return figure(
        charts.chapters_vs_region(r.chapters, r.campaign),
        "Scores par chapitre comparés à la médiane régionale",
        f"Score de chaque chapitre (barre colorée) comparé à la distribution anonyme des {n} "
        f"établissements de la région en {r.annee} (médiane et écart interquartile).")


def chart_history(r: EstablishmentReport) -> Html:
    return figure(
        charts.history(r.history, r.campaign),
        "Évolution du score global et des chapitres depuis le T0",
        "Score global (trait épais) et scores des chapitres, année par année depuis le T0 ; "
        "les bandes de couleur marquent les classes A à E.")


def chart_maturity(r: EstablishmentReport) -> Html:
    if r.maturity.empty:
        return render("note", "Aucune cotation de maturité de la certification n'est disponible "
                               "pour cet établissement.")
    return figure(
        charts.maturity_profile(r.maturity),
        "Profil de maturité de la certification",
        "Résultats de la certification : cotation de chacune des 7 étapes du management de la prise "
        "en charge médicamenteuse (sur 5) ; le score de maturité est la somme rapportée à 35.")


def chart_status(r: EstablishmentReport) -> Html:
    return figure(
        charts.indicator_status(r.indicators, STATUSES),
        "Statut des indicateurs par chapitre",
        f"Nombre d'indicateurs par statut dans chaque chapitre en {r.annee}.")


def rule_changes(r: EstablishmentReport) -> Html:
    """Rules that changed since the campaign of N−1, and N−1 as evaluated under its own rules; without
    the campaign of N−1, the notice that N−1 is scored under the rules of N (when the report shows it)."""
    prev = r.previous_campaign
    if prev is None:
        rescored = previous_year_rescored(r.campaign, r.annee, r.history["annee"])
        return render("note", previous_year_notice(r.campaign, r.annee)) if rescored else Html("")
    notes = []
    if r.score_n1_own_rules is not None:
        n1 = r.summary["score_global_n1"]
        notes.append(
            f"En {r.annee - 1}, évalué selon la campagne {prev.name}, le score global était de "
            f"{fmt_pct(r.score_n1_own_rules)} (classe {r.class_n1_own_rules}) ; recalculé selon les règles "
            f"de {r.campaign.name}, comme dans le graphique ci-dessus, il est de {fmt_pct(n1)}.")
    return rule_changes_table(prev, r.campaign, r.rule_changes, notes)


def rule_changes_table(previous: Campaign, campaign: Campaign, changes: tuple[RuleChange, ...],
                       notes: list[str]) -> Html:
    """The rules that changed from ``previous`` to ``campaign``, after some ``notes``."""
    if not changes:
        notes = [*notes, f"Aucune règle n'a changé entre les campagnes {previous.name} et {campaign.name}."]
    rows = [{"code": c.code, "libelle": c.label or "Règle de la campagne", "element": CHANGE_LABELS[c.field],
             "avant": rule_value(campaign, c, c.before), "apres": rule_value(campaign, c, c.after)}
            for c in changes]
    return render("rule_changes", {"avant": previous.name, "apres": campaign.name, "rows": rows, "notes": notes})


def _status_css(status: str) -> str:
    return status.replace(" ", "-").replace("è", "e").replace("é", "e")


def indicators(r: EstablishmentReport) -> Html:
    """One table per chapter: value, target, T0, N−1, score and status of every indicator."""
    c = r.campaign
    groups = []
    chapter_scores = r.chapters.set_index("chapitre")["score"]
    changed_targets = {ch.code: rule_value(c, ch, ch.before) for ch in r.rule_changes if ch.field == "cible"}
    for chapter, rows in r.indicators.groupby("chapitre", sort=True):
        items = []
        for row in rows.itertuples():
            ind = c.by_code[row.indicateur]
            motif = row.motif_nc if row.motif_nc and row.motif_nc != "déclaré NC" else ""
            own = bool(row.cible_avenant)
            target = own_target_value(ind, row.cible) if own else target_text(ind, row.cible)
            if ind.code in changed_targets and r.previous_campaign is not None and not own:
                target += f" (cible {r.previous_campaign.name} : {changed_targets[ind.code]})"
            items.append({
                "code": ind.code, "libelle": ind.label, "motif": motif,
                "valeur": value_text(ind, row.valeur, row.motif_nc == "déclaré NC"),
                "cible": target, "avenant": avenant_note(ind, row.cible_campagne) if own else "",
                "t0": value_text(ind, row.valeur_t0),
                "n1": value_text(ind, row.valeur_n1),
                "score": fmt_pct(100 * row.score, 0) if pd.notna(row.score) else "—",
                "statut": row.statut, "statut_css": _status_css(row.statut),
            })
        score = chapter_scores.get(chapter, np.nan)
        groups.append({"chapitre": int(chapter), "libelle": c.chapters[chapter], "annee": r.annee,
                       "score": fmt_pct(score) if pd.notna(score) else "non concerné", "rows": items})
    return render("indicators", groups)


def priorities(r: EstablishmentReport, n: int = N_PRIORITIES) -> Html:
    """The top ``n`` indicators by points of global score to gain, with the recommended action."""
    top = r.priorities.head(n)
    rows = [{
        "rang": k, "code": row.indicateur, "libelle": row.libelle, "action": row.action,
        "valeur": value_text(r.campaign.by_code[row.indicateur], row.valeur),
        "cible": own_target_value(r.campaign.by_code[row.indicateur], row.cible) if row.cible_avenant
        else target_text(r.campaign.by_code[row.indicateur], row.cible),
        "avenant": avenant_note(r.campaign.by_code[row.indicateur]) if row.cible_avenant else "",
        "gain": fmt_points(row.gain, 2), "manque": missing_tag(row.source_donnees) if row.non_renseigne else "",
    } for k, row in enumerate(top.itertuples(), start=1)]
    notes = []
    if rows:
        total = top["gain"].sum()
        these = "cet objectif" if len(rows) == 1 else f"ces {len(rows)} objectifs"
        notes.append(f"Atteindre {these} porterait le score global de "
                     f"{fmt_pct(r.summary['score_global'])} à {fmt_pct(r.summary['score_global'] + total)} "
                     f"({fmt_points(total)}), toutes choses égales par ailleurs.")
    else:
        notes.append("Aucun indicateur applicable n'a de marge de progression : tous sont atteints.")
    notes += missing_notes(r.priorities)
    if len(rows) > 1:
        notes.append(TIE_BREAK)
    return render("priorities", {"rows": rows, "notes": notes})


def missing_tag(source: str) -> str:
    """The tag of a priority without a value: « à renseigner » when the establishment declares it,
    « à obtenir par l'ARS » when the Assurance Maladie or the HAS provides it."""
    return "à renseigner" if source == "etablissement" else f"à obtenir par l'ARS ({DATA_SOURCES[source]})"


def missing_notes(priorities: pd.DataFrame) -> list[str]:
    """What the missing values are worth and who provides them: the establishment's own, to report
    (the cheapest gains), and the Assurance Maladie's or the HAS's, which the ARS obtains."""
    missing = priorities[priorities["non_renseigne"]]
    own = missing[missing["source_donnees"] == "etablissement"]
    other = missing[missing["source_donnees"] != "etablissement"]
    notes = []
    if not own.empty:
        n = len(own)
        notes.append(f"{agree(n, 'Indicateur déclaré', 'Indicateurs déclarés')} par l'établissement, "
                     f"{agree(n, 'non renseigné (compté 0)', 'non renseignés (comptés 0)')} : "
                     f"{', '.join(own['indicateur'])}. {agree(n, 'Le', 'Les')} renseigner rapporterait jusqu'à "
                     f"{fmt_points(own['gain'].sum(), 1, sign=False)} : ce sont les gains les moins coûteux.")
    for source, rows in other.groupby("source_donnees", sort=True):
        n, obtains = len(rows), agree(len(rows), "l'obtient", "les obtient")
        notes.append(f"{agree(n, 'Donnée manquante', 'Données manquantes')} de {PROVIDERS[str(source)]}, "
                     f"{agree(n, 'comptée 0', 'comptées 0')} : {', '.join(rows['indicateur'])}. L'ARS "
                     f"{obtains} auprès de {PROVIDERS[str(source)]} : l'établissement "
                     "n'a rien à transmettre.")
    return notes


def adjustments(r: EstablishmentReport) -> Html:
    """Contradictory phase: adjusted values and the score before and after."""
    rows = []
    for a in r.adjustments.itertuples():
        ind = r.campaign.by_code[a.indicateur]
        rows.append({"code": a.indicateur, "libelle": a.libelle, "motif": a.motif,
                     "avant": value_text(ind, a.valeur_avant, a.nc_avant).replace("—", "non renseigné"),
                     "apres": value_text(ind, a.valeur_apres, a.nc_apres).replace("—", "non renseigné")})
    if r.score_before_adjustments is None:
        text = "Aucune valeur n'a été modifiée lors de la phase contradictoire."
    else:
        text = (f"Score global avant la phase contradictoire : {fmt_pct(r.score_before_adjustments)} "
                f"(classe {r.class_before_adjustments}) ; après : {fmt_pct(r.summary['score_global'])} "
                f"(classe {r.summary['classe']}).")
    return render("adjustments", {"rows": rows, "summary": text})


def volets(r: EstablishmentReport) -> Html:
    """Additional volets in force (objectives, spending against the objective, estimated money);
    empty when the establishment has no contract in force."""
    return report_section(r.volets, r.finess, ADDITIONAL)


def method_annex(r: EstablishmentReport) -> Html:
    """The method, generated from the campaign file, as applied to this establishment."""
    c: Campaign = r.campaign
    with_list = bool(r.identity["liste_en_sus"])
    table = c.chapter_weights(with_list)
    parts = r.chapters.set_index("chapitre")["part"]
    weights = [{"chapitre": k, "libelle": c.chapters[k], "poids": fmt_pct(table.get(k), 0) if k in table else "NC",
                "effectif": fmt_pct(100 * parts.get(k, 0.0), 1) if parts.get(k, 0.0) > 0 else "NC"}
               for k in sorted(c.chapters)]
    classes = "G : score global. " + " ; ".join(f"{r.name} : {r.text()}" for r in class_ranges(c))
    if c.without_sanction:
        sanction = f"Campagne {c.name} évaluée sans sanction."
    else:
        sanction = f"Sanction possible si le score global est inférieur à {fmt_pct(c.sanction_threshold, 0)}."
        if c.sanction:
            sanction += f" {c.sanction.formula}"
    profile = (f"Établissement {'avec' if with_list else 'sans'} liste en sus : table de pondération "
               f"« {'avec' if with_list else 'sans'} liste en sus » de la campagne {c.name}. "
               "Les chapitres non concernés sont retirés et leur poids réparti au prorata des autres.")
    aggregation = (f"{NOT_FILLED} Un indicateur est retiré du calcul lorsque "
                   f"{' '.join(not_applicable_reasons(c))} {AGGREGATION} {ROUNDING}")
    return render("annex", {"profile": profile, "weights": weights, "classes": classes, "sanction": sanction,
                             "rules": [f"{RULES[u].name} : {RULES[u].summary}" for u in rules_used(c)]
                             + ([f"{AVENANT.name} : {AVENANT.summary}"] if r.indicators["cible_avenant"].any() else []),
                             "aggregation": aggregation})


def provenance(r: EstablishmentReport) -> Html:
    """Toolkit version, SHA-256 of the campaign and input files, date of generation."""
    return provenance_fragment(r.generated_on, r.toolkit_version, r.sources, REPORT_READERS)
