"""A small pool of disposable worker processes, with a time limit per job.

It knows nothing of what the jobs are: :meth:`Pool.run` sends picklable jobs to worker processes
that call a module-level function on each, after a worker-init function run once per process.
A worker is replaced by a new one after a job that raised, after its death (``kill -9``, a
segmentation fault) and after a job that outlived the time limit (the process is killed: only
its own job fails). A result that ``retire`` flags also retires its worker (e.g. a job whose
failure may have left the process in a doubtful state).

Workers start as :mod:`~caqes_toolkit.run.start_method` says. Forked from a forkserver that
imports ``preload`` once (Linux, macOS), each new worker starts with those modules already
imported; spawned (Windows, or ``CAQES_START_METHOD=spawn``), each worker imports them itself
before its worker-init, once for all the jobs it runs. Workers never see a Ctrl-C: their
parent stops them. The standard library's pools do not fit: neither ``multiprocessing.Pool`` nor
``concurrent.futures.ProcessPoolExecutor`` can stop one job that runs too long, or replace one
dead worker without failing every job in flight.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Literal, TypeVar

from .start_method import start_method

__all__ = ["Failure", "Pool", "available_cpus"]

J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True)
class Failure:
    """A job that gave no result: it raised (``error``), its worker died (``died``) or it
    outlived the time limit (``timeout``). ``message`` says it in French."""

    kind: Literal["error", "died", "timeout"]
    message: str


@dataclass
class _Slot:
    """One worker process, its end of the pipe, the job it was given at ``sent`` and has run
    since ``started`` (``None`` while the worker still starts up); ``ready`` once its start-up
    is over."""

    process: BaseProcess
    conn: Connection
    job: Any = None
    sent: float = 0.0
    started: float | None = None
    ready: bool = False


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@contextmanager
def _interrupts_kept_from_children() -> Iterator[None]:
    """While a worker is spawned: it is born deaf to Ctrl-C, before its Python even starts.

    POSIX: SIGINT blocked in this thread, a mask the child inherits until :func:`_ignore_interrupts`
    (the standard library's resource tracker does the same, bpo-33613); any thread may do it. The
    tracker is started first: starting it unblocks SIGINT. Windows: Ctrl-C ignored by this process
    for the instant of the creation, an attribute the child inherits
    (``SetConsoleCtrlHandler(NULL, TRUE)``)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.kernel32.SetConsoleCtrlHandler(None, True)
        try:
            yield
        finally:
            ctypes.windll.kernel32.SetConsoleCtrlHandler(None, False)
    else:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C ignored, then unblocked (a pending one is discarded)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _serve(conn: Connection, preload: tuple[str, ...], init: Callable[[], None] | None,
           fn: Callable[[Any], Any]) -> None:
    """Body of a worker: ``preload`` imported and ``init()`` (its start-up, then "ready"), then
    ``fn(job)`` for each job until the parent sends ``None``."""
    _ignore_interrupts()
    try:
        for module in preload:
            importlib.import_module(module)
        if init is not None:
            init()
        conn.send(("ready", None))
        while (job := conn.recv()) is not None:
            conn.send(("start", None))  # the job's time limit runs from now
            try:
                conn.send(("ok", fn(job)))
            except Exception as exc:
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
                return  # the parent replaces this worker
    except (EOFError, ConnectionError, KeyboardInterrupt):  # the parent is gone, or stopped us
        return


def _ready(slot: _Slot) -> bool:
    """Whether the worker's start-up is over (it said so, perhaps in a message not read yet)."""
    try:
        while not slot.ready and slot.conn.poll():
            slot.ready = slot.conn.recv()[0] == "ready"
    except (EOFError, OSError):
        return False
    return slot.ready


def _stop(slot: _Slot) -> None:
    """End a worker: politely when idle, at once (SIGKILL) when it still runs a job or still starts
    up (it has nothing to finish, and its start-up may take seconds)."""
    polite = slot.job is None and _ready(slot)
    try:
        if polite and slot.process.is_alive():
            slot.conn.send(None)
    except OSError:
        pass
    slot.conn.close()
    slot.process.join(timeout=None if polite else 0)
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join()


class Pool(Generic[J, R]):
    """``workers`` disposable processes running ``fn`` on jobs (see the module's docstring).

    ::

        with Pool(run_report, workers=2, init=start_kernel, time_limit=600) as pool:
            pool.run(jobs, on_result)   # on_result(job, result_or_Failure), as jobs end
    """

    def __init__(self, fn: Callable[[J], R], workers: int = 2, *, init: Callable[[], None] | None = None,
                 time_limit: float | None = None, startup_limit: float = 300.0, preload: Iterable[str] = (),
                 retire: Callable[[R], bool] | None = None, name: str = "caqes-travail") -> None:
        self.fn, self.init, self.retire, self.name = fn, init, retire, name
        self.workers = max(1, workers)
        self.time_limit = time_limit
        self.startup_limit = startup_limit  # a new worker's start-up (preload under spawn, init), before its first job
        self.preload = tuple(preload)
        self.method = start_method()
        self._context = get_context("spawn") if self.method == "spawn" else get_context("forkserver")
        self._slots: list[_Slot] = []

    def __enter__(self) -> Pool[J, R]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Begin the workers' start-up in the background (no waiting): launch the forkserver, which
        imports ``preload``; under ``spawn``, start the workers themselves.

        The forkserver is started with Ctrl-C ignored, as every worker it forks then is: an
        interrupt is for the parent, which stops them (:meth:`close`), never a traceback of theirs."""
        if self.method == "spawn":
            self.spawn(self.workers)
            return
        from multiprocessing import forkserver

        self._context.set_forkserver_preload(list(self.preload))
        if threading.current_thread() is not threading.main_thread():  # signals belong to the main thread
            forkserver.ensure_running()
            return
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)

    def close(self) -> list[J]:
        """Stop every worker (those still running a job at once); the jobs so stopped unfinished."""
        stopped = [slot.job for slot in self._slots if slot.job is not None]
        for slot in self._slots:
            _stop(slot)
        self._slots = []
        return stopped

    def spawn(self, count: int) -> None:
        """Start workers up to ``count`` (at most ``workers``) before jobs come."""
        while len(self._slots) < min(self.workers, count):
            self._slots.append(self._spawn())

    def _spawn(self) -> _Slot:
        ours, theirs = self._context.Pipe()
        spawned = self.method == "spawn"
        process = self._context.Process(target=_serve, args=(theirs, self.preload if spawned else (), self.init,
                                                             self.fn), name=self.name, daemon=True)
        with _interrupts_kept_from_children() if spawned else nullcontext():
            process.start()
        theirs.close()
        return _Slot(process, ours)

    def _replace(self, index: int) -> None:
        _stop(self._slots[index])
        self._slots[index] = self._spawn()

    def _feed(self, index: int, queue: deque[J]) -> None:
        """Give the next job to an idle worker (replaced first if it died while idle)."""
        while queue and self._slots[index].job is None:
            job = queue.popleft()
            try:
                self._slots[index].conn.send(job)
            except OSError:
                queue.appendleft(job)
                self._replace(index)
                continue
            self._slots[index].job, self._slots[index].sent, self._slots[index].started = job, time.monotonic(), None

    def _deadline(self, slot: _Slot) -> float:
        if slot.started is None:
            return slot.sent + self.startup_limit + (self.time_limit or 0.0)
        return slot.started + self.time_limit if self.time_limit is not None else float("inf")

    def _receive(self, slot: _Slot) -> tuple[str, Any] | None:
        """The worker's result, if it sent one (its "start" notice is recorded on the way)."""
        while slot.conn.poll():  # a message, or the end of the pipe of a dead worker
            kind, value = slot.conn.recv()
            if kind == "ready":
                slot.ready = True
            elif kind == "start":
                slot.started = time.monotonic()
            else:
                return kind, value
        return None

    def run(self, jobs: Iterable[J], on_result: Callable[[J, R | Failure], None]) -> None:
        """Run ``jobs``; ``on_result(job, result)`` in this process as each ends (the worker has
        its next job already), with a :class:`Failure` for a job that gave no result."""
        queue = deque(jobs)
        self.spawn(len(queue))
        for index in range(len(self._slots)):
            self._feed(index, queue)
        while busy := [slot for slot in self._slots if slot.job is not None]:
            timeout = max(0.0, min(self._deadline(slot) for slot in busy) - time.monotonic())
            wait([s.conn for s in busy] + [s.process.sentinel for s in busy], min(timeout, 3600.0))
            for index, slot in enumerate(self._slots):
                if slot.job is None:
                    continue
                job, late = slot.job, False
                result: R | Failure
                try:
                    message = self._receive(slot)
                except (EOFError, OSError):
                    result = self._died(slot)
                else:
                    if message is not None:
                        kind, value = message
                        result = value if kind == "ok" else Failure("error", value)
                    elif time.monotonic() >= self._deadline(slot):
                        result, late = self._late(slot), True
                    elif not slot.process.is_alive():
                        result = self._died(slot)
                    else:
                        continue
                if not late:
                    slot.job = None  # finished: a worker to stop is stopped politely; a late one is killed
                if isinstance(result, Failure) or (self.retire is not None and self.retire(result)):
                    _stop(slot)
                    slot.job = None
                    if queue:
                        self._slots[index] = self._spawn()
                self._feed(index, queue)  # the next job first: the worker runs it while on_result works
                on_result(job, result)

    def _late(self, slot: _Slot) -> Failure:
        if slot.started is None:
            return Failure("died", f"le processus de travail n'a pas démarré en {self.startup_limit:g} s")
        return Failure("timeout", f"délai dépassé ({self.time_limit:g} s)")

    @staticmethod
    def _died(slot: _Slot) -> Failure:
        slot.process.join(timeout=5)
        return Failure("died", f"le processus de travail s'est arrêté (code {slot.process.exitcode})")
