"""The declared channel by which a report notebook hands its figures to the batch.

The last cell of a report notebook displays the report's figures (what becomes ``scores.json``)
as one output of MIME type :data:`SCORES_MIME`::

    from IPython.display import display
    display({"application/vnd.caqes.scores+json": rapport.scores_json()}, raw=True)

The cell is tagged ``remove-cell``: kept in the executed notebook (the audit log), absent from
the HTML and PDF. The batch reads that output from the executed notebook
(:func:`scores_from_notebook`); nothing is evaluated in the kernel.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode

from ..errors import CaqesError

__all__ = ["SCORES_MIME", "scores_from_notebook"]

SCORES_MIME = "application/vnd.caqes.scores+json"


def scores_from_notebook(nb: NotebookNode) -> dict[str, Any]:
    """The figures the executed notebook displayed as :data:`SCORES_MIME` (the last such output)."""
    found = [output["data"][SCORES_MIME] for cell in nb.cells if cell.cell_type == "code"
             for output in cell.get("outputs", ()) if SCORES_MIME in output.get("data", {})]
    if not found:
        raise CaqesError(f"le notebook n'a pas affiché ses chiffres : une sortie de type {SCORES_MIME} "
                         "est attendue (dernière cellule des notebooks de rapport, voir le README)")
    scores = found[-1]
    if not isinstance(scores, dict):
        raise CaqesError(f"la sortie {SCORES_MIME} du notebook doit être un objet JSON (reçu : "
                         f"{type(scores).__name__})")
    return dict(scores)
