"""Scoring (rules in params/README.md): indicator scores, chapter scores, global score, class, sanction.

Everything is vectorised over establishments × years × indicators. :func:`score` returns a
:class:`Scores` with three DataFrames whose columns are documented on the class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data.dataset import MATURITY_STEPS, Dataset
from ..errors import CaqesError
from ..rules.campaign import ACTIVITIES, Campaign, Indicator, campaign_for_year

#: Refusal of the socle's scoring for a second-generation campaign (evaluated by its volets alone).
SECOND_GENERATION = ("campagne de deuxième génération (generation: 2) : pas de volet obligatoire à noter (ni score "
                     "global, ni classe, ni plan d'actions du socle) ; elle s'évalue par ses volets incitatifs : "
                     "caqes score … --volets, caqes ciblage, caqes reports, caqes synthese")
__all__ = ["STATUSES", "Scores", "score", "score_by_year"]

#: Indicator statuses, in the order reports list them.
STATUSES: tuple[str, ...] = ("atteint", "en progrès", "non atteint", "non renseigné", "non concerné",
                              "en attente")
MAX_STEP = 5


@dataclass(frozen=True)
class Scores:
    """Scores of a set of establishments and years under one campaign.

    ``indicators`` (built on first use: it is the large table): one row per establishment ×
        year × catalogue indicator — finess, annee, indicateur, chapitre, portee, regle, sens,
        unite, poids, valeur, valeur_t0, valeur_n1, cible, applicable (bool), motif_nc, statut,
        score (0–1, NaN when not applicable), tendance_t0 / tendance_n1 ("amélioré" | "stable" |
        "dégradé" | NaN), gain (points of global score won if the indicator reached score 1).
    ``chapters``: one row per establishment × year × chapter —
        finess, annee, chapitre, score (0–100, NaN = NC), poids (weight of the profile table),
        part (effective share of the global score, 0–1, after pro rata), poids_indicateurs.
    ``establishments``: one row per establishment × year —
        finess, raison_sociale, region, activites, liste_en_sus, annee, score_global, classe,
        sanction_proposee (bool), produits_am, chapitre_1 … chapitre_N, nb_non_renseignes,
        plafond_sanction (euros, NaN unless a sanction is proposed and produits_am is known).
    """

    campaign: Campaign
    chapters: pd.DataFrame
    establishments: pd.DataFrame
    make_indicators: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        return self.make_indicators()

    def year(self, annee: int) -> Scores:
        """The same scores restricted to one year."""
        return Scores(
            self.campaign,
            chapters=_rows_of(self.chapters, annee),
            establishments=_rows_of(self.establishments, annee),
            make_indicators=lambda: _rows_of(self.indicators, annee),
        )


def _rows_of(df: pd.DataFrame, annee: int) -> pd.DataFrame:
    return df[df["annee"] == annee].reset_index(drop=True)


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


class _Cube:
    """Input values as dense arrays indexed [indicator, year, establishment] (years: ``years``).

    Indicator first: each indicator's values are one contiguous [year, establishment] block,
    scored on its own with the scalars of its rule (see :class:`_Scoring`).
    """

    def __init__(self, data: Dataset, campaign: Campaign, cat: _Catalogue, years: list[int],
                 adjusted: bool):
        es = data.establishments
        self.finess = pd.Index(es["finess"])
        self.years = years
        self.cat = cat
        n_es, n_y, n_ind = len(es), len(years), len(cat.codes)
        self.value = np.full((n_ind, n_y, n_es), np.nan)
        self.nc = np.zeros((n_ind, n_y, n_es), dtype=bool)
        self.present = np.zeros((n_y, n_es), dtype=bool)
        year_index, code_index = pd.Index(years), pd.Index(cat.codes)
        tables = [data.results] + ([data.adjustments] if adjusted else [])
        for table in tables:  # adjustments are written last: they replace reported values
            e, y, i = (_positions(self.finess, table["finess"]), year_index.get_indexer(table["annee"]),
                       _positions(code_index, table["indicateur"]))
            ok = (e >= 0) & (y >= 0) & (i >= 0)
            # flat positions into the arrays: one 1-d scatter costs a third of a 3-d fancy index
            cell, row = (i * n_y + y) * n_es + e, y * n_es + e
            values, nc = table["valeur"].to_numpy(dtype=float), table["nc"].to_numpy(dtype=bool)
            if not ok.all():
                cell, row, values, nc = cell[ok], row[ok], values[ok], nc[ok]
            self.value.reshape(-1)[cell] = values
            self.nc.reshape(-1)[cell] = nc
            self.present.reshape(-1)[row] = True
        mat = data.maturity
        steps = mat[list(MATURITY_STEPS)].to_numpy(dtype=float)
        pct = 100 * steps.sum(axis=1) / (MAX_STEP * len(MATURITY_STEPS))  # NaN if a step is missing
        e, y = _positions(self.finess, mat["finess"]), year_index.get_indexer(mat["annee"])
        ok = (e >= 0) & (y >= 0) & ~np.isnan(pct)
        self.present[y[ok], e[ok]] = True
        for k in np.flatnonzero(cat.rule == RULES.index("maturite")):
            keep = ok & ~self.nc[k, y, e]  # NC declared in resultats wins over the table
            self.value[k, y[keep], e[keep]] = pct[keep]
        self._references(data, es, year_index, code_index)

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

    def target(self, i: int, pos: list[int]) -> np.ndarray:
        """Targets of indicator ``i`` in the years at ``pos``: fixed, national or regional
        reference, as an array broadcastable to [year, establishment] (NaN: none)."""
        kind = self.cat.target_kind[i]
        if kind == TARGET_KINDS.index("national"):
            return self.national[pos, i][:, None]
        if kind == TARGET_KINDS.index("regional"):
            return self.regional[:, pos, i][self.es_region].T
        return np.asarray(self.cat.target[i])


def _raw_score(ind: Indicator, v: np.ndarray, t0: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Raw score (0–1) of one indicator's values by its rule; NaN where there is no value."""
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
    return np.where(np.isnan(v), np.nan, s)


