"""Report batches: one job per establishment, on local processes or a Dask cluster.

Every report is executed by papermill with the in-process engine
(:mod:`caqes_toolkit.run.execute`): on local processes, each worker of a
:class:`~caqes_toolkit.run.pool.Pool` is its kernel's process, replaced after a failed report,
its death or a report that outlived the time limit, while the parent publishes the HTML and PDF
with one Chromium; on Dask, each worker does both (:mod:`caqes_toolkit.run.cluster`). The
figures of a report come from the executed notebook's declared output
(:mod:`caqes_toolkit.run.scores`).

For every establishment ``DIR/<finess>/`` receives the executed notebook (the audit log),
``rapport.html``, ``rapport.pdf``, ``scores.json`` and, written last, ``.caqes-done.json``
holding the fingerprint of the inputs: a later run skips the establishment while that
fingerprint is unchanged: the files the loader read (their SHA-256, as
:attr:`Dataset.sources <caqes_toolkit.data.dataset.SourceFile>` lists them), the campaigns, the
notebook, the toolkit's own code (every module and template), the year and the formats.
Every file is written atomically, so a killed batch leaves no truncated report and the next
run completes what is missing. One failure never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import CaqesError
from ..outputs import describe_os_error, write_atomic
from ..resources import notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..data.dataset import SourceFile
    from .render import PdfPrinter

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "Job",
    "Outcome",
    "ReportPool",
    "execute_job",
    "make_jobs",
    "publish_report",
    "render_notebook",
    "run_jobs",
]

FORMATS = ("html", "pdf")
#: Seconds a report may run before its worker is killed and the report listed as failed.
DEFAULT_TIMEOUT = 600.0
#: Imported once in the forkserver, then inherited by every local worker process it forks (or
#: once by each spawned worker): with the kernel in-process, the start-up of the worker and of its kernel.
WORKER_PRELOAD = ("caqes_toolkit.run.preload",)
TEMPLATE = notebook("rapport_etablissement.ipynb")
DONE = ".caqes-done.json"
NOTEBOOK = "rapport.ipynb"


@dataclass(frozen=True)
class Job:
    """One establishment's report: the notebook parameters and where the outputs go."""

    finess: str
    annee: int
    donnees: str
    campagne: str
    out_dir: str
    formats: tuple[str, ...]
    fingerprint: str
    template: str = str(TEMPLATE)
    renderer: str = "nbclient"
    campagne_precedente: str = ""
    autre_annee: bool = False  # the year evaluated under another year's rules (--allow-other-year)
    phase: int = 2

    @property
    def parameters(self) -> dict[str, Any]:
        return {"finess": self.finess, "annee": self.annee, "donnees": self.donnees,
                "campagne": self.campagne, "campagne_precedente": self.campagne_precedente,
                **({"autre_annee": True} if self.autre_annee else {}), "phase": self.phase}

    def expected_files(self) -> list[Path]:
        folder = Path(self.out_dir)
        return [folder / NOTEBOOK, folder / "scores.json",
                *(folder / f"rapport.{fmt}" for fmt in self.formats)]

    def is_done(self) -> bool:
        """Outputs complete and made from the same inputs, campaign, notebook and toolkit."""
        marker = Path(self.out_dir) / DONE
        try:
            done = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return done.get("fingerprint") == self.fingerprint and all(p.exists() for p in self.expected_files())


@dataclass(frozen=True)
class Outcome:
    """What became of one job. ``error`` names the failing cell and the exception."""

    finess: str
    status: str  # "ok" | "skipped" | "failed"
    seconds: float = 0.0
    cell: int | None = None
    error: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    notebook: NotebookNode | None = field(default=None, repr=False)  # executed, for the pool to render


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def code_fingerprint() -> str:
    """SHA-256 of the toolkit's own code (modules and templates), computed once per process."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *(package / "documents" / "templates").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(package).as_posix()}:{_sha(path)}".encode() + b"\0")
    return digest.hexdigest()


def _error_text(exc: Exception) -> str:
    """What an outcome says of an exception (a file-system error in French, naming the path)."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return str(exc) if isinstance(exc, CaqesError) else f"{type(exc).__name__}: {exc}"


