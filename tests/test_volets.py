"""Additional volets: rules in the campaign file, the contrats and depenses tables, the CLI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.validation import validate
from caqes_toolkit.documents.present import VOLET_LABELS
from caqes_toolkit.errors import CampaignError
from caqes_toolkit.evaluation.money import VOLET_COLUMNS
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE, TINY, write_campaign
from .test_money import volets_yaml

F, G = "010000016", "020000014"


def tiny(tmp_path, **edit):
    text = TINY + volets_yaml()
    for old, new in edit.values():
        assert old in text
        text = text.replace(old, new)
    return write_campaign(tmp_path, text)


# --- rules --------------------------------------------------------------------------------


def test_bundled_campaigns_ship_the_three_volets():
    for path in (CAMPAIGN_2018, CAMPAIGN_2019):
        c = load_campaign(path)
        assert [v.code for v in c.volets] == ["transports", "pertinence", "qualite"]
        transports = c.volet_by_code["transports"]
        (line,) = transports.expenses
        assert (line.expense, line.target_rate, line.reference, line.targeting_threshold) == (
            "transports", 2.2, "debut_contrat", 500_000)
        assert (transports.share_savings, transports.share_overrun, transports.cap_pct_income) == (30, 100, 1)
        assert "[texte]" in transports.source and "[choix]" in transports.source
        assert c.volet_by_code["qualite"].achievement_threshold == 50
        assert all(v.source for v in c.volets)
        assert not set(c.volet_indicators) & set(c.by_code)
    assert load_campaign(CAMPAIGN_2018).without_sanction


@pytest.mark.parametrize(("edit", "message"), [
    (("code: T01", "code: X1"), "codes d'indicateurs en double (socle et volets) : X1"),
    (("code: qualite", "code: transports"), "codes de volets en double : transports"),
    (("poste: transports, ", ""), "TR1 (regle: depense) demande la clé « poste »"),
    (("reference: debut_contrat", "reference: debut"), "volets[0] (code transports).indicateurs[0] (code TR1).reference"),
    (("seuil_atteinte: 50", "seuil_atteint: 50"), "volets[1] (code qualite).seuil_atteint"),
    (("regle: mesure, unite", "regle: mesure, poste: x, unite"), "n'accepte pas « poste »"),
    (("regle: binaire, sens: hausse}\n      - {code: T02", "regle: binaire}\n      - {code: T02"),
     "T01 (regle: binaire) demande la clé « sens »"),
    (("part_interessement: 30", "part_interessement: 130"), "part_interessement"),
])
def test_malformed_volet_names_the_key(tmp_path, edit, message):
    with pytest.raises(CampaignError) as info:
        load_campaign(tiny(tmp_path, edit=edit))
    assert message in str(info.value)


def _without_volets(tmp_path, path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    del raw["volets"]
    return load_campaign(write_campaign(tmp_path, yaml.safe_dump(raw, allow_unicode=True), "sans.yml"))


def test_socle_scores_identical_with_and_without_volets(tmp_path):
    """Volet objectives never enter the socle's chapters, even with values in resultats."""
    with_volets = load_campaign(CAMPAIGN_2019)
    without = _without_volets(tmp_path, CAMPAIGN_2019)
    full, plain = tmp_path / "full", tmp_path / "plain"
    for folder in (full, plain):
        folder.mkdir()
        for f in SAMPLE.glob("*.csv"):
            if folder == full or f.stem not in ("contrats", "depenses"):
                (folder / f.name).write_bytes(f.read_bytes())
    results = pd.read_csv(SAMPLE / "resultats.csv", dtype=str, keep_default_na=False)
    volet_codes = results["indicateur"].isin(with_volets.volet_indicators)
    assert volet_codes.any()
    results[~volet_codes].to_csv(plain / "resultats.csv", index=False)
    es = pd.read_csv(SAMPLE / "etablissements.csv", dtype=str)["finess"]
    extra = "".join(f"{f},2019,{code},{value}\n" for f in es[6:12]
                    for code, value in (("T01", "non"), ("Q01", "oui"), ("Q02", "20"), ("T03", "12")))
    with open(full / "resultats.csv", "a", encoding="utf-8") as fh:
        fh.write(extra)
    a = score(load_dataset(full, with_volets), with_volets)
    b = score(load_dataset(plain, without), without)
    pd.testing.assert_frame_equal(a.establishments, b.establishments)
    pd.testing.assert_frame_equal(a.chapters, b.chapters)
    pd.testing.assert_frame_equal(a.indicators, b.indicators)