@dataclass(frozen=True)
class _Scope:
    """Whether one indicator applies to each establishment-year, and why not (arrays
    broadcastable to [year, establishment])."""

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


class _Scoring:
    """Indicator scores of the years ``years`` of a cube, as [indicator, year, establishment].

    Each indicator is scored on its own [year, establishment] block: its rule, direction and
    weight are scalars, so no work is spent on the other rules' branches. ``score`` (0–1, NaN
    when not applicable), ``applicable``, ``reported`` (a value is known), ``weight`` (the
    indicator's weight when applicable, else 0), ``weighted`` (weight × score) and ``missing``
    ([year, establishment]: applicable indicators without a value).
    """

    def __init__(self, cube: _Cube, campaign: Campaign, es: pd.DataFrame, years: list[int],
                 phase: int):
        cat = cube.cat
        self.cube, self.campaign, self.years = cube, campaign, years
        self.pos = [cube.years.index(y) for y in years]
        self.t0_pos = cube.years.index(campaign.t0_year)
        self.activities = _activity_mask(es["activites"])
        self.with_list = es["liste_en_sus"].to_numpy(dtype=bool)
        # a chapter absent from the « sans liste en sus » weights (chapter 5) needs the liste en sus
        self.needs_list = ~np.isin(cat.chapter, list(campaign.chapter_weights(False)))
        self.awaited = np.zeros((len(cat.codes), len(years), 1), dtype=bool)
        if phase == 1 and years:  # the latest year's Assurance Maladie data
            self.awaited[:, -1, 0] = cat.awaited
        shape = (len(cat.codes), len(years), len(es))
        self.score, self.weight, self.weighted = np.empty(shape), np.empty(shape), np.empty(shape)
        self.applicable, self.reported = np.empty(shape, dtype=bool), np.empty(shape, dtype=bool)
        self.missing = np.zeros(shape[1:], dtype=np.int64)
        for i, ind in enumerate(campaign.indicators):
            self._score_one(i, ind)

    def values(self, i: int) -> np.ndarray:
        """Values of indicator ``i`` in the scored years (NaN when awaited), [year, establishment]."""
        v = self.cube.value[i, self.pos]
        v[self.awaited[i, :, 0]] = np.nan
        return v

    def t0(self, i: int) -> np.ndarray:
        """Values of indicator ``i`` in the T0 year, [establishment]."""
        return self.cube.value[i, self.t0_pos]

    def scope(self, i: int) -> _Scope:
        cat = self.cube.cat
        target_ok = np.asarray(True)
        if cat.rule[i] == RULES.index("cible"):
            target_ok = ~np.isnan(self.cube.target(i, self.pos))
        return _Scope(activity_ok=(cat.mask[i] & self.activities) != 0,
                      list_ok=self.with_list if self.needs_list[i] else np.asarray(True),
                      awaited=self.awaited[i], nc=self.cube.nc[i, self.pos], target_ok=target_ok)

    def _score_one(self, i: int, ind: Indicator) -> None:
        raw = _raw_score(ind, self.values(i), self.t0(i), self.cube.target(i, self.pos))
        applicable = self.scope(i).applicable
        reported = ~np.isnan(raw)
        self.applicable[i], self.reported[i] = applicable, reported
        self.score[i] = np.where(applicable, np.where(reported, raw, 0.0), np.nan)
        self.weight[i] = np.where(applicable, self.cube.cat.weight[i], 0.0)
        self.weighted[i] = self.weight[i] * np.nan_to_num(self.score[i])
        self.missing += applicable & ~reported

    def status(self, i: int) -> np.ndarray:
        """Codes into STATUSES of indicator ``i``, [year, establishment]."""
        scope, s, applicable = self.scope(i), self.score[i], self.applicable[i]
        return np.select([scope.awaited & scope.activity_ok & scope.list_ok, ~applicable,
                          ~self.reported[i], s >= 1 - 1e-12, s > 0], [5, 4, 3, 0, 1], 2)

    def by_chapter(self, values: np.ndarray, chapters: list[int]) -> np.ndarray:
        """Sums over each chapter's indicators of [indicator, year, establishment] ``values``
        (added one by one in catalogue order), as a contiguous [establishment, year, chapter]
        array."""
        sums = np.zeros((len(chapters), *values.shape[1:]))
        for i, k in enumerate(self.cube.cat.chapter):
            sums[chapters.index(k)] += values[i]
        return np.ascontiguousarray(sums.transpose(2, 1, 0))


