"""Scores of each year under its campaign with T0 and N−1, and the summary of one year: ranks,
counts and percentiles within the region (values by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from caqes_toolkit.evaluation.analysis import summary
from caqes_toolkit.evaluation.scoring import score, score_by_year

from .conftest import make_dataset

A, C, D, E = "010000001", "030000003", "040000004", "050000005"
NC_EVERYWHERE = ("X1", "X2", "X3", "M1", "Y1", "Y2", "G1", "H1", "H2", "L1")


def test_summary_ranks_counts_and_percentiles(tiny_campaign):
    """Region R, 2018: A and C report X1 oui only → G = 60 × 25 / 95 = 1 500 / 95 each (chapter 1
    = 100 × 1/4; chapters 2, 4, 5 unreported = 0; 3 NC); D X1 non → G = 0; E NC everywhere → no
    score. Ranks (best first, ties share the best): A 1, C 1, D 3, E none; 3 scored establishments;
    percentile = 100 × (rank from the lowest, ties the highest) / 3: D 100/3, A and C 100."""
    es = [(f, f"CH {f[1]}", "R", "MCO", True) for f in (A, C, D, E)]
    rows = [(A, 2018, "X1", "oui"), (C, 2018, "X1", "oui"), (D, 2018, "X1", "non"),
            *((E, 2018, code, "NC") for code in NC_EVERYWHERE)]
    s = score(make_dataset(es, rows), tiny_campaign, [2018])
    out = summary(s, 2018)
    assert out["finess"].tolist() == [A, C, D, E] and out.index.tolist() == [0, 1, 2, 3]
    assert "index" not in out.columns
    assert out["score_global"].tolist()[:3] == pytest.approx([1_500 / 95, 1_500 / 95, 0.0])
    assert np.isnan(out["score_global"].iloc[3])
    assert str(out["rang_regional"].dtype) == "Int64" and str(out["nb_etablissements_region"].dtype) == "Int64"
    assert out["rang_regional"].tolist()[:3] == [1, 1, 3] and out["rang_regional"].isna().tolist()[3]
    assert out["nb_etablissements_region"].tolist() == [3, 3, 3, 3]
    assert out["percentile_regional"].tolist()[:3] == pytest.approx([100.0, 100.0, 100 / 3])
    assert np.isnan(out["percentile_regional"].iloc[3])


def test_each_year_is_scored_with_its_t0_and_the_year_before(tiny_campaign):
    """Results in 2015 to 2019, T0 2017: 2019 is scored with 2017 (T0) and 2018 (N−1), not 2015
    nor 2016; 2018 with 2017 (T0 and N−1). An adjustment of 2019 (X1 non → oui) is applied:
    G_2019 = 1 500 / 95 (X1 met, the rest unreported, as in test_summary_ranks…)."""
    es = [(A, "CH A", "R", "MCO", True)]
    rows = [(A, y, "X1", "non") for y in range(2015, 2020)]
    data = make_dataset(es, rows, adjustments=[(A, 2019, "X1", "oui", "erreur de saisie")])
    out = score_by_year(data, [tiny_campaign], [2018, 2019])
    assert sorted(set(out[2019].establishments["annee"])) == [2017, 2018, 2019]
    assert sorted(set(out[2018].establishments["annee"])) == [2017, 2018]
    latest = out[2019].establishments.set_index("annee")["score_global"]
    assert latest[2019] == pytest.approx(1_500 / 95) and latest[2018] == 0
