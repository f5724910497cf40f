"""The follow-up board of the returned grids, the index's rows of the establishments without report,
and the cover letter's model (escaping, located errors)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents.follow_up import LABELS, board, read_board, write_board
from caqes_toolkit.documents.generations import GENERATIONS
from caqes_toolkit.documents.letter import Letter, LetterValues
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.run.batch import Outcome
from caqes_toolkit.run.index import write_index

from .conftest import SAMPLE

DEADLINE = dt.date(2020, 3, 31)
RETURNS = pd.DataFrame([
    ("000000001", "Reçue à temps", "reçue", dt.date(2020, 3, 20), "a@x.example", 0, 0, "a.xlsx"),
    ("000000002", "Reçue en retard", "reçue", dt.date(2020, 4, 2), "", 0, 0, "b.xlsx"),
    ("000000003", "Incomplète", "incomplète", dt.date(2020, 3, 30), "", 2, 0, "c.xlsx"),
    ("000000004", "=Invalide", "invalide", dt.date(2020, 3, 1), "", None, 3, "d.xlsx"),
    ("000000005", "Manquante", "manquante", None, "e@x.example", None, None, ""),
], columns=["finess", "raison_sociale", "statut", "date_reception", "contact", "valeurs_manquantes", "anomalies",
            "fichier"])


def test_board_after_the_deadline() -> None:
    table = board(RETURNS, DEADLINE, today=dt.date(2020, 4, 15)).set_index("finess")
    assert table["en_retard"].tolist() == ["non", "oui", "non", "non", "oui"]  # after 31/03, or still missing
    assert table["relance"].tolist() == ["non", "non", "à faire", "à faire", "à faire"]
    assert table.loc["000000005", "contact"] == "e@x.example"


def test_board_before_the_deadline_reminds_a_missing_grid_the_day_after() -> None:
    table = board(RETURNS, DEADLINE, today=dt.date(2020, 3, 25)).set_index("finess")
    assert table.loc["000000005", ["en_retard", "relance"]].tolist() == ["non", "après le 31/03/2020"]
    assert table.loc["000000003", "relance"] == "à faire"  # a grid to complete: at once
    no_deadline = board(RETURNS, None, today=dt.date(2020, 3, 25)).set_index("finess")
    assert no_deadline.loc["000000005", "relance"] == "à faire" and set(no_deadline["en_retard"]) == {"non"}


def test_board_workbook_is_for_people(tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsx"
    write_board(board(RETURNS, DEADLINE, today=dt.date(2020, 4, 15)), path)
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == list(LABELS.values())
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J6"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    received = sheet.cell(row=2, column=4)
    assert received.value == dt.datetime(2020, 3, 20) and received.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=6, column=4).value is None  # missing: no date
    assert sheet["B5"].value == "=Invalide" and sheet["B5"].data_type == "s"
    back = read_board(path).set_index("finess")
    assert back.loc["000000002", ["statut", "en_retard"]].tolist() == ["reçue", "oui"]
    write_board(board(RETURNS, DEADLINE), tmp_path / "suivi.csv")
    machine = pd.read_csv(tmp_path / "suivi.csv", dtype=str, keep_default_na=False)
    assert machine["date_reception"].tolist() == ["2020-03-20", "2020-04-02", "2020-03-30", "2020-03-01", ""]


def test_index_lists_the_establishments_without_contract_greyed(tmp_path: Path) -> None:
    campaign = load_campaign(SAMPLE.parent / "exemple-2022" / "caqes-2022-region-fictive.yml")
    dataset = load_dataset(SAMPLE.parent / "exemple-2022", campaign)
    absent = GENERATIONS[2].not_evaluated(dataset, campaign, 2023)
    # contracts.csv: 380001016, 690002027, 070005053 under contract from 1 July 2022; the other three not
    assert absent == dict.fromkeys(["260003033", "730004041", "010006062"], "pas de contrat en vigueur")
    outcomes = [Outcome(f, "ok", scores={"generation": 2, "raison_sociale": f, "interessement_total": 1.0, "volets": []})
                for f in ("380001016", "690002027", "070005053")]
    page = BeautifulSoup(write_index(tmp_path, outcomes, campaign="c", year=2023, formats=("html",),
                                     establishments=dataset.establishments, absent=absent).read_text(), "html.parser")
    greyed = page.select("tr.caqes-absent")
    assert sorted(r["data-finess"] for r in greyed) == sorted(absent)
    assert all("pas de contrat en vigueur" in r.get_text() and not r.select("a") for r in greyed)
    assert "3 rapports disponibles, 0 échec. 3 établissements sans rapport (grisés)." in page.get_text()


def _values(name: str = "Centre hospitalier", **changed: object) -> LetterValues:
    values = LetterValues("ARS Région fictive", "caqes@ars.example", DEADLINE, "094869773", name, 2019, "caqes-2019",
                          67.24, "C", None, ("Rapport d'évaluation 2019 (rapport_094869773_2019.pdf)",),
                          dt.date(2020, 6, 1))
    return LetterValues(**{**values.__dict__, **changed})


def test_letter_says_the_ars_the_deadline_and_the_figures_and_escapes_names(tmp_path: Path) -> None:
    from caqes_toolkit.resources import letter_model

    html = Letter(letter_model()).html(_values("**Clinique** <script>alert(1)</script> [lien](http://x)"))
    text = re.sub(r"[ \n]+", " ", BeautifulSoup(html, "html.parser").get_text(" "))
    for said in ("ARS Région fictive", "caqes@ars.example", "31 mars 2020", "67,2\u202f%", "classe\u00a0C",
                 "Le 1er juin 2020", "rapport_094869773_2019.pdf", "FINESS\u00a0094869773"):
        assert said in text, said
    assert "<script>" not in html and 'href="http://x"' not in html
    assert "**Clinique** <script>alert(1)</script> [lien](http://x)" in text  # shown as written


def test_a_letter_model_that_cannot_be_used_names_its_line(tmp_path: Path) -> None:
    model = tmp_path / "courrier.md"
    model.write_text("Bonjour,\n\nvotre score : {{ scor }}\n", encoding="utf-8")
    with pytest.raises(CaqesError, match=r"courrier.md, ligne 3 : valeur inconnue « scor »"):
        Letter(model).html(_values())
    model.write_text("Bonjour,\n{% if classe %}\nclasse {{ classe }}\n", encoding="utf-8")
    with pytest.raises(CaqesError, match=r"courrier.md, ligne \d : syntaxe du modèle invalide"):
        Letter(model)
    page = tmp_path / "courrier.html"
    page.write_text("<p>Classe <b>{{ classe }}</b> pour {{ etablissement.raison_sociale }}</p>", encoding="utf-8")
    assert "<p>Classe <b>C</b> pour &lt;i&gt;CH&lt;/i&gt;</p>" in Letter(page).html(_values("<i>CH</i>"))


def test_a_first_generation_establishment_without_results_that_year_is_listed_with_why(tmp_path: Path) -> None:
    data = tmp_path / "region"
    shutil.copytree(SAMPLE, data)
    results = pd.read_csv(data / "resultats.csv", dtype=str)
    dropped = (results["finess"] == "094869773") & (results["annee"] == "2019")
    results[~dropped].to_csv(data / "resultats.csv", index=False)
    campaign = load_campaign(SAMPLE.parent.parent / "params" / "caqes-2019.yml")
    dataset = load_dataset(data, campaign)
    assert GENERATIONS[1].not_evaluated(dataset, campaign, 2019) == {"094869773": "aucun résultat en 2019"}
    assert GENERATIONS[1].not_evaluated(dataset, campaign, 2018) == {}  # 2017 and 2018 are all there
