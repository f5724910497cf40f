"""The synthetic region generator, the bundled sample region and the naive scorer.

The naive scorer (benchmarks/naive_scoring.py) is checked here on a tiny hand-made region whose
expected scores are computed by hand from the scoring rules (params/README.md), so it can serve as an oracle.
"""

from __future__ import annotations

import csv
import filecmp
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from caqes_toolkit.data.synthetic import (
    MATURITY_STEPS,
    finess_check_digit,
    finess_is_valid,
    make_region,
    write_region,
)
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.rules.objectives import ACTIVITIES

from .campaigns import socle

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "exemple"
STEMS = ("etablissements", "resultats", "references", "maturite", "ajustements")


def _load_naive():
    spec = importlib.util.spec_from_file_location("naive_scoring", ROOT / "benchmarks" / "naive_scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


naive = _load_naive()


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(ROOT / "params" / "caqes-2019.yml")


@pytest.fixture(scope="module")
def region(campaign):
    return make_region(campaign, 400, [2017, 2018, 2019], seed=7)


def _number(text: str) -> float:
    return float(text.strip().removesuffix("%").strip().replace(",", "."))


def _luhn_ok(code: str) -> bool:
    """Textbook Luhn check of a digit string (independent of the generator's code)."""
    total = 0
    for pos, ch in enumerate(reversed(code)):
        d = int(ch)
        if pos % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


# --- generator ----------------------------------------------------------------------------

def test_same_seed_same_tables(campaign):
    a = make_region(campaign, 60, [2018, 2019], seed=3)
    b = make_region(campaign, 60, [2018, 2019], seed=3)
    assert list(a) == list(STEMS)
    for stem in STEMS:
        pd.testing.assert_frame_equal(a[stem], b[stem])
    c = make_region(campaign, 60, [2018, 2019], seed=4)
    assert not a["resultats"].equals(c["resultats"])


def test_every_cell_is_text(region):
    for stem, df in region.items():
        assert len(df), stem
        for col in df.columns:
            assert df[col].map(type).eq(str).all(), (stem, col)


def test_finess_valid_unique_varied(region):
    finess = region["etablissements"]["finess"]
    assert finess.is_unique
    assert finess.str.fullmatch(r"\d{9}").all()
    assert finess.map(_luhn_ok).all()
    assert finess.map(finess_is_valid).all()
    assert finess.str.startswith("0").any()               # leading zeros kept (01…, 09…)
    assert finess.str[:2].nunique() >= 8


def test_finess_corsica_and_check_digit():
    assert finess_check_digit("01000001") == 6 and _luhn_ok("010000016")
    assert finess_is_valid("010000016") and not finess_is_valid("010000017")
    assert not finess_is_valid("01000001") and not finess_is_valid("0100000x6")
    assert finess_is_valid("2A0000032")                  # 2A read as 20 for the key
    campaign = load_campaign(ROOT / "params" / "caqes-2019.yml")
    tables = make_region(campaign, 5, [2019], seed=1, departements=["2A", "2B"])
    finess = tables["etablissements"]["finess"]
    assert finess.str[:2].isin(["2A", "2B"]).all() and finess.map(finess_is_valid).all()


def test_activities_and_liste_en_sus(region):
    es = region["etablissements"]
    acts = es["activites"].str.replace(",", ";").str.split(";")
    seen = {a for parts in acts for a in parts}
    assert seen == set(ACTIVITIES)
    mco = acts.map(lambda parts: "MCO" in parts)
    share_mco = (es.loc[mco, "liste_en_sus"] == "oui").mean()
    share_other = (es.loc[~mco, "liste_en_sus"] == "oui").mean()
    assert share_mco > 0.8 and share_other < 0.3
    income = es["produits_am"][es["produits_am"] != ""].astype(float)
    assert (income > 1e5).all()


def test_only_applicable_indicators_except_deliberate_nc(campaign, region):
    es = region["etablissements"].set_index("finess")
    by_code = campaign.by_code
    off = 0
    for row in region["resultats"].itertuples(index=False):
        ind = by_code[row.indicateur]
        activities = set(es.at[row.finess, "activites"].replace(",", ";").split(";"))
        with_list = es.at[row.finess, "liste_en_sus"] == "oui"
        applicable = (ind.activities is None or bool(activities & set(ind.activities))) and (
            ind.chapter in campaign.weights.without_list or with_list)
        if not applicable:
            assert row.valeur == "NC", row
            off += 1
        if ind.rule == "maturite":                      # its value lives in maturite.csv
            assert row.valeur == "NC", row
    assert off > 0                                     # a few on purpose


def test_values_respect_units(campaign, region):
    res = region["resultats"]
    units = {i.code: (i.rule, i.unit) for i in campaign.indicators}
    reported = res[~res["valeur"].isin(["NC", ""])]
    rules = reported["indicateur"].map(lambda c: units[c][0])
    unit = reported["indicateur"].map(lambda c: units[c][1])
    binary = reported[rules == "binaire"]["valeur"]
    assert binary.str.lower().isin(["oui", "non"]).all()
    assert (binary.str.lower() == "oui").mean() > 0.4
    pct = reported[(rules != "binaire") & (unit == "%")]["valeur"].map(_number)
    assert pct.between(0, 100).all() and pct.max() == 100
    rate = reported[unit == "%/an"]["valeur"].map(_number)
    assert rate.between(-30, 30).all() and (rate < 0).any() and (rate > 0).any()
    texts = reported["valeur"]
    assert texts.str.contains(r"^\d+,\d$").any()                 # decimal comma
    assert texts.str.contains(r"^\d+(?:,\d)? %$").any()            # a few "45,5 %"
    assert texts.str.contains(r"^\d+\.\d$").any()
    assert (res["valeur"] == "NC").any() and (res["valeur"] == "").any()


def test_values_improve_on_average(campaign, region):
    res = region["resultats"]
    binary = {i.code for i in campaign.indicators if i.rule == "binaire"}
    b = res[res["indicateur"].isin(binary) & res["valeur"].str.lower().isin(["oui", "non"])]
    yes = (b["valeur"].str.lower() == "oui").groupby(b["annee"]).mean()
    assert yes["2017"] < yes["2018"] < yes["2019"]
    mat = region["maturite"]
    total = mat[list(MATURITY_STEPS)].astype(int).sum(axis=1).groupby(mat["annee"]).mean()
    assert total["2017"] < total["2019"]


def test_references_only_for_reference_targets(campaign, region):
    refs = region["references"]
    wanted = {i.code for i in campaign.indicators if i.target_kind in ("national", "regional")}
    assert set(refs["indicateur"]) == wanted
    for code in wanted:
        for year in ("2017", "2018", "2019"):
            rows = refs[(refs["indicateur"] == code) & (refs["annee"] == year)]
            assert (rows["niveau"] == "national").sum() == 1
            assert ((rows["niveau"] == "regional") & (rows["region"] == "Région fictive")).sum() == 1
    assert refs["valeur"].map(_number).notna().all()


def test_maturity_grid(campaign, region):
    mat = region["maturite"]
    assert list(mat.columns) == ["finess", "annee", *MATURITY_STEPS]
    steps = mat[list(MATURITY_STEPS)].astype(int)
    assert steps.isin(range(6)).all().all()
    assert not mat.duplicated(["finess", "annee"]).any()
    assert set(mat["finess"]) <= set(region["etablissements"]["finess"])


def test_adjustments(campaign, region):
    adj = region["ajustements"]
    assert 3 <= len(adj) <= 40
    assert (adj["motif"].str.len() > 10).all()
    assert (adj["annee"] != str(campaign.t0_year)).all()
    keys = set(zip(region["resultats"]["finess"], region["resultats"]["annee"],
                   region["resultats"]["indicateur"], strict=True))
    assert all(k in keys for k in zip(adj["finess"], adj["annee"], adj["indicateur"], strict=True))


def test_write_region_round_trip(tmp_path, region):
    paths = write_region(region, tmp_path, sep=";", encoding="cp1252")
    assert [p.name for p in paths] == [f"{s}.csv" for s in STEMS]
    for stem in STEMS:
        back = pd.read_csv(tmp_path / f"{stem}.csv", sep=";", encoding="cp1252", dtype=str,
                           keep_default_na=False)
        pd.testing.assert_frame_equal(back, region[stem].astype(object), check_dtype=False)


def test_generation_is_vectorised(campaign):
    start = time.perf_counter()
    tables = make_region(campaign, 5000, [2018, 2019], seed=0)
    assert time.perf_counter() - start < 10        # ≈ 0.3 s here; 30 000 × 2 years ≈ 2 s
    assert len(tables["resultats"]) > 5000 * 2 * 40


# --- sample region ------------------------------------------------------------------------

def test_sample_region_is_what_the_script_writes(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample_data.py"), "--out", str(tmp_path)],
                   check=True, cwd=ROOT, capture_output=True)
    for stem in STEMS:
        assert filecmp.cmp(tmp_path / f"{stem}.csv", SAMPLE / f"{stem}.csv", shallow=False), stem


def test_sample_region_shows_every_case(tmp_path):
    with open(SAMPLE / "etablissements.csv", encoding="utf-8", newline="") as f:
        es = list(csv.DictReader(f))
    assert 15 <= len(es) <= 25
    assert any(e["finess"][:2] in ("2A", "2B") for e in es)
    assert any("'" in e["raison_sociale"] and any(c in e["raison_sociale"] for c in "éèÉ") for e in es)
    assert {e["liste_en_sus"] for e in es} == {"oui", "non"}
    for year in (2018, 2019):
        campaign = naive.load_campaign(ROOT / "params" / f"caqes-{year}.yml")
        rows, warnings = naive.score_folder(SAMPLE, campaign, year)
        classes = {r["classe"] for r in rows}
        assert {"A", "B", "C"} <= classes and classes & {"D", "E"}, (year, classes)
        assert not warnings


# --- naive scorer: parsing and rules ------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("45,5", 45.5), ("45.5", 45.5), ("45,5 %", 45.5), (" 100 ", 100.0), ("-1,2", -1.2),
    ("oui", 1.0), ("NON", 0.0), ("Oui", 1.0), ("NC", naive.NC), ("nc", naive.NC), ("", None),
    ("  ", None),
])
def test_naive_parse_value(text, expected):
    assert naive.parse_value(text) == expected


