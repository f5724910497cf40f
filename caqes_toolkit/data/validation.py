"""Checks and normalisation of the tables read by :mod:`caqes_toolkit.data.read`, as
:mod:`caqes_toolkit.data.tables` declares them (columns, kinds, keys, checks across columns).

Every fault of every table is listed, not only the first, each with its :class:`FaultCode`.
Checks are vectorised: a column is factorised, each distinct text is parsed once, the verdicts
are broadcast back to the rows with numpy, and :class:`Fault` objects are built for the bad
rows only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..errors import Fault, FaultCode, Severity
from ..formats import fmt_num
from ..rules.campaign import ACTIVITIES, Campaign, Indicator, VoletIndicator
from .files import Prefetch
from .names import name_key
from .raw import RawSource, RawTable, factorize
from .read import read_source
from .tables import CONTRACT_YEARS, NO_END_DATES, TABLES, ColumnSpec, TableSpec
from .tables import table as table_spec

__all__ = ["Checked", "check", "check_values", "contracts_in_force", "number_expectation", "validate", "write_faults"]

_FINESS = "(?:[0-9]{2}|2A|2B)[0-9]{7}"
# the spaces between digits (« 1 234,5 », no-break and narrow no-break ones too): every character
# Python's \s matches, written out because pandas hands such a class to Arrow's regex engine,
# which has no \s of the same meaning, four times faster than its Python fallback
_SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
# kinds of a value cell, ordered so that "kind >= _NUMBER" means "not oui/non/NC/empty"
_EMPTY, _NC, _YES, _NO, _NUMBER, _BAD = range(6)
# how an indicator's value is read
_UNKNOWN, _BINARY, _NUMERIC, _MATURITY = range(4)
_PerRow = Callable[[np.ndarray], Sequence[str]]  # bad row positions -> one text per row
_Measured = Indicator | VoletIndicator  # what a value of resultats is read for
# below this many rows, starting threads costs more than factorising columns in parallel saves
_PARALLEL_ROWS = 200_000
# NUL, C0 controls but tab and line breaks (a cell may hold several lines), DEL, C1 controls
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


@dataclass(frozen=True)
class Checked:
    """The outcome of :func:`check`: every fault, and the normalised tables (keyed by
    :class:`~caqes_toolkit.data.dataset.Dataset` field) or ``None`` when any fault is an error."""

    faults: tuple[Fault, ...]
    tables: dict[str, pd.DataFrame] | None


def validate(source: str | Path, campaign: Campaign, prefetched: Prefetch | None = None) -> list[Fault]:
    """Every fault (errors and warnings) of the data in a folder or an ``.xlsx`` or ``.ods`` workbook
    (``prefetched``: see :func:`~caqes_toolkit.data.load.load_dataset`).

    Never raises for bad data; raises :class:`~caqes_toolkit.errors.CaqesError` only when the
    path does not exist or is neither a folder nor a workbook.
    """
    return list(check(read_source(source, prefetched), campaign).faults)


def check(raw: RawSource, campaign: Campaign) -> Checked:
    """Check the raw tables against their declarations (:data:`~caqes_toolkit.data.tables.TABLES`)
    and normalise them (``resultats`` before the tables whose checks look at its latest year)."""
    faults: list[Fault] = list(raw.faults)
    frames: dict[str, pd.DataFrame] = {}
    known: pd.Series | None = None
    for spec in TABLES:
        read = raw.tables.get(spec.name)
        if read is None:
            if not raw.faults:  # an unreadable workbook is reported once, not per sheet
                faults += _missing_table(raw, spec)
            continue
        sink = _Sink(_without_total(_read_as_known(read, spec)))
        if _usable(sink, spec):
            _controls(sink)
            results = frames.get("results")
            latest = int(results["annee"].max()) if results is not None and len(results) else None
            frames[spec.field] = _check_table(sink, spec, _Context(campaign, known, latest))
            if any(c.kind == "finess_declared" for c in spec.columns):
                known = frames[spec.field]["finess"]
        faults += sink.sorted()
    if any(f.severity == "erreur" for f in faults):
        return Checked(tuple(faults), None)
    faults += _missing_expenses(raw, frames, campaign)
    tables = {spec.field: frames.get(spec.field, spec.empty()) for spec in TABLES}
    return Checked(tuple(faults), tables)


# --- fault collection ----------------------------------------------------------------------


@dataclass
class _Sink:
    """One table being checked: its stripped text and its faults (built for bad rows only)."""

    table: RawTable
    faults: list[Fault] = field(default_factory=list)
    _distinct: dict[str, tuple[np.ndarray, pd.Series]] = field(default_factory=dict)
    _stripped: set[str] = field(default_factory=set)  # columns where stripping changed a cell
    _controls: dict[str, np.ndarray] = field(default_factory=dict)  # rows with a control character
    _text: dict[str, pd.Series] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.frame

    def distinct(self, column: str) -> tuple[np.ndarray, pd.Series]:
        """Row codes into the distinct stripped texts of a column (each text parsed once)."""
        if column not in self._distinct:
            self._keep(column, _distinct(self.frame[column]))
        return self._distinct[column]

    def distinct_all(self) -> None:
        """:meth:`distinct` of every column, in parallel threads for a large table (Arrow's
        hash kernel releases the GIL: two cores factorise a region's results in 60 % of the
        time of one)."""
        columns = [c for c in self.frame.columns if c not in self._distinct]
        workers = min(len(columns), os.cpu_count() or 1) if len(self.frame) >= _PARALLEL_ROWS else 1
        if workers <= 1:
            return
        with ThreadPoolExecutor(workers) as pool:
            found = pool.map(_distinct, [self.frame[c] for c in columns])
            for column, distinct in zip(columns, found, strict=True):
                self._keep(column, distinct)

    def _keep(self, column: str, distinct: tuple[np.ndarray, pd.Series, bool, np.ndarray | None]) -> None:
        codes, uniques, stripped, controls = distinct
        self._distinct[column] = (codes, uniques)
        if stripped:
            self._stripped.add(column)
        if controls is not None:
            self._controls[column] = controls

    def text(self, column: str) -> pd.Series:
        """The column with surrounding spaces stripped (the column itself when it has none)."""
        if column not in self._text:
            codes, uniques = self.distinct(column)
            self._text[column] = _spread(uniques, codes, self.frame[column],
                                         unchanged=not self.is_stripped(column))
        return self._text[column]

    def controls(self, column: str) -> np.ndarray | None:
        """Mask of the rows whose cell holds a control character (``None``: no such row)."""
        self.distinct(column)
        return self._controls.get(column)

    def is_stripped(self, column: str) -> bool:
        """Whether stripping changed some cell of the column."""
        self.distinct(column)
        return column in self._stripped

    def add(self, line: int | None, column: str | None, value: str | None, expected: str,
            severity: Severity = "erreur", *, code: FaultCode) -> None:
        self.faults.append(Fault(self.table.label, line, column, value, expected, severity, code=code))

    def rows(self, mask: np.ndarray, column: str, expected: str | _PerRow,
             severity: Severity = "erreur", values: _PerRow | None = None, *,
             code: FaultCode) -> None:
        """One fault per ``mask`` row (``expected`` and ``values`` per row when callable)."""
        rows = np.flatnonzero(mask)
        if not rows.size:
            return
        lines = self.table.lines[rows].tolist()
        got = values(rows) if values else self.text(column).take(rows).tolist()
        wanted = [expected] * rows.size if isinstance(expected, str) else expected(rows)
        count = rows.size
        self.faults.extend(map(partial(Fault, code=code), repeat(self.table.label, count), lines,
                               repeat(column, count), got, wanted, repeat(severity, count)))

    def texts(self, bad: np.ndarray, column: str, expected: str | _PerRow,
              severity: Severity = "erreur", *, code: FaultCode) -> None:
        """:meth:`rows` for a mask over the column's distinct texts: the rows are looked up
        only when some text is bad (millions of rows, usually none)."""
        if bad.any():
            self.rows(bad[self.distinct(column)[0]], column, expected, severity, code=code)

    def sorted(self) -> list[Fault]:
        """Faults of the table first (line None), then by line and column position."""
        where = {name: i for i, name in enumerate(self.table.header)}
        every = [*self.table.faults, *self.faults]
        return sorted(every, key=lambda f: (f.line or 0,
                                            where.get((f.column or "").split(",")[0], -1)))


def _distinct(column: pd.Series) -> tuple[np.ndarray, pd.Series, bool, np.ndarray | None]:
    """Row codes, the distinct texts stripped of surrounding spaces, whether stripping changed
    some text (" A01" and "A01" become one value), and the mask of the rows holding a control
    character (``None``: none). Those are looked for before stripping, which would remove some
    of them unseen (U+000B, U+000C, U+0085 at either end of a cell)."""
    codes, uniques = factorize(column)
    control = uniques.str.contains(_CONTROL, regex=True).to_numpy(bool)
    controls = control[codes] if control.any() else None
    stripped = uniques.str.strip()
    if (stripped == uniques).all():
        return codes, uniques, False, controls
    recoded, stripped = pd.factorize(stripped)
    return recoded[codes], pd.Series(stripped, dtype="str"), True, controls


def _missing_table(raw: RawSource, spec: TableSpec) -> list[Fault]:
    if not spec.required:
        return []
    name, columns = spec.name, ", ".join(spec.required_columns)
    what = f"une feuille « {name} »" if raw.is_workbook else f"le fichier obligatoire {name}.csv"
    kind = "feuilles trouvées" if raw.is_workbook else "fichiers trouvés"
    found = f" ; {kind} : {_quoted(raw.unread)}{_did_you_mean(name, raw.unread)}" if raw.unread else ""
    return [Fault(raw.label(name), None, None, None, f"{what} (colonnes {columns}){found}",
                  code=FaultCode.MISSING_TABLE)]


def _quoted(names: Sequence[str], most: int = 12) -> str:
    shown = ", ".join(f"« {n} »" for n in names[:most])
    return shown + (f" et {len(names) - most} autres" if len(names) > most else "")


def _did_you_mean(expected: str, found: Sequence[str]) -> str:
    """« vouliez-vous dire « … » ? » naming the found name closest to ``expected``, if any."""
    keys = {name_key(n.rsplit(".", 1)[0] if n.lower().endswith(".csv") else n): n for n in found}
    close = get_close_matches(name_key(expected), list(keys), n=1)
    return f" ; vouliez-vous dire « {keys[close[0]]} » ?" if close else ""


def _read_as_known(table: RawTable, spec: TableSpec) -> RawTable:
    """Headers typed as an analyst types them (« Année », « Produits AM (€) ») read as the
    expected column when exactly one matches (:func:`~caqes_toolkit.data.names.name_key`), with a
    warning each; two headers read as one column are an error naming both."""
    known = spec.known_columns
    keys = {name_key(k): k for k in known}
    target = {h: keys.get(name_key(h), h) for h in table.header if h and h not in known}
    sources: dict[str, list[str]] = {}
    for header in dict.fromkeys(table.header):
        if header:
            sources.setdefault(target.get(header, header), []).append(header)
    faults, renamed = [], {}
    for column, names in sources.items():
        if len(names) > 1:
            faults.append(Fault(table.label, 1, column, None, "des noms de colonnes uniques : "
                                f"{' et '.join(f'« {n} »' for n in names)} se lisent toutes comme "
                                f"« {column} » (renommer ou supprimer l'une d'elles)",
                                code=FaultCode.DUPLICATE_COLUMN))
        elif names[0] != column:
            renamed[names[0]] = column
            faults.append(Fault(table.label, 1, column, names[0], f"la colonne « {column} » : "
                                f"en-tête « {names[0]} » lu comme « {column} »", "avertissement",
                                code=FaultCode.RENAMED_COLUMN))
    if not faults:
        return table
    return replace(table, header=tuple(renamed.get(h, h) for h in table.header),
                   frame=table.frame.rename(columns=renamed), faults=(*table.faults, *faults))


_TOTAL = re.compile(r"(?i)\s*(sous-)?tota(l|ux)\b.*")
_AMOUNT = re.compile(r"[-+]?[0-9][0-9\s\u00a0\u202f]*([.,][0-9]+)?\s*[%€]?")


def _without_total(table: RawTable) -> RawTable:
    """The table without a trailing total row (first cell « Total », or no FINESS and numbers
    only), reported once: a total is not an establishment."""
    frame = table.frame
    if frame.empty:
        return table
    last = [str(cell).strip() for cell in frame.iloc[-1].tolist()]
    filled = [cell for cell in last if cell]
    labelled = bool(filled) and bool(_TOTAL.fullmatch(filled[0]))
    numbers_only = ("finess" in frame and not frame["finess"].iat[-1].strip() and bool(filled)
                    and all(_AMOUNT.fullmatch(cell) for cell in filled))
    if not (labelled or numbers_only):
        return table
    line = int(table.lines[-1])
    fault = Fault(table.label, line, None, " | ".join(filled),
                  f"une ligne par {'établissement' if table.name == 'etablissements' else 'donnée'}, "
                  f"sans ligne de total : la ligne {line} ressemble à un total ; la supprimer "
                  "(l'outil calcule lui-même les totaux)", code=FaultCode.TOTAL_ROW)
    return replace(table, frame=frame.iloc[:-1], lines=table.lines[:-1], faults=(*table.faults, fault))


def _title_line(table: RawTable, spec: TableSpec) -> Fault | None:
    """One fault when the expected header is found a few lines down (a title line above it)."""
    columns = spec.required_columns
    required = {name_key(c) for c in columns}
    for offset, row in enumerate(table.head):
        if required <= {name_key(cell) for cell in row}:
            line = offset + 2
            title = " ".join(cell.strip() for cell in table.header if cell.strip())
            return Fault(table.label, 1, None, title or None,
                         f"l'en-tête ({', '.join(columns)}) en ligne 1 : il est "
                         f"en ligne {line}, sous un titre ou des lignes de texte ; supprimer les "
                         f"lignes 1 à {line - 1} pour que l'en-tête soit la première ligne",
                         code=FaultCode.TITLE_ROW)
    return None


def _usable(sink: _Sink, spec: TableSpec) -> bool:
    """Check the header and emptiness; True when the rows can be checked."""
    table, required = sink.table, spec.required_columns
    severity: Severity = "erreur" if spec.required else "avertissement"
    if not table.has_header and any(f.severity == "erreur" for f in table.faults):  # unreadable
        return False
    if not table.has_header:
        title = _title_line(table, spec)  # blank lines above the header
        if title is not None:
            sink.faults.append(title)
            return False
        sink.add(None, None, None, f"un en-tête ({', '.join(required)}) et au moins une ligne "
                 "de données (fichier ou feuille vide)", severity, code=FaultCode.EMPTY_TABLE)
        return False
    known = spec.known_columns
    missing = [c for c in required if c not in table.header]
    title = _title_line(table, spec) if missing else None
    if title is not None:
        sink.faults.append(title)
        return False
    seen: set[str] = set()
    for column in table.header:
        if column in seen and column in known:
            sink.add(1, column, column, "des noms de colonnes uniques (colonne en double)",
                     code=FaultCode.DUPLICATE_COLUMN)
        elif column and column not in known and column not in seen:
            sink.add(1, column, column, f"une colonne parmi {', '.join(known)} (colonne ignorée)"
                     f"{_did_you_mean(column, missing)}", "avertissement", code=FaultCode.EXTRA_COLUMN)
        seen.add(column)
    unknown = [c for c in table.header if c and c not in known]
    found = f" ; colonnes trouvées : {_quoted(unknown)}" if unknown else ""
    for column in missing:
        sink.add(None, column, None, f"une colonne « {column} » (colonnes obligatoires : "
                 f"{', '.join(required)}){found}{_did_you_mean(column, unknown)}",
                 code=FaultCode.MISSING_COLUMN)
    if not missing and table.frame.empty:
        sink.add(None, None, None, "au moins une ligne de données sous l'en-tête", severity,
                 code=FaultCode.EMPTY_TABLE)
        return False
    return not missing


# --- distinct values -----------------------------------------------------------------------


def _spread(normal: pd.Series, codes: np.ndarray, original: pd.Series,
            unchanged: bool) -> pd.Series:
    """Rows of a normalised distinct-value column; ``original`` itself when ``unchanged``
    (the common case, which spares building millions of strings)."""
    if unchanged:
        return original
    return pd.Series(normal.array.take(codes), dtype="str")


def _numbers(text: pd.Series, suffix: str = "%") -> tuple[np.ndarray, np.ndarray]:
    """Numbers written the French way ("45,5 %", "1 234,5", "−2,5" with the minus sign of
    typeset text), and where parsing succeeded."""
    cleaned = (text.str.replace(_SPACES, "", regex=True).str.removesuffix(suffix)
               .str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False))
    values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, np.isfinite(values)


def _value_kinds(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Kind (_EMPTY … _BAD) and number of each value text; oui/non read as 1/0."""
    lower = text.str.lower()
    numbers, ok = _numbers(text)
    kinds = np.select(
        [(text == "").to_numpy(bool), (lower == "nc").to_numpy(bool),
         (lower == "oui").to_numpy(bool), (lower == "non").to_numpy(bool), ok],
        [_EMPTY, _NC, _YES, _NO, _NUMBER], _BAD,
    ).astype(np.int8)
    numbers = np.select([kinds == _NUMBER, kinds == _YES, kinds == _NO], [numbers, 1.0, 0.0],
                        np.nan)
    return kinds, numbers


