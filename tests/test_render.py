"""Execution (warm kernel vs fresh Papermill) and rendering (HTML, PDF) of report notebooks.

Fast tests build notebooks in memory; the ones marked ``slow`` start kernels and Chromium.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import nbformat
import pytest
import zmq
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from caqes_toolkit.outputs import write_atomic
from caqes_toolkit.run.render import (
    chromium_available,
    notebook_to_html,
    strip_external_resources,
)

DATA = Path(__file__).parent / "data"
TOY = DATA / "toy_report.ipynb"
PARAMS = {"finess": "123456789", "annee": 2019, "raison_sociale": "Centre hospitalier d'essai"}
HEADER = "ARS — Évaluation CAQES 2019"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# 1x1 transparent PNG
PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

needs_chromium = pytest.mark.skipif(not chromium_available(), reason="Chromium absent")


# --------------------------------------------------------------------------- helpers
def _remote_loads(html: str) -> list[str]:
    """Every attribute that would make a browser fetch something from the network, and every
    script (inline or not)."""
    found = re.findall(
        r"""<(?!a\b)[a-z]+\b[^>]*\b(?:src|href|srcset|data|poster)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""",
        html,
        flags=re.IGNORECASE,
    )
    found += re.findall(r"<script\b", html, flags=re.IGNORECASE)
    found += re.findall(r"@import|url\(\s*[\"']?\s*(?:https?:)?//", html, flags=re.IGNORECASE)
    found += re.findall(r"<link\b", html, flags=re.IGNORECASE)
    return found


_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")  # object addresses in reprs ("<… at 0x7f…>")


def _mask_addresses(data: dict) -> dict:
    return {
        mime: _ADDRESS.sub("0x…", value) if isinstance(value, str) else value
        for mime, value in data.items()
    }


def _normalise(nb: nbformat.NotebookNode) -> list[dict]:
    """What a reader of the report sees, cell by cell: sources, execution counts and outputs,
    without timings and other execution metadata."""
    cells = []
    for cell in nb.cells:
        item = {"type": cell.cell_type, "source": cell.source, "tags": cell.metadata.get("tags")}
        if cell.cell_type == "code":
            item["execution_count"] = cell.execution_count
            item["outputs"] = [
                {
                    k: _mask_addresses(v) if k == "data" else v
                    for k, v in out.items()
                    if k not in ("metadata", "transient")
                }
                for out in cell.outputs
            ]
        cells.append(item)
    return cells


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _synthetic_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.cells = [
        new_markdown_cell("# Rapport de démonstration\n\nTexte **important**."),
        new_code_cell(
            "CODE_SECRET = 1\nprint('bonjour')",
            execution_count=1,
            outputs=[
                new_output("stream", name="stdout", text="bonjour\n"),
                new_output("stream", name="stderr", text="AVERTISSEMENT_INTERNE\n"),
            ],
        ),
        new_code_cell(
            "graphique()",
            execution_count=2,
            outputs=[
                new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
                new_output(
                    "execute_result",
                    execution_count=2,
                    data={
                        "text/html": (
                            '<script src="https://cdn.example.org/lib.js"></script>'
                            "<script>document.title='x'</script>"
                            '<link rel="stylesheet" href="https://fonts.example.org/f.css">'
                            '<style>@import url("https://fonts.example.org/g.css"); '
                            ".logo { background: url(https://example.org/bg.png) }</style>"
                            '<img src="https://example.org/logo.png" alt="Logo ARS">'
                            '<iframe src="//example.org/frame"></iframe>'
                            '<table class="dataframe"><tr><td>42</td></tr></table>'
                            '<a href="https://www.ars.sante.fr/">site de l\'ARS</a>'
                        ),
                        "text/plain": "<table>",
                    },
                ),
            ],
        ),
        new_code_cell(
            "widget()",
            execution_count=3,
            outputs=[
                new_output(
                    "display_data",
                    data={"application/javascript": "alert(1)", "text/plain": "js"},
                )
            ],
        ),
    ]
    return nb


# --------------------------------------------------------------------------- fast
def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "rapport.html"
    target.write_text("ancien")
    write_atomic(target, "nouveau é")
    assert target.read_text(encoding="utf-8") == "nouveau é"
    write_atomic(target, b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7"
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]


def test_write_atomic_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "rapport.pdf"
    target.write_bytes(b"ancien")
    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # type: ignore[arg-type]
    assert target.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.pdf"]


def test_html_is_self_contained_french_and_without_code() -> None:
    html = notebook_to_html(_synthetic_notebook(), "Rapport FINESS 999")
    assert re.search(r'<html[^>]*\blang="fr"', html)
    assert "<title>Rapport FINESS 999</title>" in html
    assert _remote_loads(html) == []
    assert "CODE_SECRET" not in html and "graphique()" not in html
    assert "In&nbsp;[" not in html and "Out[" not in html and "In [" not in html
    assert "AVERTISSEMENT_INTERNE" not in html  # stderr stays in the notebook only
    assert "bonjour" in html and "Rapport de démonstration" in html
    assert f"data:image/png;base64,{PNG_1PX}" in html
    assert "[Logo ARS]" in html  # remote image replaced by its alternative text
    assert "<td>42</td>" in html
    assert 'href="https://www.ars.sante.fr/"' in html  # a link is not a load
    assert "alert(1)" not in html
    assert "@page" in html and "break-inside: avoid" in html


def test_html_exporter_is_reused() -> None:
    from caqes_toolkit.run.render import html_exporter

    notebook_to_html(_synthetic_notebook(), "a")
    assert html_exporter() is html_exporter()


def test_report_exporter_is_nbconvert_without_its_closing_pass() -> None:
    """The exporter skips nbconvert's closing BeautifulSoup pass: same document otherwise."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from caqes_toolkit.run.render import html_exporter

    nb = _synthetic_notebook()
    nb.cells.append(new_markdown_cell('<img src="data:image/png;base64,' + PNG_1PX + '">'))
    exporter = html_exporter()
    ours, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "x"}})
    stock, _ = HTMLExporter.from_notebook_node(exporter, nb, resources={"metadata": {"name": "x"}})

    def normalised(html: str) -> str:
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup.find_all(tabindex=True):
            del tag["tabindex"]
        for img in soup.find_all("img", alt=FILLER):
            del img["alt"]
        return str(soup)

    FILLER = "No description has been provided for this image"  # nbconvert's, for an image without text
    assert FILLER in stock and FILLER not in ours  # the comparison is not vacuous
    assert normalised(ours) == normalised(stock)


