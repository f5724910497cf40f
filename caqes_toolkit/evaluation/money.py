"""The additional volets (transports, pertinence, qualité): achievement of their objectives and the
money at stake — savings or overrun of each expense line, estimated intéressement and maximum
reversement. Every rate, share, cap and threshold comes from the campaign file.

For a contract of volet V in force during year N and each ``depense`` objective of V:

- reference year R: the year before the contract starts (``debut_contrat``) or N − 1
  (``annee_precedente``); MT_R the spending of R;
- objective MTc_N = MT_R × Π_{k=R+1..N} (1 + x_k / 100) (one rate, or one rate per year);
- growth = 100 × (MT_N / MT_{N−1} − 1); dépassement = max(0, MT_N − MTc_N);
- économies = max(0, MTc_N − MT_N) (``debut_contrat``) or max(0, MT_{N−1} − MT_N)
  (``annee_precedente``);
- targeting flag (with ``seuil_ciblage``): growth > x_N or MT_N ≥ seuil_ciblage.

Achievement A of the volet = Σ wᵢ sᵢ / Σ wᵢ over its applicable scored objectives, scored by
:func:`caqes_toolkit.evaluation.scoring.score` exactly as the socle's indicators (A = 1 without any).
Intéressement = part_interessement % × Σ économies × A; maximum reversement =
min(part_reversement % × Σ dépassement, plafond % × produits_am) (no cap without produits_am;
none when the campaign is ``sans_sanction`` or gives no part_reversement), a sanction being
proposed when it is > 0. A volet without expense line proposes a sanction when 100 × A <
seuil_atteinte, its maximum being plafond % × produits_am.

Unknown stays unknown: a missing expense leaves the money columns empty (NaN), with a warning,
never 0. Money is rounded to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.contracts import contracts_in_force
from ..data.dataset import Dataset, empty_table
from ..data.tables import MAX_EUROS
from ..errors import CaqesError, DataError, Fault, FaultCode
from ..formats import fmt_num
from ..rules.campaign import Campaign, missing_parameter
from ..rules.objectives import Volet, VoletIndicator, Weights
from .cap import income_cap
from .scoring import score

__all__ = [
    "INCENTIVE_COLUMNS",
    "VOLET_COLUMNS",
    "VoletResults",
    "evaluate_volets",
    "incentive_table",
    "objective_path",
    "require_parameters",
    "targeting",
    "volet_table",
    "volet_totals",
    "with_volet_totals",
    "write_volets",
]

#: Columns of the volets file (``caqes score --volets``), in order.
VOLET_COLUMNS: tuple[str, ...] = (
    "finess", "annee", "volet", "indicateur", "annee_reference", "montant_reference", "objectif",
    "montant", "evolution", "economies", "depassement", "atteinte", "interessement",
    "reversement_max", "sanction_proposee", "ciblage",
)
#: Columns of the scores file of a second-generation campaign (``caqes score``), in order.
INCENTIVE_COLUMNS: tuple[str, ...] = ("finess", "raison_sociale", "annee", "volets", "interessement_total")
MONEY = ("montant_reference", "objectif", "montant", "economies", "depassement", "interessement",
         "reversement_max")
FLAGS = ("sanction_proposee", "ciblage")
_FIRST = "debut_contrat"
_MT_R = "MT_R"  # the reference year's spending, as the method names it


@dataclass(frozen=True)
class VoletResults:
    """The volets of one year.

    ``rows``: :data:`VOLET_COLUMNS` (NaN where unknown or not applicable; the two flags are
    True, False or None) plus ``date_debut``, ``date_fin``, ``regle_reference``, ``produits_am``, ``_bonus`` /
    ``_clawback`` (whether an intéressement / a reversement applies to the row); one row per
    contract in force and ``depense`` objective, then the contract's total row (``indicateur``
    empty). ``objectives``: the scored and ``mesure`` objectives of each contracted
    establishment — finess, volet, indicateur, libelle, regle, unite, valeur, cible, score,
    statut, applicable, action. ``expenses``: the expenses of the contracted establishments.
    """

    annee: int
    campaign: Campaign
    rows: pd.DataFrame
    objectives: pd.DataFrame
    warnings: tuple[Fault, ...] = ()
    expenses: pd.DataFrame = field(default_factory=lambda: empty_table("expenses"))


# --- achievement of the objectives -------------------------------------------------------------


def _objective_campaign(campaign: Campaign) -> tuple[Campaign | None, dict[int, str]]:
    """A campaign whose chapters are the volets and whose indicators are their scored
    objectives, so that the socle's engine scores them; and the volet of each chapter."""
    volets = [v for v in campaign.volets if v.scored]
    if not volets:
        return None, {}
    chapters = {k: v for k, v in enumerate(volets, start=1)}
    ones = dict.fromkeys(chapters, 1.0)
    pseudo = Campaign(
        name=campaign.name, t0_year=campaign.t0_year or 0, sanction_threshold=campaign.sanction_threshold or 0,
        classes=campaign.classes or {"-": 0}, weights=Weights(with_list=ones, without_list=ones),
        chapters={k: v.label for k, v in chapters.items()},
        indicators=tuple(i.as_indicator(k) for k, v in chapters.items() for i in v.scored),
    )
    return pseudo, {k: v.code for k, v in chapters.items()}


