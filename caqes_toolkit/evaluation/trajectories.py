"""Proposed trajectories, to draft the avenants (``caqes trajectoires``): for each establishment and
each ``cible`` indicator whose T0 value falls short of the campaign's (five-year) target, a yearly
target from T0 to that target (:func:`~caqes_toolkit.evaluation.avenant.step_target`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.dataset import Dataset
from ..errors import CaqesError
from ..rules.campaign import Campaign
from .avenant import step_target
from .scoring import score

__all__ = ["DEFAULT_HORIZON", "TRAJECTORY_COLUMNS", "trajectories", "write_trajectories"]

#: Years from T0 to the campaign's target, by default (the « cible à cinq ans »).
DEFAULT_HORIZON = 5
#: Columns of the trajectories file, the columns of the ``cibles`` table it drafts.
TRAJECTORY_COLUMNS = ("finess", "indicateur", "annee", "cible")


def trajectories(dataset: Dataset, campaign: Campaign, horizon: int = DEFAULT_HORIZON) -> pd.DataFrame:
    """The yearly targets proposed to each establishment (:data:`TRAJECTORY_COLUMNS`, then the T0 value
    ``valeur_t0`` they start from), sorted by
    FINESS, catalogue order and year: for each ``cible`` indicator whose campaign target is a number
    and that applies to the establishment, when its T0 value (after the adjustments) falls short of
    that target. No row when the T0 value is missing or « NC », when it already meets the target, or
    for a target taken from the references. A campaign without volet obligatoire (second generation)
    has none (:class:`CaqesError`)."""
    if not campaign.indicators or campaign.t0_year is None:  # second generation: no volet obligatoire
        raise CaqesError(f"campagne {campaign.name} : pas de trajectoire à proposer sans volet obligatoire ni année "
                         "T0 (« annee_t0 ») ; les cibles pluriannuelles des avenants sont celles des contrats de "
                         "première génération")
    numeric = {i.code: i for i in campaign.indicators
               if i.rule == "cible" and isinstance(i.target, float | int) and not isinstance(i.target, bool)}
    t0 = score(dataset, campaign, [campaign.t0_year]).indicators
    t0 = t0[t0["indicateur"].isin(list(numeric)) & t0["applicable"] & t0["valeur"].notna()]
    rows = []
    for finess, code, value in zip(t0["finess"], t0["indicateur"], t0["valeur"].astype(float), strict=True):
        ind = numeric[code]
        target = float(ind.target)  # type: ignore[arg-type]  # numeric: a number
        if (value >= target) if ind.direction == "hausse" else (value <= target):
            continue
        rows += [(finess, code, campaign.t0_year + k, step_target(value, target, k, horizon), value)
                 for k in range(1, horizon + 1)]
    order = {code: k for k, code in enumerate(campaign.by_code)}
    table = pd.DataFrame(rows, columns=[*TRAJECTORY_COLUMNS, "valeur_t0"]).astype(
        {"annee": "int64", "cible": "float64", "valeur_t0": "float64"})
    table = table.assign(_o=table["indicateur"].map(order)).sort_values(["finess", "_o", "annee"], kind="stable")
    return table.drop(columns="_o").reset_index(drop=True)


def write_trajectories(table: pd.DataFrame, dataset: Dataset, campaign: Campaign, path: str | Path) -> None:
    """Write the trajectories (:func:`trajectories`): a ``.csv`` with exactly
    :data:`TRAJECTORY_COLUMNS` (the ``cibles`` table to negotiate and give back), or an ``.xlsx`` for
    people, sheet ``cibles``: the same columns under French headers (« FINESS », « Indicateur »,
    « Année », « Cible », read back as the ``cibles`` table's), with the establishment's name, the
    indicator's label and unit, its T0 value and the campaign's target."""

    from ..outputs import write_table

    if Path(path).suffix.lower() == ".csv":
        write_table({"cibles": table[list(TRAJECTORY_COLUMNS)]}, path, labels=None)
        return
    names = dataset.establishments.set_index("finess")["raison_sociale"]
    ind = campaign.by_code
    sheet = pd.DataFrame({
        "FINESS": table["finess"], "Établissement": table["finess"].map(names),
        "Indicateur": table["indicateur"], "Libellé": table["indicateur"].map(lambda c: ind[c].label),
        "Année": table["annee"], "Cible": table["cible"],
        "Unité": table["indicateur"].map(lambda c: ind[c].unit or ""),
        f"Valeur T0 ({campaign.t0_year})": table["valeur_t0"],
        "Cible de la campagne": table["indicateur"].map(lambda c: float(ind[c].target)),  # type: ignore[arg-type]
    })
    write_table({"cibles": sheet}, path, labels=None)
