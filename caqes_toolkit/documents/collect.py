"""Collection of the returned self-evaluation grids (written by :mod:`caqes_toolkit.documents.grid` or, for
a second-generation campaign, :mod:`caqes_toolkit.documents.grid_contracts`: the same workbook contract).

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

import datetime as dt
import hmac
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..data.contracts import contracts_in_force
from ..data.dataset import MATURITY_STEPS, Dataset
from ..data.load import load_dataset
from ..data.read import RawSource, RawTable, read_source
from ..data.validation import check
from ..data.workbook import Sheets, cell_text, read_sheets
from ..errors import CaqesError, DataError, FaultCode, Severity, escape_controls
from ..outputs import foreign_files, remember_outputs
from ..rules.campaign import Campaign
from .follow_up import board
from .grid import MATURITY_STEP_NAMES, applicable_indicators
from .grid_book import (
    ESTABLISHMENT_SHEET,
    GRID_FORMAT,
    INDICATORS_SHEET,
    MATURITY_SHEET,
    META_SHEET,
    Objective,
    volet_objectives,
)
from .seal import KEY_ENV, grid_seal, key_path, read_key

__all__ = ["Collection", "GridFault", "check_out", "collect"]

_SEARCHED_ROWS = 40  # the header row is looked for among the first rows of a sheet
#: A returned grid larger than this once inflated is refused before it is parsed: a grid written
#: by ``caqes grille`` takes well under 1 MB, even re-saved by a spreadsheet.
MAX_GRID_MB = 20


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
    code: FaultCode = field(kw_only=True)

    @property
    def reference(self) -> str:
        """``Indicateurs!D14`` (or the sheet alone, or nothing)."""
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def __str__(self) -> str:
        where = self.file + (f", cellule {self.reference}" if self.reference else "")
        if self.indicator:
            where += f", indicateur {self.indicator}"
        got = f" : valeur « {self.value} »" if self.value is not None else ""
        return escape_controls(f"{self.severity} [{self.code}] — {where}{got} ; attendu : {self.expected}")


@dataclass
class _Grid:
    """What was read from one returned workbook (``name``: its path relative to the grids' folder)."""

    path: Path
    name: str
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
              value: str | None = None, severity: Severity = "erreur", *, code: FaultCode) -> None:
        self.faults.append(GridFault(self.name, sheet, cell, indicator, value, expected, severity, code=code))


@dataclass(frozen=True)
class Collection:
    """Outcome of :func:`collect`: the follow-up board (:mod:`caqes_toolkit.documents.follow_up`),
    every fault, the data folder written."""

    follow_up: pd.DataFrame
    faults: tuple[GridFault, ...]
    out: Path

    @property
    def ok(self) -> bool:
        return not any(f.severity == "erreur" for f in self.faults)


def collect(grids: str | Path, campaign: Campaign, year: int, data: str | Path,
            out: str | Path, force: bool = False, *, key_file: Path | None = None,
            today: dt.date | None = None, addressees: Callable[[Dataset], list[str]] | None = None) -> Collection:
    """Read every returned grid in ``grids``, check it, and write the data folder ``out`` (which
    :func:`check_out` must accept). Seals are checked with ``key_file`` (a workspace's key), else
    the installation's; the board's reminders are due against the campaign's grids' deadline on ``today``.
    The board lists the establishments a grid was written for (``addressees`` of the data; by default
    every establishment) and any other that returned one."""
    grids, data, out = Path(grids), Path(data), Path(out)
    check_out(out, data, force)
    if not grids.is_dir():
        raise CaqesError(f"{grids} : dossier des grilles retournées introuvable")
    raw = read_source(data)
    checked = check(raw, campaign)
    if checked.tables is None:
        raise DataError(list(checked.faults))
    es = checked.tables["establishments"]
    dataset = Dataset(**checked.tables)
    expected = set(addressees(dataset) if addressees is not None else es["finess"])
    contracts = contracts_in_force(dataset.contracts, campaign, year)
    volets = contracts.groupby("finess")["volet"].agg(set).to_dict()
    identities = {f: (a, bool(lst), volets.get(f, set())) for f, a, lst in zip(
        es["finess"], es["activites"], es["liste_en_sus"], strict=True)}
    paths, links = _workbooks(grids)
    key = (read_key(workspace_key=key_file), key_path(key_file))
    read = [*links, *(_read_grid(path, grids, campaign, year, identities, key) for path in paths)]
    _duplicates(read)
    _validate_values(read, raw.tables["etablissements"], campaign, year)
    kept = {g.finess: g for g in read if g.finess and g.valid}
    _write_folder(raw, kept, year, out)
    load_dataset(out, campaign)  # the folder written must itself follow the data contract
    deadline = campaign.grid_deadline if isinstance(campaign.grid_deadline, dt.date) else None
    follow_up = board(_returns(es, read, kept, expected), deadline, today)
    faults = tuple(f for g in read for f in g.faults)
    return Collection(follow_up, faults, out)


