"""Report batches on a Dask cluster: each worker executes reports with the engine of the local
pool (its own in-process kernel, :mod:`caqes_toolkit.run.execute`) and publishes them with its
own Chromium, kept by a worker plugin for the worker's lifetime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distributed import Client, WorkerPlugin, as_completed, get_worker

from .batch import Job, Outcome, execute_job, publish_report
from .render import PdfPrinter

__all__ = ["ReportPlugin", "run_on_cluster", "run_one"]


class ReportPlugin(WorkerPlugin):
    """What a Dask worker keeps across reports: its Chromium (its kernel is the process's)."""

    name = "caqes-rapports"

    def __init__(self) -> None:
        self.printer: PdfPrinter | None = None

    def run(self, job: Job) -> Outcome:
        if "pdf" in job.formats and self.printer is None:
            self.printer = PdfPrinter()
        return publish_report(job, execute_job(job), self.printer)

    def teardown(self, worker: Any) -> None:
        from .kernel import close_kernel

        if self.printer is not None:
            self.printer.close()
        close_kernel()


def run_one(job: Job) -> Outcome:
    """Run one job on the Dask worker this task runs on (the function sent to Dask)."""
    plugin = get_worker().plugins[ReportPlugin.name]
    assert isinstance(plugin, ReportPlugin)
    return plugin.run(job)


def run_on_cluster(todo: list[Job], scheduler: str, record: Callable[[Outcome], None]) -> None:
    """Run ``todo`` on the Dask cluster at ``scheduler``; every outcome goes to ``record``."""
    with Client(scheduler) as client:
        client.register_plugin(ReportPlugin(), name=ReportPlugin.name)
        futures = client.map(run_one, todo, pure=False, key=[f"caqes-{j.finess}-{j.annee}" for j in todo])
        jobs = dict(zip(futures, todo))
        for future in as_completed(futures):
            try:
                record(future.result())
            except Exception as exc:
                record(Outcome(jobs[future].finess, "failed", error=f"{type(exc).__name__}: {exc}"))
        client.unregister_worker_plugin(ReportPlugin.name)
