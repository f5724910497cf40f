"""The method document of a first-generation campaign: its YAML file as a readable, self-contained
French HTML (and PDF), that an ARS publishes so that each establishment can check its score by hand.

Every number comes from the campaign; the worked examples are scored by the scoring engine
itself (:func:`caqes_toolkit.evaluation.scoring.score`) on fictitious values, so the document cannot
disagree with the code. Texts are escaped by the Jinja2 template (autoescape on).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..data.dataset import MATURITY_STEPS, Dataset
from ..errors import CaqesError
from ..evaluation.analysis import target_value
from ..evaluation.cap import income_cap
from ..evaluation.money import evaluate_volets
from ..evaluation.scoring import score
from ..formats import fmt_euros, fmt_num, fmt_pct, french_spacing_html, plural
from ..rules.campaign import Campaign
from ..rules.objectives import Indicator, Volet, VoletIndicator
from .avenant import method_section
from .examples import EXAMPLE_FINESS, EXAMPLE_INCOME, example_dataset, example_establishments
from .fragments import french_date
from .rule_texts import (
    ROUNDING,
    RULES,
    class_ranges,
    not_applicable_reasons,
    rate_text,
    rules_used,
    target_text,
    value_text,
)
from .templating import environment
from .vocabulary import EXPENSE_REFERENCES, SCOPES, YES_NO
from .volets import MARKS

__all__ = ["method_html"]

DIRECTIONS = {"hausse": "↑ hausse", "baisse": "↓ baisse"}
SOURCES = {"seed": "documents ARS", "texte": "texte officiel", "défaut": "défaut"}
#: Certification maturity examples of the seed (sum / 35 → 57 % and 49 %).
SEED_MATURITY = ((2, 4, 3, 3, 2, 3, 3), (2, 3, 3, 3, 2, 2, 2))
#: Fictitious chapter scores of the aggregation example, in chapter order.
EXAMPLE_CHAPTER_SCORES = (80.0, 50.0, 100.0, 75.0, 60.0)
SAFE_NAME = re.compile(r"[^\w.-]+")


def method_html(campaign: Campaign) -> str:
    """The method document of a first-generation ``campaign`` as one self-contained HTML page (French,
    A4 print); any generation's: :func:`caqes_toolkit.documents.generations.method_document`."""
    return french_spacing_html(environment().get_template("methode.html.j2").render(m=_content(campaign)))


# --------------------------------------------------------------------------- formatting
def _num(x: float) -> str:
    """A number with as few decimals as it needs, at most 3 (« 60 », « 45,5 », « 3,25 »)."""
    return fmt_num(x, 3, trim=True)


def _score_text(x: float) -> str:
    """An indicator score: « 0,625 (62,5 %) »."""
    return f"{fmt_num(x, 3)} ({fmt_pct(100 * x)})"


def _weight(table: dict[int, float], chapter: int) -> str:
    """A chapter's weight in a profile's table, « NC » when the chapter is not in it."""
    return _num(table[chapter]) if chapter in table else "NC"


# --------------------------------------------------------------------------- worked examples
@dataclass(frozen=True)
class _Case:
    """One fictitious value of an indicator, scored by the engine."""

    indicator: Indicator
    value: float | None = None
    t0: float | None = None
    steps: tuple[int, ...] | None = None


def _t0(campaign: Campaign) -> int:
    if campaign.t0_year is None:  # only a second-generation campaign, which has no score, lacks it
        raise CaqesError(f"campagne {campaign.name} : annee_t0 manquante")
    return campaign.t0_year


def _target_number(ind: Indicator) -> float:
    """The indicator's target when it is a number, else NaN (a reference of the year)."""
    return float(ind.target) if isinstance(ind.target, int | float) else np.nan


def _example_year(campaign: Campaign) -> int:
    if campaign.year and campaign.year != campaign.t0_year:
        return campaign.year
    return _t0(campaign) + 1