# --- reading one workbook -------------------------------------------------------------------


def _workbooks(folder: Path) -> tuple[list[Path], list[_Grid]]:
    """Every workbook of the folder and its subfolders (Office lock files « ~$… » skipped), regular
    files only; each symbolic link met (to a file or a folder) is not followed and is reported."""
    found, links = [], []
    for root, dirs, files in os.walk(folder):  # never into a linked folder
        here = Path(root)
        for name in sorted([*dirs, *files]):
            path = here / name
            if path.is_symlink():
                link = _Grid(path, path.relative_to(folder).as_posix())
                link.fault(f"un fichier ordinaire du dossier des grilles : lien symbolique vers "
                           f"« {os.readlink(path)} » non suivi (copier la grille elle-même dans le dossier)",
                           severity="avertissement", code=FaultCode.SKIPPED_LINK)
                links.append(link)
            elif (name in files and not name.startswith(("~$", ".")) and path.is_file()
                  and path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")):
                found.append(path)
    return sorted(found), links


def _norm(text: Any) -> str:
    """Header text compared without case, accents or surrounding spaces."""
    plain = unicodedata.normalize("NFKD", "" if text is None else str(text))
    return "".join(c for c in plain if not unicodedata.combining(c)).strip().casefold()


@dataclass
class _Book:
    """A returned workbook's sheets (:class:`~caqes_toolkit.data.workbook.Sheets`), read cell by cell
    for one grid: reading a cell that holds a formula never calculated is a fault of the grid."""

    grid: _Grid
    sheets: Sheets

    def has(self, title: str) -> bool:
        return title in self.sheets.rows

    def rows(self, title: str) -> list[tuple[Any, ...]]:
        return self.sheets.rows.get(title, [])

    def text(self, title: str, row: int, column: int, indicator: str = "") -> str:
        """A cell (row and column from 1) as a person reads it, spaces trimmed."""
        ref = f"{get_column_letter(column)}{row}"
        formula = self.sheets.uncalculated.get(title, {}).get(ref)
        if formula is not None:
            self.grid.fault("une valeur : la cellule contient une formule jamais calculée (grille remplie par un "
                            "programme et jamais ouverte dans un tableur), qui se lirait vide ; ouvrir et "
                            "enregistrer la grille dans un tableur, ou saisir la valeur", title, ref, indicator,
                            f"={formula}", code=FaultCode.FORMULA_WITHOUT_VALUE)
            return ""
        cells = self.rows(title)[row - 1] if row <= len(self.rows(title)) else ()
        cell = cells[column - 1] if column <= len(cells) else None
        return cell_text(cell).strip().replace("\u00a0", " ").strip()


def _read_grid(path: Path, root: Path, campaign: Campaign, year: int,
               identities: dict[str, tuple[str, bool, set[str]]], key: tuple[bytes | None, Path]) -> _Grid:
    grid = _Grid(path, path.relative_to(root).as_posix())
    if path.suffix.lower() in (".xls", ".ods"):
        grid.fault("un classeur au format .xlsx (enregistrer la grille au format Excel .xlsx)",
                   code=FaultCode.NOT_A_GRID)
        return grid
    sheets = read_sheets(path, (ESTABLISHMENT_SHEET, INDICATORS_SHEET, MATURITY_SHEET, META_SHEET), MAX_GRID_MB)
    if not isinstance(sheets, Sheets):
        code, text = sheets
        small = " ; une grille écrite par caqes grille fait moins de 1 Mo"
        grid.fault(text + (small if code == FaultCode.OVERSIZED_WORKBOOK else ""), code=code)
        return grid
    book = _Book(grid, sheets)
    meta = _identity(book)
    if meta.get("format") != GRID_FORMAT:
        grid.fault("une grille d'auto-évaluation écrite par « caqes grille » (ce classeur n'en "
                   "contient pas l'identification)", code=FaultCode.NOT_A_GRID)
        return grid
    finess = meta.get("finess", "").strip().upper()
    if not _same_identity(book, finess, meta.get("annee", "")):
        return grid  # whose grid it is cannot be told
    if finess not in identities:
        grid.fault("une grille d'un établissement de la table etablissements", value=finess,
                   code=FaultCode.UNKNOWN_FINESS)
        return grid
    grid.finess = finess  # an invalid grid is still listed as this establishment's return
    if not (_this_campaign(grid, meta, campaign, year) and _sealed(grid, meta, finess, key)):
        return grid
    activities, with_list, volets = identities[finess]
    objectives = [ind for _, group in volet_objectives(campaign, activities, volets) for ind in group]
    shown: list[Objective] = [*applicable_indicators(campaign, activities, with_list), *objectives]
    asked = [ind for ind in shown if ind.data_source == "etablissement"]  # as both generations' grids ask
    grid.codes = [ind.code for ind in asked if ind.rule != "maturite"]
    _read_indicators(grid, book, campaign)
    if any(ind.rule == "maturite" for ind in asked):
        _read_maturity(grid, book)
    return grid


def _identity(book: _Book) -> dict[str, str]:
    """The identification stored in the workbook: hidden sheet, else document properties."""
    if book.has(META_SHEET):
        return {book.text(META_SHEET, r, 1): book.text(META_SHEET, r, 2)
                for r in range(1, len(book.rows(META_SHEET)) + 1) if book.text(META_SHEET, r, 1)}
    props = book.sheets.properties
    return {k.removeprefix("caqes_"): v for k, v in props.items() if k.startswith("caqes_")}


_TITLE = re.compile(r"Indicateurs (\S+) — .*\(FINESS (\S+)\)", re.DOTALL)


def _same_identity(book: _Book, finess: str, year: str) -> bool:
    """The hidden identification (FINESS, year) is the one the grid shows: on its first sheet and
    in the title of its « Indicateurs » sheet (a grid whose hidden sheet was edited is refused)."""
    shown = {book.text(ESTABLISHMENT_SHEET, r, 1): book.text(ESTABLISHMENT_SHEET, r, 2)
             for r in range(1, len(book.rows(ESTABLISHMENT_SHEET)) + 1)}
    title = _TITLE.fullmatch(book.text(INDICATORS_SHEET, 1, 1))
    seen = [("FINESS", f"{ESTABLISHMENT_SHEET}, ligne « FINESS »", shown.get("FINESS", "").upper(), finess),
            ("année", f"{ESTABLISHMENT_SHEET}, ligne « Année évaluée »", shown.get("Année évaluée", ""), year),
            ("FINESS", f"titre de la feuille {INDICATORS_SHEET}", title.group(2).upper() if title else "", finess),
            ("année", f"titre de la feuille {INDICATORS_SHEET}", title.group(1) if title else "", year)]
    wrong = [(what, where, got, want) for what, where, got, want in seen if got != want]
    for what, where, got, want in wrong:
        book.grid.fault(f"une grille dont l'identification cachée ({what} {want or '—'}) est celle qu'elle affiche "
                        f"({where} : {got or 'absente'}) ; identification modifiée : grille refusée",
                        value=got or None, code=FaultCode.IDENTITY_MISMATCH)
    return not wrong


def _this_campaign(grid: _Grid, meta: dict[str, str], campaign: Campaign, year: int) -> bool:
    wrong = [(label, got, want) for label, got, want in (
        ("campagne", meta.get("campagne", ""), campaign.name),
        ("année", meta.get("annee", ""), str(year)),
        ("empreinte de la campagne", meta.get("empreinte", ""), campaign.sha256 or ""))
        if got != want]
    for label, got, want in wrong:
        grid.fault(f"une grille de la campagne {campaign.name}, année {year} ({label} attendue : "
                   f"{want})", value=got, code=FaultCode.OTHER_CAMPAIGN)
    return not wrong


def _sealed(grid: _Grid, meta: dict[str, str], finess: str, keyed: tuple[bytes | None, Path]) -> bool:
    """The grid's seal is the one ``caqes grille`` wrote (:mod:`caqes_toolkit.documents.seal`) with
    the key read from the file ``keyed[1]``."""
    key, where = keyed
    if key is None:
        grid.fault(f"une grille dont le sceau peut être vérifié : clé des grilles introuvable sur ce poste "
                   f"({where}) ; collecter avec la clé du poste qui a écrit les grilles (variable "
                   f"d'environnement {KEY_ENV})", code=FaultCode.INVALID_SEAL)
        return False
    seal = meta.get("sceau", "")
    if hmac.compare_digest(seal, grid_seal(key, finess, meta.get("annee", ""), meta.get("empreinte", ""))):
        return True
    why = ("sans sceau (écrite par une version antérieure de caqes-toolkit ?)" if not seal else
           "au sceau faux : identification modifiée, ou grille écrite sur une autre installation (autre clé)")
    grid.fault(f"une grille scellée par « caqes grille » ; grille {why} : envoyer à l'établissement une grille "
               "écrite par caqes grille avec la clé de ce poste", code=FaultCode.INVALID_SEAL)
    return False


def _header(book: _Book, title: str, names: Iterable[str]) -> tuple[int, dict[str, int]] | None:
    """Row and columns of the first row holding every one of ``names`` (normalised)."""
    wanted = {_norm(n): n for n in names}
    for r, row in enumerate(book.rows(title)[:_SEARCHED_ROWS], start=1):
        found = {wanted[_norm(c.value)]: k for k, c in enumerate(row, start=1) if _norm(c.value) in wanted}
        if len(found) == len(wanted):
            return r, found
    return None


def _read_indicators(grid: _Grid, book: _Book, campaign: Campaign) -> None:
    if not book.has(INDICATORS_SHEET):
        grid.fault(f"une feuille « {INDICATORS_SHEET} »", code=FaultCode.MISSING_TABLE)
        return
    found = _header(book, INDICATORS_SHEET, ("Code", "Valeur"))
    if found is None:
        grid.fault("une ligne d'en-tête avec les colonnes « Code » et « Valeur »",
                   INDICATORS_SHEET, code=FaultCode.MISSING_COLUMN)
        return
    header_row, cols = found
    seen: set[str] = set()
    for r in range(header_row + 1, len(book.rows(INDICATORS_SHEET)) + 1):
        code = book.text(INDICATORS_SHEET, r, cols["Code"])
        value = book.text(INDICATORS_SHEET, r, cols["Valeur"], code)
        ref = f"{get_column_letter(cols['Valeur'])}{r}"
        if code in grid.codes:
            seen.add(code)
            if value:
                grid.rows.append((code, value, ref))
        elif code and value and code not in campaign.by_code and code not in campaign.volet_indicators:
            grid.fault(f"un code d'indicateur de la campagne {campaign.name} dans la colonne « Code »",
                       INDICATORS_SHEET, f"{get_column_letter(cols['Code'])}{r}", code, code,
                       code=FaultCode.UNKNOWN_INDICATOR)
    absent = [c for c in grid.codes if c not in seen]
    for code in absent:
        grid.fault("une ligne pour cet indicateur (ligne supprimée ?) : compté non renseigné",
                   INDICATORS_SHEET, indicator=code, severity="avertissement", code=FaultCode.MISSING_ROW)
    filled = {code for code, _, _ in grid.rows}
    grid.missing += len([c for c in grid.codes if c not in filled])


def _read_maturity(grid: _Grid, book: _Book) -> None:
    if not book.has(MATURITY_SHEET):
        grid.fault(f"une feuille « {MATURITY_SHEET} » : maturité comptée non renseignée",
                   severity="avertissement", code=FaultCode.MISSING_TABLE)
        grid.missing += 1
        return
    found = _header(book, MATURITY_SHEET, ("Étape", "Cotation"))
    if found is None:
        grid.fault("une ligne d'en-tête avec les colonnes « Étape » et « Cotation »",
                   MATURITY_SHEET, code=FaultCode.MISSING_COLUMN)
        return
    header_row, cols = found
    names = [_norm(n) for n in MATURITY_STEP_NAMES]
    steps: dict[int, tuple[str, str]] = {}
    for r in range(header_row + 1, len(book.rows(MATURITY_SHEET)) + 1):
        step = _norm(book.text(MATURITY_SHEET, r, cols["Étape"]))
        if step in names:
            ref = f"{get_column_letter(cols['Cotation'])}{r}"
            steps[names.index(step)] = (book.text(MATURITY_SHEET, r, cols["Cotation"]), ref)
    if len(steps) != len(names):
        lost = [MATURITY_STEP_NAMES[i] for i in range(len(names)) if i not in steps]
        grid.fault(f"les sept étapes de maturité (absentes : {', '.join(lost)})", MATURITY_SHEET,
                   code=FaultCode.MISSING_ROW)
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
            names = ", ".join(g.name for g in same)
            for grid in same:
                grid.fault(f"une seule grille par établissement (FINESS {finess} : {names})",
                           value=finess, code=FaultCode.DUPLICATE_GRID)


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
            grid.fault(fault.expected, INDICATORS_SHEET, cell, code, fault.value, fault.severity, code=fault.code)
        elif fault.source == "maturite" and fault.column in MATURITY_STEPS:
            grid, cells = mat_where[fault.line - 2]
            step = MATURITY_STEPS.index(fault.column)
            grid.fault(f"{fault.expected} — étape « {MATURITY_STEP_NAMES[step]} »",
                       MATURITY_SHEET, cells[step], maturity_code, fault.value, fault.severity, code=fault.code)


def _raw(name: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> RawTable:
    """A table built from grid values; ``lines`` number the rows from 2 (index + 2)."""
    frame = pd.DataFrame(rows, columns=list(columns), dtype="str")
    return RawTable(name, name, columns, frame, np.arange(2, len(rows) + 2, dtype=np.int64))


# --- writing the data folder and the follow-up -----------------------------------------------


def check_out(out: str | Path, data: str | Path, force: bool = False) -> None:
    """Refuse (:class:`CaqesError`) a data folder to write that is the input, is a file, or exists
    with something in it that ``caqes collecte`` did not write there (or that was changed since:
    another data set, a person's notes), since the folder is replaced whole; ``force``: replace
    it knowingly. Checked before anything is read."""
    out, data = Path(out), Path(data)
    if out.resolve() == data.resolve() or data.resolve() in out.resolve().parents:
        raise CaqesError(f"{out} : le dossier de sortie doit être distinct des données d'entrée "
                         f"({data}), qui ne sont jamais modifiées")
    if out.exists() and not out.is_dir():
        raise CaqesError(f"{out} : un dossier est attendu (un fichier porte ce nom)")
    foreign = foreign_files(out) if out.is_dir() else []
    if foreign and not force:
        shown = ", ".join(p.name for p in foreign[:5]) + (f" et {len(foreign) - 5} autres" if len(foreign) > 5 else "")
        raise CaqesError(f"{out} : ce dossier existe et contient ce que caqes collecte n'y a pas écrit, ou modifié "
                         f"depuis ({shown}) ; il serait remplacé en entier : choisissez un dossier nouveau ou vide, "
                         "ou ajoutez --force pour le remplacer sciemment")


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
        remember_outputs(tmp / f"{name}.csv" for name in frames)  # what a later collecte may replace
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


def _returns(es: pd.DataFrame, grids: list[_Grid], kept: dict[str, _Grid], expected: set[str]) -> pd.DataFrame:
    """One row per establishment expected or that returned a grid: status, date the grid came back,
    contact, values missing, faults, files (see :func:`caqes_toolkit.documents.follow_up.board`)."""
    by_finess: dict[str, list[_Grid]] = {}
    for grid in grids:
        by_finess.setdefault(grid.finess, []).append(grid)
    rows = []
    contacts = es["courriel"] if "courriel" in es else pd.Series("", index=es.index)
    for finess, name, contact in zip(es["finess"], es["raison_sociale"], contacts, strict=True):
        returned = by_finess.get(finess, [])
        if finess not in expected and not returned:
            continue
        missing: int | None = None  # values missing in a kept grid
        errors = sum(f.severity == "erreur" for g in returned for f in g.faults)
        if not returned:
            status = "manquante"
        elif finess not in kept:
            status = "invalide"
        else:
            missing = kept[finess].missing
            status = "incomplète" if missing else "reçue"
        received = max((dt.date.fromtimestamp(g.path.lstat().st_mtime) for g in returned), default=None)
        rows.append((finess, name, status, received, contact, missing, errors if returned else None,
                     ", ".join(g.name for g in returned)))
    return pd.DataFrame(rows, columns=["finess", "raison_sociale", "statut", "date_reception", "contact",
                                       "valeurs_manquantes", "anomalies", "fichier"])
