"""What an establishment and an ARS read, item by item: the key figures say the state of the sanction,
phase 1 compares like with like, the synthesis says the cap once and leaves out the volets when there is
nothing to say, the chapter legend fits its figure, ``collecte`` speaks French (its summary and its
follow-up workbook). Every expected value is read by hand in the sample data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents import charts, sections
from caqes_toolkit.documents import synthesis as sy
from caqes_toolkit.documents.grid import write_grids
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.evaluation.scoring import STATUSES
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2019, SAMPLE, plain_spaces
from .grid_helpers import fill_from_data

matplotlib.use("Agg")


def _text(html: object) -> str:
    return " ".join(plain_spaces(BeautifulSoup(str(html), "html.parser").get_text(" ")).split())


def _kpis(finess: str, phase: int) -> dict[str, str]:
    r = build_report(finess, 2019, SAMPLE, CAMPAIGN_2019, phase=phase)
    soup = BeautifulSoup(str(sections.synthesis(r)), "html.parser")
    return {_text(k.select_one(".caqes-kpi-label")): " ".join(_text(span) for span in k.select(":scope > span")[1:])
            for k in soup.select(".caqes-kpi")}


# --- the key figures say what the text says -----------------------------------------------------
@pytest.mark.parametrize(("finess", "phase", "label", "state"), [
    # 094869773: 67,2 % in phase 2 (class C): below 80 %, the sanction is incurred, not yet decided
    ("094869773", 2, "Sanction", "encourue score sous 80 % ; décision après la phase contradictoire"),
    # the same in phase 1 (69,0 % without the Assurance Maladie's indicators): only possible
    ("094869773", 1, "Sanction", "possible : score sous 80 % phase 1 : score provisoire"),
    # 2A5477391: 99,7 %, class A
    ("2A5477391", 2, "Sanction", "non score d'au moins 80 %"),
    ("2A5477391", 1, "Sanction", "non score d'au moins 80 % (phase 1 : provisoire)"),
])
def test_the_sanction_box_says_the_state_with_the_phase(finess, phase, label, state):
    kpis = _kpis(finess, phase)
    assert kpis[label] == state
    assert "proposée" not in " ".join(kpis.values())  # a decision not yet taken is never shown as taken


def test_a_campaign_without_sanction_says_non(tmp_path):
    text = CAMPAIGN_2019.read_text(encoding="utf-8").replace("\nsans_sanction: false", "\nsans_sanction: true")
    campaign = tmp_path / "sans.yml"
    campaign.write_text(text, encoding="utf-8")
    r = build_report("094869773", 2019, SAMPLE, campaign)
    state, detail = sections.sanction_state(True, r.campaign, 2)
    assert (state, plain_spaces(detail)) == ("non", f"campagne {r.campaign.name} évaluée sans sanction")


# --- phase 1 compares like with like --------------------------------------------------------------
def _chapter_row(finess: str, phase: int, chapter: int) -> list[str]:
    html = BeautifulSoup(str(sections.chapters(build_report(finess, 2019, SAMPLE, CAMPAIGN_2019, phase=phase))),
                         "html.parser")
    rows = [[_text(td) for td in tr.find_all("td")] for tr in html.select("tbody tr")]
    return next(r for r in rows if r[0].startswith(f"{chapter}."))


def test_phase_1_compares_the_same_indicators_of_chapter_3():
    """Chapter 3 of 094869773 (resultats.csv): G01, G02 and G05 come from the Assurance Maladie, G03 and G04
    (binary, weight 1) from the establishment. In phase 1 the first three are left out of 2019 and of 2018
    alike: 2019 G03 = 1, G04 = 1 → 100 %; 2018 G03 = 1, G04 = 0 → 50 %: +50,0 points (+61,0 when 2018
    kept G01, G02, G05). Phase 2 scores the five in both years: +37,8 points."""
    assert _chapter_row("094869773", 1, 3)[2:4] == ["100,0 %", "+50,0 points"]
    assert _chapter_row("094869773", 2, 3)[2:4] == ["76,7 %", "+37,8 points"]


# --- the regional synthesis ----------------------------------------------------------------------------
def _without(tmp_path: Path, *emptied: str) -> Path:
    """The sample region with the tables ``emptied`` reduced to their header."""
    data = tmp_path / "donnees"
    shutil.copytree(SAMPLE, data)
    for name in emptied:
        path = data / f"{name}.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return data


def test_no_volets_section_without_contract_nor_targeting(tmp_path):
    s = sy.build_synthesis(2019, _without(tmp_path, "contrats", "depenses"), CAMPAIGN_2019)
    assert str(sy.volets(s)) == ""


def test_without_contract_the_volets_section_names_who_is_targeted_and_no_dash_table(tmp_path):
    """No contract, the expenses of the sample: TR1's rule (evolution 2018 → 2019 above 2,2 %/an or at least
    500 000 € in 2019) flags 692873086 (2 660 000 €) and 697279396 (472 500 €, +3,85 %)."""
    html = sy.volets(sy.build_synthesis(2019, _without(tmp_path, "contrats"), CAMPAIGN_2019))
    soup = BeautifulSoup(str(html), "html.parser")
    assert "Aucun contrat de volet additionnel en vigueur en 2019." in _text(html)
    flagged = {_text(tr.td) for table in soup.find_all("table") for tr in table.select("tbody tr")}
    assert {"692873086", "697279396"} <= flagged
    for row in soup.select("tbody tr"):  # never a row of dashes
        cells = [_text(td) for td in row.find_all("td")]
        assert sum(c in ("—", "") for c in cells) < len(cells) - 1, cells


def test_the_cap_is_said_once():
    s = sy.build_synthesis(2019, SAMPLE, CAMPAIGN_2019)
    text = _text(BeautifulSoup(str(sy.sanctions(s)), "html.parser").select("p")[-1])
    assert text.count("Plafond") == 1 and text.count("1 % des produits") == 1, text
    assert text.endswith("Plafond : 1 % des produits reçus de l'Assurance Maladie (art. L. 162-30-2 CSS) ; "
                         "montant fixé par l'ARS après phase contradictoire.")


# --- the chapter legend fits its figure -----------------------------------------------------------------
@pytest.mark.parametrize("phase", [1, 2])
def test_the_status_legend_fits_the_figure(phase):
    """Every status met is named in the legend, whole, inside the figure (« en attente » of phase 1
    included), and only those: 094869773 has no « non concerné » chapter 5 row in either phase."""
    r = build_report("094869773", 2019, SAMPLE, CAMPAIGN_2019, phase=phase)
    fig = charts.indicator_status(r.indicators, STATUSES)
    fig.canvas.draw()
    legend = fig.axes[0].get_legend()
    shown = [t.get_text() for t in legend.get_texts()]
    met = set(r.indicators["statut"])
    assert set(shown) == met and ("en attente" in shown) == (phase == 1)
    box = legend.get_window_extent()
    width, height = fig.canvas.get_width_height()
    assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, (box, width, height)
    for text in legend.get_texts():
        extent = text.get_window_extent()
        assert 0 <= extent.x0 and extent.x1 <= width, text.get_text()


# --- caqes collecte speaks French ---------------------------------------------------------------------
def test_collecte_summary_and_follow_up_workbook_in_french(tmp_path, monkeypatch):
    """Grids of 2A5477391, 094869773 and 090255480 filled from the sample's 2019 values: the first two are
    whole (reçues); 090255480's data has no A07 (incomplète, 1 valeur manquante); the 17 others of the 20
    establishments returned nothing (manquantes)."""
    campaign = load_campaign(CAMPAIGN_2019)
    write_grids(load_dataset(SAMPLE, campaign), campaign, 2019, tmp_path / "grilles",
                ["2A5477391", "094869773", "090255480"])
    fill_from_data(tmp_path / "grilles", SAMPLE, 2019)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["collecte", "grilles", "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--data", str(SAMPLE), "--out", "donnees", "--suivi", "suivi.xlsx"])
    assert result.exit_code == 0, result.output
    lines = plain_spaces(result.output).splitlines()
    assert lines[:3] == [
        "20 établissements : 2 reçues, 1 incomplète, 17 manquantes.",
        "  090255480 Centre de dialyse des Fictifs : incomplète — 1 valeur manquante (grille_090255480_2019.xlsx)",
        "Données écrites dans donnees. Suivi : suivi.xlsx."]
    sheet = openpyxl.load_workbook(tmp_path / "suivi.xlsx").active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["FINESS", "Raison sociale", "Statut"] and "Valeurs manquantes" in header
    at = [header.index(h) for h in ("Statut", "Valeurs manquantes", "Anomalies")]
    by_finess = {r[0]: [r[i] for i in at] for r in rows[1:]}
    assert by_finess["2A5477391"] == ["reçue", 0, 0] and by_finess["090255480"] == ["incomplète", 1, 0]
    assert by_finess["019480524"] == ["manquante", None, None] and len(by_finess) == 20
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.page_setup.orientation == "landscape"
    # the CSV for programs keeps its machine columns and statuses
    os.remove(tmp_path / "suivi.xlsx")
    result = CliRunner().invoke(app, ["collecte", "grilles", "-c", str(CAMPAIGN_2019), "-y", "2019", "--data",
                                      str(SAMPLE), "--out", "donnees", "--suivi", "suivi.csv", "--force"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "suivi.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["finess", "raison_sociale", "statut", "date_reception", "en_retard", "relance",
                                   "contact", "valeurs_manquantes", "anomalies", "fichier"]
    assert set(table["statut"]) == {"reçue", "incomplète", "manquante"}


def test_equal_priorities_are_ordered_by_the_rule_the_report_states():
    """094869773's five first priorities are worth the same (regional, weight 1 in chapter 1: +2,31 points
    each); A01, A05, A10 and B02 went from « oui » in 2018 to « non » in 2019 (degraded), A07 stayed « non »:
    the degraded ones first, in code order, then A07 — the rule the report says under the table."""
    html = BeautifulSoup(str(sections.priorities(build_report("094869773", 2019, SAMPLE, CAMPAIGN_2019))),
                         "html.parser")
    rows = [[_text(td) for td in tr.find_all("td")] for tr in html.select("table.caqes-priorities tbody tr")]
    assert [r[1][:3] for r in rows] == ["A01", "A05", "A10", "B02", "A07"]
    assert {r[-2] for r in rows} == {"+2,31 points"}
    notes = [_text(p) for p in html.select("p.caqes-note")]
    assert ("À points égaux, un indicateur national passe avant un indicateur régional, puis un indicateur "
            "dégradé depuis l'an dernier avant les autres, puis l'ordre des codes.") in notes


def test_written_paths_are_shown_from_the_current_folder(tmp_path, monkeypatch):
    """An output given by its absolute path inside the current folder is shown relative to it, as a person
    finds it from there (« écrit : methode/methode_caqes-2019.html »)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["methode", "-c", str(CAMPAIGN_2019), "--out", str(tmp_path / "methode"),
                                      "--formats", "html"])
    assert result.exit_code == 0, result.output
    assert plain_spaces(result.output).splitlines()[-1] == f"écrit : {Path('methode', 'methode_caqes-2019.html')}"
    result = CliRunner().invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--out", str(tmp_path / "scores.csv")])
    assert result.exit_code == 0, result.output
    assert plain_spaces(result.output).splitlines()[-1] == "20 lignes écrites dans scores.csv."


@pytest.mark.parametrize(("done", "total", "said"), [
    (3, 3, "3 rapports à jour sur 3, aucun fichier à moitié écrit ; relancez la même commande pour terminer"),
    (2, 3, "2 rapports à jour sur 3, aucun fichier à moitié écrit ; relancez la même commande pour faire le "
           "rapport restant"),
    (0, 3, "0 rapport à jour sur 3, aucun fichier à moitié écrit ; relancez la même commande pour faire les "
           "3 rapports restants"),
])
def test_an_interrupted_batch_says_what_is_left_in_french(done, total, said):
    """Interrupted once every report is done (Ctrl-C while the index is written), never « les 0 rapports
    restants »."""
    from caqes_toolkit.cli import reports_done

    assert reports_done(done, total) == f"{said} (ceux qui sont à jour ne sont pas refaits)"
