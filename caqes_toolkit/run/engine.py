"""The papermill engine ``caqes-en-processus``: papermill's nbclient engine, run on this process's
kernel (:func:`caqes_toolkit.run.kernel.warm_kernel`) after its reset.

Papermill loads this module through the ``papermill.engine`` entry point while it imports its
engine registry; use the engine through papermill (``engine_name="caqes-en-processus"``) or
:mod:`caqes_toolkit.run.execute`, which import papermill first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import nbformat
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.exceptions import PapermillExecutionError

from ..errors import CaqesError
from .kernel import warm_kernel

__all__ = ["ENGINE", "InProcessEngine", "ReportExecutionError"]

log = logging.getLogger(__name__)

#: The engine's name in papermill's registry.
ENGINE = "caqes-en-processus"


class ReportExecutionError(PapermillExecutionError, CaqesError):
    """A report notebook failed; ``nb`` is the executed notebook with papermill's banner.

    Papermill's attributes (``cell_index``, ``exec_count``, ``source``, ``ename``, ``evalue``,
    ``traceback``) plus ``nb`` and ``parameters``. Picklable, so it can cross a process pool.
    """

    def __init__(self, cell_index: int, exec_count: int | None, source: str, ename: str, evalue: str,
                 traceback: list[str], nb: NotebookNode | None = None,
                 parameters: Mapping[str, Any] | None = None):
        super().__init__(cell_index, exec_count, source, ename, evalue, traceback)
        self.nb = nb if nb is not None else nbformat.v4.new_notebook()
        self.parameters = dict(parameters or {})

    @classmethod
    def from_papermill(cls, error: PapermillExecutionError, nb: NotebookNode,
                       parameters: Mapping[str, Any] | None = None) -> ReportExecutionError:
        return cls(error.cell_index, error.exec_count, error.source, error.ename, error.evalue,
                   error.traceback, nb, parameters)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.cell_index, self.exec_count, self.source, self.ename, self.evalue,
                             self.traceback, self.nb, self.parameters))


class InProcessEngine(NBClientEngine):
    """Papermill's nbclient engine on this process's :class:`~caqes_toolkit.run.kernel.WarmKernel`,
    reset first. ``execution_timeout`` cannot apply (a cell running in this process cannot be
    interrupted): the time limit of :class:`~caqes_toolkit.run.pool.Pool` kills the process.

    A notebook whose cell failed is handed back explicitly: :meth:`execute_notebook` raises
    :class:`ReportExecutionError` holding the executed notebook, papermill's banner included."""

    @classmethod
    def execute_notebook(cls, nb: NotebookNode, kernel_name: str, **kwargs: Any) -> NotebookNode:
        from papermill.execute import raise_for_execution_errors  # not at import: papermill imports this module

        executed = super().execute_notebook(nb, kernel_name, **kwargs)
        try:
            raise_for_execution_errors(executed, None)  # papermill's own check, which adds its banner
        except PapermillExecutionError as error:
            parameters = executed.metadata.get("papermill", {}).get("parameters")
            raise ReportExecutionError.from_papermill(error, executed, parameters) from error
        return executed

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                 execution_timeout: int | None = None, **kwargs: Any) -> NotebookNode:
        kernel = warm_kernel()
        kernel.reset()
        client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name, log=log,
                                         log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                                         startup_timeout=start_timeout)
        client.kc = kernel.kc  # the kernel's own channels: no client to start per report
        cwd = os.getcwd()
        try:
            return client.execute(cleanup_kc=False)
        finally:
            os.chdir(cwd)  # a report that changed folder leaves it for the next one