# --- column checks -------------------------------------------------------------------------


def _finess(sink: _Sink, known: pd.Series | None,
            check_key: bool = False) -> tuple[pd.Series, np.ndarray]:
    """Normalised FINESS (upper case) and row key codes; reports malformed FINESS, FINESS
    absent from etablissements (when ``known`` is given), and wrong check keys (warning)."""
    codes, uniques = sink.distinct("finess")
    normal = uniques.str.upper()
    well = normal.str.fullmatch(_FINESS).to_numpy(bool)
    sink.texts(~well, "finess",
               "un FINESS de 9 caractères : 2 chiffres (ou 2A, 2B) puis 7 chiffres",
               code=FaultCode.INVALID_FINESS)
    if known is not None:
        registered = set(known.tolist())
        absent = well & np.array([f not in registered for f in normal.tolist()], dtype=bool)
        sink.texts(absent, "finess", "un FINESS déclaré dans etablissements",
                   code=FaultCode.UNKNOWN_FINESS)
    if check_key:
        sink.texts(well & ~_luhn_ok(normal), "finess",
                   "un FINESS dont le 9e chiffre est la clé de Luhn des 8 premiers "
                   "(clé incorrecte ou erreur de saisie ?)", "avertissement",
                   code=FaultCode.FINESS_CHECK_DIGIT)
    key, _ = pd.factorize(normal)
    unchanged = not sink.is_stripped("finess") and bool((normal == uniques).all())
    return _spread(normal, codes, sink.frame["finess"], unchanged), key[codes]


