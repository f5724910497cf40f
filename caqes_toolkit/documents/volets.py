"""What an establishment's report shows of its contracts' volets: objectives, spending against the
objective, money at stake. Both generations show them: the additional volets of the first (transports,
pertinence, qualité: :data:`ADDITIONAL`) and the incentive volets of the second, each through its
:class:`Presentation` (the second's is in :mod:`caqes_toolkit.documents.contracts`).

Every figure comes from :mod:`caqes_toolkit.evaluation.money`; texts are French and escaped by the
templates. The money is always presented as an estimate resting on the campaign's rules, whose
source (``[texte]`` official text or ``[choix]`` documented choice) is printed beside it, with what the
marks mean (:data:`MARKS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..evaluation.cap import income_cap
from ..evaluation.money import VoletResults, objective_path
from ..formats import fmt_euros, fmt_num, fmt_pct, fmt_rate, plural
from ..rules.objectives import Volet, VoletIndicator
from .charts import WIDTH, margins, style
from .fragments import Html, figure, render
from .rule_texts import rate_text, target_text, value_text

__all__ = ["ADDITIONAL", "MARKS", "Presentation", "cap_text", "date_text", "report_section", "savings_notes",
           "spending_chart", "spending_facts", "volet_objectives"]

#: What the marks of the campaign's sources mean, printed wherever a source is: « [texte] », « [choix] »
#: and « à compléter » are written for the campaign's author, and explained to every other reader.
MARKS = ("Dans les règles citées, [texte] marque une valeur tirée d'un texte officiel ; [choix], un choix documenté "
         "de la campagne, non une valeur officielle : les montants qui en dépendent sont des estimations, à "
         "confirmer par l'ARS et l'Assurance Maladie après la phase contradictoire ; « à compléter », une valeur "
         "que la région n'a pas encore fixée.")


def date_text(value: Any) -> str:
    """« 01/07/2023 », « — » for no date."""
    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def spending_chart(path: pd.DataFrame, line: VoletIndicator, year: int) -> Figure:
    """Spending of each year from the reference year to N (solid line) against the objective
    (cascade from the reference amount, dashed line); the axis is fitted to the amounts so that
    the gap between them shows."""
    years = path["annee"].astype(int).tolist()
    spent = path["montant"].to_numpy(dtype=float)
    goal = path["objectif"].to_numpy(dtype=float)
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 2.6))
        margins(fig, left=1.0, right=0.2, top=0.45, bottom=0.45)
        ax.plot(years, goal, color="#d73027", lw=2, ls="--", marker="o", ms=4,
                label=f"Objectif ({rate_text(line)} depuis {years[0]})", zorder=3)
        ax.plot(years, spent, color="#0072B2", lw=2.4, marker="o", ms=6, label="Dépenses constatées", zorder=4)
        for x, v, g in zip(years, spent, goal):
            if not np.isnan(v):
                below = not np.isnan(g) and v < g
                ax.annotate(fmt_euros(v, 0), (x, v), textcoords="offset points", xytext=(0, -13 if below else 8),
                            ha="center", fontsize=8, color="#0072B2", fontweight="bold")
        if not np.isnan(goal[-1]):
            below = not np.isnan(spent[-1]) and spent[-1] < goal[-1]
            ax.annotate(f"objectif {fmt_euros(goal[-1], 0)}", (years[-1], goal[-1]), textcoords="offset points",
                        xytext=(0, 8 if below else -13), ha="center", fontsize=8, color="#d73027")
        values = np.r_[spent, goal]
        values = values[~np.isnan(values)]
        if values.size:
            low, high = values.min(), values.max()
            pad = max((high - low) * 0.35, high * 0.02, 1.0)
            ax.set_ylim(max(low - pad, 0), high + pad)
        pad_x = 0.3
        ax.set_xlim(years[0] - pad_x, years[-1] + pad_x)
        ax.set_xticks(years, [f"{y}\n(référence)" if k == 0 else str(y) for k, y in enumerate(years)])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v / 1000, 0, unit="k€")))
        ax.set_ylabel("Euros par an")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8)
    return fig


def volet_objectives(results: VoletResults, finess: str) -> pd.DataFrame:
    """The scored objectives of the establishment's volets that are not fully met (with their
    action), as the priorities of its contracts: volet, indicateur, libelle, valeur, cible,
    statut, action."""
    obj = results.objectives
    mine = obj[(obj["finess"] == finess) & obj["applicable"].astype(bool) & (obj["score"] < 1 - 1e-12)]
    return mine.reset_index(drop=True)


def _value(results: VoletResults, row: Any) -> str:
    ind = results.campaign.volet_indicators[row.indicateur][1]
    if ind.rule == "mesure":
        if pd.isna(row.valeur):
            return "—"
        return fmt_num(row.valeur, 0 if float(row.valeur).is_integer() else 1, unit=ind.unit)
    return value_text(ind.as_indicator(1), row.valeur)


def _target(results: VoletResults, row: Any) -> str:
    ind = results.campaign.volet_indicators[row.indicateur][1]
    return "mesure suivie, non notée" if ind.rule == "mesure" else target_text(ind.as_indicator(1), row.cible)


def _objective_rows(results: VoletResults, finess: str, volet: str) -> list[dict]:
    obj = results.objectives
    rows = obj[(obj["finess"] == finess) & (obj["volet"] == volet)]
    return [{"code": r.indicateur, "libelle": r.libelle, "valeur": _value(results, r),
             "cible": _target(results, r),
             "score": "—" if pd.isna(r.score) else fmt_pct(100 * r.score, 0),
             "statut": r.statut, "statut_css": r.statut.replace(" ", "-").replace("é", "e").replace("è", "e")}
            for r in rows.itertuples()]


def spending_facts(row: Any, year: int) -> list[tuple[str, str]]:
    """(label, value) of an expense line's spending: reference, objective, year N, growth."""
    return [(f"Dépenses {int(row.annee_reference)} (référence)", fmt_euros(row.montant_reference)),
            (f"Objectif {year}", fmt_euros(row.objectif)),
            (f"Dépenses {year}", fmt_euros(row.montant)),
            (f"Évolution {year - 1} → {year}", fmt_pct(row.evolution, 2, sign=True))]