def make_jobs(donnees: str | Path, campagne: str | Path, annee: int, out_dir: str | Path,
              finess: Iterable[str], formats: Sequence[str] = FORMATS,
              template: str | Path = TEMPLATE, renderer: str = "nbclient",
              campagne_precedente: str | Path | None = None, autre_annee: bool = False,
              sources: Iterable[SourceFile] | None = None, phase: int = 2) -> list[Job]:
    """One job per FINESS (each once); paths made absolute, output folders checked to stay inside
    ``out_dir``.

    ``sources``: the files the loader read (``Dataset.sources``), which the fingerprint covers;
    read again from ``donnees`` when not given.
    """
    root = Path(out_dir).resolve()
    donnees, campagne, template = Path(donnees).resolve(), Path(campagne).resolve(), Path(template).resolve()
    previous = Path(campagne_precedente).resolve() if campagne_precedente else None
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise CaqesError(f"format(s) inconnu(s) : {', '.join(unknown)} ; attendus : {', '.join(FORMATS)}")
    if sources is None:
        from ..data.load import read_source

        sources = read_source(donnees).sources
    common = hashlib.sha256()
    for part in [__version__, code_fingerprint(), str(annee), str(phase), ",".join(formats), renderer,
                 _sha(campagne), _sha(template), _sha(previous) if previous else "",
                 *sorted(f"{s.name}:{s.sha256}" for s in sources)]:
        common.update(part.encode() + b"\0")
    jobs = []
    for code in dict.fromkeys(finess):
        folder = (root / code).resolve()
        if folder.parent != root:
            raise CaqesError(f"FINESS {code!r} : le dossier de sortie sortirait de {root}")
        fingerprint = hashlib.sha256(common.digest() + code.encode()).hexdigest()
        jobs.append(Job(code, annee, str(donnees), str(campagne), str(folder), tuple(formats),
                        fingerprint, str(template), renderer, str(previous or ""), autre_annee, phase))
    return jobs


def _outcome(job: Job, start: float, status: str = "ok", **fields: Any) -> Outcome:
    return Outcome(job.finess, status, time.perf_counter() - start, **fields)


def execute_job(job: Job) -> Outcome:
    """Execute one report notebook on this process's kernel and write the notebook and
    ``scores.json``; the outcome carries the executed notebook, for the caller to publish.
    Never raises for a failing report (the outcome says it)."""
    from .execute import ReportExecutionError, execute
    from .scores import scores_from_notebook

    start = time.perf_counter()
    folder = Path(job.out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DONE).unlink(missing_ok=True)
        _remove_stale(folder)
        if job.renderer == "quarto":
            return _run_quarto(job, start)
        nb = execute(job.template, job.parameters, output_path=folder / NOTEBOOK, cwd=Path(job.template).parent)
    except ReportExecutionError as exc:
        try:
            _write_notebook(folder / NOTEBOOK, exc.nb)
        except OSError as write_error:
            return _outcome(job, start, "failed", error=_error_text(write_error))
        return _outcome(job, start, "failed", cell=exc.exec_count, error=f"{exc.ename}: {exc.evalue}")
    except Exception as exc:
        return _outcome(job, start, "failed", error=_error_text(exc))
    try:
        _write_notebook(folder / NOTEBOOK, nb)
        scores = scores_from_notebook(nb)  # the figures the notebook displayed, read from its outputs
        write_atomic(folder / "scores.json", json.dumps(scores, ensure_ascii=False, indent=2))
    except Exception as exc:
        return _outcome(job, start, "failed", error=_error_text(exc))
    return _outcome(job, start, scores=scores, notebook=nb)


def _remove_stale(folder: Path) -> None:
    """Remove the temporary files of writes a killed worker left in a report's folder."""
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


def _start_kernel() -> None:
    """Worker-init of the local pool: the kernel starts before the first job comes."""
    from .kernel import warm_kernel

    warm_kernel()


def _mark_done(job: Job) -> None:
    """Written last: the job's outputs are complete for this fingerprint."""
    write_atomic(Path(job.out_dir) / DONE, json.dumps({"fingerprint": job.fingerprint, "version": __version__}))


def publish_report(job: Job, outcome: Outcome, printer: PdfPrinter | None) -> Outcome:
    """Publish (HTML, PDF) the report an :func:`execute_job` outcome carries, then mark the job
    done; the outcome returned no longer carries the notebook."""
    from .publish import publish

    if outcome.notebook is None:
        return outcome
    start = time.perf_counter()
    title = f"Rapport CAQES {job.annee} — {outcome.scores.get('raison_sociale', '')} ({job.finess})"
    try:
        publish(outcome.notebook, Path(job.out_dir) / "rapport", job.formats, title=title, printer=printer,
                footer=f"CAQES {job.annee} — FINESS {job.finess}")
        _mark_done(job)
    except Exception as exc:
        return replace(outcome, status="failed", notebook=None, error=f"rendu : {_error_text(exc)}")
    return replace(outcome, notebook=None, seconds=outcome.seconds + time.perf_counter() - start)


def _write_notebook(path: Path, nb: NotebookNode) -> None:
    import nbformat

    write_atomic(path, nbformat.writes(nb))


def _scores_json(job: Job) -> dict[str, Any]:
    from ..documents.report import build_report
    from ..rules.campaign import load_campaign

    if load_campaign(job.campagne).second_generation:
        from ..documents.contract_report import build_contract_report

        return build_contract_report(job.finess, job.annee, job.donnees, job.campagne,
                                     autre_annee=job.autre_annee).scores_json()
    return build_report(job.finess, job.annee, job.donnees, job.campagne, job.campagne_precedente,
                        autre_annee=job.autre_annee, phase=job.phase).scores_json()


