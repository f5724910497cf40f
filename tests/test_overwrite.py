"""Nothing a person made is overwritten: a command replaces only the files it wrote itself and
nobody changed since (its record, ``.caqes-ecrits.json``); anything else stops it before it writes,
until ``--force`` says to replace knowingly. ``collecte --out`` refuses a folder it did not write."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app

from .conftest import CAMPAIGN_2019, SAMPLE
from .grid_helpers import fill
from .test_grid import DIALYSIS, YEAR

runner = CliRunner()
SAMPLE_2022 = SAMPLE.parent / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _refused(run, path: Path) -> None:
    assert run.exit_code == 1, run.output
    assert str(path) in run.output and "--force" in run.output and "Traceback" not in run.output


def test_grille_never_replaces_a_returned_grid(tmp_path):
    out = tmp_path / "grilles"
    args = ("grille", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", out, "--finess", DIALYSIS)
    assert _run(*args).exit_code == 0
    assert _run(*args).exit_code == 0  # its own blank grid: rewritten
    grid = out / f"grille_{DIALYSIS}_{YEAR}.xlsx"
    fill(grid, {"A01": "oui"})  # returned, filled, saved under the same name
    filled = _digest(grid)
    _refused(_run(*args), grid)
    assert _digest(grid) == filled
    assert _run(*args, "--force").exit_code == 0
    assert _digest(grid) != filled and openpyxl.load_workbook(grid)["caqes"]["A1"].value == "format"


def test_plan_never_replaces_a_completed_plan(tmp_path):
    out = tmp_path / "plans"
    args = ("plan", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", out, "--finess", DIALYSIS)
    assert _run(*args).exit_code == 0
    plan = out / DIALYSIS / f"plan_actions_{DIALYSIS}_{YEAR}.xlsx"
    book = openpyxl.load_workbook(plan)
    book.active["A1"] = "Plan complété par le pharmacien"
    book.save(plan)
    completed = _digest(plan)
    _refused(_run(*args), plan)
    assert _digest(plan) == completed
    assert _run(*args, "--force").exit_code == 0 and _digest(plan) != completed


@pytest.mark.parametrize("make", [
    lambda out: ("score", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", out / "scores.xlsx"),
    lambda out: ("score", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", out / "s.csv", "--detail",
                 out / "detail.xlsx"),
    lambda out: ("validate", SAMPLE, "-c", CAMPAIGN_2019, "--anomalies", out / "anomalies.xlsx"),
    lambda out: ("ciblage", SAMPLE_2022, "-c", CAMPAIGN_2022, "-y", "2023", "--out", out / "ciblage.xlsx"),
    lambda out: ("methode", "-c", CAMPAIGN_2019, "--out", out, "--formats", "html"),
    lambda out: ("trajectoires", SAMPLE, "-c", CAMPAIGN_2019, "--out", out / "cibles.csv"),
    lambda out: ("trajectoires", SAMPLE, "-c", CAMPAIGN_2019, "--out", out / "cibles.xlsx", "--horizon", "3"),
], ids=["score", "detail", "validate", "ciblage", "methode", "trajectoires-csv", "trajectoires-xlsx"])
def test_every_file_command_replaces_only_its_own_files(tmp_path, make):
    out = tmp_path / "sorties"
    out.mkdir()
    args = make(out)
    assert _run(*args).exit_code == 0
    assert _run(*args).exit_code == 0  # its own files, unchanged: replaced
    written = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    target = written[-1]
    target.write_bytes(target.read_bytes() + b"\n")  # a person's change
    _refused(_run(*args), target)
    assert _run(*args, "--force").exit_code == 0


def test_a_persons_file_of_the_same_name_is_never_replaced(tmp_path):
    mine = tmp_path / "scores.xlsx"
    mine.write_bytes(b"le classeur d'une personne")
    _refused(_run("score", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", mine), mine)
    assert mine.read_bytes() == b"le classeur d'une personne"


def _collecte(grids: Path, out: Path, *extra: str, campaign: Path = CAMPAIGN_2019):
    return _run("collecte", grids, "-c", campaign, "-y", "2019", "--data", SAMPLE, "--out", out, *extra)


def test_collecte_refuses_a_folder_it_did_not_write_before_reading_anything(tmp_path):
    grids = tmp_path / "grilles"
    assert _run("grille", SAMPLE, "-c", CAMPAIGN_2019, "-y", "2019", "--out", grids, "--finess", DIALYSIS).exit_code == 0
    other = tmp_path / "autres-donnees"
    other.mkdir()
    for table in SAMPLE.glob("*.csv"):  # another data set: CSV files only
        shutil.copy(table, other)
    (other / "notes.csv").write_text("ce que j'ai noté\n", encoding="utf-8")
    before = {p.name: _digest(p) for p in other.iterdir()}
    run = _collecte(grids, other, campaign=tmp_path / "absente.yml")  # refused before the campaign is read
    assert run.exit_code == 1 and "ce dossier existe" in run.output and "etablissements.csv" in run.output
    assert "absente.yml" not in run.output
    assert {p.name: _digest(p) for p in other.iterdir()} == before

    out = tmp_path / "donnees-2019"
    assert _collecte(grids, out).exit_code == 0
    assert _collecte(grids, out).exit_code == 0  # its own folder, unchanged: replaced
    (out / "notes.csv").write_text("ajouté à la main\n", encoding="utf-8")
    run = _collecte(grids, out)
    assert run.exit_code == 1 and "notes.csv" in run.output
    assert (out / "notes.csv").exists()
    assert _collecte(grids, out, "--force").exit_code == 0 and not (out / "notes.csv").exists()


def test_collecte_never_replaces_an_annotated_follow_up(tmp_path):
    grids, out, suivi = tmp_path / "grilles", tmp_path / "donnees-2019", tmp_path / "suivi.csv"
    grids.mkdir()
    assert _collecte(grids, out, "--suivi", str(suivi)).exit_code == 0
    suivi.write_text(suivi.read_text(encoding="utf-8") + "relancer l'établissement\n", encoding="utf-8")
    _refused(_collecte(grids, out, "--suivi", str(suivi)), suivi)