def test_naive_rules_by_hand():
    assert naive.score_seuils(60, [[50, 0.5], [80, 1.0]], up=True) == 0.5
    assert naive.score_seuils(80, [[50, 0.5], [80, 1.0]], up=True) == 1.0
    assert naive.score_seuils(49.9, [[50, 0.5], [80, 1.0]], up=True) == 0.0
    assert naive.score_seuils(8, [[20, 0.5], [10, 1.0]], up=False) == 1.0
    assert naive.score_cible(40, 30, 45.5, up=True) == pytest.approx(10 / 15.5)
    assert naive.score_cible(50, 30, 45.5, up=True) == 1.0
    assert naive.score_cible(25, 30, 45.5, up=True) == 0.0          # worse than T0: P = 0
    assert naive.score_cible(40, None, 45.5, up=True) == 0.0        # no T0: P = 0
    assert naive.score_cible(40, 50, 45.5, up=True) == 0.0          # T0 above target: P = 0
    assert naive.score_cible(4.1, 6.5, 3.3, up=False) == pytest.approx(0.75)
    assert naive.score_cible(3.3, 6.5, 3.3, up=False) == 1.0
    row = dict(zip(naive.STEPS, ["2", "4", "3", "3", "2", "3", "3"], strict=True))
    assert naive.maturity_score(row) == pytest.approx(20 / 35)
    assert 100 * naive.maturity_score(row) == pytest.approx(57.142857, abs=1e-6)
    row = dict(zip(naive.STEPS, ["2", "3", "3", "3", "2", "2", "2"], strict=True))
    assert 100 * naive.maturity_score(row) == pytest.approx(48.571429, abs=1e-6)


