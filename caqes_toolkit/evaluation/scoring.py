"""Scoring (rules in params/README.md): indicator scores, chapter scores, global score, class, sanction.

Vectorised over establishments and years, one indicator at a time (:class:`_Scoring`).
:func:`score` returns a :class:`Scores` with three DataFrames whose columns are documented on
the class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data.dataset import MATURITY_STEPS, Dataset
from ..errors import CaqesError
from ..rules.campaign import Campaign, campaign_for_year
from ..rules.objectives import ACTIVITIES, Indicator
from .avenant import own_target_cells
from .frames import chapter_frame, global_frame
from .scores import STATUSES, Scores

#: Refusal of the socle's scoring for a second-generation campaign (evaluated by its volets alone).
SECOND_GENERATION = ("campagne de deuxième génération (generation: 2) : pas de volet obligatoire à noter (ni score "
                     "global, ni classe, ni plan d'actions du socle) ; elle s'évalue par ses volets incitatifs : "
                     "caqes score … --volets, caqes ciblage, caqes reports, caqes synthese")
__all__ = ["score", "score_by_year"]

MAX_STEP = 5
_LARGEST = np.finfo(float).max  # what nan_to_num puts for an infinite value


RULES = ("binaire", "cible", "seuils", "maturite")
TARGET_KINDS = ("number", "national", "regional", "none")
NC_REASONS = ("", "activité non concernée", "sans liste en sus", "déclaré NC", "référence absente",
              "donnée de l'Assurance Maladie attendue en phase 2")
#: Evaluation phases: 1 before the Assurance Maladie data arrive (provisional), 2 final.
PHASES = (1, 2)
TRENDS = np.array([np.nan, "amélioré", "stable", "dégradé"], dtype=object)


@dataclass(frozen=True)
class _Catalogue:
    """The campaign's indicators as arrays (one entry per indicator, catalogue order)."""

    codes: np.ndarray
    chapter: np.ndarray
    rule: np.ndarray
    up: np.ndarray
    weight: np.ndarray
    target: np.ndarray
    target_kind: np.ndarray
    mask: np.ndarray
    awaited: np.ndarray  # data from the Assurance Maladie: awaited in phase 1

    @classmethod
    def of(cls, campaign: Campaign) -> _Catalogue:
        inds = campaign.indicators
        every = (1 << len(ACTIVITIES)) - 1
        return cls(
            codes=np.array([i.code for i in inds], dtype=object),
            chapter=np.array([i.chapter for i in inds]),
            rule=np.array([RULES.index(i.rule) for i in inds]),
            up=np.array([i.direction == "hausse" for i in inds]),
            weight=np.array([float(i.weight) for i in inds]),
            target=np.array([float(i.target) if isinstance(i.target, float | int) else np.nan for i in inds]),
            target_kind=np.array([TARGET_KINDS.index(i.target_kind) for i in inds]),
            mask=np.array([every if i.activities is None
                           else sum(1 << ACTIVITIES.index(a) for a in i.activities) for i in inds]),
            awaited=np.array([i.data_source == "assurance_maladie" for i in inds], dtype=bool),
        )