def _achievement(dataset: Dataset, campaign: Campaign, year: int,
                 contracts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[Fault]]:
    """Achievement A (0–1) of each contracted (finess, volet), the objectives' scores, and a
    warning for each volet whose objectives were all declared NC."""
    pairs = contracts[["finess", "volet"]]
    data = _objective_data(dataset, campaign, pairs["finess"])
    pseudo, volet_of = _objective_campaign(campaign)
    if pseudo is None or pairs.empty:
        return pairs.assign(atteinte=1.0), _measures(data, campaign, year, pairs, None), []
    # an objective without a value counts 0: give each contracted establishment a row for every
    # objective of year N, so that it is scored even without any value
    codes = pd.DataFrame([(v.code, i.code) for v in campaign.volets for i in v.scored],
                         columns=["volet", "indicateur"])
    wanted = pairs.merge(codes, on="volet")[["finess", "indicateur"]].assign(annee=year)
    res = data.results
    known = wanted.merge(res[["finess", "annee", "indicateur"]], how="left", indicator=True)
    blank = wanted[(known["_merge"] == "left_only").to_numpy()].assign(
        valeur=np.nan, nc=False, brut="")
    results = pd.concat([res, blank[list(res.columns)]], ignore_index=True).astype(res.dtypes.to_dict())
    scores = score(replace(data, results=results), pseudo, [year])
    ch = scores.chapters.assign(volet=lambda d: d["chapitre"].map(volet_of))
    a = pairs.merge(ch[["finess", "volet", "score"]], on=["finess", "volet"], how="left")
    a["atteinte"] = (a.pop("score") / 100).fillna(1.0)
    ind = scores.indicators.assign(volet=lambda d: d["chapitre"].map(volet_of))
    ind = ind.merge(pairs, on=["finess", "volet"])
    return a, _measures(data, campaign, year, pairs, ind), _all_declared_nc(ind, year, _label(dataset, "resultats"))


def _all_declared_nc(objectives: pd.DataFrame, year: int, source: str) -> list[Fault]:
    """A warning for each contracted volet none of whose scored objectives counts, some of them
    declared NC: its achievement is then complete by the rule, and its sanction vanishes."""
    by_pair = objectives[objectives["annee"] == year].groupby(["finess", "volet"], sort=True)
    counted, declared = by_pair["applicable"].any(), (by_pair["motif_nc"].agg(lambda m: (m == "déclaré NC").any()))
    faults = []
    for finess, volet in counted.index[~counted & declared]:
        codes = ", ".join(objectives.loc[(objectives["finess"] == finess) & (objectives["volet"] == volet)
                                         & (objectives["annee"] == year), "indicateur"])
        faults.append(Fault(source, None, "valeur", f"{finess} / {year} / {volet}",
                            f"des objectifs du volet « {volet} » renseignés : l'établissement {finess} a déclaré "
                            f"non concernés (NC) tous ceux qui le concernent ({codes}) en {year} ; l'atteinte du "
                            "volet est alors réputée complète et aucune sanction n'est proposée (règle appliquée "
                            "telle quelle) : vérifier ces déclarations", "avertissement",
                            code=FaultCode.ALL_OBJECTIVES_NC))
    return faults