def _trend(v: np.ndarray, other: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Codes into TRENDS: 0 unknown, 1 improved, 2 stable, 3 worse (according to the direction)."""
    delta = np.where(up, v - other, other - v)
    code = np.select([delta > 1e-9, delta < -1e-9], [1, 3], 2)
    return np.where(np.isnan(delta), 0, code)


def score(dataset: Dataset, campaign: Campaign, years: Iterable[int] | None = None,
          *, adjusted: bool = True, phase: int = 2) -> Scores:
    """Score every establishment of ``dataset`` for ``years`` (default: every year with data).

    With ``adjusted`` (the default), values of the adjustments table replace the reported ones.
    An establishment is scored for a year only if it has data that year (results or maturity).
    ``phase`` 1 is the provisional evaluation of the latest year, before the Assurance Maladie
    data arrive: those indicators are « en attente », left out of the scores (never 0) and
    their values ignored; earlier years are final. Phase 2 (default) is the final evaluation.
    """
    if phase not in PHASES:
        raise ValueError(f"phase d'évaluation attendue : 1 ou 2 (reçu : {phase})")
    if campaign.second_generation:
        raise CaqesError(SECOND_GENERATION)
    t0_year = campaign.t0_year
    if t0_year is None:  # required of a first-generation campaign when it is read
        raise CaqesError(f"campagne {campaign.name} : année T0 (« annee_t0 ») absente")
    years = sorted(set(years if years is not None else dataset.years))
    cat = _Catalogue.of(campaign)
    cube_years = sorted(set(years) | {t0_year} | {y - 1 for y in years})
    cube = _Cube(dataset, campaign, cat, cube_years, adjusted)
    es = dataset.establishments
    scoring = _Scoring(cube, campaign, es, years, phase)

    chapters = sorted(campaign.chapters)
    ch_w = scoring.by_chapter(scoring.weight, chapters)
    ch_ws = scoring.by_chapter(scoring.weighted, chapters)
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
        chapters=_chapter_frame(cube, chapters, years, e_idx, y_idx, ch_score, ch_weight, part, ch_w),
        establishments=_global_frame(es, campaign, chapters, years, keep, g, ch_score, scoring.missing),
        make_indicators=lambda: _indicator_frame(scoring, chapters, e_idx, y_idx, part, ch_w),
    )


def _detail_arrays(scoring: _Scoring, chapters: list[int], part: np.ndarray,
                   ch_w: np.ndarray) -> dict[str, np.ndarray]:
    """The indicator table's per-cell columns as [indicator, year, establishment] arrays."""
    cube, cat = scoring.cube, scoring.cube.cat
    shape = scoring.score.shape
    out = {name: np.empty(shape) for name in ("valeur", "valeur_t0", "valeur_n1", "cible", "gain")}
    out |= {name: np.empty(shape, dtype=np.int64) for name in ("motif_nc", "statut")}
    n1_pos = [cube.years.index(y - 1) for y in scoring.years]
    k_of = np.searchsorted(chapters, cat.chapter)
    for i in range(len(cat.codes)):
        k, s, w = k_of[i], scoring.score[i], scoring.weight[i]
        out["valeur"][i] = scoring.values(i)
        out["valeur_t0"][i] = scoring.t0(i)
        out["valeur_n1"][i] = cube.value[i, n1_pos]
        out["cible"][i] = cube.target(i, scoring.pos)
        out["motif_nc"][i] = scoring.scope(i).reason()
        out["statut"][i] = scoring.status(i)
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = 100 * part[..., k].T * w / ch_w[..., k].T * (1 - s)
        out["gain"][i] = np.where(scoring.applicable[i], gain, np.nan)
    return out | {"applicable": scoring.applicable, "score": scoring.score}


def _indicator_frame(scoring: _Scoring, chapters: list[int], e_idx: np.ndarray, y_idx: np.ndarray,
                     part: np.ndarray, ch_w: np.ndarray) -> pd.DataFrame:
    cube, cat, campaign, years = scoring.cube, scoring.cube.cat, scoring.campaign, scoring.years
    arrays = _detail_arrays(scoring, chapters, part, ch_w)
    n_ind, n_y, n_es = scoring.score.shape
    rows_e, rows_y = np.repeat(e_idx, n_ind), np.repeat(y_idx, n_ind)
    ind = np.tile(np.arange(n_ind), len(e_idx))
    cell = (ind * n_y + rows_y) * n_es + rows_e  # rows by establishment, year, then indicator
    inds = campaign.indicators

    def per_indicator(values: list) -> pd.Series:
        return pd.Series(np.array(values, dtype=object)[ind], dtype=object)

    def pick(name: str) -> np.ndarray:
        return arrays[name].reshape(-1)[cell]

    v, v_t0, v_n1 = pick("valeur"), pick("valeur_t0"), pick("valeur_n1")
    up = cat.up[ind]

    def labels(name: str, names) -> pd.Series:
        return pd.Series(np.asarray(names, dtype=object)[pick(name)], dtype=object)

    return pd.DataFrame({
        "finess": pd.Series(cube.finess.to_numpy()[rows_e], dtype=object),
        "annee": np.asarray(years, dtype=np.int64)[rows_y],
        "indicateur": per_indicator(list(cat.codes)),
        "chapitre": cat.chapter[ind],
        "portee": per_indicator([i.scope for i in inds]),
        "regle": per_indicator([i.rule for i in inds]),
        "sens": per_indicator([i.direction for i in inds]),
        "unite": per_indicator([i.unit or "" for i in inds]),
        "poids": cat.weight[ind],
        "valeur": v, "valeur_t0": v_t0, "valeur_n1": v_n1,
        "cible": pick("cible"),
        "applicable": pick("applicable"),
        "motif_nc": labels("motif_nc", NC_REASONS),
        "statut": labels("statut", STATUSES),
        "score": pick("score"),
        "tendance_t0": pd.Series(TRENDS[_trend(v, v_t0, up)], dtype=object),
        "tendance_n1": pd.Series(TRENDS[_trend(v, v_n1, up)], dtype=object),
        "gain": pick("gain"),
    })


def _chapter_frame(cube: _Cube, chapters: list[int], years: list[int], e_idx: np.ndarray,
                   y_idx: np.ndarray, score: np.ndarray, weight: np.ndarray, part: np.ndarray,
                   ind_weight: np.ndarray) -> pd.DataFrame:
    n_ch = len(chapters)
    rows_e, rows_y = np.repeat(e_idx, n_ch), np.repeat(y_idx, n_ch)
    k = np.tile(np.arange(n_ch), len(e_idx))
    return pd.DataFrame({
        "finess": pd.Series(cube.finess.to_numpy()[rows_e], dtype=object),
        "annee": np.asarray(years, dtype=np.int64)[rows_y],
        "chapitre": np.asarray(chapters)[k],
        "score": score[rows_e, rows_y, k],
        "poids": weight[rows_e, rows_y, k],
        "part": part[rows_e, rows_y, k],
        "poids_indicateurs": ind_weight[rows_e, rows_y, k],
    })


def _global_frame(es: pd.DataFrame, campaign: Campaign, chapters: list[int], years: list[int],
                  keep: np.ndarray, g: np.ndarray, ch_score: np.ndarray,
                  missing: np.ndarray) -> pd.DataFrame:
    """One row per establishment-year with data (``keep``, [year, establishment]), by year
    then FINESS (taken in that order rather than sorted after)."""
    by_finess = es["finess"].argsort(kind="stable").to_numpy()
    y_idx, rank = np.nonzero(keep[:, by_finess])
    e_idx = by_finess[rank]
    cols = ["finess", "raison_sociale", "region", "activites", "liste_en_sus", "produits_am"]
    out = es[cols].iloc[e_idx].reset_index(drop=True)
    out.insert(5, "annee", np.asarray(years, dtype=np.int64)[y_idx])
    glob = g[e_idx, y_idx]
    rounded = np.round(glob, 6)
    names, bounds = list(campaign.classes), list(campaign.classes.values())
    grade = np.select([rounded >= b for b in bounds], names, default=names[-1]).astype(object)
    grade[np.isnan(glob)] = np.nan
    sanction = ~np.isnan(glob) & (rounded < campaign.sanction_threshold) & (not campaign.without_sanction)
    out.insert(6, "score_global", glob)
    out.insert(7, "classe", grade)
    out.insert(8, "sanction_proposee", sanction)
    for j, k in enumerate(chapters):
        out[f"chapitre_{k}"] = ch_score[e_idx, y_idx, j]
    out["nb_non_renseignes"] = missing[y_idx, e_idx]
    cap = campaign.sanction.cap_pct_income / 100 if campaign.sanction else np.nan
    out["plafond_sanction"] = np.where(sanction, out["produits_am"].to_numpy(dtype=float) * cap, np.nan)
    return out


def score_by_year(dataset: Dataset, campaigns: list[Campaign], years: Iterable[int],
                  allow_other_year: bool = False, phase: int = 2) -> dict[int, Scores]:
    """Score each year with its own campaign (:func:`~caqes_toolkit.rules.campaign.campaign_for_year`),
    with T0 and N−1 scored under the same rules (``phase`` 1: each year's Assurance Maladie
    indicators are awaited, earlier years final)."""
    out = {}
    for year in sorted(set(years)):
        campaign = campaign_for_year(campaigns, year, allow_other_year)
        t0 = {campaign.t0_year} if campaign.t0_year is not None else set()
        needed = ({year, year - 1} | t0) & set(dataset.years) | {year}
        out[year] = score(dataset, campaign, needed, phase=phase)
    return out
