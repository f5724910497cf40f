"""Orders the scoring must keep whatever its inner layout: rows of the frames, rows of the input
tables, and the order in which a chapter's indicators are added (the last bits of a score, the
same whether an establishment is scored alone, as in its report, or with its region)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caqes_toolkit.evaluation import scoring
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.rules.campaign import load_campaign

from .campaigns import socle
from .conftest import make_dataset, write_campaign

# File order on purpose: neither sorted as text nor as numbers (Corsica's 2A/2B among them).
ESTABLISHMENTS = [
    ("2B0000002", "CH Bastia", "R", "MCO", True),
    ("010000009", "CH Bourg", "R", "MCO", True),
    ("2A0000001", "CH Ajaccio", "R", "MCO", True),
    ("100000000", "CH Troyes", "R", "MCO", True),
    ("020000005", "CH Laon", "R", "MCO", True),
]
YEARS_WITH_DATA = {"2B0000002": (2018, 2019), "010000009": (2018,), "2A0000001": (2018, 2019),
                   "100000000": (2019,), "020000005": (2018, 2019)}


def test_rows_by_year_then_finess_text_and_by_file_order_in_the_detail(tiny_campaign):
    results = [(f, y, "X1", "oui") for f, years in YEARS_WITH_DATA.items() for y in years]
    scores = score(make_dataset(ESTABLISHMENTS, results), tiny_campaign, [2018, 2019])

    est = scores.establishments
    assert list(zip(est.annee, est.finess)) == [
        (2018, "010000009"), (2018, "020000005"), (2018, "2A0000001"), (2018, "2B0000002"),
        (2019, "020000005"), (2019, "100000000"), (2019, "2A0000001"), (2019, "2B0000002")]
    assert list(est.index) == list(range(8))
    by_file = [("2B0000002", 2018), ("2B0000002", 2019), ("010000009", 2018), ("2A0000001", 2018),
               ("2A0000001", 2019), ("100000000", 2019), ("020000005", 2018), ("020000005", 2019)]
    ch = scores.chapters
    assert list(zip(ch.finess, ch.annee, ch.chapitre)) == [(f, y, k) for f, y in by_file for k in range(1, 6)]
    ind = scores.indicators
    codes = [i.code for i in tiny_campaign.indicators]
    assert list(zip(ind.finess, ind.annee, ind.indicateur)) == [(f, y, c) for f, y in by_file for c in codes]


A, B = ("010000001", "CH A", "R", "MCO", True), ("020000002", "CH B", "R", "MCO;PSY", False)
GROUPED = [
    ("010000001", 2017, "X2", "30"), ("010000001", 2017, "Y1", "14"),
    ("010000001", 2018, "X1", "oui"), ("010000001", 2018, "X2", "40"), ("010000001", 2018, "X3", "60"),
    ("010000001", 2018, "Y1", "12"), ("010000001", 2018, "H1", "5"),
    ("020000002", 2017, "X2", "50"),
    ("020000002", 2018, "X1", "non"), ("020000002", 2018, "X2", "20"), ("020000002", 2018, "P1", "oui"),
    ("020000002", 2018, "Y1", "NC"), ("020000002", 2018, "H1", "3"),
]
FOREIGN = [("999999999", 2018, "X1", "oui"), ("010000001", 2030, "X1", "non"),
           ("010000001", 2018, "ZZ9", "1")]


def test_results_in_any_order_score_the_same(tiny_campaign):
    # hostile order: reversed, each (FINESS, year) run cut in two by another establishment's rows
    # and by rows of an unknown FINESS, year and indicator
    rows = GROUPED[::-1]
    hostile = [*rows[:2], FOREIGN[0], *rows[7:9], FOREIGN[1], *rows[2:7], FOREIGN[2], *rows[9:]]
    assert sorted(hostile) == sorted(GROUPED + FOREIGN)
    adjustments = [("010000001", 2018, "X2", "42", "justifié")]
    grouped = score(make_dataset([A, B], GROUPED, adjustments=adjustments), tiny_campaign, [2018])
    shuffled = score(make_dataset([A, B], hostile, adjustments=adjustments), tiny_campaign, [2018])

    for name in ("establishments", "chapters", "indicators"):
        pd.testing.assert_frame_equal(getattr(shuffled, name), getattr(grouped, name), check_exact=True)
    ind = shuffled.indicators.set_index(["finess", "annee", "indicateur"])
    # the adjustment replaces A's 40: progress (42 − 30) / (45.5 − 30) of the X2 target
    assert ind.loc[("010000001", 2018, "X2"), "valeur"] == 42
    assert ind.loc[("010000001", 2018, "X2"), "score"] == pytest.approx(12 / 15.5)
    # B: X2 20 from T0 50 (target 45.5, up): no progress; Y1 declared NC
    assert ind.loc[("020000002", 2018, "X2"), "score"] == 0
    assert ind.loc[("020000002", 2018, "Y1"), "motif_nc"] == "déclaré NC"


WEIGHTS = [0.3, 0.8, 2.4, 1.8, 0.4, 1.4, 1.5, 0.6, 2.2, 0.4]
ANSWERS = ["non", "non", "oui", "oui", "non", "non", "oui", "oui", "non", "oui"]


def _added_one_by_one(values: list[float]) -> float:
    total = 0.0
    for value in values:
        total += value
    return total


def test_chapter_scores_add_the_indicators_in_catalogue_order(tmp_path):
    indicators = [f"{{code: C{k:02d}, libelle: C{k}, chapitre: 1, portee: national, regle: binaire, "
                  f"sens: hausse, poids: {w}}}" for k, w in enumerate(WEIGHTS, 1)]
    text = socle(*indicators, '{code: D1, libelle: "D1", chapitre: 2, portee: national, regle: binaire, sens: hausse}',
                 name="test-order", threshold=60, classes={"A": 80, "B": 60, "C": 0}, weights={1: 75, 2: 25},
                 chapters={1: "Un", 2: "Deux"})
    campaign = load_campaign(write_campaign(tmp_path, text))
    results = [(f, 2018, f"C{k:02d}", a) for f in ("010000001", "020000002")
               for k, a in enumerate(ANSWERS, 1)]
    results += [("010000001", 2018, "D1", "oui"), ("020000002", 2018, "D1", "oui")]
    alone = score(make_dataset([A], results), campaign, [2018]).establishments
    together = score(make_dataset([B, A], results), campaign, [2018]).establishments

    won = [w * (a == "oui") for w, a in zip(WEIGHTS, ANSWERS, strict=True)]
    expected = 100 * _added_one_by_one(won) / _added_one_by_one(WEIGHTS)
    # hostile on purpose: numpy's pairwise sum of the same terms differs in the last bit
    assert 100 * np.sum(won) / np.sum(WEIGHTS) != expected
    for row in (alone.iloc[0], together.iloc[0], together.iloc[1]):
        assert row.chapitre_1 == expected
        assert row.score_global == 0.0 + 75 / 100 * expected + 25 / 100 * 100.0


def test_a_chapter_of_zeros_scores_positive_zero(tiny_campaign):
    results = [("010000001", 2018, "X1", "non"), ("010000001", 2018, "Y2", "non")]
    row = score(make_dataset([A], results), tiny_campaign, [2018]).establishments.iloc[0]
    assert row.chapitre_1 == 0 and not np.signbit(row.chapitre_1)
    assert row.chapitre_2 == 0 and not np.signbit(row.chapitre_2)
    assert row.score_global == 0 and not np.signbit(row.score_global)
    assert row.nb_non_renseignes == 6  # X2, X3, M1, Y1, H1, L1 (P1: PSY only; G1, H2: no reference)


def test_the_indicator_table_is_built_only_when_asked(tiny_campaign, monkeypatch):
    def refuse(*args):
        raise AssertionError("indicator table built")

    monkeypatch.setattr(scoring, "_indicator_frame", refuse)
    scores = score(make_dataset([A, B], GROUPED), tiny_campaign, [2018])
    assert len(scores.establishments) == 2 and len(scores.chapters) == 10
    with pytest.raises(AssertionError, match="indicator table built"):
        _ = scores.indicators