def _luhn_ok(finess: pd.Series) -> np.ndarray:
    """False where a 9-digit FINESS's 9th digit is not the Luhn key of its first eight.

    Only all-digit FINESS are checked: the key rule is unconfirmed for Corsica (2A/2B, never
    checked here) and for overseas codes (97x, 98x: checked, but a mismatch is only a warning).
    """
    ok = np.ones(len(finess), dtype=bool)
    digital = finess.str.fullmatch("[0-9]{9}").to_numpy(bool)
    if digital.any():
        text = "".join(finess[digital].tolist()).encode("ascii")
        digits = (np.frombuffer(text, dtype=np.uint8) - ord("0")).reshape(-1, 9).astype(np.int64)
        doubled = digits[:, 1:8:2] * 2  # every second payload digit, from the right one
        doubled -= 9 * (doubled > 9)
        ok[digital] = (digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)) % 10 == 0
    return ok


def _years(sink: _Sink) -> tuple[np.ndarray, np.ndarray]:
    """Years as int64 (0 where bad) and row key codes; reports non-integer years. A year typed
    in a date cell is read as its year, with one warning per distinct date."""
    codes, uniques = sink.distinct("annee")
    ok = uniques.str.fullmatch("[0-9]{4}").to_numpy(bool, copy=True)
    years = np.zeros(len(uniques), dtype=np.int64)
    years[ok] = uniques[ok].astype("int64").to_numpy()
    dated = _dated_years(uniques[~ok])
    if dated:
        at = np.flatnonzero(~ok)[list(dated)]
        years[at], ok[at] = list(dated.values()), True
        first = np.zeros(len(codes), dtype=bool)
        first[pd.Series(codes).drop_duplicates().index.to_numpy()] = True
        sink.rows(first & np.isin(codes, at), "annee", lambda rows: [
            f"une année (ex. 2018) : la date « {uniques.iat[codes[r]]} » est lue comme l'année "
            f"{years[codes[r]]} (cellule au format date ; la mettre au format nombre)"
            for r in rows.tolist()], "avertissement", code=FaultCode.YEAR_AS_DATE)
    _bad_cells(sink, "annee", uniques, ok, "une année entière sur 4 chiffres (ex. 2018)")
    return years[codes], codes


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _dated_years(texts: pd.Series) -> dict[int, int]:
    """Position → year of the texts that are a year typed in a date cell: 1 January of that
    year (2019-01-01), or the date whose spreadsheet serial number is the year (2019 typed in
    a cell formatted as a date shows 11/07/1905)."""
    if texts.empty:
        return {}
    parts = texts.str.extract(_ISO_DATE)
    dates = pd.to_datetime(parts[0] + "-" + parts[1] + "-" + parts[2], format="%Y-%m-%d", errors="coerce")
    found = {}
    for position, date in enumerate(dates.tolist()):
        if pd.isna(date):
            continue
        serial = (date - _EXCEL_EPOCH).days
        if (date.month, date.day) == (1, 1) and 1900 < date.year < 2200:
            found[position] = date.year
        elif 1990 <= serial <= 2100:
            found[position] = serial
    return found


