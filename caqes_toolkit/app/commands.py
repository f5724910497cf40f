"""One function per command that writes tables or workbooks: each takes a :class:`Request` (and its
outputs), does the work and returns what the command line prints.

``caqes reports`` and ``caqes synthese``, which run notebooks, are in :mod:`caqes_toolkit.app.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Fault
from ..outputs import check_outputs, output_lock, refuse_overwrite, remember_outputs
from .request import Request, UsageError, load_campaigns, open_request, output_file, with_years

if TYPE_CHECKING:
    import pandas as pd

    from ..documents.collect import Collection

__all__ = ["ScoreResult", "Targeted", "Validated", "ciblage", "collecte", "grille", "init", "methode", "plan", "score",
           "validate"]


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
    from ..data.validation import validate as check
    from ..data.validation import write_faults
    from ..rules.campaign import load_campaign

    output_file(anomalies, "--anomalies")
    if anomalies is not None:
        check_outputs(req.inputs, files=[anomalies])
        refuse_overwrite([anomalies], req.force)
    faults = check(req.data, load_campaign(req.campaigns[0]), early)
    if anomalies is not None:
        write_faults(faults, anomalies)
        remember_outputs([anomalies])
    return Validated(faults)


@dataclass(frozen=True)
class ScoreResult:
    """What ``caqes score`` wrote: its rows, and the warnings of the data and the money."""

    rows: int
    warnings: list[Fault]


def score(req: Request, out: Path, detail: Path | None = None, volets: Path | None = None) -> ScoreResult:
    """``caqes score``: the scores file (one row per establishment and year), the indicators' detail
    and the volets' money, each by the generation of the years' campaigns."""
    from ..documents.generations import generation_of_years
    from ..documents.present import write_detail, write_volets_file

    for path, option in ((out, "--out"), (detail, "--detail"), (volets, "--volets")):
        output_file(path, option)
    outputs = [out, *(p for p in (detail, volets) if p is not None)]
    opened = open_request(req, files=outputs)
    generation = generation_of_years(opened.campaigns, opened.years, req.allow_other_year)
    if detail is not None and generation.without_detail is not None:
        raise UsageError(f"--detail : sans objet avec une campagne de {generation.ordinal} génération "
                         f"{generation.without_detail}")
    assert opened.dataset is not None
    scored = generation.score(opened.dataset, opened.campaigns, opened.years, allow_other_year=req.allow_other_year,
                              phase=req.phase, detail=detail is not None)
    generation.write_scores(scored, out)
    remember_outputs([out])
    if detail is not None and scored.detail is not None:
        write_detail(scored.detail, detail)
        remember_outputs([detail])
    if volets is not None:
        write_volets_file(scored.money, volets)
        remember_outputs([volets])
    warnings = dict.fromkeys((*opened.dataset.warnings, *(w for m in scored.money for w in m.warnings)))
    return ScoreResult(len(scored.table), list(warnings))


@dataclass(frozen=True)
class Targeted:
    """What ``caqes ciblage`` wrote: the table, and the warnings of the data."""

    table: pd.DataFrame
    warnings: tuple[Fault, ...]


def ciblage(req: Request, out: Path) -> Targeted:
    """``caqes ciblage``: each establishment on each référentiel of the year."""
    from ..documents.present import write_targeting_file
    from ..errors import CaqesError
    from ..evaluation.targeting import targeting_table

    output_file(out, "--out")
    opened = open_request(req, files=[out])
    assert opened.dataset is not None
    camp = opened.campaign
    opened.generation.require_years(opened.dataset, [opened.year])
    table = targeting_table(opened.dataset, camp, opened.year)
    if table.empty:
        raise CaqesError(f"la campagne {camp.name} ne définit aucun référentiel de ciblage (clé "
                         "« referentiel ») ni aucun seuil de ciblage (« seuil_ciblage ») : rien à cibler")
    write_targeting_file(table, out)
    remember_outputs([out])
    return Targeted(table, opened.dataset.warnings)


def grille(req: Request, out_dir: Path) -> list[Path]:
    """``caqes grille``: a pre-filled self-evaluation grid per establishment, if the generation has them."""
    opened = open_request(req, folders=[out_dir])
    opened.generation.refuse("grids")
    assert opened.dataset is not None
    wanted = list(req.finess) if req.finess is not None else None
    total = len(wanted) if wanted is not None else len(opened.dataset.establishments)
    with output_lock(out_dir), req.listener.task(f"Grilles {opened.year}", total) as advance:
        return opened.generation.write_grids(opened.dataset, opened.campaign, opened.year, out_dir, wanted,
                                             force=req.force, progress=lambda _finess: advance())


def plan(req: Request, out_dir: Path) -> list[Path]:
    """``caqes plan``: a pre-filled action plan per establishment evaluated, if the generation has them."""
    opened = open_request(req, folders=[out_dir])
    opened.generation.refuse("plans")
    assert opened.dataset is not None
    wanted = list(req.finess) if req.finess is not None else None
    selected = opened.generation.evaluated(opened.dataset, opened.campaign, opened.year, wanted)
    with output_lock(out_dir), req.listener.task(f"Plans d'actions {opened.year}", len(selected)) as advance:
        return opened.generation.write_plans(opened.dataset, opened.campaign, opened.year, out_dir, selected,
                                             allow_other_year=req.allow_other_year, force=req.force,
                                             progress=lambda _finess: advance())


def methode(req: Request, out_dir: Path) -> list[Path]:
    """``caqes methode``: the method document of the campaign, in the formats asked."""
    from ..documents.generations import method_document
    from ..rules.campaign import load_campaign
    from ..run.publish import publish

    check_outputs(req.inputs, folders=[out_dir])
    campaign = load_campaign(req.campaigns[0])
    with output_lock(out_dir), req.listener.task("Méthode", 1) as advance:
        document = method_document(campaign)
        refuse_overwrite([out_dir / f"{document.name}.{fmt}" for fmt in req.formats], req.force)
        written = publish(document.html, out_dir.resolve() / document.name, req.formats,
                          header=document.header, footer=document.footer)
        remember_outputs(written)
        advance()
    return written


def collecte(req: Request, grids: Path, out_dir: Path, suivi: Path | None) -> Collection:
    """``caqes collecte``: the returned grids checked, a new data folder, the follow-up table."""
    from ..documents.collect import check_out, collect, write_follow_up
    from ..errors import CaqesError
    from ..rules.campaign import campaign_for_year

    data = req.data
    assert data is not None
    check_out(out_dir, data, req.force)  # before anything is read
    req = with_years(req)
    output_file(suivi, "--suivi")
    check_outputs([*req.inputs, grids], folders=[out_dir], files=[suivi] if suivi is not None else [])
    refuse_overwrite([suivi] if suivi is not None else [], req.force)
    if suivi is not None and out_dir.resolve() in suivi.resolve().parents:
        raise CaqesError(f"{suivi} : le tableau de suivi ne s'écrit pas dans le dossier de données produit "
                         f"({out_dir}), qui est remplacé en entier")
    year = max(req.years)
    result = collect(grids, campaign_for_year(load_campaigns(req), year), year, data, out_dir, req.force)
    if suivi is not None:
        write_follow_up(result.follow_up, suivi)
        remember_outputs([suivi])
    return result
