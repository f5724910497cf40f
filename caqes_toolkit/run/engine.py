"""The papermill engine ``caqes-en-processus``: papermill's nbclient engine, run on this process's
kernel (:func:`caqes_toolkit.run.kernel.warm_kernel`) after its reset.

Papermill loads this module through the ``papermill.engine`` entry point while it imports its
engine registry; use the engine through papermill (``engine_name="caqes-en-processus"``) or
:mod:`caqes_toolkit.run.execute`, which import papermill first.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine

from .kernel import warm_kernel

__all__ = ["ENGINE", "InProcessEngine"]

log = logging.getLogger(__name__)

#: The engine's name in papermill's registry.
ENGINE = "caqes-en-processus"


class InProcessEngine(NBClientEngine):
    """Papermill's nbclient engine on this process's :class:`~caqes_toolkit.run.kernel.WarmKernel`,
    reset first. ``execution_timeout`` cannot apply (a cell running in this process cannot be
    interrupted): the time limit of :class:`~caqes_toolkit.run.pool.Pool` kills the process."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                 execution_timeout: int | None = None, **kwargs: Any) -> NotebookNode:
        kernel = warm_kernel()
        kernel.reset()
        kernel.last_notebook = nb_man.nb  # papermill adds its banner to this very notebook on failure
        client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name, log=log,
                                         log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                                         startup_timeout=start_timeout)
        client.kc = kernel.kc  # the kernel's own channels: no client to start per report
        cwd = os.getcwd()
        try:
            return client.execute(cleanup_kc=False)
        finally:
            os.chdir(cwd)  # a report that changed folder leaves it for the next one
