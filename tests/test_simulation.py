"""What-if simulation and regional figures, whole: the fields of a Simulation, the data it scores,
the default number of priorities, the columns of a regional distribution (values by hand)."""

from __future__ import annotations

import pytest

from caqes_toolkit.evaluation.analysis import _with_values, priorities, regional_distribution, simulate
from caqes_toolkit.evaluation.scoring import score

from .conftest import make_dataset
from .test_analysis import GAIN_Y2
from .test_scoring import ES_A, ES_B, G_A, MATURITY, REFERENCES, RESULTS

A = "010000001"


@pytest.fixture
def data():
    return make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY,
                        adjustments=[(A, 2018, "X2", "42", "saisie corrigée"), (A, 2018, "Y1", "9", "corrigé"),
                                     (A, 2017, "X2", "31", "corrigé")])


def test_simulation_carries_who_when_and_its_scores(tiny_campaign):
    """Y2 oui for A in 2018: G_A + GAIN_Y2 (test_analysis), the after-scores those of A alone."""
    sim = simulate(make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY), tiny_campaign, 2018, A, {"Y2": "oui"})
    assert (sim.finess, sim.annee, sim.changes) == (A, 2018, {"Y2": 1.0})
    assert sim.score_after == pytest.approx(G_A + GAIN_Y2)
    assert sim.scores.establishments["finess"].tolist() == [A]
    assert sim.scores.establishments["score_global"].tolist() == [pytest.approx(G_A + GAIN_Y2)]


def test_simulation_of_an_unknown_establishment(tiny_campaign):
    with pytest.raises(KeyError) as caught:
        simulate(make_dataset([ES_A], RESULTS[:1]), tiny_campaign, 2018, "999999999", {"Y2": "oui"})
    assert caught.value.args == ("FINESS 999999999 absent des établissements",)


def test_changed_values_replace_the_results_and_the_adjustments_of_that_year(data):
    """X2 changed to 45.5 in 2018: its 2018 result row replaced (one row left), its 2018
    adjustment dropped; the adjustments of Y1 (unchanged) and of X2 in 2017 kept."""
    one = data.only([A])
    rows = make_dataset([ES_A], [(A, 2018, "X2", "45,5")]).results[["indicateur", "valeur", "nc", "brut"]]
    changed = _with_values(one, 2018, rows, drop_maturity=False)
    x2 = changed.results[(changed.results["indicateur"] == "X2") & (changed.results["annee"] == 2018)]
    assert x2["valeur"].tolist() == [45.5]
    assert len(changed.results) == len(one.results)
    assert sorted(map(tuple, changed.adjustments[["annee", "indicateur"]].values.tolist())) == [
        (2017, "X2"), (2018, "Y1")]
    assert len(changed.maturity) == 1
    assert len(_with_values(one, 2018, rows, drop_maturity=True).maturity) == 0


def test_priorities_are_five_by_default(tiny_campaign):
    """Nothing reported for B in 2018: X1, X2, X3, M1 (ch. 1), Y1, Y2 (ch. 2)… all at 0: the
    default lists 5 of them, n=None all."""
    s = score(make_dataset([("020000002", "CH", "R", "MCO", True)], [("020000002", 2018, "X1", "")]),
              tiny_campaign, [2018])
    assert len(priorities(s, "020000002", 2018)) == 5
    assert len(priorities(s, "020000002", 2018, n=None)) > 5


def test_regional_distribution_counts_the_region_and_the_year_only(tiny_campaign):
    """Region R: A (G_A) only; B is in region S; the 2017 rows are not of the year."""
    s = score(make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY), tiny_campaign, [2017, 2018])
    dist = regional_distribution(s, 2018, "R")
    assert dist.columns.tolist() == ["n", "min", "q1", "mediane", "q3", "max"]
    assert dist.loc["score_global"].tolist() == pytest.approx([1, G_A, G_A, G_A, G_A, G_A])


@pytest.mark.parametrize(("rule", "direction", "extra", "value"), [
    ("seuils", "hausse", {"seuils": [[50, 0.5], [80, 1.0], [90, 1.0]]}, 80.0),  # the lowest value giving all points
    ("seuils", "baisse", {"seuils": [[30, 0.5], [20, 1.0], [10, 1.0]]}, 20.0),  # the highest value giving all points
    ("cible", "hausse", {"cible": 45.5}, 45.5),
    ("binaire", "hausse", {}, 1.0),
    ("maturite", "hausse", {}, 100.0),
])
def test_target_value_gives_the_full_score(rule, direction, extra, value):
    from caqes_toolkit.evaluation.analysis import target_value
    from caqes_toolkit.rules.campaign import Indicator

    ind = Indicator.model_validate({"code": "Z", "libelle": "Z", "chapitre": 1, "portee": "national",
                                    "regle": rule, "sens": direction, **extra})
    assert target_value(ind, extra.get("cible")) == value


def test_priorities_carry_the_action(tiny_campaign):
    """The tiny campaign's indicators have no action: each priority says « » (not None)."""
    s = score(make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY), tiny_campaign, [2018])
    assert priorities(s, A, 2018)["action"].tolist() == [""] * 5


def _handmade(tiny_campaign, rows):
    """Scores whose indicator table is given: (code, portee, score, gain, tendance_n1) rows of A in 2018."""
    import pandas as pd

    from caqes_toolkit.evaluation.scoring import Scores

    table = pd.DataFrame([{"finess": A, "annee": 2018, "indicateur": code, "portee": scope, "applicable": True,
                           "score": s, "gain": gain, "tendance_n1": trend, "statut": "non atteint"}
                          for code, scope, s, gain, trend in rows])
    return Scores(tiny_campaign, pd.DataFrame(), pd.DataFrame(), make_indicators=lambda: table)


def test_priorities_leave_out_full_scores_within_1e_12(tiny_campaign):
    """A score of 1, or within 1e-12 of 1 (float noise), is complete: not a priority; 0.9 is."""
    s = _handmade(tiny_campaign, [("X1", "regional", 1.0, 0.0, "stable"), ("X3", "regional", 1 - 1e-12, 1e-11, "stable"),
                                  ("Y2", "national", 0.9, 1.0, "stable")])
    assert priorities(s, A, 2018)["indicateur"].tolist() == ["Y2"]


def test_priority_gains_equal_to_the_9th_decimal_are_a_tie(tiny_campaign):
    """X1 (regional) gains 1 + 3e-10 points, Y2 (national) 1: a tie at 9 decimals, national first;
    G1 gains 1.01, clearly more: first."""
    s = _handmade(tiny_campaign, [("X1", "regional", 0.5, 1 + 3e-10, "stable"), ("Y2", "national", 0.5, 1.0, "stable"),
                                  ("G1", "national", 0.5, 1.01, "stable")])
    assert priorities(s, A, 2018)["indicateur"].tolist() == ["G1", "Y2", "X1"]