def _engine_scores(campaign: Campaign, cases: list[_Case]) -> list[float]:
    """Scores of ``cases`` computed by :func:`score`, one fictitious establishment per case
    (every activity, with liste en sus, so that every indicator is applicable)."""
    if not cases:
        return []
    year, t0 = _example_year(campaign), _t0(campaign)
    ids = [f"EX{k:07d}" for k in range(len(cases))]
    results: list[tuple[str, int, str, float | None]] = []
    maturity: list[tuple] = []
    for fid, case in zip(ids, cases):
        code = case.indicator.code
        if case.steps is not None:
            maturity.append((fid, year, *case.steps))
        else:
            results.append((fid, year, code, case.value))
        if case.t0 is not None:
            results.append((fid, t0, code, case.t0))
    fids, years, codes, values = zip(*results) if results else ((), (), (), ())
    data = example_dataset(
        establishments=example_establishments(ids, income=np.nan),
        results={"finess": list(fids), "annee": list(years), "indicateur": list(codes), "valeur": list(values),
},
        maturity={"finess": [m[0] for m in maturity], "annee": [m[1] for m in maturity],
                  **{step: [m[2 + k] for m in maturity] for k, step in enumerate(MATURITY_STEPS)}})
    scored = score(data, campaign, [year]).indicators
    by_key = scored.set_index(["finess", "indicateur"])["score"]
    return [float(by_key[(fid, case.indicator.code)]) for fid, case in zip(ids, cases)]


def _first(campaign: Campaign, rule: str, direction: str | None = None,
           numeric: bool = False) -> Indicator | None:
    for ind in campaign.indicators:
        if ind.rule == rule and direction in (None, ind.direction) and (
                not numeric or ind.target_kind == "number"):
            return ind
    return None


def _binary_example(campaign: Campaign) -> dict:
    rows, sentences = [], []
    for direction in DIRECTIONS:
        ind = _first(campaign, "binaire", direction)
        if ind is None:
            continue
        yes, no = _engine_scores(campaign, [_Case(ind, 1.0), _Case(ind, 0.0)])
        sentences.append(f"Indicateur dont le sens est « {direction} » : « oui » vaut "
                         f"{_num(yes)}, « non » vaut {_num(no)}.")
        rows += [[ind.code, "oui", _score_text(yes)], [ind.code, "non", _score_text(no)]]
    return {"headers": ["Indicateur", "Valeur déclarée", "Score"], "rows": rows,
            "sentences": sentences}


def _target_cases(ind: Indicator) -> list[tuple[float, float | None]]:
    """(value, T0) pairs: target met, progress since T0, worse than T0, no T0 value."""
    c = _target_number(ind)
    sign = 1.0 if ind.direction == "hausse" else -1.0
    gap = round(max(abs(c) * 0.4, 1.0), 1)
    t0 = round(c - sign * gap, 1)
    partial = round(t0 + sign * 0.625 * gap, 1)
    cases: list[tuple[float, float | None]] = [(c, t0), (partial, t0)]
    if ind.direction == "hausse":
        cases += [(round(t0 - sign * gap / 4, 1), t0), (partial, None)]
    return cases


def _target_calculation(ind: Indicator, value: float, t0: float | None) -> str:
    c = _target_number(ind)
    up = ind.direction == "hausse"
    if (value >= c) if up else (value <= c):
        return f"v {'≥' if up else '≤'} c : cible atteinte, L = 1"
    if t0 is None:
        return "cible non atteinte (L = 0) et pas de valeur au T0 : P = 0"
    v, t, cc = _num(value), _num(t0), _num(c)
    formula = f"P = ({v} − {t}) / ({cc} − {t})" if up else f"P = ({t} − {v}) / ({t} − {cc})"
    progress = ((value - t0) / (c - t0)) if up else ((t0 - value) / (t0 - c))
    return f"L = 0 ; {formula}" + (" < 0, ramené à 0" if progress < 0 else "")


