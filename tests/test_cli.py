"""The ``caqes`` command line on data written by hand, as a new user would."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit import load_campaign, load_dataset, score
from caqes_toolkit.cli import app
from caqes_toolkit.outputs import PERCENT_FORMAT

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE, plain_spaces

sys.path.insert(0, str(ROOT / "benchmarks"))
from naive_scoring import load_campaign as naive_campaign
from naive_scoring import score_folder

runner = CliRunner()
CONTRACT = ["finess", "raison_sociale", "annee", "score_global", "classe", "sanction_proposee",
            "chapitre_1", "chapitre_2", "chapitre_3", "chapitre_4", "chapitre_5"]

# A region typed by hand in a spreadsheet and saved as « CSV (point-virgule) » in Windows-1252.
ETABLISSEMENTS = """finess;raison_sociale;region;activites;liste_en_sus;produits_am
010000024;Clinique Sainte-Thérèse d'Évian;Île-de-France;MCO, SSR;oui;12 500 000
2A0000016;Hôpital de Corte;Corse;PSY;non;
"""
RESULTATS = """finess;annee;indicateur;valeur
010000024;2018;A01;Oui
010000024;2018;G01;45,5 %
010000024;2018;G02;NC
010000024;2018;H01;3,9
010000024;2018;D04;60
010000024;2017;G01;30,0
2A0000016;2018;A01;non
2A0000016;2018;E01;
"""


@pytest.fixture
def handmade(tmp_path: Path) -> Path:
    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "etablissements.csv").write_bytes(ETABLISSEMENTS.encode("cp1252"))
    (folder / "resultats.csv").write_bytes(RESULTATS.encode("cp1252"))
    return folder


def test_validate_sample_is_clean():
    result = runner.invoke(app, ["validate", str(SAMPLE), "--campaign", str(CAMPAIGN_2019)])
    assert result.exit_code == 0, result.output
    assert plain_spaces(result.output).endswith(" : 0 erreur, 0 avertissement.\n")


def test_validate_lists_every_fault_and_fails(handmade: Path):
    with (handmade / "resultats.csv").open("ab") as f:
        f.write("010000024;2018;ZZ9;12\n010000024;2018;G01;beaucoup\n999;2018;A01;oui\n".encode("cp1252"))
    result = runner.invoke(app, ["validate", str(handmade), "--campaign", str(CAMPAIGN_2018)])
    assert result.exit_code == 1
    out = plain_spaces(result.output)
    assert "resultats.csv, ligne 10" in out and "ZZ9" in out          # unknown indicator
    assert "ligne 11" in out and "beaucoup" in out                   # not a number
    assert "doublon de la ligne 3" in out                            # G01 2018 given twice
    assert "ligne 12" in out and "« 999 »" in out                    # malformed FINESS
    assert "4 erreurs, 0 avertissement" in out


def test_score_handmade_cp1252_semicolons(handmade: Path, tmp_path: Path):
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(handmade), "--campaign", str(CAMPAIGN_2018),
                                 "--year", "2018", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"finess": str})
    assert list(table.columns[:11]) == CONTRACT
    row = table.set_index("finess").loc["010000024"]
    assert row.raison_sociale == "Clinique Sainte-Thérèse d'Évian"
    # G01 45,5 % meets 45.5 → 1; G02 NC; G03–G05 not reported (G05 has no reference: NC)
    # → chapter 3 = 100 × 1 / 3 (G01, G03, G04)
    assert row.chapitre_3 == pytest.approx(100 / 3)
    # chapter 4: H01 3.9 ≤ 4 → 1, H02 and H03 not reported → 100 / 3
    assert row.chapitre_4 == pytest.approx(100 / 3)
    assert row.sanction_proposee == "non"  # 2018: sans sanction
    corse = table.set_index("finess").loc["2A0000016"]
    assert pd.isna(corse.chapitre_5)  # no liste en sus: chapter 5 empty


def test_score_matches_the_package_and_the_naive_implementation(tmp_path: Path):
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(SAMPLE), "--campaign", str(CAMPAIGN_2018),
                                 "--campaign", str(CAMPAIGN_2019), "--year", "2018", "--year", "2019",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"finess": str})
    assert len(table) == 40 and set(table.annee) == {2018, 2019}
    for year, path in ((2018, CAMPAIGN_2018), (2019, CAMPAIGN_2019)):
        naive, _ = score_folder(SAMPLE, naive_campaign(path), year)
        ours = table[table.annee == year].set_index("finess")
        for row in naive:
            mine = ours.loc[row["finess"]]
            assert mine.classe == row["classe"]
            assert mine.sanction_proposee == row["sanction_proposee"]
            assert mine.score_global == pytest.approx(float(row["score_global"]), abs=1e-6)
            for k in range(1, 6):
                expected = row[f"chapitre_{k}"]
                if expected == "":
                    assert pd.isna(mine[f"chapitre_{k}"])
                else:
                    assert mine[f"chapitre_{k}"] == pytest.approx(float(expected), abs=1e-6)


def test_score_xlsx_is_for_people_and_detail(tmp_path: Path):
    out, detail = tmp_path / "scores.xlsx", tmp_path / "detail.csv"
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(out), "--detail", str(detail)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["FINESS", "Raison sociale", "Année", "Score global (%)", "Classe",
                           "Sanction proposée"]
    assert ws.cell(row=2, column=4).number_format == PERCENT_FORMAT  # « 66,3 % »: a percentage in 0–100
    assert ws.freeze_panes == "A2"
    rows = pd.read_csv(detail, dtype={"finess": str})
    assert {"indicateur", "libelle", "score", "statut", "gain"} <= set(rows.columns)
    campaign = load_campaign(CAMPAIGN_2019)
    assert len(rows) == 20 * len(campaign.indicators)


def test_score_reads_an_xlsx_workbook(tmp_path: Path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in sorted(SAMPLE.glob("*.csv")):
        ws = book.create_sheet(path.stem)
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                ws.append(row)
    workbook = tmp_path / "region.xlsx"
    book.save(workbook)
    from_csv = score(load_dataset(SAMPLE, load_campaign(CAMPAIGN_2019)), load_campaign(CAMPAIGN_2019), [2019])
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(workbook), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"finess": str}).set_index("finess")
    expected = from_csv.establishments.set_index("finess")["score_global"]
    assert table["score_global"].sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())


def test_score_bad_data_names_the_fault(handmade: Path, tmp_path: Path):
    (handmade / "resultats.csv").write_bytes((RESULTATS + "010000024;2018;G01;12\n").encode("cp1252"))
    result = runner.invoke(app, ["score", str(handmade), "-c", str(CAMPAIGN_2018), "-y", "2018",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "ligne 10" in result.output and "G01" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_bad_campaign_and_output_extension(tmp_path: Path):
    bad = tmp_path / "c.yml"
    bad.write_text("campagne: x\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(bad), "-y", "2019", "--out", "x.csv"])
    assert result.exit_code == 1 and "annee_t0" in result.output
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and ".csv ou .xlsx" in result.output  # a usage error, as in every command


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "caqes_toolkit", "--help"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0
    for command in ("validate", "score", "reports"):
        assert command in proc.stdout


def test_plan_command(tmp_path: Path):
    result = runner.invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(tmp_path),
                                 "--finess", "094869773,2A5477391"])
    assert result.exit_code == 0, result.output
    assert f"2 plans d'actions écrits dans {tmp_path}." in plain_spaces(result.output)
    assert (tmp_path / "094869773" / "plan_actions_094869773_2019.xlsx").exists()
    result = runner.invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(tmp_path),
                                 "--finess", "000000000"])
    assert result.exit_code == 1 and "000000000" in result.output


def test_methode_command(tmp_path: Path):
    result = runner.invoke(app, ["methode", "-c", str(CAMPAIGN_2018), "--out", str(tmp_path), "--formats", "html"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "methode_caqes-2018.html").read_text(encoding="utf-8")
    assert "caqes-2018" in html and "G01" in html
