"""Collection of the returned self-evaluation grids (written by :mod:`caqes_toolkit.documents.grid`).

Every workbook of a folder is read as Excel or LibreOffice saved it: columns are found by their
header text (« Code », « Valeur », « Étape », « Cotation »), never by position, and the
workbook is identified by what it stores (FINESS, year, campaign and its fingerprint), never
by its file name. The values become ``resultats`` and ``maturite`` rows checked by the normal
data-contract validation; each fault is mapped back to its cell (``Indicateurs!D14``).

The output is a new data folder: the input's tables, in which the year-N rows of each valid
grid's establishment replace the input's rows for the indicators the grid asks for. A bad grid
never sinks the others: its establishment keeps the input's rows and its faults are listed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from ..data.dataset import MATURITY_STEPS, Dataset
from ..data.load import load_dataset
from ..data.read import RawSource, RawTable, read_source
from ..data.validation import check
from ..data.workbook import cell_text
from ..errors import CaqesError, DataError, Severity
from ..evaluation.money import contracts_in_force
from ..outputs import atomic_path
from ..rules.campaign import Campaign
from .grid import (
    GRID_FORMAT,
    HEADER_FILL,
    INDICATORS_SHEET,
    MATURITY_SHEET,
    MATURITY_STEP_NAMES,
    META_SHEET,
    applicable_indicators,
    volet_objectives,
)

__all__ = ["FOLLOW_UP_COLUMNS", "STATUSES", "Collection", "GridFault", "collect", "write_follow_up"]

#: Statuses of an establishment in the follow-up table.
STATUSES: tuple[str, ...] = ("recue", "incomplete", "invalide", "manquante")
FOLLOW_UP_COLUMNS: tuple[str, ...] = ("finess", "raison_sociale", "statut", "valeurs_manquantes",
                                      "anomalies", "fichier")
_SEARCHED_ROWS = 40  # the header row is looked for among the first rows of a sheet


@dataclass(frozen=True)
class GridFault:
    """One problem of a returned grid: where (file, sheet, cell), which indicator, what value,
    what was expected. ``sheet``/``cell`` are empty for a fault about the whole workbook."""

    file: str
    sheet: str
    cell: str
    indicator: str
    value: str | None
    expected: str
    severity: Severity = "erreur"

    @property
    def reference(self) -> str:
        """``Indicateurs!D14`` (or the sheet alone, or nothing)."""
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def __str__(self) -> str:
        where = self.file + (f", cellule {self.reference}" if self.reference else "")
        if self.indicator:
            where += f", indicateur {self.indicator}"
        got = f" : valeur « {self.value} »" if self.value is not None else ""
        return f"{self.severity} — {where}{got} ; attendu : {self.expected}"


@dataclass
class _Grid:
    """What was read from one returned workbook."""

    path: Path
    finess: str = ""
    faults: list[GridFault] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # indicators this grid asks the ES for
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (code, value, cell)
    maturity: list[tuple[str, str]] | None = None  # (value, cell) of the 7 steps, or None
    has_maturity: bool = False  # a Maturité sheet was read: it replaces the input's row
    missing: int = 0

    @property
    def valid(self) -> bool:
        return not any(f.severity == "erreur" for f in self.faults)

    def fault(self, expected: str, sheet: str = "", cell: str = "", indicator: str = "",
              value: str | None = None, severity: Severity = "erreur") -> None:
        self.faults.append(GridFault(self.path.name, sheet, cell, indicator, value, expected,
                                     severity))


@dataclass(frozen=True)
class Collection:
    """Outcome of :func:`collect`: the follow-up table, every fault, the data folder written."""

    follow_up: pd.DataFrame
    faults: tuple[GridFault, ...]
    out: Path

    @property
    def ok(self) -> bool:
        return not any(f.severity == "erreur" for f in self.faults)


def collect(grids: str | Path, campaign: Campaign, year: int, data: str | Path,
            out: str | Path) -> Collection:
    """Read every returned grid in ``grids``, check it, and write the data folder ``out``."""
    grids, data, out = Path(grids), Path(data), Path(out)
    if not grids.is_dir():
        raise CaqesError(f"{grids} : dossier des grilles retournées introuvable")
    _check_out(out, data)
    raw = read_source(data)
    checked = check(raw, campaign)
    if checked.tables is None:
        raise DataError(list(checked.faults))
    es = checked.tables["establishments"]
    contracts = contracts_in_force(Dataset(**checked.tables), campaign, year)
    volets = contracts.groupby("finess")["volet"].agg(set).to_dict()
    identities = {f: (a, bool(lst), volets.get(f, set())) for f, a, lst in zip(
        es["finess"], es["activites"], es["liste_en_sus"], strict=True)}
    read = [_read_grid(path, campaign, year, identities) for path in _workbooks(grids)]
    _duplicates(read)
    _validate_values(read, raw.tables["etablissements"], campaign, year)
    kept = {g.finess: g for g in read if g.finess and g.valid}
    _write_folder(raw, kept, year, out)
    load_dataset(out, campaign)  # the folder written must itself follow the data contract
    follow_up = _follow_up(es, read, kept)
    faults = tuple(f for g in read for f in g.faults)
    return Collection(follow_up, faults, out)


# --- reading one workbook -------------------------------------------------------------------


def _workbooks(folder: Path) -> list[Path]:
    """Every workbook of the folder and its subfolders (Office lock files « ~$… » skipped)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("~$", "."))
                  and p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"))


