"""Notebook execution for report batches: one warm Jupyter kernel reused across reports.

A batch worker starts one :class:`WarmKernel` and calls :meth:`WarmKernel.run` once per
establishment. Each run:

1. loads the template with ``papermill.iorw.load_notebook_node`` and injects the parameters
   with ``papermill.parameterize.parameterize_notebook`` (exactly as ``papermill`` does);
2. resets the kernel *silently* (no cell added to the notebook): ``%reset -f``, execution
   counter back to 1, ``plt.close('all')``, Matplotlib ``rcParams``, ``os.environ``,
   ``sys.path``, warning filters and pandas options restored to the state the kernel had
   right after start-up, working directory set;
3. executes the cells with Papermill's own notebook client on the already running kernel, so
   the result carries the same metadata as a ``papermill`` run (``metadata.papermill`` with
   the parameters, per-cell timings and status): it is the audit log of the report.

A cell error raises :class:`ReportExecutionError` (a ``PapermillExecutionError``) whose
``nb`` attribute is the failed notebook with Papermill's red banner
("An Exception was encountered at 'In [N]'"), ready to be saved. After an error, a timeout
or a dead kernel, the kernel is replaced before the next report.

The kernel runs in its own process and talks over IPC (Unix sockets in a private temporary
folder), never TCP; or, with ``in_process=True``, it runs inside the calling process (ipykernel's
in-process kernel: no start-up, no transport), for batch worker processes that are themselves
replaced after a failed report.

:func:`run_fresh` is the reference path: plain ``papermill.execute_notebook`` in a new
kernel, used for a single report and to check that a warm kernel gives identical content.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Mapping
from pathlib import Path
from queue import Empty
from typing import Any, Self

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NotebookExecutionManager
from papermill.exceptions import PapermillExecutionError
from papermill.execute import (
    prepare_notebook_metadata,
    raise_for_execution_errors,
    remove_error_markers,
)
from papermill.inspection import _infer_parameters
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from ..errors import CaqesError

__all__ = [
    "DEFAULT_PRELOAD",
    "KernelFailure",
    "ReportExecutionError",
    "WarmKernel",
    "run_fresh",
]

log = logging.getLogger(__name__)

#: Modules imported once in a warm kernel right after start-up (their import is most of a
#: fresh kernel's fixed cost). ``matplotlib.pyplot`` must stay first: the Matplotlib state
#: snapshot used by the reset is taken after it.
DEFAULT_PRELOAD: tuple[str, ...] = ("matplotlib.pyplot", "pandas", "numpy")

# Code run once in a new kernel. It creates a private module ``_caqes_warm`` (out of reach of
# ``%reset``) holding a snapshot of the process state and the ``reset`` function.
_BOOTSTRAP = r"""
def _caqes_bootstrap(preload, inline_matplotlib):
    import importlib, os, sys, types, warnings

    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if inline_matplotlib and "matplotlib.pyplot" in sys.modules:
        # What a child-process kernel does when pyplot is first imported: the inline backend
        # (figures left open are shown after each cell).
        get_ipython().enable_matplotlib("inline")

    state = types.ModuleType("_caqes_warm")
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    state.filters = list(warnings.filters)
    mpl = sys.modules.get("matplotlib")
    state.rc = None
    if mpl is not None and "matplotlib.pyplot" in sys.modules:
        state.rc = dict(mpl.rcParams)

    def reset(cwd):
        ip = get_ipython()
        # %reset -f, plus a new history session: the execution counter restarts at 1.
        ip.reset(new_session=True)
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")
        mpl = sys.modules.get("matplotlib")
        if mpl is not None and state.rc is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mpl.rcParams.update(state.rc)
        pd = sys.modules.get("pandas")
        if pd is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pd.reset_option("all")
        if os.environ != state.environ:
            os.environ.clear()
            os.environ.update(state.environ)
        sys.path[:] = state.path
        if warnings.filters != state.filters:
            warnings.filters[:] = state.filters
            mutated = getattr(warnings, "_filters_mutated", None)
            if mutated is not None:
                mutated()
        os.chdir(cwd)

    state.reset = reset
    sys.modules["_caqes_warm"] = state
    # The preloaded modules live as long as the kernel: move them out of the collector's
    # reach, so that the gc.collect() of every reset only scans what the reports created.
    import gc
    gc.collect()
    gc.freeze()

