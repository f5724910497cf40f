"""Checks across the columns of one table, after each column is read: the rows' unique key, and
the checks a :class:`~caqes_toolkit.data.tables.TableSpec` names (:data:`TABLE_CHECKS`) —
percentages typed as fractions, contract periods, implausible expenses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import FaultCode
from ..formats import fmt_num
from ..rules.objectives import Indicator
from .fractions import fractions_by_establishment, reference_fractions, target_fractions
from .parsers import Context
from .sink import Sink

__all__ = ["IMPLAUSIBLE_RATIO", "MAX_CONTRACT_YEARS", "TABLE_CHECKS", "duplicates"]

#: A contract of an additional volet lasts at most this many years (warning beyond).
MAX_CONTRACT_YEARS = 5


def duplicates(sink: Sink, keys: dict[str, np.ndarray]) -> None:
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


def _contract_periods(sink: Sink, ctx: Context) -> None:
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


def _overlaps(sink: Sink, finess_key: np.ndarray, volet_key: np.ndarray, start: np.ndarray,
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


def _plausible_expenses(sink: Sink, ctx: Context) -> None:
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


def _individual_targets(sink: Sink, ctx: Context) -> None:
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
    target_fractions(sink, ctx)


#: The checks across columns, by the name a TableSpec gives in ``checks``.
TABLE_CHECKS: dict[str, Callable[[Sink, Context], None]] = {
    "fractions_by_establishment": fractions_by_establishment, "fractions": reference_fractions,
    "contract_periods": _contract_periods, "plausible_expenses": _plausible_expenses,
    "individual_targets": _individual_targets,
}
