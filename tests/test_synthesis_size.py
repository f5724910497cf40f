"""The regional synthesis at a real region's size (20, 300, 3,000 establishments) and on data that
cover several regions: page count, no heading alone on a page, every row in the companion
workbook, class counts equal to `caqes score`'s."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.synthetic import make_region, write_region
from caqes_toolkit.documents import charts, national, synthesis
from caqes_toolkit.documents import synthesis_workbook as wb
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.run.render import chromium_available

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, plain_spaces

YEARS = [2017, 2018, 2019]
PAGE_HEIGHT = 10.2  # inches of an A4 page inside its margins
#: Pages allowed by the number of establishments (issue: ≤ 16 at 300, ≤ 40 at 3,000).
MAX_PAGES = {20: 16, 300: 16, 3000: 40}
needs_chromium = pytest.mark.skipif(not chromium_available(), reason="Chromium absent")


def _region(folder: Path, n: int, seed: int = 1) -> Path:
    write_region(make_region(load_campaign(CAMPAIGN_2019), n, YEARS, seed=seed), folder)
    return folder


def _national(folder: Path, sizes: dict[str, int]) -> Path:
    """Several regions in one extract (each its own departement, so that no FINESS repeats)."""
    campaign = load_campaign(CAMPAIGN_2019)
    parts = [make_region(campaign, n, YEARS, seed=k, region=name, departements=[dep])
             for k, ((name, n), dep) in enumerate(zip(sizes.items(), ("29", "31", "75", "69")))]
    tables = {stem: pd.concat([p[stem] for p in parts], ignore_index=True) for stem in parts[0]}
    tables["references"] = tables["references"].drop_duplicates(["indicateur", "annee", "niveau", "region"])
    write_region(tables, folder)
    return folder


def _headings() -> set[str]:
    """The section headings of the synthesis notebooks and those the sections write themselves."""
    found = {"Volets additionnels"}
    for name in ("synthese_regionale.ipynb", "synthese_nationale.ipynb"):
        cells = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            text = "".join(cell["source"])
            found |= {m.strip() for m in re.findall(r"^#+ (.+)$", text, re.M)}
            found |= set(re.findall(r'rule_changes\(synthese, "([^"]+)"\)', text))
    return found


def _page_lines(pdf: Path) -> list[list[str]]:
    """Lines of each page without the running header (« Page n / m » and the title)."""
    pages = []
    for page in PdfReader(pdf).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        pages.append([line for line in lines if not line.startswith("Page ")])
    return pages


def _lonely_headings(pdf: Path) -> list[tuple[int, str]]:
    """(page, heading) of each heading that ends its page: alone, or cut from what it introduces."""
    headings = _headings()
    return [(k + 1, lines[-1]) for k, lines in enumerate(_page_lines(pdf)) if lines and lines[-1] in headings]


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, dtype={"FINESS": str})


def _scores(data: Path, out: Path) -> pd.DataFrame:
    """`caqes score`'s own table of the year."""
    result = CliRunner().invoke(app, ["score", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"finess": str})


# --- fast: content and chart sizes, without Chromium ---------------------------------------------

@pytest.fixture(scope="module")
def large(tmp_path_factory) -> synthesis.RegionalSynthesis:
    data = _region(tmp_path_factory.mktemp("r3000"), 3000)
    return synthesis.build_synthesis(2019, data, CAMPAIGN_2019, campagne_precedente=CAMPAIGN_2018)


def test_long_lists_show_their_first_rows_and_name_the_workbook(large):
    proposed = int(large.table["sanction_proposee"].sum())
    assert proposed > synthesis.N_LISTED  # the fixture is a real test of the cut
    html = str(synthesis.sanctions(large))
    assert html.count("<tr>") - 1 == synthesis.N_LISTED  # header row + the first ones
    rest, listed = (f"{n:,}".replace(",", "\u202f") for n in (proposed - synthesis.N_LISTED, proposed))
    assert f"… et {rest} autres (liste complète de {listed}\u202f: voir le classeur synthese_regionale_2019.xlsx, " \
           "onglet «\u202fSanctions\u202f»)" in html
    lowest = large.table.sort_values(["score_global", "finess"]).query("sanction_proposee").iloc[0]
    assert html.index(lowest.finess) < html.index("</tbody>")  # the lowest score is listed first
    caps = large.table.loc[large.table["sanction_proposee"], "plafond_sanction"]
    assert caps.isna().any()  # never a partial total shown as whole
    total = f"{round(caps.sum()):,}".replace(",", "\u202f")
    computed = f"{caps.notna().sum():,}".replace(",", "\u202f")
    assert f"Total des {computed} plafonds calculés (sur {listed}\u202f; produits non connus pour les " \
           f"autres)\u202f: {total}\u202f€." in html
    partial = int((large.table["nb_non_renseignes"] > 0).sum())
    incomplete = str(synthesis.incomplete(large))
    rest, listed = (f"{n:,}".replace(",", "\u202f") for n in (partial - synthesis.N_LISTED, partial))
    assert f"… et {rest} autres (liste complète de {listed}" in incomplete


