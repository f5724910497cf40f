"""A command's request, and the request opened: its inputs read once, in one order, for every command.

:func:`request` turns a command's options into a :class:`Request`; it is the one place where options
are read and checked (a mistake in them is a :class:`UsageError`, exit status 2) and where the
workspace file (:mod:`caqes_toolkit.app.config`) fills what the options leave out: data, campaigns,
year, phase, and the fixed outputs of the year (:meth:`Request.out`). :func:`open_request` then does
what every command that reads data does first: start reading the files early, settle the year, check
the outputs, read the campaigns (saying their warnings) and load the data; its
:class:`OpenRequest` names the generation that evaluates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CaqesError
from ..formats import agree
from ..outputs import check_outputs, refuse_overwrite
from .config import Workspace, find_workspace

if TYPE_CHECKING:
    from ..data.dataset import Dataset
    from ..documents.generation import Generation
    from ..rules.campaign import Campaign

__all__ = ["FORMATS", "NOT_TAKEN", "Listener", "OpenRequest", "Request", "UsageError", "load_campaigns",
           "open_request", "output_file", "request", "warn_previous_year", "with_years", "year_campaign"]

#: Formats a document can be published in (see :mod:`caqes_toolkit.run.publish`).
FORMATS = ("html", "pdf")


class UsageError(CaqesError):
    """An option wrong in itself, whatever the data (exit status 2)."""


class Listener:
    """What a command says while it runs: warnings, and the progress of its long tasks (the
    command line draws a bar; this default says nothing)."""

    def warn(self, text: str) -> None:
        """A warning (a campaign's weights, a worker count reduced…)."""

    def note(self, text: str) -> None:
        """What the command took without being told (the workspace file, a default year, a notebook)."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Callable[..., None]]:
        """A task of ``total`` steps: call what it yields after each step (with the counts of
        ``failed`` and ``skipped`` steps so far, when there are any)."""
        yield lambda **counts: None


@dataclass(frozen=True)
class Request:
    """What a command is asked to do: its inputs, the years, the phase, the formats, the
    establishments and whether to replace what a person made."""

    data: Path | None = None
    campaigns: tuple[Path, ...] = ()
    years: tuple[int, ...] = ()  # none given: the year of the only campaign
    phase: int = 2
    allow_other_year: bool = False
    force: bool = False
    formats: tuple[str, ...] = FORMATS
    finess: tuple[str, ...] | None = None  # None: every establishment
    listener: Listener = field(default_factory=Listener, compare=False)
    workspace: Workspace | None = None  # the workspace file whose defaults filled the request

    @property
    def inputs(self) -> list[Path]:
        """The files and folders the command reads (never an output)."""
        return [*([self.data] if self.data is not None else []), *self.campaigns]

    @property
    def grid_key(self) -> Path | None:
        """The grids' seal key of the workspace (``None``: the installation's)."""
        return self.workspace.grid_key if self.workspace is not None else None

    def out(self, given: Path | None, kind: str, option: str = "--out") -> Path:
        """The output ``given`` on the command line, else the workspace's fixed one of this kind for
        the year (:data:`caqes_toolkit.app.config.OUTPUTS`); the year must be settled (:func:`with_years`)."""
        if given is not None:
            return given
        if self.workspace is None:
            raise UsageError(f"Option manquante : « {option} »{_without_workspace()}")
        year = max(self.years) if self.years else self.workspace.year
        if year is None:
            raise UsageError(f"{option} : année à préciser pour nommer la sortie (--year, ou annee dans "
                             f"{self.workspace.file})")
        return self.workspace.output(kind, year)

    def need_workspace(self, command: str) -> Workspace:
        """The workspace, which ``command`` cannot do without (:class:`UsageError` otherwise)."""
        if self.workspace is None:
            raise UsageError(f"{command} : aucun fichier caqes.toml dans ce dossier ; lancez la commande dans un "
                             "dossier de travail (caqes init DOSSIER en crée un) ou donnez --config")
        return self.workspace


class _NotTaken:
    """The value of an input a command does not take (``data`` of ``caqes methode``)."""


#: Passed (by default) for an input the command does not take: the workspace does not fill it.
NOT_TAKEN = _NotTaken()
def _without_workspace(it: str = "la") -> str:
    """How to give a missing input (``it``: « la » for an option, « le » for the data argument)."""
    return (f" : donnez-{it}, ou lancez la commande dans un dossier de travail dont le fichier caqes.toml {it} "
            "fournit (caqes init DOSSIER en crée un)")


def _formats(text: str | None) -> tuple[str, ...]:
    """The formats asked for, each once; at least one, all known."""
    if text is None:
        return FORMATS
    fmts = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        got = f"{agree(len(unknown), 'format inconnu')} : {', '.join(unknown)}" if unknown else "aucun format"
        raise UsageError(f"--formats : {got} ; formats possibles : {', '.join(FORMATS)}")
    return fmts


def _finess(finess: Sequence[str] | None) -> tuple[str, ...] | None:
    """The FINESS asked for, each once in the order given; ``None``: every establishment."""
    if finess is None:
        return None
    wanted = tuple(dict.fromkeys(f for value in finess for f in value.replace(" ", ",").split(",") if f))
    if not wanted:
        raise UsageError("--finess : aucun FINESS indiqué (valeur vide)")
    return wanted


def output_file(path: Path | None, option: str, suffixes: Sequence[str] = (".csv", ".xlsx")) -> Path | None:
    """``path`` when its extension is one of ``suffixes`` (:class:`UsageError` otherwise)."""
    if path is not None and path.suffix.lower() not in suffixes:
        expected = " ou ".join(suffixes)
        raise UsageError(f"{option} : un fichier {expected} est attendu ({path})")
    return path


def request(*, data: Path | _NotTaken | None = NOT_TAKEN, campaigns: Sequence[Path] | _NotTaken | None = NOT_TAKEN,
            years: Sequence[int] | int | None = None, phase: int | None = None, allow_other_year: bool = False,
            force: bool = False, formats: str | None = None, finess: Sequence[str] | None = None,
            config: Path | None = None, workspace_of: str | None = None, listener: Listener | None = None) -> Request:
    """The request of a command's options, each read and checked here (:class:`UsageError`).

    The one place that builds a request: the workspace file (``config``, else the current folder's
    ``caqes.toml``) fills the data, campaigns, year and phase the command line leaves out (``None``);
    an input the command does not take is left :data:`NOT_TAKEN`. Without a workspace file, a
    missing input is a :class:`UsageError`, as a missing option always was; so is the command
    ``workspace_of`` (« caqes etat »), which cannot do without one."""
    listener = listener or Listener()
    if config is not None and not (config.is_file() or (config / "caqes.toml").is_file()):
        raise UsageError(f"--config : {config} introuvable (fichier caqes.toml d'un dossier de travail attendu)")
    workspace = find_workspace(config)
    if workspace is None and workspace_of is not None:
        Request().need_workspace(workspace_of)
    if workspace is not None:
        listener.note(f"dossier de travail : {workspace.file}")
    asked = () if years is None else (years,) if isinstance(years, int) else tuple(years)
    if not asked and workspace is not None and workspace.year is not None:
        asked = (workspace.year,)
    return Request(data=_data(data, workspace), campaigns=_campaigns(campaigns, workspace), years=asked,
                   phase=phase or (workspace.phase if workspace is not None else None) or 2,
                   allow_other_year=allow_other_year, force=force, formats=_formats(formats),
                   finess=_finess(finess), listener=listener, workspace=workspace)


def _data(given: Path | _NotTaken | None, workspace: Workspace | None) -> Path | None:
    """The data folder or workbook: given, else the workspace's (checked to exist)."""
    if isinstance(given, _NotTaken):
        return None
    if given is not None:
        return given
    if workspace is None or workspace.data is None:
        where = f" ni clé donnees dans {workspace.file}" if workspace is not None else ""
        raise UsageError(f"Argument manquant : « DONNÉES » (dossier ou classeur de données){where}"
                         + ("" if workspace is not None else _without_workspace("le")))
    return workspace.existing(workspace.data, "campagne.donnees")


