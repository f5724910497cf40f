"""The volets in the documents: report section, regional synthesis, method document, action plan."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from bs4 import BeautifulSoup

from caqes_toolkit import load_campaign, load_dataset, score_by_year
from caqes_toolkit.documents import sections
from caqes_toolkit.documents import synthesis as synth
from caqes_toolkit.documents.method import method_html
from caqes_toolkit.documents.plan import write_plans
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.formats import french_spacing

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE

NB = "\u202f"
TODAY = dt.date(2026, 11, 22)
CHIMERE = "692873086"     # sample: transports (overrun) and pertinence contracts
FICTIVILLE = "2A5477391"  # sample: transports (savings) and qualité contracts
WITHOUT = "094869773"     # sample: no contract


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def test_report_section_with_a_contract():
    r = build_report(FICTIVILLE, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    html = str(sections.volets(r))
    text = text_of(html)
    assert "Volets additionnels" in text
    # worked example of the sample: 1 200 000 (2017) → objective 1 253 380,80; savings 3 380,80;
    # T01 and T02 met (A = 100 %): 30 % × 3 380,80 = 1 014,24
    for figure in (f"1{NB}253{NB}380,80{NB}€", f"3{NB}380,80{NB}€", f"1{NB}014,24{NB}€", f"+1,63{NB}%"):
        assert figure in text, figure
    assert "Arrêté du 12/12/2018" in text and "[choix]" in text and "estimations" in text
    assert html.count("<img") == 1  # one chart: transports spending against its objective
    assert "Qualité et sécurité des soins" in text


def test_report_section_overrun_and_priorities():
    text = text_of(str(sections.volets(build_report(CHIMERE, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY))))
    # 2 450 000 × 1,022² = 2 558 985,80; 2 660 000 − 2 558 985,80 = 101 014,20 (cap 1 % × 68 609 801)
    assert f"101{NB}014,20{NB}€" in text and "une sanction peut être proposée" in text
    assert "Objectifs du volet à atteindre en priorité" in text
    assert "T02" in text and "PE2" in text


def test_no_section_without_a_contract():
    r = build_report(WITHOUT, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    assert r.volets is None and str(sections.volets(r)) == ""


def test_report_volets_never_name_another_establishment():
    r = build_report(FICTIVILLE, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    others = load_dataset(SAMPLE, load_campaign(CAMPAIGN_2019)).establishments
    html = str(sections.volets(r))
    for row in others[others["finess"] != FICTIVILLE].itertuples():
        assert row.finess not in html and row.raison_sociale not in html


def test_synthesis_section():
    s = synth.build_synthesis(2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    soup = BeautifulSoup(str(synth.volets(s)), "html.parser")
    summary = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in soup.table.tbody.find_all("tr")]
    transports = summary[0]
    # contracts in force in 2019: Fictiville, Chimère, Mirage (Val fictif ended in 2017)
    assert transports[1] == "3"
    # savings 3 380,80 + 31 173,31 → 34 554; overrun 101 014; intéressement 1 014,24 + 9 351,99 → 10 366
    assert transports[2:5] == [f"34{NB}554{NB}€", f"101{NB}014{NB}€", f"10{NB}366{NB}€"]
    flagged = soup.find_all("table")[-1].get_text(" ")
    assert "090514480" in flagged and "697279396" in flagged  # flagged without a contract
    assert "Polyclinique de la Baie fictive" in flagged


def test_method_document_describes_the_volets():
    for path in (CAMPAIGN_2018, CAMPAIGN_2019):
        campaign = load_campaign(path)
        soup = BeautifulSoup(method_html(campaign), "html.parser")
        section = soup.find(id="volets")
        assert section is not None
        example = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                   for tr in soup.select_one("table.caqes-volets-example").find_all("tr")]
        values = {label.split(" =")[0].split(" (")[0]: value for label, value in example}
        assert values["Objectif 2019"] == f"1{NB}253{NB}380,80{NB}€"
        assert values["Économies"] == f"3{NB}380,80{NB}€"
        assert values["Intéressement estimé"] == f"1{NB}014,24{NB}€"
        overrun = soup.select_one("table.caqes-volets-example").find_next("p").get_text(" ")
        assert f"146{NB}619,20{NB}€" in overrun
        if campaign.without_sanction:
            assert "aucun reversement" in overrun
        else:
            assert overrun.endswith(f"= 100{NB}000,00{NB}€.")  # min(146 619,20 ; 1 % × 10 000 000)
        text = soup.get_text(" ")
        for volet in campaign.volets:
            assert french_spacing(volet.source) in text


def test_plan_lists_the_volet_objectives(tmp_path):
    campaign = load_campaign(CAMPAIGN_2019)
    data = load_dataset(SAMPLE, campaign)
    scores = score_by_year(data, [campaign], [2019])[2019]
    (path,) = write_plans(scores, 2019, tmp_path, [CHIMERE], volets=evaluate_volets(data, campaign, 2019))
    rows = [r for r in openpyxl.load_workbook(path).active.iter_rows(min_row=9, values_only=True) if r[1]]
    volet_rows = [r for r in rows if str(r[3]).startswith("Volet")]
    assert [(r[1], r[3], r[4], r[5]) for r in volet_rows] == [
        ("T02", "Volet transports", "non", "oui"), ("PE2", "Volet pertinence", f"35,0{NB}%", f"≥ 50,0{NB}%")]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    (path,) = write_plans(scores, 2019, tmp_path / "sans", [WITHOUT], volets=evaluate_volets(data, campaign, 2019))
    rows = [r for r in openpyxl.load_workbook(path).active.iter_rows(min_row=9, values_only=True) if r[1]]
    assert not any(str(r[3]).startswith("Volet") for r in rows)


@pytest.mark.parametrize("year", [2018, 2019])
def test_sample_money_by_hand(year):
    """Chimère (transports from 01/01/2018, reference 2017 = 2 450 000): 2018 objective
    2 450 000 × 1,022 = 2 503 900, overrun 76 100 (2018 is without sanction: no reversement);
    2019 objective 2 558 985,80, overrun 101 014,20 → reversement 101 014,20."""
    campaign = load_campaign(CAMPAIGN_2018 if year == 2018 else CAMPAIGN_2019)
    rows = evaluate_volets(load_dataset(SAMPLE, campaign), campaign, year).rows
    line = rows[(rows["finess"] == CHIMERE) & (rows["indicateur"] == "TR1")].iloc[0]
    objective, overrun = {2018: (2_503_900.0, 76_100.0), 2019: (2_558_985.80, 101_014.20)}[year]
    assert line["objectif"] == pytest.approx(objective) and line["depassement"] == pytest.approx(overrun)
    if year == 2018:
        assert line["sanction_proposee"] is None
    else:
        assert line["reversement_max"] == pytest.approx(overrun) and line["sanction_proposee"] is True


def test_scores_json_carries_the_volet_totals():
    import json

    data = build_report(CHIMERE, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY).scores_json()
    json.dumps(data)
    transports, pertinence = data["volets"]
    assert transports["volet"] == "transports" and transports["reversement_max"] == pytest.approx(101_014.20)
    assert transports["sanction_proposee"] is True and transports["interessement"] == 0
    assert pertinence["economies"] is None and pertinence["sanction_proposee"] is False
    assert build_report(WITHOUT, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY).scores_json()["volets"] == []