NAIVE_INDICATORS = (
    '{code: A01, libelle: "Politique", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: A06, libelle: "Maturité", chapitre: 1, portee: regional, regle: maturite, sens: hausse, poids: 2, unite: "%"}',
    '{code: D04, libelle: "Dispensation", chapitre: 1, portee: regional, regle: seuils, sens: hausse, seuils: [[50, 0.5], [80, 1.0]], unite: "%"}',
    '{code: C08, libelle: "Chimio", chapitre: 1, portee: national, regle: binaire, sens: hausse, activites: [MCO, HAD]}',
    '{code: E03, libelle: "Conciliation", chapitre: 2, portee: national, regle: cible, sens: hausse, cible: 30, unite: "%"}',
    '{code: F01, libelle: "Antibiotiques", chapitre: 2, portee: national, regle: cible, sens: baisse, cible: reference_nationale, unite: "%/an"}',
    '{code: G01, libelle: "Génériques", chapitre: 3, portee: national, regle: cible, sens: hausse, cible: 45.5, unite: "%"}',
    '{code: G05, libelle: "Achats", chapitre: 3, portee: national, regle: cible, sens: hausse, cible: reference_regionale, unite: "%"}',
    '{code: H01, libelle: "PHEV", chapitre: 4, portee: national, regle: cible, sens: baisse, cible: 3.3, unite: "%/an"}',
    '{code: L01, libelle: "Liste en sus", chapitre: 5, portee: national, regle: cible, sens: baisse, cible: 3.0, unite: "%/an"}',
)

