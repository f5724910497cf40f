"""Finished French in every document a person reads: the text of each one is scanned for a plain space
where French puts a no-break one (inside « », before ; : ! ? and a number's %), for « (s) » instead of a
real plural, and for a code of the data or the campaign (snake_case words, ``True``/``False``, ``nan``,
codes written without their accent such as ``regional``, ``qualite``, ``recue``).

The documents are built as ``caqes`` builds them, without a kernel: each code cell of the report and
synthesis notebooks is run in this process and the HTML it shows is kept (its markdown cells too); the
method document of each generation, the index of a batch and the texts of the workbooks for people are
read as written. The pages' own frame (the HTML template) is scanned by the slow test of
:mod:`tests.test_narrow_screen`, on the files ``caqes`` writes.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import matplotlib
import openpyxl
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.documents.generations import method_document
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.run.batch import Outcome
from caqes_toolkit.run.index import write_index

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE

matplotlib.use("Agg")

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
NOTEBOOKS = ROOT / "notebooks"
FIRST = {"donnees": str(SAMPLE), "campagne": str(CAMPAIGN_2019), "campagne_precedente": str(CAMPAIGN_2018),
         "annee": 2019}
SECOND = {"donnees": str(SAMPLE_2022), "campagne": str(CAMPAIGN_2022), "annee": 2023}
#: The documents built from notebooks: (notebook, parameters). 094869773 misses a value of the Assurance
#: Maladie, 019480524 two of its own and one of the HAS; 380001016 and 690002027 have contracts.
DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "rapport 094869773": ("rapport_etablissement", {**FIRST, "finess": "094869773"}),
    "rapport 094869773, phase 1": ("rapport_etablissement", {**FIRST, "finess": "094869773", "phase": 1}),
    "rapport 019480524": ("rapport_etablissement", {**FIRST, "finess": "019480524"}),
    "rapport 2A5477391 (volets)": ("rapport_etablissement", {**FIRST, "finess": "2A5477391"}),
    "rapport de contrat 380001016": ("rapport_contrat", {**SECOND, "finess": "380001016"}),
    "rapport de contrat 690002027": ("rapport_contrat", {**SECOND, "finess": "690002027"}),
    "synthèse régionale": ("synthese_regionale", FIRST),
    "synthèse régionale, phase 1": ("synthese_regionale", {**FIRST, "phase": 1}),
    "synthèse des contrats": ("synthese_contrats", SECOND),
}

FILE_NAME = re.compile(r"\S+\.(?:xlsx|csv|html|pdf|json|yml|yaml|ipynb|ods)\b")
#: (what is wrong, pattern) on the text a reader sees.
FAULTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("espace ordinaire avant ; : ! ?", re.compile(r"\S [;:!?](?=\s|$)")),
    ("ponctuation collée", re.compile(r"[^\W\d_][;!?](?=\s|$)|[^\W\d_)]:(?=\s)")),
    ("espace ordinaire avant %", re.compile(r"\d %")),
    ("espace ordinaire dans « »", re.compile(r"« | »")),
    ("guillemet sans espace", re.compile(r"«[^\s\u202f\u00a0]|[^\s\u202f\u00a0]»")),
    ("« (s) »", re.compile(r"\(s\)")),
    ("code", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
    ("valeur de programme", re.compile(r"\b(?:True|False|nan|NaN|None)\b")),
    ("code sans accent", re.compile(r"\b(?:regional|regionale|qualite|recue|a_verifier|incomplete)\b")),
)


def faults(html: str) -> list[str]:
    """What is wrong in the text a reader sees of ``html`` (its scripts, styles and code left out),
    each with the words around it."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "code", "pre", "title"]):
        tag.decompose()
    text = FILE_NAME.sub("fichier", soup.get_text("\n"))
    found = []
    for what, pattern in FAULTS:
        for m in pattern.finditer(text):
            found.append(f"{what} : …{text[max(0, m.start() - 30):m.end() + 30]!r}…")
    return found