def _activity_mask(activities: pd.Series) -> np.ndarray:
    mask = np.zeros(len(activities), dtype=np.int64)
    for bit, name in enumerate(ACTIVITIES):
        mask |= activities.str.contains(name, regex=False).to_numpy(dtype=bool).astype(np.int64) << bit
    return mask


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of each text of ``values`` in ``index`` (unique texts), -1 when absent.

    Hashed by pyarrow: pandas' ``get_indexer`` first turns Arrow strings into Python objects,
    ten times slower on the 4 million rows of a region's results.
    """
    found = pc.index_in(pa.array(values, from_pandas=True, type=pa.large_string()),
                        value_set=pa.array(index, from_pandas=True, type=pa.large_string()))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)


class _Rows:
    """Where the rows of a dataset's tables point (establishment, year, indicator), looked up
    once and shared by the campaigns and years scored together (:func:`score_by_year`).

    Tables list an establishment's year in consecutive rows: each run of rows with the same
    FINESS and year is looked up once (90,000 runs in the 4 million results rows of a region:
    less than half the time of hashing every row). Any row order gives the same answer.
    """

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.finess = pd.Index(dataset.establishments["finess"])
        self._runs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._codes: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def cells(self, name: str, years: list[int]) -> np.ndarray:
        """Flat position ``y × n_es + e`` of each row of the table ``name`` (a Dataset field)
        in [year, establishment] arrays, -1 when the year or the establishment is not there."""
        if name not in self._runs:
            self._runs[name] = self._find_runs(getattr(self.dataset, name))
        first, e, annee = self._runs[name]
        y = pd.Index(years).get_indexer(annee)
        run = np.where((e >= 0) & (y >= 0), y * len(self.finess) + e, -1)
        return np.repeat(run, np.diff(first, append=len(getattr(self.dataset, name))))

    def _find_runs(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First row, establishment position and year of each run of rows."""
        n = len(table)
        annee = table["annee"].to_numpy()
        start = np.ones(n, dtype=bool)
        if n > 1:
            text = pa.array(table["finess"], from_pandas=True, type=pa.large_string())
            other = pc.not_equal(text.slice(1), text.slice(0, n - 1)).fill_null(True)
            start[1:] = other.to_numpy(zero_copy_only=False)
            start[1:] |= annee[1:] != annee[:-1]
        first = np.flatnonzero(start)
        return first, _positions(self.finess, table["finess"].iloc[first]), annee[first]

    def indicators(self, name: str, codes: np.ndarray) -> np.ndarray:
        """Position of each row's indicator in ``codes``, -1 when absent."""
        key = (name, tuple(codes))
        if key not in self._codes:
            self._codes[key] = _positions(pd.Index(codes), getattr(self.dataset, name)["indicateur"])
        return self._codes[key]