def _run_quarto(job: Job, start: float) -> Outcome:
    """Render with Quarto (``quarto render … --execute -P …``), for users who have it."""
    quarto = shutil.which("quarto")
    if quarto is None:
        raise CaqesError("quarto introuvable sur le PATH : installez Quarto (conda-forge) ou "
                         "utilisez le moteur par défaut")
    folder = Path(job.out_dir)
    params = [arg for k, v in job.parameters.items() for arg in ("-P", f"{k}:{v}")]
    for fmt in job.formats:
        target = f"rapport.{fmt}"
        proc = subprocess.run(
            [quarto, "render", job.template, "--execute", "--to", fmt, "--output", target,
             "--output-dir", str(folder), *params],
            capture_output=True, text=True, cwd=Path(job.template).parent)
        if proc.returncode != 0:
            return _outcome(job, start, "failed", error=f"quarto ({fmt}) : {proc.stderr.strip()[-500:]}")
    scores = _scores_json(job)
    write_atomic(folder / "scores.json", json.dumps(scores, ensure_ascii=False, indent=2))
    _mark_done(job)
    return _outcome(job, start, scores=scores)


def render_notebook(template: str | Path, parameters: dict[str, Any], out_base: Path,
                    formats: Sequence[str], title: str) -> list[Path]:
    """Execute a one-off notebook (plain ``papermill``, new kernel) and write ``out_base``.ipynb,
    .html, .pdf. On a cell error the failed notebook (with papermill's banner) is written and
    :class:`~caqes_toolkit.run.execute.ReportExecutionError` is raised."""
    from .execute import run_fresh
    from .publish import publish

    notebook = out_base.parent / f"{out_base.name}.ipynb"
    nb = run_fresh(template, notebook, parameters, cwd=Path(template).parent)
    return [notebook, *publish(nb, out_base, formats, title=title, footer=title)]


def run_jobs(jobs: Sequence[Job], *, workers: int = 2, scheduler: str | None = None,
             force: bool = False, on_outcome: Callable[[Outcome], None] | None = None,
             pool: ReportPool | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> list[Outcome]:
    """Run ``jobs`` (skipping those already done unless ``force``) and return every outcome.

    Local jobs run in ``pool`` when given (started early by the caller, who closes it), else in
    a new :class:`ReportPool` of ``workers`` processes and ``timeout`` seconds per report;
    ``scheduler`` sends them to Dask instead.
    """
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    todo = []
    for job in jobs:
        if not force and job.is_done():
            record(Outcome(job.finess, "skipped", scores=_read_scores(job)))
        else:
            todo.append(job)
    if not todo:
        return outcomes
    if scheduler:
        _run_dask(todo, scheduler, record)
    elif pool is not None:
        pool.run(todo, record)
    else:
        with ReportPool(min(workers, len(todo)), timeout=timeout) as own:
            own.run(todo, record)
    return outcomes


def _read_scores(job: Job) -> dict[str, Any]:
    try:
        return json.loads((Path(job.out_dir) / "scores.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _failed(outcome: Outcome) -> bool:
    return outcome.status == "failed"


class ReportPool:
    """Local worker processes (:class:`~caqes_toolkit.run.pool.Pool`) execute the notebooks,
    each on its in-process kernel, while this process publishes them (HTML export, PDF with one
    Chromium). A worker whose report failed, died or outlived ``timeout`` seconds is replaced
    (its kernel with it); only its own report fails.

    :meth:`start` only launches the forkserver (or the spawned workers), which imports
    :mod:`caqes_toolkit.run.preload` in the background: a caller starts the pool first and loads its
    data meanwhile.
    """

    def __init__(self, workers: int = 2, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        from .pool import Pool
        from .render import PdfPrinter

        self.pool: Pool[Job, Outcome] = Pool(execute_job, workers, init=_start_kernel, time_limit=timeout,
                                             preload=WORKER_PRELOAD, retire=_failed, name="caqes-rapports")
        self._printer = PdfPrinter()

    def __enter__(self) -> ReportPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.pool.start()

    def close(self) -> None:
        """Stop the workers (a report stopped in its run leaves no temporary file) and Chromium."""
        for job in self.pool.close():
            _remove_stale(Path(job.out_dir))
        self._printer.close()

    def run(self, todo: Sequence[Job], record: Callable[[Outcome], None]) -> None:
        """Run ``todo``; every outcome goes to ``record``, in the order the reports end."""
        from .pool import Failure
        from .render import html_exporter

        started = time.perf_counter()
        with ThreadPoolExecutor(1, thread_name_prefix="caqes-lancement") as launcher:
            launched = launcher.submit(self.pool.spawn, len(todo))  # forks once the preload is done
            ours = [job for job in todo if job.renderer == "nbclient"]  # Quarto publishes its own
            if ours:  # meanwhile, what publishing needs
                html_exporter()
            if any("pdf" in job.formats for job in ours):
                self._printer.start()
            launched.result()

        def done(job: Job, result: Outcome | Failure) -> None:
            if isinstance(result, Failure):
                record(Outcome(job.finess, "failed", time.perf_counter() - started, error=result.message))
            else:
                record(publish_report(job, result, self._printer))

        self.pool.run(todo, done)


def _run_dask(todo: list[Job], scheduler: str, record: Callable[[Outcome], None]) -> None:
    from .cluster import run_on_cluster

    run_on_cluster(todo, scheduler, record)
