"""One establishment's documents, read together: the report, the action plan, the grid and its row of the
regional synthesis' workbook (first generation), and for the second the report and the workbooks that
exist (volets, targeting), say the same thing — the same scores, targets, priorities, the same list of what
is missing and of who provides it.

Each document is read as its reader reads it (the HTML a report shows, the cells of a workbook) into
« facts »: a key (« score », « cible A04 », « manque G05 », « priorité 1 »…) and the text shown. The
documents of an establishment are compared two by two on the keys they share. A document a generation
gains (the grids and plans of the second generation) is one more reader in :data:`READERS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from itertools import combinations
from pathlib import Path

import openpyxl
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.documents import contracts, sections
from caqes_toolkit.documents import synthesis as regional
from caqes_toolkit.documents.contracts import build_contract_report
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.formats import fmt_euros, fmt_pct

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE, plain_spaces

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
# 094869773: G05 missing (Assurance Maladie); 019480524: D04, E03 its own, A08 the HAS's; 075985697: both
# kinds; 692873086: one of its own; 2A5477391: nothing missing, one priority
FIRST = ["094869773", "019480524", "075985697", "692873086", "2A5477391"]
SECOND = ["380001016", "690002027"]
PROVIDERS = {"l'établissement": "etablissement", "l'Assurance Maladie": "assurance_maladie", "la HAS": "has"}
Facts = dict[str, str]


def _text(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _clean(text: object) -> str:
    return " ".join(plain_spaces(str(text)).split())


def _rows(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- first generation ------------------------------------------------------------------------------
def report_1(finess: str, _: Path) -> Facts:
    """The report: key figures, indicator tables, priorities and the notes on missing values."""
    r = build_report(finess, 2019, SAMPLE, CAMPAIGN_2019)
    facts = {"score": _clean(_text(str(sections.synthesis(r))).select_one(".caqes-kpi-main .caqes-kpi-value").text)}
    for row in _text(str(sections.indicators(r))).select("table.caqes-indicators tbody tr"):
        cells = [_clean(td.get_text(" ")) for td in row.find_all("td")]
        facts[f"cible {cells[0]}"] = cells[3]
    priorities = _text(str(sections.priorities(r)))
    for row in priorities.select("table.caqes-priorities tbody tr"):
        facts[f"priorité {_clean(row.td.text)}"] = _clean(row.select_one(".code").text)
    for note in priorities.select("p.caqes-note"):
        text = _clean(note.text)
        own = re.match(r"Indicateurs? déclarés? par l'établissement, non renseignés? \(comptés? 0\) : ([^.]*)\.", text)
        other = re.match(r"Données? manquantes? de (l'Assurance Maladie|la HAS), comptées? 0 : ([^.]*)\.", text)
        for codes, provider in ((own[1], "etablissement") if own else ("", ""),
                                (other[2], PROVIDERS[other[1]]) if other else ("", "")):
            facts.update({f"manque {code}": provider for code in codes.split(", ") if code})
    return {**facts, **_missing_counts(facts)}


def _missing_counts(facts: Facts) -> Facts:
    """How many values are missing, the establishment's own and those the ARS obtains (the synthesis' counts)."""
    providers = [v for k, v in facts.items() if k.startswith("manque ")]
    own = providers.count("etablissement")
    return {"non renseignés par l'établissement": str(own), "données à obtenir par l'ARS": str(len(providers) - own)}


def plan_1(finess: str, tmp: Path) -> Facts:
    """The action plan: the score of its title, each row's rank, code, target and missing value."""
    result = CliRunner().invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--finess", finess, "--out", str(tmp / "plans")])
    assert result.exit_code == 0, result.output
    rows = _rows(openpyxl.load_workbook(tmp / "plans" / finess / f"plan_actions_{finess}_2019.xlsx")["Plan d'actions"])
    title = _clean(rows[3][0])
    facts = {"score": re.match(r"Score global 2019 : (.*) — classe", title)[1]}
    header = next(k for k, row in enumerate(rows) if row[0] == "Rang")
    for rank, code, _label, _chapter, value, target, *_ in rows[header + 1:]:
        if code is None:
            continue
        if rank <= 5:
            facts[f"priorité {rank}"] = code
        facts[f"cible {code}"] = _clean(target)
        value = _clean(value)
        if value == "non renseigné (compté 0)":
            facts[f"manque {code}"] = "etablissement"
        elif value.startswith("donnée manquante (comptée 0) : à obtenir par l'ARS auprès de "):
            facts[f"manque {code}"] = PROVIDERS[value.rsplit(" auprès de ", 1)[1]]
    return facts


