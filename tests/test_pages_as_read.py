"""The pages ``caqes`` writes, read as their readers read them: in Chromium on a phone (390 px) and on a
laptop (1280 px), never wider than the screen (a table scrolls inside its own box, a chart takes the whole
width), their whole text, page frame included, in finished French (:func:`tests.test_typography.faults`);
printed, no page but the last is left half empty, and each chapter's table starts on the page of its
heading with its first rows and never leaves its last row alone on a page.

Headless Chromium does not open a window narrower than 500 px: each page is shown in a frame of the
width read, and a script of the framing page measures it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.documents.report import build_report

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE
from .test_typography import faults

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-headless-shell")
PDFTOTEXT = shutil.which("pdftotext")
SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="Chromium absent")]

#: The framing page: the page read in a frame ``width`` px wide; the script writes on the body the
#: page's scrolled width and its visible width, and the elements that pass its right edge outside a box
#: that scrolls or clips (``data-trop-large``).
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="page" src="{src}" style="width:{width}px;height:3000px;border:0"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var d = this.contentDocument, w = d.documentElement.clientWidth, wide = [];
  d.querySelectorAll("body *").forEach(function (e) {{
    var r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1) return;
    for (var p = e.parentElement; p; p = p.parentElement) {{
      if (["auto", "scroll", "hidden"].indexOf(d.defaultView.getComputedStyle(p).overflowX) >= 0) return;
    }}
    wide.push(e.tagName + "." + e.className + " " + Math.round(r.right));
  }});
  document.body.setAttribute("data-largeur", d.documentElement.scrollWidth + " " + w);
  document.body.setAttribute("data-trop-large", wide.slice(0, 10).join(" | "));
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A report (phase 1, so that every notice shows), a contract report, a regional synthesis, the
    method and the index, as ``caqes`` writes them."""
    out = tmp_path_factory.mktemp("pages")
    first = ["-c", str(CAMPAIGN_2018), "-c", str(CAMPAIGN_2019), "-y", "2019"]
    for command in (
            ["reports", str(SAMPLE), *first, "-o", str(out / "r"), "-f", "094869773,019480524", "--formats",
             "html,pdf", "--phase", "1", "-j", "1"],
            ["reports", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023", "-o", str(out / "c"),
             "-f", "380001016", "--formats", "html", "-j", "1"],
            ["synthese", str(SAMPLE), *first, "-o", str(out / "s"), "--formats", "html"],
            ["methode", "-c", str(CAMPAIGN_2019), "-o", str(out / "m"), "--formats", "html"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    return {"rapport": out / "r" / "094869773" / "rapport.html", "rapport de contrat": out / "c" / "380001016" /
            "rapport.html", "synthèse": out / "s" / "synthese_regionale_2019.html",
            "méthode": out / "m" / "methode_caqes-2019.html", "index": out / "r" / "index.html"}


def _measure(page: Path, width: int) -> tuple[int, int, str]:
    """The page's scrolled width, its visible width and what passes its edge, read ``width`` px wide."""
    frame = page.with_name(f"{page.stem}.cadre-{width}.html")
    frame.write_text(FRAME.format(src=page.name, width=width), encoding="utf-8")
    try:
        run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                              "--window-size=1400,2000", "--virtual-time-budget=10000", "--dump-dom",
                              frame.as_uri()], capture_output=True, text=True, timeout=180, check=True)
    finally:
        frame.unlink()
    widths = re.search(r'data-largeur="(\d+) (\d+)"', run.stdout)
    wide = re.search(r'data-trop-large="([^"]*)"', run.stdout)
    assert widths and wide, run.stdout[-2000:]
    return int(widths[1]), int(widths[2]), html.unescape(wide[1])


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", ["rapport", "rapport de contrat", "synthèse", "méthode", "index"])
def test_the_page_fits_the_screen(pages: dict[str, Path], name: str, width: int) -> None:
    scrolled, visible, wide = _measure(pages[name], width)
    assert visible <= width and scrolled <= visible, f"{name} : {scrolled} px pour {visible} px ({wide})"
    assert wide == ""


@pytest.mark.parametrize("name", ["rapport", "rapport de contrat", "synthèse", "méthode", "index"])
def test_the_written_page_reads_as_finished_french(pages: dict[str, Path], name: str) -> None:
    assert faults(pages[name].read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("finess", ["094869773", "019480524"])
def test_a_chapter_table_starts_with_its_heading_and_ends_whole(pages: dict[str, Path], finess: str) -> None:
    """On the printed report, each chapter's heading (« Chapitre 1 — … ») is on the page of the first three
    rows of its table, and its last two rows are on one page: never a heading alone at the foot of a page,
    nor one row alone at the top of the next."""
    report = pages["rapport"].parent.parent / finess / "rapport.pdf"
    texts = [page.extract_text() for page in PdfReader(report).pages]
    where: dict[str, int] = {}
    headings: dict[int, int] = {}
    for number, text in enumerate(texts, start=1):
        for line in text.splitlines():
            heading = re.match(r"Chapitre (\d) — ", line)
            if heading and int(heading[1]) not in headings:
                headings[int(heading[1])] = number
            code = re.match(r"([A-Z]+\d*[A-Z]?\d+) ", line)
            if code and headings and code[1] not in where:
                where[code[1]] = number
    indicators = build_report(finess, 2019, SAMPLE, CAMPAIGN_2019, phase=1).indicators
    rows: dict[int, list[str]] = defaultdict(list)
    for chapter, code in zip(indicators["chapitre"], indicators["indicateur"], strict=True):
        rows[int(chapter)].append(code)
    assert sorted(headings) == sorted(rows)
    for chapter, codes in rows.items():
        assert [where[c] for c in codes[:3]] == [headings[chapter]] * min(3, len(codes)), (chapter, codes[:3])
        assert where[codes[-1]] == where[codes[-2]], (chapter, codes[-2:])


def _filled(pdf: Path) -> list[float]:
    """How far down each page its text goes (the lowest word above the running footer), as a share of the
    page's height: a figure always has its caption below it."""
    layout = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    shares = []
    for height, words in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', layout, re.S):
        bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', words) if float(y) < float(height) - 50]
        shares.append(max(bottoms, default=0.0) / float(height))
    return shares


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) absent")
@pytest.mark.parametrize("finess", ["094869773", "019480524"])
def test_no_page_is_left_half_empty(pages: dict[str, Path], finess: str) -> None:
    """Every page of the printed report but the last is filled to two thirds of its height at least (the
    text area runs from 7 % to 93 %): a block too tall for the rest of a page (a chart, a short table) is
    kept small enough not to push half a page away."""
    filled = _filled(pages["rapport"].parent.parent / finess / "rapport.pdf")
    assert len(filled) > 2 and all(share >= 0.65 for share in filled[:-1]), [round(f, 2) for f in filled]