def _norm(text: Any) -> str:
    """Header text compared without case, accents or surrounding spaces."""
    plain = unicodedata.normalize("NFKD", "" if text is None else str(text))
    return "".join(c for c in plain if not unicodedata.combining(c)).strip().casefold()


def _read_grid(path: Path, campaign: Campaign, year: int,
               identities: dict[str, tuple[str, bool, set[str]]]) -> _Grid:
    grid = _Grid(path)
    if path.suffix.lower() in (".xls", ".ods"):
        grid.fault("un classeur au format .xlsx (enregistrer la grille au format Excel .xlsx)")
        return grid
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        grid.fault(f"un classeur Excel .xlsx lisible ({exc})")
        return grid
    meta = _identity(book)
    if meta.get("format") != GRID_FORMAT:
        grid.fault("une grille d'auto-évaluation écrite par « caqes grille » (ce classeur n'en "
                   "contient pas l'identification)")
        return grid
    finess = meta.get("finess", "").strip().upper()
    if finess not in identities:
        grid.fault("une grille d'un établissement de la table etablissements", value=finess)
        return grid
    grid.finess = finess
    wrong = [(label, got, want) for label, got, want in (
        ("campagne", meta.get("campagne", ""), campaign.name),
        ("année", meta.get("annee", ""), str(year)),
        ("empreinte de la campagne", meta.get("empreinte", ""), campaign.sha256 or ""))
        if got != want]
    for label, got, want in wrong:
        grid.fault(f"une grille de la campagne {campaign.name}, année {year} ({label} attendue : "
                   f"{want})", value=got)
    if wrong:
        return grid
    activities, with_list, volets = identities[finess]
    objectives = [ind for _, group in volet_objectives(campaign, activities, volets) for ind in group]
    asked = [ind for ind in [*applicable_indicators(campaign, activities, with_list), *objectives]
             if ind.data_source == "etablissement"]
    grid.codes = [ind.code for ind in asked if ind.rule != "maturite"]
    _read_indicators(grid, book, campaign)
    if any(ind.rule == "maturite" for ind in asked):
        _read_maturity(grid, book)
    return grid


def _identity(book: openpyxl.Workbook) -> dict[str, str]:
    """The identification stored in the workbook: hidden sheet, else document properties."""
    if META_SHEET in book.sheetnames:
        sheet = book[META_SHEET]
        return {str(k).strip(): "" if v is None else _cell_text_of(v)
                for k, v in sheet.iter_rows(min_col=1, max_col=2, values_only=True) if k}
    props = {p.name: str(p.value) for p in getattr(book, "custom_doc_props", [])}
    return {k.removeprefix("caqes_"): v for k, v in props.items() if k.startswith("caqes_")}


