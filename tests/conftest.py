"""Shared fixtures: small hand-made datasets and campaigns whose scores are computed by hand."""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.data.dataset import COLUMNS, MATURITY_STEPS, Dataset
from caqes_toolkit.data.parsers import BAD, NC, value_kinds
from caqes_toolkit.rules.campaign import Campaign, load_campaign

from .campaigns import socle

# The grids' seal key of the test session, never the user's own (the commands run by the tests inherit it)
os.environ["CAQES_CLE_GRILLES"] = str(Path(tempfile.mkdtemp(prefix="caqes-cle-")) / "cle-grilles")

ROOT = Path(__file__).resolve().parents[1]
#: Under make mutation (mutmut sets MUTANT_UNDER_TEST), every mutant reruns the tests of its function:
#: property tests draw fewer examples (their boundaries are drawn first anyway), and the quickest test
#: files run first, so that a killed mutant is known sooner.
MUTATION = "MUTANT_UNDER_TEST" in os.environ


def examples(n: int) -> int:
    """Examples a property test draws: ``n``, or 10 under make mutation."""
    return min(n, 10) if MUTATION else n


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under make mutation, test files by their duration in mutmut's measure (quickest first)."""
    stats = Path("mutmut-stats.json")  # beside the copied tests, in mutants/
    if not MUTATION or not stats.exists():
        return
    per_file: dict[str, float] = defaultdict(float)
    for nodeid, seconds in json.loads(stats.read_text(encoding="utf-8"))["duration_by_test"].items():
        per_file[nodeid.split("::")[0]] += seconds
    items.sort(key=lambda item: per_file[item.nodeid.split("::")[0]])  # stable: a file's order kept


CAMPAIGN_2018 = ROOT / "params" / "caqes-2018.yml"
CAMPAIGN_2019 = ROOT / "params" / "caqes-2019.yml"
SAMPLE = ROOT / "data" / "exemple"


def _results(rows: list[tuple]) -> pd.DataFrame:
    """The rows of resultats or ajustements, each text read by the package's own cell parser."""
    texts = pd.Series([text.strip() for _, _, _, text, *_ in rows], dtype="str")
    kinds, values = value_kinds(texts)
    assert not (kinds == BAD).any(), f"texte illisible dans {texts[kinds == BAD].tolist()}"
    out = [{"finess": finess, "annee": annee, "indicateur": code, "valeur": value, "nc": kind == NC, "brut": text,
            **({"motif": motif[0]} if motif else {})}
           for (finess, annee, code, text, *motif), value, kind in zip(rows, values, kinds, strict=True)]
    return pd.DataFrame(out, columns=COLUMNS["adjustments" if rows and len(rows[0]) == 5 else "results"])


def make_dataset(establishments: list[tuple], results: list[tuple], references: list[tuple] = (),
                 maturity: list[tuple] = (), adjustments: list[tuple] = ()) -> Dataset:
    """Build a validated Dataset from plain tuples (as the loader would normalise them).

    establishments: (finess, raison_sociale, region, activites, liste_en_sus[, produits_am])
    results / adjustments: (finess, annee, indicateur, text[, motif]); references:
    (indicateur, annee, niveau, valeur, region); maturity: (finess, annee, s1, …, s7).
    """
    columns = COLUMNS["establishments"]  # produits_am and courriel, when not given: empty
    es = pd.DataFrame([(*e, *([np.nan] if len(e) == 5 else []), *[""] * (len(columns) - 6)) for e in establishments],
                      columns=columns)
    res = _results(list(results))
    if res.empty:
        res = pd.DataFrame(columns=COLUMNS["results"])
    adj = _results(list(adjustments)) if adjustments else pd.DataFrame(columns=COLUMNS["adjustments"])
    for df in (res, adj):
        df["annee"] = df["annee"].astype("int64")
        df["valeur"] = df["valeur"].astype(float)
        df["nc"] = df["nc"].astype(bool)
    refs = pd.DataFrame(list(references), columns=COLUMNS["references"])
    refs["annee"] = refs["annee"].astype("int64")
    refs["valeur"] = refs["valeur"].astype(float)
    mat = pd.DataFrame(list(maturity), columns=["finess", "annee", *MATURITY_STEPS])
    mat["annee"] = mat["annee"].astype("int64")
    mat[list(MATURITY_STEPS)] = mat[list(MATURITY_STEPS)].astype(float)
    return Dataset(es, res, refs, mat, adj)


