"""The avenant in the documents: the method document's worked example and the action plan's
trajectory sheet (the report and the grid write an own target with
:func:`~caqes_toolkit.documents.rule_texts.applied_target_text`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.avenant import step_target
from ..evaluation.scoring import score
from ..formats import fmt_num, fmt_pct
from ..rules.campaign import Campaign, Indicator
from .examples import example_dataset, example_establishments
from .rule_texts import AVENANT, own_target_value, target_text, value_text

__all__ = ["EXAMPLE_HORIZON", "method_section", "trajectory_rows"]

#: Years of the method document's example trajectory (the campaign's target is the five-year one).
EXAMPLE_HORIZON = 5


def _numeric(campaign: Campaign, direction: str) -> Indicator | None:
    return next((i for i in campaign.indicators if i.rule == "cible" and i.direction == direction
                 and i.target_kind == "number"), None)


def _case(ind: Indicator, year: int, t0_year: int) -> tuple[float, float, float, list[float]]:
    """T0 value, value of ``year``, own target of ``year`` and the trajectory of an example: the T0
    half of the target away (at least 1); the value half a step beyond the year's own target
    (hausse: met) or half a step short of it (baisse: not met, P from T0)."""
    c = float(ind.target)  # type: ignore[arg-type]  # a number: see _numeric
    up = ind.direction == "hausse"
    t0 = round(c - (1 if up else -1) * max(abs(c) * 0.5, 1.0), 1)
    trajectory = [step_target(t0, c, k, EXAMPLE_HORIZON) for k in range(1, EXAMPLE_HORIZON + 1)]
    k = min(max(year - t0_year, 1), EXAMPLE_HORIZON)
    value = round(t0 + (c - t0) * (k + (0.5 if up else -0.5)) / EXAMPLE_HORIZON, 1)
    return t0, value, trajectory[k - 1], trajectory


def _scores(campaign: Campaign, year: int, cases: list[tuple[Indicator, float, float, float]]) -> list[float]:
    """Scores of each case (indicator, T0 value, value, own target) by the engine, with the own
    target then without it (two fictitious establishments per case)."""
    t0_year = campaign.t0_year or year - 1
    ids = [f"EX{k:07d}" for k in range(2 * len(cases))]
    results = [(f, y, ind.code, v) for k, (ind, t0, value, _) in enumerate(cases) for f in ids[2 * k:2 * k + 2]
               for y, v in ((t0_year, t0), (year, value))]
    fids, years, codes, values = (list(x) for x in zip(*results, strict=True))
    data = example_dataset(
        establishments=example_establishments(ids, income=np.nan),
        results={"finess": fids, "annee": years, "indicateur": codes, "valeur": values},
        targets={"finess": ids[0::2], "annee": [year] * len(cases), "indicateur": [c[0].code for c in cases],
                 "cible": [c[3] for c in cases]})
    by_key = score(data, campaign, [year]).indicators.set_index(["finess", "indicateur"])["score"]
    return [float(by_key[(f, ind.code)]) for k, (ind, *_rest) in enumerate(cases) for f in ids[2 * k:2 * k + 2]]


def _calculation(ind: Indicator, t0: float, value: float, target: float) -> str:
    up = ind.direction == "hausse"
    if (value >= target) if up else (value <= target):
        return f"v {'≥' if up else '≤'} cible : atteinte, L = 1"
    v, t, c = (fmt_num(x, 3, trim=True) for x in (value, t0, target))
    return f"L = 0 ; P = ({v} − {t}) / ({c} − {t})" if up else f"L = 0 ; P = ({t} − {v}) / ({t} − {c})"


def _score_text(x: float) -> str:
    """An indicator score as the other examples show it: « 0,750 (75,0 %) »."""
    return f"{fmt_num(x, 3)} ({fmt_pct(100 * x)})"


def method_section(campaign: Campaign, year: int) -> dict | None:
    """The method document's part on the avenant (title, texts, indicators, example computed by the
    engine), or ``None`` for a campaign without an indicator whose target is a number."""
    t0_year = campaign.t0_year
    inds = [i for d in ("hausse", "baisse") if (i := _numeric(campaign, d)) is not None]
    if t0_year is None or not inds:
        return None
    cases = [(ind, *_case(ind, year, t0_year)) for ind in inds]
    scores = _scores(campaign, year, [(ind, t0, value, own) for ind, t0, value, own, _ in cases])
    rows, texts = [], []
    for k, (ind, t0, value, own, trajectory) in enumerate(cases):
        c = float(ind.target)  # type: ignore[arg-type]
        with_own, without = scores[2 * k], scores[2 * k + 1]
        rows += [[f"avenant {year} : {own_target_value(ind, own)}", f"{ind.code} ({ind.direction})",
                  value_text(ind, t0), value_text(ind, value), _calculation(ind, t0, value, own),
                  _score_text(with_own)],
                 [f"campagne, à cinq ans : {target_text(ind, c)}", ind.code, value_text(ind, t0),
                  value_text(ind, value), _calculation(ind, t0, value, c), _score_text(without)]]
        steps = ", ".join(f"{t0_year + j} : {value_text(ind, x).lstrip('+')}" for j, x in enumerate(trajectory, 1))
        texts.append(f"Exemple {ind.code} ({ind.direction}, cible de la campagne {value_text(ind, c).lstrip('+')}, "
                     f"T0 {t0_year} = {value_text(ind, t0).lstrip('+')}) : trajectoire proposée {steps}.")
    codes = [i.code for i in campaign.indicators if i.rule == "cible"]
    return {"title": "Cibles de l'avenant (cibles pluriannuelles)",
            "texts": [f"Règle : {AVENANT.summary[0].upper()}{AVENANT.summary[1:]}", *AVENANT.details, *texts],
            "codes": ", ".join(codes),
            "example": {"headers": ["Cible appliquée", "Indicateur", f"T0 ({t0_year})", f"Valeur v ({year})",
                                    "Calcul", "Score"], "rows": rows}}


def trajectory_rows(targets: pd.DataFrame, indicators: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """One establishment's avenant as a table for its action plan: per indicator with own targets
    (``targets``: its rows of the cibles table; ``indicators``: its scored indicators of the year),
    the T0 value, the year's value, its own target of each year and the campaign's five-year target,
    formatted in French; empty without an avenant."""
    codes = [c for c in campaign.by_code if c in set(targets["indicateur"]) and campaign.by_code[c].rule == "cible"]
    if not codes:
        return pd.DataFrame()
    years = sorted(int(y) for y in targets["annee"].unique())
    own = targets.set_index(["indicateur", "annee"])["cible"]
    scored = indicators.set_index("indicateur")
    rows = []
    for code in codes:
        ind, row = campaign.by_code[code], scored.loc[code] if code in scored.index else None
        rows.append({
            "Code": code, "Indicateur": ind.label,
            f"Valeur T0 ({campaign.t0_year})": value_text(ind, row["valeur_t0"] if row is not None else None),
            "Valeur actuelle": value_text(ind, row["valeur"] if row is not None else None),
            **{f"Cible {y}": value_text(ind, own.get((code, y))).lstrip("+") for y in years},
            "Cible de la campagne (à cinq ans)": target_text(ind, row["cible_campagne"] if row is not None
                                                             else np.nan),
        })
    return pd.DataFrame(rows)
