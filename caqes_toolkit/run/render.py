"""Rendering of executed report notebooks: self-contained HTML, then PDF with Chromium.

* :func:`notebook_to_html` — one self-contained French HTML file (charts as data URIs, no
  script, nothing fetched from the network, no code, no prompts, A4 print stylesheet), from
  nbconvert's ``HTMLExporter`` with the packaged template ``templates/caqes_report.html.j2``.
  The exporter is built once per process (:func:`html_exporter`).
* :class:`PdfPrinter` — one headless Chromium per process (Playwright driving the browser that
  :mod:`~caqes_toolkit.run.browser` finds: Chromium, Chrome or Edge), one reused page:
  ``set_content`` then ``page.pdf`` (A4, footer "Page X / Y", optional header text, drawn by CSS page-margin boxes).
  Restarts the browser when it crashed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from nbformat import NotebookNode

from ..documents.templating import TEMPLATES_DIR
from ..errors import CaqesError
from ..formats import french_spacing_html
from ..outputs import write_atomic
from .browser import default_chromium, missing_message
from .scores import SCORES_MIME

if TYPE_CHECKING:  # heavy imports kept out of module import time
    from nbconvert import HTMLExporter

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_PATH",
    "PdfPrinter",
    "chromium_available",
    "html_exporter",
    "notebook_to_html",
    "strip_external_resources",
    "with_page_margins",
]

log = logging.getLogger(__name__)

TEMPLATE_FILE = "caqes_report.html.j2"

#: The Chromium used: the CAQES_CHROMIUM environment variable, else the first installed at its
#: usual place (:mod:`caqes_toolkit.run.browser`); ``None`` when there is none.
CHROMIUM_PATH = default_chromium()

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

#: Header and footer of every PDF page, in CSS page-margin boxes (CSS Paged Media, Chromium ≥ 131;
#: Debian's is newer): cheaper to print than Chromium's header and footer templates.
_PAGE_STYLE = """<style>@page {{
  @top-right {{ content: {header}; {font} }}
  @bottom-left {{ content: {footer}; {font} }}
  @bottom-right {{ content: "Page " counter(page) " / " counter(pages); {font} }}
}}</style>"""
_PAGE_FONT = "font: 8pt 'Liberation Sans', Arial, sans-serif; color: #555;"


# --------------------------------------------------------------------------- files
# --------------------------------------------------------------------------- HTML
_exporter: HTMLExporter | None = None
_exporter_lock = threading.Lock()


def _make_exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
    from traitlets.config import Config

    class ReportExporter(HTMLExporter):
        """``HTMLExporter`` without its closing BeautifulSoup pass, which re-parses the whole
        document to give an English alternative text to images that lack one and tab stops to
        the cells of JupyterLab's page layout: the report's charts have a French alternative
        text (``fragments.figure`` and the template set it) and its template has no such
        layout. That pass was four fifths of an export. The conversion is the base
        ``TemplateExporter``'s, with the two filters ``HTMLExporter`` registers before it (built
        from nbconvert's public classes and the notebook's own metadata). A test checks that the
        result is the stock exporter's otherwise."""

        def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                               **kw: Any) -> tuple[Any, dict[str, Any]]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            meta = (resources or {}).get("metadata", {})
            # The key by which the widget filter finds the notebook's metadata (name and folder).
            key = os.path.join(meta.get("path", ""), meta.get("name", ""))
            self.register_filter("highlight_code",
                                 self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata={key: nb.metadata}, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    class DropStderr(Preprocessor):
        """Warnings printed on stderr, and the figures a report hands to the batch
        (:data:`~caqes_toolkit.run.scores.SCORES_MIME`), stay in the executed notebook (audit
        log), not in the report."""

        def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any],
                            index: int) -> tuple[NotebookNode, dict[str, Any]]:
            if cell.cell_type == "code" and cell.get("outputs"):
                cell.outputs = [
                    out
                    for out in cell.outputs
                    if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                    and SCORES_MIME not in out.get("data", {})
                ]
            return cell, resources

    config = Config()
    # No code shown: the syntax-highlighting CSS is not needed either.
    config.CSSHTMLHeaderPreprocessor.enabled = False
    config.HighlightMagicsPreprocessor.enabled = False
    # The executed notebook is checked once, after the preprocessors, not after each of them.
    config.Exporter.optimistic_validation = True
    exporter = ReportExporter(
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
    images embedded, no script, no external resource), its text with French spacing.

    ``resources_path`` is the folder against which relative image links of Markdown cells
    are resolved (embedded as data URIs); default: the current folder.
    """
    resources: dict[str, Any] = {"metadata": {"name": title}}
    if resources_path is not None:
        resources["metadata"]["path"] = str(resources_path)
    exporter = html_exporter()
    with _exporter_lock:  # the exporter keeps per-conversion state
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    return french_spacing_html(strip_external_resources(body))


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
        tag["style"] = _CSS_REMOTE.sub("", str(tag["style"]))
    for tag in soup.find_all(background=True):
        if _REMOTE_URL.search(str(tag["background"])):
            del tag["background"]
    return str(soup)


# --------------------------------------------------------------------------- PDF
def _css_string(text: str | None) -> str:
    """``text`` as a CSS string: quotes, backslashes, ``<`` and control characters escaped, so
    that it can neither end the string nor the ``<style>`` element."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\<' or not c.isprintable() else c
                         for c in text or "") + '"'


def with_page_margins(html: str, header: str | None, footer: str | None) -> str:
    """``html`` with its print header (top right), footer (bottom left) and "Page X / Y"."""
    style = _PAGE_STYLE.format(header=_css_string(header), footer=_css_string(footer), font=_PAGE_FONT)
    head_end = re.search(r"</head\s*>", html, re.IGNORECASE)
    if head_end is None:
        return style + html
    return html[: head_end.start()] + style + html[head_end.start():]


class PdfPrinter:
    """One headless Chromium kept for a worker's lifetime; one page reused for every report.

    ::

        with PdfPrinter(header="ARS — Évaluation CAQES 2018") as printer:
            for html, out in reports:
                printer.print(html, out)

    The browser is restarted when it crashed or disconnected (the report is retried once),
    and the page is renewed every :attr:`recycle_after` reports.
    """

    #: Milliseconds allowed to Chromium's start and to each page operation.
    timeout_ms = 60_000
    #: Reports printed on one page before it is replaced by a new one.
    recycle_after = 200

    def __init__(self, header: str | None = None, footer: str | None = None) -> None:
        self.header = header
        self.footer = footer
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

        if not chromium_available():
            raise CaqesError(missing_message())
        if self._pw is None:
            self._pw_cm = sync_playwright()
            self._pw = self._pw_cm.start()
        self._browser = self._pw.chromium.launch(
            executable_path=CHROMIUM_PATH,
            args=list(CHROMIUM_ARGS),
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
                page = with_page_margins(html, header if header is not None else self.header,
                                         footer if footer is not None else self.footer)
                self._page.set_content(page, wait_until="load")
                pdf = self._page.pdf(format="A4", print_background=True, margin=PDF_MARGINS,
                                     prefer_css_page_size=False)
                self._page_uses += 1
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
        return write_atomic(Path(out), self.render(html, header=header, footer=footer))

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


def chromium_available(executable_path: str | None = CHROMIUM_PATH) -> bool:
    """Whether the Chromium binary is there (tests skip the PDF part without it)."""
    return executable_path is not None and (Path(executable_path).exists()
                                            or shutil.which(executable_path) is not None)
