"""Money of the additional volets: the worked examples computed by hand from the rules."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caqes_toolkit.evaluation import money
from caqes_toolkit.evaluation.money import (
    VOLET_COLUMNS,
    contracts_in_force,
    evaluate_volets,
    volet_table,
    volet_totals,
)
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import TINY_CAMPAIGN, examples, make_dataset, write_campaign

F = "010000016"
G = "020000014"

VOLETS = """
volets:
  - code: transports
    libelle: "Transports"
    part_interessement: 30
    part_reversement: {part_reversement}
    plafond: 1
    source: "test"
    indicateurs:
      - {{code: TR1, libelle: "Dépenses de transports", portee: national, regle: depense,
          poste: transports, taux_cible: {taux}, reference: {reference}, seuil_ciblage: 500000}}
      - {{code: T01, libelle: "Plan transports", portee: regional, regle: binaire, sens: hausse}}
      - {{code: T02, libelle: "Sensibilisation", portee: regional, regle: binaire, sens: hausse}}
      - {{code: T03, libelle: "Part ambulance", portee: regional, regle: mesure, unite: "%"}}
  - code: qualite
    libelle: "Qualité"
    plafond: 1
    seuil_atteinte: 50
    source: "test"
    indicateurs:
      - {{code: Q01, libelle: "IQSS", portee: national, regle: binaire, sens: hausse}}
      - {{code: Q02, libelle: "Part IQSS", portee: regional, regle: cible, sens: hausse, cible: 80, unite: "%"}}
