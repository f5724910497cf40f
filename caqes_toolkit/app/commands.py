"""One function per command that writes tables or workbooks: each takes a :class:`Request` (and its
outputs), does the work and returns what the command line prints.

``caqes reports`` and ``caqes synthese``, which run notebooks, are in :mod:`caqes_toolkit.app.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Fault
from ..outputs import check_outputs, output_lock, recorded, refuse_overwrite
from .request import (
    Request,
    UsageError,
    load_campaigns,
    open_request,
    output_file,
    warn_previous_year,
    with_years,
    year_campaign,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..documents.collect import Collection
    from ..rules.campaign import Campaign

__all__ = ["Collected", "Drafted", "ScoreResult", "Targeted", "Validated", "Written", "ciblage", "collecte", "grille",
           "init", "methode", "plan", "score", "trajectoires", "validate"]


def init(folder: Path) -> list[Path]:
    """``caqes init``: the files of a new workspace."""
    from ..workspace import create_workspace

    return create_workspace(folder)


@dataclass(frozen=True)
class Validated:
    """What ``caqes validate`` found: every fault, errors first counted."""

    faults: list[Fault]

    @property
    def errors(self) -> int:
        return sum(f.severity == "erreur" for f in self.faults)


def validate(req: Request, anomalies: Path | None = None) -> Validated:
    """``caqes validate``: every fault of the data (and the full list in ``anomalies``)."""
    from ..data.files import prefetch

    assert req.data is not None
    early = prefetch(req.data)
    from ..data.faults import write_faults
    from ..data.validation import validate as check

    output_file(anomalies, "--anomalies")
    if anomalies is not None:
        check_outputs(req.inputs, files=[anomalies])
        refuse_overwrite([anomalies], req.force)
    faults = check(req.data, year_campaign(req), early)
    if anomalies is not None:
        with recorded([anomalies]):
            write_faults(faults, anomalies)
    return Validated(faults)


@dataclass(frozen=True)
class ScoreResult:
    """What ``caqes score`` wrote: its rows, in which file, and the warnings of the data and the money."""

    rows: int
    warnings: list[Fault]
    file: Path


def score(req: Request, out: Path | None, detail: Path | None = None, volets: Path | None = None) -> ScoreResult:
    """``caqes score``: the scores file (one row per establishment and year), the indicators' detail
    and the volets' money, each by the generation of the years' campaigns."""
    from ..documents.generations import generation_of_years
    from ..documents.present import write_detail, write_volets_file

    if out is None:
        req = with_years(req)
    out = req.out(out, "scores")
    for path, option in ((out, "--out"), (detail, "--detail"), (volets, "--volets")):
        output_file(path, option)
    outputs = [out, *(p for p in (detail, volets) if p is not None)]
    opened = open_request(req, files=outputs)
    warn_previous_year(opened)
    generation = generation_of_years(opened.campaigns, opened.years, req.allow_other_year)
    if detail is not None and generation.without_detail is not None:
        raise UsageError(f"--detail : sans objet avec une campagne de {generation.ordinal} génération "
                         f"{generation.without_detail}")
    assert opened.dataset is not None
    scored = generation.score(opened.dataset, opened.campaigns, opened.years, allow_other_year=req.allow_other_year,
                              phase=req.phase, detail=detail is not None)
    with recorded([out]):
        generation.write_scores(scored, out)
    if detail is not None and scored.detail is not None:
        with recorded([detail]):
            write_detail(scored.detail, detail)
    if volets is not None:
        with recorded([volets]):
            write_volets_file(scored.money, volets)
    warnings = dict.fromkeys((*opened.dataset.warnings, *(w for m in scored.money for w in m.warnings)))
    return ScoreResult(len(scored.table), list(warnings), out)


@dataclass(frozen=True)
class Targeted:
    """What ``caqes ciblage`` wrote: the table, in which file, and the warnings of the data."""

    table: pd.DataFrame
    warnings: tuple[Fault, ...]
    file: Path


def ciblage(req: Request, out: Path | None) -> Targeted:
    """``caqes ciblage``: each establishment on each référentiel of the year."""
    from ..documents.present import write_targeting_file
    from ..errors import CaqesError
    from ..evaluation.targeting import targeting_table

    if out is None:
        req = with_years(req)
    out = req.out(out, "ciblage")
    output_file(out, "--out")
    opened = open_request(req, files=[out])
    assert opened.dataset is not None
    camp = opened.campaign
    opened.generation.require_years(opened.dataset, [opened.year])
    table = targeting_table(opened.dataset, camp, opened.year)
    if table.empty:
        raise CaqesError(f"la campagne {camp.name} ne définit aucun référentiel de ciblage (clé "
                         "« referentiel ») ni aucun seuil de ciblage (« seuil_ciblage ») : rien à cibler")
    with recorded([out]):
        write_targeting_file(table, out)
    return Targeted(table, opened.dataset.warnings, out)


@dataclass(frozen=True)
class Drafted:
    """What ``caqes trajectoires`` wrote: the proposed targets, and the warnings of the data."""

    table: pd.DataFrame
    warnings: tuple[Fault, ...]

    @property
    def establishments(self) -> int:
        return int(self.table["finess"].nunique())


def trajectoires(req: Request, out: Path, horizon: int) -> Drafted:
    """``caqes trajectoires``: the yearly targets proposed to draft each establishment's avenant."""
    from ..evaluation.trajectories import trajectories, write_trajectories
    from ..rules.campaign import campaign_for_year

    output_file(out, "--out")
    campaigns = load_campaigns(req)  # the year's (a workspace's), or any after T0: trajectories start at T0
    campaign = campaign_for_year(campaigns, max(req.years)) if req.years else campaigns[-1]
    opened = open_request(replace(req, years=(campaign.year or (campaign.t0_year or 0) + 1,)), files=[out])
    assert opened.dataset is not None
    table = trajectories(opened.dataset, opened.campaign, horizon)
    with recorded([out]):
        write_trajectories(table, opened.dataset, opened.campaign, out)
    return Drafted(table, opened.dataset.warnings)