def savings_notes(volet: Volet, total: Any, year: int) -> list[str]:
    """What the estimated savings and intéressement of a volet with expenses are."""
    if pd.isna(total.economies):
        return ["Montants non calculés : une dépense nécessaire (année de référence, année "
                f"{year - 1} ou {year}) n'a pas été transmise."]
    if volet.share_savings is not None and total.economies == 0:
        return ["Aucune économie constatée : pas d'intéressement."]
    if volet.share_savings is not None:
        return [f"Intéressement estimé = {fmt_pct(volet.share_savings, 0)} des économies "
                f"({fmt_euros(total.economies)}) × atteinte des objectifs ({fmt_pct(total.atteinte, 0)}) = "
                f"{fmt_euros(total.interessement)}."]
    return []


def cap_text(volet: Volet, income: float) -> str:
    """« , dans la limite de 1,0 % des produits Assurance Maladie (686 098,01 €) »."""
    if volet.cap_pct_income is None:
        return ""
    amount = (f" ({fmt_euros(income_cap(volet.cap_pct_income, income))})" if pd.notna(income)
              else " (produits non connus : montant non plafonné)")
    return f", dans la limite de {fmt_pct(volet.cap_pct_income, 1)} des produits Assurance Maladie{amount}"


@dataclass(frozen=True)
class Presentation:
    """How a generation's report shows its volets: the section's title and introduction (given the
    number of contracts and the year), the facts of an expense line, the notes on a volet's money
    after its savings, and whether each line has its spending chart and targeting sentence."""

    title: str
    intro: Callable[[int, int], str]
    line_facts: Callable[[VoletResults, Any, VoletIndicator, int], list[tuple[str, str]]]
    money_notes: Callable[[VoletResults, Volet, Any, int], list[str]]
    line_charts: bool = True


def _additional_facts(results: VoletResults, row: Any, line: VoletIndicator, year: int) -> list[tuple[str, str]]:
    facts = spending_facts(row, year)
    if pd.notna(row.depassement) and row.depassement > 0:
        return [*facts, ("Dépassement de l'objectif", fmt_euros(row.depassement))]
    kind = "par rapport à l'objectif" if line.reference == "debut_contrat" else f"par rapport à {year - 1}"
    return [*facts, (f"Économies {kind}", fmt_euros(row.economies))]


def _overrun_notes(results: VoletResults, volet: Volet, total: Any, year: int) -> list[str]:
    """The reversement an overrun may cost (first generation)."""
    c = results.campaign
    if c.without_sanction:
        return [f"Campagne {c.name} évaluée sans sanction : aucun reversement n'est demandé."]
    if volet.share_overrun is not None and total.depassement == 0:
        return ["Aucun dépassement de l'objectif : pas de reversement."]
    if volet.share_overrun is not None and pd.notna(total.depassement):
        return [f"Reversement maximum estimé = {fmt_pct(volet.share_overrun, 0)} du dépassement "
                f"({fmt_euros(total.depassement)}){cap_text(volet, total.produits_am)} = "
                f"{fmt_euros(total.reversement_max)}"
                + (" : une sanction peut être proposée." if total.sanction_proposee else ".")]
    return []


#: The additional volets of a first-generation contract, beside its socle.
ADDITIONAL = Presentation(
    title="Volets additionnels",
    intro=lambda n, year: (f"L'établissement a {plural(n, 'contrat de volet additionnel')} en vigueur en {year}. "
                           "L'atteinte des objectifs de chaque volet est la moyenne pondérée des scores de ses "
                           "objectifs notés, calculés comme ceux du volet obligatoire ; elle n'entre pas dans le "
                           "score global."),
    line_facts=_additional_facts, money_notes=_overrun_notes)


