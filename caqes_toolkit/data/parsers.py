"""How a cell of each column kind is read and checked: one parser per kind of
:data:`~caqes_toolkit.data.tables.Kind`, registered in :data:`PARSERS`.

A parser reads its column of a :class:`~caqes_toolkit.data.sink.Sink` (each distinct text once),
reports the cells that do not fit, and keeps the typed column and its row keys in the table's
:class:`Context`. Adding a column kind is adding it to ``Kind`` and its parser here (a test checks
that every kind has one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import FaultCode
from ..rules.campaign import Campaign
from ..rules.objectives import ACTIVITIES, Indicator, VoletIndicator
from .sink import PerRow, Sink, spread
from .tables import CONTRACT_YEARS, NO_END_DATES, ColumnSpec

__all__ = ["BAD", "NC", "PARSERS", "Context", "Measured", "Parser", "number_expectation", "value_kinds"]

_FINESS = "(?:[0-9]{2}|2A|2B)[0-9]{7}"
# the spaces between digits (« 1 234,5 », no-break and narrow no-break ones too): every character
# Python's \s matches, written out because pandas hands such a class to Arrow's regex engine,
# which has no \s of the same meaning, four times faster than its Python fallback
_SPACES = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
# kinds of a value cell, ordered so that "kind >= NUMBER" means "not oui/non/NC/empty"
EMPTY, NC, YES, NO, NUMBER, BAD = range(6)
# how an indicator's value is read
_UNKNOWN, _BINARY, _NUMERIC, _MATURITY = range(4)
Measured = Indicator | VoletIndicator  # what a value of resultats is read for
_ISO_DATE = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]00:00:00)?$"  # a .xlsx date cell reads so
_FR_DATE = r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$"


@dataclass
class Context:
    """What the columns of one table share while they are checked: the campaign, the FINESS
    of etablissements, and each parsed column and its row keys (for keys and checks across
    columns)."""

    campaign: Campaign
    known: pd.Series | None
    latest: int | None = None  # the latest year with results: the year a validation looks at
    columns: dict[str, pd.Series | np.ndarray] = field(default_factory=dict)
    keys: dict[str, np.ndarray] = field(default_factory=dict)
    indicators: tuple[np.ndarray, list[Measured | None]] = (np.empty(0, np.int64), [])


#: A parser: reads one column of the sink, reports its bad cells, keeps the typed column in the context.
Parser = Callable[[Sink, ColumnSpec, Context], None]


# --- reading the cells -------------------------------------------------------------------------


def _numbers(text: pd.Series, suffix: str = "%") -> tuple[np.ndarray, np.ndarray]:
    """Numbers written the French way ("45,5 %", "1 234,5", "−2,5" with the minus sign of
    typeset text), and where parsing succeeded."""
    cleaned = (text.str.replace(_SPACES, "", regex=True).str.removesuffix(suffix)
               .str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False))
    values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, np.isfinite(values)


def value_kinds(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Kind (EMPTY … BAD) and number of each value text; oui/non read as 1/0."""
    lower = text.str.lower()
    numbers, ok = _numbers(text)
    kinds = np.select(
        [(text == "").to_numpy(bool), (lower == "nc").to_numpy(bool),
         (lower == "oui").to_numpy(bool), (lower == "non").to_numpy(bool), ok],
        [EMPTY, NC, YES, NO, NUMBER], BAD,
    ).astype(np.int8)
    numbers = np.select([kinds == NUMBER, kinds == YES, kinds == NO], [numbers, 1.0, 0.0],
                        np.nan)
    return kinds, numbers


def _bad_cells(sink: Sink, column: str, uniques: pd.Series, ok: np.ndarray, expected: str,
               allow_empty: bool = False) -> None:
    """Report the cells that do not read (``ok`` false for their distinct text): empty ones
    (unless allowed) as ``blank-cell``, the others as ``type-error``."""
    empty = (uniques == "").to_numpy(bool)
    sink.texts(empty & ~ok & (not allow_empty), column, expected, code=FaultCode.BLANK_CELL)
    sink.texts(~empty & ~ok, column, expected, code=FaultCode.TYPE_ERROR)