@dataclass(frozen=True)
class Written:
    """The files a command wrote, and the folder it wrote them in."""

    paths: list[Path]
    folder: Path


def _with_ars(req: Request, campaign: Campaign) -> Campaign:
    """The campaign with the workspace's ARS contact and grids' deadline, which the grids show and
    the follow-up counts on (a workspace's value replaces the campaign file's)."""
    ars = req.workspace.ars if req.workspace is not None else None
    if ars is None or not (ars.deadline or ars.contact):
        return campaign
    return campaign.model_copy(update={k: v for k, v in (("grid_deadline", ars.deadline),
                                                          ("ars_contact", ars.contact)) if v})


def _warn_unnamed(req: Request, campaign: Campaign) -> None:
    """Warn when the grids would name neither whom to return them to nor by when."""
    said = {"contact": ("contact à l'ARS", "à qui", campaign.ars_contact),
            "date_limite_grille": ("date limite de retour", "avant quand", campaign.grid_deadline)}
    missing = [key for key, (_, _, value) in said.items() if not value]
    if missing:
        where = (f"[ars] {', '.join(missing)} dans {req.workspace.file}" if req.workspace is not None else
                 "[ars] dans le fichier caqes.toml, ou contact_ars et date_limite_grille dans la campagne")
        them = "les" if len(missing) > 1 else "le" if missing == ["contact"] else "la"
        req.listener.warn(f"avertissement — grilles écrites sans {' ni '.join(said[k][0] for k in missing)} : "
                          f"elles ne disent pas {' ni '.join(said[k][1] for k in missing)} les renvoyer ; "
                          f"indiquez-{them} ({where})")


def grille(req: Request, out_dir: Path | None) -> Written:
    """``caqes grille``: a pre-filled self-evaluation grid per establishment, if the generation has them,
    with the ARS's contact and deadline; sealed with the workspace's key when it has one."""
    req = with_years(req)
    out_dir = req.out(out_dir, "grilles")
    opened = open_request(req, folders=[out_dir])
    assert opened.dataset is not None
    campaign = _with_ars(req, opened.campaign)
    _warn_unnamed(req, campaign)
    wanted = opened.generation.addressees(opened.dataset, opened.campaign, opened.year, "grids",
                                          list(req.finess) if req.finess is not None else None)
    with output_lock(out_dir), req.listener.task(f"Grilles {opened.year}", len(wanted)) as advance:
        return Written(opened.generation.write_grids(opened.dataset, campaign, opened.year, out_dir, wanted,
                                                     force=req.force, progress=lambda _finess: advance(),
                                                     key_file=req.grid_key), out_dir)


