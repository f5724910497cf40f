"""The avenant (table ``cibles``) in the documents, on the sample region: report, synthesis, grid,
action plan and method document. Expected values are read from the CSV files or computed by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents import sections
from caqes_toolkit.documents import synthesis as sy
from caqes_toolkit.documents.grid import write_grids
from caqes_toolkit.documents.method import method_html
from caqes_toolkit.documents.plan import write_plans
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.evaluation.scoring import score_by_year
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE

NB = "\u202f"
TODAY = dt.date(2020, 3, 1)
ON_TRACK, OFF_TRACK, WITHOUT = "090514480", "266186360", "2A5477391"  # Polyclinique, Étang, Fictiville


@pytest.fixture(scope="module")
def cibles() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "cibles.csv", dtype={"finess": str})


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    table = pd.read_csv(SAMPLE / "resultats.csv", dtype=str, keep_default_na=False)
    return table.set_index(["finess", "annee", "indicateur"])["valeur"]


def _met(cibles: pd.DataFrame, results: pd.Series, finess: str, year: int = 2019) -> dict[str, bool]:
    """Whether each own target of ``year`` is met by the value the CSV gives (all % indicators here,
    hausse except F03, F04, H0x and L0x), computed without the engine."""
    down = {"F03", "F04", "H01", "H02", "L01", "L02"}
    out = {}
    for row in cibles[(cibles["finess"] == finess) & (cibles["annee"] == year)].itertuples():
        text = results.get((finess, str(year), row.indicateur), "")
        value = float(text.replace(",", ".").rstrip(" %")) if text not in ("", "NC") else None
        out[row.indicateur] = value is not None and (value <= row.cible if row.indicateur in down
                                                     else value >= row.cible)
    return out


def test_sample_region_has_one_establishment_on_its_trajectory(cibles: pd.DataFrame, results: pd.Series) -> None:
    assert sorted(cibles["finess"].unique()) == sorted([ON_TRACK, OFF_TRACK, "017462946"])
    assert cibles["annee"].min() == 2019
    assert all(_met(cibles, results, ON_TRACK).values())
    assert not all(_met(cibles, results, OFF_TRACK).values())


def test_report_marks_the_avenant_targets(cibles: pd.DataFrame, results: pd.Series) -> None:
    r = build_report(ON_TRACK, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    html = str(sections.indicators(r))
    # A04 2019 in cibles.csv: 43.8 (campaign: 50); C06 has no own target: the campaign's 100
    a04 = html[html.index(">A04<"):html.index(">A05<")]
    assert f"≥ 43,8{NB}%" in a04 and "cible de l&#39;avenant" in a04 and f"à cinq ans\u202f: ≥ 50,0{NB}%" in a04
    c06 = html[html.index(">C06<"):html.index(">C07<")]
    assert f"≥ 100,0{NB}%" in c06 and "avenant" not in c06
    sentences = " ".join(str(sections.synthesis(r)).split())
    n = len(_met(cibles, results, ON_TRACK))
    assert f"{n} indicateurs sont évalués sur les cibles annuelles de l&#39;avenant" in sentences
    assert "toutes sont atteintes ; l&#39;établissement est sur sa trajectoire" in sentences
    off = build_report(OFF_TRACK, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    missed = sorted(code for code, met in _met(cibles, results, OFF_TRACK).items() if not met)
    text = " ".join(str(sections.synthesis(off)).split())
    assert "l&#39;établissement n&#39;est pas sur sa trajectoire" in text
    assert f"non atteintes ({', '.join(c for c in off.indicators['indicateur'] if c in missed)})" in text


def test_report_without_avenant_says_nothing_of_it() -> None:
    r = build_report(WITHOUT, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)
    assert "avenant" not in str(sections.indicators(r)) + str(sections.synthesis(r)) + str(sections.method_annex(r))
    assert "avenant" in str(sections.method_annex(build_report(ON_TRACK, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)))


def test_synthesis_counts_the_avenants() -> None:
    s = sy.build_synthesis(2019, SAMPLE, CAMPAIGN_2019, campagne_precedente=CAMPAIGN_2018, today=TODAY)
    assert s.avenants is not None and sorted(s.avenants["finess"]) == sorted([ON_TRACK, OFF_TRACK, "017462946"])
    assert s.avenants.set_index("finess")["sur_trajectoire"].to_dict() == {
        ON_TRACK: True, OFF_TRACK: False, "017462946": False}
    assert ("3 établissements ont des cibles d'avenant pour 2019 (cibles annuelles vers la cible à cinq ans de "
            "la campagne) ; 1 est sur sa trajectoire (toutes les cibles de l'année atteintes).") in sy.key_figures(s)


def test_grid_shows_the_years_own_target(tmp_path: Path) -> None:
    campaign = load_campaign(CAMPAIGN_2019)
    data = load_dataset(SAMPLE, campaign)
    (path,) = write_grids(data, campaign, 2019, tmp_path, [ON_TRACK])
    sheet = openpyxl.load_workbook(path)["Indicateurs"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Code")
    rows = {r[0]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["A04"]["Cible ou référence"] == (f"≥ 43,8{NB}% — cible de l'avenant{NB}; campagne, à cinq ans\u202f: "
                                                 f"≥ 50,0{NB}%")
    assert rows["C06"]["Cible ou référence"] == f"≥ 100,0{NB}%"


def test_plan_has_the_trajectory_sheet(tmp_path: Path, cibles: pd.DataFrame) -> None:
    campaign = load_campaign(CAMPAIGN_2019)
    data = load_dataset(SAMPLE, campaign)
    scores = score_by_year(data, [campaign], [2019])[2019]
    on, without = write_plans(scores, 2019, tmp_path, [ON_TRACK, WITHOUT], targets=data.targets)
    assert "Trajectoire" not in openpyxl.load_workbook(without).sheetnames
    sheet = openpyxl.load_workbook(on)["Trajectoire"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == ("Code", "Indicateur", "Valeur T0 (2017)", "Valeur actuelle", "Cible 2019", "Cible 2020",
                       "Cible 2021", "Cible 2022", "Cible de la campagne (à cinq ans)")
    mine = cibles[cibles["finess"] == ON_TRACK]
    assert [r[0] for r in rows[1:]] == list(dict.fromkeys(mine["indicateur"]))
    a04 = mine[mine["indicateur"] == "A04"]["cible"].tolist()
    assert list(rows[1][4:8]) == [f"{x:.1f}{NB}%".replace(".", ",") for x in a04]
    assert rows[1][8] == f"≥ 50,0{NB}%"


def test_method_document_example_scored_with_and_without_the_avenant() -> None:
    soup = BeautifulSoup(method_html(load_campaign(CAMPAIGN_2019)), "html.parser")
    section = next(s for s in soup.select("section") if "Cibles de l'avenant" in s.get_text())
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in section.select("tbody tr")]
    # A04 (hausse, campaign 50 %): T0 25, trajectory 30, 35…: 2019 own target 35; value 37.5 → met;
    # campaign alone (37.5 − 25) / (50 − 25) = 0.5. F03 (baisse, 10 %): T0 15, own 13, value 13.5 →
    # (15 − 13.5) / (15 − 13) = 0.75; campaign (15 − 13.5) / (15 − 10) = 0.3.
    assert [(r[0], r[-1]) for r in rows] == [
        (f"avenant 2019{NB}: ≥ 35,0{NB}%", f"1,000 (100,0{NB}%)"),
        (f"campagne, à cinq ans{NB}: ≥ 50,0{NB}%", f"0,500 (50,0{NB}%)"),
        (f"avenant 2019{NB}: ≤ 13,0{NB}%", f"0,750 (75,0{NB}%)"),
        (f"campagne, à cinq ans{NB}: ≤ 10,0{NB}%", f"0,300 (30,0{NB}%)")]
    assert (f"trajectoire proposée 2018{NB}: 30,0{NB}%, 2019{NB}: 35,0{NB}%, 2020{NB}: 40,0{NB}%, 2021{NB}: 45,0{NB}%, "
            f"2022{NB}: 50,0{NB}%") in section.get_text(" ", strip=True)