def _finess(sink: Sink, known: pd.Series | None,
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
    return spread(normal, codes, sink.frame["finess"], unchanged), key[codes]


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


def _years(sink: Sink) -> tuple[np.ndarray, np.ndarray]:
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


def _indicators(sink: Sink, campaign: Campaign) -> tuple[np.ndarray, list[Measured | None]]:
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


def _volet_objective(campaign: Campaign, code: str) -> VoletIndicator | None:
    """A volet objective that ``resultats`` may carry (an expense line goes in ``depenses``)."""
    found = campaign.volet_indicators.get(code)
    return found[1] if found and found[1].rule != "depense" else None


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


def _value_expectation(ind: Measured | None) -> str:
    if ind is None:
        return ""
    if ind.rule == "binaire":
        return f"« oui », « non », « NC » ou vide (indicateur {ind.code}, règle binaire)"
    rule = f"indicateur {ind.code}, règle {ind.rule}"
    return f"{number_expectation(ind)}, « NC » ou vide ({rule})"


def _values(sink: Sink, ind_codes: np.ndarray,
            indicators: list[Measured | None]) -> dict[str, pd.Series | np.ndarray]:
    """``valeur``, ``nc`` and ``brut`` of results or adjustments; reports values that do not
    fit their indicator's rule (binaire, number, maturity percentage) or unit (% in 0–100)."""
    codes, uniques = sink.distinct("valeur")
    kinds_u, numbers_u = value_kinds(uniques)
    kinds, numbers = kinds_u[codes], numbers_u[codes]
    read_as = np.array([_UNKNOWN if i is None else _BINARY if i.rule == "binaire"
                        else _MATURITY if i.rule == "maturite" else _NUMERIC for i in indicators],
                       dtype=np.int8)
    expectations = np.array([_value_expectation(i) for i in indicators], dtype=object)
    per_row: PerRow = lambda rows: expectations[ind_codes[rows]].tolist()  # noqa: E731
    # whether a kind of text fits a way of reading: one lookup per row, [read_as, kind]
    wrong_type = np.zeros((4, BAD + 1), dtype=bool)
    wrong_type[_BINARY, NUMBER:] = True
    wrong_type[_NUMERIC:, [YES, NO, BAD]] = True
    sink.rows(wrong_type[read_as[ind_codes], kinds], "valeur", per_row, code=FaultCode.TYPE_ERROR)
    with np.errstate(invalid="ignore"):
        outside = (kinds_u == NUMBER) & ((numbers_u < 0) | (numbers_u > 100))
    if outside.any():  # looked up by row only when some text is a number outside 0–100
        bounded = np.array([i is not None and (i.unit == "%" or i.rule == "maturite")
                            for i in indicators], dtype=bool)
        sink.rows(bounded[ind_codes] & outside[codes], "valeur", per_row, code=FaultCode.OUT_OF_RANGE)
    return {"valeur": numbers, "nc": kinds == NC, "brut": sink.text("valeur")}


def _reference_values(sink: Sink, ind_codes: np.ndarray, indicators: list[Measured | None],
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
    per_row: PerRow = lambda rows: expectations[ind_codes[rows]].tolist()  # noqa: E731
    empty = (uniques == "").to_numpy(bool)[codes]
    sink.rows(known & empty, column, per_row, code=FaultCode.BLANK_CELL)
    sink.rows(known & ~ok & ~empty, column, per_row, code=FaultCode.TYPE_ERROR)
    sink.rows(outside, column, per_row, code=FaultCode.OUT_OF_RANGE)
    return numbers


def _choice(sink: Sink, column: str, allowed: dict[str, str], expected: str) -> pd.Series:
    """Case-insensitive choice among ``allowed`` (text → normalised value); reports others."""
    codes, uniques = sink.distinct(column)
    mapped = uniques.str.lower().map(allowed)
    sink.texts(mapped.isna().to_numpy(bool), column, expected, code=FaultCode.INVALID_CHOICE)
    return pd.Series(mapped.fillna("").array.take(codes))


def _activities(sink: Sink) -> pd.Series:
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


def _bounded_numbers(sink: Sink, column: str, low: float, high: float | None, expected: str,
                     suffix: str = "%", allow_empty: bool = False) -> np.ndarray:
    """Numbers of a column within [low, high]; reports others (and empty cells unless allowed)."""
    codes, uniques = sink.distinct(column)
    numbers, ok = _numbers(uniques, suffix)
    with np.errstate(invalid="ignore"):
        outside = ok & ~((numbers >= low) & (numbers <= (np.inf if high is None else high)))
    _bad_cells(sink, column, uniques, ok, expected, allow_empty)
    sink.texts(outside, column, expected, code=FaultCode.OUT_OF_RANGE)
    return numbers[codes]


def _filled(sink: Sink, column: str, what: str) -> None:
    """Report empty cells of a column that must be filled."""
    blank = (sink.distinct(column)[1] == "").to_numpy(bool)
    sink.texts(blank, column, f"un texte non vide ({what})", code=FaultCode.BLANK_CELL)


def _dates(sink: Sink, spec: ColumnSpec) -> np.ndarray:
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


# --- one parser per column kind ----------------------------------------------------------------


def _keep(ctx: Context, name: str, values: pd.Series | np.ndarray, key: np.ndarray) -> None:
    ctx.columns[name], ctx.keys[name] = values, key


def _parse_finess(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    _keep(ctx, column.name, *_finess(sink, ctx.known))


def _parse_declared_finess(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    _keep(ctx, column.name, *_finess(sink, None, check_key=True))


def _parse_year(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    _keep(ctx, column.name, *_years(sink))


def _parse_indicator(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    ctx.indicators = _indicators(sink, ctx.campaign)
    _keep(ctx, column.name, sink.text(column.name), ctx.indicators[0])


def _parse_value(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    ctx.columns.update(_values(sink, *ctx.indicators))


def _parse_reference_value(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    ctx.columns[column.name] = _reference_values(sink, *ctx.indicators, column=column.name)


def _parse_text(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    _keep(ctx, column.name, sink.text(column.name), sink.distinct(column.name)[0])


def _parse_filled(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    _filled(sink, column.name, column.expected)
    _parse_text(sink, column, ctx)


def _parse_yes_no(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    answer = _choice(sink, column.name, {"oui": "oui", "non": "non"}, "« oui » ou « non »")
    ctx.columns[column.name] = (answer == "oui").to_numpy(bool)


def _parse_choice(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    chosen = _choice(sink, column.name, dict(column.choices), column.expected)
    _keep(ctx, column.name, chosen, pd.factorize(chosen)[0])


def _parse_activities(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    ctx.columns[column.name] = _activities(sink)


def _parse_number(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    ctx.columns[column.name] = _bounded_numbers(
        sink, column.name, column.low or 0, column.high, column.expected, suffix=column.suffix,
        allow_empty=column.allow_empty)


def _parse_date(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    dates = _dates(sink, column)
    _keep(ctx, column.name, dates, pd.factorize(dates, use_na_sentinel=False)[0])


def _parse_volet(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    campaign = ctx.campaign
    # "\n" never matches a stripped cell: it keeps the mapping's values text when there is no volet
    codes = {v.code.lower(): v.code for v in campaign.volets} or {"\n": "\n"}
    listed = ", ".join(v.code for v in campaign.volets)
    volet = _choice(sink, column.name, codes, f"un volet de la campagne {campaign.name} ({listed})"
                    if listed else f"un volet de la campagne ; {campaign.name} n'en définit "
                    "aucun (clé « volets » du fichier de campagne)")
    _keep(ctx, column.name, volet, pd.factorize(volet)[0])


def _parse_expense_line(sink: Sink, column: ColumnSpec, ctx: Context) -> None:
    campaign, lines = ctx.campaign, ctx.campaign.expense_lines
    poste = _choice(sink, column.name, {p.lower(): p for p in lines} or {"\n": "\n"},
                    f"un poste de dépense des volets de la campagne {campaign.name} "
                    f"({', '.join(lines)})" if lines else
                    f"un poste de dépense ; {campaign.name} n'en définit aucun (règle « depense »)")
    _keep(ctx, column.name, poste, pd.factorize(poste)[0])


#: How a column reads its cells, by :data:`~caqes_toolkit.data.tables.Kind`: every kind but
#: ``derived`` (computed, never read) has its parser.
PARSERS: dict[str, Parser] = {
    "finess": _parse_finess, "finess_declared": _parse_declared_finess, "year": _parse_year,
    "indicator": _parse_indicator, "value": _parse_value, "reference_value": _parse_reference_value,
    "target_value": _parse_reference_value, "text": _parse_text, "filled": _parse_filled, "yes_no": _parse_yes_no,
    "choice": _parse_choice,
    "activities": _parse_activities, "number": _parse_number, "date": _parse_date,
    "volet": _parse_volet, "expense_line": _parse_expense_line,
}