def _target_example(campaign: Campaign) -> dict:
    pairs = [(ind, value, t0) for direction in DIRECTIONS
             if (ind := _first(campaign, "cible", direction, numeric=True)) is not None
             for value, t0 in _target_cases(ind)]
    scores = _engine_scores(campaign, [_Case(ind, value, t0) for ind, value, t0 in pairs])
    rows = [[f"{ind.code} ({target_text(ind, _target_number(ind))})", value_text(ind, t0),
             value_text(ind, value), _target_calculation(ind, value, t0), _score_text(result)]
            for (ind, value, t0), result in zip(pairs, scores)]
    year = _example_year(campaign)
    return {"headers": ["Indicateur (cible c)", f"T0 ({campaign.t0_year})", f"Valeur v ({year})",
                        "Calcul", "Score"], "rows": rows, "sentences": []}


def _threshold_values(ind: Indicator) -> list[float]:
    up = ind.direction == "hausse"
    limits = sorted((t for t, _ in ind.thresholds or ()), reverse=not up)
    sign = 1.0 if up else -1.0
    values = [round(limits[0] - sign * max(abs(limits[0]) * 0.2, 1.0), 1), *limits]
    if len(limits) > 1:
        values.insert(2, round((limits[0] + limits[1]) / 2, 1))
    return values


def _threshold_example(campaign: Campaign) -> dict:
    ind = next(i for i in campaign.indicators if i.rule == "seuils")
    values = _threshold_values(ind)
    scores = _engine_scores(campaign, [_Case(ind, v) for v in values])
    return {"headers": ["Indicateur (seuils : points)", "Valeur déclarée", "Score"],
            "rows": [[f"{ind.code} ({target_text(ind, np.nan)})", value_text(ind, v), _score_text(result)]
                     for v, result in zip(values, scores)], "sentences": []}


def _maturity_example(campaign: Campaign) -> dict:
    ind = next(i for i in campaign.indicators if i.rule == "maturite")
    scores = _engine_scores(campaign, [_Case(ind, steps=steps) for steps in SEED_MATURITY])
    rows = [[ind.code, " ; ".join(map(str, steps)),
             f"({' + '.join(map(str, steps))}) / 35 = {sum(steps)} / 35", _score_text(result)]
            for steps, result in zip(SEED_MATURITY, scores)]
    return {"headers": ["Indicateur", "Cotations des 7 étapes", "Calcul", "Score"], "rows": rows,
            "sentences": []}


EXAMPLES = {"binaire": _binary_example, "cible": _target_example, "seuils": _threshold_example,
            "maturite": _maturity_example}


def _rules(campaign: Campaign) -> list[dict]:
    out = []
    for rule in rules_used(campaign):
        codes = [i.code for i in campaign.indicators if i.rule == rule]
        example = EXAMPLES[rule](campaign)
        text = RULES[rule]
        out.append({"title": f"Règle « {text.name} »",
                    "texts": [f"Score : {text.summary}", *text.details, *example.pop("sentences")],
                    "codes": ", ".join(codes), "example": example})
        if rule == "cible" and (avenant := method_section(campaign, _example_year(campaign))) is not None:
            out.append(avenant)
    return out


# --------------------------------------------------------------------------- sections
def _facts(campaign: Campaign) -> list[tuple[str, str]]:
    n_nat = sum(i.scope == "national" for i in campaign.indicators)
    sanction = ("sans sanction" if campaign.without_sanction
                else f"possible si score < {fmt_pct(campaign.sanction_threshold, 0)}")
    return [
        ("Campagne", campaign.name),
        ("Année évaluée", str(campaign.year) if campaign.year else "—"),
        ("Point de départ (T0)", str(campaign.t0_year)),
        ("Sanction", sanction),
        ("Indicateurs", (f"{len(campaign.indicators)} ({n_nat} nationaux, "
                        f"{len(campaign.indicators) - n_nat} régionaux)")),
        ("Chapitres", str(len(campaign.chapters))),
    ]


