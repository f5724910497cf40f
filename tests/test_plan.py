"""Action plans (caqes_toolkit.documents.plan): the workbook holds the priorities computed by hand."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents.plan import FOLLOW_UP, PLAN_COLUMNS, SPARE_ROWS, write_plans
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.evaluation.analysis import priorities
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.formats import french_spacing

from .conftest import SAMPLE, make_dataset
from .test_analysis import GAIN_X2, GAIN_Y2
from .test_scoring import ES_A, ES_B, G_A, MATURITY, REFERENCES, RESULTS

NB = "\u202f"
HEADER_ROW = 8
# Establishment A in 2018 (tests/test_analysis.py): Y2, X3, M1, X2, H1, with their gains.
EXPECTED = [
    # rank, code, label, chapter, value, target, gain
    (1, "Y2", "Binaire 2", "2. Deux", "non renseigné (compté 0)", "oui", GAIN_Y2),
    (2, "X3", "Seuils", "1. Un", f"60,0{NB}%", f"≥ 50,0{NB}% : 0,5 ; ≥ 80,0{NB}% : 1,0",
     100 * 60 / 92 / 4 * 0.5),
    (3, "M1", "Maturité", "1. Un", f"57,1{NB}%", "5/5 à chaque étape (100\u202f%)",
     100 * 60 / 92 / 4 * (1 - 20 / 35)),
    (4, "X2", "Cible", "1. Un", f"40,0{NB}%", f"≥ 45,5{NB}%", GAIN_X2),
    (5, "H1", "Évolution", "4. Quatre", f"+5,0{NB}%/an", f"≤ 4,0{NB}%/an", 100 * 7 / 92 / 2 * 0.5),
]


@pytest.fixture
def data():
    return make_dataset([ES_A, ES_B], RESULTS, REFERENCES, MATURITY)


@pytest.fixture
def scores(data, tiny_campaign):
    return score(data, tiny_campaign)


@pytest.fixture
def plan_a(scores, tmp_path):
    (path,) = write_plans(scores, 2018, tmp_path, finess=["010000001"])
    return path, openpyxl.load_workbook(path)


def _texts(book: openpyxl.Workbook) -> str:
    return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def test_path_and_sheets(plan_a, tmp_path):
    path, book = plan_a
    assert path == tmp_path.resolve() / "010000001" / "plan_actions_010000001_2018.xlsx"
    assert book.sheetnames == ["Plan d'actions", "Mode d'emploi"]
    # no temporary file left; the record of what was written beside
    assert sorted(p.name for p in path.parent.iterdir()) == [".caqes-ecrits.json", path.name]


def test_rows_are_the_priorities_computed_by_hand(plan_a):
    sheet = plan_a[1]["Plan d'actions"]
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers == [name for name, _ in PLAN_COLUMNS]
    for offset, (rank, code, label, chapter, value, target, gain) in enumerate(EXPECTED, start=1):
        row = [c.value for c in sheet[HEADER_ROW + offset]]
        assert row[:6] == [rank, code, label, chapter, value, french_spacing(target)]
        assert row[6] == pytest.approx(gain)
    assert sheet.cell(HEADER_ROW + 1, 7).number_format == "0.00"


def test_establishment_columns_are_empty_with_input_aids(plan_a):
    sheet = plan_a[1]["Plan d'actions"]
    first, last = HEADER_ROW + 1, HEADER_ROW + len(EXPECTED) + SPARE_ROWS
    for row in range(first, last + 1):
        assert [sheet.cell(row, col).value for col in range(9, 13)] == [None] * 4
        assert sheet.cell(row, 10).number_format == "DD/MM/YYYY"
    for row in range(HEADER_ROW + len(EXPECTED) + 1, last + 1):  # spare rows for other actions
        assert all(sheet.cell(row, col).value is None for col in range(1, 13))
    rules = {dv.type: dv for dv in sheet.data_validations.dataValidation}
    assert rules["list"].formula1 == '"' + ",".join(FOLLOW_UP) + '"'
    assert str(rules["list"].sqref) == f"K{first}:K{last}"
    assert str(rules["date"].sqref) == f"J{first}:J{last}"


def test_layout_for_people(plan_a):
    sheet = plan_a[1]["Plan d'actions"]
    assert sheet.freeze_panes == f"D{HEADER_ROW + 1}"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    header = sheet.cell(HEADER_ROW, 1)
    assert header.font.bold and header.fill.fgColor.rgb.endswith("DDE5F0")
    assert sheet.cell(HEADER_ROW + 1, 3).alignment.wrap_text
    assert sheet.column_dimensions["C"].width >= 30


def test_title_block(plan_a):
    sheet = plan_a[1]["Plan d'actions"]
    title = [sheet.cell(row, 1).value for row in range(1, HEADER_ROW)]
    assert title[0] == "Plan d'actions CAQES 2018"
    assert title[1] == "CH Test"
    assert f"FINESS{NB}: 010000001" in title[2] and "test-tiny" in title[2]
    assert title[3] == f"Score global 2018{NB}: {f'{G_A:.1f}'.replace('.', ',')}{NB}% — classe C"
    today = dt.date.today()
    assert f"{today.day} " in title[4] and str(today.year) in title[4]


def test_instructions_sheet(plan_a):
    notes = "\n".join(str(c.value) for c in plan_a[1]["Mode d'emploi"]["A"] if c.value)
    assert "ARS" in notes and "jj/mm/aaaa" in notes and "plan_actions_010000001_2018.xlsx" in notes
    assert all(choice in notes for choice in FOLLOW_UP)


def test_never_names_another_establishment(scores, tmp_path):
    paths = write_plans(scores, 2018, tmp_path)
    assert [p.parent.name for p in paths] == ["010000001", "020000002"]
    text_a = _texts(openpyxl.load_workbook(paths[0]))
    text_b = _texts(openpyxl.load_workbook(paths[1]))
    assert "EPSM Test" not in text_a and "020000002" not in text_a
    assert "CH Test" not in text_b and "010000001" not in text_b


def test_n_and_progress(scores, tmp_path):
    seen = []
    (path,) = write_plans(scores, 2018, tmp_path, finess=["010000001"], n=2, progress=seen.append)
    sheet = openpyxl.load_workbook(path)["Plan d'actions"]
    codes = [sheet.cell(HEADER_ROW + k, 2).value for k in range(1, 4)]
    assert codes == ["Y2", "X3", None]
    assert seen == ["010000001"]


def test_sample_region_plan_carries_the_catalogue_actions(campaign_2019, tmp_path):
    data = load_dataset(SAMPLE, campaign_2019)
    scores = score(data, campaign_2019)
    (path,) = write_plans(scores, 2019, tmp_path, finess=["2A5477391"])
    sheet = openpyxl.load_workbook(path)["Plan d'actions"]
    top = priorities(scores, "2A5477391", 2019, n=None)
    for offset, row in enumerate(top.itertuples(), start=1):
        assert sheet.cell(HEADER_ROW + offset, 2).value == row.indicateur
        assert sheet.cell(HEADER_ROW + offset, 8).value == campaign_2019.by_code[row.indicateur].action
        assert sheet.cell(HEADER_ROW + offset, 7).value == pytest.approx(row.gain)
    assert sheet.cell(HEADER_ROW + len(top) + 1, 2).value is None


def test_unknown_establishment_is_refused(scores, tmp_path):
    with pytest.raises(CaqesError, match="999999999"):
        write_plans(scores, 2018, tmp_path / "plans", finess=["010000001", "999999999"])
    assert not (tmp_path / "plans").exists()  # nothing written when one FINESS is wrong


@pytest.mark.parametrize("finess", ["../evil01", "..", "a/../../b"])
def test_path_cannot_escape(tiny_campaign, tmp_path, finess):
    es = (finess, "Hors champ", "R", "MCO", True)
    data = make_dataset([es], [(finess, 2018, "X1", "non")])
    base = tmp_path / "base"
    with pytest.raises(CaqesError):
        write_plans(score(data, tiny_campaign), 2018, base / "plans")
    assert not base.exists()


def test_symlink_out_of_the_folder_is_refused(scores, tmp_path):
    out, elsewhere = tmp_path / "plans", tmp_path / "ailleurs"
    out.mkdir()
    elsewhere.mkdir()
    (out / "010000001").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CaqesError, match="sortirait"):
        write_plans(scores, 2018, out, finess=["010000001"])
    assert list(elsewhere.iterdir()) == []


def test_inputs_unchanged(data, scores, tmp_path):
    before = {k: getattr(data, k).copy() for k in ("establishments", "results", "maturity")}
    tables = {k: getattr(scores, k).copy() for k in ("establishments", "chapters", "indicators")}
    write_plans(scores, 2018, tmp_path)
    for key, df in before.items():
        assert getattr(data, key).equals(df)
    for key, df in tables.items():
        assert getattr(scores, key).equals(df)


def test_all_targets_met_gives_an_empty_plan(tiny_campaign, tmp_path):
    es = ("030000003", "Parfait", "R", "PSY", False)
    values = {"X1": "oui", "P1": "oui", "X2": "50", "X3": "90", "M1": "NC", "Y1": "5", "Y2": "oui",
              "H1": "1", "G1": "NC", "H2": "NC"}
    data = make_dataset([es], [("030000003", 2018, code, v) for code, v in values.items()])
    (path,) = write_plans(score(data, tiny_campaign), 2018, tmp_path)
    sheet = openpyxl.load_workbook(path)["Plan d'actions"]
    assert "tous sont atteints" in sheet.cell(HEADER_ROW - 1, 1).value
    assert sheet.cell(HEADER_ROW + 1, 2).value is None