def grid_1(finess: str, tmp: Path) -> Facts:
    """The grid: each indicator's target and, for those the report says missing, who provides it."""
    result = CliRunner().invoke(app, ["grille", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                      "--finess", finess, "--out", str(tmp / "grilles")])
    assert result.exit_code == 0, result.output
    rows = _rows(openpyxl.load_workbook(tmp / "grilles" / f"grille_{finess}_2019.xlsx")["Indicateurs"])
    header = rows[3]
    code, target, source = (header.index(name) for name in ("Code", "Cible ou référence", "Source des données"))
    facts = {}
    reported = report_1(finess, tmp)  # a grid names who provides every value: kept for those missing
    for row in rows[4:]:
        if row[source] is None:  # a chapter's heading
            continue
        facts[f"cible {row[code]}"] = _clean(row[target])
        if f"manque {row[code]}" in reported:
            facts[f"manque {row[code]}"] = {"Établissement": "etablissement", "Assurance Maladie": "assurance_maladie",
                                            "HAS": "has"}[row[source]]
    return facts


@cache
def _synthesis_rows() -> dict[str, dict[str, object]]:
    sheets = regional.workbook_sheets(regional.build_synthesis(2019, SAMPLE, CAMPAIGN_2019))
    return {str(row["FINESS"]): row for row in sheets["Établissements"].to_dict("records")}


def synthesis_1(finess: str, _: Path) -> Facts:
    """The establishment's row of the regional synthesis' workbook: its score and its missing values."""
    row = _synthesis_rows()[finess]
    return {"score": _clean(fmt_pct(row["Score global 2019 (%)"])),
            "non renseignés par l'établissement": str(row["dont déclarés par l'établissement"]),
            "données à obtenir par l'ARS": str(
                row["dont données de l'Assurance Maladie ou de la HAS (à obtenir par l'ARS)"])}


# --- second generation -----------------------------------------------------------------------------
def report_2(finess: str, _: Path) -> Facts:
    """The contract report: each volet's achievement and intéressement, each référentiel's outcome."""
    r = build_contract_report(finess, 2023, SAMPLE_2022, CAMPAIGN_2022)
    facts = {}
    for volet in _text(str(contracts.volets(r))).select("section.caqes-volet"):
        label = _clean(volet.h3.text).removeprefix("Volet « ").removesuffix(" »")
        kpis = {_clean(k.select_one(".caqes-kpi-label").text): _clean(k.select_one(".caqes-kpi-text").text)
                for k in volet.select(".caqes-kpi")}
        facts[f"atteinte {label}"] = kpis["Atteinte des objectifs"]
        facts[f"intéressement {label}"] = kpis["Intéressement estimé"]
    for row in _text(str(contracts.targeting(r))).select("tbody tr"):
        cells = [_clean(td.text) for td in row.find_all("td")]
        facts[f"ciblage {cells[0]}"] = cells[1]
    return facts