def _indicators(sink: _Sink, campaign: Campaign) -> tuple[np.ndarray, list[_Measured | None]]:
    """Row codes and the indicator of each distinct code; reports unknown codes."""
    codes, uniques = sink.distinct("indicateur")
    found = [campaign.by_code.get(code) or _volet_objective(campaign, code)
             for code in uniques.tolist()]
    unknown = np.array([ind is None for ind in found], dtype=bool)
    all_codes = list(campaign.by_code) or list(campaign.volet_indicators)  # second generation: volets only
    sink.texts(unknown, "indicateur",
               f"un code d'indicateur de la campagne {campaign.name} "
               f"({', '.join(all_codes[:3])}, …, {all_codes[-1]})", code=FaultCode.UNKNOWN_INDICATOR)
    return codes, found


def number_expectation(ind: Indicator | VoletIndicator) -> str:
    """What a value of a numeric indicator must be, in French (« un nombre entre 0 et 100
    (unité %) »): the text of data faults and of the self-evaluation grids' prompts."""
    if ind.rule == "maturite":
        return "un pourcentage entre 0 et 100 (score de maturité)"
    if ind.unit == "%":
        return "un nombre entre 0 et 100 (unité %)"
    if ind.unit == "%/an":
        return "un nombre (unité %/an, négatif possible)"
    return f"un nombre (unité {ind.unit})" if ind.unit else "un nombre"


def _value_expectation(ind: _Measured | None) -> str:
    if ind is None:
        return ""
    if ind.rule == "binaire":
        return f"« oui », « non », « NC » ou vide (indicateur {ind.code}, règle binaire)"
    rule = f"indicateur {ind.code}, règle {ind.rule}"
    return f"{number_expectation(ind)}, « NC » ou vide ({rule})"


def _values(sink: _Sink, ind_codes: np.ndarray,
            indicators: list[_Measured | None]) -> dict[str, pd.Series | np.ndarray]:
    """``valeur``, ``nc`` and ``brut`` of results or adjustments; reports values that do not
    fit their indicator's rule (binaire, number, maturity percentage) or unit (% in 0–100)."""
    codes, uniques = sink.distinct("valeur")
    kinds_u, numbers_u = _value_kinds(uniques)
    kinds, numbers = kinds_u[codes], numbers_u[codes]
    read_as = np.array([_UNKNOWN if i is None else _BINARY if i.rule == "binaire"
                        else _MATURITY if i.rule == "maturite" else _NUMERIC for i in indicators],
                       dtype=np.int8)
    expectations = np.array([_value_expectation(i) for i in indicators], dtype=object)
    per_row: _PerRow = lambda rows: expectations[ind_codes[rows]].tolist()  # noqa: E731
    # whether a kind of text fits a way of reading: one lookup per row, [read_as, kind]
    wrong_type = np.zeros((4, _BAD + 1), dtype=bool)
    wrong_type[_BINARY, _NUMBER:] = True
    wrong_type[_NUMERIC:, [_YES, _NO, _BAD]] = True
    sink.rows(wrong_type[read_as[ind_codes], kinds], "valeur", per_row, code=FaultCode.TYPE_ERROR)
    with np.errstate(invalid="ignore"):
        outside = (kinds_u == _NUMBER) & ((numbers_u < 0) | (numbers_u > 100))
    if outside.any():  # looked up by row only when some text is a number outside 0–100
        bounded = np.array([i is not None and (i.unit == "%" or i.rule == "maturite")
                            for i in indicators], dtype=bool)
        sink.rows(bounded[ind_codes] & outside[codes], "valeur", per_row, code=FaultCode.OUT_OF_RANGE)
    return {"valeur": numbers, "nc": kinds == _NC, "brut": sink.text("valeur")}


def _duplicates(sink: _Sink, keys: dict[str, np.ndarray]) -> None:
    """Report every row whose key was already seen, naming the line of its first occurrence."""
    parts = list(keys.values())
    key = np.array(parts[0], dtype=np.int64)
    for part in parts[1:]:  # one int64 per row: key * size + part, re-coded if it could overflow
        size = int(part.max(initial=0)) + 1
        if int(key.max(initial=0)) + 1 > 2**62 // size:
            key = pd.factorize(key)[0].astype(np.int64)
        key *= size
        key += part
    if len(key) > 1 and bool((key[1:] > key[:-1]).all()):
        return  # fast path: rows in key order (as exports list them), so all distinct
    size = int(key.max(initial=-1)) + 1
    if size < 8 * len(key) + 1024:  # fast path for compact keys: all distinct?
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        if np.count_nonzero(seen) == len(key):
            return
    repeated = pd.Series(key).duplicated().to_numpy()
    if not repeated.any():
        return
    group, _ = pd.factorize(key)  # ids in order of first appearance: k-th first row is group k
    first_lines = sink.table.lines[np.flatnonzero(~repeated)[group]]
    columns = list(keys)
    sink.rows(
        repeated, ", ".join(columns),
        lambda rows: [f"une seule ligne par ({', '.join(columns)}) : doublon de la ligne {n}"
                      for n in first_lines[rows].tolist()],
        values=lambda rows: [" / ".join(v) for v in zip(
            *(sink.text(c).take(rows).tolist() for c in columns), strict=True)],
        code=FaultCode.DUPLICATE_ROW)


def _choice(sink: _Sink, column: str, allowed: dict[str, str], expected: str) -> pd.Series:
    """Case-insensitive choice among ``allowed`` (text → normalised value); reports others."""
    codes, uniques = sink.distinct(column)
    mapped = uniques.str.lower().map(allowed)
    sink.texts(mapped.isna().to_numpy(bool), column, expected, code=FaultCode.INVALID_CHOICE)
    return pd.Series(mapped.fillna("").array.take(codes))


def _activities(sink: _Sink) -> pd.Series:
    """Canonical activities ("MCO;SSR" in ACTIVITIES order); reports unknown or none."""
    codes, uniques = sink.distinct("activites")
    canonical, bad = [], []
    for text in uniques.tolist():
        found = {part.strip().upper() for part in re.split("[;,]", text)} - {""}
        canonical.append(";".join(a for a in ACTIVITIES if a in found))
        bad.append(not found or not found <= set(ACTIVITIES))
    sink.texts(np.array(bad, dtype=bool), "activites", f"une ou plusieurs activités parmi "
               f"{', '.join(ACTIVITIES)}, séparées par « ; » ou « , »", code=FaultCode.INVALID_CHOICE)
    return pd.Series(np.array(canonical, dtype=object)[codes], dtype="str")


