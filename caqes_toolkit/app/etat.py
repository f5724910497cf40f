"""``caqes etat``: the year of a workspace, step by step, each with its state and the command that
does it, read from what the workspace holds (its outputs, the follow-up board, the data).

The steps, in the order of the annual evaluation (:data:`STEPS`): grids written and sent, grids
received, data validated, phase 1 (provisional), contradictory phase, phase 2 (Assurance Maladie
data in), reports, synthesis, action plans, packs. Nothing is written; the data are read and checked
once, as ``caqes validate`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Workspace
from .request import Request, load_campaigns, with_years

if TYPE_CHECKING:
    from ..data.dataset import Dataset
    from ..documents.generation import Generation
    from ..errors import Fault
    from ..rules.campaign import Campaign

__all__ = ["DONE", "STATES", "STEPS", "State", "Step", "etat"]

#: The states of a step; a step not done (the first three) has a command to run.
STATES = ("à faire", "à refaire", "en cours", "en attente", "fait", "sans objet")
DONE = ("fait", "sans objet", "en attente")


@dataclass(frozen=True)
class Step:
    """One step of the year: its title, state, what the workspace shows of it, the command that does it."""

    title: str
    state: str
    detail: str
    command: str = ""


@dataclass(frozen=True)
class State:
    """The year of a workspace: its campaign and every step."""

    workspace: Workspace
    year: int
    campaign: str
    phase: int
    steps: list[Step]

    @property
    def next(self) -> Step | None:
        """The first step left to do."""
        return next((s for s in self.steps if s.state not in DONE), None)


@dataclass(frozen=True)
class _Year:
    """What the steps look at: the request (the workspace's defaults), the campaign of the year, its
    generation, the data (``None`` when they have errors) and their faults, the day."""

    req: Request
    workspace: Workspace
    year: int
    campaign: Campaign
    generation: Generation
    dataset: Dataset | None
    faults: list[Fault]
    today: dt.date
    evaluated: list[str]

    def out(self, kind: str) -> Path:
        return self.workspace.output(kind, self.year)

    @property
    def deadline(self) -> dt.date | None:
        deadline = self.workspace.ars.deadline or self.campaign.grid_deadline
        return deadline if isinstance(deadline, dt.date) else None

    @property
    def am_indicators(self) -> set[str]:
        return {i.code for i in self.campaign.indicators if i.data_source == "assurance_maladie"}


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count < 2 else many}"


def _count(done: int, total: int, what: tuple[str, str], folder: Path) -> tuple[str, str]:
    """State and detail of a step that makes one file per establishment."""
    state = "à faire" if done == 0 else "en cours" if done < total else "fait"
    return state, f"{_n(done, *what)} sur {total} dans {folder}"


def _grids(y: _Year) -> tuple[str, str]:
    if y.generation.without_grids is not None:
        return "sans objet", f"{y.generation.name} : {y.generation.without_grids}"
    assert y.dataset is not None
    total = len(y.dataset.establishments)
    written = len(list(y.out("grilles").glob(f"grille_*_{y.year}.xlsx")))
    state, detail = _count(written, total, ("grille écrite", "grilles écrites"), y.out("grilles"))
    when = (f"retour demandé au plus tard le {y.deadline:%d/%m/%Y}" if y.deadline else
            "aucune date limite de retour : ajoutez [ars] date_limite_grille à caqes.toml")
    return state, f"{detail} ; {when}"


def _returns(y: _Year) -> tuple[str, str]:
    from ..documents.follow_up import STATUSES, read_board

    if y.generation.without_grids is not None:
        return "sans objet", "pas de grille à recevoir"
    folder, board = y.workspace.returns(y.year), y.out("suivi")
    books = (".xlsx", ".xlsm", ".ods")
    dropped = [p for p in folder.rglob("*") if p.suffix.lower() in books] if folder.is_dir() else []
    if not board.is_file():
        if not dropped:
            return "en attente", f"aucune grille retournée dans {folder} (déposez-y les grilles reçues)"
        waiting = "pas encore collecté" if len(dropped) < 2 else "pas encore collectés"
        return "à faire", f"{_n(len(dropped), 'fichier déposé', 'fichiers déposés')} dans {folder}, {waiting}"
    table = read_board(board)
    counts = table["statut"].value_counts()
    late = int((table["en_retard"] == "oui").sum())
    due = int((table["relance"] == "à faire").sum())
    shown = ", ".join(f"{int(counts.get(s, 0))} {s if counts.get(s, 0) < 2 else s + 's'}" for s in STATUSES)
    detail = (f"{shown} sur {len(table)} ; {_n(late, 'en retard', 'en retard')} ; "
              f"{_n(due, 'relance à faire', 'relances à faire')} (suivi : {board})")
    if any(p.stat().st_mtime > board.stat().st_mtime for p in dropped):
        return "à refaire", f"{detail} ; des grilles déposées depuis la dernière collecte"
    return ("fait" if counts.get("reçue", 0) == len(table) else "en cours"), detail


def _data(y: _Year) -> tuple[str, str]:
    errors = sum(f.severity == "erreur" for f in y.faults)
    detail = (f"{_n(errors, 'erreur', 'erreurs')}, {_n(len(y.faults) - errors, 'avertissement', 'avertissements')} "
              f"dans {y.req.data}")
    collected = y.out("collecte")
    if collected.is_dir() and y.req.data is not None and collected.resolve() != y.req.data.resolve():
        detail += (f" ; la collecte a écrit {collected} : pour évaluer ces données, écrivez "
                   f"donnees = \"{collected.relative_to(y.workspace.folder).as_posix()}\" dans caqes.toml")
    return ("à faire" if errors else "fait"), detail


def _phase_1(y: _Year) -> tuple[str, str]:
    if not y.am_indicators:
        return "sans objet", "aucun indicateur de l'Assurance Maladie dans la campagne : une seule phase"
    if y.req.phase == 2:
        return "fait", "passée : phase = 2 dans caqes.toml"
    made = _reports_of_phase(y, 1)
    if not made:
        return "à faire", "aucun rapport provisoire (phase = 1 dans caqes.toml)"
    return "fait", f"{_n(made, 'rapport provisoire', 'rapports provisoires')} dans {y.out('rapports')}"


def _reports_of_phase(y: _Year, phase: int) -> int:
    import json

    count = 0
    for path in y.out("rapports").glob("*/scores.json"):
        try:
            count += json.loads(path.read_text(encoding="utf-8")).get("phase") == phase
        except (OSError, ValueError, AttributeError):
            continue
    return count


def _contradictory(y: _Year) -> tuple[str, str]:
    if not y.campaign.indicators:
        return "sans objet", "pas de score du volet obligatoire à contester"
    assert y.dataset is not None
    adjusted = y.dataset.adjustments[y.dataset.adjustments["annee"] == y.year]
    if adjusted.empty:
        return ("en attente" if y.req.phase == 1 else "fait"), "aucun ajustement reçu (table ajustements)"
    who = adjusted["finess"].nunique()
    return ("en cours" if y.req.phase == 1 else "fait",
            f"{_n(len(adjusted), 'ajustement reçu', 'ajustements reçus')} de "
            f"{_n(who, 'établissement', 'établissements')} (table ajustements)")


def _phase_2(y: _Year) -> tuple[str, str]:
    if not y.am_indicators:
        return "sans objet", "aucun indicateur de l'Assurance Maladie dans la campagne"
    assert y.dataset is not None
    res = y.dataset.results
    known = res["valeur"].notna() | res["nc"]
    given = res[(res["annee"] == y.year) & res["indicateur"].isin(y.am_indicators) & known]
    have = len(set(given["finess"]) & set(y.evaluated))
    detail = (f"données de l'Assurance Maladie présentes pour {_n(have, 'établissement', 'établissements')} "
              f"sur {len(y.evaluated)}")
    if have < len(y.evaluated):
        when = y.campaign.phase_2_date
        return "en attente", detail + (f" ; attendues le {when:%d/%m/%Y}" if isinstance(when, dt.date) else "")
    if y.req.phase == 1:
        return "à faire", detail + " ; passez à la phase 2 : phase = 2 dans caqes.toml"
    return "fait", detail


def _reports(y: _Year) -> tuple[str, str]:
    from ..run.jobs import DONE as DONE_FILE
    from ..run.resume import up_to_date
    from .documents import ReportsOptions, reports_key

    folder = y.out("rapports")
    current = up_to_date(folder, reports_key(y.req, ReportsOptions()))
    if current is not None:
        return "fait", (f"{_n(current, 'rapport à jour', 'rapports à jour')} (phase {y.req.phase}) ; "
                        f"index : {folder / 'index.html'}")
    made = len(list(folder.glob(f"*/{DONE_FILE}")))
    if made:
        return "à refaire", (f"{_n(made, 'rapport', 'rapports')} dans {folder}, faits avec d'autres données, réglages "
                             "ou notebook : caqes reports refait ceux qui ont changé")
    evaluated = _n(len(y.evaluated), "établissement évalué", "établissements évalués")
    return "à faire", f"aucun rapport dans {folder} ({evaluated})"


def _newer_than_inputs(y: _Year, paths: list[Path]) -> bool:
    """Whether every file of ``paths`` is newer than the data and campaigns it was made from."""
    from ..data.names import input_files

    inputs = [*(input_files(y.req.data) if y.req.data is not None else []), *y.req.campaigns]
    newest = max((p.stat().st_mtime for p in inputs if p.exists()), default=0.0)
    return all(p.stat().st_mtime >= newest for p in paths)


def _synthesis(y: _Year) -> tuple[str, str]:
    folder = y.out("synthese")
    made = sorted(folder.rglob(f"synthese_*_{y.year}.*")) if folder.is_dir() else []
    made = [p for p in made if p.suffix in (".pdf", ".html")]
    if not made:
        return "à faire", f"aucune synthèse dans {folder}"
    if not _newer_than_inputs(y, made):
        return "à refaire", f"{folder} : faite avant la dernière modification des données ou des campagnes"
    return "fait", f"{', '.join(p.relative_to(folder).as_posix() for p in made)} dans {folder}"


def _plans(y: _Year) -> tuple[str, str]:
    if y.generation.without_plans is not None:
        return "sans objet", f"{y.generation.name} : pas de plan d'actions"
    made = len(list(y.out("plans").rglob(f"plan_actions_*_{y.year}.xlsx")))
    return _count(made, len(y.evaluated), ("plan d'actions", "plans d'actions"), y.out("plans"))


def _packs(y: _Year) -> tuple[str, str]:
    folder = y.out("envoi")
    state, detail = _count(len(list(folder.glob("*.zip"))), len(y.evaluated), ("dossier", "dossiers"), folder)
    recipients = folder / "destinataires.csv"
    if recipients.is_file():
        detail += f" ; destinataires : {recipients} (aucun courriel n'est envoyé par caqes)"
    return state, detail


#: The steps of the year: title, how its state is read, the command that does it, and whether it
#: needs the data (while they have errors, such a step waits for them).
STEPS: tuple[tuple[str, Callable[[_Year], tuple[str, str]], str, bool], ...] = (
    ("Grilles écrites et envoyées", _grids, "caqes grille", True),
    ("Grilles reçues", _returns, "caqes collecte", False),
    ("Données validées", _data, "caqes validate", False),
    ("Phase 1 : évaluation provisoire", _phase_1, "caqes reports", True),
    ("Phase contradictoire (ajustements)", _contradictory, "caqes validate", True),
    ("Phase 2 : données de l'Assurance Maladie", _phase_2, "caqes reports", True),
    ("Rapports", _reports, "caqes reports", True),
    ("Synthèse régionale", _synthesis, "caqes synthese", True),
    ("Plans d'actions", _plans, "caqes plan", True),
    ("Dossiers d'envoi", _packs, "caqes envoi", True),
)
WAITING_FOR_DATA = ("en attente", "données à corriger d'abord (étape « Données validées »)")


def etat(req: Request, config: Path | None = None, today: dt.date | None = None) -> State:
    """``caqes etat``: the state of each step of the workspace's year (``config``: the workspace file
    given on the command line, repeated in the commands shown)."""
    from ..data.dataset import Dataset
    from ..data.read import read_source
    from ..data.validation import check
    from ..documents.generations import generation_of
    from ..errors import CaqesError
    from ..rules.campaign import campaign_for_year

    workspace = req.need_workspace("caqes etat")
    req = replace(with_years(req), formats=("html", "pdf"))
    year = max(req.years)
    campaign = campaign_for_year(load_campaigns(req), year, req.allow_other_year)
    assert req.data is not None
    checked = check(read_source(req.data), campaign)
    dataset = Dataset(**checked.tables) if checked.tables is not None else None
    generation = generation_of(campaign)
    evaluated: list[str] = []
    if dataset is not None:
        try:
            evaluated = generation.evaluated(dataset, campaign, year, None)
        except CaqesError:  # no data for the year yet: nothing evaluated, which the steps say
            evaluated = []
    y = _Year(req, workspace, year, campaign, generation, dataset, list(checked.faults), today or dt.date.today(),
              evaluated)
    suffix = f" --config {config}" if config is not None else ""
    steps = []
    for title, read, command, needs_data in STEPS:
        state, detail = read(y) if dataset is not None or not needs_data else WAITING_FOR_DATA
        steps.append(Step(title, state, detail, command + suffix if state not in DONE else ""))
    return State(workspace, year, campaign.label_for(year), req.phase, steps)
