"""Progress, position, priorities and what-if simulation."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caqes_toolkit.errors import DataError
from caqes_toolkit.evaluation.analysis import priorities, regional_distribution, simulate, summary
from caqes_toolkit.evaluation.scoring import score

from .conftest import examples, make_dataset
from .test_scoring import CH1_A, ES_A, ES_B, G_A, MATURITY, REFERENCES, RESULTS

GAIN_Y2 = 100 * 20 / 92 / 2
GAIN_X2 = 100 * 60 / 92 / 4 * (1 - 10 / 15.5)


@pytest.fixture
def data():
    return make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)


def test_priorities_ranked_by_gain(data, tiny_campaign):
    s = score(data, tiny_campaign)
    top = priorities(s, "010000001", 2018)
    assert list(top.indicateur) == ["Y2", "X3", "M1", "X2", "H1"]
    assert top.gain.tolist() == pytest.approx([
        GAIN_Y2, 100 * 60 / 92 / 4 * 0.5, 100 * 60 / 92 / 4 * (1 - 20 / 35), GAIN_X2, 100 * 7 / 92 / 2 * 0.5,
    ])
    assert top.non_renseigne.tolist() == [True, False, False, False, False]
    assert top.libelle.iloc[0] == "Binaire 2"


def test_priority_ties_national_then_worsened_then_code(tiny_campaign):
    # X1 (regional) and Y2… no: use two binaire at 0 in chapter 1 with equal gains: X1 regional, P1 excluded.
    rows = [("020000002", 2017, "X1", "oui"), ("020000002", 2018, "X1", "non"),
            ("020000002", 2018, "P1", "non")]
    s = score(make_dataset([ES_B], rows), tiny_campaign, [2017, 2018])
    top = priorities(s, "020000002", 2018, n=None)
    ch1 = top[top.chapitre == 1]
    # X1, X2, X3, M1, P1 all at 0 in chapter 1 (same gain). National X2 first, then the worsened
    # X1, then the others by code.
    assert list(ch1.indicateur) == ["X2", "X1", "M1", "P1", "X3"]


def test_simulation_matches_gain(data, tiny_campaign):
    sim = simulate(data, tiny_campaign, 2018, "010000001", {"Y2": "oui"})
    assert sim.score_before == pytest.approx(G_A)
    assert sim.score_after == pytest.approx(G_A + GAIN_Y2)
    assert (sim.class_before, sim.class_after) == ("C", "B")
    both = simulate(data, tiny_campaign, 2018, "010000001", {"Y2": "cible", "X2": "cible"})
    assert both.gain == pytest.approx(GAIN_Y2 + GAIN_X2)
    assert both.changes == {"Y2": 1.0, "X2": 45.5}


def test_simulation_of_maturity_and_reference_targets(data, tiny_campaign):
    sim = simulate(data, tiny_campaign, 2018, "010000001", {"M1": "cible"})
    assert sim.gain == pytest.approx(100 * 60 / 92 / 4 * (1 - 20 / 35))
    with pytest.raises(ValueError, match="H2 n'a pas de cible"):  # no reference for region S
        simulate(data, tiny_campaign, 2018, "020000002", {"H2": "cible"})


def test_simulation_does_not_modify_dataset(data, tiny_campaign):
    before = data.results.copy()
    simulate(data, tiny_campaign, 2018, "010000001", {"Y2": "oui", "M1": 80})
    assert data.results.equals(before) and len(data.maturity) == 1


def test_simulation_rejects_unknown_code(data, tiny_campaign):
    with pytest.raises(DataError) as caught:
        simulate(data, tiny_campaign, 2018, "010000001", {"ZZ9": "cible"})
    [fault] = caught.value.faults
    assert (fault.source, fault.line, fault.column, fault.value) == ("simulation", None, "ZZ9", "ZZ9")


@pytest.mark.parametrize(("code", "value"), [
    ("X1", 50),            # binaire: a number is not oui/non
    ("X1", 1),             # … not even 1 (the results table refuses it too)
    ("X2", 150),           # unit %: 0–100
    ("X2", -0.5),
    ("X2", "oui"),         # a number is expected
    ("X2", float("nan")),
    ("X2", float("inf")),
    ("X2", True),
    ("X2", "beaucoup"),
    ("M1", 100.5),         # maturity: a percentage in 0–100
])
def test_simulation_refuses_what_the_results_table_refuses(data, tiny_campaign, code, value):
    with pytest.raises(DataError) as caught:
        simulate(data, tiny_campaign, 2018, "010000001", {"Y2": "oui", code: value})
    [fault] = caught.value.faults  # Y2 « oui » is fine: only the impossible value is reported
    assert (fault.source, fault.line, fault.column, fault.severity) == ("simulation", None, code, "erreur")
    assert fault.value == str(value)
    assert code in fault.expected


def test_simulation_reads_values_as_the_results_table_does(data, tiny_campaign):
    # X3 « 80 % » reaches the threshold 80 → 1 point instead of 0.5 (chapter 1, weight 60 of 92)
    sim = simulate(data, tiny_campaign, 2018, "010000001", {"X3": " 80,0 % "})
    assert sim.changes == {"X3": 80.0}
    assert sim.score_after == pytest.approx(G_A + 100 * 60 / 92 / 4 * 0.5)
    # Y2 declared NC leaves chapter 2 with Y1 alone (score 1): chapter 2 = 100
    nc = simulate(data, tiny_campaign, 2018, "010000001", {"Y2": "nc"})
    assert nc.score_after == pytest.approx((60 * CH1_A + 20 * 100 + 5 * 100 + 7 * 75) / 92)
    assert math.isnan(nc.changes["Y2"])


def test_summary_progress_and_rank(tiny_campaign):
    rows = [*RESULTS, ("010000001", 2017, "X1", "non"), ("010000001", 2017, "Y1", "8")]
    es_c = ("030000003", "Nouveau", "R", "SSR", False)
    rows += [("030000003", 2018, "X1", "oui")]
    s = score(make_dataset([ES_A, ES_B, es_c], rows, REFERENCES, MATURITY), tiny_campaign)
    out = summary(s, 2018).set_index("finess")
    # 2017 for A: ch.1 = 0 (X1 non, X2 30 < 45.5, X3/M1 not reported), ch.2 = 100×(1+0)/2,
    # ch.3 NC (G1: no 2017 reference), ch.4 = H1 6 > 4 → 0 (H2: no 2017 reference), ch.5 = 0
    # (L1 not reported in 2017, only NC in 2018) → G = 20×50 / (60+20+7+8)
    g17 = 20 * 50 / (60 + 20 + 7 + 8)
    assert out.loc["010000001", "score_global_t0"] == pytest.approx(g17)
    assert out.loc["010000001", "evolution_t0"] == pytest.approx(G_A - g17)
    assert out.loc["010000001", "evolution_n1"] == pytest.approx(G_A - g17)  # N−1 is T0 here
    assert out.loc["020000002", "score_global_t0"] == 0  # evaluated in 2017 (Y1), nothing met
    # C has no 2017 data: not evaluated that year, so no T0 score (not a score of 0)
    assert math.isnan(out.loc["030000003", "score_global_t0"])
    assert len(s.establishments.query("finess == '030000003'")) == 1
    # region R: C (ch.1 = 100×1/4, X1 only met) vs A; region S: B alone
    assert out.loc["010000001", "rang_regional"] == 1 and out.loc["030000003", "rang_regional"] == 2
    assert out.loc["010000001", "nb_etablissements_region"] == 2
    assert out.loc["020000002", "nb_etablissements_region"] == 1


def test_regional_distribution(tiny_campaign):
    es = [ES_A, ("030000003", "Copie", "R", "MCO", True)]
    rows = RESULTS + [(f, a, c, v) for (x, a, c, v) in RESULTS if x == "010000001"
                      for f in ["030000003"]]
    s = score(make_dataset(es, rows, REFERENCES, MATURITY), tiny_campaign, [2018])
    dist = regional_distribution(s, 2018, "R")
    assert dist.loc["score_global", "n"] == 2
    # 030000003 has no maturity row: M1 not reported → ch.1 = 100 × (1 + 10/15.5 + 0.5) / 4
    ch1_b = 100 * (1 + 10 / 15.5 + 0.5) / 4
    assert dist.loc["chapitre_1", "mediane"] == pytest.approx((CH1_A + ch1_b) / 2)
    assert dist.loc["chapitre_1", "max"] == pytest.approx(CH1_A)


values = st.one_of(st.just(""), st.just("NC"), st.floats(0, 100).map(lambda x: f"{x:.2f}"))
binaries = st.sampled_from(["oui", "non", "", "NC"])


@st.composite
def establishment_values(draw):
    rows = [("010000001", 2018, code, draw(binaries)) for code in ("X1", "Y2", "P1")]
    rows += [("010000001", 2018, code, draw(values)) for code in ("X2", "X3", "Y1", "G1", "H1", "H2", "L1")]
    rows += [("010000001", 2017, code, draw(values)) for code in ("X2", "Y1", "H1")]
    steps = draw(st.lists(st.integers(0, 5), min_size=7, max_size=7))
    return rows, [("010000001", 2018, *steps)]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(establishment_values())
def test_scores_stay_in_range(tiny_campaign, drawn):
    rows, mat = drawn
    s = score(make_dataset([ES_A], rows, REFERENCES, mat), tiny_campaign, [2018])
    g = s.establishments.score_global.iloc[0]
    assert 0 <= g <= 100
    assert s.chapters.score.dropna().between(0, 100).all()
    assert s.indicators.score.dropna().between(0, 1).all()


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(establishment_values(), st.sampled_from(["X1", "X2", "X3", "M1", "Y1", "Y2", "G1", "H1", "L1"]),
       st.floats(0, 100))
def test_improving_or_reaching_target_never_lowers_global(tiny_campaign, drawn, code, step):
    rows, mat = drawn
    data = make_dataset([ES_A], rows, REFERENCES, mat)
    base = score(data, tiny_campaign, [2018])
    row = base.indicators.set_index("indicateur").loc[code]
    if not row.applicable:
        return
    g0 = base.establishments.score_global.iloc[0]
    assert simulate(data, tiny_campaign, 2018, "010000001", {code: "cible"}).score_after >= g0 - 1e-9
    current = 0.0 if math.isnan(row.valeur) else row.valeur
    better = min(current + step, 100) if row.sens == "hausse" else max(current - step, 0)
    if row.regle == "binaire":
        better = "oui"
    assert simulate(data, tiny_campaign, 2018, "010000001", {code: better}).score_after >= g0 - 1e-9
