"""Second-generation campaigns (contracts from 1 July 2022): incentive only, savings against the
previous year, the shipped caqes-2022.yml, and the gen-2 ``caqes score``."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CampaignError, CaqesError
from caqes_toolkit.evaluation.money import INCENTIVE_COLUMNS, VOLET_COLUMNS, evaluate_volets, incentive_table
from caqes_toolkit.rules.campaign import load_campaign

from .campaigns import incentive, volet
from .conftest import ROOT, TINY, make_dataset, write_campaign

CAMPAIGN_2022 = ROOT / "params" / "caqes-2022.yml"
SAMPLE_2022 = ROOT / "data" / "exemple-2022"
SAMPLE_CAMPAIGN = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
F, G = "010000016", "020000014"

def gen2_yaml(part: str = "25", taux: str = "-5") -> str:
    """One volet: IPP expenses at ``taux`` %/an (référentiel: fewer than 8 500 boxes), the boxes
    measured, a binary plan; ``part`` % of the savings paid."""
    return incentive(volet(
        "produits_sante", "Produits de santé",
        f'{{code: IPP, libelle: "Dépenses d\'IPP", portee: national, regle: depense, poste: ipp, taux_cible: {taux}, '
        'reference: annee_precedente, referentiel: [{indicateur: IPP_BOITES, inferieur_a: 8500}]}',
        '{code: IPP_BOITES, libelle: "Boîtes d\'IPP", portee: national, regle: mesure, unite: "boîtes"}',
        '{code: R1, libelle: "Plan d\'actions", portee: regional, regle: binaire, sens: hausse}',
        part_interessement=part, source='"test"'), name="test-gen2")


def gen2(tmp_path, part="25", taux="-5", extra=""):
    return load_campaign(write_campaign(tmp_path, gen2_yaml(part, taux) + extra))


def dataset(contracts, expenses, results=()):
    es = [(F, "Établissement F", "R", "MCO", True), (G, "Établissement G", "R", "MCO", True)]
    data = make_dataset(es, list(results) or [(F, 2023, "IPP_BOITES", "12000")])
    c = pd.DataFrame(contracts, columns=["finess", "volet", "date_debut", "date_fin"])
    c["date_debut"], c["date_fin"] = pd.to_datetime(c["date_debut"]), pd.to_datetime(c["date_fin"])
    e = pd.DataFrame(expenses, columns=["finess", "annee", "poste", "montant"]).astype(
        {"annee": "int64", "montant": float})
    return replace(data, contracts=c, expenses=e)


CONTRACT = [(F, "produits_sante", "2022-07-01", "2027-06-30")]
WORKED = [(F, 2022, "ipp", 200_000), (F, 2023, "ipp", 185_000)]


def test_worked_example_second_generation(tmp_path):
    """IPP 200 000 € in 2022, 185 000 € in 2023, x = −5 %: objective 200 000 × 0.95 = 190 000 €,
    savings 200 000 − 185 000 = 15 000 €, growth 100 × (185/200 − 1) = −7.5 %; A = 1 (R1 oui),
    part 25 % → 0.25 × 15 000 × 1 = 3 750 €; never a reversement nor a sanction."""
    data = dataset(CONTRACT, WORKED, [(F, 2023, "R1", "oui")])
    result = evaluate_volets(data, gen2(tmp_path), 2023)
    line = result.rows[result.rows["indicateur"] == "IPP"].iloc[0]
    assert line["annee_reference"] == 2022
    assert line["objectif"] == pytest.approx(190_000, abs=0.005)
    assert line["economies"] == pytest.approx(15_000, abs=0.005)
    assert line["evolution"] == pytest.approx(-7.5, abs=1e-9)
    assert line["atteinte"] == 100
    assert line["interessement"] == pytest.approx(3_750, abs=0.005)
    assert np.isnan(line["reversement_max"]) and line["sanction_proposee"] is None
    total = result.rows[result.rows["indicateur"] == ""].iloc[0]
    assert total["interessement"] == pytest.approx(3_750, abs=0.005) and np.isnan(total["reversement_max"])
    scores = incentive_table([result], data)
    assert list(scores.columns) == list(INCENTIVE_COLUMNS)
    assert scores.to_dict("records") == [{"finess": F, "raison_sociale": "Établissement F", "annee": 2023,
                                          "volets": "produits_sante", "interessement_total": 3750.0}]


def test_regional_objective_not_met_gives_no_interessement(tmp_path):
    """R1 non: A = 0 → intéressement 0 € (savings still 15 000 €)."""
    data = dataset(CONTRACT, WORKED, [(F, 2023, "R1", "non")])
    line = evaluate_volets(data, gen2(tmp_path), 2023).rows.iloc[0]
    assert line["economies"] == 15_000 and line["interessement"] == 0


def test_generation_2_is_never_sanctioned(tmp_path):
    camp = gen2(tmp_path)
    assert camp.generation == 2 and camp.without_sanction and camp.t0_year is None and not camp.indicators


@pytest.mark.parametrize(("extra_volet", "top", "key"), [
    ("    part_reversement: 100\n", "", "part_reversement"),
    ("    seuil_atteinte: 50\n", "", "seuil_atteinte"),
    ("    plafond: 1\n", "", "plafond"),
    ("", "seuil_sanction: 80\n", "seuil_sanction"),
    ("", "sanction: {plafond_pct_produits_am: 1}\n", "sanction"),
    ("", "classes: {A: 80, E: 0}\n", "classes"),
    ("", "annee_t0: 2021\n", "annee_t0"),
    ("", "sans_sanction: false\n", "sans_sanction"),
])
def test_second_generation_refuses_a_sanction(tmp_path, extra_volet, top, key):
    text = gen2_yaml().replace('    source: "test"\n', '    source: "test"\n' + extra_volet)
    path = write_campaign(tmp_path, top + text)
    with pytest.raises(CampaignError) as err:
        load_campaign(path)
    assert f"{key} :" in str(err.value) and "deuxième génération" in str(err.value)


def test_second_generation_refuses_the_contract_start_reference(tmp_path):
    text = gen2_yaml().replace("reference: annee_precedente", "reference: debut_contrat")
    with pytest.raises(CampaignError, match=r"\(code IPP\)\.reference : 'debut_contrat' refusé"):
        load_campaign(write_campaign(tmp_path, text))


def test_first_generation_still_requires_its_socle(tmp_path):
    text = TINY.replace("annee_t0: 2017\n", "").replace(
        "seuil_sanction: 80\n", "")
    with pytest.raises(CampaignError, match=r"absente.*annee_t0, seuil_sanction"):
        load_campaign(write_campaign(tmp_path, text))


def test_shipped_2022_campaign():
    """The seven national référentiels with the thresholds and rates of the arrêté du 23/02/2022;
    what was not found is empty, and so is every part_interessement."""
    c = load_campaign(CAMPAIGN_2022)
    assert c.generation == 2 and c.year is None
    refs = {i.code: i for _, i in c.with_referentiel}
    assert list(refs) == ["IPP", "PERFADOM", "EZETIMIBE", "PANSEMENTS", "AMBULANCE", "EPA", "RH_IC"]
    conditions = {code: [(k.indicator or k.expense, k.below) for k in i.referentiel] for code, i in refs.items()}
    assert conditions["IPP"] == [("IPP_BOITES", 8500)]
    assert conditions["PERFADOM"] == [("perfadom", 100_000), ("PERFADOM_PART", 80)]
    assert conditions["AMBULANCE"] == [("AMBULANCE_PART", 20), ("ambulance", 400_000)]
    for code in ("EZETIMIBE", "PANSEMENTS", "EPA", "RH_IC"):
        assert all(below is None for _, below in conditions[code]), code
    assert refs["IPP"].target_rate == -5 and refs["PERFADOM"].target_rate == -5
    for code in ("EZETIMIBE", "PANSEMENTS", "AMBULANCE", "EPA"):
        assert refs[code].target_rate is None, code
    assert all(v.share_savings is None for v in c.volets)
    assert all(i.reference == "annee_precedente" for v in c.volets for i in v.expenses)
    assert all(k.source for _, i in c.with_referentiel for k in i.referentiel)


def test_empty_rate_refused_naming_indicator_and_key(tmp_path):
    data = dataset(CONTRACT, WORKED)
    with pytest.raises(CaqesError, match=r"IPP.*taux_cible"):
        evaluate_volets(data, gen2(tmp_path, taux=""), 2023)


def test_empty_share_refused_naming_the_key(tmp_path):
    data = dataset(CONTRACT, WORKED)
    with pytest.raises(CaqesError, match=r"produits_sante.*part_interessement"):
        evaluate_volets(data, gen2(tmp_path, part=""), 2023)


def test_empty_parameters_of_a_volet_without_contract_do_not_stop(tmp_path):
    data = dataset([], WORKED)
    assert evaluate_volets(data, gen2(tmp_path, part="", taux=""), 2023).rows.empty


def test_shipped_campaign_refuses_to_compute():
    data = dataset(CONTRACT, WORKED)
    with pytest.raises(CaqesError, match=r"EZETIMIBE.*taux_cible"):
        evaluate_volets(data, load_campaign(CAMPAIGN_2022), 2023)


runner = CliRunner()


def test_cli_score_second_generation(tmp_path):
    s, v = tmp_path / "s.csv", tmp_path / "v.csv"
    res = runner.invoke(app, ["score", str(SAMPLE_2022), "--campaign", str(SAMPLE_CAMPAIGN), "--year", "2023",
                              "--out", str(s), "--volets", str(v)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(s.open(encoding="utf-8")))
    assert list(rows[0]) == list(INCENTIVE_COLUMNS)
    assert list(next(csv.reader(v.open(encoding="utf-8")))) == list(VOLET_COLUMNS)
    songe = next(r for r in rows if r["raison_sociale"] == "Centre hospitalier de Songe-sur-Mer")
    assert (songe["annee"], songe["volets"], float(songe["interessement_total"])) == ("2023", "produits_sante", 3750)
    # one row per establishment with a contract in force: the three contracted ones only
    assert len(rows) == 3 and len({r["finess"] for r in rows}) == 3


def test_cli_score_xlsx_and_refusal(tmp_path):
    s = tmp_path / "s.xlsx"
    res = runner.invoke(app, ["score", str(SAMPLE_2022), "--campaign", str(SAMPLE_CAMPAIGN), "--year", "2023",
                              "--out", str(s)])
    assert res.exit_code == 0, res.output
    table = pd.read_excel(s, dtype={"FINESS": str})  # for people: French headers, the volets by their label
    assert list(table.columns) == ["FINESS", "Raison sociale", "Année", "Contrats en vigueur",
                                   "Intéressement estimé total (€)"]
    labels = {v.code: v.label for v in load_campaign(SAMPLE_CAMPAIGN).volets}
    both = table.set_index("FINESS").loc["690002027", "Contrats en vigueur"]
    assert both.replace("\u202f", " ") == f"{labels['produits_sante']} ; {labels['transports']}".replace("\u202f", " ")
    machine = tmp_path / "s.csv"  # for programs: the machine columns and codes
    assert runner.invoke(app, ["score", str(SAMPLE_2022), "--campaign", str(SAMPLE_CAMPAIGN), "--year", "2023",
                               "--out", str(machine)]).exit_code == 0
    assert list(pd.read_csv(machine).columns) == list(INCENTIVE_COLUMNS)
    assert pd.read_csv(machine, dtype=str).set_index("finess").loc["690002027", "volets"] == "produits_sante, transports"
    national = tmp_path / "donnees"  # the sample without its regional objectives, under the national file
    shutil.copytree(SAMPLE_2022, national)
    lines = (national / "resultats.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (national / "resultats.csv").write_text("".join(k for k in lines if "_R" not in k), encoding="utf-8")
    out = tmp_path / "refus.csv"
    res = runner.invoke(app, ["score", str(national), "--campaign", str(CAMPAIGN_2022), "--year", "2023",
                              "--out", str(out)])
    assert res.exit_code == 1 and not out.exists()
    assert "taux_cible" in res.output and "Traceback" not in res.output


def test_validate_second_generation_tables(tmp_path):
    """An unknown poste, an unknown volet and a référentiel value that is not a number are faults
    naming file, line, column and value."""
    from caqes_toolkit.data.validation import validate

    data = tmp_path / "donnees"
    shutil.copytree(SAMPLE_2022, data)
    with (data / "depenses.csv").open("a", encoding="utf-8") as f:
        f.write("380001016,2023,pansement,1000\n")
    with (data / "contrats.csv").open("a", encoding="utf-8") as f:
        f.write("380001016,produit_sante,2022-07-01,\n")
    with (data / "resultats.csv").open("a", encoding="utf-8") as f:
        f.write("260003033,2022,IPP_BOITES,beaucoup\n")
    faults = {(f.source, f.column, f.value): f for f in validate(data, load_campaign(SAMPLE_CAMPAIGN))}
    expense_lines = sum(1 for _ in (data / "depenses.csv").open(encoding="utf-8"))
    assert faults[("depenses.csv", "poste", "pansement")].line == expense_lines
    assert "perfadom" in faults[("depenses.csv", "poste", "pansement")].expected
    assert faults[("contrats.csv", "volet", "produit_sante")].severity == "erreur"
    assert faults[("resultats.csv", "valeur", "beaucoup")].severity == "erreur"