def _objective_data(dataset: Dataset, campaign: Campaign, finess: pd.Series) -> Dataset:
    """The data of the contracted establishments restricted to the volets' objectives (the
    region's results table is large: it is filtered once)."""
    keep, codes = set(finess), list(campaign.volet_indicators)

    def rows(df: pd.DataFrame, by_code: bool = True) -> pd.DataFrame:
        mask = df["finess"].isin(keep)
        if by_code:
            mask &= df["indicateur"].isin(codes)
        return df[mask].reset_index(drop=True)

    return replace(dataset, establishments=rows(dataset.establishments, False), results=rows(dataset.results),
                   adjustments=rows(dataset.adjustments), maturity=rows(dataset.maturity, False),
                   contracts=rows(dataset.contracts, False), expenses=rows(dataset.expenses, False))


def _measures(dataset: Dataset, campaign: Campaign, year: int, pairs: pd.DataFrame,
              scored: pd.DataFrame | None) -> pd.DataFrame:
    """Scored objectives (as scored) and ``mesure`` objectives (their value) of the pairs."""
    columns = ["finess", "volet", "indicateur", "libelle", "regle", "unite", "valeur", "cible",
               "score", "statut", "applicable", "action", "gain"]
    measures = [(v.code, i.code) for v in campaign.volets for i in v.indicators if i.rule == "mesure"]
    res = dataset.results
    rows = pairs.merge(pd.DataFrame(measures, columns=["volet", "indicateur"]), on="volet")
    values = res[res["annee"] == year][["finess", "indicateur", "valeur"]]
    rows = rows.merge(values, on=["finess", "indicateur"], how="left").assign(
        cible=np.nan, score=np.nan, statut="mesure", applicable=False, gain=np.nan)
    frames = [rows]
    if scored is not None:
        frames.insert(0, scored.assign(gain=1 - scored["score"]))
    out = pd.concat(frames, ignore_index=True)
    found = campaign.volet_indicators
    for column, attribute in (("libelle", "label"), ("regle", "rule"), ("unite", "unit"), ("action", "action")):
        out[column] = out["indicateur"].map({c: getattr(i, attribute) or "" for c, (_, i) in found.items()})
    order = {c: k for k, c in enumerate(found)}
    out = out.assign(_o=out["indicateur"].map(order)).sort_values(["finess", "_o"])
    return out[columns].reset_index(drop=True)


# --- money -----------------------------------------------------------------------------------


def _factor(line: VoletIndicator, first: int, year: int) -> float:
    """Π_{k=first+1..year} (1 + x_k / 100); NaN when a year has no rate."""
    rates = [line.rate(k) for k in range(first + 1, year + 1)]
    known = [r for r in rates if r is not None]
    if len(known) < len(rates):
        return np.nan
    return float(np.prod(np.array([1 + r / 100 for r in known])))


def _flags(yes: np.ndarray, no: np.ndarray) -> np.ndarray:
    """True where ``yes``, else False where ``no``, else None (unknown)."""
    out = np.full(len(yes), None, dtype=object)
    out[no] = False
    out[yes] = True
    return out


