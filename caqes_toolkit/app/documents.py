"""The commands that run notebooks: ``caqes reports`` (one report per establishment, in a batch) and
``caqes synthese`` (one synthesis per region, and the national overview). Each notebook is the one of
the campaign's generation (:mod:`caqes_toolkit.documents.generations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import CaqesError
from ..outputs import check_outputs, output_lock, recorded, refuse_overwrite, remember_outputs
from ..resources import notebook
from .request import OpenRequest, Request, UsageError, open_request, warn_previous_year, with_years

if TYPE_CHECKING:
    from ..documents.generation import Generation
    from ..run.batch import Outcome

__all__ = ["Planned", "Reports", "ReportsOptions", "Synthesis", "reports", "reports_key", "synthese",
           "synthesis_plan", "template"]

RENDERERS = ("nbclient", "quarto")


@dataclass(frozen=True)
class ReportsOptions:
    """How ``caqes reports`` runs: workers, Dask scheduler, renderer, notebook, time limit."""

    jobs: int = 2
    scheduler: str | None = None
    renderer: str = "nbclient"
    notebook: Path | None = None  # None: the generation's report notebook
    timeout: float = 600


@dataclass(frozen=True)
class Reports:
    """What ``caqes reports`` did: every outcome (``up_to_date``: the whole request was already), in
    which folder, with which notebook; ``absent``: the establishments of the data not evaluated
    that year, each with why (listed in the index)."""

    outcomes: list[Outcome]
    folder: Path
    notebook: Path
    year: int | None = None  # None: not settled (an up-to-date request without year)
    up_to_date: int | None = None
    absent: dict[str, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.status == "failed"), key=lambda o: o.finess)


def _refuse_missing_tools(req: Request, options: ReportsOptions) -> None:
    import shutil

    from ..run.browser import missing_message
    from ..run.render import chromium_available

    if options.renderer == "quarto" and shutil.which("quarto") is None:
        raise CaqesError("quarto introuvable sur le PATH : installez Quarto (par exemple "
                         "« conda install -c conda-forge quarto ») ou utilisez --renderer nbclient")
    if "pdf" in req.formats and options.renderer == "nbclient" and not chromium_available():
        raise CaqesError(missing_message())


def _workers(req: Request, options: ReportsOptions) -> int:
    from ..run.pool import available_cpus

    if options.scheduler is None and options.jobs > (cpus := available_cpus()):
        req.listener.warn(f"avertissement — --jobs {options.jobs} ramené à {cpus} : processeurs disponibles sur "
                          "cette machine (plus de processus de travail n'iraient pas plus vite)")
        return cpus
    return options.jobs


def template(req: Request, name: str) -> Path:
    """The notebook ``name`` a command runs: the workspace's (``notebooks/`` beside its caqes.toml),
    else the current folder's ``notebooks/``, else the one the package ships."""
    for folder in ([req.workspace.folder] if req.workspace is not None else []) + [Path()]:
        if (folder / "notebooks" / name).is_file():
            return folder / "notebooks" / name
    return notebook(name)


def _report_notebooks(req: Request, options: ReportsOptions) -> list[Path]:
    """The report notebook of each generation, which the batch key covers (the generation is known
    once the campaigns are read)."""
    from ..documents.generations import GENERATIONS

    return [options.notebook] if options.notebook else [template(req, g.report_notebook) for g in GENERATIONS.values()]


def reports_key(req: Request, options: ReportsOptions) -> str:
    """The key of a ``caqes reports`` request (:func:`caqes_toolkit.run.resume.batch_key`): its inputs,
    its notebooks and its options."""
    from ..run.resume import batch_key

    assert req.data is not None
    return batch_key(req.data, req.campaigns, _report_notebooks(req, options),
                     year=req.years[0] if req.years else None, formats=req.formats,
                     finess=list(req.finess) if req.finess is not None else None, renderer=options.renderer,
                     allow_other_year=req.allow_other_year, phase=req.phase)


