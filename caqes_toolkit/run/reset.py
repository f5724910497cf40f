"""The process state a report may change, captured once and restored before each report.

A worker runs its reports one after the other in the same process (an in-process kernel).
:class:`ProcessState` is what that process looked like right after its start-up (environment,
``sys.path``, warning filters, Matplotlib ``rcParams``); :func:`reset` clears the kernel's
namespace, restarts its execution counter at 1, closes the figures left open, restores pandas'
options and that state, so that a report made after another one is the report made alone.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any

__all__ = ["ProcessState", "reset"]


@dataclass(frozen=True)
class ProcessState:
    """What a report could change in the process, and :func:`reset` restores."""

    environ: dict[str, str]
    path: list[str]
    filters: list[Any]
    rc: dict[str, Any] | None  # Matplotlib's rcParams, when pyplot is imported

    @classmethod
    def capture(cls) -> ProcessState:
        """The current state (taken after the start-up imports: pyplot's rcParams included)."""
        mpl = sys.modules.get("matplotlib")
        rc = dict(mpl.rcParams) if mpl is not None and "matplotlib.pyplot" in sys.modules else None
        return cls(dict(os.environ), list(sys.path), list(warnings.filters), rc)

    def restore(self) -> None:
        """Put the process back in this state (no-op for what did not change)."""
        if os.environ != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        if sys.path != self.path:
            sys.path[:] = self.path
        if warnings.filters != self.filters:
            # warnings.resetwarnings() then re-adding would reorder nothing but cost more: a
            # slice assignment plus the module's own cache invalidation, as catch_warnings does.
            warnings.filters[:] = self.filters  # type: ignore[index]  # a list at run time
            mutated = getattr(warnings, "_filters_mutated", None)
            if mutated is not None:
                mutated()
        mpl = sys.modules.get("matplotlib")
        if mpl is not None and self.rc is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated keys are in the snapshot too
                mpl.rcParams.update(self.rc)


def reset(shell: Any, state: ProcessState) -> None:
    """Make ``shell`` (an IPython shell) and the process as they were right after start-up."""
    shell.reset(new_session=True)  # %reset -f, and the execution counter back to 1
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    pd = sys.modules.get("pandas")
    if pd is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    state.restore()