def test_the_workbook_has_every_row(large, tmp_path):
    path = wb.write_workbook(synthesis.workbook_sheets(large), tmp_path / wb.workbook_name(2019))
    everyone = _sheet(path, "Établissements")
    assert len(everyone) == len(large.table) == 3000
    assert set(everyone["FINESS"]) == set(large.table["finess"])
    sanctions = _sheet(path, "Sanctions")
    assert len(sanctions) == int(large.table["sanction_proposee"].sum())
    assert sanctions["Score global 2019 (%)"].is_monotonic_increasing
    assert len(_sheet(path, "Incomplets")) == int((large.table["nb_non_renseignes"] > 0).sum())
    assert len(_sheet(path, "Indicateurs")) == len(large.achievement)


@pytest.mark.parametrize("chart", ["classes", "scores", "progress", "extremes", "indicators"])
def test_every_chart_fits_one_page_at_3000(large, chart):
    c = large.campaign
    fig = {"classes": lambda: charts.class_distribution(large.table, large.previous, c, 2019),
           "scores": lambda: charts.score_distribution(large.table, c),
           "progress": lambda: charts.progress_scatter(large.table, c, 2019),
           "extremes": lambda: charts.progress_extremes(large.table, c, synthesis.N_EXTREMES),
           "indicators": lambda: charts.indicator_achievement(large.achievement.head(synthesis.N_WORST))}[chart]()
    width, height = fig.get_size_inches()
    charts.figure_svg(fig)  # closes it
    assert width <= charts.WIDTH and height <= PAGE_HEIGHT - 1.5  # room for its heading and caption


def test_extremes_name_the_largest_and_smallest_changes(large):
    fig = charts.progress_extremes(large.table, large.campaign, 3)
    shown = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    charts.figure_svg(fig)
    ranked = large.table.dropna(subset=["evolution_t0"]).sort_values("evolution_t0", ascending=False)
    expected = [*ranked["raison_sociale"].head(3), *ranked["raison_sociale"].tail(3)]
    assert sorted(shown) == sorted(expected)


