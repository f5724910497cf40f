"""The index page of a batch at a real region's size: rows, filters, totals, escaping, and its script in Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from caqes_toolkit.run.batch import Outcome
from caqes_toolkit.run.index import write_index

N = 300
HOSTILE = {1: "<script>alert(1)</script>", 2: '=HYPERLINK("http://x";"y")', 3: "Centre \"Le Quai\" d'Ici & <b>"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-headless-shell")


def _name(i: int) -> str:
    return HOSTILE.get(i, "Hôpital d'Évian" if i == 7 else f"Centre hospitalier n° {i:03d}")


def _outcomes() -> tuple[list[Outcome], pd.DataFrame]:
    """300 establishments: every 25th failed (12), else class « ABCDE »[i % 5]; every 3rd has PSY;
    score 50 + i / 10 (the highest, 79.9 %, is i = 299)."""
    outcomes, est = [], []
    for i in range(N):
        finess = f"{100000000 + i}"
        acts = "MCO;PSY" if i % 3 == 0 else "MCO;SSR"
        est.append((finess, _name(i), acts))
        if i % 25 == 0:
            outcomes.append(Outcome(finess, "failed", cell=3, error="ValueError: donnée absente"))
        else:
            outcomes.append(Outcome(finess, "ok", scores={
                "finess": finess, "raison_sociale": _name(i), "score_global": 50 + i / 10,
                "classe": "ABCDE"[i % 5], "sanction_proposee": i % 5 == 4}))
    return outcomes, pd.DataFrame(est, columns=["finess", "raison_sociale", "activites"])


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch")
    outcomes, est = _outcomes()
    return write_index(out, outcomes, campaign="CAQES 2019", year=2019, formats=("html", "pdf"),
                       workbook="scores.xlsx", establishments=est, classes=["A", "B", "C", "D", "E"])


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_rows_and_filter_attributes(index: Path):
    soup = _soup(index.read_text(encoding="utf-8"))
    rows = soup.select("#index tbody tr")
    assert len(rows) == N
    classes = [r["data-classe"] for r in rows]
    # by hand: i % 25 == 0 fails (i = 0, 25, …, 275: 12 rows, all of them i % 5 == 0, class A otherwise)
    assert {c: classes.count(c) for c in "ABCDE"} == {"A": 48, "B": 60, "C": 60, "D": 60, "E": 60}
    assert classes.count("echec") == 12
    assert sum("PSY" in r["data-activites"].split() for r in rows) == 100
    assert [r["data-finess"] for r in rows] == sorted(r["data-finess"] for r in rows)
    # the failed one still has its name and activities, from the establishments table
    failed = soup.select_one('tr[data-finess="100000025"]')
    assert failed["data-statut"] == "echec" and "Centre hospitalier n° 025" in failed.get_text()
    assert failed["data-activites"] == "MCO SSR"
    score = soup.select_one('tr[data-finess="100000299"] td.num')
    assert float(score["data-tri"]) == pytest.approx(79.9) and score.get_text() == "79,9\u202f%"


def test_class_totals_computed_by_hand(index: Path):
    soup = _soup(index.read_text(encoding="utf-8"))
    totals = {b["data-filtre-classe"]: b.get_text(" ", strip=True) for b in soup.select("[data-filtre-classe]")}
    assert totals == {"A": "A 48", "B": "B 60", "C": "C 60", "D": "D 60", "E": "E 60", "echec": "Échecs\u202f: 12"}
    assert "288 rapports disponibles, 12 échecs." in soup.get_text()
    assert "Sanction proposée\u202f: 60." in soup.get_text()  # class E: i % 5 == 4
    options = [o["value"] for o in soup.select("#activite option")]
    assert options == ["", "MCO", "PSY", "SSR"]


def test_hostile_names_stay_text(index: Path):
    html = index.read_text(encoding="utf-8")
    soup = _soup(html)
    assert len(soup.find_all("script")) == 1 and "alert" not in soup.script.get_text()
    assert soup.select_one('tr[data-finess="100000001"] td.caqes-name').get_text() == HOSTILE[1]
    assert soup.select_one('tr[data-finess="100000002"] td.caqes-name').get_text() == HOSTILE[2]
    assert soup.select_one('tr[data-finess="100000003"] td.caqes-name').get_text() == HOSTILE[3]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<b>" not in html
    assert "http://" not in html.replace('"http://x";"y"', "").replace("&#34;http://x&#34;;&#34;y&#34;", "")
    assert not soup.select("link[href], script[src], img[src]")  # no external resource: works from file://


def test_second_generation_has_no_class_filter(tmp_path: Path):
    outcomes = [Outcome("380001016", "ok", scores={"generation": 2, "raison_sociale": "CH A", "interessement_total": 1234.5,
                                                   "volets": [{"volet": "Transports"}]}),
                Outcome("690002027", "failed", error="KeyError")]
    soup = _soup(write_index(tmp_path, outcomes, campaign="CAQES 2022", year=2023, formats=("html",)).read_text())
    assert {b["data-filtre-classe"] for b in soup.select("[data-filtre-classe]")} == {"echec"}
    assert soup.select_one('tr[data-finess="380001016"] td.num').get_text() == "1\u202f234,50\u202f€"
    assert [tr["data-classe"] for tr in soup.select("#index tbody tr")] == ["sans", "echec"]


def _dom(index: Path, fragment: str) -> BeautifulSoup:
    """The page's DOM after its script ran with ``fragment`` in the address."""
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "--virtual-time-budget=5000", f"{index.as_uri()}#{fragment}"],
                         capture_output=True, text=True, timeout=120, check=True)
    return _soup(run.stdout)