class _Cube:
    """Input values as dense arrays indexed [indicator, year, establishment] (years: ``years``).

    Indicator first: each indicator's values are one contiguous [year, establishment] block,
    scored on its own with the scalars of its rule (see :class:`_Scoring`).
    """

    def __init__(self, rows: _Rows, cat: _Catalogue, years: list[int], adjusted: bool):
        data = rows.dataset
        es = data.establishments
        self.finess = rows.finess
        self.years = years
        self.cat = cat
        n_es, n_y, n_ind = len(es), len(years), len(cat.codes)
        self.value = np.full((n_ind, n_y, n_es), np.nan)
        self.nc = np.zeros((n_ind, n_y, n_es), dtype=bool)
        self.present = np.zeros((n_y, n_es), dtype=bool)
        year_index, code_index = pd.Index(years), pd.Index(cat.codes)
        names = ["results"] + (["adjustments"] if adjusted else [])
        for name in names:  # adjustments are written last: they replace reported values
            table = getattr(data, name)
            row, i = rows.cells(name, years), rows.indicators(name, cat.codes)
            ok = (row >= 0) & (i >= 0)
            cell = i * (n_y * n_es)  # flat position in [indicator, year, establishment]
            cell += row
            values, nc = table["valeur"].to_numpy(dtype=float), table["nc"].to_numpy(dtype=bool)
            if not ok.all():
                cell, row, values, nc = cell[ok], row[ok], values[ok], nc[ok]
            self.value.reshape(-1)[cell] = values
            self.nc.reshape(-1)[cell] = nc
            self.present.reshape(-1)[row] = True
        mat = data.maturity
        steps = mat[list(MATURITY_STEPS)].to_numpy(dtype=float)
        pct = 100 * steps.sum(axis=1) / (MAX_STEP * len(MATURITY_STEPS))  # NaN if a step is missing
        row = rows.cells("maturity", years)
        ok = (row >= 0) & ~np.isnan(pct)
        self.present.reshape(-1)[row[ok]] = True
        for k in np.flatnonzero(cat.rule == RULES.index("maturite")):
            keep = ok & ~self.nc[k].reshape(-1)[row]  # NC declared in resultats wins over the table
            self.value[k].reshape(-1)[row[keep]] = pct[keep]
        self._references(data, es, year_index, code_index)
        self.own = self._own_targets(rows, data)

    def _references(self, data: Dataset, es: pd.DataFrame, year_index: pd.Index,
                    code_index: pd.Index) -> None:
        """National [year, indicator] and regional [region, year, indicator] references."""
        n_y, n_ind = len(year_index), len(code_index)
        regions = pd.Index(es["region"].unique())
        national = np.full((n_y, n_ind), np.nan)
        regional = np.full((len(regions) + 1, n_y, n_ind), np.nan)  # last row: region ""
        refs = data.references
        y, i = year_index.get_indexer(refs["annee"]), _positions(code_index, refs["indicateur"])
        level = refs["niveau"].to_numpy(dtype=object)
        r = _positions(regions, refs["region"])
        r = np.where(refs["region"].to_numpy(dtype=object) == "", len(regions), r)
        val = refs["valeur"].to_numpy(dtype=float)
        nat = (y >= 0) & (i >= 0) & (level == "national")
        national[y[nat], i[nat]] = val[nat]
        reg = (y >= 0) & (i >= 0) & (level == "regional") & (r >= 0)
        regional[r[reg], y[reg], i[reg]] = val[reg]
        regional[:-1] = np.where(np.isnan(regional[:-1]), regional[-1], regional[:-1])
        self.national, self.regional = national, regional
        self.es_region = _positions(regions, es["region"])

    def _own_targets(self, rows: _Rows, data: Dataset) -> dict[int, np.ndarray]:
        """The establishments' own targets (the cibles table, from their avenant) of each ``cible``
        indicator that has some, [year, establishment] arrays (NaN: the campaign's target applies)."""
        if data.targets.empty:
            return {}
        i = rows.indicators("targets", self.cat.codes)
        i = np.where((i >= 0) & (self.cat.rule[i] == RULES.index("cible")), i, -1)  # only a cible's target
        return own_target_cells(data.targets["cible"].to_numpy(dtype=float), rows.cells("targets", self.years), i,
                                (len(self.years), len(self.finess)))

    def campaign_target(self, i: int, pos: list[int]) -> np.ndarray:
        """The campaign's targets of indicator ``i`` in the years at ``pos``: fixed, national or
        regional reference, as an array broadcastable to [year, establishment] (NaN: none)."""
        kind = self.cat.target_kind[i]
        if kind == TARGET_KINDS.index("national"):
            return self.national[pos, i][:, None]
        if kind == TARGET_KINDS.index("regional"):
            return self.regional[:, pos, i][self.es_region].T
        return np.asarray(self.cat.target[i])

    def own_target(self, i: int, pos: list[int]) -> np.ndarray | None:
        """The establishments' own targets of indicator ``i`` in the years at ``pos``, [year,
        establishment] (NaN where they have none); ``None`` when no establishment has one."""
        own = self.own.get(i)
        return None if own is None else own[pos]

    def target(self, i: int, pos: list[int]) -> np.ndarray:
        """The targets that apply to indicator ``i`` in the years at ``pos``: an establishment's own
        target for the year where it has one, else the campaign's (broadcastable to [year,
        establishment]; NaN: none)."""
        campaign, own = self.campaign_target(i, pos), self.own_target(i, pos)
        return campaign if own is None else np.where(np.isnan(own), campaign, own)


