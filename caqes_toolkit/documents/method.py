"""The method document of a campaign: its YAML file as a readable, self-contained French HTML
(and PDF), that an ARS publishes so that each establishment can check its score by hand.

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
from ..data.dataset import COLUMNS, MATURITY_STEPS, Dataset
from ..errors import CaqesError
from ..evaluation.scoring import score
from ..formats import fmt_euros, fmt_num, fmt_pct
from ..rules.campaign import ACTIVITIES, Campaign, Indicator
from .fragments import french_date
from .rule_texts import ROUNDING, RULES, class_ranges, not_applicable_reasons, rules_used
from .sections import target_text, value_text
from .templating import environment
from .volet_sections import method_section

__all__ = ["MethodDocument", "method_document", "method_html"]

DIRECTIONS = {"hausse": "↑ hausse", "baisse": "↓ baisse"}
SCOPES = {"national": "nationale", "regional": "régionale"}
SOURCES = {"seed": "documents ARS", "texte": "texte officiel", "défaut": "défaut"}
#: Certification maturity examples of the seed (sum / 35 → 57 % and 49 %).
SEED_MATURITY = ((2, 4, 3, 3, 2, 3, 3), (2, 3, 3, 3, 2, 2, 2))
#: Fictitious chapter scores of the aggregation example, in chapter order.
EXAMPLE_CHAPTER_SCORES = (80.0, 50.0, 100.0, 75.0, 60.0)
EXAMPLE_INCOME = 10_000_000.0
SAFE_NAME = re.compile(r"[^\w.-]+")


def method_html(campaign: Campaign) -> str:
    """The method document of ``campaign`` as one self-contained HTML page (French, A4 print)."""
    if campaign.second_generation:  # volets incitatifs only: référentiels, savings and intéressement
        from .contract_method import contract_method_content

        return environment().get_template("methode_contrat.html.j2").render(m=contract_method_content(campaign))
    return environment().get_template("methode.html.j2").render(m=_content(campaign))


@dataclass(frozen=True)
class MethodDocument:
    """The method document of a campaign, ready to publish (HTML, PDF)."""

    html: str
    name: str  # file name without extension: methode_<campagne>
    header: str  # printed on every PDF page
    footer: str


def method_document(campaign: Campaign) -> MethodDocument:
    """The method document of ``campaign``, named ``methode_<campagne>``."""
    stem = SAFE_NAME.sub("_", campaign.name).lstrip(".") or "campagne"
    return MethodDocument(method_html(campaign), f"methode_{stem}",
                          f"Méthode d'évaluation CAQES — campagne {campaign.name}", f"caqes-toolkit {__version__}")


# --------------------------------------------------------------------------- formatting
def _num(x: float) -> str:
    """A number with as few decimals as it needs, at most 3 (« 60 », « 45,5 », « 3,25 »)."""
    return fmt_num(x, 3, trim=True)


def _s(x: float) -> str:
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
    es = pd.DataFrame({"finess": ids, "raison_sociale": "Exemple", "region": "Exemple",
                       "activites": ";".join(ACTIVITIES), "liste_en_sus": True,
                       "produits_am": np.nan})
    res = pd.DataFrame(results, columns=["finess", "annee", "indicateur", "valeur"]).astype(
        {"annee": "int64", "valeur": float})
    res = res.assign(nc=False, brut=res["valeur"].astype(str))
    mat = pd.DataFrame(maturity, columns=["finess", "annee", *MATURITY_STEPS]).astype(
        {"annee": "int64", **dict.fromkeys(MATURITY_STEPS, float)})
    refs = pd.DataFrame(columns=COLUMNS["references"]).astype({"annee": "int64", "valeur": float})
    adj = pd.DataFrame(columns=COLUMNS["adjustments"]).astype({"annee": "int64", "valeur": float})
    scored = score(Dataset(es, res, refs, mat, adj), campaign, [year]).indicators
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
        rows += [[ind.code, "oui", _s(yes)], [ind.code, "non", _s(no)]]
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
             value_text(ind, value), _target_calculation(ind, value, t0), _s(s)]
            for (ind, value, t0), s in zip(pairs, scores)]
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
            "rows": [[f"{ind.code} ({target_text(ind, np.nan)})", value_text(ind, v), _s(s)]
                     for v, s in zip(values, scores)], "sentences": []}


def _maturity_example(campaign: Campaign) -> dict:
    ind = next(i for i in campaign.indicators if i.rule == "maturite")
    scores = _engine_scores(campaign, [_Case(ind, steps=steps) for steps in SEED_MATURITY])
    rows = [[ind.code, " ; ".join(map(str, steps)),
             f"({' + '.join(map(str, steps))}) / 35 = {sum(steps)} / 35", _s(s)]
            for steps, s in zip(SEED_MATURITY, scores)]
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
                     f"{fmt_euros(EXAMPLE_INCOME * cap / 100, 0)} pour {fmt_euros(EXAMPLE_INCOME, 0)} de produits. "
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
                   f"{len(inds)} indicateur(s), somme des poids des indicateurs : "
                   f"{_num(sum(i.weight for i in inds))}")
        groups.append({"chapitre": k, "libelle": campaign.chapters[k], "poids": weights, "rows": rows})
    return groups


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
        "volets": method_section(campaign),
        "source_file": Path(campaign.path).name if campaign.path else None,
        "sha256": campaign.sha256,
        "version": __version__,
        "date": french_date(dt.date.today()),
    }
