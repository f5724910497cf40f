"""Never a wrong euro: amounts bounded when read, money never infinite, dates in range when read,
campaign values that make money impossible refused, contracts checked even when open-ended, a
phase-1 scores file saying it is provisional. Every case from a generated region."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.tables import MAX_EUROS
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import CampaignError, DataError
from caqes_toolkit.evaluation.money import evaluate_volets
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE, plain_spaces
from .test_money import OPEN
from .test_money import campaign as money_campaign
from .test_money import dataset as money_dataset
from .test_volets import F, G, region, tiny

runner = CliRunner()
SPENT = "".join(f"{F},{y},transports,1000000\n" for y in (2017, 2018, 2019))


def _faults(tmp_path, campaign=None, **tables):
    return [(f.source, f.line, f.column, f.value, f.severity, str(f.code), f.expected)
            for f in validate(region(tmp_path, **tables), load_campaign(campaign or tiny(tmp_path)))]


def _caqes(*args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it: its own process, its whole output (warnings included)."""
    return subprocess.run([sys.executable, "-m", "caqes_toolkit", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


_NEVER = re.compile(r"Traceback|\b(?:-?inf|nan|NaN)\b|RuntimeWarning|Out of bounds|overflow encountered|Error:")


def _clean(output: str) -> None:
    """What a user may never see: a traceback, an infinity, a NaN, numpy's or pandas' English."""
    assert not _NEVER.search(output), output


# --- amounts: a ceiling when read ---------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1.7e308", "1e13", "1000000000000,01", "1 000 000 000 001"])
def test_an_expense_above_the_ceiling_is_refused_at_its_line(tmp_path, amount):
    faults = _faults(tmp_path, contrats=f"{F},transports,2018-01-01,\n",
                     depenses=f"{F},2017,transports,1000\n{F},2018,transports,\"{amount}\"\n")
    bad = [f for f in faults if f[4] == "erreur"]
    assert [f[:6] for f in bad] == [("depenses.csv", 3, "montant", amount, "erreur", "out-of-range")]
    assert "10¹²\u202f€ au plus" in bad[0][6]


def test_the_ceiling_itself_is_accepted_and_gives_finite_money(tmp_path):
    """10¹² € every year, rate 2.2 %: the objective 10¹² × 1.022² = 1 044 484 000 000 € is finite."""
    spent = "".join(f"{F},{y},transports,{MAX_EUROS}\n" for y in (2017, 2018, 2019))
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n", spent)
    camp = tiny(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning either
        result = evaluate_volets(load_dataset(folder, load_campaign(camp)), load_campaign(camp), 2019)
    line = result.rows.iloc[0]
    assert line["objectif"] == pytest.approx(1_044_484_000_000.0)
    assert line["depassement"] == 0 and line["economies"] == pytest.approx(44_484_000_000.0)


def test_produits_am_above_the_ceiling_is_refused(tmp_path):
    folder = region(tmp_path)
    text = (folder / "etablissements.csv").read_text(encoding="utf-8").replace("10000000", "1e300")
    (folder / "etablissements.csv").write_text(text, encoding="utf-8")
    faults = [(f.line, f.column, f.code) for f in validate(folder, load_campaign(tiny(tmp_path)))]
    assert faults == [(2, "produits_am", "out-of-range")]


def test_cli_refuses_an_overflowing_expense_in_french(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n",
                    "".join(f"{F},{y},transports,1.7e308\n" for y in (2017, 2018, 2019)))
    camp = str(tiny(tmp_path))
    checked = _caqes("validate", str(folder), "-c", camp)
    scored = _caqes("score", str(folder), "-c", camp, "-y", "2019", "--out", str(tmp_path / "s.csv"),
                    "--volets", str(tmp_path / "v.csv"))
    for run in (checked, scored):
        assert run.returncode == 1
        assert "erreur [out-of-range] — depenses.csv, ligne 2, colonne « montant »" in plain_spaces(run.stdout + run.stderr)
        _clean(run.stdout + run.stderr)
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "v.csv").exists()


# --- money: never infinite --------------------------------------------------------------------


def test_infinite_money_is_refused_not_written(tmp_path):
    """A Dataset built by hand escapes the reader's ceiling: the money module refuses an
    infinite objective (1.7e308 × 1.022² overflows) instead of writing inf."""
    data = money_dataset(OPEN, [(F, y, "transports", 1.7e308) for y in (2017, 2018, 2019)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as info:
            evaluate_volets(data, money_campaign(tmp_path), 2019)
    (fault,) = info.value.faults
    assert (fault.code, fault.value) == ("non-finite-amount", f"{F} / 2019 / TR1")
    assert fault.column == "volets[transports].indicateurs[TR1].taux_cible"


def test_a_huge_rate_is_refused_by_the_cli_without_inf(tmp_path):
    folder = region(tmp_path, f"{F},transports,2018-01-01,\n", SPENT)
    camp = tiny(tmp_path, rate=("taux_cible: 2.2", "taux_cible: 1e300"))
    run = _caqes("score", str(folder), "-c", str(camp), "-y", "2019", "--out", str(tmp_path / "s.csv"),
                 "--volets", str(tmp_path / "v.csv"))
    assert run.returncode == 1
    assert "[non-finite-amount]" in run.stderr and "taux_cible" in run.stderr
    _clean(run.stdout + run.stderr)
    assert not (tmp_path / "v.csv").exists()


# --- amounts: plausibility warnings -------------------------------------------------------------


def test_a_zero_or_a_millionfold_smaller_expense_gets_a_warning(tmp_path):
    spent = (f"{F},2016,transports,0\n{F},2017,transports,1250\n{F},2018,transports,1250000000\n"
             f"{F},2019,transports,1300000000\n{G},2017,transports,1300\n{G},2018,transports,1250000000\n"
             f"{G},2019,transports,0\n")
    faults = [f for f in _faults(tmp_path, depenses=spent) if f[5] == "implausible-amount"]
    # F 2016: 0 € before positive years; F 2017: 1 250 × 10⁶ ≤ 1 250 000 000 (every later year);
    # G 2017: 1 300 × 10⁶ > 1 250 000 000, and a later 0 is not « a million times above »
    assert [(f[1], f[3], f[4]) for f in faults] == [(2, "0", "avertissement"), (3, "1250", "avertissement")]
    assert "2016" in faults[0][6] and "2017" in faults[1][6]


def test_plausible_expenses_give_no_warning(tmp_path):
    assert _faults(tmp_path, contrats=f"{F},transports,2018-01-01,\n", depenses=SPENT) == []


# --- dates: in range, read without wrapping ------------------------------------------------------


@pytest.mark.parametrize("date", ["01/03/1435", "01/01/1600", "2260-01-01", "9999-12-31", "1999-12-31"])
def test_a_start_date_out_of_range_is_refused_saying_the_range(tmp_path, date):
    faults = _faults(tmp_path, contrats=f"{F},transports,{date},\n", depenses=SPENT)
    assert [f[:6] for f in faults] == [("contrats.csv", 2, "date_debut", date, "erreur", "out-of-range")]
    assert "entre le 01/01/2000 et le 31/12/2100" in faults[0][6]


@pytest.mark.parametrize("end", ["", "9999-12-31", "31/12/9999", "2999-12-31", "31/12/2999"])
def test_no_end_conventions_are_an_open_ended_contract(tmp_path, end):
    folder = region(tmp_path, f"{F},transports,2018-01-01,{end}\n", SPENT)
    data = load_dataset(folder, load_campaign(tiny(tmp_path)))
    assert data.warnings == ()
    assert pd.isna(data.contracts["date_fin"].iloc[0])
    result = evaluate_volets(data, load_campaign(tiny(tmp_path)), 2019)
    assert list(result.rows["volet"]) == ["transports", "transports"]  # in force in 2019


@pytest.mark.parametrize("end", ["2260-01-01", "31/12/2101", "01/01/1435"])
def test_an_end_date_out_of_range_is_refused(tmp_path, end):
    faults = _faults(tmp_path, contrats=f"{F},transports,2018-01-01,{end}\n", depenses=SPENT)
    assert [f[:6] for f in faults] == [("contrats.csv", 2, "date_fin", end, "erreur", "out-of-range")]
    assert "laisser vide" in faults[0][6]


def test_cli_on_dates_out_of_range_is_french(tmp_path):
    folder = region(tmp_path, f"{F},transports,01/03/1435,\n{G},transports,2018-01-01,2260-01-01\n", SPENT)
    run = _caqes("score", str(folder), "-c", str(tiny(tmp_path)), "-y", "2019", "--out", str(tmp_path / "s.csv"))
    assert run.returncode == 1
    assert run.stderr.count("[out-of-range] — contrats.csv") == 2
    _clean(run.stdout + run.stderr)


# --- contracts: an open-ended contract, a volet all declared NC ---------------------------------


def test_an_open_ended_contract_older_than_five_years_gets_the_long_contract_warning(tmp_path):
    """Latest year with results 2019: started 31/12/2014 (five years by 31/12/2019) warned;
    started 01/01/2015 not yet."""
    faults = _faults(tmp_path, contrats=f"{F},transports,2014-12-31,\n{G},transports,2015-01-01,\n")
    long = [f for f in faults if f[5] == "long-contract"]
    assert [(f[1], f[2], f[4]) for f in long] == [(2, "date_fin", "avertissement")]
    assert "31/12/2014" in long[0][6] and "2019" in long[0][6]


def test_a_volet_whose_objectives_are_all_declared_nc_is_named(tmp_path):
    folder = region(tmp_path, f"{F},qualite,2018-01-01,\n{G},qualite,2018-01-01,\n",
                    resultats=f"{F},2019,Q01,NC\n{F},2019,Q02,nc\n{G},2019,Q01,NC\n{G},2019,Q02,90\n")
    camp = tiny(tmp_path)
    result = evaluate_volets(load_dataset(folder, load_campaign(camp)), load_campaign(camp), 2019)
    (warning,) = [w for w in result.warnings if w.code == "all-objectives-nc"]
    assert (warning.source, warning.value, warning.severity) == ("resultats.csv", f"{F} / 2019 / qualite",
                                                                 "avertissement")
    assert "Q01, Q02" in warning.expected and "aucune sanction" in warning.expected
    totals = result.rows.set_index("finess")
    assert totals.loc[F, "atteinte"] == 100 and totals.loc[F, "sanction_proposee"] is False  # the rule stays
    run = runner.invoke(app, ["score", str(folder), "-c", str(camp), "-y", "2019", "--out", str(tmp_path / "s.csv")])
    assert run.exit_code == 0 and "[all-objectives-nc] — resultats.csv" in run.output


# --- campaign values that make money impossible -------------------------------------------------

_TWO_VOLETS = ("      - {code: Q01", "      - {code: Q03, libelle: \"Doublon\", portee: national, regle: depense, "
               "poste: transports, taux_cible: 1, reference: debut_contrat}\n      - {code: Q01")
_SAME_VOLET = ("      - {code: T01", "      - {code: T04, libelle: \"Doublon\", portee: national, regle: depense, "
               "poste: transports, taux_cible: 1, reference: debut_contrat}\n      - {code: T01")


@pytest.mark.parametrize(("edit", "said"), [
    (("taux_cible: 2.2", "taux_cible: -100"),
     "volets[0] (code transports).indicateurs[0] (code TR1).taux_cible : un taux supérieur à −100 %/an"),
    (("taux_cible: 2.2", "taux_cible: {2018: 1, 2019: -250}"),
     "volets[0] (code transports).indicateurs[0] (code TR1).taux_cible : un taux supérieur à −100 %/an est attendu "
     "(année 2019)"),
    (_TWO_VOLETS, "volets[1] (code qualite).indicateurs[0] (code Q03).poste : le poste « transports » est déjà celui "
                  "de volets[0] (code transports).indicateurs[0] (code TR1).poste"),
    (_SAME_VOLET, "volets[0] (code transports).indicateurs[1] (code T04).poste : le poste « transports » est déjà"),
    (("seuil_ciblage: 500000}", "seuil_ciblage: 500000, referentiel: [{poste: taxis, inferieur_a: 3}]}"),
     "volets[0] (code transports).indicateurs[0] (code TR1).referentiel[0].poste : poste « taxis » inconnu"),
    (("seuil_ciblage: 500000}", "seuil_ciblage: 500000, referentiel: [{indicateur: TR1, inferieur_a: 3}]}"),
     "volets[0] (code transports).indicateurs[0] (code TR1).referentiel[0].indicateur : TR1 est un objectif de "
     "dépenses"),
])
def test_campaign_values_that_make_money_impossible_are_refused_naming_the_key(tmp_path, edit, said):
    with pytest.raises(CampaignError) as info:
        load_campaign(tiny(tmp_path, edit=edit))
    assert said in str(info.value)


def test_a_rate_just_above_minus_100_and_the_shipped_campaigns_are_accepted(tmp_path):
    assert load_campaign(tiny(tmp_path, edit=("taux_cible: 2.2", "taux_cible: -99.9"))).volets[0].expenses
    for path in [*(ROOT / "params").glob("*.yml"), ROOT / "data" / "exemple-2022" / "caqes-2022-region-fictive.yml"]:
        load_campaign(path)


# --- phase 1: provisional files ----------------------------------------------------------------


def test_phase_1_scores_and_detail_say_provisional_phase_2_unchanged(tmp_path):
    files = {}
    for phase in ("1", "2"):
        files[phase] = (tmp_path / f"s{phase}.csv", tmp_path / f"d{phase}.csv")
        run = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--phase", phase,
                                  "--out", str(files[phase][0]), "--detail", str(files[phase][1])])
        assert run.exit_code == 0, run.output
    for kind in (0, 1):
        one = pd.read_csv(files["1"][kind], dtype=str, keep_default_na=False)
        two = pd.read_csv(files["2"][kind], dtype=str, keep_default_na=False)
        assert set(one["campagne"]) == {"caqes-2019 (provisoire — phase 1)"}
        assert set(two["campagne"]) == {"caqes-2019"}
        assert list(one.columns) == list(two.columns)
    assert np.isfinite(pd.read_csv(files["1"][0])["score_global"]).all()
