"""Scoring rules (params/README.md) checked against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.rules.campaign import load_campaign

from .campaigns import socle
from .conftest import make_dataset, tiny_yaml, write_campaign

ES_A = ("010000001", "CH Test", "R", "MCO", True, 1_000_000.0)
ES_B = ("020000002", "EPSM Test", "S", "PSY", False, 500_000.0)

RESULTS = [
    ("010000001", 2017, "X2", "30"), ("010000001", 2017, "H1", "6"),
    ("010000001", 2018, "X1", "oui"), ("010000001", 2018, "X2", "40"),
    ("010000001", 2018, "X3", "60"), ("010000001", 2018, "Y1", "8"),
    ("010000001", 2018, "Y2", ""), ("010000001", 2018, "G1", "50"),
    ("010000001", 2018, "H1", "5"), ("010000001", 2018, "H2", "3,0"),
    ("010000001", 2018, "L1", "NC"),
    ("020000002", 2017, "Y1", "14"),
    ("020000002", 2018, "X1", "non"), ("020000002", 2018, "P1", "oui"),
    ("020000002", 2018, "Y1", "12"), ("020000002", 2018, "G1", "NC"),
    ("020000002", 2018, "H1", "4"), ("020000002", 2018, "H2", "3"),
]
REFERENCES = [("G1", 2018, "national", 49.0, ""), ("H2", 2018, "regional", 3.6, "R")]
MATURITY = [("010000001", 2018, 2, 4, 3, 3, 2, 3, 3)]

# Hand computation for establishment A (MCO, with liste en sus), 2018:
#   ch.1 = 100 × (1 + 10/15.5 + 0.5 + 20/35) / 4   (X1 oui, X2 T0 progress, X3 threshold 50, M1)
#   ch.2 = 100 × (1 + 0) / 2 = 50                   (Y1 8 ≤ 10, Y2 not reported)
#   ch.3 = 100, ch.4 = 100 × (0.5 + 1) / 2 = 75, ch.5 NC (L1 NC) → weights 60+20+5+7 = 92
CH1_A = 100 * (1 + 10 / 15.5 + 0.5 + 20 / 35) / 4
G_A = (60 * CH1_A + 20 * 50 + 5 * 100 + 7 * 75) / 92
# Establishment B (PSY, without liste en sus): ch.1 = 100 × 1/5 (P1 oui; X2, X3, M1 not reported),
#   ch.2 = 100 × (0.5 + 0)/2 (Y1 T0 14 → 12, target 10), ch.3 NC, ch.4 = 100 (H2 has no reference
#   for region S) → G = (60×20 + 20×25 + 12×100) / 92
G_B = (60 * 20 + 20 * 25 + 12 * 100) / 92


@pytest.fixture
def scores(tiny_campaign):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)
    return score(data, tiny_campaign, [2018])


def _ind(scores, finess, code):
    df = scores.indicators
    return df[(df.finess == finess) & (df.indicateur == code)].iloc[0]


def _es(scores, finess):
    df = scores.establishments
    return df[df.finess == finess].iloc[0]


def test_rule_kinds(scores):
    assert _ind(scores, "010000001", "X1").score == 1.0
    assert _ind(scores, "020000002", "X1").score == 0.0
    assert _ind(scores, "010000001", "X2").score == pytest.approx(10 / 15.5)
    assert _ind(scores, "010000001", "X3").score == 0.5
    assert _ind(scores, "010000001", "M1").score == pytest.approx(20 / 35)
    assert _ind(scores, "010000001", "M1").valeur == pytest.approx(57.142857, abs=1e-6)
    assert _ind(scores, "010000001", "Y1").score == 1.0
    assert _ind(scores, "020000002", "Y1").score == pytest.approx(0.5)
    assert _ind(scores, "010000001", "H1").score == pytest.approx(0.5)


def test_references_give_targets(scores):
    assert _ind(scores, "010000001", "G1").cible == 49.0
    assert _ind(scores, "010000001", "H2").cible == 3.6
    row = _ind(scores, "020000002", "H2")
    assert not row.applicable and row.motif_nc == "référence absente"


def test_statuses(scores):
    assert _ind(scores, "010000001", "X1").statut == "atteint"
    assert _ind(scores, "010000001", "X2").statut == "en progrès"
    assert _ind(scores, "020000002", "X1").statut == "non atteint"
    assert _ind(scores, "010000001", "Y2").statut == "non renseigné"
    assert _ind(scores, "010000001", "Y2").score == 0.0
    assert _ind(scores, "010000001", "L1").statut == "non concerné"
    assert math.isnan(_ind(scores, "010000001", "L1").score)
    assert _ind(scores, "010000001", "P1").motif_nc == "activité non concernée"
    assert _ind(scores, "020000002", "G1").motif_nc == "déclaré NC"


def test_chapters_and_global_with_liste_en_sus(scores):
    a = _es(scores, "010000001")
    assert a.chapitre_1 == pytest.approx(CH1_A)
    assert (a.chapitre_2, a.chapitre_3, a.chapitre_4) == pytest.approx((50, 100, 75))
    assert math.isnan(a.chapitre_5)
    assert a.score_global == pytest.approx(G_A)  # 66.3031
    assert a.classe == "C"
    assert a.sanction_proposee
    assert a.plafond_sanction == pytest.approx(10_000)


def test_global_without_liste_en_sus_uses_its_own_table(scores):
    b = _es(scores, "020000002")
    assert (b.chapitre_1, b.chapitre_2, b.chapitre_4) == pytest.approx((20, 25, 100))
    assert math.isnan(b.chapitre_3) and math.isnan(b.chapitre_5)
    assert b.score_global == pytest.approx(G_B)  # 31.52
    assert b.classe == "D"
    part = scores.chapters.query("finess == '020000002'").set_index("chapitre")["part"]
    assert part[4] == pytest.approx(12 / 92) and part[3] == 0


def test_gain_is_points_of_global_score(scores):
    assert _ind(scores, "010000001", "X2").gain == pytest.approx(100 * 60 / 92 / 4 * (1 - 10 / 15.5))
    assert _ind(scores, "010000001", "Y2").gain == pytest.approx(100 * 20 / 92 / 2)
    assert _ind(scores, "010000001", "X1").gain == 0
    assert math.isnan(_ind(scores, "010000001", "L1").gain)


def test_adjustments_replace_values(tiny_campaign):
    adjustments = [("010000001", 2018, "Y2", "oui", "Preuve fournie en phase contradictoire")]
    data = make_dataset([ES_A], RESULTS, REFERENCES, MATURITY, adjustments)
    after = score(data, tiny_campaign, [2018])
    before = score(data, tiny_campaign, [2018], adjusted=False)
    assert _es(before, "010000001").score_global == pytest.approx(G_A)
    expected = (60 * CH1_A + 20 * 100 + 5 * 100 + 7 * 75) / 92
    assert _es(after, "010000001").score_global == pytest.approx(expected)  # 77.17
    assert _es(after, "010000001").classe == "B"


def test_progress_is_zero_when_t0_already_beyond_target(tiny_campaign):
    rows = [("020000002", 2017, "Y1", "8"), ("020000002", 2018, "Y1", "12")]
    s = score(make_dataset([ES_B], rows), tiny_campaign, [2018])
    assert _ind(s, "020000002", "Y1").score == 0.0
    assert _ind(s, "020000002", "Y1").tendance_t0 == "dégradé"


def test_regional_reference_without_region_applies_everywhere(tiny_campaign):
    refs = [("H2", 2018, "regional", 5.0, "")]
    rows = [("020000002", 2018, "H2", "4.5")]
    s = score(make_dataset([ES_B], rows, refs), tiny_campaign, [2018])
    assert _ind(s, "020000002", "H2").cible == 5.0 and _ind(s, "020000002", "H2").score == 1.0


def test_campaign_without_sanction(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, tiny_yaml("true")))
    s = score(make_dataset([ES_A], RESULTS, REFERENCES, MATURITY), campaign, [2018])
    assert not _es(s, "010000001").sanction_proposee
    assert math.isnan(_es(s, "010000001").plafond_sanction)


def boundary_campaign(poids: str) -> str:
    """Ten binary indicators of weight ``poids`` in the only chapter: each « oui » is 10 points."""
    return socle(*(f'{{code: B{i:02d}, libelle: "b{i}", chapitre: 1, portee: national, regle: binaire, '
                   f'sens: hausse, poids: {poids}}}' for i in range(10)),
                 name="test-bornes", chapters={1: "Seul chapitre"})


@pytest.mark.parametrize(("oui", "expected"), [(8, "A"), (7, "B"), (5, "C"), (3, "D"), (2, "E"), (10, "A")])
@pytest.mark.parametrize("poids", ["1", "0.1"])
def test_class_boundaries_are_inclusive_and_noise_free(tmp_path, oui, expected, poids):
    campaign = load_campaign(write_campaign(tmp_path, boundary_campaign(poids)))
    rows = [("010000001", 2018, f"B{i:02d}", "oui" if i < oui else "non") for i in range(10)]
    s = score(make_dataset([ES_A], rows), campaign, [2018])
    es = _es(s, "010000001")
    assert es.score_global == pytest.approx(10 * oui)
    assert es.classe == expected
    assert es.sanction_proposee == (oui < 8)


def test_grade_rounds_float_noise(campaign_2018):
    assert campaign_2018.grade(79.99999999) == "A"
    assert campaign_2018.grade(79.9999) == "B"
    assert campaign_2018.grade(30.0) == "D" and campaign_2018.grade(29.9) == "E"


def test_seed_maturity_examples(tiny_campaign):
    """The seed's table: 2,4,3,3,2,3,3 → 57 %; 2,3,3,3,2,2,2 → 49 %."""
    es = [ES_A, ("030000003", "Autre", "R", "MCO", True)]
    mat = [("010000001", 2018, 2, 4, 3, 3, 2, 3, 3), ("030000003", 2018, 2, 3, 3, 3, 2, 2, 2)]
    s = score(make_dataset(es, [], maturity=mat), tiny_campaign, [2018])
    assert round(_ind(s, "010000001", "M1").valeur, 1) == 57.1
    assert round(_ind(s, "030000003", "M1").valeur, 1) == 48.6
    assert _ind(s, "030000003", "M1").score == pytest.approx(17 / 35)


def test_inputs_are_not_modified(tiny_campaign):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY,
                        [("010000001", 2018, "Y2", "oui", "motif")])
    before = {k: getattr(data, k).copy() for k in ("establishments", "results", "adjustments")}
    score(data, tiny_campaign)
    for key, df in before.items():
        assert getattr(data, key).equals(df)
    assert np.isnan(data.results.query("indicateur == 'Y2'").valeur).all()
