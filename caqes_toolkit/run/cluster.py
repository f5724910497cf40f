"""Report batches on a Dask cluster: each worker executes reports with the engine of the local
pool (the in-process kernel of :mod:`caqes_toolkit.run.kernel`, here the Dask worker's process)
and publishes them with its own Chromium.

Both are worker-local state, created by the first report a worker runs and kept for the worker's
lifetime (the next batch finds them warm). They are never closed from the worker's event loop
(a plugin's teardown runs there, and neither ipykernel's in-process kernel nor Playwright's
synchronous API may be driven from a running event loop): they end with the worker's process.
"""

from __future__ import annotations

from collections.abc import Callable

from .jobs import Job, Outcome, execute_job, publish_report
from .render import PdfPrinter

__all__ = ["run_on_cluster", "run_one"]

_printer: PdfPrinter | None = None  # this Dask worker's


def run_one(job: Job) -> Outcome:
    """Run one job on the Dask worker this task runs on (the function sent to Dask)."""
    global _printer
    if "pdf" in job.formats and _printer is None:
        _printer = PdfPrinter()
    return publish_report(job, execute_job(job), _printer)


def run_on_cluster(todo: list[Job], scheduler: str, record: Callable[[Outcome], None]) -> None:
    """Run ``todo`` on the Dask cluster at ``scheduler``; every outcome goes to ``record``."""
    from distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = client.map(run_one, todo, pure=False, key=[f"caqes-{j.finess}-{j.annee}" for j in todo])
        jobs = dict(zip(futures, todo))
        for future in as_completed(futures):
            try:
                record(future.result())
            except Exception as exc:
                record(Outcome(jobs[future].finess, "failed", error=f"{type(exc).__name__}: {exc}"))