def _money_sentences(results: VoletResults, volet: Volet, total: Any, year: int,
                     presentation: Presentation) -> list[str]:
    """What the estimated amounts are and how they were computed."""
    c = results.campaign
    if volet.expenses:
        return [*savings_notes(volet, total, year), *presentation.money_notes(results, volet, total, year)]
    a = fmt_pct(total.atteinte, 0)
    if volet.achievement_threshold is not None and not c.without_sanction:
        threshold = fmt_pct(volet.achievement_threshold, 0)
        if total.sanction_proposee:
            return [f"Atteinte des objectifs {a}, sous le seuil de {threshold} : une sanction peut être "
                    f"proposée{cap_text(volet, total.produits_am)}."]
        return [f"Atteinte des objectifs {a}, au moins égale au seuil de {threshold} : "
                "aucune sanction n'est proposée."]
    if c.without_sanction:
        return [f"Campagne {c.name} évaluée sans sanction."]
    return []


def _line(results: VoletResults, row: Any, line: VoletIndicator, year: int, presentation: Presentation) -> dict:
    """One expense line of a volet: its facts and, when the presentation has them, its chart."""
    facts = presentation.line_facts(results, row, line, year)
    if not presentation.line_charts:
        return {"code": line.code, "libelle": line.label, "facts": facts, "figure": "", "targeted": ""}
    path = objective_path(pd.DataFrame([row._asdict()]), results.expenses, results.campaign, year)
    chart = figure(spending_chart(path, line, year),
                   f"Dépenses {line.expense} et objectif depuis {int(row.annee_reference)}",
                   f"{line.label} : dépenses constatées (trait plein) et objectif (tirets) calculé depuis "
                   f"les dépenses de {int(row.annee_reference)} au taux de {rate_text(line)}.")
    return {"code": line.code, "libelle": line.label, "facts": facts, "figure": chart,
            "targeted": _targeting_text(row, line, year)}


def report_section(results: VoletResults | None, finess: str, presentation: Presentation = ADDITIONAL) -> Html:
    """The section on the volets of one establishment's report, as ``presentation`` shows them
    (empty without a contract in force)."""
    if results is None or results.rows.empty:
        return Html("")
    c, year = results.campaign, results.annee
    rows = results.rows[results.rows["finess"] == finess]
    items = []
    for total in rows[rows["indicateur"] == ""].itertuples():
        volet = c.volet_by_code[total.volet]
        lines = [_line(results, row, next(i for i in volet.expenses if i.code == row.indicateur), year, presentation)
                 for row in rows[(rows["volet"] == total.volet) & (rows["indicateur"] != "")].itertuples()]
        kpis = [("Atteinte des objectifs", fmt_pct(total.atteinte, 0))]
        if volet.expenses and volet.share_savings is not None:
            kpis.append(("Intéressement estimé", fmt_euros(total.interessement)))
        if not c.without_sanction and (volet.share_overrun is not None or not volet.expenses):
            kpis.append(("Reversement maximum estimé", fmt_euros(total.reversement_max)))
            kpis.append(("Sanction", {True: "proposée", False: "non proposée"}.get(total.sanction_proposee, "—")))
        todo = volet_objectives(results, finess)
        todo = todo[todo["volet"] == total.volet]
        items.append({
            "titre": f"Volet « {volet.label} »",
            "contrat": (f"Contrat du {date_text(total.date_debut)} "
                        + (f"au {date_text(total.date_fin)}" if pd.notna(total.date_fin) else "sans date de fin")),
            "kpis": kpis, "lines": lines, "objectifs": _objective_rows(results, finess, total.volet),
            "priorites": [{"code": r.indicateur, "libelle": r.libelle, "action": r.action}
                          for r in todo.itertuples()],
            "notes": _money_sentences(results, volet, total, year, presentation),
            "source": f"Règles du volet (fichier de campagne {c.name}) : {volet.source}" if volet.source else "",
        })
    return render("volets", {"titre": presentation.title, "intro": presentation.intro(len(items), year),
                             "volets": items, "choix": MARKS})


def _targeting_text(row: Any, line: VoletIndicator, year: int) -> str:
    if line.targeting_threshold is None or row.ciblage is None:
        return ""
    threshold = fmt_euros(line.targeting_threshold, 0)
    rate = line.rate(year)
    if row.ciblage:
        return (f"Critère de ciblage rempli en {year} (évolution supérieure à "
                f"{fmt_rate(rate)} ou dépenses d'au moins {threshold}) : l'établissement reste "
                "ciblé pour un prochain contrat.")
    return f"Critère de ciblage non rempli en {year} (évolution et dépenses sous les seuils)."
