"""Rendering of executed report notebooks: self-contained HTML, then PDF with Chromium.

* :func:`notebook_to_html` — one self-contained French HTML file (charts as data URIs, no
  script, nothing fetched from the network, no code, no prompts, A4 print stylesheet), from
  nbconvert's ``HTMLExporter`` with the packaged template ``templates/caqes_report.html.j2``.
  The exporter is built once per process (:func:`html_exporter`).
* :class:`PdfPrinter` — one headless Chromium per worker process (Playwright driving Debian's
  ``/usr/bin/chromium``), one reused page: ``set_content`` then ``page.pdf`` (A4, footer
  "Page X / Y", optional header text). Restarts the browser when it crashed.
"""

from __future__ import annotations

import html as html_lib
import logging
import os
import re
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from nbformat import NotebookNode

from .outputs import write_atomic

if TYPE_CHECKING:  # heavy imports kept out of module import time
    from nbconvert import HTMLExporter

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_PATH",
    "TEMPLATES_DIR",
    "PdfPrinter",
    "chromium_available",
    "html_exporter",
    "notebook_to_html",
    "strip_external_resources",
]

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).with_name("templates")
TEMPLATE_FILE = "caqes_report.html.j2"

#: Debian's Chromium; override with the CAQES_CHROMIUM environment variable.
CHROMIUM_PATH = os.environ.get("CAQES_CHROMIUM", "/usr/bin/chromium")

#: Flags for every Chromium we start: no sandbox (containers, root), no GPU, and nothing that
#: reaches the network (the machines have no internet access).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
)

#: Page margins of the PDF (room at the top and bottom for the header and footer).
PDF_MARGINS = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}

_FOOTER = (
    "<div style=\"width:100%; margin:0 16mm; font-family:'Liberation Sans', Arial, sans-serif;"
    ' font-size:8pt; color:#555; display:flex; justify-content:space-between;">'
    "<span>{left}</span>"
    '<span>Page <span class="pageNumber"></span> / <span class="totalPages"></span></span>'
    "</div>"
)
_HEADER = (
    "<div style=\"width:100%; margin:0 16mm; font-family:'Liberation Sans', Arial, sans-serif;"
    ' font-size:8pt; color:#555; text-align:right;">{text}</div>'
)


# --------------------------------------------------------------------------- files
# --------------------------------------------------------------------------- HTML
_exporter: HTMLExporter | None = None
_exporter_lock = threading.Lock()


def _make_exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
    from traitlets.config import Config

    class DropStderr(Preprocessor):
        """Warnings printed on stderr stay in the executed notebook (audit log), not in the
        report."""

        def preprocess_cell(self, cell, resources, index):  # type: ignore[no-untyped-def]
            if cell.cell_type == "code" and cell.get("outputs"):
                cell.outputs = [
                    out
                    for out in cell.outputs
                    if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                ]
            return cell, resources

    config = Config()
    # No code shown: the syntax-highlighting CSS is not needed either.
    config.CSSHTMLHeaderPreprocessor.enabled = False
    config.HighlightMagicsPreprocessor.enabled = False
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="fr",
        anchor_link_text="",
        exclude_anchor_links=True,
    )
    # Cells tagged like in Jupyter Book: hidden from the report, kept in the notebook.
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"remove-cell", "remove_cell", "masquer"},
            remove_all_outputs_tags={"remove-output", "remove_output"},
            enabled=True,
        ),
        enabled=True,
    )
    exporter.register_preprocessor(DropStderr(enabled=True), enabled=True)
    # First conversion imports the Markdown, sanitising and parsing libraries (about 0.3 s):
    # pay it here, so that a batch parent can pay it once before forking its workers.
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    exporter.from_notebook_node(
        new_notebook(
            cells=[
                new_markdown_cell("# Titre\n\n*texte*"),
                new_code_cell(
                    "",
                    outputs=[new_output("display_data", data={"text/html": "<b>x</b>"})],
                ),
            ]
        ),
        resources={"metadata": {"name": "préchauffage"}},
    )
    return exporter


