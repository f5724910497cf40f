"""Publication of a document as HTML and PDF: reports, the regional synthesis, the method."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from nbformat import NotebookNode

from ..errors import CaqesError
from ..outputs import write_atomic
from .render import PdfPrinter, notebook_to_html

__all__ = ["FORMATS", "publish"]

#: Formats a document can be published in.
FORMATS = ("html", "pdf")


def publish(document: str | NotebookNode, base: Path, formats: Sequence[str], *, title: str = "",
            printer: PdfPrinter | None = None, header: str | None = None,
            footer: str | None = None) -> list[Path]:
    """Write ``base``.html and/or ``base``.pdf (atomically) of ``document``; return the paths.

    ``document`` is an HTML page, or an executed notebook turned into one (no code, titled
    ``title``). The PDF is printed by ``printer`` (a running :class:`PdfPrinter`) when given, else
    by a Chromium started for the occasion; ``header`` and ``footer`` are drawn on every page.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise CaqesError(f"formats attendus parmi {', '.join(FORMATS)} (reçu : {', '.join(formats)})")
    html = notebook_to_html(document, title=title) if isinstance(document, NotebookNode) else document
    written = []
    if "html" in formats:
        written.append(write_atomic(base.parent / f"{base.name}.html", html))
    if "pdf" in formats:
        with nullcontext(printer) if printer is not None else PdfPrinter() as chromium:
            written.append(chromium.print(html, base.parent / f"{base.name}.pdf", header=header, footer=footer))
    return written