def _weights(campaign: Campaign) -> dict:
    with_list, without = campaign.chapter_weights(True), campaign.chapter_weights(False)
    rows = [{"chapitre": k, "libelle": campaign.chapters[k], "avec": _weight(with_list, k),
             "sans": _weight(without, k), "n": sum(i.chapter == k for i in campaign.indicators)}
            for k in sorted(campaign.chapters)]
    return {"rows": rows, "avec": _num(sum(with_list.values())), "sans": _num(sum(without.values()))}


def _aggregation_example(campaign: Campaign) -> dict:
    """Global score of a fictitious establishment with liste en sus whose last chapter is NC."""
    table = campaign.chapter_weights(True)
    chapters = sorted(table)
    dropped = chapters[-1]
    kept = chapters[:-1]
    total = sum(table[k] for k in kept)
    scores = {k: EXAMPLE_CHAPTER_SCORES[i % len(EXAMPLE_CHAPTER_SCORES)] for i, k in enumerate(kept)}
    rows = [{"chapitre": k, "poids": _num(table[k]), "part": fmt_pct(100 * table[k] / total),
             "score": fmt_pct(scores[k]), "points": fmt_num(table[k] * scores[k] / total, 2)}
            for k in kept]
    rows.append({"chapitre": dropped, "poids": _num(table[dropped]), "part": "—", "score": "NC",
                 "points": "—"})
    g = sum(table[k] * scores[k] for k in kept) / total
    formula = " + ".join(f"{_num(table[k])} × {_num(scores[k])}" for k in kept)
    result = f"G = ({formula}) / {_num(total)} = {fmt_pct(g, 2)} → classe {campaign.grade(g)}"
    return {"rows": rows, "total": _num(total), "dropped": dropped, "result": result}


def _classes(campaign: Campaign) -> dict:
    ranges = class_ranges(campaign)
    near = ranges[0].low - 0.04
    note = (f"{ROUNDING} Les rapports affichent le score avec une décimale : un score de {fmt_num(near, 2)} "
            f"s'affiche « {fmt_pct(near)} » mais relève de la classe {campaign.grade(near)}, non de la "
            f"classe {ranges[0].name}.")
    return {"rows": [{"classe": r.name, "intervalle": r.text()} for r in ranges], "note": note}


def _sanction(campaign: Campaign) -> list[str]:
    threshold = fmt_pct(campaign.sanction_threshold, 0)
    if campaign.without_sanction:
        return [(f"La campagne {campaign.name} est évaluée sans sanction : aucune sanction n'est "
                 f"proposée, quel que soit le score global (le seuil de {threshold} prévu par le "
                 "contrat ne s'applique pas).")]
    texts = [("Une sanction est proposée lorsque le score global est strictement inférieur à "
              f"{threshold} (un score de {threshold} exactement n'entraîne pas de sanction).")]
    if campaign.sanction:
        cap = campaign.sanction.cap_pct_income
        texts.append("Montant : le rapport affiche une estimation du plafond, égal à "
                     f"{fmt_pct(cap, 1)} des produits versés par l'Assurance Maladie à "
                     "l'établissement ; par exemple "
                     f"{fmt_euros(income_cap(cap, EXAMPLE_INCOME), 0)} pour {fmt_euros(EXAMPLE_INCOME, 0)} "
                     "de produits. "
                     "Il s'agit d'un plafond estimé, non du montant de la sanction.")
        if campaign.sanction.formula:
            texts.append(f"Formule de la campagne : {campaign.sanction.formula}")
    return texts


def _target_cell(ind: Indicator) -> str:
    if ind.target_kind in ("national", "regional"):
        sign = "≥" if ind.direction == "hausse" else "≤"
        return f"{sign} réf. {SCOPES[ind.target_kind]} de l'année"
    return target_text(ind, _target_number(ind))