def html_exporter() -> HTMLExporter:
    """The process-wide ``HTMLExporter`` (built on first use, about 1.5 s with its imports)."""
    global _exporter
    if _exporter is None:
        with _exporter_lock:
            if _exporter is None:
                _exporter = _make_exporter()
    return _exporter


def notebook_to_html(
    nb: NotebookNode,
    title: str,
    *,
    resources_path: str | os.PathLike[str] | None = None,
) -> str:
    """The report as one self-contained HTML document (``lang="fr"``, no code, no prompt,
    images embedded, no script, no external resource).

    ``resources_path`` is the folder against which relative image links of Markdown cells
    are resolved (embedded as data URIs); default: the current folder.
    """
    resources: dict[str, Any] = {"metadata": {"name": title}}
    if resources_path is not None:
        resources["metadata"]["path"] = str(resources_path)
    exporter = html_exporter()
    with _exporter_lock:  # the exporter keeps per-conversion state
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    return strip_external_resources(body)


# An attribute that makes the browser fetch something from another host.
_REMOTE_ATTR = re.compile(
    r"""\b(?:src|href|srcset|data|poster|action|background)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""",
    re.IGNORECASE,
)
_REMOTE_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(
    r"""@import\s+(?:url\()?\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^;]*;?"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)]*\)""",
    re.IGNORECASE,
)
_LOADING_TAGS = (
    "img",
    "iframe",
    "frame",
    "video",
    "audio",
    "source",
    "track",
    "embed",
    "object",
    "input",
    "image",
    "use",
)


def strip_external_resources(html: str) -> str:
    """Remove from ``html`` every script and everything the browser would fetch from the
    network (remote images, style sheets, frames, fonts, ``@import``). Links (``<a href>``)
    stay: they are not loaded. Remote images are replaced by their alternative text."""
    lowered = html.lower()
    if (
        "<script" not in lowered
        and "<link" not in lowered
        and "<base" not in lowered
        and not _REMOTE_ATTR.search(html)
        and not _CSS_REMOTE.search(html)
    ):
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "noscript"]):
        tag.decompose()
    # A self-contained report has no <link> (style sheets, fonts, preloads) nor <base>.
    for tag in soup.find_all(["link", "base"]):
        tag.decompose()
    for tag in soup.find_all("meta", attrs={"http-equiv": True}):
        if str(tag.get("http-equiv")).lower() == "refresh":
            tag.decompose()
    for tag in soup.find_all(_LOADING_TAGS):
        remote = any(
            _REMOTE_URL.search(str(tag.get(attr) or ""))
            for attr in ("src", "srcset", "data", "poster", "href", "xlink:href")
        )
        if not remote:
            continue
        if tag.name == "img" and tag.get("alt"):
            tag.replace_with(soup.new_string(f"[{tag['alt']}]"))
        else:
            tag.decompose()
    for tag in soup.find_all("style"):
        if tag.string and _CSS_REMOTE.search(tag.string):
            tag.string = _CSS_REMOTE.sub("", tag.string)
    for tag in soup.find_all(style=_CSS_REMOTE):
        tag["style"] = _CSS_REMOTE.sub("", tag["style"])
    for tag in soup.find_all(background=True):
        if _REMOTE_URL.search(tag["background"]):
            del tag["background"]
    return str(soup)


# --------------------------------------------------------------------------- PDF
def _footer(left: str | None) -> str:
    return _FOOTER.format(left=html_lib.escape(left or ""))


def _header(text: str | None) -> str:
    # An empty template must still be given, otherwise Chromium prints date and title.
    return _HEADER.format(text=html_lib.escape(text or ""))


