"""Start-up of the local report workers, paid once in the forkserver of a batch, or once per worker.

Local report batches fork their worker processes from a forkserver that imports this module
first (see :class:`caqes_toolkit.run.batch.ReportPool`); where workers are spawned instead
(Windows, ``CAQES_START_METHOD=spawn``), each imports it before its first report. Each worker
runs its report kernel in-process, so what is imported and warmed here is the whole start-up of
a worker and of its kernel: pandas, Matplotlib, ipykernel's in-process kernel, Papermill's client, the toolkit's
report modules, the compiled section templates and Matplotlib's fonts (the HTML export is the
parent's). Nothing here depends on the data of a batch, and nothing is kept that a report could
change.
"""

from __future__ import annotations

import os

# ipykernel imports debugpy, which warns about frozen modules on every start otherwise.
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

import ipykernel.inprocess.ipkernel  # noqa: F401
import matplotlib.pyplot as plt

from ..documents import charts, fragments, sections  # noqa: F401
from . import batch, execute, scores  # noqa: F401


def _warm() -> None:
    """Compile the section templates and load the chart fonts."""
    fragments.macros()
    with charts.style():
        figure, axes = plt.subplots(figsize=(1, 1))
        axes.set_title("Évaluation")
    charts.figure_svg(figure)


_warm()