def _catalogue(campaign: Campaign) -> list[dict]:
    with_list, without = campaign.chapter_weights(True), campaign.chapter_weights(False)
    groups = []
    for k in sorted(campaign.chapters):
        inds = [i for i in campaign.indicators if i.chapter == k]
        rows = [{
            "code": i.code, "libelle": i.label, "action": i.action, "portee": SCOPES[i.scope],
            "regle": RULES[i.rule].name, "sens": DIRECTIONS[i.direction], "cible": _target_cell(i),
            "unite": i.unit or "—", "poids": _num(i.weight),
            "activites": ", ".join(i.activities) if i.activities else "toutes",
            "source": SOURCES[i.source],
        } for i in inds]
        weights = (f"poids du chapitre : {_weight(with_list, k)} avec liste en sus, "
                   f"{_weight(without, k)} sans liste en sus ; "
                   f"{plural(len(inds), 'indicateur')}, somme des poids des indicateurs : "
                   f"{_num(sum(i.weight for i in inds))}")
        groups.append({"chapitre": k, "libelle": campaign.chapters[k], "poids": weights, "rows": rows})
    return groups


# --------------------------------------------------------------------------- additional volets

METHOD_TEXTS = (
    ("Un volet additionnel (transports, pertinence des soins, qualité) est un contrat signé par les "
     "établissements ciblés, pour 5 ans au plus. Un contrat est en vigueur l'année N s'il commence au plus "
     "tard le 31 décembre de N et n'a pas de date de fin ou finit au plus tôt le 1er janvier de N."),
    ("Les objectifs d'un volet sont notés comme les indicateurs du volet obligatoire (règles binaire, cible, "
     "seuils, maturité) ; ils n'entrent jamais dans les chapitres ni dans le score global. Un objectif de "
     "règle « mesure » est relevé et affiché, jamais noté. L'atteinte A du volet est la moyenne des scores "
     "de ses objectifs notés applicables, pondérée par leur poids (A = 100 % sans objectif noté)."),
    ("Une ligne de dépense (règle « dépense ») est un montant remboursé par l'Assurance Maladie par année "
     "civile (fichier depenses.csv des données). L'année de référence R est, selon la ligne, l'année qui précède "
     "le début du contrat ou l'année précédente N − 1 ; MT_R est la dépense de R."),
    ("Objectif de l'année N : MTc_N = MT_R × (1 + x_R+1 / 100) × … × (1 + x_N / 100), où x est le taux "
     "d'évolution cible de chaque année (un taux unique ou un taux par année). Évolution = 100 × "
     "(MT_N / MT_N−1 − 1). Dépassement = max(0 ; MT_N − MTc_N). Économies = max(0 ; MTc_N − MT_N) quand "
     "la référence est l'année qui précède le contrat, max(0 ; MT_N−1 − MT_N) quand c'est l'année précédente."),
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


def _example_dataset(volet: Volet, line: VoletIndicator, year: int, spent: tuple[float, ...]) -> Dataset:
    """A fictitious establishment with a contract from 01/01/(N − 1), every objective of the
    volet met, and the given spending of N − 2, N − 1 and N."""
    rows = []
    for objective in volet.scored:  # every objective met; one with a reference target: NC
        ind = objective.as_indicator(1)
        nc = ind.target_kind in ("national", "regional")
        number = float(ind.target) if isinstance(ind.target, int | float) else None
        rows.append((ind.code, np.nan if nc else target_value(ind, number), nc))
    codes, values, ncs = zip(*rows) if rows else ((), (), ())
    return example_dataset(
        establishments=example_establishments(),
        results={"finess": EXAMPLE_FINESS, "annee": year, "indicateur": list(codes), "valeur": list(values),
                 "nc": list(ncs)},
        contracts={"finess": [EXAMPLE_FINESS], "volet": volet.code, "date_debut": [pd.Timestamp(year - 1, 1, 1)]},
        expenses={"finess": EXAMPLE_FINESS, "annee": [year - 2, year - 1, year], "poste": line.expense,
                  "montant": list(spent)})


def _worked_example(campaign: Campaign, year: int) -> dict | None:
    """A worked example of the method document, computed by :func:`evaluate_volets` on fictitious spending."""
    found = [(v, i) for v in campaign.volets for i in v.expenses if i.reference == "debut_contrat"]
    if not found:
        return None
    volet, line = found[0]
    spent = (1_200_000.0, 1_230_000.0, 1_250_000.0)
    result = evaluate_volets(_example_dataset(volet, line, year, spent), campaign, year)
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
                     f"{fmt_euros(line.targeting_threshold, 0)}", YES_NO.get(row["ciblage"], "—")))
    over = (1_200_000.0, 1_230_000.0, 1_400_000.0)
    result = evaluate_volets(_example_dataset(volet, line, year, over), campaign, year)
    o = result.rows.iloc[0]
    if campaign.without_sanction or volet.share_overrun is None:
        overrun = (f"Avec des dépenses {year} de {fmt_euros(over[2])}, le dépassement est de "
                   f"{fmt_euros(o['depassement'])} ; "
                   + (f"la campagne {campaign.name} étant évaluée sans sanction, aucun reversement n'est estimé."
                      if campaign.without_sanction else "le volet ne prévoit pas de reversement."))
    else:
        cap = (f" ; plafond {fmt_pct(volet.cap_pct_income, 1)} × {fmt_euros(EXAMPLE_INCOME, 0)} de produits = "
               f"{fmt_euros(income_cap(volet.cap_pct_income, EXAMPLE_INCOME))}" if volet.cap_pct_income is not None
               else "")
        overrun = (f"Avec des dépenses {year} de {fmt_euros(over[2])}, le dépassement est de "
                   f"{fmt_euros(o['depassement'])} ; "
                   f"reversement maximum = min({fmt_pct(volet.share_overrun, 0)} × {fmt_euros(o['depassement'])}{cap}) "
                   f"= {fmt_euros(o['reversement_max'])}.")
    return {"titre": f"Exemple (volet « {volet.label} », ligne {line.code}, année {year}), calculé par l'outil",
            "rows": rows, "overrun": overrun}