def _bounded_numbers(sink: _Sink, column: str, low: float, high: float | None, expected: str,
                     suffix: str = "%", allow_empty: bool = False) -> np.ndarray:
    """Numbers of a column within [low, high]; reports others (and empty cells unless allowed)."""
    codes, uniques = sink.distinct(column)
    numbers, ok = _numbers(uniques, suffix)
    with np.errstate(invalid="ignore"):
        outside = ok & ~((numbers >= low) & (numbers <= (np.inf if high is None else high)))
    _bad_cells(sink, column, uniques, ok, expected, allow_empty)
    sink.texts(outside, column, expected, code=FaultCode.OUT_OF_RANGE)
    return numbers[codes]


def _bad_cells(sink: _Sink, column: str, uniques: pd.Series, ok: np.ndarray, expected: str,
               allow_empty: bool = False) -> None:
    """Report the cells that do not read (``ok`` false for their distinct text): empty ones
    (unless allowed) as ``blank-cell``, the others as ``type-error``."""
    empty = (uniques == "").to_numpy(bool)
    sink.texts(empty & ~ok & (not allow_empty), column, expected, code=FaultCode.BLANK_CELL)
    sink.texts(~empty & ~ok, column, expected, code=FaultCode.TYPE_ERROR)


# --- tables --------------------------------------------------------------------------------


def _controls(sink: _Sink) -> None:
    """Report every cell holding a control character (NUL, ESC, C1…), in any column."""
    sink.distinct_all()
    for column in sink.frame.columns:
        rows = sink.controls(column)
        if rows is not None:
            sink.rows(rows, column, "un texte sans caractère de contrôle (caractère nul, "
                      "échappement, U+0080 à U+009F… : reste d'un export ou d'un copier-coller ; "
                      "le supprimer)", values=partial(_cells, sink.frame[column]),
                      code=FaultCode.CONTROL_CHARACTER)


def _cells(column: pd.Series, rows: np.ndarray) -> list[str]:
    """The cells of ``rows`` as the file holds them (not stripped)."""
    return column.take(rows).tolist()


def _filled(sink: _Sink, column: str, what: str) -> None:
    """Report empty cells of a column that must be filled."""
    blank = (sink.distinct(column)[1] == "").to_numpy(bool)
    sink.texts(blank, column, f"un texte non vide ({what})", code=FaultCode.BLANK_CELL)


# --- tables: the columns as tables.py declares them ------------------------------------------


@dataclass
class _Context:
    """What the columns of one table share while they are checked: the campaign, the FINESS
    of etablissements, and each parsed column and its row keys (for keys and checks across
    columns)."""

    campaign: Campaign
    known: pd.Series | None
    latest: int | None = None  # the latest year with results: the year a validation looks at
    columns: dict[str, pd.Series | np.ndarray] = field(default_factory=dict)
    keys: dict[str, np.ndarray] = field(default_factory=dict)
    indicators: tuple[np.ndarray, list[_Measured | None]] = (np.empty(0, np.int64), [])


def _check_table(sink: _Sink, spec: TableSpec, ctx: _Context) -> pd.DataFrame:
    """Each column read by its kind, the key's duplicates, then the checks across columns."""
    for column in spec.columns:
        if not column.read:
            continue
        if column.name in sink.frame:
            _PARSERS[column.kind](sink, column, ctx)
        else:  # an optional column absent: empty
            n = len(sink.frame)
            ctx.columns[column.name] = (np.full(n, np.nan) if column.dtype == "float64" else
                                        pd.Series([""] * n, dtype="str"))
    _duplicates(sink, {c: ctx.keys[c] for c in spec.key if c in ctx.keys})
    for name in spec.checks:
        _TABLE_CHECKS[name](sink, ctx)
    return _frame(spec, ctx.columns)


def _keep(ctx: _Context, name: str, values: pd.Series | np.ndarray, key: np.ndarray) -> None:
    ctx.columns[name], ctx.keys[name] = values, key