# --- data ---------------------------------------------------------------------------------


def region(tmp_path, contrats: str | None = None, depenses: str | None = None, resultats: str = ""):
    folder = tmp_path / "region"
    folder.mkdir(exist_ok=True)
    (folder / "etablissements.csv").write_text(
        "finess,raison_sociale,region,activites,liste_en_sus,produits_am\n"
        f"{F},Établissement F,R,MCO,oui,10000000\n{G},Établissement G,R,MCO,oui,\n", encoding="utf-8")
    (folder / "resultats.csv").write_text(
        f"finess,annee,indicateur,valeur\n{F},2019,X1,oui\n{G},2019,X1,non\n{resultats}", encoding="utf-8")
    if contrats is not None:
        (folder / "contrats.csv").write_text("finess,volet,date_debut,date_fin\n" + contrats, encoding="utf-8")
    if depenses is not None:
        (folder / "depenses.csv").write_text("finess,annee,poste,montant\n" + depenses, encoding="utf-8")
    return folder


def faults_of(tmp_path, **tables):
    return [(f.source, f.line, f.column, f.value, f.severity, f.code)
            for f in validate(region(tmp_path, **tables), load_campaign(tiny(tmp_path)))]


def test_valid_tables_are_typed(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n{G},Qualite,01/01/2018,31/12/2022\n",
                    f"{F},2017,transports,\"1 200 000,00\"\n{F},2018,transports,1\u00a0230\u00a0000\n"
                    f"{F},2019,Transports,\"1\u202f250\u202f000,00 €\"\n",
                    f"{F},2019,T01,oui\n{F},2019,T03,\"12,5 %\"\n")
    data = load_dataset(folder, load_campaign(tiny(tmp_path)))
    assert data.warnings == ()
    assert list(data.contracts["volet"]) == ["transports", "qualite"]
    assert list(data.contracts["date_debut"]) == [pd.Timestamp(2018, 1, 1)] * 2
    assert pd.isna(data.contracts["date_fin"].iloc[0])
    assert data.contracts["date_fin"].iloc[1] == pd.Timestamp(2022, 12, 31)
    assert list(data.expenses["montant"]) == [1_200_000, 1_230_000, 1_250_000]
    assert list(data.expenses["poste"]) == ["transports"] * 3
    assert data.expenses["annee"].dtype == np.int64


def test_absent_tables_are_empty(tmp_path):
    data = load_dataset(region(tmp_path), load_campaign(tiny(tmp_path)))
    assert data.contracts.empty and list(data.contracts.columns) == ["finess", "volet", "date_debut", "date_fin"]
    assert data.expenses.empty and list(data.expenses.columns) == ["finess", "annee", "poste", "montant"]


@pytest.mark.parametrize(("contrats", "expected"), [
    (f"{F},transport,2018-01-01,\n", (2, "volet", "transport", "erreur", "invalid-choice")),
    (f"{F},transports,2018-01-01,2017-12-31\n", (2, "date_fin", "2017-12-31", "erreur", "date-order")),
    (f"{F},transports,2018-13-01,\n", (2, "date_debut", "2018-13-01", "erreur", "type-error")),
    (f"{F},transports,31/02/2018,\n", (2, "date_debut", "31/02/2018", "erreur", "type-error")),
    (f"{F},transports,01-01-2018,\n", (2, "date_debut", "01-01-2018", "erreur", "type-error")),
    (f"{F},transports,,\n", (2, "date_debut", "", "erreur", "blank-cell")),
    (f"{F},transports,2018-01-01,demain\n", (2, "date_fin", "demain", "erreur", "type-error")),
    ("030000012,transports,2018-01-01,\n", (2, "finess", "030000012", "erreur", "unknown-finess")),
    (f"{F},transports,2018-01-01,2023-01-01\n", (2, "date_fin", "2023-01-01", "avertissement", "long-contract")),
    (f"{F},transports,2018-01-01,\n{F},transports,2018-01-01,2019-12-31\n",
     (3, "finess, volet, date_debut", f"{F} / transports / 2018-01-01", "erreur", "duplicate-row")),
    (f"{F},transports,2018-01-01,2020-12-31\n{F},transports,2020-06-01,\n",
     (3, "date_debut", "2020-06-01", "erreur", "overlapping-contracts")),
])
def test_contract_faults(tmp_path, contrats, expected):
    faults = faults_of(tmp_path, contrats=contrats)
    assert [f for f in faults if f[0] == "contrats.csv"] == [("contrats.csv", *expected)]


