"""A region's evaluation: the regions the data cover, the one chosen, the scores of one year."""

from __future__ import annotations

import hashlib

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


def test_file_key_follows_the_content(tmp_path):
    """A folder's key changes when one of its CSV files changes; a workbook's with its bytes."""
    from caqes_toolkit.evaluation.region import file_key

    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "resultats.csv").write_text("a\n1\n", encoding="utf-8")
    before = file_key(folder)
    (folder / "resultats.csv").write_text("a\n2\n", encoding="utf-8")
    assert file_key(folder) != before
    one, other = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    one.write_bytes(b"1")
    other.write_bytes(b"2")
    assert file_key(one) != file_key(other)


def test_evaluate_region_phase_1_scores_up_to_its_year(tmp_path):
    """Phase 1 of 2018: the years of the sample up to 2018 (2017, 2018), not 2019; phase 2: all."""
    from caqes_toolkit.evaluation.region import campaign_source, evaluate_region

    from .conftest import CAMPAIGN_2019, SAMPLE

    _, campaign, provisional = evaluate_region(SAMPLE, CAMPAIGN_2019, phase=1, annee=2018)
    assert sorted(set(provisional.establishments["annee"])) == [2017, 2018]
    _, _, final = evaluate_region(SAMPLE, CAMPAIGN_2019)
    assert sorted(set(final.establishments["annee"])) == [2017, 2018, 2019]
    source = campaign_source(campaign)
    assert (source.name, source.path) == ("caqes-2019.yml", str(CAMPAIGN_2019.resolve()))
    assert source.sha256 == hashlib.sha256(CAMPAIGN_2019.read_bytes()).hexdigest()


def test_load_region_reads_the_data_under_its_campaign():
    from caqes_toolkit.evaluation.region import load_region

    from .conftest import CAMPAIGN_2019, SAMPLE

    dataset, campaign = load_region(SAMPLE, CAMPAIGN_2019)
    assert campaign.name == "caqes-2019" and len(dataset.establishments) == 20