def _raw_score(ind: Indicator, v: np.ndarray, t0: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Score (0–1) of one indicator's values by its rule alone (meaningless where v is NaN)."""
    up = ind.direction == "hausse"
    if ind.rule == "cible":
        with np.errstate(invalid="ignore", divide="ignore"):
            level = (v >= c if up else v <= c).astype(float)
            gap = c - t0 if up else t0 - c
            progress = np.clip((v - t0 if up else t0 - v) / gap, 0, 1)
        progress = np.where((gap > 0) & ~np.isnan(progress), progress, 0.0)
        s = np.maximum(level, progress)
    elif ind.rule == "binaire":
        s = v
    elif ind.rule == "maturite":
        s = v / 100
    else:  # seuils
        s = np.zeros(v.shape)
        for threshold, pts in ind.thresholds or ():
            met = v >= threshold if up else v <= threshold
            s = np.where(met, np.maximum(s, pts), s)
    return s


@dataclass(frozen=True)
class _Scope:
    """Whether one indicator applies to each establishment-year, and why not.

    [year, establishment] arrays, and [establishment] arrays for the establishment's own
    conditions: bool operations are 20 times slower with a broadcast scalar or [year, 1]
    column than between such arrays.
    """

    activity_ok: np.ndarray
    list_ok: np.ndarray
    awaited: np.ndarray
    nc: np.ndarray
    target_ok: np.ndarray

    @property
    def applicable(self) -> np.ndarray:
        return self.activity_ok & self.list_ok & ~self.nc & self.target_ok & ~self.awaited

    def reason(self) -> np.ndarray:
        """Codes into NC_REASONS: the first reason that holds, 0 when applicable."""
        return np.select([~self.activity_ok, ~self.list_ok, self.awaited, self.nc, ~self.target_ok],
                         [1, 2, 5, 3, 4], 0)


class _Cells:
    """One indicator scored, as [year, establishment] arrays."""

    def __init__(self, value: np.ndarray, raw: np.ndarray, scope: _Scope):
        self.value = value  # NaN when absent or awaited
        self.raw = raw  # by the rule alone
        self.scope = scope
        self.applicable = scope.applicable
        self.reported = ~np.isnan(value)

    @cached_property
    def score(self) -> np.ndarray:
        """0–1; 0 when applicable without a value, NaN when not applicable."""
        return np.where(self.applicable, np.where(self.reported, self.raw, 0.0), np.nan)

    def status(self) -> np.ndarray:
        """Codes into STATUSES."""
        scope, s = self.scope, self.score
        return np.select([scope.awaited & scope.activity_ok & scope.list_ok, ~self.applicable,
                          ~self.reported, s >= 1 - 1e-12, s > 0], [5, 4, 3, 0, 1], 2)


class _Scoring:
    """Scores of the years ``years`` of a cube, one indicator at a time.

    Each indicator is scored on its own [year, establishment] block, with its rule, direction
    and weight as scalars; the chapter totals are summed as they come, so that no
    [indicator, year, establishment] array is built unless the indicator table is asked for.
    """

    def __init__(self, cube: _Cube, campaign: Campaign, es: pd.DataFrame, years: list[int],
                 t0_year: int, phase: int):
        cat = cube.cat
        self.cube, self.campaign, self.years, self.n_es = cube, campaign, years, len(es)
        self.pos = [cube.years.index(y) for y in years]
        self.t0_pos = cube.years.index(t0_year)
        self.activities = _activity_mask(es["activites"])
        self.with_list = es["liste_en_sus"].to_numpy(dtype=bool)
        # a chapter absent from the « sans liste en sus » weights (chapter 5) needs the liste en sus
        self.needs_list = ~np.isin(cat.chapter, list(campaign.chapter_weights(False)))
        # phase 1: the Assurance Maladie data awaited, left out of every year (same indicators)
        self.awaited = cat.awaited & (phase == 1 and bool(years))
        shape = (len(years), len(es))
        self.everyone, self.always = np.ones(len(es), dtype=bool), np.ones(shape, dtype=bool)
        self.never = np.zeros(shape, dtype=bool)

    def values(self, i: int) -> np.ndarray:
        """Values of indicator ``i`` in the scored years (NaN when awaited), [year, establishment]."""
        v = self.cube.value[i, self.pos]
        if self.awaited[i]:
            v[:] = np.nan
        return v

    def t0(self, i: int) -> np.ndarray:
        """Values of indicator ``i`` in the T0 year, [establishment]."""
        return self.cube.value[i, self.t0_pos]

    def scope(self, i: int) -> _Scope:
        cat = self.cube.cat
        target_ok = self.always
        if cat.rule[i] == RULES.index("cible"):
            target = np.broadcast_to(self.cube.target(i, self.pos), self.always.shape)
            target_ok = ~np.isnan(target)
        return _Scope(activity_ok=(cat.mask[i] & self.activities) != 0,
                      list_ok=self.with_list if self.needs_list[i] else self.everyone,
                      awaited=self.always if self.awaited[i] else self.never,
                      nc=self.cube.nc[i, self.pos], target_ok=target_ok)

    def cells(self, i: int) -> _Cells:
        v = self.values(i)
        raw = _raw_score(self.campaign.indicators[i], v, self.t0(i), self.cube.target(i, self.pos))
        return _Cells(v, raw, self.scope(i))

    def totals(self, chapters: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per chapter, the weight and the weighted score of its applicable indicators (added
        one by one in catalogue order), as contiguous [establishment, year, chapter] arrays;
        and the number of applicable indicators without a value, [year, establishment]."""
        cat = self.cube.cat
        shape = (len(chapters), len(self.years), self.n_es)
        weight, weighted = np.zeros(shape), np.zeros(shape)
        missing = np.zeros(shape[1:], dtype=np.int64)
        for i, chapter in enumerate(cat.chapter):
            cells, k, w = self.cells(i), chapters.index(chapter), cat.weight[i]
            # Branch-free sums (np.where and masked adds cost 5 to 10 times more: their masks
            # are irregular): a cell that does not count adds ±0.0, which leaves a sum started
            # at 0.0 as it is, bit for bit (such a sum is never -0.0).
            weight[k] += w * cells.applicable
            # nan_to_num of the scores without its masked copies: ±inf → ±largest float as it
            # does; NaN (no value) → a finite number, zeroed by the 0/1 factor before w applies
            finite = np.fmin(np.fmax(cells.raw, -_LARGEST), _LARGEST)
            weighted[k] += finite * (cells.applicable & cells.reported) * w
            missing += cells.applicable & ~cells.reported
        return (np.ascontiguousarray(weight.transpose(2, 1, 0)),
                np.ascontiguousarray(weighted.transpose(2, 1, 0)), missing)


def _trend(v: np.ndarray, other: np.ndarray, up: bool) -> np.ndarray:
    """Codes into TRENDS: 0 unknown, 1 improved, 2 stable, 3 worse (according to the direction)."""
    delta = v - other if up else other - v
    # 2 − improved + worse, times 0 where unknown (NaN compares false): no branch on each value
    return (2 - (delta > 1e-9) + (delta < -1e-9)) * ~np.isnan(delta)


def score(dataset: Dataset, campaign: Campaign, years: Iterable[int] | None = None,
          *, adjusted: bool = True, phase: int = 2) -> Scores:
    """Score every establishment of ``dataset`` for ``years`` (default: every year with data).

    With ``adjusted`` (the default), values of the adjustments table replace the reported ones.
    An establishment is scored for a year only if it has data that year (results or maturity).
    ``phase`` 1 is the provisional evaluation of the latest year, before the Assurance Maladie
    data arrive: those indicators are « en attente », left out of the scores (never 0) and
    their values ignored, in the earlier years scored too: a change since T0 or N−1 compares the
    same indicators (final scores of earlier years: phase 2). Phase 2 (default) is the final one.
    """
    return _score(_Rows(dataset), campaign, years, adjusted=adjusted, phase=phase)


def _score(rows: _Rows, campaign: Campaign, years: Iterable[int] | None, *, adjusted: bool,
           phase: int) -> Scores:
    if phase not in PHASES:
        raise ValueError(f"phase d'évaluation attendue : 1 ou 2 (reçu : {phase})")
    if campaign.second_generation:
        raise CaqesError(SECOND_GENERATION)
    t0_year = campaign.t0_year
    if t0_year is None:  # required of a first-generation campaign when it is read
        raise CaqesError(f"campagne {campaign.name} : année T0 (« annee_t0 ») absente")
    dataset = rows.dataset
    years = sorted(set(years if years is not None else dataset.years))
    cat = _Catalogue.of(campaign)
    cube_years = sorted(set(years) | {t0_year} | {y - 1 for y in years})
    cube = _Cube(rows, cat, cube_years, adjusted)
    es = dataset.establishments
    scoring = _Scoring(cube, campaign, es, years, t0_year, phase)

    chapters = sorted(campaign.chapters)
    ch_w, ch_ws, missing = scoring.totals(chapters)
    with np.errstate(invalid="ignore", divide="ignore"):
        ch_score = np.where(ch_w > 0, 100 * ch_ws / ch_w, np.nan)
    with_list = scoring.with_list
    table = np.array([[campaign.chapter_weights(bool(x)).get(k, 0.0) for k in chapters] for x in (False, True)])
    ch_weight = np.broadcast_to(table[with_list.astype(int)][:, None, :], ch_score.shape)
    effective = np.where(~np.isnan(ch_score) & (ch_weight > 0), ch_weight, 0.0)
    total = effective.sum(-1, keepdims=True)
    part = np.divide(effective, total, out=np.zeros_like(effective), where=total > 0)
    g = np.where(total[..., 0] > 0, (part * np.nan_to_num(ch_score)).sum(-1), np.nan)

    keep = cube.present[scoring.pos]  # [year, establishment] with data
    e_idx, y_idx = np.nonzero(keep.T)  # rows by establishment, then year
    return Scores(
        campaign,
        chapters=chapter_frame(cube.finess.to_numpy(), chapters, years, e_idx, y_idx, ch_score, ch_weight, part,
                               ch_w),
        establishments=global_frame(es, campaign, chapters, years, keep, g, ch_score, missing),
        make_indicators=lambda: _indicator_frame(scoring, chapters, e_idx, y_idx, part, ch_w),
    )


def _detail_arrays(scoring: _Scoring, chapters: list[int], part: np.ndarray,
                   ch_w: np.ndarray) -> dict[str, np.ndarray]:
    """The indicator table's per-cell columns as [indicator, year, establishment] arrays (codes
    into NC_REASONS, STATUSES and TRENDS for the texts)."""
    cube, cat = scoring.cube, scoring.cube.cat
    shape = (len(cat.codes), len(scoring.years), scoring.n_es)
    out = {name: np.empty(shape) for name in ("valeur", "valeur_t0", "valeur_n1", "cible", "cible_campagne", "score",
                                              "gain")}
    out |= {name: np.empty(shape, dtype=np.int8)
            for name in ("motif_nc", "statut", "tendance_t0", "tendance_n1")}
    out["applicable"], out["cible_avenant"] = np.empty(shape, dtype=bool), np.empty(shape, dtype=bool)
    n1_pos = [cube.years.index(y - 1) for y in scoring.years]
    k_of = np.searchsorted(chapters, cat.chapter)
    for i in range(len(cat.codes)):
        cells, k, up = scoring.cells(i), k_of[i], bool(cat.up[i])
        out["valeur"][i], out["applicable"][i], out["score"][i] = cells.value, cells.applicable, cells.score
        out["valeur_t0"][i] = scoring.t0(i)
        out["valeur_n1"][i] = cube.value[i, n1_pos]
        out["cible"][i] = cube.target(i, scoring.pos)
        out["cible_campagne"][i] = cube.campaign_target(i, scoring.pos)
        own = cube.own_target(i, scoring.pos)
        out["cible_avenant"][i] = False if own is None else ~np.isnan(own)
        out["motif_nc"][i] = cells.scope.reason()
        out["statut"][i] = cells.status()
        out["tendance_t0"][i] = _trend(cells.value, out["valeur_t0"][i], up)
        out["tendance_n1"][i] = _trend(cells.value, out["valeur_n1"][i], up)
        w = np.where(cells.applicable, cat.weight[i], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = 100 * part[..., k].T * w / ch_w[..., k].T * (1 - cells.score)
        out["gain"][i] = np.where(cells.applicable, gain, np.nan)
    return out


def _indicator_frame(scoring: _Scoring, chapters: list[int], e_idx: np.ndarray, y_idx: np.ndarray,
                     part: np.ndarray, ch_w: np.ndarray) -> pd.DataFrame:
    cube, cat, campaign, years = scoring.cube, scoring.cube.cat, scoring.campaign, scoring.years
    arrays = _detail_arrays(scoring, chapters, part, ch_w)
    n_ind, n_y, n_es = len(cat.codes), len(years), scoring.n_es
    rows_e, rows_y = np.repeat(e_idx, n_ind), np.repeat(y_idx, n_ind)
    ind = np.tile(np.arange(n_ind), len(e_idx))
    cell = (ind * n_y + rows_y) * n_es + rows_e  # rows by establishment, year, then indicator
    inds = campaign.indicators

    def per_indicator(values: list) -> pd.Series:
        return pd.Series(np.array(values, dtype=object).take(ind), dtype=object, copy=False)

    def pick(name: str) -> np.ndarray:
        return arrays[name].reshape(-1).take(cell)

    def labels(name: str, names: Sequence[str] | np.ndarray) -> pd.Series:
        return pd.Series(np.asarray(names, dtype=object).take(pick(name)), dtype=object, copy=False)

    return pd.DataFrame({
        "finess": pd.Series(cube.finess.to_numpy().take(rows_e), dtype=object, copy=False),
        "annee": np.asarray(years, dtype=np.int64).take(rows_y),
        "indicateur": per_indicator(list(cat.codes)),
        "chapitre": cat.chapter.take(ind),
        "portee": per_indicator([i.scope for i in inds]),
        "regle": per_indicator([i.rule for i in inds]),
        "sens": per_indicator([i.direction for i in inds]),
        "unite": per_indicator([i.unit or "" for i in inds]),
        "poids": cat.weight.take(ind),
        **{name: pick(name) for name in ("valeur", "valeur_t0", "valeur_n1", "cible", "cible_campagne",
                                         "cible_avenant", "applicable")},
        "motif_nc": labels("motif_nc", NC_REASONS),
        "statut": labels("statut", STATUSES),
        "score": pick("score"),
        "tendance_t0": labels("tendance_t0", TRENDS),
        "tendance_n1": labels("tendance_n1", TRENDS),
        "gain": pick("gain"),
    }, copy=False)  # the columns are new arrays


def score_by_year(dataset: Dataset, campaigns: list[Campaign], years: Iterable[int],
                  allow_other_year: bool = False, phase: int = 2) -> dict[int, Scores]:
    """Score each year with its own campaign (:func:`~caqes_toolkit.rules.campaign.campaign_for_year`),
    with T0 and N−1 scored under the same rules (``phase`` 1: each year's Assurance Maladie
    indicators are awaited, and left out of its T0 and N−1, on the same indicators)."""
    chosen = {year: campaign_for_year(campaigns, year, allow_other_year) for year in sorted(set(years))}
    with_results = set(dataset.years)
    rows = _Rows(dataset)
    out = {}
    for year, campaign in chosen.items():
        t0 = {campaign.t0_year} if campaign.t0_year is not None else set()
        needed = ({year - 1} | t0) & with_results | {year}
        out[year] = _score(rows, campaign, needed, adjusted=True, phase=phase)
    return out