def _expense_rows(expenses: pd.DataFrame, campaign: Campaign, year: int, contracts: pd.DataFrame,
                  source: str) -> tuple[pd.DataFrame, list[Fault]]:
    """One row per contract and ``depense`` objective with the expense columns."""
    lines = pd.DataFrame(
        [(v.code, i.code, i.expense, i.reference, i.targeting_threshold, i)
         for v in campaign.volets for i in v.expenses],
        columns=["volet", "indicateur", "poste", "regle_reference", "seuil", "line"])
    rows = contracts.merge(lines, on="volet")
    first = np.where(rows["regle_reference"] == _FIRST, rows["date_debut"].dt.year - 1, year - 1)
    rows["annee_reference"] = first.astype(np.int64)
    keys = rows[["indicateur", "annee_reference"]].drop_duplicates()
    by_code = {i.code: i for v in campaign.volets for i in v.expenses}
    factors = {(c, r): _factor(by_code[c], r, year) for c, r in keys.itertuples(index=False)}
    factor = np.array([factors[k] for k in zip(rows["indicateur"], rows["annee_reference"])], dtype=float)
    rate_n = rows["indicateur"].map(lambda c: by_code[c].rate(year)).astype(float).to_numpy()

    spent = expenses.set_index(["finess", "annee", "poste"])["montant"]

    def amount(years: np.ndarray) -> np.ndarray:
        index = pd.MultiIndex.from_arrays([rows["finess"], years, rows["poste"]])
        return spent.reindex(index).to_numpy(dtype=float)

    mt_r, mt_n, mt_p = amount(first), amount(np.full(len(rows), year)), amount(np.full(len(rows), year - 1))
    objective = np.round(mt_r * factor, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(mt_p > 0, 100 * (mt_n / mt_p - 1), np.nan)
    previous = rows["regle_reference"].to_numpy() != _FIRST
    savings = np.round(np.maximum(0, np.where(previous, mt_p - mt_n, objective - mt_n)), 2)
    overrun = np.round(np.maximum(0, mt_n - objective), 2)
    threshold = rows["seuil"].astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        yes = (growth > rate_n) | (mt_n >= threshold)
        no = ~np.isnan(growth) & ~np.isnan(rate_n) & ~np.isnan(mt_n) & ~yes
    targeted = _flags(yes & ~np.isnan(threshold), no & ~np.isnan(threshold))
    rows = rows.assign(montant_reference=mt_r, objectif=objective, montant=mt_n, evolution=growth,
                       economies=savings, depassement=overrun, ciblage=targeted)
    return rows.drop(columns=["line", "seuil"]), _missing(rows, campaign, year, first, factor,
                                                          (mt_r, mt_n, mt_p), source)


def _missing(rows: pd.DataFrame, campaign: Campaign, year: int, first: np.ndarray,
             factor: np.ndarray, amounts: tuple[np.ndarray, ...], source: str) -> list[Fault]:
    """Warnings: expenses a contract needs but the data lack; years without a target rate."""
    faults = []
    needed: dict[tuple[str, int, str], str] = {}
    for years, values in zip((first, np.full(len(rows), year), np.full(len(rows), year - 1)), amounts):
        for k in np.flatnonzero(np.isnan(values)):
            key = (rows["finess"].iat[k], int(years[k]), rows["poste"].iat[k])
            needed.setdefault(key, rows["volet"].iat[k])
    for (finess, annee, poste), volet in sorted(needed.items()):
        faults.append(Fault(source, None, "montant", f"{finess} / {annee} / {poste}",
                            f"la dépense « {poste} » {annee} de l'établissement {finess}, requise par "
                            f"son contrat « {volet} » en vigueur en {year} (montants laissés vides "
                            "dans le fichier des volets)", "avertissement", code=FaultCode.MISSING_EXPENSE))
    name = campaign.file_name
    for k in np.flatnonzero(np.isnan(factor)):
        code, r = rows["indicateur"].iat[k], int(first[k])
        faults.append(Fault(name, None, f"volets[{rows['volet'].iat[k]}].indicateurs[{code}].taux_cible",
                            rows["finess"].iat[k], f"un taux pour chaque année de {r + 1} à {year} "
                            "(objectif non calculé, montants laissés vides)", "avertissement",
                            code=FaultCode.MISSING_RATE))
    return list(dict.fromkeys(faults))


def _label(dataset: Dataset, table: str) -> str:
    """How faults name a table: ``depenses.csv`` or ``classeur.xlsx › depenses``."""
    names = [f.name for f in dataset.sources]
    if f"{table}.csv" in (n.lower() for n in names):
        return next(n for n in names if n.lower() == f"{table}.csv")
    books = [n for n in names if n.lower().endswith(".xlsx")]
    return f"{books[0]} › {table}" if len(books) == 1 else table


def _cap(volet: Volet, income: np.ndarray) -> np.ndarray:
    """plafond % × produits_am; +inf (no cap) without plafond or produits_am."""
    if volet.cap_pct_income is None:
        return np.full(len(income), np.inf)
    return np.where(np.isnan(income), np.inf, income_cap(volet.cap_pct_income, income))


def _money(rows: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Intéressement, maximum reversement and sanction of expense rows or contract totals."""
    out = []
    for code, part in rows.groupby("volet", sort=False):
        volet = campaign.volet_by_code[code]
        a = part["atteinte"].to_numpy() / 100
        savings, overrun = part["economies"].to_numpy(), part["depassement"].to_numpy()
        bonus = (np.round(volet.share_savings / 100 * savings * a, 2) if volet.share_savings is not None
                 else np.full(len(part), np.nan))
        cap = _cap(volet, part["produits_am"].to_numpy(dtype=float))
        share = None if campaign.without_sanction else volet.share_overrun
        overrun_applies = share is not None
        if share is not None:
            clawback = np.round(np.minimum(share / 100 * overrun, cap), 2)
            with np.errstate(invalid="ignore"):
                sanction = _flags(clawback > 0, clawback <= 0)
        else:
            clawback, sanction = np.full(len(part), np.nan), np.full(len(part), None)
        out.append(part.assign(interessement=bonus, reversement_max=clawback, sanction_proposee=sanction,
                               _bonus=volet.share_savings is not None, _clawback=overrun_applies))
    if out:
        return pd.concat(out)
    return rows.assign(interessement=np.nan, reversement_max=np.nan, sanction_proposee=None,
                       _bonus=False, _clawback=False)


def _totals(contracts: pd.DataFrame, lines: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """The total row of each contract: sums over its expense lines (unknown if one is unknown),
    or, for a volet without expense line, the sanction by achievement."""
    key = ["finess", "volet"]
    sums = lines.groupby(key)[["economies", "depassement"]].sum(min_count=1)
    unknown = lines[["economies", "depassement"]].isna().groupby([lines["finess"], lines["volet"]]).any()
    sums = sums.mask(unknown)
    flags = lines.assign(t=lines["ciblage"].map({True: 2, False: 0}).fillna(1)).groupby(key)["t"]
    targeted = pd.concat([flags.max(), flags.min()], axis=1, keys=["max", "min"])
    targeted = _flags((targeted["max"] == 2).to_numpy(), (targeted["min"] == 0).to_numpy())
    targeted = pd.Series(targeted, index=sums.index, name="ciblage", dtype=object)
    total = contracts.merge(sums.reset_index(), on=key, how="left").merge(
        targeted.reset_index(), on=key, how="left")
    total = _money(total, campaign)
    for code, part in total.groupby("volet"):
        volet = campaign.volet_by_code[code]
        if volet.expenses:
            continue
        proposed = (None if campaign.without_sanction or volet.achievement_threshold is None
                    else np.round(part["atteinte"].to_numpy(), 6) < volet.achievement_threshold)
        cap = _cap(volet, part["produits_am"].to_numpy(dtype=float))
        if proposed is None:
            clawback = np.full(len(part), np.nan)
            flags = np.full(len(part), None)
        else:
            clawback = np.where(proposed, np.where(np.isinf(cap), np.nan, np.round(cap, 2)), 0.0)
            flags = proposed.astype(object)
        total.loc[part.index, "reversement_max"] = clawback
        total.loc[part.index, "sanction_proposee"] = pd.Series(flags, index=part.index, dtype=object)
        total.loc[part.index, "interessement"] = np.nan
        total.loc[part.index, "_bonus"] = False
        total.loc[part.index, "_clawback"] = proposed is not None
    total["ciblage"] = total["ciblage"].astype(object).where(total["ciblage"].notna(), None)
    return total.assign(indicateur="", annee_reference=np.nan)


def require_parameters(campaign: Campaign, volets: set[str]) -> None:
    """Refuse (:class:`CaqesError`) to compute the money of ``volets`` while one of their
    parameters is empty: a ``taux_cible`` left empty, or, in a second-generation campaign, the
    ``part_interessement`` the region sets."""
    for volet in campaign.volets:
        if volet.code not in volets:
            continue
        for line in volet.expenses:
            if line.target_rate is None:
                raise missing_parameter(campaign, line.code, f"volets[{volet.code}].indicateurs[{line.code}]"
                                        ".taux_cible")
        if campaign.second_generation and volet.share_savings is None:
            where = campaign.file_name
            raise CaqesError(f"{where} : le volet {volet.code} a un paramètre vide : « volets[{volet.code}]."
                             "part_interessement » (part des économies versée en intéressement, fixée par "
                             "la région) ; renseignez-la avant de calculer l'intéressement.")


def evaluate_volets(dataset: Dataset, campaign: Campaign, year: int) -> VoletResults:
    """Objectives and money of every contract in force in ``year`` (see the module docstring).
    Raises :class:`CaqesError` when a parameter these contracts need is empty."""
    contracts = contracts_in_force(dataset.contracts, campaign, year)
    if contracts.empty:  # the usual case of a first-generation region: nothing to evaluate
        return VoletResults(year, campaign, _typed(_ROWS), _typed(_OBJECTIVES), (),
                            dataset.expenses.iloc[:0].reset_index(drop=True))
    return _evaluate(dataset, campaign, year, contracts)


#: Columns and types of :attr:`VoletResults.rows` and :attr:`VoletResults.objectives`.
_ROWS: dict[str, str] = {
    "finess": "str", "annee": "int64", "volet": "str", "indicateur": "str", "annee_reference": "float64",
    **dict.fromkeys(("montant_reference", "objectif", "montant", "evolution", "economies", "depassement",
                     "atteinte", "interessement", "reversement_max"), "float64"),
    "sanction_proposee": "object", "ciblage": "object", "date_debut": "datetime64[ns]",
    "date_fin": "datetime64[ns]", "regle_reference": "str", "produits_am": "float64", "_bonus": "bool",
    "_clawback": "bool",
}
_OBJECTIVES: dict[str, str] = {
    **dict.fromkeys(("finess", "volet", "indicateur", "libelle", "regle", "unite"), "str"),
    "valeur": "float64", "cible": "float64", "score": "float64", "statut": "str", "applicable": "bool",
    "action": "str", "gain": "float64",
}


def _typed(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _evaluate(dataset: Dataset, campaign: Campaign, year: int, contracts: pd.DataFrame) -> VoletResults:
    """:func:`evaluate_volets` for the contracts in force (at least one)."""
    require_parameters(campaign, set(contracts["volet"]))
    income = dataset.establishments.set_index("finess")["produits_am"]
    contracts = contracts.assign(annee=year, produits_am=contracts["finess"].map(income).astype(float))
    achievement, objectives, declared_nc = _achievement(dataset, campaign, year, contracts)
    contracts = contracts.merge(achievement, on=["finess", "volet"], how="left")
    contracts["atteinte"] = 100 * contracts["atteinte"]
    with np.errstate(over="ignore", invalid="ignore"):  # an infinite amount is refused below, not warned of
        lines, warnings = _expense_rows(dataset.expenses, campaign, year, contracts, _label(dataset, "depenses"))
        lines = _money(lines, campaign)
        total = _totals(contracts, lines, campaign)
    _refuse_non_finite(lines, campaign)
    rows = pd.concat([lines.assign(_total=0), total.assign(_total=1)], ignore_index=True)
    order = {v.code: k for k, v in enumerate(campaign.volets)}
    line_order = {c: k for k, c in enumerate(campaign.volet_indicators)}  # the campaign's order
    rows = rows.assign(_volet=rows["volet"].map(order), _line=rows["indicateur"].map(line_order)).sort_values(
        ["finess", "_volet", "_total", "_line"], kind="stable")
    columns = [*VOLET_COLUMNS, "date_debut", "date_fin", "regle_reference", "produits_am", "_bonus", "_clawback"]
    rows = rows.reindex(columns=columns).reset_index(drop=True)
    for flag in FLAGS:
        rows[flag] = rows[flag].astype(object).where(rows[flag].notna(), None)
    rows[["_bonus", "_clawback"]] = rows[["_bonus", "_clawback"]].fillna(False).astype(bool)
    spent = dataset.expenses[dataset.expenses["finess"].isin(contracts["finess"])].reset_index(drop=True)
    return VoletResults(year, campaign, rows, objectives, (*warnings, *declared_nc), spent)


def _refuse_non_finite(lines: pd.DataFrame, campaign: Campaign) -> None:
    """Refuse (:class:`DataError`) expense rows whose money is infinite: an objective
    MT_R × Π (1 + x_k / 100) beyond what a float holds (a taux_cible far too large, or amounts
    beyond the data contract's ceiling in a Dataset built by hand). Never an infinity in an output."""
    columns = [c for c in (*MONEY, "evolution") if c in lines]
    values = lines[columns].to_numpy(dtype=float)
    bad = np.isinf(values).any(axis=1)
    if not bad.any():
        return
    name = campaign.file_name
    raise DataError([
        Fault(name, None, f"volets[{row.volet}].indicateurs[{row.indicateur}].taux_cible",
              f"{row.finess} / {row.annee} / {row.indicateur}",
              f"un objectif de dépenses fini : {_MT_R} × Π (1 + taux/100) de {int(row.annee_reference)} à "
              f"{row.annee} dépasse ce qu'un calcul peut tenir (taux_cible démesuré, ou montants de dépenses "
              f"au-delà de {fmt_num(MAX_EUROS, 0, unit='€')}) ; aucun montant n'est calculé",
              code=FaultCode.NON_FINITE_AMOUNT)
        for row in lines[bad].itertuples()])


# --- outputs ---------------------------------------------------------------------------------


def volet_totals(results: list[VoletResults]) -> pd.DataFrame:
    """Per establishment and year: interessement_total and reversement_max_total over its
    contracts; NaN when none of its contracts has one, or when one of them is unknown."""
    columns = ["finess", "annee", "interessement_total", "reversement_max_total"]
    frames = [r.rows[r.rows["indicateur"] == ""] for r in results]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "annee" else float if "total" in c
                                          else object) for c in columns})
    out = []
    for source, applies, target in (("interessement", "_bonus", "interessement_total"),
                                    ("reversement_max", "_clawback", "reversement_max_total")):
        grouped = rows.groupby(["finess", "annee"])
        n_applies = grouped[applies].sum()
        known = grouped[source].count() == n_applies
        out.append(grouped[source].sum(min_count=1).where(known & (n_applies > 0)).round(2).rename(target))
    return pd.concat(out, axis=1).reset_index()[columns]


