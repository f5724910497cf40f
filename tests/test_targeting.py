"""Targeting (``caqes ciblage``): second-generation référentiels and first-generation seuil_ciblage."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.evaluation.targeting import TARGETING_COLUMNS, targeting_table
from caqes_toolkit.rules.campaign import load_campaign

from .campaigns import incentive, volet
from .conftest import ROOT, make_dataset, write_campaign
from .test_money import OPEN, WORKED
from .test_money import campaign as first_generation
from .test_money import dataset as first_generation_data

NNBSP = "\u202f"
SAMPLE_2022 = ROOT / "data" / "exemple-2022"
SAMPLE_CAMPAIGN = SAMPLE_2022 / "caqes-2022-region-fictive.yml"


def targeting_yaml(referentiel: str, *more: str) -> str:
    """One volet: PERFADOM expenses at −5 %/an targeted by ``referentiel``, the share PART
    measured, then ``more`` objectives."""
    return incentive(volet(
        "produits_sante", "Produits de santé",
        '{code: PERFADOM, libelle: "Perfusion à domicile", portee: national, regle: depense, poste: perfadom, '
        f'taux_cible: -5, reference: annee_precedente, referentiel: {referentiel}}}',
        '{code: PART, libelle: "Part des systèmes", portee: national, regle: mesure, unite: "%"}',
        *more, part_interessement=25), name="test-ciblage")


#: A complies by the expense, B by the share, C targeted, D à vérifier (expense ≥, share
#: missing), E à vérifier (nothing known).
A, B, C, D, E = "010000016", "020000014", "030000012", "040000010", "050000017"


def campaign(tmp_path, limit="100000"):
    referentiel = f"[{{poste: perfadom, inferieur_a: {limit}}}, {{indicateur: PART, inferieur_a: 80}}]"
    return load_campaign(write_campaign(tmp_path, targeting_yaml(referentiel)))


def data():
    es = [(f, f"Établissement {f[1]}", "R", "MCO", True) for f in (A, B, C, D, E)]
    results = [(A, 2023, "PART", "90"), (B, 2023, "PART", "70"), (C, 2023, "PART", "85,5"),
               (B, 2022, "PART", "95")]  # another year's value never counts
    expenses = pd.DataFrame([(A, 2023, "perfadom", 80_000.0), (B, 2023, "perfadom", 150_000.0),
                             (C, 2023, "perfadom", 12_000_000.0), (D, 2023, "perfadom", 100_000.0),
                             (E, 2022, "perfadom", 50_000.0)],
                            columns=["finess", "annee", "poste", "montant"]).astype({"annee": "int64"})
    return replace(make_dataset(es, results), expenses=expenses)


def test_every_outcome(tmp_path):
    table = targeting_table(data(), campaign(tmp_path), 2023)
    assert list(table.columns) == list(TARGETING_COLUMNS)
    by = table.set_index("finess")
    assert by["cible"].to_dict() == {A: "non", B: "non", C: "oui", D: "a_verifier", E: "a_verifier"}
    assert set(by["referentiel"]) == {"PERFADOM"} and set(by["annee"]) == {2023}
    assert by.loc[A, "raison_sociale"] == "Établissement 1"
    # motif: the values that decided, in French number format
    assert by.loc[A, "motif"] == f"dépense perfadom 80{NNBSP}000{NNBSP}€ < 100{NNBSP}000{NNBSP}€"
    assert by.loc[B, "motif"] == f"PART 70{NNBSP}% < 80{NNBSP}%"
    assert by.loc[C, "motif"] == (f"dépense perfadom 12{NNBSP}000{NNBSP}000{NNBSP}€ ≥ 100{NNBSP}000{NNBSP}€ ; "
                                  f"PART 85,5{NNBSP}% ≥ 80{NNBSP}%")
    assert by.loc[D, "motif"] == f"dépense perfadom 100{NNBSP}000{NNBSP}€ ≥ 100{NNBSP}000{NNBSP}€ ; PART : donnée manquante"
    assert by.loc[E, "motif"] == "dépense perfadom : donnée manquante ; PART : donnée manquante"


def test_a_condition_that_holds_wins_over_missing_data(tmp_path):
    """D's expense under the limit: it complies although its share is missing."""
    table = targeting_table(data(), campaign(tmp_path, limit="100000.01"), 2023)
    assert table.set_index("finess").loc[D, "cible"] == "non"