def test_html_fragments_show_as_html_with_a_short_text_form() -> None:
    from IPython.core.formatters import DisplayFormatter

    from caqes_toolkit.documents.fragments import Html

    data, _ = DisplayFormatter().format(Html("<p>Évaluation</p>"))
    assert data == {"text/html": "<p>Évaluation</p>", "text/plain": "<fragment HTML, 17 caractères>"}


def test_page_margins_quote_their_text() -> None:
    from caqes_toolkit.run.render import with_page_margins

    html = with_page_margins("<html><head><title>t</title></head><body>x</body></html>",
                             header=None, footer='CH « Saint-Jean » "\\ </style><script>')
    style = html[html.index("<style>"):html.index("</style>") + len("</style>")]
    assert html.endswith("</style></head><body>x</body></html>")
    assert style.count("</style>") == 1 and "<script>" not in html
    assert 'content: "CH « Saint-Jean » \\22 \\5c  \\3c /style>\\3c script>"' in style
    assert 'counter(page) " / " counter(pages)' in style
    assert with_page_margins("<p>sans en-tête</p>", "H", "F").startswith("<style>@page")


def test_strip_external_resources_leaves_clean_html_alone() -> None:
    clean = '<html><body><img src="data:image/png;base64,AAAA//8=" alt="x"></body></html>'
    assert strip_external_resources(clean) == clean


def test_report_execution_error_pickles() -> None:
    import pickle

    from caqes_toolkit.run.execute import ReportExecutionError

    err = ReportExecutionError(
        3, 4, "1/0", "ZeroDivisionError", "division", ["tb"], _synthetic_notebook(), {"finess": "1"}
    )
    back = pickle.loads(pickle.dumps(err))
    assert (back.cell_index, back.exec_count, back.ename) == (3, 4, "ZeroDivisionError")
    assert back.parameters == {"finess": "1"} and len(back.nb.cells) == 4


# --------------------------------------------------------------------------- slow
def _execute_all(runs: list[tuple[Path, dict | None, Path | None]]) -> tuple[list, set]:
    """Notebooks run one after the other with the in-process engine (in a child process: the
    kernel takes over the process it runs in): each executed notebook or ReportExecutionError,
    and the TCP sockets the process then has."""
    from caqes_toolkit.run.execute import ReportExecutionError, execute

    results: list = []
    for path, params, cwd in runs:
        try:
            results.append(execute(path, params or {}, cwd=cwd))
        except ReportExecutionError as exc:
            results.append(exc)
    return results, _socket_inodes(os.getpid()) & set(_tcp_sockets())


def _in_child_process(runs: list[tuple[Path, dict | None, Path | None]]) -> list:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        results, tcp = pool.submit(_execute_all, runs).result()
    assert tcp == set()  # no transport at all, not even a loopback listener
    return results


@pytest.fixture(scope="module")
def fresh_nb(tmp_path_factory):
    from caqes_toolkit.run.execute import run_fresh

    out = tmp_path_factory.mktemp("fresh") / "toy.ipynb"
    nb = run_fresh(TOY, out, PARAMS)
    assert out.exists()
    return nb


