"""The registry of contract generations (:class:`~caqes_toolkit.documents.generation.Generation`) and
the two that ship: the first (2018–2021: a scored socle, classes, sanction and optional additional
volets) and the second (contracts from 1 July 2022: volets incitatifs only, whose grids and plans are
those of the volets of each establishment's contract).

A command asks :func:`generation_of` its campaign's strategy and branches nowhere. A third generation
is one more :class:`Generation` subclass, registered with :func:`register` (here, beside the two
below, or by the module that defines it). Each strategy imports its documents when asked, so that
asking for one loads no chart, template or notebook machinery (``caqes score`` stays light).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import CaqesError
from ..formats import agree
from .generation import Generation, Scored

if TYPE_CHECKING:
    import pandas as pd

    from ..data.dataset import Dataset
    from ..rules.campaign import Campaign

__all__ = ["GENERATIONS", "ContractsGeneration", "MethodDocument", "SocleGeneration", "generation_of",
           "generation_of_years", "method_document", "register"]


def _money(dataset: Dataset, campaigns: list[Campaign], years: list[int], allow_other_year: bool) -> list:
    from ..evaluation.money import evaluate_volets
    from ..rules.campaign import campaign_for_year

    return [evaluate_volets(dataset, campaign_for_year(campaigns, y, allow_other_year), y) for y in sorted(set(years))]


class SocleGeneration(Generation):
    """First generation: every establishment with results is scored (socle, classes, sanction);
    contracts of additional volets add their money."""

    number = 1
    ordinal = "première"
    report_notebook = "rapport_etablissement.ipynb"
    synthesis_notebook = "synthese_regionale.ipynb"
    national_notebook = "synthese_nationale.ipynb"  # compares classes, scores and sanctions across regions
    without_grids = None
    without_plans = None

    def require_years(self, dataset: Dataset, years: list[int]) -> None:
        missing = sorted(set(years) - set(dataset.years))
        if missing:
            present = ", ".join(map(str, dataset.years)) or "aucune"
            raise CaqesError(f"aucun résultat pour {', '.join(map(str, missing))} dans les données "
                             f"(années présentes : {present})")

    def evaluated(self, dataset: Dataset, campaign: Campaign, year: int, wanted: list[str] | None) -> list[str]:
        self.require_years(dataset, [year])
        with_data = sorted(set(dataset.results.loc[dataset.results["annee"] == year, "finess"]))
        if wanted is None:
            return with_data
        unknown = [f for f in wanted if f not in set(with_data)]
        if unknown:
            raise CaqesError(f"FINESS sans données pour {year} : {', '.join(unknown)}")
        return wanted

    def not_evaluated(self, dataset: Dataset, campaign: Campaign, year: int) -> dict[str, str]:
        with_data = set(dataset.results.loc[dataset.results["annee"] == year, "finess"])
        return {f: f"aucun résultat en {year}" for f in dataset.establishments["finess"] if f not in with_data}

    def score(self, dataset: Dataset, campaigns: list[Campaign], years: list[int], *,
              allow_other_year: bool = False, phase: int = 2, detail: bool = False) -> Scored:
        from ..evaluation.money import with_volet_totals
        from ..evaluation.scoring import score_by_year
        from .present import detail_table, score_table

        self.require_years(dataset, years)
        by_year = score_by_year(dataset, campaigns, years, allow_other_year, phase=phase)
        money = _money(dataset, campaigns, years, allow_other_year)
        return Scored(with_volet_totals(score_table(by_year, phase), money), money,
                      detail_table(by_year, phase) if detail else None)

    def write_scores(self, scored: Scored, path: Path) -> None:
        from ..outputs import write_table
        from .present import LABELS

        write_table({"scores": scored.table}, path, LABELS)

    def synthesis_sheets(self, parameters: dict[str, Any]) -> dict[str, pd.DataFrame]:
        from .synthesis import build_synthesis, workbook_sheets

        p = parameters
        return workbook_sheets(build_synthesis(p["annee"], p["donnees"], p["campagne"], p["region"],
                                               p["campagne_precedente"] or None,
                                               autre_annee=p.get("autre_annee", False), phase=p["phase"]))

    def method_html(self, campaign: Campaign) -> str:
        from .method import method_html

        return method_html(campaign)

    def addressees(self, dataset: Dataset, campaign: Campaign, year: int, document: Literal["grids", "plans"],
                   wanted: list[str] | None) -> list[str]:
        if document == "plans":  # an establishment with results
            return self.evaluated(dataset, campaign, year, wanted)
        known = set(dataset.establishments["finess"])
        unknown = [f for f in wanted or () if f not in known]
        if unknown:
            raise CaqesError(f"FINESS {agree(len(unknown), 'absent', 'absents')} de la table etablissements : "
                             f"{', '.join(unknown)}")
        return list(dict.fromkeys(wanted)) if wanted is not None else list(dataset.establishments["finess"])

    def write_grids(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    wanted: list[str] | None, *, force: bool = False,
                    progress: Callable[[str], None] | None = None, key_file: Path | None = None) -> list[Path]:
        from .grid import write_grids

        return write_grids(dataset, campaign, year, out_dir, wanted, force=force, progress=progress,
                           key_file=key_file)

    def write_plans(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    selected: list[str], *, allow_other_year: bool = False, force: bool = False,
                    progress: Callable[[str], None] | None = None) -> list[Path]:
        from ..evaluation.money import evaluate_volets
        from ..evaluation.scoring import score_by_year
        from .plan import write_plans

        scores = score_by_year(dataset, [campaign], [year], allow_other_year)[year]
        volets = evaluate_volets(dataset, campaign, year) if campaign.volets else None
        return write_plans(scores, year, out_dir, selected, volets=volets, force=force, progress=progress,
                           targets=dataset.targets)


class ContractsGeneration(Generation):
    """Second generation: the establishments with a contract in force are evaluated by their volets
    incitatifs (savings, intéressement) and every one by the référentiels (targeting)."""

    number = 2
    ordinal = "deuxième"
    report_notebook = "rapport_contrat.ipynb"
    synthesis_notebook = "synthese_contrats.ipynb"
    without_detail = "(pas de socle ni de score par indicateur) ; utilisez --volets"
    without_grids = None  # one grid, one plan per establishment under contract: its volets' objectives
    without_plans = None
    year_from_data = "des contrats en vigueur"

    def require_years(self, dataset: Dataset, years: list[int]) -> None:
        present = set(dataset.years) | set(dataset.expenses["annee"].astype(int))
        missing = sorted(set(years) - present)
        if missing:
            shown = ", ".join(map(str, sorted(present))) or "aucune"
            raise CaqesError(f"aucune donnée (résultats ou dépenses) pour {', '.join(map(str, missing))} "
                             f"(années présentes : {shown})")

    def evaluated(self, dataset: Dataset, campaign: Campaign, year: int, wanted: list[str] | None) -> list[str]:
        from ..data.contracts import contracts_in_force

        if wanted is None:
            found = sorted(set(contracts_in_force(dataset.contracts, campaign, year)["finess"]))
            if not found:
                bound = ", ".join(map(str, self._years_in_force(dataset, campaign))) or "aucune"
                raise CaqesError(f"aucun contrat de la campagne {campaign.name} en vigueur en {year} (table "
                                 f"contrats) ; années des données qui en ont : {bound}")
            return found
        unknown = [f for f in wanted if f not in set(dataset.establishments["finess"])]
        if unknown:
            raise CaqesError(f"FINESS {agree(len(unknown), 'absent', 'absents')} de la table etablissements : "
                         f"{', '.join(unknown)}")
        return wanted

    def not_evaluated(self, dataset: Dataset, campaign: Campaign, year: int) -> dict[str, str]:
        from ..data.contracts import contracts_in_force

        bound = set(contracts_in_force(dataset.contracts, campaign, year)["finess"])
        return {f: "pas de contrat en vigueur" for f in dataset.establishments["finess"] if f not in bound}

    def default_year(self, dataset: Dataset, campaign: Campaign) -> int | None:
        bound = self._years_in_force(dataset, campaign)
        return bound[-1] if bound else None

    @staticmethod
    def _years_in_force(dataset: Dataset, campaign: Campaign) -> list[int]:
        """The years of the data (results or expenses) in which a contract of ``campaign`` is in force."""
        from ..data.contracts import contracts_in_force

        present = set(dataset.years) | set(dataset.expenses["annee"].astype(int))
        return [y for y in sorted(present) if not contracts_in_force(dataset.contracts, campaign, y).empty]

    def score(self, dataset: Dataset, campaigns: list[Campaign], years: list[int], *,
              allow_other_year: bool = False, phase: int = 2, detail: bool = False) -> Scored:
        from ..evaluation.money import incentive_table

        self.require_years(dataset, years)
        money = _money(dataset, campaigns, years, allow_other_year)
        return Scored(incentive_table(money, dataset), money)

    def write_scores(self, scored: Scored, path: Path) -> None:
        from .present import write_incentives

        write_incentives(scored.table, scored.money, path)

    def synthesis_sheets(self, parameters: dict[str, Any]) -> dict[str, pd.DataFrame]:
        from .contracts import build_contract_synthesis, workbook_sheets

        p = parameters
        return workbook_sheets(build_contract_synthesis(p["annee"], p["donnees"], p["campagne"], p["region"],
                                                        autre_annee=p.get("autre_annee", False)))

    def method_html(self, campaign: Campaign) -> str:
        from .contracts import method_html

        return method_html(campaign)

    def write_grids(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    wanted: list[str] | None, *, force: bool = False,
                    progress: Callable[[str], None] | None = None, key_file: Path | None = None) -> list[Path]:
        from .grid_contracts import write_contract_grids

        return write_contract_grids(dataset, campaign, year, out_dir, wanted, force=force, progress=progress,
                                    key_file=key_file)

    def addressees(self, dataset: Dataset, campaign: Campaign, year: int, document: Literal["grids", "plans"],
                   wanted: list[str] | None) -> list[str]:
        from .grid_contracts import contract_holders

        return contract_holders(dataset, campaign, year, wanted)

    def write_plans(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    selected: list[str], *, allow_other_year: bool = False, force: bool = False,
                    progress: Callable[[str], None] | None = None) -> list[Path]:
        from ..evaluation.money import evaluate_volets
        from .plan_contracts import write_contract_plans

        names = dict(zip(dataset.establishments["finess"], dataset.establishments["raison_sociale"], strict=True))
        return write_contract_plans(evaluate_volets(dataset, campaign, year), names, selected, out_dir, force=force,
                                    progress=progress)


#: The registered generations, by number.
GENERATIONS: dict[int, Generation] = {}


def register(generation: Generation) -> None:
    """Register (or replace) the strategy of ``generation.number``."""
    GENERATIONS[generation.number] = generation


for _shipped in (SocleGeneration(), ContractsGeneration()):
    register(_shipped)


def generation_of(campaign: Campaign) -> Generation:
    """The strategy of ``campaign``'s generation."""
    try:
        return GENERATIONS[campaign.generation]
    except KeyError:
        raise CaqesError(f"campagne {campaign.name} : génération {campaign.generation} inconnue "
                         f"(connues : {', '.join(map(str, sorted(GENERATIONS)))})") from None