"""


def campaign(tmp_path, sans_sanction="false", taux="2.2", reference="debut_contrat", part_reversement="100"):
    text = TINY_CAMPAIGN.format(sans_sanction=sans_sanction) + VOLETS.format(
        taux=taux, reference=reference, part_reversement=part_reversement)
    return load_campaign(write_campaign(tmp_path, text))


def dataset(contracts, expenses, results=(), income=10_000_000.0):
    es = [(F, "Établissement F", "R", "MCO", True, income), (G, "Établissement G", "R", "MCO", True, income)]
    data = make_dataset(es, [(F, 2019, "X1", "oui"), (G, 2019, "X1", "oui"), *results])
    c = pd.DataFrame(contracts, columns=["finess", "volet", "date_debut", "date_fin"])
    c["date_debut"] = pd.to_datetime(c["date_debut"])
    c["date_fin"] = pd.to_datetime(c["date_fin"])
    e = pd.DataFrame(expenses, columns=["finess", "annee", "poste", "montant"]).astype(
        {"annee": "int64", "montant": float})
    return replace(data, contracts=c, expenses=e)


WORKED = [(F, 2017, "transports", 1_200_000), (F, 2018, "transports", 1_230_000),
          (F, 2019, "transports", 1_250_000)]
OPEN = [(F, "transports", "2018-01-01", None)]


def rows(result, finess=F, total=False):
    r = result.rows
    return r[(r["finess"] == finess) & ((r["indicateur"] == "") == total)].iloc[0]


def test_worked_example(tmp_path):
    """MT_2017 = 1 200 000, MT_2018 = 1 230 000, MT_2019 = 1 250 000, x = 2.2, contract from
    01/01/2018: MTc_2019 = 1 200 000 × 1.022² = 1 253 380.80, savings 3 380.80, growth
    +1.63 %, A = 1, 30 % → 1 014.24 €, targeted (1 250 000 ≥ 500 000)."""
    data = dataset(OPEN, WORKED, [(F, 2019, "T01", "oui"), (F, 2019, "T02", "oui")])
    result = evaluate_volets(data, campaign(tmp_path), 2019)
    line = rows(result)
    assert line["indicateur"] == "TR1" and line["annee_reference"] == 2017
    assert line["objectif"] == pytest.approx(1_253_380.80, abs=0.005)
    assert line["economies"] == pytest.approx(3_380.80, abs=0.005)
    assert line["depassement"] == 0
    assert round(line["evolution"], 2) == 1.63
    assert line["atteinte"] == 100
    assert line["interessement"] == pytest.approx(1_014.24, abs=0.005)
    assert line["ciblage"] is True
    assert line["reversement_max"] == 0 and line["sanction_proposee"] is False
    total = rows(result, total=True)
    assert total["interessement"] == pytest.approx(1_014.24, abs=0.005)
    assert total["ciblage"] is True
    table = volet_table([result], text=True)
    assert table.iloc[0]["objectif"] == "1253380.80" and table.iloc[0]["interessement"] == "1014.24"
    assert table.iloc[0]["evolution"] == "1.63" and table.iloc[0]["ciblage"] == "oui"


def test_achievement_weights_the_interessement(tmp_path):
    """T01 oui, T02 non: A = 1/2 → 30 % × 3 380.80 × 0.5 = 507.12; T03 (mesure) not scored."""
    data = dataset(OPEN, WORKED, [(F, 2019, "T01", "oui"), (F, 2019, "T02", "non"), (F, 2019, "T03", "0")])
    line = rows(evaluate_volets(data, campaign(tmp_path), 2019))
    assert line["atteinte"] == 50
    assert line["interessement"] == pytest.approx(507.12, abs=0.005)


def test_objective_not_reported_counts_zero(tmp_path):
    line = rows(evaluate_volets(dataset(OPEN, WORKED), campaign(tmp_path), 2019))
    assert line["atteinte"] == 0 and line["interessement"] == 0


def test_cascade_with_yearly_rates(tmp_path):
    """1 200 000 × 1.010 × 1.005 = 1 218 060.00; overrun 31 940.00; growth 1.63 % > x_2019 =
    0.5 % → targeted."""
    c = campaign(tmp_path, taux="{2018: 1.0, 2019: 0.5}")
    line = rows(evaluate_volets(dataset(OPEN, WORKED), c, 2019))
    assert line["objectif"] == pytest.approx(1_218_060.00, abs=0.005)
    assert line["depassement"] == pytest.approx(31_940.00, abs=0.005)
    assert line["economies"] == 0 and line["ciblage"] is True
    # reversement = min(100 % × 31 940, 1 % × 10 000 000 = 100 000) = 31 940
    assert line["reversement_max"] == pytest.approx(31_940.00, abs=0.005)
    assert line["sanction_proposee"] is True


def test_missing_yearly_rate_leaves_money_empty(tmp_path):
    c = campaign(tmp_path, taux="{2019: 0.5}")
    result = evaluate_volets(dataset(OPEN, WORKED), c, 2019)
    line = rows(result)
    assert np.isnan(line["objectif"]) and np.isnan(line["economies"]) and line["sanction_proposee"] is None
    assert any(f.column.endswith("taux_cible") and "2018" in f.expected for f in result.warnings)


def test_overrun_capped_and_uncapped(tmp_path):
    """MT_2019 = 1 400 000 against 1 253 380.80: overrun 146 619.20; cap 1 % × 10 000 000 =
    100 000; without produits_am, no cap."""
    spend = [*WORKED[:2], (F, 2019, "transports", 1_400_000)]
    line = rows(evaluate_volets(dataset(OPEN, spend), campaign(tmp_path), 2019))
    assert line["depassement"] == pytest.approx(146_619.20, abs=0.005)
    assert line["reversement_max"] == pytest.approx(100_000.00)
    assert line["sanction_proposee"] is True and line["interessement"] == 0
    line = rows(evaluate_volets(dataset(OPEN, spend, income=np.nan), campaign(tmp_path), 2019))
    assert line["reversement_max"] == pytest.approx(146_619.20, abs=0.005)


def test_part_of_overrun(tmp_path):
    spend = [*WORKED[:2], (F, 2019, "transports", 1_263_380.80)]  # overrun 10 000
    line = rows(evaluate_volets(dataset(OPEN, spend), campaign(tmp_path, part_reversement="50"), 2019))
    assert line["reversement_max"] == pytest.approx(5_000.00, abs=0.005)


def test_without_sanction_no_reversement(tmp_path):
    spend = [*WORKED[:2], (F, 2019, "transports", 1_400_000)]
    result = evaluate_volets(dataset(OPEN, spend), campaign(tmp_path, sans_sanction="true"), 2019)
    line = rows(result)
    assert np.isnan(line["reversement_max"]) and line["sanction_proposee"] is None
    assert line["depassement"] > 0
    table = volet_table([result], text=True)
    assert table.iloc[0]["reversement_max"] == "" and table.iloc[0]["sanction_proposee"] == ""


def test_previous_year_reference(tmp_path):
    """Second generation: 200 000 € in 2018, 185 000 € in 2019, x = −5 %: objective 190 000,
    savings against N−1 = 15 000, growth −7.5 %; A = 1 → 30 % × 15 000 = 4 500."""
    spend = [(F, 2018, "transports", 200_000), (F, 2019, "transports", 185_000)]
    c = campaign(tmp_path, taux="-5", reference="annee_precedente")
    line = rows(evaluate_volets(dataset(OPEN, spend, [(F, 2019, "T01", "oui"), (F, 2019, "T02", "oui")]),
                                c, 2019))
    assert line["annee_reference"] == 2018
    assert line["objectif"] == pytest.approx(190_000)
    assert line["economies"] == pytest.approx(15_000)
    assert line["evolution"] == pytest.approx(-7.5)
    assert line["interessement"] == pytest.approx(4_500)
    assert line["ciblage"] is False  # −7.5 ≤ −5 and 185 000 < 500 000


def test_volet_without_expense_under_its_threshold(tmp_path):
    """Qualité: Q01 non, Q02 = 90 % (target 80 met): A = 50 % → not under 50 %; Q02 = 40 %
    (no T0): A = 0 % < 50 → sanction, maximum 1 % × 10 000 000 = 100 000."""
    contract = [(G, "qualite", "2018-01-01", "2022-12-31")]
    met = evaluate_volets(dataset(contract, [], [(G, 2019, "Q01", "non"), (G, 2019, "Q02", "90")]),
                          campaign(tmp_path), 2019)
    total = rows(met, G, total=True)
    assert total["atteinte"] == 50 and total["sanction_proposee"] is False and total["reversement_max"] == 0
    under = evaluate_volets(dataset(contract, [], [(G, 2019, "Q01", "non"), (G, 2019, "Q02", "40")]),
                            campaign(tmp_path), 2019)
    total = rows(under, G, total=True)
    assert total["atteinte"] == 0 and total["sanction_proposee"] is True
    assert total["reversement_max"] == pytest.approx(100_000)
    assert np.isnan(total["interessement"]) and np.isnan(total["economies"])
    assert len(under.rows) == 1  # no expense line: the total row only
    no_income = evaluate_volets(dataset(contract, [], [(G, 2019, "Q01", "non")], income=np.nan),
                                campaign(tmp_path), 2019)
    total = rows(no_income, G, total=True)
    assert total["sanction_proposee"] is True and np.isnan(total["reversement_max"])


@pytest.mark.parametrize(("start", "end"), [("2017-01-01", "2018-12-31"), ("2020-01-01", None)])
def test_contract_not_in_force(tmp_path, start, end):
    result = evaluate_volets(dataset([(F, "transports", start, end)], WORKED), campaign(tmp_path), 2019)
    assert result.rows.empty
    assert volet_totals([result]).empty


@pytest.mark.parametrize("contracts", [[], [(F, "transports", "2020-01-01", None)]])
def test_no_contract_in_force_returns_the_full_path_frames(tmp_path, contracts):
    """Without a contract in force evaluate_volets returns early: the same columns and (empty)
    tables as the full computation (whose text types follow the input's), and the same files."""
    data, camp = dataset(contracts, WORKED), campaign(tmp_path)
    early = evaluate_volets(data, camp, 2019)
    full = money._evaluate(data, camp, 2019, contracts_in_force(data, camp, 2019))
    for name in ("rows", "objectives", "expenses"):
        pd.testing.assert_frame_equal(getattr(early, name), getattr(full, name), obj=name,
                                      check_dtype=False)
        assert getattr(early, name).dtypes.map(str).isin(["str", "object"]).sum() == (
            getattr(full, name).dtypes.map(str).isin(["str", "object"]).sum())
    assert early.warnings == full.warnings == ()
    for text in (True, False):
        pd.testing.assert_frame_equal(volet_table([early], text), volet_table([full], text))
    pd.testing.assert_frame_equal(volet_totals([early]), volet_totals([full]))


@pytest.mark.parametrize(("start", "end"), [("2019-12-31", None), ("2015-01-01", "2019-01-01")])
def test_contract_in_force_on_one_day(tmp_path, start, end):
    result = evaluate_volets(dataset([(F, "transports", start, end)], WORKED), campaign(tmp_path), 2019)
    assert len(result.rows) == 2


def test_missing_reference_expense(tmp_path):
    result = evaluate_volets(dataset(OPEN, WORKED[1:]), campaign(tmp_path), 2019)
    line = rows(result)
    for column in ("montant_reference", "objectif", "economies", "depassement", "interessement",
                   "reversement_max"):
        assert np.isnan(line[column]), column
    assert line["montant"] == 1_250_000 and line["sanction_proposee"] is None
    assert line["ciblage"] is True  # 1 250 000 ≥ 500 000 is known without the reference
    (fault,) = result.warnings
    assert (fault.severity, fault.column, fault.value) == ("avertissement", "montant", f"{F} / 2017 / transports")
    table = volet_table([result], text=True)
    assert (table.iloc[0][["objectif", "economies", "interessement", "reversement_max"]] == "").all()
    totals = volet_totals([result])
    assert totals["interessement_total"].isna().all() and totals["reversement_max_total"].isna().all()


def test_totals_per_establishment(tmp_path):
    contracts = [*OPEN, (F, "qualite", "2018-01-01", None)]
    data = dataset(contracts, WORKED, [(F, 2019, "T01", "oui"), (F, 2019, "T02", "oui"),
                                       (F, 2019, "Q01", "non")])
    totals = volet_totals([evaluate_volets(data, campaign(tmp_path), 2019)]).set_index("finess")
    # transports: 1 014.24 and reversement 0; qualité: A = 0 < 50 → 100 000
    assert totals.loc[F, "interessement_total"] == pytest.approx(1_014.24, abs=0.005)
    assert totals.loc[F, "reversement_max_total"] == pytest.approx(100_000)


def test_table_columns(tmp_path):
    result = evaluate_volets(dataset(OPEN, WORKED), campaign(tmp_path), 2019)
    for text in (True, False):
        assert tuple(volet_table([result], text=text).columns) == VOLET_COLUMNS


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reference=st.integers(100_000, 3_000_000), previous=st.integers(100_000, 3_000_000),
       spent=st.integers(0, 3_000_000), lower=st.integers(0, 3_000_000),
       kind=st.sampled_from(["debut_contrat", "annee_precedente"]), achieved=st.sampled_from(["oui", "non"]))
def test_lower_spending_never_lowers_the_interessement(tmp_path, reference, previous, spent, lower, kind,
                                                       achieved):
    c = campaign(tmp_path, reference=kind)
    objectives = [(F, 2019, "T01", "oui"), (F, 2019, "T02", achieved)]

    def bonus(amount: float) -> float:
        spend = [(F, 2017, "transports", reference), (F, 2018, "transports", previous),
                 (F, 2019, "transports", amount)]
        return rows(evaluate_volets(dataset(OPEN, spend, objectives), c, 2019))["interessement"]

    assert bonus(max(spent - lower, 0)) >= bonus(spent)