def test_synthesis_does_not_import_the_report():
    code = ("import sys, caqes_toolkit.documents.synthesis, caqes_toolkit.documents.contracts, "
            "caqes_toolkit.documents.national; print('caqes_toolkit.documents.report' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_national_overview_counts_by_region(tmp_path):
    data = _national(tmp_path / "data", {"Bretagne": 25, "Occitanie": 40, "Île-de-France": 30})
    s = national.build_national(2019, data, CAMPAIGN_2019)
    scores = _scores(data, tmp_path / "scores.csv").query("annee == 2019")
    by_region = s.regions.set_index("region")
    for region, rows in scores.groupby("region"):
        counts = rows["classe"].value_counts()
        assert [by_region.loc[region, c] for c in "ABCDE"] == [int(counts.get(c, 0)) for c in "ABCDE"]
        assert by_region.loc[region, "sanctions"] == int((rows["sanction_proposee"] == "oui").sum())
        assert by_region.loc[region, "moyenne"] == pytest.approx(rows["score_global"].mean())
    assert by_region.loc["Ensemble", "n"] == 95


# --- slow: the rendered documents ----------------------------------------------------------------

@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("n", [20, 300, 3000])
def test_synthesis_pages_at_size(tmp_path, n):
    data = _region(tmp_path / "data", n)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthese", str(data), "-c", str(CAMPAIGN_2018), "-c", str(CAMPAIGN_2019),
                                      "-y", "2019", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out / "synthese_regionale_2019.pdf"
    pages = len(PdfReader(pdf).pages)
    assert pages <= MAX_PAGES[n], f"{pages} pages"
    assert _lonely_headings(pdf) == []
    book = out / "synthese_regionale_2019.xlsx"
    scores = _scores(data, tmp_path / "scores.csv").query("annee == 2019")
    everyone = _sheet(book, "Établissements")
    assert len(everyone) == len(scores)
    assert everyone["Classe"].value_counts().to_dict() == scores["classe"].value_counts().to_dict()
    proposed = scores["sanction_proposee"] == "oui"
    assert len(_sheet(book, "Sanctions")) == int(proposed.sum())
    text = plain_spaces(" ".join(" ".join(lines) for lines in _page_lines(pdf)))
    if proposed.sum() > synthesis.N_LISTED:  # thousands grouped by a no-break space
        assert f"… et {int(proposed.sum()) - synthesis.N_LISTED:,} autres".replace(",", " ") in text


@pytest.mark.slow
@needs_chromium
def test_several_regions_give_one_synthesis_each_and_a_national_overview(tmp_path):
    sizes = {"Bretagne": 25, "Occitanie": 40, "Île-de-France": 30}
    data = _national(tmp_path / "data", sizes)
    out = tmp_path / "out"
    args = ["synthese", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019", "--formats", "pdf"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    for region, n in sizes.items():
        pdf = out / region / "synthese_regionale_2019.pdf"
        assert f"{region} : synthèse de l'évaluation 2019" in plain_spaces(PdfReader(pdf).pages[0].extract_text())
        assert len(_sheet(pdf.with_suffix(".xlsx"), "Établissements")) == n
    overview = out / "synthese_nationale_2019.pdf"
    assert len(PdfReader(overview).pages) <= 2
    assert _lonely_headings(overview) == []
    text = " ".join(" ".join(lines) for lines in _page_lines(overview))
    assert all(region in text for region in sizes)

    one = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "one"), "--region", "Occitanie"])
    assert one.exit_code == 0, one.output
    assert sorted(p.name for p in (tmp_path / "one").iterdir() if not p.name.startswith(".")) == [
        "synthese_regionale_2019.ipynb", "synthese_regionale_2019.pdf", "synthese_regionale_2019.xlsx"]


def test_an_unknown_region_is_refused_with_the_regions_present(tmp_path):
    data = _national(tmp_path / "data", {"Bretagne": 5, "Occitanie": 5})
    result = CliRunner().invoke(app, ["synthese", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--out", str(tmp_path / "out"), "--region", "Normandie"])
    assert result.exit_code == 1
    assert "'Normandie' absente des données ; régions présentes : Bretagne, Occitanie" in plain_spaces(result.output)
    assert not (tmp_path / "out" / "synthese_regionale_2019.pdf").exists()


def test_plan_of_the_documents_by_region(tmp_path):
    """One region: the synthesis in the output folder; several: one folder per region (a name
    a folder cannot hold made safe) and the national overview, none for second-generation data."""
    from caqes_toolkit.app.documents import synthesis_plan as _synthesis_plan
    from caqes_toolkit.documents.generations import GENERATIONS

    first, second_generation = GENERATIONS[1], GENERATIONS[2]
    one = _synthesis_plan(tmp_path, 2019, ["Bretagne"], "", first, {"annee": 2019})
    assert [(k, base, p["region"]) for k, _, base, p, _ in one] == [
        ("region", tmp_path / "synthese_regionale_2019", "Bretagne")]
    plan = _synthesis_plan(tmp_path, 2019, ["Bretagne", "Corse/Sud"], "", first,
                           {"annee": 2019, "campagne_precedente": "", "phase": 2})
    assert [(k, base.relative_to(tmp_path).as_posix()) for k, _, base, _, _ in plan] == [
        ("region", "Bretagne/synthese_regionale_2019"), ("region", "Corse-Sud/synthese_regionale_2019"),
        ("national", "synthese_nationale_2019")]
    assert "region" not in plan[-1][3] and "campagne_precedente" not in plan[-1][3]
    second = _synthesis_plan(tmp_path, 2023, ["Bretagne", "Occitanie"], "", second_generation, {"annee": 2023})
    assert [k for k, *_ in second] == ["region", "region"]
    assert _synthesis_plan(tmp_path, 2019, ["Bretagne", "Occitanie"], "Occitanie", first, {})[0][2] == \
        tmp_path / "synthese_regionale_2019"
    with pytest.raises(CaqesError, match="même nom de dossier"):
        _synthesis_plan(tmp_path, 2019, ["A/B", "A:B"], "", first, {})