#: The indicators of the small test campaign: one of each rule, unit and target kind.
TINY_INDICATORS = (
    '{code: X1, libelle: "Binaire", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: X2, libelle: "Cible", chapitre: 1, portee: national, regle: cible, sens: hausse, cible: 45.5, unite: "%"}',
    '{code: X3, libelle: "Seuils", chapitre: 1, portee: regional, regle: seuils, sens: hausse, seuils: [[50, 0.5], [80, 1.0]], unite: "%"}',
    '{code: M1, libelle: "Maturité", chapitre: 1, portee: regional, regle: maturite, sens: hausse}',
    '{code: P1, libelle: "Psy seulement", chapitre: 1, portee: regional, regle: binaire, sens: hausse, activites: [PSY]}',
    '{code: Y1, libelle: "Baisse", chapitre: 2, portee: regional, regle: cible, sens: baisse, cible: 10, unite: "%"}',
    '{code: Y2, libelle: "Binaire 2", chapitre: 2, portee: national, regle: binaire, sens: hausse}',
    '{code: G1, libelle: "Réf. nationale", chapitre: 3, portee: national, regle: cible, sens: hausse, cible: reference_nationale, unite: "%"}',
    '{code: H1, libelle: "Évolution", chapitre: 4, portee: national, regle: cible, sens: baisse, cible: 4, unite: "%/an"}',
    '{code: H2, libelle: "Réf. régionale", chapitre: 4, portee: regional, regle: cible, sens: baisse, cible: reference_regionale, unite: "%/an"}',
    '{code: L1, libelle: "Liste en sus", chapitre: 5, portee: national, regle: cible, sens: baisse, cible: 3.5, unite: "%/an"}',
)


def tiny_yaml(sans_sanction: str = "false") -> str:
    """The small test campaign: five chapters, the indicators above, a sanction capped at 1 %."""
    return socle(*TINY_INDICATORS, name="test-tiny", sans_sanction=sans_sanction,
                 weights={1: 60, 2: 20, 3: 5, 4: 7, 5: 8}, without_list={1: 60, 2: 20, 3: 8, 4: 12}, cap=1,
                 chapters={1: "Un", 2: "Deux", 3: "Trois", 4: "Quatre", 5: "Cinq"})


TINY = tiny_yaml()


class PlainRunner(CliRunner):
    """A CliRunner whose results read their output with plain spaces (:func:`plain_spaces`)."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        result = super().invoke(*args, **kwargs)
        result.output_bytes = plain_spaces(result.output).encode()
        return result


def plain_spaces(text: str) -> str:
    """``text`` with its no-break spaces (U+202F, U+00A0) as plain spaces, for a test of wording: the
    French spacing of every output has its own tests (test_typography)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def write_campaign(tmp_path: Path, text: str, name: str = "campagne.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny_campaign(tmp_path: Path) -> Campaign:
    return load_campaign(write_campaign(tmp_path, TINY))


@pytest.fixture(scope="session")
def campaign_2018() -> Campaign:
    return load_campaign(CAMPAIGN_2018)


@pytest.fixture(scope="session")
def campaign_2019() -> Campaign:
    return load_campaign(CAMPAIGN_2019)


@pytest.fixture(params=["forkserver", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The local workers started each way (``CAQES_START_METHOD``, which the commands a test runs
    inherit): ``spawn`` is Windows' only way, run here on Linux."""
    from multiprocessing import get_all_start_methods

    if request.param not in get_all_start_methods():
        pytest.skip(f"pas de {request.param} sur ce système")
    monkeypatch.setenv("CAQES_START_METHOD", request.param)
    return request.param
