"""Workbooks written for people print on A4: landscape, fitted to the width, header row on every page, euros as euros."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.outputs import MONEY_FORMAT, PERCENT_FORMAT, write_table

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE

runner = CliRunner()
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _frame(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "FINESS": [f"{100000000 + i}" for i in range(n)],
        "Raison sociale": ["=SOMME(A1:A2)", "Centre « Les Quais »", *["CH"] * (n - 2)],
        "Score global (%)": [66.25, 12.5, *[50.0] * (n - 2)],
        "Évolution depuis T0 (points)": [3.25, -1.5, *[0.0] * (n - 2)],
        "Rang régional": list(range(1, n + 1)),
        "Produits Assurance Maladie (€)": [12_345_678, 1000, *[5] * (n - 2)],
        "Intéressement estimé des volets additionnels (€)": [1234.5, None, *[0.0] * (n - 2)],
        "economies": [10.0, 20.0, *[0.0] * (n - 2)],
        "Score (0–1)": [0.5, 1.0, *[0.0] * (n - 2)],
    })


def test_print_setup_and_number_formats(tmp_path: Path):
    path = tmp_path / "t.xlsx"
    write_table({"scores": _frame()}, path, decimals=2)
    ws = openpyxl.load_workbook(path)["scores"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I4"
    formats = {ws.cell(1, c).value: ws.cell(2, c).number_format for c in range(1, ws.max_column + 1)}
    assert formats["Produits Assurance Maladie (€)"] == MONEY_FORMAT
    assert formats["Intéressement estimé des volets additionnels (€)"] == MONEY_FORMAT
    assert formats["economies"] == MONEY_FORMAT  # found by name, accents or not
    assert formats["Score global (%)"] == PERCENT_FORMAT
    assert formats["Évolution depuis T0 (points)"] == "+0.0;-0.0;0.0"
    assert formats["Rang régional"] == "0" and formats["Score (0–1)"] == "0.00"
    assert formats["FINESS"] == formats["Raison sociale"] == "General"
    # money stays a number; a missing sum stays empty; a text like a formula stays a text
    assert ws["F2"].value == 12_345_678 and ws["G2"].value == 1234.5 and ws["G3"].value is None
    assert ws["B2"].data_type == "s" and ws["B2"].value == "=SOMME(A1:A2)"
    # widths from the formatted content: « 12 345 678,00 € » is 15 characters
    assert ws.column_dimensions["F"].width >= 15
    assert ws.column_dimensions["A"].width >= len("100000000")
    assert ws.column_dimensions["G"].width < len("Intéressement estimé des volets additionnels (€)")  # the header wraps
    assert ws.row_dimensions[1].height > 15


def test_score_workbooks_print_on_a4(tmp_path: Path):
    scores, detail = tmp_path / "scores.xlsx", tmp_path / "indicateurs.xlsx"
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2018), "-c", str(CAMPAIGN_2019),
                                 "-y", "2018", "-y", "2019", "--out", str(scores), "--detail", str(detail)])
    assert result.exit_code == 0, result.output
    for path in (scores, detail):
        ws = openpyxl.load_workbook(path).active
        assert (ws.page_setup.orientation, int(ws.page_setup.paperSize), ws.print_title_rows) == (
            "landscape", 9, "$1:$1")
    ws = openpyxl.load_workbook(scores).active
    column = {c.value: c.column for c in ws[1]}["Produits Assurance Maladie (€)"]
    cell = ws.cell(2, column)
    assert cell.number_format == MONEY_FORMAT and isinstance(cell.value, int | float) and cell.value > 0


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) absent")
def test_header_on_every_printed_page(tmp_path: Path):
    from pypdf import PdfReader

    frame = _frame(400)  # 400 rows: several A4 pages
    write_table({"scores": frame}, tmp_path / "long.xlsx")
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "long.xlsx")],
                   check=True, capture_output=True, timeout=240)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "long.pdf").pages]
    assert len(pages) >= 3
    for text in pages:
        assert "FINESS" in text and "Raison sociale" in text and "Rang" in text
        assert "Produits" in text  # the last columns are on the same page: fitted to the width
    # the digits grouped and two decimals, as the locale of LibreOffice shows them (« 12 345 678,00 € » in French)
    assert re.search(r"12\D345\D678\D00\s?€", pages[0])