def plan(req: Request, out_dir: Path | None) -> Written:
    """``caqes plan``: a pre-filled action plan per establishment evaluated, if the generation has them."""
    req = with_years(req)
    out_dir = req.out(out_dir, "plans")
    opened = open_request(req, folders=[out_dir])
    assert opened.dataset is not None
    selected = opened.generation.addressees(opened.dataset, opened.campaign, opened.year, "plans",
                                            list(req.finess) if req.finess is not None else None)
    with output_lock(out_dir), req.listener.task(f"Plans d'actions {opened.year}", len(selected)) as advance:
        return Written(opened.generation.write_plans(opened.dataset, opened.campaign, opened.year, out_dir, selected,
                                                     allow_other_year=req.allow_other_year, force=req.force,
                                                     progress=lambda _finess: advance()), out_dir)


def methode(req: Request, out_dir: Path | None) -> list[Path]:
    """``caqes methode``: the method document of the campaign (the year's, among a workspace's), in the
    formats asked."""
    from ..documents.generations import method_document
    from ..run.publish import publish

    campaign = year_campaign(req)
    out_dir = req.out(out_dir, "methode")
    check_outputs(req.inputs, folders=[out_dir])
    with output_lock(out_dir), req.listener.task("Méthode", 1) as advance:
        document = method_document(campaign)
        refuse_overwrite([out_dir / f"{document.name}.{fmt}" for fmt in req.formats], req.force)
        written = [out_dir.resolve() / f"{document.name}.{fmt}" for fmt in req.formats]
        with recorded(written):
            publish(document.html, out_dir.resolve() / document.name, req.formats,
                    header=document.header, footer=document.footer)
        advance()
    return written


def collecte(req: Request, grids: Path | None, out_dir: Path | None, suivi: Path | None) -> Collected:
    """``caqes collecte``: the returned grids checked, a new data folder, the follow-up board. In a
    workspace, the grids are read from ``retours-<année>/`` and the data and the board written
    under ``sorties`` (``donnees-<année>/``, ``suivi-<année>.xlsx``)."""
    from ..documents.collect import check_out, collect
    from ..documents.follow_up import write_board
    from ..documents.generations import generation_of
    from ..errors import CaqesError
    from ..rules.campaign import campaign_for_year

    data = req.data
    assert data is not None
    req = with_years(req)
    year = max(req.years)
    grids = grids if grids is not None else req.need_workspace("caqes collecte sans dossier de grilles").returns(year)
    out_dir = req.out(out_dir, "collecte")
    suivi = suivi if suivi is not None or req.workspace is None else req.out(None, "suivi")
    check_out(out_dir, data, req.force)  # before anything is read
    output_file(suivi, "--suivi")
    check_outputs([*req.inputs, grids], folders=[out_dir], files=[suivi] if suivi is not None else [])
    refuse_overwrite([suivi] if suivi is not None else [], req.force)
    if suivi is not None and out_dir.resolve() in suivi.resolve().parents:
        raise CaqesError(f"{suivi} : le tableau de suivi ne s'écrit pas dans le dossier de données produit "
                         f"({out_dir}), qui est remplacé en entier")
    campaign = _with_ars(req, campaign_for_year(load_campaigns(req), year))
    generation = generation_of(campaign)
    result = collect(grids, campaign, year, data, out_dir, req.force, key_file=req.grid_key,
                     addressees=lambda dataset: generation.addressees(dataset, campaign, year, "grids", None))
    if suivi is not None:
        with recorded([suivi]):
            write_board(result.follow_up, suivi)
    return Collected(result, grids, out_dir, suivi)


@dataclass(frozen=True)
class Collected:
    """What ``caqes collecte`` did: the collection, from which folder of grids, into which data
    folder, and the board written (``None``: none asked)."""

    collection: Collection
    grids: Path
    data: Path
    board: Path | None