def incentive_table(results: list[VoletResults], dataset: Dataset) -> pd.DataFrame:
    """The scores file of a second-generation campaign (:data:`INCENTIVE_COLUMNS`): one row per
    establishment with a contract in force and year; ``volets`` the codes of its contracts
    (campaign order, « , »-separated), ``interessement_total`` the sum of their estimated
    intéressements (empty when one is unknown)."""
    frames = [r.rows[r.rows["indicateur"] == ""] for r in results]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "annee" else float if c == "interessement_total"
                                          else object) for c in INCENTIVE_COLUMNS})
    listed = rows.groupby(["finess", "annee"], sort=True)["volet"].agg(", ".join).rename("volets").reset_index()
    totals = volet_totals(results)[["finess", "annee", "interessement_total"]]
    names = dataset.establishments.set_index("finess")["raison_sociale"]
    table = listed.merge(totals, on=["finess", "annee"], how="left")
    table["raison_sociale"] = table["finess"].map(names).fillna("")
    return table[list(INCENTIVE_COLUMNS)].astype({"annee": "int64"})


def volet_table(results: list[VoletResults], text: bool) -> pd.DataFrame:
    """The volets file: :data:`VOLET_COLUMNS` only; euros with 2 decimals, « oui »/« non »,
    empty where unknown or not applicable. ``text``: every cell as text (for CSV)."""
    frames = [r.rows for r in results if not r.rows.empty]
    if not frames:
        return pd.DataFrame(columns=list(VOLET_COLUMNS))
    rows = pd.concat(frames, ignore_index=True)[list(VOLET_COLUMNS)].copy()
    for column in (*MONEY, "evolution", "atteinte"):
        rows[column] = rows[column].astype(float).round(2)
    for flag in FLAGS:
        rows[flag] = rows[flag].map({True: "oui", False: "non"})
    reference = rows["annee_reference"].astype(float)
    if not text:
        rows["annee_reference"] = reference.astype("Int64").astype(object).where(reference.notna(), None)
        for flag in FLAGS:
            rows[flag] = rows[flag].where(rows[flag].notna(), None)
        return rows
    for column in (*MONEY, "evolution", "atteinte"):
        rows[column] = rows[column].map(lambda x: "" if pd.isna(x) else f"{x:.2f}")
    rows["annee_reference"] = reference.map(lambda x: "" if pd.isna(x) else str(int(x)))
    for flag in FLAGS:
        rows[flag] = rows[flag].fillna("")
    return rows.astype({"annee": "int64"})