def _cell_text_of(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _header(sheet: Worksheet, names: Iterable[str]) -> tuple[int, dict[str, int]] | None:
    """Row and columns of the first row holding every one of ``names`` (normalised)."""
    wanted = {_norm(n): n for n in names}
    for row in sheet.iter_rows(max_row=_SEARCHED_ROWS):
        found = {wanted[_norm(c.value)]: c.column for c in row if _norm(c.value) in wanted}
        if len(found) == len(wanted):
            return row[0].row, found
    return None


def _value(cell: Any) -> str:
    """A value cell as text, as a person reads it (percent cells × 100), spaces trimmed."""
    return cell_text(cell).strip().replace("\u00a0", " ").strip()


def _read_indicators(grid: _Grid, book: openpyxl.Workbook, campaign: Campaign) -> None:
    if INDICATORS_SHEET not in book.sheetnames:
        grid.fault(f"une feuille « {INDICATORS_SHEET} »")
        return
    sheet = book[INDICATORS_SHEET]
    found = _header(sheet, ("Code", "Valeur"))
    if found is None:
        grid.fault("une ligne d'en-tête avec les colonnes « Code » et « Valeur »",
                   INDICATORS_SHEET)
        return
    header_row, cols = found
    seen: set[str] = set()
    for row in sheet.iter_rows(min_row=header_row + 1):
        by_col = {c.column: c for c in row}
        code_cell, value_cell = by_col.get(cols["Code"]), by_col.get(cols["Valeur"])
        if code_cell is None or value_cell is None:
            continue
        code = _value(code_cell)
        value = _value(value_cell)
        if code in grid.codes:
            seen.add(code)
            if value:
                grid.rows.append((code, value, value_cell.coordinate))
        elif code and value and code not in campaign.by_code:
            grid.fault(f"un code d'indicateur de la campagne {campaign.name} dans la colonne "
                       "« Code »", INDICATORS_SHEET, code_cell.coordinate, code, code)
    absent = [c for c in grid.codes if c not in seen]
    for code in absent:
        grid.fault("une ligne pour cet indicateur (ligne supprimée ?) : compté non renseigné",
                   INDICATORS_SHEET, indicator=code, severity="avertissement")
    filled = {code for code, _, _ in grid.rows}
    grid.missing += len([c for c in grid.codes if c not in filled])


def _read_maturity(grid: _Grid, book: openpyxl.Workbook) -> None:
    if MATURITY_SHEET not in book.sheetnames:
        grid.fault(f"une feuille « {MATURITY_SHEET} » : maturité comptée non renseignée",
                   severity="avertissement")
        grid.missing += 1
        return
    sheet = book[MATURITY_SHEET]
    found = _header(sheet, ("Étape", "Cotation"))
    if found is None:
        grid.fault("une ligne d'en-tête avec les colonnes « Étape » et « Cotation »",
                   MATURITY_SHEET)
        return
    header_row, cols = found
    names = [_norm(n) for n in MATURITY_STEP_NAMES]
    steps: dict[int, tuple[str, str]] = {}
    for row in sheet.iter_rows(min_row=header_row + 1):
        by_col = {c.column: c for c in row}
        step, score = by_col.get(cols["Étape"]), by_col.get(cols["Cotation"])
        if step is None or score is None or _norm(step.value) not in names:
            continue
        steps[names.index(_norm(step.value))] = (_value(score), score.coordinate)
    if len(steps) != len(names):
        lost = [MATURITY_STEP_NAMES[i] for i in range(len(names)) if i not in steps]
        grid.fault(f"les sept étapes de maturité (absentes : {', '.join(lost)})", MATURITY_SHEET)
        return
    grid.has_maturity = True
    if all(not value for value, _ in steps.values()):
        grid.missing += 1
        return
    grid.maturity = [steps[i] for i in range(len(names))]


def _duplicates(grids: list[_Grid]) -> None:
    """Two returned workbooks for one establishment (both of this campaign and year): both
    refused, each naming the other."""
    by_finess: dict[str, list[_Grid]] = {}
    for grid in grids:
        if grid.finess and grid.valid:
            by_finess.setdefault(grid.finess, []).append(grid)
    for finess, same in by_finess.items():
        if len(same) > 1:
            names = ", ".join(g.path.name for g in same)
            for grid in same:
                grid.fault(f"une seule grille par établissement (FINESS {finess} : {names})",
                           value=finess)


# --- checking the values as the data contract does ------------------------------------------


def _validate_values(grids: list[_Grid], establishments: RawTable, campaign: Campaign,
                     year: int) -> None:
    """Run the data-contract checks on every grid's values at once; faults back to cells."""
    usable = [g for g in grids if g.finess and g.valid]
    res_rows, res_where = [], []
    mat_rows, mat_where = [], []
    for grid in usable:
        for code, value, cell in grid.rows:
            res_rows.append((grid.finess, str(year), code, value))
            res_where.append((grid, cell, code))
        if grid.maturity is not None:
            mat_rows.append((grid.finess, str(year), *(v for v, _ in grid.maturity)))
            mat_where.append((grid, [c for _, c in grid.maturity]))
    tables = {"etablissements": establishments}
    if res_rows:
        tables["resultats"] = _raw("resultats", ("finess", "annee", "indicateur", "valeur"),
                                   res_rows)
    if mat_rows:
        tables["maturite"] = _raw("maturite", ("finess", "annee", *MATURITY_STEPS), mat_rows)
    if len(tables) == 1:
        return
    faults = check(RawSource(Path("grilles"), False, tables, ()), campaign).faults
    maturity_code = next((i.code for i in campaign.indicators if i.rule == "maturite"), "")
    for fault in faults:
        if fault.line is None:
            continue
        if fault.source == "resultats":
            grid, cell, code = res_where[fault.line - 2]
            grid.fault(fault.expected, INDICATORS_SHEET, cell, code, fault.value, fault.severity)
        elif fault.source == "maturite" and fault.column in MATURITY_STEPS:
            grid, cells = mat_where[fault.line - 2]
            step = MATURITY_STEPS.index(fault.column)
            grid.fault(f"{fault.expected} — étape « {MATURITY_STEP_NAMES[step]} »",
                       MATURITY_SHEET, cells[step], maturity_code, fault.value, fault.severity)


def _raw(name: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> RawTable:
    """A table built from grid values; ``lines`` number the rows from 2 (index + 2)."""
    frame = pd.DataFrame(rows, columns=list(columns), dtype="str")
    return RawTable(name, name, columns, frame, np.arange(2, len(rows) + 2, dtype=np.int64))


# --- writing the data folder and the follow-up -----------------------------------------------


def _check_out(out: Path, data: Path) -> None:
    if out.resolve() == data.resolve() or data.resolve() in out.resolve().parents:
        raise CaqesError(f"{out} : le dossier de sortie doit être distinct des données d'entrée "
                         f"({data}), qui ne sont jamais modifiées")
    if out.exists() and not out.is_dir():
        raise CaqesError(f"{out} : un dossier est attendu (un fichier porte ce nom)")
    if out.is_dir() and any(not p.name.endswith(".csv") for p in out.iterdir()):
        raise CaqesError(f"{out} : ce dossier existe et contient autre chose que des fichiers "
                         ".csv ; choisir un dossier nouveau ou vide")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].str.strip() if column in frame else pd.Series("", index=frame.index)


def _write_folder(raw: RawSource, kept: dict[str, _Grid], year: int, out: Path) -> None:
    """Write every input table as CSV into a temporary folder renamed ``out`` at the end."""
    frames = {name: table.frame.copy() for name, table in raw.tables.items()}
    results = frames["resultats"]
    replaced = {(f, c) for f, g in kept.items() for c in g.codes}
    keys = zip(_text(results, "finess").str.upper(), _text(results, "indicateur"), strict=True)
    in_year = _text(results, "annee") == str(year)
    drop = in_year.to_numpy() & np.array([k in replaced for k in keys], dtype=bool)
    new = pd.DataFrame([(f, str(year), c, v) for f, g in kept.items() for c, v, _ in g.rows],
                       columns=["finess", "annee", "indicateur", "valeur"], dtype="str")
    frames["resultats"] = pd.concat([results[~drop], new], ignore_index=True).fillna("")
    with_sheet = {f for f, g in kept.items() if g.has_maturity}
    mat = frames.get("maturite", pd.DataFrame(columns=["finess", "annee", *MATURITY_STEPS]))
    drop = (_text(mat, "annee") == str(year)) & _text(mat, "finess").str.upper().isin(with_sheet)
    new = pd.DataFrame([(f, str(year), *(v for v, _ in g.maturity)) for f, g in kept.items()
                        if g.maturity is not None],
                       columns=["finess", "annee", *MATURITY_STEPS], dtype="str")
    if len(mat) or len(new):
        frames["maturite"] = pd.concat([mat[~drop], new], ignore_index=True).fillna("")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
            os.chmod(tmp / f"{name}.csv", 0o644)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _follow_up(es: pd.DataFrame, grids: list[_Grid], kept: dict[str, _Grid]) -> pd.DataFrame:
    """One row per establishment: status, values missing, faults, file(s)."""
    by_finess: dict[str, list[_Grid]] = {}
    for grid in grids:
        by_finess.setdefault(grid.finess, []).append(grid)
    rows = []
    for finess, name in zip(es["finess"], es["raison_sociale"], strict=True):
        returned = by_finess.get(finess, [])
        missing: int | str  # values missing in a kept grid, empty when there is none
        errors = sum(f.severity == "erreur" for g in returned for f in g.faults)
        if not returned:
            status, missing = "manquante", ""
        elif finess not in kept:
            status, missing = "invalide", ""
        else:
            missing = kept[finess].missing
            status = "incomplete" if missing else "recue"
        rows.append((finess, name, status, missing, errors,
                     ", ".join(g.path.name for g in returned)))
    return pd.DataFrame(rows, columns=list(FOLLOW_UP_COLUMNS))


def write_follow_up(table: pd.DataFrame, path: str | Path) -> None:
    """The follow-up table as ``.csv`` (UTF-8, comma) or ``.xlsx`` (texts stored as text, never
    read as formulas: an establishment name may start with « = »)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CaqesError(f"{path} : extension attendue .csv ou .xlsx pour le tableau de suivi")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8")
            return
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "suivi"
        for values in [list(table.columns), *table.itertuples(index=False)]:
            sheet.append([None if v == "" else v for v in values])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for letter, width in zip("ABCDEF", (12, 45, 12, 18, 11, 34), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        book.save(tmp)