def generation_of_years(campaigns: list[Campaign], years: list[int], allow_other_year: bool = False) -> Generation:
    """The one generation that evaluates ``years`` (a command never mixes two)."""
    from ..rules.campaign import campaign_for_year

    found = {generation_of(campaign_for_year(campaigns, y, allow_other_year)).number for y in set(years)}
    if len(found) > 1:
        ordinals = [GENERATIONS[n].ordinal for n in sorted(found)]
        raise CaqesError(f"années évaluées avec des campagnes de {' et de '.join(ordinals)} génération : "
                         "lancez une commande par génération")
    return GENERATIONS[found.pop()]


#: Characters a method document's name cannot hold.
_SAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class MethodDocument:
    """The method document of a campaign, ready to publish (HTML, PDF)."""

    html: str
    name: str  # file name without extension: methode_<campagne>
    header: str  # printed on every PDF page
    footer: str


def method_document(campaign: Campaign) -> MethodDocument:
    """The method document of ``campaign`` (of any generation), named ``methode_<campagne>``."""
    from .. import __version__

    stem = _SAFE_NAME.sub("_", campaign.name).lstrip(".") or "campagne"
    return MethodDocument(generation_of(campaign).method_html(campaign), f"methode_{stem}",
                          f"Méthode d'évaluation CAQES — campagne {campaign.name}", f"caqes-toolkit {__version__}")
