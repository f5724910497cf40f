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
from ..rules.campaign import ACTIVITIES, Campaign, campaign_for_year

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
    """Input values as dense arrays indexed [establishment, year, indicator] (years: ``years``)."""

    def __init__(self, data: Dataset, campaign: Campaign, cat: _Catalogue, years: list[int],
                 adjusted: bool):
        es = data.establishments
        self.finess = pd.Index(es["finess"])
        self.years = years
        n_es, n_y, n_ind = len(es), len(years), len(cat.codes)
        self.value = np.full((n_es, n_y, n_ind), np.nan)
        self.nc = np.zeros((n_es, n_y, n_ind), dtype=bool)
        self.present = np.zeros((n_es, n_y), dtype=bool)
        year_index, code_index = pd.Index(years), pd.Index(cat.codes)
        tables = [data.results] + ([data.adjustments] if adjusted else [])
        for table in tables:  # adjustments are written last: they replace reported values
            e, y, i = (_positions(self.finess, table["finess"]), year_index.get_indexer(table["annee"]),
                       _positions(code_index, table["indicateur"]))
            ok = (e >= 0) & (y >= 0) & (i >= 0)
            e, y, i = e[ok], y[ok], i[ok]
            self.value[e, y, i] = table["valeur"].to_numpy(dtype=float)[ok]
            self.nc[e, y, i] = table["nc"].to_numpy(dtype=bool)[ok]
            self.present[e, y] = True
        mat = data.maturity
        steps = mat[list(MATURITY_STEPS)].to_numpy(dtype=float)
        pct = 100 * steps.sum(axis=1) / (MAX_STEP * len(MATURITY_STEPS))  # NaN if a step is missing
        e, y = _positions(self.finess, mat["finess"]), year_index.get_indexer(mat["annee"])
        ok = (e >= 0) & (y >= 0) & ~np.isnan(pct)
        self.present[e[ok], y[ok]] = True
        for k in np.flatnonzero(cat.rule == RULES.index("maturite")):
            keep = ok & ~self.nc[e, y, k]  # NC declared in resultats wins over the table
            self.value[e[keep], y[keep], k] = pct[keep]
        self.target = self._targets(data, campaign, cat, es, year_index, code_index)

    @staticmethod
    def _targets(data: Dataset, campaign: Campaign, cat: _Catalogue, es: pd.DataFrame,
                 year_index: pd.Index, code_index: pd.Index) -> np.ndarray:
        """Targets [establishment, year, indicator]: fixed, national or regional reference."""
        n_y, n_ind = len(year_index), len(cat.codes)
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
        es_region = _positions(regions, es["region"])
        kind = cat.target_kind
        target = np.broadcast_to(cat.target, (len(es), n_y, n_ind))
        target = np.where(kind == TARGET_KINDS.index("national"), national[None], target)
        return np.where(kind == TARGET_KINDS.index("regional"), regional[es_region], target)

    def at(self, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Values and NC flags of the given years, [establishment, len(years), indicator]."""
        pos = [self.years.index(y) for y in years]
        return self.value[:, pos, :], self.nc[:, pos, :]


def _indicator_scores(v: np.ndarray, t0: np.ndarray, c: np.ndarray, cat: _Catalogue,
                      campaign: Campaign) -> np.ndarray:
    """Raw score (0–1) of each value by its rule; NaN where there is no value."""
    up = cat.up
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(up, v >= c, v <= c).astype(float)
        gap = np.where(up, c - t0, t0 - c)
        progress = np.clip(np.where(up, v - t0, t0 - v) / gap, 0, 1)
    progress = np.where((gap > 0) & ~np.isnan(progress), progress, 0.0)
    rule = cat.rule
    s = np.select(
        [rule == RULES.index("cible"), rule == RULES.index("binaire"), rule == RULES.index("maturite")],
        [np.maximum(level, progress), v, v / 100],
        np.nan,
    )
    for i, ind in enumerate(campaign.indicators):
        if ind.rule == "seuils":
            points = np.zeros(v.shape[:-1])
            for threshold, pts in ind.thresholds or ():
                met = v[..., i] >= threshold if ind.direction == "hausse" else v[..., i] <= threshold
                points = np.where(met, np.maximum(points, pts), points)
            s[..., i] = points
    return np.where(np.isnan(v), np.nan, s)


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
    v, nc = cube.at(years)
    awaited = np.zeros(v.shape, dtype=bool)
    if phase == 1 and years:
        awaited[:, years.index(max(years)), :] = cat.awaited
        v = np.where(awaited, np.nan, v)
    t0 = cube.at([t0_year])[0]
    n1 = cube.at([y - 1 for y in years])[0]
    pos = [cube_years.index(y) for y in years]
    c = cube.target[:, pos, :]

    es_mask = _activity_mask(es["activites"])[:, None, None]
    with_list = es["liste_en_sus"].to_numpy(dtype=bool)
    activity_ok = np.broadcast_to((cat.mask & es_mask) != 0, v.shape)
    # a chapter absent from the « sans liste en sus » weights (chapter 5) needs the liste en sus
    needs_list = ~np.isin(cat.chapter, list(campaign.chapter_weights(False)))
    list_ok = np.broadcast_to(~needs_list | with_list[:, None, None], v.shape)
    target_ok = ~((cat.rule == RULES.index("cible")) & np.isnan(c))
    applicable = activity_ok & list_ok & ~nc & target_ok & ~awaited
    reason = np.select([~activity_ok, ~list_ok, awaited, nc, ~target_ok], [1, 2, 5, 3, 4], 0)
    raw = _indicator_scores(v, t0, c, cat, campaign)
    reported = ~np.isnan(raw)
    s = np.where(applicable, np.where(reported, raw, 0.0), np.nan)
    status = np.select([awaited & activity_ok & list_ok, ~applicable, ~reported, s >= 1 - 1e-12, s > 0],
                       [5, 4, 3, 0, 1], 2)

    chapters = sorted(campaign.chapters)
    w = np.where(applicable, cat.weight, 0.0)
    ws = w * np.nan_to_num(s)
    ch_w = np.stack([w[..., cat.chapter == k].sum(-1) for k in chapters], axis=-1)
    ch_ws = np.stack([ws[..., cat.chapter == k].sum(-1) for k in chapters], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ch_score = np.where(ch_w > 0, 100 * ch_ws / ch_w, np.nan)
    table = np.array([[campaign.chapter_weights(bool(x)).get(k, 0.0) for k in chapters] for x in (False, True)])
    ch_weight = np.broadcast_to(table[with_list.astype(int)][:, None, :], ch_score.shape)
    effective = np.where(~np.isnan(ch_score) & (ch_weight > 0), ch_weight, 0.0)
    total = effective.sum(-1, keepdims=True)
    part = np.divide(effective, total, out=np.zeros_like(effective), where=total > 0)
    g = np.where(total[..., 0] > 0, (part * np.nan_to_num(ch_score)).sum(-1), np.nan)
    k_of = np.searchsorted(chapters, cat.chapter)
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = np.where(applicable, 100 * part[..., k_of] * w / ch_w[..., k_of] * (1 - s), np.nan)

    keep = cube.present[:, pos]  # establishment-years with data
    e_idx, y_idx = np.nonzero(keep)
    arrays = {
        "valeur": v, "valeur_t0": np.broadcast_to(t0, v.shape), "valeur_n1": n1, "cible": c,
        "applicable": applicable, "motif_nc": reason, "statut": status, "score": s, "gain": gain,
    }
    return Scores(
        campaign,
        chapters=_chapter_frame(cube, chapters, years, e_idx, y_idx, ch_score, ch_weight, part, ch_w),
        establishments=_global_frame(es, campaign, chapters, years, e_idx, y_idx, g, ch_score, status),
        make_indicators=lambda: _indicator_frame(cube, cat, campaign, years, e_idx, y_idx, arrays),
    )


def _indicator_frame(cube: _Cube, cat: _Catalogue, campaign: Campaign, years: list[int],
                     e_idx: np.ndarray, y_idx: np.ndarray, arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    n_ind = len(cat.codes)
    rows_e, rows_y = np.repeat(e_idx, n_ind), np.repeat(y_idx, n_ind)
    ind = np.tile(np.arange(n_ind), len(e_idx))
    inds = campaign.indicators

    def per_indicator(values: list) -> pd.Series:
        return pd.Series(np.array(values, dtype=object)[ind], dtype=object)

    def pick(name: str) -> np.ndarray:
        return arrays[name][rows_e, rows_y, ind]

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
                  e_idx: np.ndarray, y_idx: np.ndarray, g: np.ndarray, ch_score: np.ndarray,
                  status: np.ndarray) -> pd.DataFrame:
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
    out["nb_non_renseignes"] = (status[e_idx, y_idx] == STATUSES.index("non renseigné")).sum(-1)
    cap = campaign.sanction.cap_pct_income / 100 if campaign.sanction else np.nan
    out["plafond_sanction"] = np.where(sanction, out["produits_am"].to_numpy(dtype=float) * cap, np.nan)
    first = ["finess", "raison_sociale", "region", "activites", "liste_en_sus", "annee",
             "score_global", "classe", "sanction_proposee"]
    return out[first + [c for c in out.columns if c not in first]].sort_values(
        ["annee", "finess"], ignore_index=True)


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