ES_1, ES_2, ES_3 = "010000016", "2A0000032", "090000027"


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_text(text.lstrip("\n"), encoding=encoding)


@pytest.fixture
def tiny_region(tmp_path: Path) -> Path:
    """Three establishments written by hand (mixed separators and encodings on purpose)."""
    folder = tmp_path / "region"
    folder.mkdir()
    _write(folder / "etablissements.csv", f"""
finess,raison_sociale,region,activites,liste_en_sus,produits_am
{ES_1},Clinique de l'Étang-Imaginaire,Région test,MCO,oui,12000000
{ES_2},Centre psychiatrique de Nullepart,Région test,PSY,non,
{ES_3},Centre de dialyse des Fictifs,Région voisine,DIA,non,3000000
""")
    _write(folder / "resultats.csv", f"""
finess;annee;indicateur;valeur
{ES_1};2017;G01;30
{ES_1};2017;G05;52
{ES_1};2017;H01;6.5
{ES_1};2017;L01;5
{ES_1};2019;A01;oui
{ES_1};2019;D04;60
{ES_1};2019;C08;NC
{ES_1};2019;E03;
{ES_1};2019;F01;-1,5
{ES_1};2019;G01;40
{ES_1};2019;G05;55,0 %
{ES_1};2019;H01;4,1
{ES_1};2019;L01;4.5
{ES_2};2019;A01;OUI
{ES_2};2019;D04;85 %
{ES_2};2019;C08;oui
{ES_2};2019;E03;30
{ES_2};2019;F01;NC
{ES_2};2019;G01;NC
{ES_2};2019;G05;NC
{ES_2};2019;H01;3,3
{ES_2};2019;L01;2.0
{ES_3};2019;G05;50
""", encoding="cp1252")
    _write(folder / "references.csv", """
indicateur,annee,niveau,valeur,region
F01,2019,national,"-1,0",
G05,2019,national,45,
G05,2019,regional,60,Région test
G05,2019,regional,50,Autre région
G05,2019,regional,48,
""")
    _write(folder / "maturite.csv", f"""
finess,annee,etape_1,etape_2,etape_3,etape_4,etape_5,etape_6,etape_7
{ES_1},2019,2,4,3,3,2,3,3
""")
    _write(folder / "ajustements.csv", f"""
finess,annee,indicateur,valeur,motif
{ES_1},2019,L01,"2,9",Erreur de saisie corrigée en phase contradictoire
""")
    return folder


def _campaign_file(tmp_path: Path, sans_sanction: bool) -> Path:
    path = tmp_path / f"campagne-{sans_sanction}.yml"
    path.write_text(socle(*NAIVE_INDICATORS, name="test-naif", sans_sanction=str(sans_sanction).lower(),
                          weights={1: 60, 2: 20, 3: 5, 4: 7, 5: 8}, without_list={1: 60, 2: 20, 3: 8, 4: 12},
                          chapters={1: "Un", 2: "Deux", 3: "Trois", 4: "Quatre", 5: "Cinq"}), encoding="utf-8")
    load_campaign(path)                                   # a valid campaign for the package too
    return path


def _run_naive(tmp_path: Path, folder: Path, sans_sanction: bool) -> dict[str, dict[str, str]]:
    out = tmp_path / "scores.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "naive_scoring.py"), str(folder),
                    "--campaign", str(_campaign_file(tmp_path, sans_sanction)), "--year", "2019",
                    "--out", str(out)], check=True, cwd=ROOT)
    with open(out, encoding="utf-8", newline="") as f:
        return {r["finess"]: r for r in csv.DictReader(f)}