def volets_2(finess: str, tmp: Path) -> Facts:
    """``score --volets x.xlsx``: the total row of each contract."""
    out = tmp / "volets.xlsx"
    if not out.exists():
        result = CliRunner().invoke(app, ["score", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023",
                                          "--out", str(tmp / "s.csv"), "--volets", str(out)])
        assert result.exit_code == 0, result.output
    rows = _rows(openpyxl.load_workbook(out).active)
    h = rows[0]
    facts = {}
    for row in rows[1:]:
        if row[h.index("FINESS")] == finess and row[h.index("Indicateur")] == "total du contrat":
            label = row[h.index("Volet")]
            facts[f"atteinte {label}"] = _clean(fmt_pct(row[h.index("Atteinte des objectifs (%)")], 0))
            facts[f"intéressement {label}"] = _clean(fmt_euros(row[h.index("Intéressement estimé (€)")]))
    return facts


def targeting_2(finess: str, tmp: Path) -> Facts:
    """``ciblage x.xlsx``: the establishment's outcome on each référentiel."""
    out = tmp / "ciblage.xlsx"
    if not out.exists():
        result = CliRunner().invoke(app, ["ciblage", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023",
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output
    rows = _rows(openpyxl.load_workbook(out).active)
    h = rows[0]
    return {f"ciblage {row[h.index('Référentiel')]}": row[h.index("Ciblage")] for row in rows[1:]
            if row[h.index("FINESS")] == finess}


#: The documents of each generation, as readers of facts; a document added to a generation is one more entry.
READERS: dict[int, dict[str, Callable[[str, Path], Facts]]] = {
    1: {"rapport": report_1, "plan d'actions": plan_1, "grille": grid_1, "synthèse (classeur)": synthesis_1},
    2: {"rapport": report_2, "volets (classeur)": volets_2, "ciblage (classeur)": targeting_2},
}
ESTABLISHMENTS = [(1, f) for f in FIRST] + [(2, f) for f in SECOND]


@pytest.mark.parametrize(("generation", "finess"), ESTABLISHMENTS)
def test_the_documents_of_an_establishment_agree(generation: int, finess: str, tmp_path: Path) -> None:
    read = {name: reader(finess, tmp_path) for name, reader in READERS[generation].items()}
    for (a, facts_a), (b, facts_b) in combinations(read.items(), 2):
        shared = sorted(set(facts_a) & set(facts_b))
        assert shared or a != "rapport", f"{b} ne dit rien de ce que dit le rapport de {finess}"
        differ = {key: (facts_a[key], facts_b[key]) for key in shared if facts_a[key] != facts_b[key]}
        assert not differ, f"{finess} : {a} et {b} diffèrent : {differ}"
    if generation == 1:  # what is missing: the same list in the report and the plan, each with who provides it
        missing = [{k: v for k, v in read[name].items() if k.startswith("manque ")} for name in ("rapport", "plan d'actions")]
        assert missing[0] == missing[1], finess
        assert [k for k in read["rapport"] if k.startswith("priorité ")] == [
            k for k in read["plan d'actions"] if k.startswith("priorité ")]


def test_known_facts_of_the_sample() -> None:
    """Read by hand in the sample data: G05 of 094869773 comes from the Assurance Maladie (source_donnees) and
    has no value in 2019; 019480524 has D04 and E03 (its own) and A08 (HAS, an IPAQSS) without a value."""
    facts = report_1("094869773", Path())
    assert {k: v for k, v in facts.items() if k.startswith("manque ")} == {"manque G05": "assurance_maladie"}
    assert facts["score"] == "67,2 %"
    facts = report_1("019480524", Path())
    assert {k: v for k, v in facts.items() if k.startswith("manque ")} == {
        "manque D04": "etablissement", "manque E03": "etablissement", "manque A08": "has"}
    assert synthesis_1("019480524", Path())["non renseignés par l'établissement"] == "2"
    assert synthesis_1("019480524", Path())["données à obtenir par l'ARS"] == "1"
    html = str(sections.synthesis(build_report("094869773", 2019, SAMPLE, CAMPAIGN_2019)))
    assert "renseigner" not in html  # G05 is not the establishment's to report
