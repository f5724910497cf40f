"""Individual pluriannual targets (the avenant, table ``cibles``) and proposed trajectories,
checked against values computed by hand from the rule (params/README.md, « Cibles de l'avenant »)."""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.data.dataset import Dataset
from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.validation import validate
from caqes_toolkit.errors import DataError
from caqes_toolkit.evaluation.avenant import step_target
from caqes_toolkit.evaluation.scoring import score
from caqes_toolkit.evaluation.trajectories import TRAJECTORY_COLUMNS, trajectories
from caqes_toolkit.rules.campaign import Campaign, load_campaign

from .conftest import CAMPAIGN_2019, ROOT, make_dataset, write_campaign

# The rule's worked example: C06 (hausse, campaign target 90 %), L02 (baisse, 5.7 %/an), and R1
# whose campaign target is the national reference.
AVENANT_CAMPAIGN = """
campagne: test-avenant
annee: 2019
annee_t0: 2017
seuil_sanction: 80
classes: {A: 80, B: 70, C: 50, D: 30, E: 0}
ponderations:
  avec_liste_en_sus: {1: 60, 2: 20, 3: 5, 4: 7, 5: 8}
  sans_liste_en_sus: {1: 60, 2: 20, 3: 8, 4: 12}
chapitres: {1: "Un", 2: "Deux", 3: "Trois", 4: "Quatre", 5: "Cinq"}
indicateurs:
  - {code: C06, libelle: "Prescription informatisée", chapitre: 1, portee: national, regle: cible, sens: hausse,
     cible: 90, unite: "%"}
  - {code: L02, libelle: "Évolution des DMI", chapitre: 1, portee: national, regle: cible, sens: baisse,
     cible: 5.7, unite: "%/an"}
  - {code: R1, libelle: "Sur référence", chapitre: 1, portee: national, regle: cible, sens: hausse,
     cible: reference_nationale, unite: "%"}
  - {code: B1, libelle: "Binaire", chapitre: 1, portee: national, regle: binaire, sens: hausse}
"""
ES = ("010000001", "CH Avenant", "R", "MCO", True, 1_000_000.0)
OTHER = ("020000002", "CH Autre", "R", "MCO", True, 1_000_000.0)
RESULTS = [
    ("010000001", 2017, "C06", "40"), ("010000001", 2019, "C06", "65"),
    ("010000001", 2017, "L02", "9,0"), ("010000001", 2019, "L02", "8,0"),
    ("010000001", 2017, "R1", "50"), ("010000001", 2019, "R1", "70"),
    ("010000001", 2019, "B1", "oui"),
    ("020000002", 2017, "C06", "40"), ("020000002", 2019, "C06", "65"),
]
REFERENCES = [("R1", 2019, "national", 80.0, "")]


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return load_campaign(write_campaign(tmp_path, AVENANT_CAMPAIGN))


def with_targets(data: Dataset, rows: list[tuple[str, int, str, float]]) -> Dataset:
    table = pd.DataFrame(rows, columns=["finess", "annee", "indicateur", "cible"])
    return replace(data, targets=table.astype({"annee": "int64", "cible": "float64"}))


def indicator(data: Dataset, campaign: Campaign, finess: str = ES[0], year: int = 2019) -> pd.DataFrame:
    table = score(data, campaign, [year]).indicators
    return table[table["finess"] == finess].set_index("indicateur")


def test_worked_example_by_hand(campaign: Campaign) -> None:
    plain = make_dataset([ES, OTHER], RESULTS, REFERENCES)
    avenant = with_targets(plain, [
        ("010000001", 2019, "C06", 60.0), ("010000001", 2019, "L02", 7.68), ("010000001", 2019, "R1", 65.0),
        ("010000001", 2020, "C06", 99.0),  # another year: ignored in 2019
        ("010000001", 2018, "L02", 5.0),
    ])
    before, after = indicator(plain, campaign), indicator(avenant, campaign)
    # C06: with its avenant target 60 % the level is met; under the campaign target alone
    # s = (65 − 40) / (90 − 40) = 0.5
    assert before.loc["C06", "score"] == pytest.approx(0.5)
    assert after.loc["C06", "score"] == 1.0 and after.loc["C06", "statut"] == "atteint"
    # L02 (baisse): target 7.68 not met, P = (9 − 8) / (9 − 7.68); campaign: (9 − 8) / (9 − 5.7)
    assert after.loc["L02", "score"] == pytest.approx(1 / 1.32)
    assert round(after.loc["L02", "score"], 3) == 0.758
    assert before.loc["L02", "score"] == pytest.approx(1 / 3.3)
    # R1: the national reference 80 replaced by 65: met; else (70 − 50) / (80 − 50)
    assert before.loc["R1", "score"] == pytest.approx(2 / 3)
    assert after.loc["R1", "score"] == 1.0
    # what the tables say: the target applied, whether it is the avenant's, the campaign's
    assert after.loc[["C06", "L02", "R1", "B1"], "cible"].tolist()[:3] == [60.0, 7.68, 65.0]
    assert after.loc[["C06", "L02", "R1", "B1"], "cible_avenant"].tolist() == [True, True, True, False]
    assert after.loc[["C06", "L02", "R1"], "cible_campagne"].tolist() == [90.0, 5.7, 80.0]
    assert not before["cible_avenant"].any()
    # global score: chapter 1 alone, four indicators of weight 1 (B1 oui)
    g_after = score(avenant, campaign, [2019]).establishments.set_index("finess").loc[ES[0], "score_global"]
    g_before = score(plain, campaign, [2019]).establishments.set_index("finess").loc[ES[0], "score_global"]
    assert g_after == pytest.approx(100 * (1 + 1 / 1.32 + 1 + 1) / 4)
    assert g_before == pytest.approx(100 * (0.5 + 1 / 3.3 + 2 / 3 + 1) / 4)
    # the other establishment keeps the campaign's target
    assert indicator(avenant, campaign, OTHER[0]).loc["C06", "score"] == pytest.approx(0.5)
    assert not indicator(avenant, campaign, OTHER[0])["cible_avenant"].any()


