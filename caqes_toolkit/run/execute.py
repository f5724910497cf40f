"""Notebook execution: ``papermill.execute_notebook`` on a kernel that runs in this process.

:class:`InProcessEngine` is a papermill engine (registered as ``caqes-en-processus`` in
papermill's engine registry and by the ``papermill.engine`` entry point). It runs the notebook
on this process's kernel (:mod:`caqes_toolkit.run.kernel`, ipykernel's in-process kernel:
nothing to start per report, no transport), reset before each report by
:mod:`caqes_toolkit.run.reset`; a cell error comes back as the engine's own
:class:`ReportExecutionError`, holding the executed notebook. Everything
else is papermill's own: parameter injection, ``metadata.papermill`` (parameters, per-cell timings
and status: the audit log of the report), the red banner of a failed notebook.

:func:`execute` runs one report that way; :func:`run_fresh` is plain ``papermill`` in a new
kernel (its channels encrypted with CurveZMQ where the installed libraries allow it), for
one-off documents (the regional synthesis). A cell error raises
:class:`ReportExecutionError`, whose ``nb`` is the failed notebook with papermill's banner
("An Exception was encountered at 'In [N]'"), ready to be saved.

An in-process kernel cannot be interrupted: a report that never ends is stopped by killing its
process (:class:`caqes_toolkit.run.pool.Pool`'s time limit), which also replaces the kernel.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
import zmq
from jupyter_client.manager import KernelManager
from nbformat import NotebookNode
from papermill.engines import papermill_engines
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

from .engine import ENGINE, InProcessEngine, ReportExecutionError

__all__ = ["ENGINE", "InProcessEngine", "ReportExecutionError", "execute", "run_fresh"]



papermill_engines.register(ENGINE, InProcessEngine)  # also when the entry point is not installed


def execute(template: str | os.PathLike[str], parameters: Mapping[str, Any], *,
            output_path: str | os.PathLike[str] | None = None,
            cwd: str | os.PathLike[str] | None = None) -> NotebookNode:
    """Execute ``template`` with ``parameters`` on this process's kernel and return the notebook.

    ``output_path`` is only recorded in ``metadata.papermill``: nothing is written (the caller
    saves the notebook atomically). Raises :class:`ReportExecutionError` when a cell raises.
    """
    params = dict(parameters)
    out = None if output_path is None else str(output_path)
    try:
        nb = papermill.execute_notebook(str(template), None, parameters=params, engine_name=ENGINE,
                                        progress_bar=False, cwd=None if cwd is None else str(cwd))
    except ReportExecutionError as failed:  # the engine raises it with the executed notebook
        failed.nb.metadata.papermill["output_path"] = out
        raise
    nb.metadata.papermill["output_path"] = out
    return nb


def _kernel_config() -> Config:
    """The new kernel's channels encrypted (CurveZMQ keys provisioned by jupyter_client) when
    jupyter_client, pyzmq and the kernelspec support it; plain TCP otherwise, over which
    ipykernel prints an English warning about eavesdropping to the user's terminal."""
    config = Config()
    if zmq.has("curve") and "transport_encryption" in KernelManager.class_trait_names():
        config.KernelManager.transport_encryption = "auto"  # falls back for a kernel without support
    return config


def run_fresh(template: str | os.PathLike[str], out_path: str | os.PathLike[str] | None,
              parameters: Mapping[str, Any] | None = None, *, cwd: str | os.PathLike[str] | None = None,
              execution_timeout: float | None = None) -> NotebookNode:
    """Execute one notebook in a new kernel with plain ``papermill.execute_notebook``.

    The executed notebook is returned and, when ``out_path`` is given, written atomically (also
    on failure, with papermill's banner). A cell error raises :class:`ReportExecutionError`.
    """
    from ..outputs import write_atomic

    params = dict(parameters or {})
    out = None if out_path is None else Path(out_path)
    # Papermill writes its output with a plain open(): a private file, then an atomic publication.
    with tempfile.TemporaryDirectory(prefix="caqes-pm-") as tmp:
        scratch = os.path.join(tmp, "out.ipynb")
        error: PapermillExecutionError | None = None
        try:
            nb = papermill.execute_notebook(str(template), scratch, parameters=params, progress_bar=False,
                                            request_save_on_cell_execute=False,
                                            cwd=None if cwd is None else str(cwd),
                                            execution_timeout=execution_timeout, config=_kernel_config())
        except PapermillExecutionError as err:
            error = err
            nb = nbformat.read(scratch, as_version=4)
    nb.metadata.papermill["output_path"] = None if out is None else str(out)
    if out is not None:
        write_atomic(out, nbformat.writes(nb))
    if error is not None:
        raise ReportExecutionError.from_papermill(error, nb, params) from error
    return nb