def run_notebook(name: str, parameters: dict[str, Any]) -> str:
    """The HTML a notebook shows (markdown and each cell's displayed value), run in this process with
    ``parameters`` in place of its own; the cell of the figures for ``caqes reports`` is left out."""
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, Any] = {}
    shown = []
    for cell in cells:
        source = "".join(cell["source"])
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] == "markdown":
            shown.append(f"<div>{source}</div>")
            continue
        if "remove-cell" in tags:
            continue
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), namespace)  # the project's own notebook
        if "parameters" in tags:
            namespace.update(parameters)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
            html = getattr(value, "_repr_html_", None)
            shown.append(html() if html else "")
    return "\n".join(shown)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_documents_read_as_finished_french(document: str) -> None:
    notebook, parameters = DOCUMENTS[document]
    assert faults(run_notebook(notebook, parameters)) == []


@pytest.mark.parametrize("campaign", [CAMPAIGN_2019, ROOT / "params" / "caqes-2022.yml", CAMPAIGN_2022])
def test_the_method_reads_as_finished_french(campaign: Path) -> None:
    assert faults(method_document(load_campaign(campaign)).html) == []


def test_the_index_reads_as_finished_french(tmp_path: Path) -> None:
    outcomes = [Outcome("094869773", "ok", scores={"finess": "094869773", "raison_sociale": "CH « Le Quai »",
                                                   "score_global": 67.2, "classe": "C", "sanction_proposee": True}),
                Outcome("019480524", "failed", error="rendu : délai dépassé")]
    index = write_index(tmp_path, outcomes, campaign="CAQES 2019", year=2019, formats=("html", "pdf"),
                        workbook="scores.xlsx", classes=["A", "B", "C", "D", "E"])
    assert faults(index.read_text(encoding="utf-8")) == []


def _workbook_texts(path: Path) -> str:
    """The texts of the visible sheets of a workbook, one paragraph a cell."""
    book = openpyxl.load_workbook(path)
    return "".join(f"<p>{cell.value}</p>" for sheet in book.worksheets if sheet.sheet_state == "visible"
                   for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str))


@pytest.mark.parametrize(("command", "written"), [
    (["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "-f", "094869773,019480524", "-o", "plans"],
     "plans/*/*.xlsx"),
    (["grille", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "-f", "094869773,2A5477391", "-o", "grilles"],
     "grilles/*.xlsx"),
    (["score", str(SAMPLE), "-c", str(CAMPAIGN_2018), "-c", str(CAMPAIGN_2019), "-y", "2018", "-y", "2019",
      "--out", "scores.xlsx", "--detail", "indicateurs.xlsx", "--volets", "volets.xlsx"], "*.xlsx"),
    (["score", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023", "--out", "scores.xlsx",
      "--volets", "volets.xlsx"], "*.xlsx"),
    (["ciblage", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023", "--out", "ciblage.xlsx"], "*.xlsx"),
])
def test_workbooks_for_people_read_as_finished_french(command: list[str], written: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    books = sorted(tmp_path.glob(written))
    assert books
    for book in books:
        assert faults(_workbook_texts(book)) == [], book.name


def test_the_scan_finds_what_it_looks_for() -> None:
    """Each fault is found, and French as it should be passes."""
    n = "\u202f"
    bad = ["Score : 80 %", "voir « x »", "«x»", "1 établissement(s)", "volet produits_sante", "liste en sus : True",
           "portée regional", "Score: 80", "Vrai !"]
    assert [len(faults(f"<p>{text}</p>")) > 0 for text in bad] == [True] * len(bad)
    good = (f"Score{n}: 80{n}% ; voir «{n}x{n}» ; classeur synthese_regionale_2019.xlsx ; "
            f"https://ars.fr/a?b=c ; 10:30 ; IPAQSS (score, %)").replace(" ;", f"{n};")
    assert faults(f"<p>{good}</p><code>a_b : c</code>") == []
