"""Boundaries where a class, a sanction or an amount in euros changes, each computed by hand.

Written against the mutants that ``make mutation`` found alive: an equality case, an empty case,
the rounding of the global score at the 6th decimal, a cap, « no scored objective ».
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caqes_toolkit.evaluation import money
from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.evaluation.targeting import targeting_table
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import TINY_CAMPAIGN, make_dataset, write_campaign
from .test_money import OPEN, WORKED, campaign, dataset, rows

F = "010000016"

# One « cible » indicator in the only chapter: the global score is 100 × its score.
ONE_TARGET = """
campagne: test-bornes
annee_t0: 2017
seuil_sanction: 30
classes: {A: 80, B: 70, C: 50, D: 30, E: 0}
ponderations:
  avec_liste_en_sus: {1: 100}
  sans_liste_en_sus: {1: 100}
sanction: {plafond_pct_produits_am: 1}
chapitres: {1: "Un"}
indicateurs:
  - {code: C1, libelle: "Cible", chapitre: 1, portee: national, regle: cible, sens: hausse, cible: 45.5, unite: "%"}
"""


def _one_target(tmp_path, t0: str, value: str):
    c = load_campaign(write_campaign(tmp_path, ONE_TARGET))
    es = [(F, "CH", "R", "MCO", True, 1_000_000.0)]
    data = make_dataset(es, [(F, 2017, "C1", t0), (F, 2018, "C1", value)])
    return score(data, c, [2018]).establishments.iloc[0]


def test_class_and_sanction_read_the_global_score_rounded_to_6_decimals(tmp_path):
    """T0 12.5, value 22.4, target 45.5: progress (22.4 − 12.5) / (45.5 − 12.5) = 9.9 / 33 = 0.3,
    which floating point computes as 29.999999999999993 points. Rounded to 6 decimals it is 30:
    class D (30 ≤ G < 50), and no sanction (G < 30 is needed)."""
    es = _one_target(tmp_path, "12,5", "22,4")
    assert es["score_global"] == 100 * ((22.4 - 12.5) / (45.5 - 12.5))
    assert es["score_global"] < 30 and round(es["score_global"], 6) == 30
    assert es["classe"] == "D"
    assert not es["sanction_proposee"] and np.isnan(es["plafond_sanction"])


def test_class_e_and_sanction_just_under_the_bound(tmp_path):
    """Value 22.3: (22.3 − 12.5) / 33 = 9.8 / 33 → G = 29.69697 < 30: class E, a sanction,
    capped at 1 % × 1 000 000 = 10 000 €."""
    es = _one_target(tmp_path, "12,5", "22,3")
    assert es["score_global"] == pytest.approx(100 * 9.8 / 33)
    assert es["classe"] == "E" and es["sanction_proposee"]
    assert es["plafond_sanction"] == pytest.approx(10_000)


# --- volets: « no scored objective » counts 100 % -------------------------------------------------


def test_volet_whose_scored_objectives_are_all_nc_counts_100_percent(tmp_path):
    """T01 and T02 declared NC: no objective of the volet is scored, so A = 100 % (not 0 %):
    intéressement = 30 % × 3 380.80 × 1 = 1 014.24 € (worked example of test_money)."""
    data = dataset(OPEN, WORKED, [(F, 2019, "T01", "NC"), (F, 2019, "T02", "NC")])
    line = rows(evaluate_volets(data, campaign(tmp_path), 2019))
    assert line["atteinte"] == 100
    assert line["interessement"] == pytest.approx(1_014.24, abs=0.005)


VOLET_WITHOUT_OBJECTIVE = """
volets:
  - code: transports
    libelle: "Transports"
    part_interessement: 30
    indicateurs:
      - {code: TR1, libelle: "Dépenses", portee: national, regle: depense, poste: transports,
         taux_cible: 2.2, reference: debut_contrat}
