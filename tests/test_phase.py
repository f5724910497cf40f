"""Two-phase evaluation: phase 1 leaves the Assurance Maladie indicators out (« en attente »)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.documents.sections import header
from caqes_toolkit.evaluation.scoring import score, score_by_year
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2019, SAMPLE, TINY, make_dataset, write_campaign
from .test_scoring import CH1_A, ES_A, ES_B, G_A, G_B, MATURITY, REFERENCES, RESULTS

# G1 (chapter 3) and H1 (chapter 4) come from the Assurance Maladie.
TAGGED = (TINY
          .replace('cible: reference_nationale, unite: "%"}}'.replace("}}", "}"),
                   'cible: reference_nationale, unite: "%", source_donnees: assurance_maladie}')
          .replace('cible: 4, unite: "%/an"}', 'cible: 4, unite: "%/an", source_donnees: assurance_maladie}'))


@pytest.fixture
def tagged(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, TAGGED + "date_phase_2: 2019-06-15\n"))
    assert [i.code for i in campaign.indicators if i.data_source == "assurance_maladie"] == ["G1", "H1"]
    return campaign


def _es(scores, finess, year=2018):
    df = scores.establishments
    return df[(df.finess == finess) & (df.annee == year)].iloc[0]


def _ind(scores, finess, code, year=2018):
    df = scores.indicators
    return df[(df.finess == finess) & (df.indicateur == code) & (df.annee == year)].iloc[0]


def test_phase_2_is_todays_evaluation(tagged):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)
    s = score(data, tagged, [2018])
    assert _es(s, "010000001").score_global == pytest.approx(G_A)
    assert _es(s, "020000002").score_global == pytest.approx(G_B)


def test_phase_1_leaves_the_awaited_indicators_out(tagged):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)
    s = score(data, tagged, [2017, 2018], phase=1)
    # A: ch.1 unchanged, ch.2 = 50, ch.3 NC (G1 awaited), ch.4 = 100 (H2 3.0 ≤ 3.6; H1 awaited),
    #    ch.5 NC → weights 60 + 20 + 7 = 87 (in phase 2: ch.3 = 100, ch.4 = 75 over 92)
    g_a = (60 * CH1_A + 20 * 50 + 7 * 100) / 87
    assert _es(s, "010000001").score_global == pytest.approx(g_a)
    assert np.isnan(_es(s, "010000001").chapitre_3)
    assert _es(s, "010000001").chapitre_4 == pytest.approx(100)
    # B: ch.1 = 20, ch.2 = 25, ch.3 NC (G1 awaited), ch.4 NC (H1 awaited, H2 without reference)
    assert _es(s, "020000002").score_global == pytest.approx((60 * 20 + 20 * 25) / 80)
    h1 = _ind(s, "010000001", "H1")
    assert (h1.statut, bool(h1.applicable), np.isnan(h1.score), np.isnan(h1.valeur)) == (
        "en attente", False, True, True)
    assert h1.motif_nc == "donnée de l'Assurance Maladie attendue en phase 2"
    assert np.isnan(h1.gain)  # never a priority, never counted 0
    assert _ind(s, "020000002", "G1").statut == "en attente"
    assert _es(s, "010000001").nb_non_renseignes == 1  # Y2 only
    # the years before the evaluated one leave the same indicators out, so that a change since T0 or
    # N−1 compares like with like: H1 2017 (= 6) is « en attente » too, and A's chapter 4 of 2017 is
    # NC (H1 left out, H2 without a 2017 reference), where phase 2 scores it 0 (H1 = 6 at T0: not met)
    h1_2017 = _ind(s, "010000001", "H1", 2017)
    assert h1_2017.statut == "en attente" and np.isnan(h1_2017.score)
    assert np.isnan(_es(s, "010000001", 2017).chapitre_4)
    final = score(data, tagged, [2017, 2018])
    assert _ind(final, "010000001", "H1", 2017).statut == "non atteint"
    assert _es(final, "010000001", 2017).chapitre_4 == 0


def test_score_by_year_threads_the_phase(tagged):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)
    s1 = score_by_year(data, [tagged], [2018], phase=1)[2018]
    s2 = score_by_year(data, [tagged], [2018])[2018]
    assert _es(s1, "010000001").score_global == pytest.approx((60 * CH1_A + 20 * 50 + 7 * 100) / 87)
    assert _es(s2, "010000001").score_global == pytest.approx(G_A)


def test_phase_must_be_1_or_2(tagged):
    data = make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)
    with pytest.raises(ValueError, match="phase"):
        score(data, tagged, [2018], phase=3)


def test_phase_1_report_says_it_is_provisional():
    today = dt.date(2020, 4, 1)
    final = build_report("2A5477391", 2019, SAMPLE, CAMPAIGN_2019, today=today)
    early = build_report("2A5477391", 2019, SAMPLE, CAMPAIGN_2019, today=today, phase=1)
    assert final.provisional == "" and "provisoire" in early.provisional
    assert "provisoire" in str(header(early)) and "provisoire" not in str(header(final))
    awaited = early.indicators[early.indicators["statut"] == "en attente"]["indicateur"].tolist()
    assert awaited == ["G01", "G02", "G05", "H01", "H02", "L01", "L02"]
    assert early.scores_json()["phase"] == 1 and final.scores_json()["phase"] == 2
    assert "en attente" not in set(final.indicators["statut"])


def test_batch_jobs_and_synthesis_carry_the_phase(tmp_path):
    from caqes_toolkit.documents.synthesis import build_synthesis
    from caqes_toolkit.documents.synthesis import header as synthesis_header
    from caqes_toolkit.run.batch import make_jobs

    (early,) = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path, ["2A5477391"], ("html",), phase=1)
    (final,) = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path, ["2A5477391"], ("html",))
    assert early.parameters["phase"] == 1 and final.parameters["phase"] == 2
    assert early.fingerprint != final.fingerprint  # a phase-2 run redoes the phase-1 reports
    s1 = build_synthesis(2019, SAMPLE, CAMPAIGN_2019, phase=1)
    s2 = build_synthesis(2019, SAMPLE, CAMPAIGN_2019)
    assert "provisoire" in str(synthesis_header(s1)) and "provisoire" not in str(synthesis_header(s2))
    assert not s1.table["score_global"].equals(s2.table["score_global"])


def test_score_command_phase_1(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from caqes_toolkit.cli import app

    outs = {}
    for phase in ("1", "2"):
        out = tmp_path / f"scores_{phase}.csv"
        run = CliRunner().invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                       "--out", str(out), "--phase", phase])
        assert run.exit_code == 0, run.output
        outs[phase] = pd.read_csv(out, dtype={"finess": str}).set_index("finess")["score_global"]
    campaign = load_campaign(CAMPAIGN_2019)
    data = load_dataset(SAMPLE, campaign)
    expected = score_by_year(data, [campaign], [2019], phase=1)[2019].establishments
    expected = expected[expected["annee"] == 2019].set_index("finess")["score_global"]
    assert outs["1"].loc[expected.index].to_numpy() == pytest.approx(expected.to_numpy())
    assert not np.allclose(outs["1"].sort_index(), outs["2"].sort_index())
    run = CliRunner().invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                   "--out", str(tmp_path / "x.csv"), "--phase", "3"])
    assert run.exit_code != 0
