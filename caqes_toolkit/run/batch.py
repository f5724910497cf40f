"""Report batches: one job per establishment, on local processes or a Dask cluster.

Each worker keeps one warm Jupyter kernel and the HTML exporter for all its reports
(:class:`ReportWorker`); the content of a report does not depend on that reuse (the kernel is
reset before each report, replaced after a failure, and tests compare with a fresh ``papermill``
run). On local processes each worker process *is* its kernel's process (ipykernel's in-process
kernel, forked with pandas, Matplotlib and the toolkit already imported), and a worker process
whose report failed is replaced by a new one; the parent prints the PDFs with one Chromium while
the workers execute the next notebooks. On Dask each worker starts a kernel in a child process
(IPC transport) and prints its own PDFs.

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

import ast
import hashlib
import json
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import cache
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.util import Finalize
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import CaqesError
from ..outputs import describe_os_error, write_atomic
from ..resources import notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..data.dataset import SourceFile
    from .execute import WarmKernel
    from .render import PdfPrinter

__all__ = [
    "FORMATS",
    "Job",
    "Outcome",
    "ReportPool",
    "ReportWorker",
    "make_jobs",
    "render_notebook",
    "run_jobs",
    "run_one",
]

FORMATS = ("html", "pdf")
#: Imported once in each warm kernel, beside pandas, numpy and pyplot.
KERNEL_PRELOAD = ("caqes_toolkit.documents.sections",)
#: Imported once in the forkserver, then inherited by every local worker process it forks: with
#: the kernel in-process, this is the start-up of the worker and of its kernel.
WORKER_PRELOAD = ("caqes_toolkit.run.preload",)
TEMPLATE = notebook("rapport_etablissement.ipynb")
SYNTHESIS_TEMPLATE = notebook("synthese_regionale.ipynb")
DONE = ".caqes-done.json"
#: The report notebook defines ``rapport`` (an EstablishmentReport); scores.json comes from it.
SCORES_EXPRESSION = "__import__('json').dumps(rapport.scores_json())"
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
    return describe_os_error(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"


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


class ReportWorker:
    """Per-process machinery kept across reports: a warm kernel and what rendering needs.

    By default (Dask) the kernel runs in a child process and the worker writes every output,
    with the HTML exporter and one Chromium of its own. ``pooled``: a worker process of a
    :class:`ReportPool`, replaced after a failed report: the kernel runs in this process, and the
    executed notebook goes back to the pool, which writes the HTML and the PDF.
    """

    def __init__(self, pooled: bool = False) -> None:
        self.pooled = pooled
        self._kernel: WarmKernel | None = None
        self._printer: PdfPrinter | None = None

    def start(self, pdf: bool) -> None:
        """Start the kernel and, unless pooled (the pool renders), what rendering needs while a
        child-process kernel boots: the HTML exporter and, for PDFs, Chromium."""
        from .execute import DEFAULT_PRELOAD, WarmKernel
        from .render import PdfPrinter, html_exporter

        if self._kernel is None:
            self._kernel = WarmKernel(preload=(*DEFAULT_PRELOAD, *KERNEL_PRELOAD), in_process=self.pooled)
            self._kernel.start(wait=False)
        if not self.pooled:
            html_exporter()
            if pdf and self._printer is None:
                self._printer = PdfPrinter()
                self._printer.start()
        self._kernel.wait_ready()

    def close(self) -> None:
        if self._kernel is not None:
            self._kernel.shutdown(now=True)  # the batch is over: nothing to wait for
        if self._printer is not None:
            self._printer.close()
        self._kernel = self._printer = None

    def run(self, job: Job) -> Outcome:
        """Make one report; never raises for a failing report (the outcome says it)."""
        from .execute import ReportExecutionError

        start = time.perf_counter()
        folder = Path(job.out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DONE).unlink(missing_ok=True)
        for stale in folder.glob(".*.tmp"):  # left by a batch killed in the middle of a write
            stale.unlink(missing_ok=True)
        try:
            if job.renderer == "quarto":
                return _run_quarto(job, start)
            self.start(pdf="pdf" in job.formats)
            nb = self._kernel.run(job.template, job.parameters, output_path=folder / NOTEBOOK,
                                  cwd=Path(job.template).parent)
        except ReportExecutionError as exc:
            _write_notebook(folder / NOTEBOOK, exc.nb)
            return Outcome(job.finess, "failed", time.perf_counter() - start,
                           cell=exc.exec_count, error=f"{exc.ename}: {exc.evalue}")
        except Exception as exc:
            return Outcome(job.finess, "failed", time.perf_counter() - start,
                           error=_error_text(exc))
        try:
            # the figures of the report, read back from the kernel that made it
            scores = json.loads(ast.literal_eval(self._kernel.evaluate(SCORES_EXPRESSION)))
            _write_notebook(folder / NOTEBOOK, nb)
            write_atomic(folder / "scores.json", json.dumps(scores, ensure_ascii=False, indent=2))
            if self.pooled:
                return Outcome(job.finess, "ok", time.perf_counter() - start, scores=scores, notebook=nb)
            _render_report(job, nb, scores, self._printer)
        except Exception as exc:
            return Outcome(job.finess, "failed", time.perf_counter() - start,
                           error=_error_text(exc))
        return Outcome(job.finess, "ok", time.perf_counter() - start, scores=scores)


def _footer(job: Job) -> str:
    return f"CAQES {job.annee} — FINESS {job.finess}"


def _mark_done(job: Job) -> None:
    """Written last: the job's outputs are complete for this fingerprint."""
    write_atomic(Path(job.out_dir) / DONE, json.dumps({"fingerprint": job.fingerprint, "version": __version__}))


