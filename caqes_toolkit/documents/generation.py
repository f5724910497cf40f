"""What a generation of CAQES contracts is to the commands: one strategy, registered by
:mod:`caqes_toolkit.documents.generations` (as papermill registers its engines).

A campaign file says its generation (``generation: 1`` or ``2``, :mod:`caqes_toolkit.rules.campaign`).
Everything a command does differently for one generation is asked of its :class:`Generation`: the
notebooks of its report and synthesis, whether a national overview follows the regional ones, which
establishments are evaluated, its scores table, the sheets of its synthesis workbook, its method
document, and its self-evaluation grids and action plans (a generation without them says why).
Commands ask :func:`~caqes_toolkit.documents.generations.generation_of` and never test a generation
number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..errors import CaqesError

if TYPE_CHECKING:
    import pandas as pd

    from ..data.dataset import Dataset
    from ..evaluation.money import VoletResults
    from ..rules.campaign import Campaign

__all__ = ["Generation", "Scored", "Unsupported"]


class Unsupported(CaqesError):
    """What a generation does not make (grids or plans)."""


@dataclass(frozen=True)
class Scored:
    """A generation's scores of some years: the table of ``caqes score`` and of a report batch's
    ``scores.xlsx``, the money of the volets behind it, and the indicators' detail when asked."""

    table: pd.DataFrame
    money: list[VoletResults]
    detail: pd.DataFrame | None = None


class Generation:
    """The strategy of one generation of contracts (see the module docstring).

    Subclasses set the class attributes and implement the methods that raise
    :exc:`NotImplementedError`; :meth:`write_grids` and :meth:`write_plans` are slots a generation
    fills when it makes grids or plans (by default: :class:`Unsupported`, saying why).
    """

    #: The ``generation`` of its campaign files.
    number: ClassVar[int]
    #: « première », « deuxième »…: how messages name it (« campagne de deuxième génération »).
    ordinal: ClassVar[str]
    #: Shipped notebooks (:func:`caqes_toolkit.resources.notebook`) of an establishment's report and
    #: of a region's synthesis; the national overview's (``None``: no national overview).
    report_notebook: ClassVar[str]
    synthesis_notebook: ClassVar[str]
    national_notebook: ClassVar[str | None] = None
    #: Why ``caqes score --detail`` (the score of each indicator) means nothing for it; ``None``: it has one.
    without_detail: ClassVar[str | None] = None
    #: Why the generation makes no self-evaluation grids, no action plans; ``None`` when it makes them
    #: (it then fills the slots :meth:`addressees` and :meth:`write_grids`, :meth:`write_plans`).
    without_grids: ClassVar[str | None] = "pas de grille d'auto-évaluation"
    without_plans: ClassVar[str | None] = "pas de plan d'actions"
    #: What makes a year evaluable when the campaign names none (« des contrats en vigueur »): the
    #: year by default is then the last of the data that has it (:meth:`default_year`); ``None``:
    #: the year must be given.
    year_from_data: ClassVar[str | None] = None

    @property
    def name(self) -> str:
        """« campagne de deuxième génération (generation: 2) »."""
        return f"campagne de {self.ordinal} génération (generation: {self.number})"

    def require_years(self, dataset: Dataset, years: list[int]) -> None:
        """Refuse (:class:`CaqesError`) a year without data: a command never ends having done nothing."""
        raise NotImplementedError

    def evaluated(self, dataset: Dataset, campaign: Campaign, year: int, wanted: list[str] | None) -> list[str]:
        """The FINESS evaluated in ``year`` (or the ``wanted`` ones, checked)."""
        raise NotImplementedError

    def not_evaluated(self, dataset: Dataset, campaign: Campaign, year: int) -> dict[str, str]:
        """The establishments of the data not evaluated in ``year``, each with why (« pas de contrat
        en vigueur »), for a batch to list them beside its reports."""
        raise NotImplementedError

    def default_year(self, dataset: Dataset, campaign: Campaign) -> int | None:
        """The year evaluated when neither the command nor the campaign names one (see
        :attr:`year_from_data`); ``None`` when no year of the data qualifies."""
        return None

    def score(self, dataset: Dataset, campaigns: list[Campaign], years: list[int], *,
              allow_other_year: bool = False, phase: int = 2, detail: bool = False) -> Scored:
        """The scores of ``years`` (each with its campaign among ``campaigns``)."""
        raise NotImplementedError

    def write_scores(self, scored: Scored, path: Path) -> None:
        """Write ``caqes score``'s file (.csv or .xlsx) of ``scored``."""
        raise NotImplementedError

    def synthesis_sheets(self, parameters: dict[str, Any]) -> dict[str, pd.DataFrame]:
        """The sheets of the workbook beside a regional synthesis made with the synthesis
        notebook's ``parameters`` (``annee``, ``donnees``, ``campagne``, ``region``…)."""
        raise NotImplementedError

    def method_html(self, campaign: Campaign) -> str:
        """The method document of ``campaign`` as one self-contained HTML page."""
        raise NotImplementedError

    def refuse(self, document: Literal["grids", "plans"]) -> None:
        """Refuse (:class:`Unsupported`, exit status 1) a document the generation does not make."""
        reason = self.without_grids if document == "grids" else self.without_plans
        if reason is not None:
            raise Unsupported(f"{self.name} : {reason}")

    def addressees(self, dataset: Dataset, campaign: Campaign, year: int, document: Literal["grids", "plans"],
                   wanted: list[str] | None) -> list[str]:
        """The establishments a grid or a plan of ``year`` is written for (the ``wanted`` ones, checked);
        refuses (:class:`Unsupported`) a document the generation does not make."""
        self.refuse(document)
        raise NotImplementedError

    def write_grids(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    wanted: list[str] | None, *, force: bool = False,
                    progress: Callable[[str], None] | None = None, key_file: Path | None = None) -> list[Path]:
        """Slot: the self-evaluation grids of each establishment (``wanted``: some only, from
        :meth:`addressees`), sealed with the key ``key_file`` (a workspace's) or the installation's."""
        self.refuse("grids")
        raise NotImplementedError

    def write_plans(self, dataset: Dataset, campaign: Campaign, year: int, out_dir: Path,
                    selected: list[str], *, allow_other_year: bool = False, force: bool = False,
                    progress: Callable[[str], None] | None = None) -> list[Path]:
        """Slot: the action plans of the ``selected`` establishments."""
        self.refuse("plans")
        raise NotImplementedError
