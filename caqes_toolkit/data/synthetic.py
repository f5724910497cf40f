"""Deterministic generator of a fictitious region, driven by the campaign catalogue.

:func:`make_region` returns the input tables of the data contract as *text* (every cell a ``str``,
as a CSV file would hold it), keyed by file stem: ``etablissements``, ``resultats``,
``references``, ``maturite``, ``ajustements``. :func:`write_region` writes them as CSV files.

Nothing here knows an indicator code: values are drawn from each indicator's ``regle``,
``unite``, ``sens``, ``cible``/``seuils`` and ``activites``. Everything is vectorised with numpy
(one Python loop over the indicators, none over rows), so 30 000 establishments × 2 years ×
55 indicators (≈ 3 M result rows) take a few seconds.

The model, in short: each establishment has a latent quality ``q`` (≈ 0–1) and a yearly trend
(mostly positive); each indicator a difficulty; each (establishment, indicator) pair a lasting
offset; each year some noise. Their sum ``g`` is the share of the way from a poor value to the
target. Binary indicators are "oui" with a probability rising with ``g``; percentages go from
a poor level to a bit beyond the target, clipped to 0–100; evolution rates ("%/an") sit around
the target (some negative). Values are written the way establishments type them: "45.5",
"45,5", a few "45,5 %", "Oui", some "NC" and some empty or missing values.

The data are entirely fictitious: no real establishment, name or number is meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..rules.campaign import Campaign
from ..rules.objectives import ACTIVITIES, Indicator
from .tables import MATURITY_STEPS

__all__ = [
    "DEPARTEMENTS",
    "MATURITY_STEPS",
    "finess_check_digit",
    "finess_is_valid",
    "make_region",
    "write_region",
]


#: Department prefixes drawn by default (2 characters; some with a leading zero, one overseas).
DEPARTEMENTS: tuple[str, ...] = (
    "01", "03", "07", "09", "12", "26", "31", "34", "38", "42", "46", "63", "69", "73", "74", "97",
)

#: Activity profiles: (activities, share of establishments, probability of liste en sus).
_PROFILES: tuple[tuple[tuple[str, ...], float, float], ...] = (
    (("MCO",), 0.22, 0.92),
    (("MCO", "SSR"), 0.12, 0.90),
    (("MCO", "SSR", "PSY"), 0.04, 0.95),
    (("MCO", "HAD"), 0.03, 0.90),
    (("MCO", "SSR", "HAD"), 0.04, 0.95),
    (("MCO", "DIA"), 0.03, 0.92),
    (("SSR",), 0.20, 0.08),
    (("PSY",), 0.12, 0.02),
    (("SSR", "PSY"), 0.03, 0.05),
    (("HAD",), 0.07, 0.20),
    (("DIA",), 0.07, 0.15),
    (("HAD", "SSR"), 0.03, 0.15),
)

_PREFIXES: dict[str, tuple[str, ...]] = {
    "MCO": ("Centre hospitalier de", "Clinique de", "Polyclinique de", "Hôpital privé de"),
    "SSR": ("Centre de soins de suite de", "Centre de rééducation de", "Maison de convalescence de"),
    "PSY": ("Centre psychiatrique de", "Clinique psychiatrique de", "Établissement de santé mentale de"),
    "HAD": ("HAD de", "Hospitalisation à domicile de"),
    "DIA": ("Centre de dialyse de", "Unité d'autodialyse de"),
}
_PLACES: tuple[str, ...] = (
    "Fictiville", "Songeville", "Chimère-sur-Loire", "Pseudoville", "Mirage-les-Bains",
    "Nullepart", "Fauxbourg", "Val-Fictif", "Mont-Inventé", "Saint-Imaginaire", "Fabulac",
    "Illusion-sur-Mer", "Utopieux", "Rêveville", "Fantaisie-la-Forêt", "Légende-en-Bresse",
)

_MOTIFS: tuple[str, ...] = (
    "Erreur de saisie corrigée après la phase contradictoire",
    "Justificatif transmis (procès-verbal de CME) après l'évaluation",
    "Donnée actualisée par l'établissement avec pièces justificatives",
    "Périmètre des lits et places corrigé en phase contradictoire",
    "Valeur transmise hors délai, acceptée par l'ARS",
)
_MOTIF_NC = "Établissement non concerné par l'indicateur (justificatif fourni)"

# Rates of the deliberate irregularities (per applicable cell unless said otherwise).
_P_NC = 0.02            # "NC" on an applicable indicator
_P_EMPTY = 0.015        # row present, value empty (not reported)
_P_ABSENT = 0.01        # row absent (not reported)
_P_NC_OFF = 0.01        # "NC" row for an indicator the activity does not concern (on purpose)
_P_NEW = 0.02           # establishments with no data in the first year (opened since)
_P_MATURITY_MISSING = 0.02


# --- FINESS -------------------------------------------------------------------------------

def _digits(first8: str) -> list[int]:
    # Corsica (2A, 2B): the check digit is computed with the letter read as 0 ("20", the
    # department number before 1976). [choix] — the official rule is not in our sources.
    return [0 if ch in "AB" else int(ch) for ch in first8.upper()]


def finess_check_digit(first8: str) -> int:
    """Luhn check digit of the 8 first characters of a FINESS number."""
    if len(first8) != 8:
        raise ValueError(f"8 caractères attendus, reçu « {first8} »")
    total = 0
    for pos, d in enumerate(_digits(first8)):
        if pos % 2 == 1:            # doubled: positions 2, 4, 6, 8 (the one before the key)
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return (10 - total % 10) % 10


def finess_is_valid(code: str) -> bool:
    """9 characters, digits (2A/2B allowed as a prefix) and a correct Luhn check digit."""
    if len(code) != 9 or not code[8].isdigit():
        return False
    head = code[:8]
    if not (head.isdigit() or (head[:2].upper() in ("2A", "2B") and head[2:].isdigit())):
        return False
    return finess_check_digit(head) == int(code[8])


def _finess(departements: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique FINESS numbers, vectorised: department + 6 random digits + Luhn key."""
    n = len(departements)
    serial = np.zeros(n, dtype=np.int64)
    for dep in np.unique(departements):                 # loop over departments, not rows
        rows = np.flatnonzero(departements == dep)
        serial[rows] = rng.choice(10**6, size=len(rows), replace=False)
    uniq, inverse = np.unique(departements.astype(str), return_inverse=True)
    uniq_digits = np.array([[0 if ch in "AB" else int(ch) for ch in d.upper()] for d in uniq],
                           dtype=np.int64).reshape(len(uniq), 2)
    dep_digits = uniq_digits[inverse.reshape(-1)]
    tail = (serial[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    digits = np.concatenate([dep_digits, tail], axis=1)             # (n, 8)
    doubled = digits[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    key = (10 - (digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)) % 10) % 10
    serial_txt = np.char.zfill(serial.astype("U6"), 6).astype(object)
    return departements.astype(object) + serial_txt + key.astype(str).astype(object)


# --- value formatting ---------------------------------------------------------------------

def _tenths_text(tenths: np.ndarray, variant: np.ndarray) -> np.ndarray:
    """Numbers given in tenths as text: variant 0 "45.5", 1 "45,5", 2 "45,5 %"."""
    if len(tenths) == 0:
        return np.array([], dtype=object)
    lo, hi = int(tenths.min()), int(tenths.max())
    grid = np.arange(lo, hi + 1)
    dot = np.array([f"{k // 10}" if k % 10 == 0 else f"{k / 10:.1f}" for k in grid], dtype=object)
    comma = np.array([s.replace(".", ",") for s in dot], dtype=object)
    pct = np.array([s + " %" for s in comma], dtype=object)
    table = np.stack([dot, comma, pct])
    return table[variant, tenths - lo]


_YES = np.array(["oui", "Oui", "OUI"], dtype=object)
_NO = np.array(["non", "Non", "NON"], dtype=object)


def _variants(rng: np.random.Generator, size: int, percent_sign: bool) -> np.ndarray:
    p = (0.55, 0.40, 0.05) if percent_sign else (0.58, 0.42, 0.0)
    return rng.choice(3, size=size, p=p)


def _goal(ind: Indicator) -> float | None:
    """The value that scores 1 (numeric target, or the best threshold by direction)."""
    if ind.rule == "seuils" and ind.thresholds:
        values = [t for t, _ in ind.thresholds]
        return max(values) if ind.direction == "hausse" else min(values)
    if isinstance(ind.target, int | float):
        return float(ind.target)
    return None


def _numbers(ind: Indicator, g: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Numeric values of an indicator from the latent achievement ``g`` (1 ≈ target met)."""
    up = ind.direction == "hausse"
    if ind.unit == "%/an":                       # evolution rate: around the target
        v = target + (0.6 - g) * 8.0 * (1 if not up else -1)
        return np.clip(v, -30.0, 30.0)
    if up:
        poor = 0.3 * target
        v = poor + (target - poor) * 1.1 * g
    else:
        poor = 3.0 * target + 10.0
        v = poor - (poor - target) * 1.1 * g
    if ind.unit == "%":
        return np.clip(v, 0.0, 100.0)
    return np.clip(v, 0.0, None)


def _texts(ind: Indicator, g: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values as text for the cells of one indicator (``g`` and ``target`` aligned)."""
    if ind.rule == "binaire":
        yes = rng.random(len(g)) < 1.0 / (1.0 + np.exp(-(g - 0.45) * 7.0))
        case = rng.choice(3, size=len(g), p=(0.9, 0.07, 0.03))
        return np.where(yes, _YES[case], _NO[case])
    tenths = np.rint(_numbers(ind, g, target) * 10).astype(np.int64)
    percent_sign = ind.unit in ("%", "%/an")
    return _tenths_text(tenths, _variants(rng, len(g), percent_sign))


def _reference_values(ind: Indicator, years: Sequence[int], regional: bool) -> np.ndarray:
    """Reference targets per year (national or regional), improving by year."""
    idx = np.arange(len(years), dtype=float)
    up = ind.direction == "hausse"
    if ind.unit == "%/an":
        base, step = (1.0, 0.3) if up else (2.0, -0.5)
    elif ind.unit == "%":
        base, step = (42.0, 2.0) if up else (30.0, -2.0)
    else:
        base, step = (10.0, 1.0) if up else (10.0, -1.0)
    if regional:
        base += -1.5 if up else 0.5
    return np.round(base + step * idx, 1)


# --- the region ---------------------------------------------------------------------------

def _split_activities(text: str) -> tuple[str, ...]:
    parts = {p.strip().upper() for p in text.replace(",", ";").split(";") if p.strip()}
    unknown = parts - set(ACTIVITIES)
    if unknown or not parts:
        raise ValueError(f"activités attendues parmi {', '.join(ACTIVITIES)} ; reçu « {text} »")
    return tuple(a for a in ACTIVITIES if a in parts)


def _mask(activities: Sequence[str]) -> int:
    return sum(1 << ACTIVITIES.index(a) for a in activities)


def _check_length(values: Sequence | None, n: int, name: str) -> None:
    if values is not None and len(values) != n:
        raise ValueError(f"« {name} » doit avoir n = {n} éléments, reçu {len(values)}")


def make_region(
    campaign: Campaign,
    n: int,
    years: Sequence[int],
    seed: int = 0,
    region: str = "Région fictive",
    *,
    activites: Sequence[str] | None = None,
    liste_en_sus: Sequence[bool] | None = None,
    niveaux: Sequence[float] | None = None,
    noms: Sequence[str] | None = None,
    departements: Sequence[str] | None = None,
    n_ajustements: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Input tables of a fictitious region of ``n`` establishments for ``years``.

    Returns text DataFrames (every cell a ``str``) keyed by file stem: ``etablissements``,
    ``resultats``, ``references``, ``maturite``, ``ajustements``; same ``seed``, same tables.

    Optional per-establishment overrides (each of length ``n``): ``activites`` ("MCO;SSR"),
    ``liste_en_sus``, ``niveaux`` (latent quality, ≈ 0 poor … 1 excellent), ``noms``;
    ``departements`` is the pool of department prefixes to draw from (default
    :data:`DEPARTEMENTS`; "2A"/"2B" allowed). ``n_ajustements`` defaults to max(3, n // 20).
    """
    if n < 1:
        raise ValueError("n doit être ≥ 1")
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("au moins une année est attendue")
    for name, given in (("activites", activites), ("liste_en_sus", liste_en_sus),
                        ("niveaux", niveaux), ("noms", noms)):
        _check_length(given, n, name)
    rng = np.random.default_rng(seed)
    inds = campaign.indicators
    n_ind, n_year = len(inds), len(years)

    # Establishments ----------------------------------------------------------------------
    profile = rng.choice(len(_PROFILES), size=n, p=[p for _, p, _ in _PROFILES])
    if activites is not None:
        acts = [_split_activities(a) for a in activites]
        act_text = np.array(list(activites), dtype=object)
        act_mask = np.array([_mask(a) for a in acts], dtype=np.int64)
    else:
        prof_mask = np.array([_mask(a) for a, _, _ in _PROFILES], dtype=np.int64)
        prof_text = np.array([[";".join(a) for a, _, _ in _PROFILES],
                              [",".join(a) for a, _, _ in _PROFILES]], dtype=object)
        comma = (rng.random(n) < 0.05).astype(np.int64)          # a few "MCO,SSR"
        act_mask = prof_mask[profile]
        act_text = prof_text[comma, profile]
    has_mco = (act_mask & (1 << ACTIVITIES.index("MCO"))) != 0
    if liste_en_sus is not None:
        with_list = np.asarray(liste_en_sus, dtype=bool)
    else:
        p_list = np.array([p for _, _, p in _PROFILES])[profile]
        with_list = rng.random(n) < p_list
    pool = np.array(departements if departements is not None else DEPARTEMENTS, dtype=object)
    deps = pool[rng.integers(0, len(pool), size=n)]
    finess = _finess(deps, rng)
    if noms is not None:
        names = np.array(list(noms), dtype=object)
    else:
        # main activity = first of ACTIVITIES present (lowest bit set)
        main = np.log2(act_mask & -act_mask).astype(np.int64)
        table = np.array([[_PREFIXES[a][j % len(_PREFIXES[a])] for j in range(4)] for a in ACTIVITIES],
                         dtype=object)
        prefixes = table[main, rng.integers(0, 4, size=n)]
        places = np.array(_PLACES, dtype=object)[rng.integers(0, len(_PLACES), size=n)]
        number = np.char.add("n°", np.arange(1, n + 1).astype(str)).astype(object)
        names = prefixes + " " + places + " " + number
    income = np.exp(rng.normal(np.where(has_mco, np.log(4.0e7), np.log(6.0e6)), 0.6))
    income_txt = np.round(income).astype(np.int64).astype(str).astype(object)
    income_txt[rng.random(n) < 0.03] = ""
    etablissements = pd.DataFrame(dtype=object, data={
        "finess": finess,
        "raison_sociale": names,
        "region": np.full(n, region, dtype=object),
        "activites": act_text,
        "liste_en_sus": np.where(with_list, "oui", "non").astype(object),
        "produits_am": income_txt,
    })

    # Latent achievement g (n, years, indicators) ------------------------------------------
    quality = (np.asarray(niveaux, dtype=float) if niveaux is not None
               else rng.beta(2.6, 1.7, size=n))
    trend = rng.normal(0.07, 0.05, size=n)
    difficulty = rng.normal(0.0, 0.12, size=n_ind)
    lasting = rng.normal(0.0, 0.18, size=(n, n_ind))
    if niveaux is not None:                      # chosen levels: keep them readable
        lasting *= 0.5
    year_pos = np.array(years, dtype=float) - years[-1]       # last year = the given level
    g = (quality[:, None, None] + difficulty[None, None, :] + lasting[:, None, :]
         + trend[:, None, None] * year_pos[None, :, None]
         + rng.normal(0.0, 0.06, size=(n, n_year, n_ind)))

    # Which cells exist ---------------------------------------------------------------------
    ind_mask = np.array([(1 << len(ACTIVITIES)) - 1 if i.activities is None else _mask(i.activities)
                         for i in inds], dtype=np.int64)
    without_list = campaign.chapter_weights(False)
    needs_list = np.array([i.chapter not in without_list for i in inds])
    applicable = ((act_mask[:, None] & ind_mask[None, :]) != 0) & (with_list[:, None] | ~needs_list[None, :])
    applicable = np.broadcast_to(applicable[:, None, :], (n, n_year, n_ind))
    present = np.ones((n, n_year), dtype=bool)
    if n_year > 1:
        present[:, 0] = rng.random(n) >= _P_NEW
    present3 = np.broadcast_to(present[:, :, None], (n, n_year, n_ind))
    is_maturity = np.array([i.rule == "maturite" for i in inds])
    u = rng.random((n, n_year, n_ind))
    nc = applicable & present3 & (u < _P_NC)
    empty = applicable & present3 & (u >= _P_NC) & (u < _P_NC + _P_EMPTY) & ~is_maturity
    absent = applicable & (u >= _P_NC + _P_EMPTY) & (u < _P_NC + _P_EMPTY + _P_ABSENT)
    nc_off = ~applicable & present3 & (rng.random((n, n_year, n_ind)) < _P_NC_OFF)
    valued = applicable & present3 & ~nc & ~empty & ~absent & ~is_maturity
    emitted = valued | nc | empty | nc_off

    # Targets per year (numbers or references) ----------------------------------------------
    ref_rows: list[dict[str, str]] = []
    targets = np.zeros((n_year, n_ind))
    for k, ind in enumerate(inds):
        goal = _goal(ind)
        if ind.target_kind in ("national", "regional"):
            nat = _reference_values(ind, years, regional=False)
            reg = _reference_values(ind, years, regional=True)
            other = reg + (3.0 if ind.unit != "%/an" else 0.8)
            targets[:, k] = nat if ind.target_kind == "national" else reg
            for y, a, b, c in zip(years, nat, reg, other, strict=True):
                ref_rows.append({"indicateur": ind.code, "annee": str(y), "niveau": "national",
                                 "valeur": f"{a:.1f}", "region": ""})
                ref_rows.append({"indicateur": ind.code, "annee": str(y), "niveau": "regional",
                                 "valeur": f"{b:.1f}".replace(".", ","), "region": region})
                if ind.target_kind == "regional":
                    ref_rows.append({"indicateur": ind.code, "annee": str(y), "niveau": "regional",
                                     "valeur": f"{c:.1f}".replace(".", ","),
                                     "region": "Autre région fictive"})
        else:
            targets[:, k] = goal if goal is not None else 50.0

    # Values (one vectorised pass per indicator) --------------------------------------------
    values = np.full((n, n_year, n_ind), "", dtype=object)
    values[nc | nc_off] = "NC"
    for k, ind in enumerate(inds):
        if ind.rule == "maturite":
            continue
        cells = valued[:, :, k]
        e_idx, y_idx = np.nonzero(cells)
        values[e_idx, y_idx, k] = _texts(ind, g[e_idx, y_idx, k], targets[y_idx, k], rng)

    e_idx, y_idx, i_idx = np.nonzero(emitted)            # ordered by finess, year, indicator
    years_txt = np.array([str(y) for y in years], dtype=object)
    codes = np.array([i.code for i in inds], dtype=object)
    resultats = pd.DataFrame(dtype=object, data={
        "finess": finess[e_idx],
        "annee": years_txt[y_idx],
        "indicateur": codes[i_idx],
        "valeur": values[e_idx, y_idx, i_idx],
    })

    # Maturity grid (7 steps 0–5) for the first maturite indicator ---------------------------
    mat_k = np.flatnonzero(is_maturity)
    if len(mat_k):
        k = int(mat_k[0])
        keep = (applicable[:, :, k] & present & ~nc[:, :, k]
                & (rng.random((n, n_year)) >= _P_MATURITY_MISSING))
        me, my = np.nonzero(keep)
        steps = np.clip(np.rint(0.6 + 4.2 * g[me, my, k][:, None]
                                + rng.normal(0.0, 0.6, size=(len(me), 7))), 0, 5).astype(np.int64)
        maturite = pd.DataFrame(dtype=object, data={"finess": finess[me], "annee": years_txt[my]})
        for j, name in enumerate(MATURITY_STEPS):
            maturite[name] = steps[:, j].astype(str).astype(object)
    else:
        maturite = pd.DataFrame(columns=["finess", "annee", *MATURITY_STEPS], dtype=object)

    # Adjustments (contradictory phase), never on the T0 year nor on a maturity indicator ---
    wanted = max(3, n // 20) if n_ajustements is None else n_ajustements
    eligible = (valued | empty) & (np.array(years)[None, :, None] != campaign.t0_year)
    eligible &= ~is_maturity[None, None, :]
    flat = np.flatnonzero(eligible)
    pick = np.sort(rng.choice(flat, size=min(wanted, len(flat)), replace=False)) if len(flat) else flat
    ae, ay, ai = np.unravel_index(pick, (n, n_year, n_ind))
    adj_values = np.empty(len(pick), dtype=object)
    to_nc = rng.random(len(pick)) < 0.1
    for k, ind in enumerate(inds):
        rows = np.flatnonzero((ai == k) & ~to_nc)
        if len(rows) and ind.rule == "binaire":          # the usual case: "non" became "oui"
            adj_values[rows] = "oui"
        elif len(rows):
            better = g[ae[rows], ay[rows], k] + 0.35
            adj_values[rows] = _texts(ind, better, targets[ay[rows], k], rng)
    adj_values[to_nc] = "NC"
    motifs = np.array(_MOTIFS, dtype=object)[rng.integers(0, len(_MOTIFS), size=len(pick))]
    motifs[to_nc] = _MOTIF_NC
    ajustements = pd.DataFrame(dtype=object, data={
        "finess": finess[ae],
        "annee": years_txt[ay],
        "indicateur": codes[ai],
        "valeur": adj_values,
        "motif": motifs,
    })

    references = pd.DataFrame(ref_rows, columns=["indicateur", "annee", "niveau", "valeur", "region"],
                              dtype=object)
    tables = {
        "etablissements": etablissements,
        "resultats": resultats,
        "references": references,
        "maturite": maturite,
        "ajustements": ajustements,
    }
    return {name: _text_frame(df) for name, df in tables.items()}


def _text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Same table with object columns holding ``str`` only (pandas would infer its str dtype,
    whose construction from 3 M Python strings costs more than the whole generation)."""
    if all(dt is np.dtype(object) for dt in df.dtypes):
        return df
    return pd.DataFrame({c: df[c].to_numpy(dtype=object) for c in df.columns},
                        columns=list(df.columns), dtype=object)


def write_region(tables: dict[str, pd.DataFrame], folder: Path, sep: str = ",",
                 encoding: str = "utf-8") -> list[Path]:
    """Write each table as ``folder/<stem>.csv``; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, df in tables.items():
        path = folder / f"{stem}.csv"
        df.to_csv(path, sep=sep, encoding=encoding, index=False, lineterminator="\n")
        written.append(path)
    return written