def _write_renderings(nb: NotebookNode, title: str, base: Path, formats: Sequence[str],
                      printer: PdfPrinter | None, footer: str) -> list[Path]:
    """Write ``base``.html and ``base``.pdf of an executed notebook, as ``formats`` asks."""
    from .render import notebook_to_html

    html = notebook_to_html(nb, title=title)
    written = []
    if "html" in formats:
        written.append(write_atomic(base.with_suffix(".html"), html))
    if "pdf" in formats:
        written.append(printer.print(html, base.with_suffix(".pdf"), footer=footer))
    return written


def _render_report(job: Job, nb: NotebookNode, scores: dict[str, Any], printer: PdfPrinter | None) -> None:
    """Write the HTML and the PDF of an executed report, then mark the job done."""
    title = f"Rapport CAQES {job.annee} — {scores['raison_sociale']} ({job.finess})"
    _write_renderings(nb, title, Path(job.out_dir) / "rapport", job.formats, printer, _footer(job))
    _mark_done(job)


def _render_returned(printer: PdfPrinter, job: Job, outcome: Outcome) -> Outcome:
    """Render the notebook a pooled worker returned (:func:`_render_report`)."""
    start = time.perf_counter()
    try:
        _render_report(job, outcome.notebook, outcome.scores, printer)
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
            return Outcome(job.finess, "failed", time.perf_counter() - start,
                           error=f"quarto ({fmt}) : {proc.stderr.strip()[-500:]}")
    scores = _scores_json(job)
    write_atomic(folder / "scores.json", json.dumps(scores, ensure_ascii=False, indent=2))
    _mark_done(job)
    return Outcome(job.finess, "ok", time.perf_counter() - start, scores=scores)


def render_notebook(template: str | Path, parameters: dict[str, Any], out_base: Path,
                    formats: Sequence[str], title: str) -> list[Path]:
    """Execute one notebook in a new kernel and write ``out_base``.ipynb, .html, .pdf.

    On a cell error the failed notebook (with Papermill's banner) is written and
    :class:`~caqes_toolkit.run.execute.ReportExecutionError` is raised.
    """
    from .execute import ReportExecutionError, WarmKernel
    from .render import PdfPrinter

    notebook = out_base.with_suffix(".ipynb")
    with WarmKernel() as kernel:  # a child-process kernel, over IPC
        try:
            nb = kernel.run(template, parameters, output_path=notebook, cwd=Path(template).parent)
        except ReportExecutionError as exc:
            _write_notebook(notebook, exc.nb)
            raise
    _write_notebook(notebook, nb)
    with PdfPrinter() if "pdf" in formats else nullcontext() as printer:
        return [notebook, *_write_renderings(nb, title, out_base, formats, printer, footer=title)]


_WORKER: ReportWorker | None = None  # a Dask worker's


def _worker() -> ReportWorker:
    global _WORKER
    if _WORKER is None:
        _WORKER = ReportWorker()
        # Runs when the worker process exits normally (atexit does not run in every worker).
        Finalize(_WORKER, _WORKER.close, exitpriority=10)
    return _WORKER


def run_one(job: Job) -> Outcome:
    """Run one job in this process's worker, its kernel in a child process (the function sent
    to Dask workers, which run other tasks beside the reports)."""
    return _worker().run(job)


def _close_worker() -> None:
    if _WORKER is not None:
        _WORKER.close()