@pytest.fixture(scope="module")
def warm_runs(tmp_path_factory):
    """In one worker process: a report, the compared report (so that it is not the kernel's
    first), a failing report, the same report again, then two that probe leaks of state."""
    folder = tmp_path_factory.mktemp("fuites")
    first, second = _leak_notebooks(folder)
    return folder, _in_child_process([
        (TOY, {"finess": "987654321", "annee": 2017}, None), (TOY, PARAMS, None),
        (TOY, {**PARAMS, "echec": True}, None), (TOY, PARAMS, None), (first, None, folder), (second, None, folder)])


@pytest.fixture(scope="module")
def warm_nb(warm_runs):
    return warm_runs[1][1]


def _tcp_sockets() -> dict[str, tuple[str, int]]:
    """inode -> (local address in /proc hex notation, local port) of every TCP socket."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port = fields[1].split(":")
            found[fields[9]] = (address, int(port, 16))
    return found


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


@pytest.mark.slow
def test_warm_output_looks_like_papermill(warm_nb, fresh_nb) -> None:
    pm = warm_nb.metadata.papermill
    assert pm["parameters"] == PARAMS
    assert pm["input_path"] == str(TOY)
    assert pm["exception"] is None and pm["duration"] is not None
    assert set(pm) >= set(fresh_nb.metadata.papermill)
    injected = [c for c in warm_nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'finess = "123456789"' in injected[0].source
    assert all(c.metadata.papermill["status"] == "completed" for c in warm_nb.cells)
    assert warm_nb.metadata.language_info["name"] == "python"


@pytest.mark.slow
def test_a_report_made_after_another_is_the_report_made_alone(warm_runs, fresh_nb) -> None:
    _, results = warm_runs
    for warm in (results[1], results[3]):  # after a report, and after a failed one
        assert _normalise(warm) == _normalise(fresh_nb)  # charts drawn by the inline backend included
    # The comparison is not vacuous: the toy report has charts and a table.
    kinds = {k for c in _normalise(results[1]) if c["type"] == "code" for o in c["outputs"] for k in o.get("data", {})}
    assert {"image/png", "text/html", "text/markdown"} <= kinds


def _leak_notebooks(folder: Path) -> tuple[Path, Path]:
    """A report that changes the process state, then one that prints what it sees of it."""
    first = new_notebook(
        cells=[
            new_code_cell(
                "import os, sys, warnings\n"
                "import matplotlib.pyplot as plt, pandas as pd\n"
                "canari = 'rapport 1'\n"
                "plt.rcParams['lines.linewidth'] = 9\n"
                "plt.figure()\n"
                "pd.set_option('display.max_rows', 3)\n"
                "os.environ['CAQES_FUITE'] = '1'\n"
                "sys.path.insert(0, '/nulle/part')\n"
                "warnings.simplefilter('error')\n"
                "os.chdir('/')"
            )
        ]
    )
    second = new_notebook(
        cells=[
            new_code_cell(
                "import os, sys, warnings\n"
                "import matplotlib.pyplot as plt, pandas as pd\n"
                "print('canari' in dir(), plt.rcParams['lines.linewidth'], len(plt.get_fignums()),\n"
                "      pd.get_option('display.max_rows'), 'CAQES_FUITE' in os.environ,\n"
                "      '/nulle/part' in sys.path, warnings.filters[0][0] == 'error', os.getcwd())"
            )
        ]
    )
    for nb in (first, second):
        nb.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(first, folder / "premier.ipynb")
    nbformat.write(second, folder / "second.ipynb")
    return folder / "premier.ipynb", folder / "second.ipynb"


@pytest.mark.slow
def test_state_does_not_leak_between_reports(warm_runs) -> None:
    folder, results = warm_runs
    out = results[5]
    printed = out.cells[0].outputs[0].text.split()
    assert printed == ["False", "1.5", "0", "60", "False", "False", "False", str(folder)]
    assert out.cells[0].execution_count == 1


@pytest.mark.slow
def test_failure_carries_papermill_banner(warm_runs) -> None:
    from papermill.exceptions import PapermillExecutionError

    from caqes_toolkit.run.execute import ReportExecutionError

    err = warm_runs[1][2]
    assert isinstance(err, ReportExecutionError) and isinstance(err, PapermillExecutionError)
    assert err.ename == "ValueError" and "Échec demandé pour 123456789" in err.evalue
    nb = err.nb
    assert "An Exception was encountered at" in nb.cells[0].source
    assert f"In [{err.exec_count}]" in nb.cells[0].source
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.tags
    anchor = [i for i, c in enumerate(nb.cells) if 'id="papermill-error-cell"' in c.source]
    failed = nb.cells[anchor[0] + 1]
    assert failed.metadata.papermill["status"] == "failed"
    assert any(o.output_type == "error" for o in failed.outputs)
    assert nb.metadata.papermill["exception"] is True
    assert nb.metadata.papermill["parameters"]["echec"] is True
    nbformat.validate(nb)


def test_the_engine_is_in_papermills_registry() -> None:
    from importlib.metadata import entry_points

    from papermill.engines import papermill_engines

    from caqes_toolkit.run.engine import ENGINE, InProcessEngine

    assert papermill_engines.get_engine(ENGINE) is InProcessEngine
    declared = {e.name: e.value for e in entry_points(group="papermill.engine")}
    assert declared.get(ENGINE) == "caqes_toolkit.run.engine:InProcessEngine"


def test_no_private_papermill_name_is_used() -> None:
    package = Path(__file__).resolve().parents[1] / "caqes_toolkit"
    private = re.compile(r"papermill\.[a-z_.]*\._|from papermill[\w.]* import [^\n]*\b_\w")
    found = [str(p) for p in package.rglob("*.py") if private.search(p.read_text(encoding="utf-8"))]
    assert found == []
    assert private.search("from papermill.inspection import _infer_parameters")  # the check can fail


@pytest.mark.slow
def test_run_fresh_failure_writes_notebook_with_banner(tmp_path: Path) -> None:
    from caqes_toolkit.run.execute import ReportExecutionError, run_fresh

    out = tmp_path / "echec.ipynb"
    with pytest.raises(ReportExecutionError) as info:
        run_fresh(TOY, out, {"finess": "1", "echec": True})
    saved = nbformat.read(out, as_version=4)
    assert "An Exception was encountered at" in saved.cells[0].source
    assert saved.metadata.papermill["output_path"] == str(out)
    assert info.value.nb.cells[0].source == saved.cells[0].source
    assert [p.name for p in tmp_path.iterdir()] == ["echec.ipynb"]


@pytest.mark.slow
@pytest.mark.skipif(not zmq.has("curve"), reason="pyzmq sans CurveZMQ")
def test_fresh_kernel_is_encrypted_and_quiet(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The one-off kernel's channels are encrypted: ipykernel's English warning about plain
    text over TCP (printed by the kernel process itself) never reaches the analyst."""
    from caqes_toolkit.run.execute import run_fresh

    run_fresh(TOY, tmp_path / "toy.ipynb", PARAMS)

    assert "without encryption" not in capfd.readouterr().err