def objective_path(rows: pd.DataFrame, expenses: pd.DataFrame, campaign: Campaign,
                   year: int) -> pd.DataFrame:
    """For each expense row of ``rows``: the objective MT_R × Π (1 + x_k / 100) and the
    spending of every year k from R to N (columns volet, indicateur, annee, objectif, montant),
    for the report's chart."""
    out = []
    by_code = {i.code: i for v in campaign.volets for i in v.expenses}
    spent = expenses.set_index(["finess", "annee", "poste"])["montant"]
    for row in rows[rows["indicateur"] != ""].itertuples():
        line, first = by_code[row.indicateur], int(row.annee_reference)
        for k in range(first, year + 1):
            out.append((row.volet, row.indicateur, k, row.montant_reference * _factor(line, first, k),
                        spent.get((row.finess, k, line.expense), np.nan)))
    return pd.DataFrame(out, columns=["volet", "indicateur", "annee", "objectif", "montant"])


def with_volet_totals(table: pd.DataFrame, results: list[VoletResults]) -> pd.DataFrame:
    """The scores table with ``interessement_total`` and ``reversement_max_total`` appended."""
    totals = volet_totals(results)
    return table.merge(totals, on=["finess", "annee"], how="left")


def write_volets(results: list[VoletResults], path: str | Path) -> None:
    """Write the volets file (.csv or .xlsx) with exactly :data:`VOLET_COLUMNS` as header."""
    from ..outputs import write_table

    text = Path(path).suffix.lower() == ".csv"
    write_table({"volets": volet_table(results, text=text)}, path, labels=None, decimals=2)