def reports(req: Request, out_dir: Path | None, options: ReportsOptions) -> Reports:
    """``caqes reports``: each establishment's report (notebook, HTML, PDF, scores.json), the scores
    workbook and the index of the batch; a request whose every report is up to date is answered at once."""
    from ..run.resume import recorded, up_to_date

    if options.renderer not in RENDERERS:
        raise UsageError(f"--renderer : moteur inconnu : {options.renderer} (attendu : nbclient ou quarto)")
    if out_dir is None:
        req = with_years(req)
    out_dir = req.out(out_dir, "rapports")
    key = reports_key(req, options)
    if not req.force and (count := up_to_date(out_dir, key)) is not None:
        notebook_used, absent = recorded(out_dir)
        return Reports([], out_dir, notebook_used, max(req.years) if req.years else None, count, absent)
    req = with_years(req)
    _refuse_missing_tools(req, options)
    with ExitStack() as stack:
        return _run_batch(req, out_dir, options, key, stack)


def _run_batch(req: Request, out_dir: Path, options: ReportsOptions, key: str, stack: ExitStack) -> Reports:
    from ..run.batch import TEMPLATE, ReportPool, make_jobs, run_jobs
    from ..run.index import write_index
    from ..run.resume import MARKER, record

    batch_files = [out_dir / "scores.xlsx", out_dir / "index.html"]
    opened = open_request(req, files=batch_files, folders=[out_dir], load=False,
                          also_read=[options.notebook or TEMPLATE])
    used = options.notebook or template(req, opened.generation.report_notebook)
    workers = _workers(req, options)
    # The local workers start now (forkserver or spawn) and load their modules while the data are read.
    pool = None if options.scheduler else stack.enter_context(ReportPool(workers, timeout=options.timeout))
    opened = opened.with_data()
    warn_previous_year(opened)
    dataset, camp, year = opened.dataset, opened.campaign, opened.year
    assert dataset is not None
    wanted = list(req.finess) if req.finess is not None else None
    selected = opened.generation.evaluated(dataset, camp, year, wanted)
    absent = opened.generation.not_evaluated(dataset, camp, year) if wanted is None else {}
    stack.enter_context(output_lock(out_dir))  # taken once the inputs are known good: a refusal creates nothing
    (out_dir / MARKER).unlink(missing_ok=True)  # the request is answered anew
    jobs = make_jobs(req.data or Path(), str(camp.path), year, out_dir, selected, req.formats, template=used,
                     renderer=options.renderer, campagne_precedente=opened.previous.path if opened.previous else None,
                     autre_annee=req.allow_other_year, sources=dataset.sources, phase=req.phase)
    _write_scores(opened, selected, out_dir / "scores.xlsx")
    counts = {"failed": 0, "skipped": 0}
    with req.listener.task(f"Rapports {year}", len(jobs)) as advance:
        def done(outcome: Outcome) -> None:
            if outcome.status in counts:
                counts[outcome.status] += 1
            advance(**counts)

        outcomes = run_jobs(jobs, workers=workers, scheduler=options.scheduler, force=req.force, on_outcome=done,
                            pool=pool)
    with recorded([out_dir / "index.html"]):
        write_index(out_dir, outcomes, campaign=camp.label_for(year), year=year, formats=req.formats,
                    workbook="scores.xlsx", establishments=dataset.establishments, classes=list(camp.classes),
                    absent=absent, volets={v.code: v.label for v in camp.volets})
    if not any(o.status == "failed" for o in outcomes):
        record(out_dir, key, jobs, absent=absent, notebook=used)
    return Reports(outcomes, out_dir, used, year, absent=absent)


def _write_scores(opened: OpenRequest, selected: list[str], path: Path) -> None:
    """The batch's scores workbook: the rows of the establishments reported on."""
    from ..documents.present import LABELS
    from ..outputs import write_table

    assert opened.dataset is not None
    table = opened.generation.score(opened.dataset, [opened.campaign], [opened.year],
                                    allow_other_year=opened.request.allow_other_year, phase=opened.request.phase).table
    with recorded([path]):
        write_table({"scores": table[table["finess"].isin(selected)]}, path, LABELS)


class Planned(NamedTuple):
    """One document of a synthesis: its kind (« region » or « national »), notebook, output base
    (without suffix), parameters and title."""

    kind: str
    notebook: Path
    base: Path
    parameters: dict[str, Any]
    title: str


#: Characters a folder name cannot hold on Windows, macOS or Linux (a region becomes a folder).
_NOT_IN_FOLDER_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _region_folder(region: str) -> str:
    """The folder of a region's synthesis: its name, without the characters a folder cannot hold."""
    return _NOT_IN_FOLDER_NAMES.sub("-", region).strip(" .") or "region"