def _campaigns(given: Sequence[Path] | _NotTaken | None, workspace: Workspace | None) -> tuple[Path, ...]:
    """The campaign files: given, else the workspace's (each checked to exist)."""
    if isinstance(given, _NotTaken):
        return ()
    if given:
        return tuple(given)
    if workspace is None or not workspace.campaigns:
        where = f" ni clé campagnes dans {workspace.file}" if workspace is not None else ""
        raise UsageError(f"Option manquante : « --campaign » ou « -c »{where}"
                         + ("" if workspace is not None else _without_workspace()))
    return tuple(workspace.existing(path, "campagne.campagnes") for path in workspace.campaigns)


def load_campaigns(req: Request) -> list[Campaign]:
    """Read the campaign files; their warnings (weights that do not sum to 100) go to the listener."""
    from ..rules.campaign import load_campaign

    campaigns = [load_campaign(p) for p in req.campaigns]
    for c in campaigns:
        for warning in c.warnings:
            req.listener.warn(f"avertissement — {c.path} : {warning}")
    return campaigns


def _default_year(req: Request) -> int:
    """The ``annee`` of the only campaign given (no year asked); for a campaign without one whose
    generation can tell from the data (the last year with contracts in force), that year."""
    from ..documents.generations import generation_of
    from ..rules.campaign import load_campaign

    if len(req.campaigns) != 1:
        raise UsageError(f"--year : année à préciser ({len(req.campaigns)} fichiers de campagne donnés : "
                         "l'année par défaut est celle d'une campagne unique)")
    campaign = load_campaign(req.campaigns[0])
    if campaign.year is not None:
        return campaign.year
    generation = generation_of(campaign)
    if generation.year_from_data is None or req.data is None:
        raise UsageError(f"--year : année à préciser (la campagne {req.campaigns[0]} n'a pas de clé « annee »)")
    from ..evaluation.region import load_region

    year = generation.default_year(load_region(req.data, req.campaigns[0])[0], campaign)
    if year is None:
        raise UsageError(f"--year : année à préciser (la campagne {req.campaigns[0]} n'a pas de clé « annee », "
                         f"et aucune année des données n'a {generation.year_from_data})")
    req.listener.note(f"année évaluée : {year} (dernière année des données qui a {generation.year_from_data} ; "
                      "--year pour une autre)")
    return year


