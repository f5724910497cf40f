"""What the report, the regional synthesis and the method document show of the additional volets
(transports, pertinence, qualité): objectives, spending against the objective, money at stake.

Every figure comes from :mod:`caqes_toolkit.evaluation.money`; texts are French and escaped by the
templates. The money is always presented as an estimate resting on the campaign's rules, whose
source (``[texte]`` official text or ``[choix]`` documented choice) is printed beside it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..evaluation.money import VoletResults, objective_path
from ..formats import fmt_euros, fmt_num, fmt_pct, fmt_rate
from ..rules.campaign import Volet, VoletIndicator
from .charts import WIDTH, _margins, _style
from .fragments import Html, figure, render

__all__ = ["method_section", "rate_text", "report_section", "spending_chart", "synthesis_section",
           "volet_objectives"]

CHOICE = ("Les valeurs marquées [choix] sont des choix documentés de la campagne, non des valeurs "
          "officielles : les montants qui en dépendent sont des estimations, à confirmer par l'ARS et "
          "l'Assurance Maladie après la phase contradictoire.")


def _date(value) -> str:
    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def rate_text(line: VoletIndicator) -> str:
    """« 2,2 %/an », « −5,0 %/an » or « 1,0 %/an en 2018, 0,5 %/an en 2019 »."""
    if isinstance(line.target_rate, dict):
        return ", ".join(f"{fmt_rate(r)} en {y}" for y, r in sorted(line.target_rate.items()))
    return fmt_rate(line.target_rate)


def spending_chart(path: pd.DataFrame, line: VoletIndicator, year: int) -> Figure:
    """Spending of each year from the reference year to N (solid line) against the objective
    (cascade from the reference amount, dashed line); the axis is fitted to the amounts so that
    the gap between them shows."""
    years = path["annee"].astype(int).tolist()
    spent = path["montant"].to_numpy(dtype=float)
    goal = path["objectif"].to_numpy(dtype=float)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 2.6))
        _margins(fig, left=1.0, right=0.2, top=0.45, bottom=0.45)
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


def _value(results: VoletResults, row) -> str:
    from .sections import value_text

    ind = results.campaign.volet_indicators[row.indicateur][1]
    if ind.rule == "mesure":
        if pd.isna(row.valeur):
            return "—"
        return fmt_num(row.valeur, 0 if float(row.valeur).is_integer() else 1, unit=ind.unit)
    return value_text(ind.as_indicator(1), row.valeur)


def _target(results: VoletResults, row) -> str:
    from .sections import target_text

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


def _line_facts(results: VoletResults, row, line: VoletIndicator, year: int) -> list[tuple[str, str]]:
    """(label, value) of one expense line."""
    facts = [(f"Dépenses {int(row.annee_reference)} (référence)", fmt_euros(row.montant_reference)),
             (f"Objectif {year}", fmt_euros(row.objectif)),
             (f"Dépenses {year}", fmt_euros(row.montant)),
             (f"Évolution {year - 1} → {year}", fmt_pct(row.evolution, 2, sign=True))]
    if results.campaign.second_generation:  # incentive only: the savings, the rate and the line's share
        facts.insert(1, ("Taux d'évolution cible", rate_text(line)))
        return [*facts, (f"Économies par rapport à {year - 1}", fmt_euros(row.economies)),
                ("Intéressement estimé de la ligne", fmt_euros(row.interessement))]
    if pd.notna(row.depassement) and row.depassement > 0:
        facts.append(("Dépassement de l'objectif", fmt_euros(row.depassement)))
    else:
        kind = "par rapport à l'objectif" if line.reference == "debut_contrat" else f"par rapport à {year - 1}"
        facts.append((f"Économies {kind}", fmt_euros(row.economies)))
    return facts


def _money_sentences(results: VoletResults, volet: Volet, total, year: int) -> list[str]:
    """What the estimated amounts are and how they were computed."""
    c = results.campaign
    out = []
    a = fmt_pct(total.atteinte, 0)
    if volet.expenses:
        if pd.isna(total.economies):
            out.append("Montants non calculés : une dépense nécessaire (année de référence, année "
                       f"{year - 1} ou {year}) n'a pas été transmise.")
        elif volet.share_savings is not None and total.economies == 0:
            out.append("Aucune économie constatée : pas d'intéressement.")
        elif volet.share_savings is not None:
            out.append(f"Intéressement estimé = {fmt_pct(volet.share_savings, 0)} des économies "
                       f"({fmt_euros(total.economies)}) × atteinte des objectifs ({a}) = "
                       f"{fmt_euros(total.interessement)}.")
        if c.second_generation:
            out.append(_incentive_basis(volet, total, year))
        elif c.without_sanction:
            out.append(f"Campagne {c.name} évaluée sans sanction : aucun reversement n'est demandé.")
        elif volet.share_overrun is not None and total.depassement == 0:
            out.append("Aucun dépassement de l'objectif : pas de reversement.")
        elif volet.share_overrun is not None and pd.notna(total.depassement):
            cap = _cap_text(volet, total.produits_am)
            out.append(f"Reversement maximum estimé = {fmt_pct(volet.share_overrun, 0)} du dépassement "
                       f"({fmt_euros(total.depassement)}){cap} = {fmt_euros(total.reversement_max)}"
                       + (" : une sanction peut être proposée." if total.sanction_proposee else "."))
    elif volet.achievement_threshold is not None and not c.without_sanction:
        threshold = fmt_pct(volet.achievement_threshold, 0)
        if total.sanction_proposee:
            out.append(f"Atteinte des objectifs {a}, sous le seuil de {threshold} : une sanction peut être "
                       f"proposée{_cap_text(volet, total.produits_am)}.")
        else:
            out.append(f"Atteinte des objectifs {a}, au moins égale au seuil de {threshold} : "
                       "aucune sanction n'est proposée.")
    elif c.without_sanction:
        out.append(f"Campagne {c.name} évaluée sans sanction.")
    return out


def _incentive_basis(volet: Volet, total, year: int) -> str:
    """What a second-generation intéressement rests on."""
    return (f"Cet intéressement repose sur : la part de {fmt_pct(volet.share_savings, 0)} des économies fixée par "
            f"la région ; les économies constatées sur l'année civile {year} par rapport à {year - 1} (dépenses "
            f"remboursées par l'Assurance Maladie) ; le degré de réalisation des objectifs du volet "
            f"({fmt_pct(total.atteinte, 0)}). C'est une estimation : le montant versé par le fonds "
            "d'intervention régional (FIR) est arrêté par l'ARS et l'Assurance Maladie après les observations "
            "de l'établissement.")


def _cap_text(volet: Volet, income: float) -> str:
    """« , dans la limite de 1,0 % des produits Assurance Maladie (686 098,01 €) »."""
    if volet.cap_pct_income is None:
        return ""
    amount = (f" ({fmt_euros(volet.cap_pct_income / 100 * income)})" if pd.notna(income)
              else " (produits non connus : montant non plafonné)")
    return f", dans la limite de {fmt_pct(volet.cap_pct_income, 1)} des produits Assurance Maladie{amount}"


def report_section(results: VoletResults | None, finess: str) -> Html:
    """The « Volets additionnels » section of one establishment's report (empty without a
    contract in force)."""
    if results is None or results.rows.empty:
        return Html("")
    c, year = results.campaign, results.annee
    rows = results.rows[results.rows["finess"] == finess]
    items = []
    for total in rows[rows["indicateur"] == ""].itertuples():
        volet = c.volet_by_code[total.volet]
        lines = []
        for row in rows[(rows["volet"] == total.volet) & (rows["indicateur"] != "")].itertuples():
            line = next(i for i in volet.expenses if i.code == row.indicateur)
            if c.second_generation:  # two years only (N − 1 and N): the table says it all
                lines.append({"code": line.code, "libelle": line.label, "facts": _line_facts(results, row, line, year),
                              "figure": "", "targeted": ""})
                continue
            path = objective_path(pd.DataFrame([row._asdict()]), results.expenses, c, year)
            chart = figure(spending_chart(path, line, year),
                           f"Dépenses {line.expense} et objectif depuis {int(row.annee_reference)}",
                           f"{line.label} : dépenses constatées (trait plein) et objectif (tirets) calculé depuis "
                           f"les dépenses de {int(row.annee_reference)} au taux de {rate_text(line)}.")
            lines.append({"code": line.code, "libelle": line.label, "facts": _line_facts(results, row, line, year),
                          "figure": chart, "targeted": _targeting_text(row, line, year)})
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
            "contrat": (f"Contrat du {_date(total.date_debut)} "
                        + (f"au {_date(total.date_fin)}" if pd.notna(total.date_fin) else "sans date de fin")),
            "kpis": kpis, "lines": lines, "objectifs": _objective_rows(results, finess, total.volet),
            "priorites": [{"code": r.indicateur, "libelle": r.libelle, "action": r.action}
                          for r in todo.itertuples()],
            "notes": _money_sentences(results, volet, total, year),
            "source": f"Règles du volet (fichier de campagne {c.name}) : {volet.source}" if volet.source else "",
        })
    if c.second_generation:
        intro = (f"L'établissement a {len(items)} contrat(s) de volet incitatif en vigueur en {year}. Pour "
                 f"chaque indicateur : dépenses {year - 1} et {year}, taux d'évolution cible et objectif, "
                 "économies et intéressement estimé. Le degré de réalisation des objectifs d'un volet est la "
                 "moyenne pondérée des scores de ses objectifs notés (100 % sans objectif noté).")
        return render("volets", {"titre": "Volets incitatifs", "intro": intro, "volets": items, "choix": CHOICE})
    intro = (f"L'établissement a {len(items)} contrat(s) de volet additionnel en vigueur en {year}. "
             "L'atteinte des objectifs de chaque volet est la moyenne pondérée des scores de ses objectifs "
             "notés, calculés comme ceux du volet obligatoire ; elle n'entre pas dans le score global.")
    return render("volets", {"titre": "Volets additionnels", "intro": intro, "volets": items, "choix": CHOICE})


def _targeting_text(row, line: VoletIndicator, year: int) -> str:
    if line.targeting_threshold is None or row.ciblage is None:
        return ""
    threshold = fmt_euros(line.targeting_threshold, 0)
    rate = line.rate(year)
    if row.ciblage:
        return (f"Critère de ciblage rempli en {year} (évolution supérieure à "
                f"{fmt_rate(rate)} ou dépenses d'au moins {threshold}) : l'établissement reste "
                "ciblé pour un prochain contrat.")
    return f"Critère de ciblage non rempli en {year} (évolution et dépenses sous les seuils)."


# --- regional synthesis ------------------------------------------------------------------------


def _sum(values: pd.Series) -> tuple[str, int]:
    """Sum of the known amounts, and how many are unknown."""
    return fmt_euros(values.sum(min_count=1) if values.notna().any() else np.nan, 0), int(values.isna().sum())


def synthesis_section(results: VoletResults | None, targeted: pd.DataFrame, names: dict[str, str]) -> Html:
    """The « Volets additionnels » section of the regional synthesis: per volet, contracts in
    force, savings and overruns, estimated intéressement and reversement, and the establishments
    the targeting rule flags for a next contract."""
    if results is None or not results.campaign.volets:
        return Html("")
    c, year = results.campaign, results.annee
    totals = results.rows[results.rows["indicateur"] == ""]
    summary, notes = [], []
    for volet in c.volets:
        rows = totals[totals["volet"] == volet.code]
        money = {}
        for column, applies in (("economies", bool(volet.expenses)), ("depassement", bool(volet.expenses)),
                                ("interessement", volet.expenses and volet.share_savings is not None),
                                ("reversement_max", rows["_clawback"].any() if len(rows) else False)):
            if not applies or rows.empty:
                money[column] = "—"
                continue
            text, unknown = _sum(rows[column] if column != "reversement_max" else rows.loc[rows["_clawback"], column])
            money[column] = text + (f" ({unknown} non calculé{'s' if unknown > 1 else ''})" if unknown else "")
        summary.append({"volet": volet.label, "code": volet.code, "n": len(rows), **money,
                        "sanctions": int(rows["sanction_proposee"].eq(True).sum())})
    contracts = [{
        "finess": r.finess, "nom": names.get(r.finess, ""), "volet": r.volet,
        "periode": f"{_date(r.date_debut)} – {_date(r.date_fin) if pd.notna(r.date_fin) else 'sans fin'}",
        "atteinte": fmt_pct(r.atteinte, 0), "economies": fmt_euros(r.economies, 0),
        "depassement": fmt_euros(r.depassement, 0),
        "interessement": fmt_euros(r.interessement, 0), "reversement": fmt_euros(r.reversement_max, 0),
        "sanction": {True: "oui", False: "non"}.get(r.sanction_proposee, "—"),
    } for r in totals.assign(_o=totals["volet"].map({v.code: k for k, v in enumerate(c.volets)}))
        .sort_values(["_o", "finess"]).itertuples()]
    flagged = [{"finess": t.finess, "nom": names.get(t.finess, ""), "volet": t.volet,
                "indicateur": t.indicateur, "montant": fmt_euros(t.montant, 0),
                "evolution": fmt_pct(t.evolution, 2, sign=True),
                "contrat": "oui" if t.sous_contrat else "non"} for t in targeted.itertuples()]
    lines = [i for v in c.volets for i in v.expenses if i.targeting_threshold is not None]
    rule = " ; ".join(f"{i.code} : évolution {year - 1} → {year} supérieure à "
                      f"{fmt_rate(i.rate(year))} ou dépenses {year} "
                      f"d'au moins {fmt_euros(i.targeting_threshold, 0)}" for i in lines)
    notes.append(f"Règle de ciblage (premier contrat ou renouvellement) — {rule}." if rule else
                 "Aucune règle de ciblage (seuil_ciblage) dans la campagne.")
    if c.without_sanction:
        notes.append(f"Campagne {c.name} évaluée sans sanction : aucun reversement n'est estimé.")
    notes.append(CHOICE)
    return render("synthesis_volets", {"annee": year, "summary": summary, "contracts": contracts,
                                       "flagged": flagged, "notes": notes,
                                       "sources": [f"{v.label} : {v.source}" for v in c.volets if v.source]})


# --- method document ---------------------------------------------------------------------------

METHOD_TEXTS = (
    ("Un volet additionnel (transports, pertinence des soins, qualité) est un contrat signé par les "
     "établissements ciblés, pour 5 ans au plus. Un contrat est en vigueur l'année N s'il commence au plus "
     "tard le 31 décembre de N et n'a pas de date de fin ou finit au plus tôt le 1er janvier de N."),
    ("Les objectifs d'un volet sont notés comme les indicateurs du volet obligatoire (règles binaire, cible, "
     "seuils, maturité) ; ils n'entrent jamais dans les chapitres ni dans le score global. Un objectif de "
     "règle « mesure » est relevé et affiché, jamais noté. L'atteinte A du volet est la moyenne des scores "
     "de ses objectifs notés applicables, pondérée par leur poids (A = 100 % sans objectif noté)."),
    ("Une ligne de dépense (règle « depense ») est un montant remboursé par l'Assurance Maladie par année "
     "civile (table depenses). L'année de référence R est l'année qui précède le début du contrat "
     "(référence « debut_contrat ») ou l'année précédente N − 1 (« annee_precedente ») ; MT_R est la "
     "dépense de R."),
    ("Objectif de l'année N : MTc_N = MT_R × (1 + x_R+1 / 100) × … × (1 + x_N / 100), où x est le taux "
     "d'évolution cible de chaque année (un taux unique ou un taux par année). Évolution = 100 × "
     "(MT_N / MT_N−1 − 1). Dépassement = max(0 ; MT_N − MTc_N). Économies = max(0 ; MTc_N − MT_N) avec "
     "la référence « debut_contrat », max(0 ; MT_N−1 − MT_N) avec « annee_precedente »."),
    ("Intéressement estimé = part d'intéressement × économies × A. Reversement maximum estimé = "
     "min(part de reversement × dépassement ; plafond × produits Assurance Maladie), sans plafond si les "
     "produits ne sont pas connus ; aucun reversement si la campagne est évaluée sans sanction ou si le "
     "volet ne prévoit pas de part de reversement. Une sanction est proposée si ce montant est positif."),
    ("Un volet sans ligne de dépense (qualité) propose une sanction si 100 × A est inférieur à son seuil "
     "d'atteinte ; son montant maximum est le plafond × les produits Assurance Maladie."),
    ("Ciblage (premier contrat ou renouvellement) : un établissement est signalé si l'évolution de sa "
     "dépense dépasse le taux cible de l'année ou si sa dépense atteint le seuil de ciblage."),
    ("Une dépense nécessaire qui manque laisse les montants vides (jamais 0) et est signalée. Les montants "
     "sont arrondis au centime."),
)


def _pct_or_dash(x: float | None) -> str:
    return "—" if x is None else fmt_pct(x, 0 if float(x).is_integer() else 1)


def _example_dataset(campaign, volet: Volet, line: VoletIndicator, year: int, spent: tuple[float, ...]):
    """A fictitious establishment with a contract from 01/01/(N − 1), every objective of the
    volet met, and the given spending of N − 2, N − 1 and N."""
    from ..data.dataset import COLUMNS, MATURITY_STEPS, Dataset
    from ..evaluation.analysis import target_value

    fid = "EX0000001"
    es = pd.DataFrame({"finess": [fid], "raison_sociale": "Exemple", "region": "Exemple",
                       "activites": "MCO;HAD;DIA;SSR;PSY", "liste_en_sus": True, "produits_am": 10_000_000.0})
    rows = []
    for objective in volet.scored:  # every objective met; one with a reference target: NC
        ind = objective.as_indicator(1)
        nc = ind.target_kind in ("national", "regional")
        number = float(ind.target) if isinstance(ind.target, int | float) else None
        rows.append((fid, year, ind.code, np.nan if nc else target_value(ind, number), nc))
    res = pd.DataFrame(rows, columns=["finess", "annee", "indicateur", "valeur", "nc"]).astype(
        {"annee": "int64", "valeur": float, "nc": bool})
    res["brut"] = ""
    empty = {name: pd.DataFrame(columns=COLUMNS[name]) for name in ("references", "adjustments")}
    empty["references"] = empty["references"].astype({"annee": "int64", "valeur": float})
    empty["adjustments"] = empty["adjustments"].astype({"annee": "int64", "valeur": float})
    mat = pd.DataFrame(columns=["finess", "annee", *MATURITY_STEPS]).astype({"annee": "int64"})
    contracts = pd.DataFrame({"finess": [fid], "volet": volet.code, "date_debut": [pd.Timestamp(year - 1, 1, 1)],
                              "date_fin": [pd.NaT]})
    expenses = pd.DataFrame({"finess": fid, "annee": [year - 2, year - 1, year], "poste": line.expense,
                             "montant": list(spent)}).astype({"annee": "int64", "montant": float})
    return Dataset(es, res[list(COLUMNS["results"])], empty["references"], mat, empty["adjustments"],
                   contracts=contracts, expenses=expenses)


def _worked_example(campaign, year: int) -> dict | None:
    """A worked example of the method document, computed by :func:`evaluate_volets` on fictitious spending."""
    from ..evaluation.money import evaluate_volets

    found = [(v, i) for v in campaign.volets for i in v.expenses if i.reference == "debut_contrat"]
    if not found:
        return None
    volet, line = found[0]
    spent = (1_200_000.0, 1_230_000.0, 1_250_000.0)
    result = evaluate_volets(_example_dataset(campaign, volet, line, year, spent), campaign, year)
    row = result.rows.iloc[0]
    r = year - 2
    rates = " × ".join(f"(1 + {fmt_pct(line.rate(k))})" if line.rate(k) is not None else "?"
                       for k in range(r + 1, year + 1))
    share = volet.share_savings
    rows = [
        (f"Dépenses {r} (référence : contrat débutant le 01/01/{year - 1})", fmt_euros(spent[0])),
        (f"Dépenses {year - 1} ; {year}", f"{fmt_euros(spent[1])} ; {fmt_euros(spent[2])}"),
        (f"Objectif {year} = {fmt_num(spent[0], 0)} × {rates}", fmt_euros(row["objectif"])),
        (f"Évolution {year - 1} → {year}", fmt_pct(row["evolution"], 2, sign=True)),
        ("Économies = objectif − dépenses", fmt_euros(row["economies"])),
        ("Atteinte des objectifs du volet (tous atteints)", fmt_pct(row["atteinte"], 0)),
    ]
    if share is not None:
        rows.append((f"Intéressement estimé = {fmt_pct(share, 0)} × {fmt_euros(row['economies'])} × "
                     f"{fmt_pct(row['atteinte'], 0)}", fmt_euros(row["interessement"])))
    if line.targeting_threshold is not None:
        rows.append((f"Ciblage : évolution > {fmt_pct(line.rate(year))} ou dépenses ≥ "
                     f"{fmt_euros(line.targeting_threshold, 0)}", {True: "oui", False: "non"}.get(row["ciblage"], "—")))
    over = (1_200_000.0, 1_230_000.0, 1_400_000.0)
    result = evaluate_volets(_example_dataset(campaign, volet, line, year, over), campaign, year)
    o = result.rows.iloc[0]
    if campaign.without_sanction or volet.share_overrun is None:
        overrun = (f"Avec des dépenses {year} de {fmt_euros(over[2])}, le dépassement est de "
                   f"{fmt_euros(o['depassement'])} ; "
                   + (f"la campagne {campaign.name} étant évaluée sans sanction, aucun reversement n'est estimé."
                      if campaign.without_sanction else "le volet ne prévoit pas de reversement."))
    else:
        cap = (f" ; plafond {fmt_pct(volet.cap_pct_income, 1)} × {fmt_euros(10_000_000, 0)} de produits = "
               f"{fmt_euros(volet.cap_pct_income / 100 * 10_000_000)}" if volet.cap_pct_income is not None else "")
        overrun = (f"Avec des dépenses {year} de {fmt_euros(over[2])}, le dépassement est de "
                   f"{fmt_euros(o['depassement'])} ; "
                   f"reversement maximum = min({fmt_pct(volet.share_overrun, 0)} × {fmt_euros(o['depassement'])}{cap}) "
                   f"= {fmt_euros(o['reversement_max'])}.")
    return {"titre": f"Exemple (volet {volet.code}, ligne {line.code}, année {year}), calculé par l'outil",
            "rows": rows, "overrun": overrun}


def method_section(campaign) -> dict | None:
    """The volets part of the method document (None for a campaign without volets)."""
    if not campaign.volets:
        return None
    year = campaign.year if campaign.year and campaign.year >= campaign.t0_year + 2 else campaign.t0_year + 2
    volets = [{"code": v.code, "libelle": v.label, "interessement": _pct_or_dash(v.share_savings),
               "reversement": _pct_or_dash(v.share_overrun), "plafond": _pct_or_dash(v.cap_pct_income),
               "seuil": _pct_or_dash(v.achievement_threshold), "source": v.source} for v in campaign.volets]
    objectives = []
    for v in campaign.volets:
        for i in v.indicators:
            if i.rule == "depense":
                rule = (f"dépense « {i.expense} », taux cible {rate_text(i)}, référence "
                        f"{'début du contrat' if i.reference == 'debut_contrat' else 'année précédente'}"
                        + (f", seuil de ciblage {fmt_euros(i.targeting_threshold, 0)}" if i.targeting_threshold
                           is not None else ""))
            elif i.rule == "mesure":
                rule = "mesure (non notée)"
            else:
                from .sections import target_text

                ind = i.as_indicator(1)
                target = float(ind.target) if ind.target_kind == "number" else np.nan
                rule = f"{i.rule} : {target_text(ind, target)}"
            objectives.append({"volet": v.code, "code": i.code, "libelle": i.label, "regle": rule,
                               "source": {"seed": "documents ARS", "texte": "texte officiel",
                                          "défaut": "défaut"}[i.source]})
    return {"texts": METHOD_TEXTS, "volets": volets, "objectives": objectives,
            "example": _worked_example(campaign, year), "choix": CHOICE}