def test_five_years_exactly_is_fine(tmp_path):
    spent = "".join(f"{F},{y},transports,1000\n" for y in (2017, 2018, 2019))
    assert faults_of(tmp_path, contrats=f"{F},transports,2018-01-01,2022-12-31\n", depenses=spent) == []


@pytest.mark.parametrize(("depenses", "expected"), [
    (f"{F},2019,taxi,100\n", (2, "poste", "taxi", "erreur", "invalid-choice")),
    (f"{F},2019,transports,-1\n", (2, "montant", "-1", "erreur", "out-of-range")),
    (f"{F},2019,transports,beaucoup\n", (2, "montant", "beaucoup", "erreur", "type-error")),
    (f"{F},2019,transports,\n", (2, "montant", "", "erreur", "blank-cell")),
    (f"{F},2019,transports,\"1.250.000,00\"\n", (2, "montant", "1.250.000,00", "erreur", "type-error")),
    (f"{F},19,transports,1\n", (2, "annee", "19", "erreur", "type-error")),
    ("030000012,2019,transports,1\n", (2, "finess", "030000012", "erreur", "unknown-finess")),
    (f"{F},2019,transports,1\n{F},2019,transports,2\n",
     (3, "finess, annee, poste", f"{F} / 2019 / transports", "erreur", "duplicate-row")),
])
def test_expense_faults(tmp_path, depenses, expected):
    assert faults_of(tmp_path, depenses=depenses) == [("depenses.csv", *expected)]


def test_expense_line_values_go_in_depenses_not_resultats(tmp_path):
    faults = faults_of(tmp_path, resultats=f"{F},2019,TR1,1000\n{F},2019,T01,peut-être\n")
    assert [(f[1], f[2], f[3], f[5]) for f in faults] == [(4, "indicateur", "TR1", "unknown-indicator"),
                                                       (5, "valeur", "peut-être", "type-error")]