def test_naive_scores_tiny_region_by_hand(tmp_path, tiny_region):
    rows = _run_naive(tmp_path, tiny_region, sans_sanction=False)
    assert list(rows) == [ES_1, ES_2, ES_3]

    # ES 1 — MCO with liste en sus. Chapter 1: A01 oui → 1; A06 maturity 20/35 (weight 2);
    # D04 60 → 0.5 (seuils [[50, 0.5], [80, 1]]); C08 NC → left out.
    ch1 = 100 * (1 + 2 * 20 / 35 + 0.5) / 4
    # Chapter 2: E03 empty → not reported, 0; F01 −1.5 ≤ national reference −1.0 → 1.
    ch2 = 100 * (0 + 1) / 2
    # Chapter 3: G01 40, target 45.5, T0 30 → P = 10/15.5; G05 55 vs regional reference of
    # "Région test" 60 (not 50 of another region, not 48 of every region), T0 52 → P = 3/8.
    ch3 = 100 * (10 / 15.5 + 3 / 8) / 2
    # Chapter 4: H01 4.1 vs 3.3 (baisse), T0 6.5 → P = 2.4/3.2 = 0.75.
    ch4 = 75.0
    # Chapter 5: L01 adjusted from 4.5 to 2.9 ≤ 3.0 → 1.
    ch5 = 100.0
    g1 = (60 * ch1 + 20 * ch2 + 5 * ch3 + 7 * ch4 + 8 * ch5) / 100
    r = rows[ES_1]
    for k, expected in enumerate((ch1, ch2, ch3, ch4, ch5), start=1):
        assert float(r[f"chapitre_{k}"]) == pytest.approx(expected, abs=1e-9), k
    assert float(r["score_global"]) == pytest.approx(g1, abs=1e-9)
    assert g1 == pytest.approx(65.443260, abs=1e-6)
    assert (r["classe"], r["sanction_proposee"], r["annee"]) == ("C", "oui", "2019")

    # ES 2 — PSY without liste en sus: C08 (MCO, HAD) and L01 (chapter 5) ignored although
    # valued; A06 without grid nor value → 0 (weight 2); chapter 3 all NC → NC, its weight
    # shared pro rata over 60 + 20 + 12.
    r = rows[ES_2]
    assert float(r["chapitre_1"]) == pytest.approx(100 * (1 + 0 + 1) / 4)
    assert float(r["chapitre_2"]) == pytest.approx(100.0)         # E03 30 ≥ 30; F01 NC
    assert r["chapitre_3"] == "" and r["chapitre_5"] == ""
    assert float(r["chapitre_4"]) == pytest.approx(100.0)         # H01 3.3 ≤ 3.3
    assert float(r["score_global"]) == pytest.approx((60 * 50 + 20 * 100 + 12 * 100) / 92)
    assert r["classe"] == "C"

    # ES 3 — DIA in another region: only G05 reported, 50 ≥ the every-region reference 48.
    r = rows[ES_3]
    assert float(r["chapitre_3"]) == pytest.approx(50.0)
    assert float(r["chapitre_1"]) == 0 and float(r["chapitre_2"]) == 0 and float(r["chapitre_4"]) == 0
    assert float(r["score_global"]) == pytest.approx(8 * 50 / 100)
    assert (r["classe"], r["sanction_proposee"]) == ("E", "oui")


def test_naive_without_sanction_campaign(tmp_path, tiny_region):
    rows = _run_naive(tmp_path, tiny_region, sans_sanction=True)
    assert {r["sanction_proposee"] for r in rows.values()} == {"non"}
    assert rows[ES_3]["classe"] == "E"


def test_naive_class_boundary_uses_rounded_score():
    campaign = {"classes": [("A", 80.0), ("B", 70.0), ("C", 50.0), ("D", 30.0), ("E", 0.0)]}
    assert naive.grade(79.9999999, campaign) == "A"            # rounds to 80.000000
    assert naive.grade(79.999999, campaign) == "B"
    assert naive.grade(70.0, campaign) == "B" and naive.grade(29.99, campaign) == "E"