_caqes_bootstrap(%(preload)r, %(inline)r)
del _caqes_bootstrap
"""

_RESET = "__import__('_caqes_warm').reset(%r)"


class ReportExecutionError(PapermillExecutionError, CaqesError):
    """A report notebook failed; ``nb`` is the executed notebook with Papermill's banner.

    Papermill's attributes (``cell_index``, ``exec_count``, ``source``, ``ename``, ``evalue``,
    ``traceback``) plus ``nb`` (the failed notebook, to be saved as the audit log of the
    failure) and ``parameters``. Picklable, so it can cross a process pool.
    """

    def __init__(
        self,
        cell_index: int,
        exec_count: int | None,
        source: str,
        ename: str,
        evalue: str,
        traceback: list[str],
        nb: NotebookNode | None = None,
        parameters: Mapping[str, Any] | None = None,
    ):
        super().__init__(cell_index, exec_count, source, ename, evalue, traceback)
        self.nb = nb if nb is not None else nbformat.v4.new_notebook()
        self.parameters = dict(parameters or {})

    @classmethod
    def from_papermill(
        cls,
        error: PapermillExecutionError,
        nb: NotebookNode,
        parameters: Mapping[str, Any] | None = None,
    ) -> ReportExecutionError:
        return cls(
            error.cell_index,
            error.exec_count,
            error.source,
            error.ename,
            error.evalue,
            error.traceback,
            nb,
            parameters,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (
                self.cell_index,
                self.exec_count,
                self.source,
                self.ename,
                self.evalue,
                self.traceback,
                self.nb,
                self.parameters,
            ),
        )


class KernelFailure(CaqesError):
    """The kernel could not be started, reset or reached (not an error of the notebook)."""


def _in_process_manager() -> Any:
    """A kernel manager whose kernel runs in this process (started already)."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # as for child-process kernels
    from ipykernel.inprocess.manager import InProcessKernelManager
    from traitlets.config import Config

    # History in memory, as for the child-process kernels (no ~/.ipython database).
    km = InProcessKernelManager(config=Config({"HistoryManager": {"hist_file": ":memory:"}}))
    km.start_kernel()
    return km


def _ipc_manager(kernel_name: str, folder: str) -> AsyncKernelManager:
    """A kernel manager whose kernel listens on Unix sockets in ``folder`` (no TCP)."""
    km = AsyncKernelManager(
        kernel_name=kernel_name,
        transport="ipc",
        connection_file=os.path.join(folder, "kernel.json"),
    )
    # The socket files are named "<ip>-<port>"; keep them in the private folder.
    km.ip = os.path.join(folder, "ipc")
    km.shutdown_wait_time = 3.0
    return km