class PdfPrinter:
    """One headless Chromium kept for a worker's lifetime; one page reused for every report.

    ::

        with PdfPrinter(header="ARS — Évaluation CAQES 2018") as printer:
            for html, out in reports:
                printer.print(html, out)

    The browser is restarted when it crashed or disconnected (the report is retried once),
    and the page is renewed every ``recycle_after`` reports.
    """

    def __init__(
        self,
        header: str | None = None,
        footer: str | None = None,
        *,
        executable_path: str = CHROMIUM_PATH,
        extra_args: tuple[str, ...] = (),
        timeout_ms: float = 60_000,
        recycle_after: int = 200,
    ):
        self.header = header
        self.footer = footer
        self.executable_path = executable_path
        self.args = [*CHROMIUM_ARGS, *extra_args]
        self.timeout_ms = timeout_ms
        self.recycle_after = recycle_after
        self.printed = 0
        self.launches = 0
        self._pw: Any = None
        self._pw_cm: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._page_uses = 0

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def browser(self) -> Any:
        return self._browser

    def start(self) -> None:
        """Start Playwright's driver and the browser (no-op when running)."""
        if self._browser is not None and self._browser.is_connected():
            return
        from playwright.sync_api import sync_playwright

        if self._pw is None:
            self._pw_cm = sync_playwright()
            self._pw = self._pw_cm.start()
        self._browser = self._pw.chromium.launch(
            executable_path=self.executable_path,
            args=self.args,
            headless=True,
            timeout=self.timeout_ms,
        )
        self.launches += 1
        self._new_page()

    def _new_page(self) -> None:
        if self._page is not None:
            try:
                self._page.close()
            except Exception as exc:
                log.debug("ignoré : %r", exc)
        context = self._browser.contexts[0] if self._browser.contexts else None
        if context is None:
            # No network for the report: every request is answered locally or blocked.
            context = self._browser.new_context(offline=True, java_script_enabled=False)
        self._page = context.new_page()
        self._page.set_default_timeout(self.timeout_ms)
        self._page_uses = 0

    def _close_browser(self) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        except Exception as exc:
            log.debug("ignoré : %r", exc)
        self._browser = self._page = None

    def _restart(self) -> None:
        log.warning("redémarrage de Chromium")
        self._close_browser()
        try:
            self.start()
        except Exception:
            # The driver itself may be gone: start everything anew.
            self._stop_driver()
            self.start()

    def render(self, html: str, *, header: str | None = None, footer: str | None = None) -> bytes:
        """The PDF of ``html`` as bytes."""
        if self._browser is None:
            self.start()
        for attempt in (1, 2):
            try:
                if not self._browser.is_connected():
                    raise RuntimeError("Chromium déconnecté")
                if self._page_uses >= self.recycle_after or self._page.is_closed():
                    self._new_page()
                self._page.set_content(html, wait_until="load")
                pdf = self._page.pdf(
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template=_header(header if header is not None else self.header),
                    footer_template=_footer(footer if footer is not None else self.footer),
                    margin=PDF_MARGINS,
                    prefer_css_page_size=False,
                )
                self._page_uses += 1
                self.printed += 1
                return pdf
            except Exception:
                if attempt == 2:
                    raise
                self._restart()
        raise AssertionError("unreachable")  # pragma: no cover

    def print(
        self,
        html: str,
        out: str | os.PathLike[str],
        *,
        header: str | None = None,
        footer: str | None = None,
    ) -> Path:
        """Print ``html`` to the PDF file ``out`` (written atomically)."""
        return write_atomic(out, self.render(html, header=header, footer=footer))

    def _stop_driver(self) -> None:
        try:
            if self._pw_cm is not None:
                self._pw_cm.__exit__(None, None, None)
        except Exception as exc:
            log.debug("ignoré : %r", exc)
        self._pw = self._pw_cm = None

    def close(self) -> None:
        """Close the browser and Playwright's driver."""
        self._close_browser()
        self._stop_driver()


def chromium_available(executable_path: str = CHROMIUM_PATH) -> bool:
    """Whether the Chromium binary is there (tests skip the PDF part without it)."""
    return Path(executable_path).exists() or shutil.which(executable_path) is not None