def _parse_finess(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    _keep(ctx, column.name, *_finess(sink, ctx.known))


def _parse_declared_finess(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    _keep(ctx, column.name, *_finess(sink, None, check_key=True))


def _parse_year(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    _keep(ctx, column.name, *_years(sink))


def _parse_indicator(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    ctx.indicators = _indicators(sink, ctx.campaign)
    _keep(ctx, column.name, sink.text(column.name), ctx.indicators[0])


def _parse_value(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    ctx.columns.update(_values(sink, *ctx.indicators))


def _parse_reference_value(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    ctx.columns[column.name] = _reference_values(sink, *ctx.indicators, column=column.name)


def _parse_text(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    if column.kind == "filled":
        _filled(sink, column.name, column.expected)
    _keep(ctx, column.name, sink.text(column.name), sink.distinct(column.name)[0])


def _parse_yes_no(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    answer = _choice(sink, column.name, {"oui": "oui", "non": "non"}, "« oui » ou « non »")
    ctx.columns[column.name] = (answer == "oui").to_numpy(bool)


def _parse_choice(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    chosen = _choice(sink, column.name, dict(column.choices), column.expected)
    _keep(ctx, column.name, chosen, pd.factorize(chosen)[0])


def _parse_activities(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    ctx.columns[column.name] = _activities(sink)


def _parse_number(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    ctx.columns[column.name] = _bounded_numbers(
        sink, column.name, column.low or 0, column.high, column.expected, suffix=column.suffix,
        allow_empty=column.allow_empty)


def _parse_date(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    dates = _dates(sink, column)
    _keep(ctx, column.name, dates, pd.factorize(dates, use_na_sentinel=False)[0])


def _parse_volet(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    campaign = ctx.campaign
    # "\n" never matches a stripped cell: it keeps the mapping's values text when there is no volet
    codes = {v.code.lower(): v.code for v in campaign.volets} or {"\n": "\n"}
    listed = ", ".join(v.code for v in campaign.volets)
    volet = _choice(sink, column.name, codes, f"un volet de la campagne {campaign.name} ({listed})"
                    if listed else f"un volet de la campagne ; {campaign.name} n'en définit "
                    "aucun (clé « volets » du fichier de campagne)")
    _keep(ctx, column.name, volet, pd.factorize(volet)[0])


def _parse_expense_line(sink: _Sink, column: ColumnSpec, ctx: _Context) -> None:
    campaign, lines = ctx.campaign, ctx.campaign.expense_lines
    poste = _choice(sink, column.name, {p.lower(): p for p in lines} or {"\n": "\n"},
                    f"un poste de dépense des volets de la campagne {campaign.name} "
                    f"({', '.join(lines)})" if lines else
                    f"un poste de dépense ; {campaign.name} n'en définit aucun (règle « depense »)")
    _keep(ctx, column.name, poste, pd.factorize(poste)[0])


_PARSERS: dict[str, Callable[[_Sink, ColumnSpec, _Context], None]] = {
    "finess": _parse_finess, "finess_declared": _parse_declared_finess, "year": _parse_year,
    "indicator": _parse_indicator, "value": _parse_value, "reference_value": _parse_reference_value,
    "target_value": _parse_reference_value,
    "text": _parse_text, "filled": _parse_text, "yes_no": _parse_yes_no, "choice": _parse_choice,
    "activities": _parse_activities, "number": _parse_number, "date": _parse_date,
    "volet": _parse_volet, "expense_line": _parse_expense_line,
}


# --- checks across columns -------------------------------------------------------------------


def _fractions_by_establishment(sink: _Sink, ctx: _Context) -> None:
    """Results: % values all in [0, 1] for one establishment and year (see :func:`_fractions`)."""
    ind_codes, indicators = ctx.indicators
    finess, years = ctx.columns["finess"], ctx.columns["annee"]
    finess_key, year_key = ctx.keys["finess"], ctx.keys["annee"]
    goal = np.array([_percent_above_one(i) for i in indicators], dtype=bool)[ind_codes]

    def groups() -> np.ndarray:  # establishment × year
        return finess_key.astype(np.int64) * (int(year_key.max(initial=0)) + 1) + year_key

    _fractions(sink, groups, goal, np.asarray(ctx.columns["valeur"]),
               lambda row: f"de {pd.Series(finess).iat[row]} pour {years[row]}")


def _reference_fractions(sink: _Sink, ctx: _Context) -> None:
    """References: % values all in [0, 1] (see :func:`_fractions`)."""
    ind_codes, indicators = ctx.indicators
    values = np.asarray(ctx.columns["valeur"])
    percent = np.array([i is not None and i.unit == "%" for i in indicators], dtype=bool)[ind_codes]
    _fractions(sink, lambda: np.zeros(len(values), dtype=np.int64), percent, values, lambda row: "de référence")


def _reference_values(sink: _Sink, ind_codes: np.ndarray, indicators: list[_Measured | None],
                      column: str = "valeur") -> np.ndarray:
    """Reference values (or targets): a number (0–100 for a % indicator); reports others, empty included."""
    codes, uniques = sink.distinct(column)
    numbers_u, ok_u = _numbers(uniques)
    numbers, ok = numbers_u[codes], ok_u[codes]
    bounded = np.array([i is not None and i.unit == "%" for i in indicators], dtype=bool)[ind_codes]
    known = np.array([i is not None for i in indicators], dtype=bool)[ind_codes]
    with np.errstate(invalid="ignore"):
        outside = known & ok & bounded & ((numbers < 0) | (numbers > 100))
    expectations = np.array([i and f"{number_expectation(i)} pour l'indicateur {i.code}"
                             for i in indicators], dtype=object)
    per_row: _PerRow = lambda rows: expectations[ind_codes[rows]].tolist()  # noqa: E731
    empty = (uniques == "").to_numpy(bool)[codes]
    sink.rows(known & empty, column, per_row, code=FaultCode.BLANK_CELL)
    sink.rows(known & ~ok & ~empty, column, per_row, code=FaultCode.TYPE_ERROR)
    sink.rows(outside, column, per_row, code=FaultCode.OUT_OF_RANGE)
    return numbers


def _percent_above_one(ind: _Measured | None) -> bool:
    """A % indicator whose target (or best threshold) is above 1 %, or a reference."""
    if ind is None or ind.unit != "%":
        return False
    if ind.rule == "cible":
        return isinstance(ind.target, str) or (ind.target is not None and ind.target > 1)
    return ind.rule == "seuils" and max(t for t, _ in ind.thresholds or ((0, 0),)) > 1


def _fractions(sink: _Sink, groups: Callable[[], np.ndarray], percent: np.ndarray, numbers: np.ndarray,
               whose: Callable[[int], str], column: str = "valeur") -> None:
    """Report groups whose % values all lie in [0, 1] (two at least, one strictly inside):
    45,5 % typed as 0.455 in a plain cell. One fault at the group's first such row.

    ``groups()`` gives each row's group as a small non-negative integer; it is called only when
    some % value lies strictly inside (0, 1), and only those values' groups are looked at.
    """
    with np.errstate(invalid="ignore"):
        somewhere_inside = percent & (numbers > 0) & (numbers < 1)
    if not somewhere_inside.any():
        return
    group = groups()
    candidate = np.zeros(int(group.max(initial=0)) + 1, dtype=bool)
    candidate[group[somewhere_inside]] = True
    rows = np.flatnonzero(candidate[group] & percent & np.isfinite(numbers))
    key, _ = pd.factorize(group[rows])
    values = numbers[rows]
    inside = (values > 0) & (values < 1)
    count = np.bincount(key)
    flagged = ((count >= 2) & (np.bincount(key[(values < 0) | (values > 1)], minlength=len(count)) == 0)
               & (np.bincount(key[inside], minlength=len(count)) > 0))
    if not flagged.any():
        return
    in_flagged = flagged[key]
    _, first = np.unique(key[in_flagged], return_index=True)  # groups in key order
    _, example = np.unique(key[in_flagged & inside], return_index=True)
    starts, sizes = rows[in_flagged][first], count[key[in_flagged][first]]
    texts = {}
    for start, size, at in zip(starts.tolist(), sizes.tolist(),
                               rows[in_flagged & inside][example].tolist(), strict=True):
        seen = f"{numbers[at]:.10g}".replace(".", ",")
        meant = f"{numbers[at] * 100:.10g}".replace(".", ",")
        texts[start] = (f"des pourcentages de 0 à 100 : les {size} valeurs "
                        f"en % {whose(start)} sont toutes entre 0 et 1 (ex. {seen}) : des "
                        f"fractions au lieu de pourcentages ? Saisir {meant} pour {meant} %")
    mask = np.zeros(len(numbers), dtype=bool)
    mask[starts] = True
    sink.rows(mask, column, lambda at: [texts[row] for row in at.tolist()],
              code=FaultCode.PERCENT_AS_FRACTION)




def _frame(spec: TableSpec, columns: dict[str, pd.Series | np.ndarray]) -> pd.DataFrame:
    """A normalised table: the declared columns, in order, with their dtypes."""
    data = {c: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v)
            for c, v in columns.items()}
    return pd.DataFrame(data, columns=list(spec.names), copy=False).astype(spec.dtypes)


def write_faults(faults: Sequence[Fault], path: Path) -> None:
    """Write every fault (fichier, ligne, colonne, valeur, attendu, gravite, code), atomically, to
    a ``.csv`` file (values verbatim, for programs) or an ``.xlsx`` workbook (for people: a value
    such as « =HYPERLINK(…) » stays a text, see :func:`~caqes_toolkit.outputs.write_table`)."""
    from ..outputs import write_table

    table = pd.DataFrame({
        "fichier": [f.source for f in faults],
        "ligne": pd.array([f.line for f in faults], dtype="Int64"),
        "colonne": [f.column for f in faults], "valeur": [f.value for f in faults],
        "attendu": [f.expected for f in faults], "gravite": [f.severity for f in faults],
        "code": [str(f.code) for f in faults]})
    write_table({"anomalies": table}, path)


def check_values(campaign: Campaign, values: dict[str, object],
                 source: str = "simulation") -> tuple[pd.DataFrame, list[Fault]]:
    """Indicator values given outside a file (a what-if simulation), checked exactly as the
    ``valeur`` column of ``resultats`` is: same parsing, same rules (binaire: oui/non/NC, a %
    unit or a maturity in 0–100, …). Returns the rows (indicateur, valeur, nc, brut) and the
    faults, each with ``source``, no line, and the indicator code as its column."""
    codes = [str(code) for code in values]
    frame = pd.DataFrame({"indicateur": codes, "valeur": [str(v) for v in values.values()]}, dtype="str")
    sink = _Sink(RawTable("resultats", source, ("indicateur", "valeur"), frame, np.arange(len(frame))))
    ind_codes, indicators = _indicators(sink, campaign)
    parsed = _values(sink, ind_codes, indicators)
    faults = [Fault(source, None, codes[cast(int, f.line)], f.value, f.expected, f.severity, code=f.code)
              for f in sink.faults]
    rows = pd.DataFrame({"indicateur": codes, "valeur": parsed["valeur"], "nc": parsed["nc"],
                         "brut": pd.Series(parsed["brut"], dtype="str").to_numpy(dtype=object)})
    return rows, faults


# --- additional volets: objectives, contracts and expenses ---------------------------------

#: A contract of an additional volet lasts at most this many years (warning beyond).
MAX_CONTRACT_YEARS = 5
_ISO_DATE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]00:00:00)?$"  # a .xlsx date cell reads so
_FR_DATE = r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$"


def _volet_objective(campaign: Campaign, code: str) -> VoletIndicator | None:
    """A volet objective that ``resultats`` may carry (an expense line goes in ``depenses``)."""
    found = campaign.volet_indicators.get(code)
    return found[1] if found and found[1].rule != "depense" else None


def _dates(sink: _Sink, spec: ColumnSpec) -> np.ndarray:
    """Dates written AAAA-MM-JJ or JJ/MM/AAAA (datetime64, NaT when empty or bad) whose year lies
    in [spec.low, spec.high]; reports bad ones (impossible dates such as 31/02/2019 included) and
    dates out of that range. With ``allow_empty``, a « no end » date (:data:`NO_END_DATES`) reads
    as empty. The range is checked on the text, before any conversion: a timestamp never wraps."""
    column, allow_empty = spec.name, spec.allow_empty
    codes, uniques = sink.distinct(column)
    iso, fr = uniques.str.extract(_ISO_DATE), uniques.str.extract(_FR_DATE)
    year = iso[0].fillna(fr[2])
    text = year + "-" + iso[1].fillna(fr[1]) + "-" + iso[2].fillna(fr[0])
    no_end = text.isin(NO_END_DATES).to_numpy(bool) & allow_empty
    years = pd.to_numeric(year, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    low, high = int(spec.low or CONTRACT_YEARS[0]), int(spec.high or CONTRACT_YEARS[1])
    with np.errstate(invalid="ignore"):
        in_range = (years >= low) & (years <= high)
    dates = pd.to_datetime(text.where(in_range), format="%Y-%m-%d", errors="coerce")
    outside = ~np.isnan(years) & ~in_range & ~no_end
    empty = " ou vide (contrat sans date de fin)" if allow_empty else ""
    _bad_cells(sink, column, uniques, dates.notna().to_numpy(bool) | outside | no_end,
               f"une date AAAA-MM-JJ ou JJ/MM/AAAA (ex. 2018-01-01 ou 01/01/2018){empty}", allow_empty)
    without = (" ; un contrat sans date de fin : laisser vide (31/12/2999 et 31/12/9999 se lisent aussi "
               "« sans fin »)") if allow_empty else ""
    sink.texts(outside, column, f"une date de contrat entre le 01/01/{low} et le 31/12/{high} (un contrat "
               f"CAQES commence et finit dans ces années ; ailleurs, date mal saisie){without}",
               code=FaultCode.OUT_OF_RANGE)
    return dates.to_numpy(dtype="datetime64[ns]")[codes]


def _contract_periods(sink: _Sink, ctx: _Context) -> None:
    """Contracts: an end on or after the start, at most MAX_CONTRACT_YEARS long (warning; a
    contract without end that has lasted longer by the end of the latest year with results
    too), and no two contracts of one establishment and volet in force at once."""
    start, end = np.asarray(ctx.columns["date_debut"]), np.asarray(ctx.columns["date_fin"])
    both = ~np.isnat(start) & ~np.isnat(end)
    sink.rows(both & (end < start), "date_fin", "une date de fin postérieure ou égale à la date "
              "de début", code=FaultCode.DATE_ORDER)
    limit = (pd.Series(start) + pd.DateOffset(years=MAX_CONTRACT_YEARS)).to_numpy()
    longest = f"un contrat de {MAX_CONTRACT_YEARS} ans au plus (durée maximale d'un volet additionnel)"
    sink.rows(both & (end >= limit), "date_fin", longest, "avertissement", code=FaultCode.LONG_CONTRACT)
    if ctx.latest is not None:
        year = ctx.latest
        open_ended = ~np.isnat(start) & np.isnat(end) & (limit <= np.datetime64(f"{year}-12-31"))
        sink.rows(open_ended, "date_fin", lambda rows: [
            f"{longest} : ce contrat sans date de fin, commencé le {pd.Timestamp(start[r]):%d/%m/%Y}, dure "
            f"plus de {MAX_CONTRACT_YEARS} ans à la fin de {year} (dernière année des résultats) ; indiquer "
            "sa date de fin" for r in rows.tolist()], "avertissement", code=FaultCode.LONG_CONTRACT)
    _overlaps(sink, ctx.keys["finess"], ctx.keys["volet"], start, end)


def _overlaps(sink: _Sink, finess_key: np.ndarray, volet_key: np.ndarray, start: np.ndarray,
              end: np.ndarray) -> None:
    """Report a contract that starts before the previous contract of the same establishment
    and volet ends (two contracts of one volet in force at once)."""
    order = np.lexsort((start, volet_key, finess_key))
    same = ((finess_key[order][1:] == finess_key[order][:-1])
            & (volet_key[order][1:] == volet_key[order][:-1]))
    previous_end = end[order][:-1]
    current_start = start[order][1:]
    clash = same & ~np.isnat(current_start) & (np.isnat(previous_end) | (current_start <= previous_end))
    clash &= start[order][1:] != start[order][:-1]  # same start: reported as a duplicate
    if not clash.any():
        return
    rows, earlier = order[1:][clash], order[:-1][clash]
    lines = sink.table.lines[earlier]
    mask = np.zeros(len(start), dtype=bool)
    mask[rows] = True
    by_row = dict(zip(rows.tolist(), lines.tolist()))
    sink.rows(mask, "date_debut", lambda bad: [
        f"un contrat qui commence après la fin du contrat du même volet (ligne {by_row[r]})"
        for r in bad.tolist()], code=FaultCode.OVERLAPPING_CONTRACTS)


#: An expense this many times below every later one of its establishment and line is implausible.
IMPLAUSIBLE_RATIO = 10**6


def _plausible_expenses(sink: _Sink, ctx: _Context) -> None:
    """Expenses: a warning for an amount that would make a reference year's objective absurd —
    0 € while a later year of the same establishment and line is not, or at least
    :data:`IMPLAUSIBLE_RATIO` times below every later year (a unit or typing mistake)."""
    amount = np.asarray(ctx.columns["montant"], dtype=float)
    if not len(amount):
        return
    frame = pd.DataFrame({"g": ctx.keys["finess"].astype(np.int64) * (int(ctx.keys["poste"].max()) + 1)
                          + ctx.keys["poste"], "annee": ctx.columns["annee"], "montant": amount})
    later = frame.sort_values(["g", "annee"], ascending=[True, False], kind="stable")
    grouped = later.groupby("g")["montant"]
    low = grouped.cummin().groupby(later["g"]).shift()  # smallest amount of the later years
    high = grouped.cummax().groupby(later["g"]).shift()
    low, high = low.reindex(frame.index).to_numpy(float), high.reindex(frame.index).to_numpy(float)
    with np.errstate(invalid="ignore"):
        zero = (amount == 0) & (high > 0)
        tiny = (amount > 0) & (amount <= low / IMPLAUSIBLE_RATIO)
    years = np.asarray(ctx.columns["annee"])

    def said(rows: np.ndarray) -> list[str]:
        return [(f"un montant plausible : 0 € en {years[r]} alors que les années suivantes atteignent "
                 f"{fmt_num(high[r], 0, unit='€')} (année de référence d'un objectif de dépenses : "
                 "objectif nul, toute la dépense deviendrait dépassement) ; vérifier la saisie") if zero[r] else
                (f"un montant plausible : {fmt_num(amount[r], 2, trim=True, unit='€')} en {years[r]}, au moins "
                 f"un million de fois moins que chaque année suivante (au moins "
                 f"{fmt_num(low[r], 0, unit='€')}) : erreur d'unité ou de saisie ?") for r in rows.tolist()]

    sink.rows(zero | tiny, "montant", said, "avertissement", code=FaultCode.IMPLAUSIBLE_AMOUNT)


# --- individual targets (cibles) -------------------------------------------------------------


def _individual_targets(sink: _Sink, ctx: _Context) -> None:
    """Cibles: each row's indicator scored by the rule « cible » in the volet obligatoire (the only
    rule an own target replaces), its year after the campaign's T0, and an establishment's % targets
    not all typed as fractions."""
    ind_codes, indicators = ctx.indicators
    campaign = ctx.campaign
    listed = [i.code for i in campaign.indicators if i.rule == "cible"]
    rule = (f"un indicateur du volet obligatoire à règle « cible » ({', '.join(listed[:4])}, …)" if listed else
            f"un indicateur à règle « cible » ; la campagne {campaign.name} n'en a aucun dans le volet obligatoire")
    why = np.array([None if i is None or (isinstance(i, Indicator) and i.rule == "cible") else
                    f"{rule} : {i.code} se note par la règle « {i.rule} »"
                    + ("" if isinstance(i, Indicator) else " dans un volet additionnel") for i in indicators],
                   dtype=object)
    sink.rows((why != None)[ind_codes], "indicateur",  # noqa: E711 (element-wise)
              lambda rows: why[ind_codes[rows]].tolist(), code=FaultCode.NOT_A_TARGET)
    t0 = campaign.t0_year
    if t0 is not None:  # a target of T0 or before would change the score of the starting point itself
        years = np.asarray(ctx.columns["annee"])
        sink.rows((years > 0) & (years <= t0), "annee", f"une année postérieure au T0 de la campagne {campaign.name} "
                  f"({t0}) : l'avenant fixe les cibles des années qui suivent le T0", code=FaultCode.OUT_OF_RANGE)
    finess_key = ctx.keys["finess"]
    percent = np.array([_percent_above_one(i) for i in indicators], dtype=bool)[ind_codes]
    _fractions(sink, lambda: finess_key.astype(np.int64), percent, np.asarray(ctx.columns["cible"]),
               lambda row: f"de {pd.Series(ctx.columns['finess']).iat[row]}", column="cible")


_TABLE_CHECKS: dict[str, Callable[[_Sink, _Context], None]] = {
    "fractions_by_establishment": _fractions_by_establishment, "fractions": _reference_fractions,
    "contract_periods": _contract_periods, "plausible_expenses": _plausible_expenses,
    "individual_targets": _individual_targets,
}


def _missing_expenses(raw: RawSource, frames: dict[str, pd.DataFrame], campaign: Campaign) -> list[Fault]:
    """Warnings for the expenses that the contracts in force in the latest year with results
    need (reference year, N − 1, N) and the depenses table lacks, and for the years of those
    objectives without a target rate in the campaign."""
    contracts, results = frames.get("contracts"), frames.get("results")
    if contracts is None or contracts.empty or results is None or results.empty:
        return []
    year = int(results["annee"].max())
    expenses = frames.get("expenses", table_spec("expenses").empty())
    spent = set(zip(expenses["finess"], expenses["annee"].tolist(), expenses["poste"], strict=True))
    needed: dict[tuple[str, int, str], str] = {}
    rates: list[Fault] = []
    name = Path(campaign.path).name if campaign.path else campaign.name
    in_force = contracts_in_force(contracts, campaign, year)[["finess", "volet", "date_debut"]]
    for finess, volet, start in in_force.itertuples(index=False):
        for line in campaign.volet_by_code[volet].expenses:
            first = start.year - 1 if line.reference == "debut_contrat" else year - 1
            for annee in (first, year, year - 1):
                if (finess, annee, line.expense) not in spent:
                    needed.setdefault((finess, annee, str(line.expense)), volet)
            if any(line.rate(k) is None for k in range(first + 1, year + 1)):
                rates.append(_missing_rate(name, volet, line, finess, first, year))
    return list(dict.fromkeys([*(
        Fault(raw.label("depenses"), None, "montant", f"{finess} / {annee} / {poste}",
              f"la dépense « {poste} » {annee} de l'établissement {finess}, requise par son contrat "
              f"« {volet} » en vigueur en {year} (montants laissés vides dans le fichier des volets)",
              "avertissement", code=FaultCode.MISSING_EXPENSE)
        for (finess, annee, poste), volet in sorted(needed.items())), *rates]))


def _missing_rate(name: str, volet: str, line: VoletIndicator, finess: str, first: int, year: int) -> Fault:
    return Fault(name, None, f"volets[{volet}].indicateurs[{line.code}].taux_cible", finess,
                 f"un taux pour chaque année de {first + 1} à {year} (objectif non calculé, montants "
                 "laissés vides)", "avertissement", code=FaultCode.MISSING_RATE)


def contracts_in_force(contracts: pd.DataFrame, campaign: Campaign, year: int) -> pd.DataFrame:
    """Contracts of the campaign's volets in force during ``year`` (start ≤ 31/12 and no end or
    end ≥ 01/01); of two contracts of one volet in force the same year, the later one."""
    start, end = contracts["date_debut"], contracts["date_fin"]
    in_force = ((start <= pd.Timestamp(year, 12, 31)) & (end.isna() | (end >= pd.Timestamp(year, 1, 1)))
                & contracts["volet"].isin(campaign.volet_by_code))
    rows = contracts[in_force].sort_values(["finess", "volet", "date_debut"])
    return rows.drop_duplicates(["finess", "volet"], keep="last").reset_index(drop=True)