class WarmKernel:
    """One ipykernel kept alive across reports, with a silent reset before each report.

    Usage::

        with WarmKernel() as kernel:
            for finess in establishments:
                try:
                    nb = kernel.run("notebooks/rapport.ipynb", {"finess": finess, "annee": 2018})
                except ReportExecutionError as err:
                    save(err.nb)  # carries the red Papermill banner

    In a batch worker, let the kernel boot while Chromium starts::

        kernel = WarmKernel(); kernel.start(wait=False)
        printer = PdfPrinter(); printer.start()
        kernel.wait_ready()

    Parameters
    ----------
    kernel_name:
        Jupyter kernel spec name.
    preload:
        Modules imported once after start-up (state snapshot taken after them).
    startup_timeout:
        Seconds to wait for the kernel to answer after start-up.
    execution_timeout:
        Seconds allowed per cell (``None``: no limit). A timed-out report fails and the
        kernel is replaced.
    cwd:
        Default working directory of the notebook code (default: the process's current one
        when :meth:`run` is called, as for ``papermill``).
    restart_after_error:
        Replace the kernel after a report that raised (default). The reset already clears
        the namespace; the restart also drops whatever a failed report left half-done in
        imported modules.
    max_reports:
        Replace the kernel after this many reports (bounds memory growth); ``None``: never.
    in_process:
        Run the kernel inside this process (ipykernel's in-process kernel) instead of a child
        process: nothing to start, nothing to transport, but module state is this process's and
        a cell cannot be interrupted (no ``execution_timeout``). For batch workers, which are
        replaced as a whole after a failed report.
    """

    def __init__(
        self,
        kernel_name: str = "python3",
        *,
        preload: tuple[str, ...] = DEFAULT_PRELOAD,
        startup_timeout: float = 60.0,
        execution_timeout: float | None = None,
        cwd: str | os.PathLike[str] | None = None,
        restart_after_error: bool = True,
        max_reports: int | None = 500,
        in_process: bool = False,
    ):
        if in_process and execution_timeout is not None:
            raise ValueError("an in-process kernel cannot be interrupted: no execution_timeout")
        self.in_process = in_process
        self.kernel_name = kernel_name
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self.execution_timeout = execution_timeout
        self.cwd = None if cwd is None else Path(cwd)
        self.restart_after_error = restart_after_error
        self.max_reports = max_reports
        self.km: AsyncKernelManager | None = None
        self.kc: Any = None
        self.reports_run = 0  # on the current kernel
        self.kernels_started = 0
        self._folder: str | None = None
        self._dirty = False
        self._boot_id: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._streams: tuple[Any, Any] | None = None  # this process's, while an in-process kernel runs

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def is_started(self) -> bool:
        return self.km is not None

    @property
    def connection_info(self) -> dict[str, Any]:
        """The kernel's connection info (``transport`` is ``"ipc"``)."""
        if self.km is None:
            raise KernelFailure("le noyau n'est pas démarré")
        return dict(self.km.get_connection_info())

    def start(self, wait: bool = True) -> None:
        """Start the kernel (no-op when already running).

        ``wait=False`` only launches the process and queues the preload, then returns: the
        kernel boots while the caller does something else (e.g. launches Chromium); the first
        :meth:`run` (or :meth:`wait_ready`) waits for it.
        """
        if self.km is None:
            run_sync(self._async_launch)()
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until a launched kernel has booted and preloaded its modules."""
        if self.km is None:
            self.start()
        elif self._boot_id is not None:
            run_sync(self._async_finish_start)()

    async def _async_launch(self) -> None:
        try:
            if self.in_process:
                km = self.km = _in_process_manager()
                # The kernel's output streams become this process's until it stops, as in a
                # kernel process: ipykernel's in-process kernel only swaps them in while it
                # executes, after telling the streams in place which request the output
                # belongs to, and printed output would be lost.
                self._streams = sys.stdout, sys.stderr
                sys.stdout, sys.stderr = km.kernel.stdout, km.kernel.stderr
            else:
                self._folder = tempfile.mkdtemp(prefix="caqes-k-")
                km = self.km = _ipc_manager(self.kernel_name, self._folder)
                await km.start_kernel(
                    extra_arguments=["--HistoryManager.hist_file=:memory:"],
                    cwd=str(self.cwd or os.getcwd()),
                    env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
                )
                self._finalizer = weakref.finalize(
                    self, _kill_kernel, getattr(km.provisioner, "process", None), self._folder
                )
            kc = km.client()
            kc.start_channels()
            self.kc = kc
            # ZeroMQ queues the request until the kernel listens: the preload starts as soon
            # as the kernel is up, without a round trip.
            self._boot_id = kc.execute(
                _BOOTSTRAP % {"preload": self.preload, "inline": self.in_process},
                silent=True,
                store_history=False,
                allow_stdin=False,
            )
        except BaseException:
            await self._async_shutdown(now=True)
            raise

    async def _async_finish_start(self) -> None:
        try:
            await self._async_reply(self._boot_id, self.startup_timeout, drain=False)
            if not self.in_process:
                # The reply came after the kernel's start-up: iopub is connected by now; this
                # round trip checks it.
                await self.kc.wait_for_ready(timeout=self.startup_timeout)
        except BaseException:
            await self._async_shutdown(now=True)
            raise
        self._boot_id = None
        self.kernels_started += 1
        self.reports_run = 0
        self._dirty = False

    def shutdown(self, now: bool = False) -> None:
        """Stop the kernel (``now``: kill it without the polite request) and remove its socket folder."""
        if self.km is None:
            return
        run_sync(self._async_shutdown)(now)

    async def _async_shutdown(self, now: bool = False) -> None:
        km, kc, folder = self.km, self.kc, self._folder
        self.km = self.kc = self._folder = self._boot_id = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self.in_process:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                km.shutdown_kernel()
            if self._streams is not None:
                sys.stdout, sys.stderr = self._streams
                self._streams = None
            return
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None and km.has_kernel:
                await km.shutdown_kernel(now=now)
        except Exception as exc:
            log.debug("arrêt du noyau : %s", exc)
            proc = getattr(getattr(km, "provisioner", None), "process", None)
            _kill_kernel(proc, None)
        finally:
            if km is not None:
                await km.cleanup_resources()
            if folder:
                shutil.rmtree(folder, ignore_errors=True)

    def restart(self) -> None:
        """Replace the kernel by a new one (same settings)."""
        run_sync(self._async_restart)()

    async def _async_restart(self) -> None:
        await self._async_shutdown(now=True)
        await self._async_launch()
        await self._async_finish_start()

    # ------------------------------------------------------------------ execution
    async def _async_silent(self, code: str, timeout: float | None) -> None:
        """Run ``code`` silently (no history, no outputs kept); raise KernelFailure on error."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        await self._async_reply(msg_id, timeout, drain=True)

    def evaluate(self, expression: str, timeout: float | None = 60.0) -> str:
        """``text/plain`` value of ``expression`` in the namespace the last report left
        (e.g. to read back a figure the notebook computed); KernelFailure if it raises."""
        self._ensure_ready()
        return run_sync(self._async_evaluate)(expression, timeout)

    async def _async_evaluate(self, expression: str, timeout: float | None) -> str:
        msg_id = self.kc.execute("", silent=True, store_history=False, allow_stdin=False,
                                 user_expressions={"value": expression})
        result = (await self._async_reply(msg_id, timeout, drain=True))["user_expressions"]["value"]
        if result.get("status") != "ok":
            raise KernelFailure(f"{expression} : {result.get('ename')}: {result.get('evalue')}")
        return result["data"]["text/plain"]

    async def _async_reply(self, msg_id: str, timeout: float | None, *, drain: bool) -> dict:
        """Wait for the shell reply to ``msg_id`` (and, with ``drain``, for its iopub messages
        up to "idle", so that none is left for the next report). KernelFailure if the request
        failed, the kernel died or did not answer in time."""
        kc, km = self.kc, self.km
        deadline = None if timeout is None else time.monotonic() + timeout
        reply = None
        while reply is None:
            remaining = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if remaining <= 0:
                raise KernelFailure(f"le noyau n'a pas répondu en {timeout} s")
            try:
                msg = await ensure_async(kc.get_shell_msg(timeout=remaining))
            except Empty:
                if not await ensure_async(km.is_alive()):
                    raise KernelFailure("le noyau s'est arrêté") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        while drain:
            remaining = 5.0 if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                msg = await ensure_async(kc.get_iopub_msg(timeout=remaining))
            except Empty:
                break
            drain = not (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            )
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelFailure(
                "échec de la préparation du noyau : "
                f"{content.get('ename')}: {content.get('evalue')}"
            )
        return content

    async def _async_alive(self) -> bool:
        return bool(await ensure_async(self.km.is_alive()))

    def _ensure_ready(self) -> None:
        if self.km is None or self._boot_id is not None:
            self.start()
            return
        recycle = self.max_reports is not None and self.reports_run >= self.max_reports
        if self._dirty or recycle or not run_sync(self._async_alive)():
            log.info("remplacement du noyau (erreur=%s, recyclage=%s)", self._dirty, recycle)
            self.restart()

    def run(
        self,
        template_path: str | os.PathLike[str],
        parameters: Mapping[str, Any] | None = None,
        *,
        output_path: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> NotebookNode:
        """Execute ``template_path`` with ``parameters`` on the warm kernel.

        Returns the executed notebook (Papermill metadata included). ``output_path`` is only
        recorded in ``metadata.papermill.output_path``; nothing is written (the caller saves
        the notebook, e.g. with :func:`caqes_toolkit.outputs.write_atomic`).

        Raises :class:`ReportExecutionError` (``.nb`` = failed notebook with the banner) when a
        cell raises, a cell times out or the kernel dies; :class:`KernelFailure` when the kernel
        cannot be started or reset.
        """
        params = dict(parameters or {})
        self._ensure_ready()
        input_path = str(template_path)
        out = None if output_path is None else str(output_path)
        workdir = Path(cwd) if cwd is not None else (self.cwd or Path.cwd())

        nb = load_notebook_node(input_path)
        if params:
            known = {p.name for p in _infer_parameters(nb, name=self.kernel_name)}
            unknown = sorted(set(params) - known)
            if unknown:
                log.warning("paramètres inconnus du modèle %s : %s", input_path, unknown)
            nb = parameterize_notebook(nb, params, kernel_name=self.kernel_name)
        nb = prepare_notebook_metadata(nb, input_path, out)
        nb = remove_error_markers(nb)

        try:
            run_sync(self._async_silent)(_RESET % str(workdir.resolve()), self.startup_timeout)
        except KernelFailure:
            self._dirty = True
            raise

        self.reports_run += 1
        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False)
        nb_man.notebook_start()
        crash: BaseException | None = None
        try:
            client = PapermillNotebookClient(
                nb_man,
                km=self.km,
                kernel_name=self.kernel_name,
                timeout=None if self.execution_timeout is None else int(self.execution_timeout),
                startup_timeout=int(self.startup_timeout),
                log=log,
            )
            client.kc = self.kc  # reuse our channels: no new client per report
            client.execute()
        except Exception as exc:
            crash = exc
            self._dirty = True
        except BaseException:  # KeyboardInterrupt, SystemExit: the kernel may still be busy
            self._dirty = True
            raise
        finally:
            nb_man.notebook_complete()
        nb = nb_man.nb

        if crash is not None:
            _mark_crashed_cell(nb, crash)
        try:
            raise_for_execution_errors(nb, None)
        except PapermillExecutionError as err:
            if self.restart_after_error:
                self._dirty = True
            raise ReportExecutionError.from_papermill(err, nb, params) from (crash or err)
        if crash is not None:  # no cell to blame: still a failed report
            raise ReportExecutionError(
                0, None, "", type(crash).__name__, str(crash), [], nb, params
            ) from crash
        return nb


