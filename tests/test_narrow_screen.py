"""The pages ``caqes`` writes, read in Chromium on a phone (390 px) and on a laptop (1280 px): never wider
than the screen (a table scrolls inside its own box, a chart takes the whole width), and their whole text,
page frame included, in finished French (:func:`tests.test_typography.faults`).

Headless Chromium does not open a window narrower than 500 px: each page is shown in a frame of the
width read, and a script of the framing page measures it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE
from .test_typography import faults

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-headless-shell")
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
            ["reports", str(SAMPLE), *first, "-o", str(out / "r"), "-f", "094869773", "--formats", "html",
             "--phase", "1", "-j", "1"],
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
