"""A region's evaluation: the regions the data cover, the one chosen, the scores of one year."""

from __future__ import annotations

import pytest

from caqes_toolkit.errors import CaqesError
from caqes_toolkit.evaluation.region import regions, select_region
from caqes_toolkit.evaluation.scoring import score

from .conftest import make_dataset


def _data(*names: str):
    es = [(f"0{k}0000016", f"CH {k}", name, "MCO", True) for k, name in enumerate(names, start=1)]
    return make_dataset(es, [(es[0][0], 2018, "X1", "oui"), (es[0][0], 2019, "X1", "non")])


def test_regions_in_french_alphabetical_order():
    """Accents and case set aside: « Île-de-France » among the I, after « Hauts-de-France »."""
    assert regions(_data("Occitanie", "Île-de-France", "Bretagne", "Hauts-de-France", "bourgogne")) == [
        "bourgogne", "Bretagne", "Hauts-de-France", "Île-de-France", "Occitanie"]


def test_select_region():
    assert select_region(_data("Bretagne")) == "Bretagne"
    assert select_region(_data("Bretagne", "Occitanie"), "Occitanie") == "Occitanie"
    with pytest.raises(CaqesError) as caught:
        select_region(_data("Occitanie", "Bretagne"))
    assert str(caught.value) == "région à préciser parmi : Bretagne, Occitanie"
    with pytest.raises(CaqesError) as caught:
        select_region(_data("Occitanie", "Bretagne"), "Corse")
    assert str(caught.value) == "région 'Corse' absente des données ; régions présentes : Bretagne, Occitanie"
    with pytest.raises(CaqesError) as caught:
        select_region(_data("Bretagne"), "Corse")
    assert str(caught.value) == "région 'Corse' absente des données ; régions présentes : Bretagne"


def test_scores_of_one_year(tiny_campaign):
    """X1 oui in 2018, non in 2019, nothing else reported. 2018: chapter 1 = 100 × 1/4 (X1 of X1,
    X2, X3, M1; P1 is PSY only), chapters 2, 4, 5 = 0 (unreported), 3 NC (no reference) →
    G = (60 × 25) / (60 + 20 + 7 + 8) = 1 500 / 95; 2019: G = 0. Each year's rows only, from 0."""
    scores = score(_data("Bretagne"), tiny_campaign, [2018, 2019])
    later = scores.year(2019)
    assert later.campaign is tiny_campaign
    assert later.establishments["annee"].tolist() == [2019] and later.establishments.index.tolist() == [0]
    assert later.establishments["score_global"].tolist() == [0.0]
    assert set(later.chapters["annee"]) == {2019} and later.chapters.index[0] == 0
    assert later.chapters.loc[later.chapters["chapitre"] == 1, "score"].tolist() == [0.0]
    assert set(later.indicators["annee"]) == {2019} and later.indicators.index[0] == 0
    assert later.indicators.loc[later.indicators["indicateur"] == "X1", "score"].tolist() == [0.0]
    assert scores.year(2018).establishments["score_global"].tolist() == [pytest.approx(1_500 / 95)]


def test_scores_of_one_year_keep_their_columns(tiny_campaign):
    scores = score(_data("Bretagne"), tiny_campaign, [2018, 2019])
    for table in ("establishments", "chapters", "indicators"):
        assert getattr(scores.year(2019), table).columns.tolist() == getattr(scores, table).columns.tolist()