def with_years(req: Request) -> Request:
    """``req`` with its years settled: those asked (or the workspace's), or the only campaign's."""
    return req if req.years else replace(req, years=(_default_year(req),))


def year_campaign(req: Request) -> Campaign:
    """The campaign of the year evaluated, for a command that reads one (``validate``, ``methode``):
    the only one given, or among several (a workspace's) the one of the year."""
    from ..rules.campaign import campaign_for_year

    if len(req.campaigns) == 1:
        return load_campaigns(req)[0]
    req = with_years(req)
    return campaign_for_year(load_campaigns(req), max(req.years), req.allow_other_year)


def warn_previous_year(opened: OpenRequest) -> None:
    """Warn when the scores of N−1, which the outputs show, are computed under the year's rules for
    want of the campaign of N−1 (the reports and syntheses say it too)."""
    from ..documents.notices import previous_year_rescored

    dataset = opened.dataset
    if dataset is not None and opened.previous is None and previous_year_rescored(opened.campaign, opened.year,
                                                                                   dataset.years):
        n1 = opened.year - 1
        opened.request.listener.warn(
            f"avertissement — scores de {n1} (N−1) calculés selon les règles de la campagne {opened.campaign.name}, "
            f"faute de campagne {n1} : ajoutez le fichier de campagne de {n1} (--campaign, ou la liste campagnes "
            "du fichier caqes.toml) pour les calculer selon leurs propres règles ; les documents le signalent")


@dataclass(frozen=True)
class OpenRequest:
    """A request opened: its years, campaigns and data read; ``campaign`` evaluates the last year
    (``year``), ``previous`` is the campaign of the year before when given; ``generation`` is the
    strategy of ``campaign``'s generation."""

    request: Request
    campaigns: list[Campaign]
    campaign: Campaign
    previous: Campaign | None
    dataset: Dataset | None
    generation: Generation

    @property
    def years(self) -> list[int]:
        return list(self.request.years)

    @property
    def year(self) -> int:
        return max(self.request.years)

    def with_data(self, early: Any = None) -> OpenRequest:
        """The request with its data read (``early``: the background reading already started)."""
        if self.request.data is None:
            return self
        from ..data.load import load_dataset

        early = early if early is not None else _read_early(self.request)
        dataset = load_dataset(self.request.data, self.campaign, early)
        return replace(self, dataset=dataset)

    @property
    def parameters(self) -> dict[str, Any]:
        """The notebooks' parameters common to this request's documents."""
        data = self.request.data
        return {"annee": self.year, "donnees": str(data.resolve()) if data else "",
                "campagne": str(Path(str(self.campaign.path)).resolve()),
                "campagne_precedente": str(Path(str(self.previous.path)).resolve()) if self.previous else "",
                **({"autre_annee": True} if self.request.allow_other_year else {}), "phase": self.request.phase}


def open_request(req: Request, *, files: Sequence[Path] = (), folders: Sequence[Path] = (),
                 load: bool = True, also_read: Sequence[Path] = ()) -> OpenRequest:
    """Open ``req`` (see the module docstring): its outputs ``files`` (not replaced if a person
    made them, unless ``force``) and ``folders`` checked before anything is read (against the
    request's inputs and ``also_read``); ``load``: read the data too (else :meth:`OpenRequest.with_data`)."""
    from ..documents.generations import generation_of
    from ..rules.campaign import campaign_for_year

    early = _read_early(req) if load else None
    req = with_years(req)
    check_outputs([*req.inputs, *also_read], files=files, folders=folders)
    refuse_overwrite(files, req.force)
    campaigns = load_campaigns(req)
    year = max(req.years)
    campaign = campaign_for_year(campaigns, year, req.allow_other_year)
    previous = next((c for c in campaigns if c.year == year - 1), None)
    opened = OpenRequest(req, campaigns, campaign, previous, None, generation_of(campaign))
    return opened.with_data(early) if load else opened


def _read_early(req: Request) -> Any:
    """Start reading the data folder's files in the background (first: they are read while the
    package is imported)."""
    if req.data is None:
        return None
    from ..data.files import prefetch

    return prefetch(req.data)