def run_jobs(jobs: Sequence[Job], *, workers: int = 2, scheduler: str | None = None,
             force: bool = False, on_outcome: Callable[[Outcome], None] | None = None,
             pool: ReportPool | None = None) -> list[Outcome]:
    """Run ``jobs`` (skipping those already done unless ``force``) and return every outcome.

    Local jobs run in ``pool`` when given (started early by the caller, who closes it), else in
    a new :class:`ReportPool` of ``workers`` processes; ``scheduler`` sends them to Dask instead.
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
        with ReportPool(workers) as own:
            own.run(todo, record)
    return outcomes


def _read_scores(job: Job) -> dict[str, Any]:
    try:
        return json.loads((Path(job.out_dir) / "scores.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass
class _Slot:
    """One local worker process, its end of the pipe and the job it is running."""

    process: BaseProcess
    conn: Connection
    job: Job | None = None


def _serve(conn: Connection) -> None:
    """Body of a local worker process: run the jobs the parent sends until it sends ``None``.
    After a failed report the process ends, and the parent replaces it (kernel included)."""
    worker = ReportWorker(pooled=True)
    try:
        while (job := conn.recv()) is not None:
            outcome = worker.run(job)
            conn.send(outcome)
            if outcome.status == "failed":
                return
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        worker.close()


def _stop(slot: _Slot) -> None:
    """End a worker process: politely when idle, at once when it is still running a report."""
    try:
        if slot.job is None and slot.process.is_alive():
            slot.conn.send(None)
    except OSError:
        pass
    slot.conn.close()
    slot.process.join(timeout=None if slot.job is None else 0)
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join()


class ReportPool:
    """Local worker processes that execute the notebooks, while this process prints the PDFs
    with one Chromium. A worker process whose report failed, or which died, is replaced by a
    new one (its in-process kernel with it).

    The workers execute the notebooks and write them with ``scores.json``; this process
    renders them (HTML export, PDF), which costs little beside the execution.

    :meth:`start` only launches the forkserver, which imports :mod:`caqes_toolkit.run.preload` in the
    background: a caller starts the pool first and loads its data meanwhile. :meth:`run` forks
    the worker processes as soon as the preload is done, as many as there are jobs up to
    ``workers``, and meanwhile builds the HTML exporter and starts Chromium.
    """

    def __init__(self, workers: int = 2) -> None:
        from .render import PdfPrinter

        self.workers = max(1, workers)
        self._context = get_context("forkserver")
        self._printer = PdfPrinter()
        self._slots: list[_Slot] = []

    def __enter__(self) -> ReportPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch the forkserver (no waiting: it imports the preload in the background)."""
        from multiprocessing import forkserver

        self._context.set_forkserver_preload(list(WORKER_PRELOAD))
        forkserver.ensure_running()

    def close(self) -> None:
        for slot in self._slots:
            _stop(slot)
        self._slots = []
        self._printer.close()

    def _spawn(self) -> _Slot:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs,), name="caqes-rapports", daemon=True)
        process.start()
        theirs.close()
        return _Slot(process, ours)

    def _feed(self, index: int, queue: deque[Job]) -> None:
        """Give the next job to an idle worker (replaced first if it died while idle)."""
        while queue and self._slots[index].job is None:
            job = queue.popleft()
            try:
                self._slots[index].conn.send(job)
                self._slots[index].job = job
            except OSError:
                queue.appendleft(job)
                _stop(self._slots[index])
                self._slots[index] = self._spawn()

    def run(self, todo: Sequence[Job], record: Callable[[Outcome], None]) -> None:
        """Run ``todo``; every outcome goes to ``record``, in the order the reports end."""
        from .render import html_exporter

        queue = deque(todo)

        def launch() -> None:
            """Fork the workers (as soon as the preload is done) and give each its first job."""
            while len(self._slots) < min(self.workers, len(queue)):
                self._slots.append(self._spawn())
            for index in range(len(self._slots)):
                self._feed(index, queue)

        with ThreadPoolExecutor(1, thread_name_prefix="caqes-lancement") as launcher:
            launched = launcher.submit(launch)
            ours = [job for job in todo if job.renderer == "nbclient"]  # Quarto renders its own
            if ours:  # meanwhile, what rendering needs
                html_exporter()
            if any("pdf" in job.formats for job in ours):
                self._printer.start()
            launched.result()
        while busy := [slot for slot in self._slots if slot.job is not None]:
            ready = set(wait([slot.conn for slot in busy] + [slot.process.sentinel for slot in busy]))
            for index, slot in enumerate(self._slots):
                if slot.job is None or not ready & {slot.conn, slot.process.sentinel}:
                    continue
                job, slot.job = slot.job, None
                try:
                    outcome = slot.conn.recv()
                except (EOFError, OSError):
                    slot.process.join(timeout=5)
                    outcome = Outcome(job.finess, "failed", error="le processus de travail s'est arrêté "
                                                                  f"(code {slot.process.exitcode})")
                if outcome.status == "failed":
                    _stop(slot)
                    if queue:
                        self._slots[index] = self._spawn()
                self._feed(index, queue)  # the next report first: the worker runs it while this one prints
                record(_render_returned(self._printer, job, outcome) if outcome.notebook else outcome)


def _run_dask(todo: list[Job], scheduler: str, record: Callable[[Outcome], None]) -> None:
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = client.map(run_one, todo, pure=False, key=[f"caqes-{j.finess}-{j.annee}" for j in todo])
        jobs = dict(zip(futures, todo))
        for future in dask_completed(futures):
            try:
                record(future.result())
            except Exception as exc:
                record(Outcome(jobs[future].finess, "failed", error=_error_text(exc)))
        client.run(_close_worker)