def _volets_section(campaign: Campaign) -> dict | None:
    """The volets part of the method document (None for a campaign without volets)."""
    if not campaign.volets:
        return None
    first = _t0(campaign) + 2
    year = campaign.year if campaign.year and campaign.year >= first else first
    volets = [{"code": v.code, "libelle": v.label, "interessement": _pct_or_dash(v.share_savings),
               "reversement": _pct_or_dash(v.share_overrun), "plafond": _pct_or_dash(v.cap_pct_income),
               "seuil": _pct_or_dash(v.achievement_threshold), "source": v.source} for v in campaign.volets]
    objectives = []
    for v in campaign.volets:
        for i in v.indicators:
            if i.rule == "depense":
                rule = (f"dépense « {i.expense} », taux cible {rate_text(i)}, référence : "
                        f"{EXPENSE_REFERENCES[i.reference or 'annee_precedente']}"
                        + (f", seuil de ciblage {fmt_euros(i.targeting_threshold, 0)}" if i.targeting_threshold
                           is not None else ""))
            elif i.rule == "mesure":
                rule = "mesure (non notée)"
            else:
                ind = i.as_indicator(1)
                rule = f"{RULES[i.rule].name} : {target_text(ind, _target_number(ind))}"
            objectives.append({"volet": v.label, "code": i.code, "libelle": i.label, "regle": rule,
                               "source": SOURCES[i.source]})
    return {"texts": METHOD_TEXTS, "volets": volets, "objectives": objectives,
            "example": _worked_example(campaign, year), "choix": MARKS}


def _content(campaign: Campaign) -> dict:
    return {
        "title": f"Méthode d'évaluation de la campagne {campaign.name}",
        "campagne": campaign.name,
        "annee_t0": campaign.t0_year,
        "facts": _facts(campaign),
        "weights": _weights(campaign),
        "rules": _rules(campaign),
        "not_applicable": not_applicable_reasons(campaign),
        "aggregation": _aggregation_example(campaign),
        "classes": _classes(campaign),
        "sanction": _sanction(campaign),
        "catalogue": _catalogue(campaign),
        "volets": _volets_section(campaign),
        "source_file": Path(campaign.path).name if campaign.path else None,
        "sha256": campaign.sha256,
        "version": __version__,
        "date": french_date(dt.date.today()),
    }