"""


def test_volet_without_any_scored_objective_counts_100_percent(tmp_path):
    """A campaign whose only volet has an expense line and no scored objective: A = 100 %,
    intéressement = 30 % × 3 380.80 = 1 014.24 €."""
    c = load_campaign(write_campaign(tmp_path, TINY_CAMPAIGN.format(sans_sanction="false") + VOLET_WITHOUT_OBJECTIVE))
    line = rows(evaluate_volets(dataset(OPEN, WORKED), c, 2019))
    assert line["atteinte"] == 100
    assert line["interessement"] == pytest.approx(1_014.24, abs=0.005)


# --- targeting: spending equal to seuil_ciblage, growth equal to the rate --------------------------

# 160 000 → 170 000: growth 100 × (170 000 / 160 000 − 1) = 100 × 0.0625 = 6.25 %, exact in floating
# point; 170 000 stays under seuil_ciblage (500 000).
GROWTH_625 = [(F, 2017, "transports", 160_000), (F, 2018, "transports", 160_000),
              (F, 2019, "transports", 170_000)]


def test_growth_equal_to_the_rate_is_not_targeted(tmp_path):
    """x = 6.25 and growth = 6.25 %: « growth > x » does not hold, 170 000 < 500 000: not targeted."""
    c = campaign(tmp_path, taux="6.25")
    data = dataset(OPEN, GROWTH_625)
    line = rows(evaluate_volets(data, c, 2019))
    assert line["evolution"] == 6.25
    assert line["ciblage"] is False
    assert money.targeting(data, c, 2019).empty
    assert targeting_table(data, c, 2019).empty


def test_growth_just_above_the_rate_is_targeted(tmp_path):
    """x = 6.24 < 6.25 %: targeted, with the motif « évolution +6,25 % > 6,24 %/an »."""
    c = campaign(tmp_path, taux="6.24")
    data = dataset(OPEN, GROWTH_625)
    assert rows(evaluate_volets(data, c, 2019))["ciblage"] is True
    flagged = money.targeting(data, c, 2019)
    assert flagged["finess"].tolist() == [F] and flagged["evolution"].tolist() == [6.25]
    assert targeting_table(data, c, 2019)["motif"].tolist() == ["évolution +6,25\u202f% > 6,24\u202f%/an"]


def test_spending_equal_to_the_threshold_is_targeted(tmp_path):
    """1 200 000 → 1 230 000 → 500 000 in 2019 (growth −59.3 % < 2.2 %), seuil_ciblage 500 000:
    500 000 ≥ 500 000 targets."""
    spend = [*WORKED[:2], (F, 2019, "transports", 500_000)]
    data = dataset(OPEN, spend)
    c = campaign(tmp_path)
    assert rows(evaluate_volets(data, c, 2019))["ciblage"] is True
    flagged = money.targeting(data, c, 2019)
    assert flagged["montant"].tolist() == [500_000]
    motif = targeting_table(data, c, 2019)["motif"].tolist()
    assert motif == ["dépense transports 500\u202f000\u202f€ ≥ 500\u202f000\u202f€"]


def test_spending_just_under_the_threshold_is_not_targeted(tmp_path):
    spend = [*WORKED[:2], (F, 2019, "transports", 499_999.99)]
    data = dataset(OPEN, spend)
    c = campaign(tmp_path)
    assert rows(evaluate_volets(data, c, 2019))["ciblage"] is False
    assert money.targeting(data, c, 2019).empty
    assert isinstance(targeting_table(data, c, 2019), pd.DataFrame)


def test_targeting_lists_who_is_under_contract(tmp_path):
    """F (contract in force) and G (none) both spend ≥ 500 000: both listed, by FINESS, F under
    contract; growth 1 250 000 / 1 230 000 − 1 = +1.63 % for F, G unknown (no 2018 spending)."""
    spend = [*WORKED, ("020000014", 2019, "transports", 700_000)]
    flagged = money.targeting(dataset(OPEN, spend), campaign(tmp_path), 2019)
    assert flagged.columns.tolist() == ["finess", "volet", "indicateur", "montant", "evolution", "sous_contrat"]
    assert flagged["finess"].tolist() == [F, "020000014"] and flagged.index.tolist() == [0, 1]
    assert flagged["sous_contrat"].tolist() == [True, False]
    assert flagged["montant"].tolist() == [1_250_000, 700_000]
    assert flagged["evolution"].iloc[0] == pytest.approx(100 * (1_250_000 / 1_230_000 - 1))
    assert np.isnan(flagged["evolution"].iloc[1])


@pytest.mark.parametrize(("before", "growth"), [(0.0, None), (1.0, 100.0), (0.5, 300.0)])
def test_growth_needs_a_positive_previous_spending(tmp_path, before, growth):
    """2018: 0 €, 1 € or 0.50 €; 2019: 2 €. Growth 100 × (2 / 1 − 1) = 100 %, 100 × (2 / 0.5 − 1)
    = 300 % (> 2.2 %: targeted); none after 0 € (unknown: not targeted, 2 € < 500 000)."""
    spend = [(F, 2018, "transports", before), (F, 2019, "transports", 2.0)]
    flagged = money.targeting(dataset([], spend), campaign(tmp_path), 2019)
    if growth is None:
        assert flagged.empty
    else:
        assert flagged["evolution"].tolist() == [growth]


def test_targeting_reads_every_line_with_a_threshold(tmp_path):
    """A first line without seuil_ciblage does not stop the reading of the next one."""
    c = campaign(tmp_path)
    volet = c.volets[0]
    no_threshold = volet.indicators[0].model_copy(update={"code": "TR0", "targeting_threshold": None,
                                                          "expense": "ambulances"})
    c = c.model_copy(update={"volets": (volet.model_copy(update={"indicators": (no_threshold, *volet.indicators)}),
                                        *c.volets[1:])})
    flagged = money.targeting(dataset([], WORKED), c, 2019)
    assert flagged["indicateur"].tolist() == ["TR1"]
    no_line = c.model_copy(update={"volets": ()})
    empty = money.targeting(dataset([], WORKED), no_line, 2019)
    assert empty.empty and empty.columns.tolist() == flagged.columns.tolist()


def test_no_cap_without_plafond(tmp_path):
    """A volet without plafond: reversement = 100 % × (1 400 000 − 1 253 380.80) = 146 619.20,
    whole, although produits_am is known (1 % of it would be 100 000)."""
    c = campaign(tmp_path)
    c = c.model_copy(update={"volets": (c.volets[0].model_copy(update={"cap_pct_income": None}), *c.volets[1:])})
    spend = [*WORKED[:2], (F, 2019, "transports", 1_400_000)]
    line = rows(evaluate_volets(dataset(OPEN, spend), c, 2019))
    assert line["reversement_max"] == pytest.approx(146_619.20, abs=0.005)
