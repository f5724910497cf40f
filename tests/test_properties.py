"""Invariants of the rules, checked on drawn values (hypothesis), boundaries drawn often.

- a better value never lowers an indicator's score (« hausse »: higher, « baisse »: lower);
- a class never improves, and a sanction never disappears, when the global score drops;
- the intéressement is proportional to the achievement; a reversement never exceeds its cap.
(A lower spending never lowers an intéressement: tests/test_money.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import TINY_CAMPAIGN, examples, make_dataset, write_campaign
from .test_boundaries import ONE_TARGET
from .test_money import OPEN, WORKED, dataset, rows
from .test_money import campaign as volet_campaign

A, B = "010000001", "020000002"
F = "010000016"  # the contracted establishment of tests/test_money.py
QUICK = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_campaign(write_campaign(tmp_path_factory.mktemp("tiny"), TINY_CAMPAIGN.format(sans_sanction="false")))


@pytest.fixture(scope="module")
def one_target(tmp_path_factory):
    return load_campaign(write_campaign(tmp_path_factory.mktemp("one"), ONE_TARGET))


def _values(*edges: float):
    """Values in 0–100, the rule's edges (targets, thresholds, T0) and their neighbours drawn often."""
    near = [x + d for x in edges for d in (-1e-9, 0.0, 1e-9)]
    return st.one_of(st.sampled_from(near), st.floats(0, 100, allow_nan=False))


def _text(x: float) -> str:
    return repr(float(x))


# X2 cible 45.5 hausse (T0 30), X3 seuils [50 → 0.5, 80 → 1] hausse, M1 maturité, Y1 cible 10 baisse (T0 14)
RULES = {"X2": (True, _values(30, 45.5)), "X3": (True, _values(50, 80)), "Y1": (False, _values(10, 14))}


@QUICK
@given(code=st.sampled_from(sorted(RULES)), data=st.data())
def test_a_better_value_never_lowers_the_indicator_score(tiny, code, data):
    up, values = RULES[code]
    v1, v2 = sorted([data.draw(values), data.draw(values)])
    worse, better = (v1, v2) if up else (v2, v1)
    t0 = {"X2": "30", "Y1": "14"}.get(code)
    es = [(A, "CH A", "R", "MCO", True), (B, "CH B", "R", "MCO", True)]
    rows_ = [(A, 2018, code, _text(worse)), (B, 2018, code, _text(better))]
    if t0:
        rows_ += [(A, 2017, code, t0), (B, 2017, code, t0)]
    ind = score(make_dataset(es, rows_), tiny, [2018]).indicators
    s = ind[ind["indicateur"] == code].set_index("finess")["score"]
    assert 0 <= s[A] <= s[B] <= 1


@QUICK
@given(v1=_values(12.5, 22.4, 45.5), v2=_values(12.5, 22.4, 45.5))
def test_a_class_never_improves_when_the_score_drops(one_target, v1, v2):
    """One « cible » indicator (T0 12.5, target 45.5) is the whole global score: a lower value
    gives a lower or equal score, never a better class, never a sanction less."""
    es = [(A, "CH A", "R", "MCO", True, 1e6), (B, "CH B", "R", "MCO", True, 1e6)]
    low, high = sorted([v1, v2])
    res = [(A, 2017, "C1", "12.5"), (B, 2017, "C1", "12.5"), (A, 2018, "C1", _text(low)), (B, 2018, "C1", _text(high))]
    glob = score(make_dataset(es, res), one_target, [2018]).establishments.set_index("finess")
    rank = {name: k for k, name in enumerate(one_target.classes)}  # A = 0 (best) … E = 4
    assert glob.at[A, "score_global"] <= glob.at[B, "score_global"]
    assert rank[glob.at[A, "classe"]] >= rank[glob.at[B, "classe"]]
    assert glob.at[A, "sanction_proposee"] >= glob.at[B, "sanction_proposee"]


@QUICK
@given(t01=st.sampled_from(["oui", "non", "NC", ""]), t02=st.sampled_from(["oui", "non", "NC", ""]))
def test_the_interessement_follows_the_achievement(tmp_path, t01, t02):
    """Worked example (savings 3 380.80 €, 30 %): intéressement = 30 % × 3 380.80 × A, A the
    share of T01, T02 met among those scored (100 % when neither is)."""
    line = rows(evaluate_volets(dataset(OPEN, WORKED, [(F, 2019, "T01", t01), (F, 2019, "T02", t02)]),
                                volet_campaign(tmp_path), 2019))
    scored = [t for t in (t01, t02) if t != "NC"]
    a = sum(t == "oui" for t in scored) / len(scored) if scored else 1.0
    assert line["atteinte"] == pytest.approx(100 * a)
    assert line["interessement"] == pytest.approx(round(0.30 * 3_380.80 * a, 2), abs=0.005)


@QUICK
@given(spent=st.integers(0, 3_000_000), income=st.one_of(st.just(np.nan), st.integers(0, 50_000_000)))
def test_a_reversement_never_exceeds_its_cap(tmp_path, spent, income):
    """reversement_max = min(100 % × dépassement, 1 % × produits_am), dépassement = max(0,
    MT_2019 − 1 253 380.80); no cap without produits_am."""
    spend = [*WORKED[:2], (F, 2019, "transports", spent)]
    line = rows(evaluate_volets(dataset(OPEN, spend, income=float(income)), volet_campaign(tmp_path), 2019))
    overrun = max(0.0, spent - 1_253_380.80)
    cap = np.inf if np.isnan(income) else 0.01 * income
    assert line["depassement"] == pytest.approx(overrun, abs=0.005)
    assert line["reversement_max"] == pytest.approx(min(overrun, cap), abs=0.005)
    assert line["sanction_proposee"] is (round(min(overrun, cap), 2) > 0)
