"""This process's Jupyter kernel: ipykernel's in-process kernel, started once per worker.

A report worker executes its reports on a kernel that runs in the worker's own process (nothing
to start per report, no transport); :func:`warm_kernel` starts it on first use, with the modules
of :data:`PRELOAD` imported and the process state captured after them (see
:mod:`caqes_toolkit.run.reset`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .reset import ProcessState, reset

__all__ = ["PRELOAD", "WarmKernel", "close_kernel", "warm_kernel"]

#: Imported once by the kernel at start-up (most of a fresh kernel's fixed cost). The state
#: that :func:`~caqes_toolkit.run.reset.reset` restores is captured after them.
PRELOAD: tuple[str, ...] = ("matplotlib.pyplot", "pandas", "numpy", "caqes_toolkit.documents.sections")


class WarmKernel:
    """This process's in-process ipykernel, started once, with the state captured after its
    preload (see :mod:`caqes_toolkit.run.reset`)."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD) -> None:
        import importlib

        from ipykernel.inprocess.manager import InProcessKernelManager
        from traitlets.config import Config

        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # as for child-process kernels
        # History in memory, as papermill's kernels (no ~/.ipython database).
        self.km = InProcessKernelManager(config=Config({"HistoryManager": {"hist_file": ":memory:"}}))
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        # The kernel's output streams become this process's while it runs, as in a kernel
        # process: ipykernel swaps them in only while it executes, and printed output would be lost.
        self._streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.kernel.stdout, self.kernel.stderr
        for name in preload:
            importlib.import_module(name)
        if "matplotlib.pyplot" in sys.modules:
            # What a child-process kernel does when pyplot is first imported: the inline backend.
            self.shell.enable_matplotlib("inline")
        self.state = ProcessState.capture()
        # The preloaded modules live as long as the process: out of the collector's reach, so
        # that each report's collections only scan what reports created.
        import gc

        gc.collect()
        gc.freeze()

    @property
    def kernel(self) -> Any:
        """ipykernel's ``InProcessKernel``."""
        return self.km.kernel

    @property
    def shell(self) -> Any:
        return self.kernel.shell

    def reset(self) -> None:
        reset(self.shell, self.state)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel()
        sys.stdout, sys.stderr = self._streams


_kernel: WarmKernel | None = None


def warm_kernel() -> WarmKernel:
    """This process's kernel (started on first use)."""
    global _kernel
    if _kernel is None:
        _kernel = WarmKernel()
    return _kernel


def close_kernel() -> None:
    """Stop this process's kernel, if it was started."""
    global _kernel
    if _kernel is not None:
        _kernel.close()
        _kernel = None