def test_volets_unknown_to_a_campaign_without_volets(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n", f"{F},2019,transports,1\n")
    plain = load_campaign(write_campaign(tmp_path, TINY, "plain.yml"))
    faults = validate(folder, plain)
    assert [(f.column, f.severity, f.code) for f in faults] == [("volet", "erreur", "invalid-choice"),
                                                                ("poste", "erreur", "invalid-choice")]
    assert "volets" in faults[0].expected


def test_workbook_dates_and_amounts(tmp_path):
    """A date cell of a .xlsx is read as a date; a number cell as an amount."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "etablissements"
    sheet.append(["finess", "raison_sociale", "region", "activites", "liste_en_sus", "produits_am"])
    sheet.append([F, "F", "R", "MCO", "oui", 10_000_000])
    results = book.create_sheet("resultats")
    results.append(["finess", "annee", "indicateur", "valeur"])
    results.append([F, 2019, "X1", "oui"])
    contracts = book.create_sheet("contrats")
    contracts.append(["finess", "volet", "date_debut", "date_fin"])
    contracts.append([F, "transports", dt.datetime(2018, 1, 1), None])
    contracts.append([F, "qualite", "01/01/2018", dt.date(2022, 12, 31)])
    contracts["C2"].number_format = "DD/MM/YYYY"
    expenses = book.create_sheet("depenses")
    expenses.append(["finess", "annee", "poste", "montant"])
    expenses.append([F, 2017, "transports", 1_200_000.5])
    path = tmp_path / "region.xlsx"
    book.save(path)
    data = load_dataset(path, load_campaign(tiny(tmp_path)))
    assert list(data.contracts["date_debut"]) == [pd.Timestamp(2018, 1, 1)] * 2
    assert data.contracts["date_fin"].iloc[1] == pd.Timestamp(2022, 12, 31)
    assert data.expenses["montant"].iloc[0] == 1_200_000.5


# --- command line -------------------------------------------------------------------------


def test_cli_volets_file(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n{G},qualite,2018-01-01,\n",
                    f"{F},2017,transports,1200000\n{F},2018,transports,1230000\n"
                    f"{F},2019,transports,1250000\n",
                    f"{F},2019,T01,oui\n{F},2019,T02,oui\n{G},2019,Q01,non\n")
    camp = tiny(tmp_path)
    runner = CliRunner()
    for suffix in ("csv", "xlsx"):
        out, volets = tmp_path / f"S.{suffix}", tmp_path / f"V.{suffix}"
        result = runner.invoke(app, ["score", str(folder), "-c", str(camp), "-y", "2019", "--out", str(out),
                                     "--volets", str(volets)])
        assert result.exit_code == 0, result.output
        if suffix == "csv":  # for programs: the machine columns and codes
            v = pd.read_csv(volets, dtype=str, keep_default_na=False)
            assert tuple(v.columns) == VOLET_COLUMNS
            assert list(zip(v["finess"], v["volet"], v["indicateur"])) == [
                (F, "transports", "TR1"), (F, "transports", ""), (G, "qualite", "")]
        else:  # for people: French headers, each volet by its label, a contract's total row named so
            v = pd.read_excel(volets, dtype=str, keep_default_na=False)
            assert list(v.columns) == [VOLET_LABELS[c] for c in VOLET_COLUMNS]
            assert list(v.columns[:2]) == ["FINESS", "Année"] and "Objectif (€)" in v.columns
            labels = {volet.code: volet.label for volet in load_campaign(camp).volets}
            assert list(zip(v["FINESS"], v["Volet"], v["Indicateur"])) == [
                (F, labels["transports"], "TR1"), (F, labels["transports"], "total du contrat"),
                (G, labels["qualite"], "total du contrat")]
            v = v.rename(columns={label: code for code, label in VOLET_LABELS.items()})
        line = v.iloc[0]
        assert float(line["objectif"]) == pytest.approx(1_253_380.80)
        assert float(line["interessement"]) == pytest.approx(1_014.24)
        assert (line["ciblage"], line["sanction_proposee"]) == ("oui", "non")
        qualite = v.iloc[2]
        assert qualite["sanction_proposee"] == "oui" and qualite["reversement_max"] == ""  # no produits_am
        assert qualite["economies"] == "" and qualite["interessement"] == ""
        if suffix == "csv":
            assert line["objectif"] == "1253380.80" and line["evolution"] == "1.63"
            s = pd.read_csv(out, dtype={"finess": str})
            assert list(s.columns[-2:]) == ["interessement_total", "reversement_max_total"]
            totals = s.set_index("finess")
            assert totals.loc[F, "interessement_total"] == pytest.approx(1_014.24)
            assert totals.loc[F, "reversement_max_total"] == 0
            assert np.isnan(totals.loc[G, "interessement_total"])
            assert np.isnan(totals.loc[G, "reversement_max_total"])


def test_cli_warns_about_a_missing_expense(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n", f"{F},2019,transports,1250000\n")
    faults = validate(folder, load_campaign(tiny(tmp_path)))
    assert [(f.source, f.column, f.value, f.severity, f.code) for f in faults] == [
        ("depenses.csv", "montant", f"{F} / 2017 / transports", "avertissement", "missing-expense"),
        ("depenses.csv", "montant", f"{F} / 2018 / transports", "avertissement", "missing-expense")]
    result = CliRunner().invoke(app, ["score", str(folder), "-c", str(tiny(tmp_path)), "-y", "2019",
                                      "--out", str(tmp_path / "S.csv"), "--volets", str(tmp_path / "V.csv")])
    assert result.exit_code == 0
    assert result.output.count(f"{F} / 2017 / transports") == 1  # once, though validation and money see it
    v = pd.read_csv(tmp_path / "V.csv", dtype=str, keep_default_na=False)
    assert v.iloc[0]["montant"] == "1250000.00" and v.iloc[0]["objectif"] == "" and v.iloc[0]["economies"] == ""


def test_sample_region_has_contracts_the_script_writes(tmp_path):
    import filecmp
    import subprocess
    import sys

    from .conftest import ROOT

    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample_data.py"), "--out", str(tmp_path)],
                   check=True, cwd=ROOT, capture_output=True)
    for stem in ("contrats", "depenses", "resultats"):
        assert filecmp.cmp(tmp_path / f"{stem}.csv", SAMPLE / f"{stem}.csv", shallow=False), stem
    campaign = load_campaign(CAMPAIGN_2019)
    data = load_dataset(SAMPLE, campaign)
    assert data.warnings == () and len(data.contracts) >= 5 and not data.expenses.empty
