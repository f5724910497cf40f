"""The state reset between two reports of one worker (caqes_toolkit.run.reset)."""

from __future__ import annotations

import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from caqes_toolkit.run.reset import ProcessState, reset


class _Shell:
    """Records the reset asked of an IPython shell."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def reset(self, **kwargs: object) -> None:
        self.calls.append(kwargs)


def test_reset_restores_what_a_report_changed(monkeypatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(warnings, "filters", list(warnings.filters))
    monkeypatch.setattr(os, "environ", os.environ.copy())
    state = ProcessState.capture()
    before = (dict(os.environ), list(sys.path), list(warnings.filters), plt.rcParams["lines.linewidth"])

    os.environ["CAQES_FUITE"] = "1"
    sys.path.insert(0, "/nulle/part")
    warnings.simplefilter("error")
    plt.rcParams["lines.linewidth"] = 9
    plt.figure()
    pd.set_option("display.max_rows", 3)
    shell = _Shell()
    reset(shell, state)

    assert (dict(os.environ), list(sys.path), list(warnings.filters), plt.rcParams["lines.linewidth"]) == before
    assert plt.get_fignums() == [] and pd.get_option("display.max_rows") == 60
    assert shell.calls == [{"new_session": True}]  # %reset -f and the execution counter back to 1


def test_restore_is_a_no_op_when_nothing_changed(monkeypatch) -> None:
    state = ProcessState.capture()
    path = sys.path
    state.restore()
    assert sys.path is path and state == ProcessState.capture()
