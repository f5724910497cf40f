"""Report batches: one job per establishment (:mod:`caqes_toolkit.run.jobs`), on local processes or
a Dask cluster.

Every report is executed by papermill with the in-process engine
(:mod:`caqes_toolkit.run.execute`): on local processes, each worker of a
:class:`~caqes_toolkit.run.pool.Pool` is its kernel's process, replaced after a failed report,
its death or a report that outlived the time limit, while the parent publishes the HTML and PDF
with one Chromium; on Dask, each worker does both (:mod:`caqes_toolkit.run.cluster`).

For every establishment ``DIR/<finess>/`` receives the executed notebook (the audit log),
``rapport.html``, ``rapport.pdf``, ``scores.json`` and, written last, ``.caqes-done.json``
(see :mod:`caqes_toolkit.run.jobs`). Every file is written atomically, so a killed batch leaves
no truncated report and the next run completes what is missing. One failure never stops the others.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .jobs import (
    FORMATS,
    TEMPLATE,
    Job,
    Outcome,
    code_fingerprint,
    execute_job,
    make_jobs,
    publish_report,
    remove_stale,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "TEMPLATE",
    "Job",
    "Outcome",
    "ReportPool",
    "code_fingerprint",
    "execute_job",
    "make_jobs",
    "publish_report",
    "render_notebook",
    "run_jobs",
]

#: Seconds a report may run before its worker is killed and the report listed as failed.
DEFAULT_TIMEOUT = 600.0
#: Imported once in the forkserver, then inherited by every local worker process it forks (or
#: once by each spawned worker): with the kernel in-process, the start-up of the worker and of its kernel.
WORKER_PRELOAD = ("caqes_toolkit.run.preload",)


def _start_kernel() -> None:
    """Worker-init of the local pool: the kernel starts before the first job comes."""
    from .kernel import warm_kernel

    warm_kernel()


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
            remove_stale(Path(job.out_dir))
        self._printer.close()

    def run(self, todo: Sequence[Job], record: Callable[[Outcome], None]) -> None:
        """Run ``todo``; every outcome goes to ``record``, in the order the reports end."""
        from .pool import Failure
        from .render import html_exporter

        started = time.perf_counter()
        with ThreadPoolExecutor(1, thread_name_prefix="caqes-lancement") as launcher:
            launched = launcher.submit(self.pool.spawn, len(todo))  # forks once the preload is done
            ours = [job for job in todo if job.renderer == "nbclient"]  # Quarto renders in the workers
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