def synthesis_plan(out_dir: Path, year: int, covered: list[str], region: str, generation: Generation,
                   params: dict[str, Any], find: Callable[[str], Path] = notebook,
                   regional: Path | None = None) -> list[Planned]:
    """Each document of a synthesis: one for one region (in ``out_dir``), or one per region
    (``out_dir/<région>/``) and the national overview when the generation has one. ``find`` gives
    the path of a notebook by name (:func:`template`); ``regional``: the regional notebook to run instead."""
    from ..documents.synthesis_workbook import synthesis_stem

    if region and region not in covered:
        raise CaqesError(f"--region : région {region!r} absente des données ; régions présentes : "
                         + ", ".join(covered))
    chosen = regional or find(generation.synthesis_notebook)
    stem, title = synthesis_stem(year), f"Synthèse régionale CAQES {year}"
    if region or len(covered) == 1:
        return [Planned("region", chosen, out_dir / stem, {**params, "region": region or covered[0]}, title)]
    folders = {r: _region_folder(r) for r in covered}
    same = [r for r in covered if list(folders.values()).count(folders[r]) > 1]
    if same:
        raise CaqesError(f"régions {', '.join(map(repr, same))} : même nom de dossier ({folders[same[0]]}) ; "
                         "choisissez-en une avec --region")
    plan = [Planned("region", chosen, out_dir / folders[r] / stem, {**params, "region": r}, f"{title} — {r}")
            for r in covered]
    if generation.national_notebook is not None:
        national = {k: v for k, v in params.items() if k not in ("campagne_precedente", "region")}
        plan.append(Planned("national", find(generation.national_notebook), out_dir / f"synthese_nationale_{year}",
                            national, f"Synthèse nationale CAQES {year}"))
    return plan


@dataclass(frozen=True)
class Synthesis:
    """What ``caqes synthese`` wrote, in which folder, with which notebooks."""

    written: list[Path]
    folder: Path
    notebooks: list[Path]


def synthese(req: Request, out_dir: Path | None, region: str = "", regional: Path | None = None) -> Synthesis:
    """``caqes synthese``: the synthesis of each region (with its workbook) and the national overview;
    ``regional``: the notebook of the regional synthesis (default: :func:`template`)."""
    from ..documents.synthesis_workbook import write_workbook
    from ..evaluation.region import regions
    from ..run.batch import render_notebook
    from ..run.execute import ReportExecutionError

    req = with_years(req)
    out_dir = req.out(out_dir, "synthese")
    opened = open_request(req, folders=[out_dir], also_read=[regional] if regional else [])  # every data fault
    assert opened.dataset is not None                                                   # before any kernel starts
    warn_previous_year(opened)
    generation = opened.generation
    generation.require_years(opened.dataset, [opened.year])
    plan = synthesis_plan(out_dir, opened.year, regions(opened.dataset), region, generation, opened.parameters,
                          lambda name: template(req, name), regional)
    files = [p.base.with_suffix(f".{fmt}") for p in plan
             for fmt in ("ipynb", *req.formats, *(["xlsx"] if p.kind == "region" else []))]
    check_outputs([*req.inputs, *(p.notebook for p in plan)], folders=[out_dir, *{p.base.parent for p in plan}],
                  files=files)
    refuse_overwrite(files, req.force)
    written: list[Path] = []
    with output_lock(out_dir), req.listener.task(f"Synthèse {opened.year}", len(plan)) as advance:
        try:
            for p in plan:
                if p.kind == "region":  # first: the document names it
                    written.append(write_workbook(generation.synthesis_sheets(p.parameters),
                                                  p.base.with_suffix(".xlsx")))
                try:
                    written += render_notebook(p.notebook, p.parameters, p.base, req.formats, title=p.title)
                except ReportExecutionError as exc:
                    written.append(p.base.with_suffix(".ipynb"))  # the failed notebook, with its error: ours too
                    raise CaqesError(f"cellule [{exc.exec_count}] : {exc.ename}: {exc.evalue} "
                                     f"(notebook : {p.base.with_suffix('.ipynb')})") from None
                advance()
        finally:
            remember_outputs(written)  # the files of the command, even when it stops midway
    return Synthesis(written, out_dir, list(dict.fromkeys(p.notebook for p in plan)))
