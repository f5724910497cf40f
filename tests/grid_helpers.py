"""Helpers of the grid tests: fill returned grids the way an establishment would."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from caqes_toolkit.data.dataset import MATURITY_STEPS


def header(sheet, *names: str) -> tuple[int, dict[str, int]]:
    """Row and column numbers of the header row holding ``names`` (found by text)."""
    for row in sheet.iter_rows(max_row=30):
        found = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if all(n in found for n in names):
            return row[0].row, {n: found[n] for n in names}
    raise AssertionError(f"en-tête {names} introuvable")


def typed(text: str) -> object:
    """What a person types: a number for « 62,5 », the text itself otherwise."""
    try:
        return float(text.replace(",", ".").replace("%", "").strip())
    except ValueError:
        return text


def value_cells(path: Path) -> dict[str, str]:
    """Code → coordinate of its Valeur cell in the Indicateurs sheet."""
    book = openpyxl.load_workbook(path)
    sheet = book["Indicateurs"]
    row, cols = header(sheet, "Code", "Valeur")
    out = {}
    for r in range(row + 1, sheet.max_row + 1):
        code = sheet.cell(row=r, column=cols["Code"]).value
        if code:
            out[str(code)] = sheet.cell(row=r, column=cols["Valeur"]).coordinate
    return out


def fill(path: Path, values: dict[str, object], maturity: list[object] | None = None) -> None:
    """Type ``values`` (code → value) in the Valeur cells, and the 7 maturity steps."""
    book = openpyxl.load_workbook(path)
    sheet = book["Indicateurs"]
    row, cols = header(sheet, "Code", "Valeur")
    for r in range(row + 1, sheet.max_row + 1):
        code = sheet.cell(row=r, column=cols["Code"]).value
        cell = sheet.cell(row=r, column=cols["Valeur"])
        if code in values and cell.protection.locked is False:
            cell.value = values[code]
    if maturity is not None:
        sheet = book["Maturité"]
        row, cols = header(sheet, "Étape", "Cotation")
        for step, value in enumerate(maturity, start=1):
            sheet.cell(row=row + step, column=cols["Cotation"]).value = value
    book.save(path)


def fill_from_data(folder: Path, data: Path, year: int) -> int:
    """Fill every grid of ``folder`` with the data folder's own year-``year`` values."""
    res = pd.read_csv(data / "resultats.csv", dtype=str, keep_default_na=False)
    mat = pd.read_csv(data / "maturite.csv", dtype=str, keep_default_na=False)
    res = res[res["annee"] == str(year)]
    mat = mat[mat["annee"] == str(year)].set_index("finess")
    n = 0
    for path in sorted(folder.glob("grille_*.xlsx")):
        finess = path.stem.split("_")[1]
        mine = res[res["finess"] == finess]
        values = {c: typed(v) for c, v in zip(mine["indicateur"], mine["valeur"]) if v.strip()}
        steps = ([typed(mat.loc[finess, s]) for s in MATURITY_STEPS] if finess in mat.index
                 else None)
        book = openpyxl.load_workbook(path)
        fill(path, values, steps if "Maturité" in book.sheetnames else None)
        n += 1
    return n