def test_own_target_of_another_year_is_ignored(campaign: Campaign) -> None:
    plain = make_dataset([ES], RESULTS, REFERENCES)
    later = with_targets(plain, [("010000001", 2020, "C06", 60.0), ("010000001", 2018, "C06", 60.0)])
    assert indicator(later, campaign).loc["C06", "score"] == pytest.approx(0.5)
    assert indicator(later, campaign).loc["C06", "cible"] == 90.0


def test_own_target_where_the_reference_is_missing(campaign: Campaign) -> None:
    """Without its national reference R1 has no campaign target (not applicable); the
    establishment's own target makes it scored."""
    plain = make_dataset([ES], RESULTS)
    assert indicator(plain, campaign).loc["R1", "motif_nc"] == "référence absente"
    own = indicator(with_targets(plain, [("010000001", 2019, "R1", 75.0)]), campaign).loc["R1"]
    assert own["applicable"] and own["score"] == pytest.approx((70 - 50) / (75 - 50))


def test_without_targets_scores_are_unchanged(campaign: Campaign) -> None:
    plain = make_dataset([ES, OTHER], RESULTS, REFERENCES)
    empty = with_targets(plain, [])
    pd.testing.assert_frame_equal(score(plain, campaign, [2019]).establishments,
                                  score(empty, campaign, [2019]).establishments)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t0=st.one_of(st.none(), st.integers(0, 1000).map(lambda n: n / 10)),
       value=st.integers(0, 1000).map(lambda n: n / 10),
       higher=st.integers(0, 1000).map(lambda n: n / 10), lower_by=st.integers(0, 1000).map(lambda n: n / 10))
def test_a_lower_own_target_never_lowers_a_hausse_score(campaign: Campaign, t0: float | None, value: float,
                                                          higher: float, lower_by: float) -> None:
    results = [("010000001", 2019, "C06", str(value))] + ([] if t0 is None else [("010000001", 2017, "C06", str(t0))])
    plain = make_dataset([ES], results)
    lower = max(higher - lower_by, 0.0)
    scores = [indicator(with_targets(plain, [("010000001", 2019, "C06", target)]), campaign).loc["C06", "score"]
              for target in (higher, lower)]
    assert scores[1] >= scores[0]
    assert (scores[1] == 1.0) == (value >= lower)  # the level: the own target met
    if lower <= 90:  # an own target below the campaign's: never a lower score than the campaign's
        assert scores[1] >= indicator(plain, campaign).loc["C06", "score"]


def _with_cibles(tmp_path: Path, cibles: str) -> Path:
    """A one-establishment region of caqes-2019 with the table ``cibles`` given."""
    folder = tmp_path / "donnees"
    folder.mkdir()
    (folder / "etablissements.csv").write_text("finess;raison_sociale;region;activites;liste_en_sus\n"
                                               "750712184;AP-HP;IDF;MCO;oui\n", encoding="utf-8")
    (folder / "resultats.csv").write_text("finess;annee;indicateur;valeur\n750712184;2017;C06;40\n",
                                          encoding="utf-8")
    (folder / "cibles.csv").write_text("finess;annee;indicateur;cible\n" + cibles, encoding="utf-8")
    return folder