def _mark_crashed_cell(nb: NotebookNode, exc: BaseException) -> None:
    """Flag the cell that was running when the kernel died or timed out, with an error output,
    so that Papermill's banner points at it and the audit log says why."""
    started = [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return
    cell = started[-1]
    cell.metadata.papermill["exception"] = True
    cell.metadata.papermill["status"] = "failed"
    nb.metadata.papermill["exception"] = True
    if not any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
        text = str(exc).strip()
        cell.outputs.append(
            nbformat.v4.new_output(
                "error",
                ename=type(exc).__name__,
                evalue=text.splitlines()[0] if text else "",
                traceback=[f"{type(exc).__name__}: {text}"],
            )
        )


def _kill_kernel(proc: subprocess.Popen[bytes] | None, folder: str | None) -> None:
    """Last-resort clean-up (finaliser / failed shutdown): kill the kernel process."""
    if proc is not None and proc.poll() is None:
        try:
            proc.terminate()
            proc.wait(timeout=2)
        except Exception:
            try:
                proc.kill()
            except Exception as exc:
                log.debug("ignoré : %r", exc)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def run_fresh(
    template_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str] | None,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    kernel_name: str | None = None,
    execution_timeout: float | None = None,
) -> NotebookNode:
    """Execute one report in a new kernel with plain ``papermill.execute_notebook``.

    The executed notebook is returned and, when ``out_path`` is given, written atomically
    (also on failure, with Papermill's banner). A cell error raises
    :class:`ReportExecutionError` carrying the failed notebook.
    """
    import papermill

    from ..outputs import write_atomic

    params = dict(parameters or {})
    out = None if out_path is None else Path(out_path)
    # Papermill writes its output with a plain open(); let it write a private file in a
    # temporary folder and publish the result atomically.
    with tempfile.TemporaryDirectory(prefix="caqes-pm-") as tmp:
        scratch = os.path.join(tmp, "out.ipynb")
        error: PapermillExecutionError | None = None
        try:
            nb = papermill.execute_notebook(
                str(template_path),
                scratch,
                parameters=params,
                kernel_name=kernel_name,
                progress_bar=False,
                request_save_on_cell_execute=False,
                cwd=None if cwd is None else str(cwd),
                execution_timeout=execution_timeout,
            )
        except PapermillExecutionError as err:
            error = err
            nb = nbformat.read(scratch, as_version=4)
    nb.metadata.papermill["output_path"] = None if out is None else str(out)
    if out is not None:
        write_atomic(out, nbformat.writes(nb))
    if error is not None:
        raise ReportExecutionError.from_papermill(error, nb, params) from error
    return nb