@pytest.mark.slow
def test_html_of_executed_report(warm_nb, tmp_path: Path) -> None:
    html = notebook_to_html(warm_nb, "Rapport CAQES 123456789")
    assert _remote_loads(html) == []
    assert html.count("data:image/png;base64,") == 2
    assert "FINESS 123456789" in html and "Centre hospitalier d" in html
    assert "import matplotlib" not in html and "scores.style" not in html
    assert 'finess = "123456789"' not in html  # the injected parameters cell is code
    # Every embedded chart decodes to a PNG.
    for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html):
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@needs_chromium
def test_pdf_has_page_numbers_header_and_text(warm_nb, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from caqes_toolkit.run.render import PdfPrinter

    html = notebook_to_html(warm_nb, "Rapport CAQES 123456789")
    out = tmp_path / "rapport.pdf"
    footer = 'FINESS 123456789 — CH « d\'essai » "</style>'
    with PdfPrinter(header=HEADER) as printer:
        printer.print(html, out, footer=footer)
        printer.print(html, out, footer=footer)  # the same page serves several reports
        assert printer.launches == 1
    pages = _pdf_pages(out)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in text
        assert HEADER in text and footer in text
    full = "\n".join(pages)
    assert "FINESS 123456789" in full and "Scores par indicateur" in full
    assert "import " not in full
    box = PdfReader(str(out)).pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2  # A4
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.pdf"]


@pytest.mark.slow
@needs_chromium
def test_pdf_printer_restarts_a_dead_browser(tmp_path: Path) -> None:
    from caqes_toolkit.run.render import PdfPrinter

    html = notebook_to_html(_synthetic_notebook(), "Essai")
    with PdfPrinter() as printer:
        printer.print(html, tmp_path / "a.pdf")
        printer.browser.close()  # as if Chromium had crashed
        printer.print(html, tmp_path / "b.pdf")
        assert printer.launches == 2
    assert "Page 1 / 1" in _pdf_pages(tmp_path / "b.pdf")[0]


@pytest.mark.slow

def test_pdf_pages_helper_reads_text(tmp_path: Path) -> None:
    # Guards the helper the PDF tests rely on: a blank page has no "Page 1 / 1".
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(tmp_path / "blanc.pdf", "wb") as fh:
        writer.write(fh)
    assert _pdf_pages(tmp_path / "blanc.pdf") == [""]