def test_bad_rows_of_cibles_each_refused_with_its_code(tmp_path: Path) -> None:
    folder = _with_cibles(
        tmp_path,
        "750712184;2019;C06;60\n"      # 2: good
        "130786049;2019;C06;60\n"      # 3: FINESS not in etablissements
        "750712184;2019;Z99;60\n"      # 4: unknown indicator
        "750712184;2019;A05;60\n"      # 5: rule binaire
        "750712184;2019;C07;101\n"     # 6: above 100 %
        "750712184;2019;C06;61\n"      # 7: duplicate of line 2
        "750712184;2020;C07;6O,5\n"    # 8: not a number
        "750712184;2017;C07;50\n")     # 9: the T0 year
    faults = [f for f in validate(folder, load_campaign(CAMPAIGN_2019)) if f.source == "cibles.csv"]
    found = [(f.line, f.column, str(f.code)) for f in faults if f.severity == "erreur"]
    assert found == [(3, "finess", "unknown-finess"), (4, "indicateur", "unknown-indicator"),
                     (5, "indicateur", "not-a-target"), (6, "cible", "out-of-range"),
                     (7, "finess, annee, indicateur", "duplicate-row"), (8, "cible", "type-error"),
                     (9, "annee", "out-of-range")]
    assert "A05 se note par la règle « binaire »" in faults[2].expected
    with pytest.raises(DataError):
        load_dataset(folder, load_campaign(CAMPAIGN_2019))


def test_targets_typed_as_fractions_are_refused(tmp_path: Path) -> None:
    folder = _with_cibles(tmp_path, "750712184;2019;C06;0,6\n750712184;2020;C06;0,7\n")
    codes = [str(f.code) for f in validate(folder, load_campaign(CAMPAIGN_2019))]
    assert "percent-as-fraction" in codes


def test_cibles_are_read_and_applied(tmp_path: Path) -> None:
    """The table read from a folder (decimal comma, a sheet-like header) changes the score."""
    campaign = load_campaign(write_campaign(tmp_path, AVENANT_CAMPAIGN))
    folder = tmp_path / "donnees"
    folder.mkdir()
    (folder / "etablissements.csv").write_text("finess,raison_sociale,region,activites,liste_en_sus\n"
                                               "010000001,CH Avenant,R,MCO,oui\n", encoding="utf-8")
    (folder / "resultats.csv").write_text("finess,annee,indicateur,valeur\n010000001,2017,C06,40\n"
                                          "010000001,2019,C06,65\n", encoding="utf-8")
    (folder / "Cibles.csv").write_text('FINESS,Année,Indicateur,Cible\n010000001,2019,C06,"60,0"\n',
                                       encoding="utf-8")
    data = load_dataset(folder, campaign)
    assert data.targets[["finess", "annee", "indicateur", "cible"]].values.tolist() == [["010000001", 2019, "C06", 60.0]]
    assert indicator(data, campaign).loc["C06", "score"] == 1.0


# --- proposed trajectories ------------------------------------------------------------------


def test_trajectory_of_the_worked_example(campaign: Campaign) -> None:
    data = make_dataset([ES, OTHER], [*RESULTS, ("020000002", 2017, "L02", "5,0")], REFERENCES)
    table = trajectories(data, campaign)
    mine = table[table["finess"] == ES[0]]
    assert mine[mine["indicateur"] == "C06"][["annee", "cible"]].values.tolist() == [
        [2018, 50.0], [2019, 60.0], [2020, 70.0], [2021, 80.0], [2022, 90.0]]
    # L02 (baisse): 9 − 3.3 × k / 5 = 8.34, 7.68, 7.02, 6.36, 5.7
    assert mine[mine["indicateur"] == "L02"]["cible"].tolist() == [8.3, 7.7, 7.0, 6.4, 5.7]
    assert "R1" not in set(table["indicateur"])  # a reference-valued target: no trajectory
    other = table[table["finess"] == OTHER[0]]
    assert set(other["indicateur"]) == {"C06"}  # L02 5.0 already meets 5.7: no row
    assert list(table.columns[:4]) == list(TRAJECTORY_COLUMNS)


def test_trajectory_horizon_and_missing_t0(campaign: Campaign) -> None:
    data = make_dataset([ES, OTHER], [("010000001", 2017, "C06", "40"), ("020000002", 2017, "C06", "NC"),
                                      ("020000002", 2018, "C06", "10")])
    table = trajectories(data, campaign, horizon=3)
    assert table[["finess", "annee", "cible"]].values.tolist() == [
        ["010000001", 2018, 56.7], ["010000001", 2019, 73.3], ["010000001", 2020, 90.0]]


def _half_away(x: Fraction) -> Fraction:
    """x rounded to one decimal, half away from zero, in exact arithmetic."""
    tenths = abs(x) * 10
    whole = math.floor(tenths + Fraction(1, 2))
    return Fraction(whole if x >= 0 else -whole, 10)


@settings(max_examples=200, deadline=None)
@given(t0=st.integers(-5000, 15000), target=st.integers(-5000, 15000), horizon=st.integers(1, 9),
       step=st.integers(1, 9))
