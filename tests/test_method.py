"""The method document (caqes_toolkit.documents.method): complete, exact, escaped, printable."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from caqes_toolkit.documents.generations import method_document
from caqes_toolkit.documents.method import method_html
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.formats import french_spacing
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.run.render import chromium_available

from .conftest import TINY, write_campaign

NB = "\u202f"
needs_chromium = pytest.mark.skipif(not chromium_available("/usr/bin/chromium"),
                                    reason="/usr/bin/chromium absent")


@pytest.fixture(scope="module")
def soup_2018(campaign_2018):
    return BeautifulSoup(method_html(campaign_2018), "html.parser")


def _rows_of(table) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in tr.find_all("td")]
            for tr in table.tbody.find_all("tr")]


def _rows(soup: BeautifulSoup, css: str) -> list[list[str]]:
    return _rows_of(soup.select_one(f"table.{css}"))


def test_every_indicator_of_the_catalogue(soup_2018, campaign_2018):
    codes = [td.get_text() for td in soup_2018.select("table.caqes-catalogue td.code")]
    assert codes == [i.code for i in sorted(campaign_2018.indicators, key=lambda i: i.chapter)]
    text = soup_2018.get_text(" ")
    for ind in campaign_2018.indicators:
        assert french_spacing(ind.label) in text and french_spacing(ind.action) in text


def test_catalogue_row_details(soup_2018):
    rows = {r[0]: r for t in soup_2018.select("table.caqes-catalogue") for r in _rows_of(t)}
    # code, indicator + action, scope, rule, direction, target, unit, weight, activities, source
    assert rows["G01"][2:] == ["nationale", "cible", "↑ hausse", f"≥ 45,5{NB}%", "%", "1", "toutes", "documents ARS"]
    assert rows["F01"][5] == "≤ réf. nationale de l'année"
    assert rows["D04"][5] == f"≥ 50,0{NB}%{NB}: 0,5{NB}; ≥ 80,0{NB}%{NB}: 1,0"
    assert rows["A06"][3:8] == ["maturité", "↑ hausse", f"5/5 à chaque étape (100{NB}%)", "%", "2"]
    assert rows["C10"][8] == "MCO, DIA"
    assert rows["H01"][6] == "%/an"


def test_both_weight_tables_side_by_side(soup_2018, campaign_2018):
    rows = _rows(soup_2018, "caqes-weights")
    assert [r[2:] for r in rows] == [["60", "60"], ["20", "20"], ["5", "8"], ["7", "12"], ["8", "NC"],
                                     ["100", "100"]]
    assert rows[0][0] == f"1. {campaign_2018.chapters[1]}"
    assert [int(r[1]) for r in rows[:5]] == [
        sum(i.chapter == k for i in campaign_2018.indicators) for k in range(1, 6)]


def test_class_thresholds(soup_2018):
    assert _rows(soup_2018, "caqes-classes") == [
        ["A", f"G ≥ 80{NB}%"], ["B", f"70{NB}% ≤ G < 80{NB}%"], ["C", f"50{NB}% ≤ G < 70{NB}%"],
        ["D", f"30{NB}% ≤ G < 50{NB}%"], ["E", f"G < 30{NB}%"]]
    assert f"un score de 79,96 s'affiche «{NB}80,0{NB}%{NB}» mais relève de la classe B" in soup_2018.get_text()


def test_sanction_rules(soup_2018, campaign_2019):
    assert "évaluée sans sanction" in soup_2018.select_one("#sanction").find_next("p").get_text()
    text = BeautifulSoup(method_html(campaign_2019), "html.parser").get_text(" ")
    assert f"strictement inférieur à 80{NB}%" in text
    assert f"1,0{NB}% des produits" in text and f"100{NB}000{NB}€ pour 10{NB}000{NB}000{NB}€" in text
    assert french_spacing(campaign_2019.sanction.formula) in text


def test_maturity_example_of_the_seed(soup_2018):
    rows = [r for t in soup_2018.select("table.caqes-example") for r in _rows_of(t) if r[0] == "A06"]
    assert rows == [
        ["A06", f"2{NB}; 4{NB}; 3{NB}; 3{NB}; 2{NB}; 3{NB}; 3", "(2 + 4 + 3 + 3 + 2 + 3 + 3) / 35 = 20 / 35",
         f"0,571 (57,1{NB}%)"],
        ["A06", f"2{NB}; 3{NB}; 3{NB}; 3{NB}; 2{NB}; 2{NB}; 2", "(2 + 3 + 3 + 3 + 2 + 2 + 2) / 35 = 17 / 35",
         f"0,486 (48,6{NB}%)"],
    ]


def test_worked_examples_agree_with_the_rules(tiny_campaign):
    """Examples of the tiny campaign, checked against the method (params/README.md) by hand."""
    soup = BeautifulSoup(method_html(tiny_campaign), "html.parser")
    rows = [r for t in soup.select("table.caqes-example") for r in _rows_of(t)]
    by_rule = {}
    for r in rows:
        by_rule.setdefault(r[0].split()[0], []).append(r)
    assert [r[1:] for r in by_rule["X1"]] == [["oui", f"1,000 (100,0{NB}%)"], ["non", f"0,000 (0,0{NB}%)"]]
    # X2: target 45.5 (hausse); gap 18.2 → T0 27.3; partial 38.7 → P = 11.4 / 18.2
    x2 = by_rule["X2"]
    assert [r[1:3] for r in x2] == [[f"27,3{NB}%", f"45,5{NB}%"], [f"27,3{NB}%", f"38,7{NB}%"],
                                    [f"27,3{NB}%", f"22,8{NB}%"], ["—", f"38,7{NB}%"]]
    p = (38.7 - 27.3) / (45.5 - 27.3)
    assert x2[1][4] == f"{p:.3f} ({100 * p:.1f}{NB}%)".replace(".", ",")
    assert [r[4] for r in (x2[0], x2[2], x2[3])] == [f"1,000 (100,0{NB}%)", f"0,000 (0,0{NB}%)",
                                                     f"0,000 (0,0{NB}%)"]
    # Y1: target 10 (baisse); gap 4 → T0 14; partial 11.5 → P = 2.5 / 4
    assert by_rule["Y1"][1][1:] == [f"14,0{NB}%", f"11,5{NB}%", f"L = 0{NB}; P = (14 − 11,5) / (14 − 10)",
                                    f"0,625 (62,5{NB}%)"]
    # X3: thresholds [[50, 0.5], [80, 1.0]]
    assert [r[1:] for r in by_rule["X3"]] == [
        [f"40,0{NB}%", f"0,000 (0,0{NB}%)"], [f"50,0{NB}%", f"0,500 (50,0{NB}%)"],
        [f"65,0{NB}%", f"0,500 (50,0{NB}%)"], [f"80,0{NB}%", f"1,000 (100,0{NB}%)"]]


def test_aggregation_example(soup_2018):
    result = soup_2018.select_one("table.caqes-aggregation").find_next("p").get_text()
    g = (60 * 80 + 20 * 50 + 5 * 100 + 7 * 75) / 92
    assert result == (f"G = (60 × 80 + 20 × 50 + 5 × 100 + 7 × 75) / 92 = "
                      f"{g:.2f}{NB}% → classe B".replace(".", ","))


def test_texts_are_escaped(tmp_path):
    text = (TINY
            .replace('libelle: "Binaire"', 'libelle: "<script>alert(1)</script> & co"')
            .replace('1: "Un"', '1: "<b>Un</b>"')
            .replace("campagne: test-tiny", 'campagne: "test <i>x</i>"'))
    html = method_html(load_campaign(write_campaign(tmp_path, text)))
    assert "<script" not in html and "<b>Un" not in html and "<i>x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;Un&lt;/b&gt;" in html


def test_self_contained(soup_2018):
    html = str(soup_2018)
    assert soup_2018.html["lang"] == "fr"
    assert not re.search(r"<script|<link|@import|(?:src|href)=\"(?:https?:)?//", html)
    assert "--bleu" in soup_2018.style.get_text() and ".caqes-table" in soup_2018.style.get_text()


def test_html_only_and_bad_format(campaign_2018, tmp_path):
    from caqes_toolkit.run.publish import publish

    document = method_document(campaign_2018)
    paths = publish(document.html, tmp_path / document.name, ("html",))
    assert paths == [tmp_path / "methode_caqes-2018.html"]
    title = BeautifulSoup(paths[0].read_text(encoding="utf-8"), "html.parser").h1.get_text()
    assert title == "Méthode d'évaluation de la campagne caqes-2018"
    with pytest.raises(CaqesError, match="docx"):
        publish(document.html, tmp_path / document.name, ("docx",))


@pytest.mark.slow
@needs_chromium
def test_pdf_contains_the_title_and_every_code(campaign_2019, tmp_path):
    from pypdf import PdfReader

    from caqes_toolkit.run.publish import publish

    document = method_document(campaign_2019)
    html, pdf = publish(document.html, tmp_path / "methode" / document.name, ("html", "pdf"),
                        header=document.header, footer=document.footer)
    assert (html.name, pdf.name) == ("methode_caqes-2019.html", "methode_caqes-2019.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Méthode d'évaluation de la campagne caqes-2019" in text
    assert all(re.search(rf"\b{ind.code}\b", text) for ind in campaign_2019.indicators)