def _shown(soup: BeautifulSoup) -> list:
    return [r for r in soup.select("#index tbody tr") if not r.has_attr("hidden")]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium absent")
@pytest.mark.parametrize(("fragment", "expected"), [
    ("classe=E", 60),
    ("classe=echec", 12),
    ("activite=PSY", 100),
    ("activite=PSY&classe=E", 20),  # i ≡ 4 (mod 5) and i ≡ 0 (mod 3): i ≡ 9 (mod 15), 9 … 294
    ("q=evian", 1),  # accents and case folded: « Hôpital d'Évian »
    ("q=10000029", 10),  # FINESS: 100000290 … 100000299 (100000029 has six zeros)
    ("", N),
])
def test_filters_from_the_address(index: Path, fragment: str, expected: int):
    soup = _dom(index, fragment)
    assert len(_shown(soup)) == expected
    assert soup.body["data-affiches"] == str(expected)
    shown = "établissement affiché" if expected < 2 else "établissements affichés"
    assert soup.select_one("#affiches").get_text() == f"{expected} {shown} sur {N}."


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium absent")
def test_sort_from_the_address(index: Path):
    rows = _shown(_dom(index, "tri=score&ordre=desc&classe=B"))
    scores = [float(r.select_one("td.num")["data-tri"]) for r in rows]
    assert len(scores) == 60 and scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(79.6)
    rows = _dom(index, "tri=score").select("#index tbody tr")
    assert rows[0]["data-finess"] == "100000001" and all(r["data-statut"] == "echec" for r in rows[-12:])
    names = [r.select_one("td.caqes-name").get_text() for r in _dom(index, "tri=nom&ordre=desc").select("#index tbody tr")]
    assert names[0] == "Hôpital d'Évian"  # French collation: « H » after « C », « = » and « < » first


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium absent")
def test_finess_sort_keeps_corsica_between_19_and_21(tmp_path: Path):
    """« 2A… » is neither the number 2 nor after « 29… »: Corsica (département 20) sorts between 19 and 21."""
    codes = ["2A5477391", "017462946", "210000001", "2B0000005", "190000007"]
    outcomes = [Outcome(c, "ok", scores={"raison_sociale": f"ES {c}", "score_global": 50.0, "classe": "C",
                                         "sanction_proposee": False}) for c in codes]
    page = write_index(tmp_path, outcomes, campaign="caqes-2019", year=2019, formats=("html",))
    order = ["017462946", "190000007", "2A5477391", "2B0000005", "210000001"]
    assert [r["data-finess"] for r in _soup(page.read_text()).select("#index tbody tr")] == order
    for fragment, expected in (("tri=finess", order), ("tri=finess&ordre=desc", order[::-1])):
        shown = [r["data-finess"] for r in _shown(_dom(page, fragment))]
        assert shown == expected