def test_step_target_is_the_formula_rounded_half_away(t0: int, target: int, horizon: int, step: int) -> None:
    """Values typed with two decimals (t0 / 100): the exact t0 + (c − t0) × k / H, rounded."""
    step = min(step, horizon)
    exact = Fraction(t0, 100) + (Fraction(target, 100) - Fraction(t0, 100)) * step / horizon
    assert step_target(t0 / 100, target / 100, step, horizon) == float(_half_away(exact))


def test_step_target_halves_go_away_from_zero() -> None:
    assert step_target(9.0, 5.75, 1, 5) == 8.4  # 8.35 exactly: a float would give 8.349999…
    assert step_target(-9.0, -5.75, 1, 5) == -8.4
    assert step_target(0.0, 0.25, 1, 1) == 0.3  # round() would give 0.2 (half to even)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(0, 1000), min_size=1, max_size=8), horizon=st.integers(1, 7))
def test_trajectories_on_generated_data(campaign: Campaign, values: list[int], horizon: int) -> None:
    """Generated T0 values of C06 (tenths, 0–100 %): a row per year T0 + 1 … T0 + H exactly when t0 < 90,
    each the formula rounded by hand; rising, ending at 90."""
    establishments = [(f"0{k:02d}000001", f"CH {k}", "R", "MCO", True) for k in range(len(values))]
    results = [(es[0], 2017, "C06", str(v / 10)) for es, v in zip(establishments, values, strict=True)]
    table = trajectories(make_dataset(establishments, results), campaign, horizon)
    expected = [[es[0], 2017 + k, float(_half_away(Fraction(v, 10) + (90 - Fraction(v, 10)) * k / horizon))]
                for es, v in sorted(zip(establishments, values, strict=True)) if v < 900
                for k in range(1, horizon + 1)]
    assert table[["finess", "annee", "cible"]].values.tolist() == expected
    for _, rows in table.groupby("finess"):
        assert rows["cible"].is_monotonic_increasing and rows["cible"].iloc[-1] == 90.0


# --- caqes trajectoires -----------------------------------------------------------------------


def _region(tmp_path: Path, name: str = "CH Avenant") -> Path:
    folder, quoted = tmp_path / "donnees", name.replace('"', '""')
    folder.mkdir()
    (folder / "etablissements.csv").write_text("finess,raison_sociale,region,activites,liste_en_sus\n"
                                               f'010000001,"{quoted}",R,MCO,oui\n', encoding="utf-8")
    (folder / "resultats.csv").write_text("finess,annee,indicateur,valeur\n010000001,2017,C06,40\n"
                                          "010000001,2017,L02,\"9,0\"\n", encoding="utf-8")
    return folder


def test_trajectoires_command_writes_the_cibles_table(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, AVENANT_CAMPAIGN)
    folder, out = _region(tmp_path), tmp_path / "cibles.csv"
    result = CliRunner().invoke(app, ["trajectoires", str(folder), "--campaign", str(campaign), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "10 cibles proposées pour 1 établissement, écrites dans" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["finess,indicateur,annee,cible", "010000001,C06,2018,50.0", "010000001,C06,2019,60.0"]
    assert lines[6:8] == ["010000001,L02,2018,8.3", "010000001,L02,2019,7.7"]
    # given back as the cibles table, the proposed targets are read and applied
    (folder / "cibles.csv").write_bytes(out.read_bytes())
    data = load_dataset(folder, load_campaign(campaign))
    assert len(data.targets) == 10 and data.targets["cible"].iloc[1] == 60.0


def test_trajectoires_workbook_for_people(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, AVENANT_CAMPAIGN)
    folder, out = _region(tmp_path, "=HYPERLINK(\"http://x\")"), tmp_path / "cibles.xlsx"
    result = CliRunner().invoke(app, ["trajectoires", str(folder), "--campaign", str(campaign), "--out", str(out),
                                      "--horizon", "2"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["cibles"]
    rows = list(sheet.values)
    assert rows[0] == ("FINESS", "Établissement", "Indicateur", "Libellé", "Année", "Cible", "Unité",
                       "Valeur T0 (2017)", "Cible de la campagne")
    assert rows[1] == ("010000001", "=HYPERLINK(\"http://x\")", "C06", "Prescription informatisée", 2018, 65.0, "%",
                       40.0, 90.0)
    assert sheet["B2"].data_type == "s"  # a text, never a formula
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


def test_trajectoires_refuses_a_second_generation_campaign(tmp_path: Path) -> None:
    out = tmp_path / "cibles.csv"
    result = CliRunner().invoke(app, ["trajectoires", str(ROOT / "data" / "exemple-2022"), "--campaign",
                                      str(ROOT / "data" / "exemple-2022" / "caqes-2022-region-fictive.yml"),
                                      "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pas de trajectoire à proposer" in result.output
    assert not out.exists()
