"""Fault codes: every code a fault carries is declared in FaultCode, every declared code is
produced by a small generated input (one case per code below), and the README lists them all."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import caqes_toolkit
import caqes_toolkit.data.workbook as workbook_reader
from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import DataError, Fault, FaultCode
from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import plain_spaces
from .test_hostile_input import (
    APHM,
    APHP,
    CAMPAIGN,
    CAMPAIGN_PATH,
    RESULTS_XML,
    csv_region,
    rewrite_member,
    workbook,
)
from .test_volets import F, region, tiny

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, CAMPAIGN_2019 = ROOT / "data" / "exemple", ROOT / "params" / "caqes-2019.yml"
Case = Callable[[Path, pytest.MonkeyPatch], list[Fault]]


def _csv(tmp_path: Path, results: list[str] | None = None, establishments: list[str] | None = None,
         **extra: str) -> list[Fault]:
    """Faults of a valid CSV region with some rows replaced and some files added (name=text)."""
    folder = csv_region(tmp_path / "csv", establishments=establishments, results=results)
    for name, text in extra.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return validate(folder, CAMPAIGN)


def _header(tmp_path: Path, header: str) -> list[Fault]:
    folder = csv_region(tmp_path / "csv")
    (folder / "resultats.csv").write_text(f"{header}\n{APHP};2018;A01;oui\n", encoding="utf-8")
    return validate(folder, CAMPAIGN)


def _book(tmp_path: Path, rows: list[list[object]], edit: Callable | None = None) -> list[Fault]:
    return validate(workbook(tmp_path / "classeur.xlsx", rows, edit), CAMPAIGN)


def _unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Fault]:
    folder = csv_region(tmp_path / "csv")
    real = pathlib.Path.read_bytes

    def denied(path: Path) -> bytes:  # simulated: the tests may run as root, who reads anything
        if path.name == "resultats.csv":
            raise PermissionError(13, "Permission non accordée", str(path))
        return real(path)

    monkeypatch.setattr(pathlib.Path, "read_bytes", denied)
    return validate(folder, CAMPAIGN)


def _bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Fault]:
    monkeypatch.setattr(workbook_reader, "BOMB_MIN_BYTES", 0)  # the rule, on a workbook small enough for a test
    monkeypatch.setattr(workbook_reader, "BOMB_RATIO", 1)
    return _book(tmp_path, [[APHP, 2018, "A01", "oui"]])


def _oversized(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Fault]:
    monkeypatch.setenv("CAQES_MAX_CLASSEUR_MO", "0,0001")
    return _book(tmp_path, [[APHP, 2018, "A01", "oui"]])


def _corrupt_sheet(tmp_path: Path, _: pytest.MonkeyPatch) -> list[Fault]:
    path = workbook(tmp_path / "classeur.xlsx", [[APHP, 2018, "A01", "oui"]])
    rewrite_member(path, RESULTS_XML, lambda xml: xml[: len(xml) // 2] + b"<<>")
    return validate(path, CAMPAIGN)


def _year_as_date(tmp_path: Path, _: pytest.MonkeyPatch) -> list[Fault]:
    return _book(tmp_path, [[APHP, dt.datetime(2018, 1, 1), "A01", "oui"]])


def _volets(tmp_path: Path, contrats: str, depenses: str | None = None, **edit: tuple[str, str]) -> list[Fault]:
    return validate(region(tmp_path, contrats, depenses), load_campaign(tiny(tmp_path, **edit)))


SPENT = "".join(f"{F},{y},transports,1000\n" for y in (2017, 2018, 2019))

CASES: dict[FaultCode, Case] = {
    FaultCode.MISSING_TABLE: lambda p, _: validate(_only_establishments(p), CAMPAIGN),
    FaultCode.AMBIGUOUS_TABLE: lambda p, _: _book(p, [[APHP, 2018, "A01", "oui"]], edit=lambda book, _s: (
        book.create_sheet("Resultats ").append(["finess", "annee", "indicateur", "valeur"]))),
    FaultCode.RENAMED_TABLE: lambda p, _: validate(_renamed(p), CAMPAIGN),
    FaultCode.UNREADABLE_FILE: _unreadable,
    FaultCode.ENCODING_ERROR: lambda p, _: validate(_utf16(p), CAMPAIGN),
    FaultCode.EXTRA_CELL: lambda p, _: _csv(p, results=[f"{APHP};2018;A01;oui;en trop"]),
    FaultCode.CORRUPT_WORKBOOK: lambda p, _: validate(_garbage(p), CAMPAIGN),
    FaultCode.OVERSIZED_WORKBOOK: _oversized,
    FaultCode.COMPRESSION_BOMB: _bomb,
    FaultCode.CORRUPT_SHEET: _corrupt_sheet,
    FaultCode.FORMULA_WITHOUT_VALUE: lambda p, _: _book(p, [[APHP, 2018, "G01", "=40+5.5"]]),
    FaultCode.MERGED_CELLS: lambda p, _: _book(p, [[APHP, 2018, "A01", "oui"], [None, None, "A02", "non"]],
                                               edit=lambda _b, sheet: sheet.merge_cells("A2:A3")),
    FaultCode.FINESS_ZERO_RESTORED: lambda p, _: _book(p, [[10000016, 2018, "A01", "oui"]]),
    FaultCode.EMPTY_TABLE: lambda p, _: _csv(p, maturite__csv=""),
    FaultCode.TITLE_ROW: lambda p, _: _header(p, "Résultats 2018\nfiness;annee;indicateur;valeur"),
    FaultCode.MISSING_COLUMN: lambda p, _: _header(p, "finess;annee;indicateur;valeurs"),
    FaultCode.DUPLICATE_COLUMN: lambda p, _: _header(p, "finess;annee;indicateur;valeur;valeur"),
    FaultCode.EXTRA_COLUMN: lambda p, _: _header(p, "finess;annee;indicateur;valeur;commentaire"),
    FaultCode.RENAMED_COLUMN: lambda p, _: _header(p, "finess;Année;indicateur;valeur"),
    FaultCode.TOTAL_ROW: lambda p, _: _csv(p, results=[f"{APHP};2018;A01;oui", "TOTAL;;;12"]),
    FaultCode.CONTROL_CHARACTER: lambda p, _: _csv(p, results=[f"{APHP};2018;A01;oui\x1b"]),
    FaultCode.BLANK_CELL: lambda p, _: _csv(p, establishments=[f"{APHP};;IDF;MCO;oui"]),
    FaultCode.INVALID_FINESS: lambda p, _: _csv(p, establishments=["123;X;IDF;MCO;oui"]),
    FaultCode.UNKNOWN_FINESS: lambda p, _: _csv(p, results=["310781406;2018;A01;oui"]),
    FaultCode.FINESS_CHECK_DIGIT: lambda p, _: _csv(p, establishments=[f"{APHP[:8]}5;X;IDF;MCO;oui"],
                                                    results=[f"{APHP[:8]}5;2018;A01;oui"]),
    FaultCode.TYPE_ERROR: lambda p, _: _csv(p, results=[f"{APHP};2018;G01;beaucoup"]),
    FaultCode.OUT_OF_RANGE: lambda p, _: _csv(p, results=[f"{APHP};2018;C01;101"]),
    FaultCode.YEAR_AS_DATE: _year_as_date,
    FaultCode.UNKNOWN_INDICATOR: lambda p, _: _csv(p, results=[f"{APHP};2018;Z99;oui"]),
    FaultCode.NOT_A_TARGET: lambda p, _: _csv(p, cibles__csv=f"finess;annee;indicateur;cible\n{APHP};2019;A01;50\n"),
    FaultCode.INVALID_CHOICE: lambda p, _: _csv(p, establishments=[f"{APHP};AP-HP;IDF;MCO;peut-être"]),
    FaultCode.PERCENT_AS_FRACTION: lambda p, _: _csv(p, results=[f"{APHM};2018;G01;0,455", f"{APHM};2018;C01;1"]),
    FaultCode.DUPLICATE_ROW: lambda p, _: _csv(p, results=[f"{APHP};2018;A01;oui", f"{APHP};2018;A01;non"]),
    FaultCode.DATE_ORDER: lambda p, _: _volets(p, f"{F},transports,2018-01-01,2017-12-31\n"),
    FaultCode.LONG_CONTRACT: lambda p, _: _volets(p, f"{F},transports,2018-01-01,2023-01-01\n"),
    FaultCode.OVERLAPPING_CONTRACTS: lambda p, _: _volets(
        p, f"{F},transports,2018-01-01,2020-12-31\n{F},transports,2020-06-01,\n"),
    FaultCode.MISSING_EXPENSE: lambda p, _: _volets(p, f"{F},transports,2018-01-01,\n",
                                                    f"{F},2019,transports,1250000\n"),
    FaultCode.MISSING_RATE: lambda p, _: _volets(p, f"{F},transports,2018-01-01,\n", SPENT,
                                                 rate=("taux_cible: 2.2", "taux_cible: {2019: 2.2}")),
    FaultCode.NON_FINITE_AMOUNT: lambda p, _: _money_refused(p),
    FaultCode.ALL_OBJECTIVES_NC: lambda p, _: _all_nc(p),
    FaultCode.IMPLAUSIBLE_AMOUNT: lambda p, _: _volets(p, f"{F},transports,2018-01-01,\n",
                                                       SPENT.replace(",2017,transports,1000", ",2017,transports,0")),
    FaultCode.NOT_A_GRID: lambda p, _: _collected(p, lambda folder, _g: openpyxl.Workbook().save(folder / "t.xlsx")),
    FaultCode.OTHER_CAMPAIGN: lambda p, _: _collected(p, lambda folder, _g: _grid(folder, 2018)),
    FaultCode.IDENTITY_MISMATCH: lambda p, _: _collected(p, lambda _f, grid: _edit(grid, "B2", "2A5477391")),
    FaultCode.INVALID_SEAL: lambda p, _: _collected(p, lambda _f, grid: _edit(grid, "B7", None)),
    FaultCode.DUPLICATE_GRID: lambda p, _: _collected(p, lambda folder, grid: shutil.copy(grid, folder / "bis.xlsx")),
    FaultCode.MISSING_ROW: lambda p, _: _collected(p, lambda _f, grid: _edit(grid, "A6", None, "Indicateurs")),
    FaultCode.SKIPPED_LINK: lambda p, _: _collected(p, lambda folder, grid: (folder / "lien.xlsx").symlink_to(grid)),
}

GRID_FINESS = "090255480"


def _grid(folder: Path, year: int = 2019) -> Path:
    from caqes_toolkit.documents.grid import write_grids

    campaign = load_campaign(CAMPAIGN_2019)
    (path,) = write_grids(load_dataset(SAMPLE, campaign), campaign, year, folder, [GRID_FINESS])
    return path


def _edit(grid: Path, cell: str, value: object, sheet: str = "caqes") -> None:
    book = openpyxl.load_workbook(grid)
    book[sheet][cell] = value
    book.save(grid)


def _collected(tmp_path: Path, tamper: Callable[[Path, Path], object]) -> list:
    """The faults (GridFault, each with its code) of a collection of one grid, tampered with."""
    from caqes_toolkit.documents.collect import collect

    folder = tmp_path / "grilles"
    tamper(folder, _grid(folder))
    return list(collect(folder, load_campaign(CAMPAIGN_2019), 2019, SAMPLE, tmp_path / "out").faults)


def _money_refused(tmp_path: Path) -> list[Fault]:
    """A Dataset built by hand (no reader's ceiling) whose objective overflows."""
    from .test_money import OPEN
    from .test_money import campaign as money_campaign
    from .test_money import dataset as money_dataset

    data = money_dataset(OPEN, [(F, y, "transports", 1.7e308) for y in (2017, 2018, 2019)])
    try:
        evaluate_volets(data, money_campaign(tmp_path), 2019)
    except DataError as exc:
        return exc.faults
    return []


def _all_nc(tmp_path: Path) -> list[Fault]:
    folder = region(tmp_path, f"{F},qualite,2018-01-01,\n", resultats=f"{F},2019,Q01,NC\n{F},2019,Q02,NC\n")
    camp = load_campaign(tiny(tmp_path))
    return list(evaluate_volets(load_dataset(folder, camp), camp, 2019).warnings)


def _only_establishments(tmp_path: Path) -> Path:
    folder = csv_region(tmp_path / "csv")
    (folder / "resultats.csv").unlink()
    return folder


def _renamed(tmp_path: Path) -> Path:
    folder = csv_region(tmp_path / "csv")
    (folder / "resultats.csv").rename(folder / "Résultats.csv")
    return folder


def _utf16(tmp_path: Path) -> Path:
    folder = csv_region(tmp_path / "csv")
    text = (folder / "resultats.csv").read_text(encoding="utf-8")
    (folder / "resultats.csv").write_bytes(text.encode("utf-16"))
    return folder


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(b"ceci n'est pas un zip")
    return path


def test_every_declared_code_has_a_case() -> None:
    assert set(CASES) == set(FaultCode)


@pytest.mark.parametrize("code", list(FaultCode), ids=str)
def test_each_code_is_produced(code: FaultCode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = CASES[code](tmp_path, monkeypatch)
    assert all(isinstance(f.code, FaultCode) for f in faults)
    assert code in [f.code for f in faults], [str(f) for f in faults]


def _code_arguments() -> list[tuple[str, int, ast.expr | None]]:
    """(module, line, ``code=`` argument or None) of every ``Fault(...)`` call in the package."""
    calls = []
    for path in sorted(Path(caqes_toolkit.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Fault":
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                calls.append((path.name, node.lineno, code))
    return calls


def test_every_code_used_is_declared() -> None:
    """Each Fault names its code; a ``FaultCode.X`` written anywhere is a declared member."""
    calls = _code_arguments()
    assert calls and all(code is not None for _, _, code in calls), [c[:2] for c in calls if c[2] is None]
    used = {node.attr for path in Path(caqes_toolkit.__file__).parent.rglob("*.py")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "FaultCode"}
    assert used and used <= set(FaultCode.__members__)


def test_readme_lists_every_code() -> None:
    readme = (ROOT / "docs" / "donnees.md").read_text(encoding="utf-8")
    table = "\n".join(["| code | anomalie |", "|---|---|",
                       *(f"| `{c.value}` | {c.description} |" for c in FaultCode)])
    assert table + "\n\n" in readme


def test_codes_are_in_messages_and_in_the_anomalies_file(tmp_path: Path) -> None:
    folder = csv_region(tmp_path / "csv", results=[f"{APHP};2018;C01;101"])
    listing = tmp_path / "anomalies.csv"

    result = CliRunner().invoke(app, ["validate", str(folder), "--campaign", str(CAMPAIGN_PATH),
                                      "--anomalies", str(listing)])

    assert result.exit_code == 1
    assert "erreur [out-of-range] — resultats.csv, ligne 2, colonne « valeur »" in plain_spaces(result.output)
    table = pd.read_csv(listing, dtype=str, keep_default_na=False)
    assert table[["ligne", "colonne", "code"]].values.tolist() == [["2", "valeur", "out-of-range"]]