def test_empty_threshold_refused(tmp_path):
    with pytest.raises(CaqesError, match=r"PERFADOM.*referentiel\[0\]\.inferieur_a"):
        targeting_table(data(), campaign(tmp_path, limit=""), 2023)


def test_shipped_campaign_refuses_to_target():
    with pytest.raises(CaqesError, match=r"EZETIMIBE.*referentiel\[0\]\.inferieur_a"):
        targeting_table(data(), load_campaign(ROOT / "params" / "caqes-2022.yml"), 2023)


def test_first_generation_growth_or_threshold(tmp_path):
    """F spends 1 250 000 € ≥ 500 000 € in 2019 (+1.63 % ≤ 2.2 %): flagged by the threshold only;
    G (470 000 €, +10 %) by its growth only."""
    expenses = [*WORKED, ("020000014", 2018, "transports", 427_272.73), ("020000014", 2019, "transports", 470_000)]
    table = targeting_table(first_generation_data(OPEN, expenses), first_generation(tmp_path), 2019)
    by = table.set_index("finess")
    assert by["cible"].to_dict() == {"010000016": "oui", "020000014": "oui"}
    assert by.loc["010000016", "motif"] == f"dépense transports 1{NNBSP}250{NNBSP}000{NNBSP}€ ≥ 500{NNBSP}000{NNBSP}€"
    assert by.loc["020000014", "motif"] == f"évolution +10{NNBSP}% > 2,2{NNBSP}%/an"
    assert set(by["referentiel"]) == {"TR1"}


runner = CliRunner()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_columns(tmp_path, suffix):
    out = tmp_path / f"ciblage{suffix}"
    res = runner.invoke(app, ["ciblage", str(SAMPLE_2022), "--campaign", str(SAMPLE_CAMPAIGN), "--year", "2023",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    if suffix == ".csv":  # for programs: the machine columns and values
        rows = list(csv.reader(out.open(encoding="utf-8")))
        header, body = rows[0], rows[1:]
        assert header == list(TARGETING_COLUMNS)
        assert {r[4] for r in body} == {"oui", "non", "a_verifier"}
        targeted = "oui"
    else:  # for people: French headers and values
        sheet = openpyxl.load_workbook(out).active
        header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert header == ["FINESS", "Raison sociale", "Année", "Référentiel", "Ciblage", "Valeurs qui décident"]
        assert {r[4] for r in body} == {"ciblé", "non ciblé", "à vérifier"}
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.page_setup.orientation == "landscape"
        targeted = "ciblé"
    songe_ipp = [r for r in body if r[1] == "Centre hospitalier de Songe-sur-Mer" and r[3] == "IPP"]
    assert [r[4] for r in songe_ipp] == [targeted] and "12" in songe_ipp[0][5] and "8" in songe_ipp[0][5]


def test_cli_refuses_an_empty_threshold(tmp_path):
    national = tmp_path / "donnees"  # the sample without its regional objectives, under the national file
    shutil.copytree(SAMPLE_2022, national)
    lines = (national / "resultats.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (national / "resultats.csv").write_text("".join(k for k in lines if "_R" not in k), encoding="utf-8")
    out = tmp_path / "c.csv"
    res = runner.invoke(app, ["ciblage", str(national), "--campaign", str(ROOT / "params" / "caqes-2022.yml"),
                              "--year", "2023", "--out", str(out)])
    assert res.exit_code == 1 and not out.exists() and "Traceback" not in res.output
    assert "EZETIMIBE" in res.output and "referentiel[0].inferieur_a" in res.output