def targeting(dataset: Dataset, campaign: Campaign, year: int) -> pd.DataFrame:
    """Establishments the targeting rule flags in ``year`` (growth > x_N or spending ≥
    seuil_ciblage), with or without a contract: finess, volet, indicateur, montant, evolution,
    sous_contrat (bool)."""
    columns = ["finess", "volet", "indicateur", "montant", "evolution", "sous_contrat"]
    spent = dataset.expenses.set_index(["finess", "annee", "poste"])["montant"]
    contracted = contracts_in_force(dataset.contracts, campaign, year)
    under = set(zip(contracted["finess"], contracted["volet"]))
    frames = []
    for volet in campaign.volets:
        for line in volet.expenses:
            if line.targeting_threshold is None:
                continue
            now = dataset.expenses[(dataset.expenses["annee"] == year) & (dataset.expenses["poste"] == line.expense)]
            before = spent.reindex(pd.MultiIndex.from_arrays(
                [now["finess"], np.full(len(now), year - 1), now["poste"]])).to_numpy(dtype=float)
            amount = now["montant"].to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                growth = np.where(before > 0, 100 * (amount / before - 1), np.nan)
            rate = line.rate(year)
            flagged = (amount >= line.targeting_threshold) | (growth > (np.nan if rate is None else rate))
            frames.append(pd.DataFrame({
                "finess": now["finess"].to_numpy()[flagged], "volet": volet.code, "indicateur": line.code,
                "montant": amount[flagged], "evolution": growth[flagged],
                "sous_contrat": [(f, volet.code) in under for f in now["finess"].to_numpy()[flagged]]}))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["volet", "finess"], ignore_index=True)
