"""The volets' output tables, whole: columns, types, order, empty cases, texts (values by hand)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from caqes_toolkit.errors import CaqesError
from caqes_toolkit.evaluation.money import (
    INCENTIVE_COLUMNS,
    VOLET_COLUMNS,
    evaluate_volets,
    incentive_table,
    objective_path,
    volet_table,
    volet_totals,
)
from caqes_toolkit.evaluation.targeting import TARGETING_COLUMNS, missing_parameter, targeting_table
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import make_dataset, write_campaign
from .test_money import OPEN, WORKED, campaign, dataset
from .test_targeting import CAMPAIGN as TARGETING_CAMPAIGN

F, G, H = "010000016", "020000014", "030000012"
NB = "\u202f"  # narrow no-break space between thousands and before a unit
# Worked example of tests/test_money.py: objective 1 253 380.80, savings 3 380.80, A = 1 → 1 014.24 €.
ACHIEVED = [(F, 2019, "T01", "oui"), (F, 2019, "T02", "oui")]


def test_incentive_table_of_nothing_has_the_columns_and_their_types():
    table = incentive_table([], dataset([], []))
    assert list(table.columns) == list(INCENTIVE_COLUMNS) and table.empty
    assert table.dtypes.astype(str).to_dict() == {"finess": "object", "raison_sociale": "object", "annee": "int64",
                                                  "volets": "object", "interessement_total": "float64"}


def test_incentive_table_lists_the_volets_in_campaign_order_by_finess(tmp_path):
    """G holds transports and qualité, F transports: « transports, qualite » (campaign order)
    for G; rows by FINESS. F: 1 014.24 €; G: no expense (NaN) → its total is unknown."""
    contracts = [(G, "qualite", "2018-01-01", None), (G, "transports", "2018-01-01", None), *OPEN]
    data = dataset(contracts, WORKED, [*ACHIEVED, (G, 2019, "Q01", "oui")])
    result = evaluate_volets(data, campaign(tmp_path), 2019)
    table = incentive_table([result], data)
    assert table["finess"].tolist() == [F, G]
    assert table["volets"].tolist() == ["transports", "transports, qualite"]
    assert table["raison_sociale"].tolist() == ["Établissement F", "Établissement G"]
    assert table["annee"].tolist() == [2019, 2019] and table.index.tolist() == [0, 1]
    assert table["interessement_total"].iloc[0] == pytest.approx(1_014.24, abs=0.005)
    assert np.isnan(table["interessement_total"].iloc[1])
    earlier = evaluate_volets(data, campaign(tmp_path), 2018)
    both = incentive_table([result, earlier], data)  # given latest first: rows by FINESS, then year
    assert both[["finess", "annee"]].values.tolist() == [[F, 2018], [F, 2019], [G, 2018], [G, 2019]]
    unnamed = replace(data, establishments=data.establishments[data.establishments["finess"] == G])
    assert incentive_table([result], unnamed)["raison_sociale"].tolist() == ["", "Établissement G"]


def test_volet_table_as_values_and_as_text(tmp_path):
    """Typed: annee_reference an integer (None on the total row), flags True/False/None as
    « oui »/« non »/None, euros rounded to the cent. Text (CSV): the same with « » for None."""
    result = evaluate_volets(dataset(OPEN, WORKED, ACHIEVED), campaign(tmp_path), 2019)
    typed = volet_table([result], text=False)
    assert list(typed.columns) == list(VOLET_COLUMNS)
    assert typed["annee_reference"].tolist() == [2017, None]
    assert typed["ciblage"].tolist() == ["oui", "oui"]
    assert typed["sanction_proposee"].tolist() == ["non", "non"]
    assert typed["objectif"].iloc[0] == 1_253_380.8 and np.isnan(typed["objectif"].iloc[1])
    text = volet_table([result], text=True)
    assert text["annee_reference"].tolist() == ["2017", ""]
    assert text["objectif"].tolist() == ["1253380.80", ""]
    assert text["atteinte"].tolist() == ["100.00", "100.00"]
    assert text["annee"].dtype == "int64"
    assert volet_table([], text=True).columns.tolist() == list(VOLET_COLUMNS)


def test_volet_totals_of_nothing():
    table = volet_totals([])
    assert table.dtypes.astype(str).to_dict() == {"finess": "object", "annee": "int64",
                                                  "interessement_total": "float64",
                                                  "reversement_max_total": "float64"}


def test_objective_path_of_the_worked_example(tmp_path):
    """R = 2017: objective 1 200 000 × 1.022^(k − 2017) for k = 2017, 2018, 2019 = 1 200 000,
    1 226 400, 1 253 380.80; spending 1 200 000, 1 230 000, 1 250 000 (no row for the total)."""
    c = campaign(tmp_path)
    data = dataset(OPEN, WORKED, ACHIEVED)
    result = evaluate_volets(data, c, 2019)
    path = objective_path(result.rows, data.expenses, c, 2019)
    assert path.columns.tolist() == ["volet", "indicateur", "annee", "objectif", "montant"]
    assert path[["volet", "indicateur", "annee"]].values.tolist() == [
        ["transports", "TR1", 2017], ["transports", "TR1", 2018], ["transports", "TR1", 2019]]
    assert path["objectif"].tolist() == pytest.approx([1_200_000, 1_226_400, 1_253_380.80])
    assert path["montant"].tolist() == [1_200_000, 1_230_000, 1_250_000]


def test_targeting_table_of_nothing_has_the_columns_and_their_types(tmp_path):
    """No référentiel and no seuil_ciblage in the tiny campaign of test_money without volets."""
    c = campaign(tmp_path).model_copy(update={"volets": ()})
    table = targeting_table(dataset([], []), c, 2019)
    assert list(table.columns) == list(TARGETING_COLUMNS) and table.empty
    assert table["annee"].dtype == "int64" and table["finess"].dtype == object


def test_targeting_rows_by_finess_with_the_establishment_name(tmp_path):
    """G then F both spend ≥ 500 000 (seuil_ciblage): rows sorted by FINESS, each named."""
    spend = [*WORKED, (G, 2018, "transports", 600_000), (G, 2019, "transports", 600_000)]
    table = targeting_table(dataset([], spend), campaign(tmp_path), 2019)
    assert table["finess"].tolist() == [F, G] and table.index.tolist() == [0, 1]
    assert table["raison_sociale"].tolist() == ["Établissement F", "Établissement G"]
    assert table["referentiel"].tolist() == ["TR1", "TR1"] and table["cible"].tolist() == ["oui", "oui"]
    assert table["motif"].tolist() == [f"dépense transports 1{NB}250{NB}000{NB}€ ≥ 500{NB}000{NB}€",
                                       f"dépense transports 600{NB}000{NB}€ ≥ 500{NB}000{NB}€"]


def test_missing_parameter_message(tmp_path):
    c = campaign(tmp_path)
    error = missing_parameter(c, "TR1", "taux_cible")
    assert isinstance(error, CaqesError)
    assert str(error) == (
        "campagne.yml : l'indicateur TR1 a un paramètre vide : « taux_cible ». Cette valeur nationale n'a pas "
        "été retrouvée ; la région doit la renseigner dans sa copie du fichier de campagne avant de cibler ou "
        "de calculer un intéressement sur cet indicateur (voir params/README.md, « Deuxième génération »).")
    unnamed = c.model_copy(update={"path": None})
    assert str(missing_parameter(unnamed, "TR1", "taux_cible")).startswith("test-tiny : l'indicateur TR1 ")



# The référentiel of tests/test_targeting.py on a cost in €, a count in boîtes and the expense line.
UNITS = TARGETING_CAMPAIGN.format(limit="50000").replace(
    "referentiel: [{poste: perfadom, inferieur_a: 50000}, {indicateur: PART, inferieur_a: 80}]",
    "referentiel: [{indicateur: COUT, inferieur_a: 1000}, {indicateur: BOITES, inferieur_a: 8500}, "
    "{poste: perfadom, inferieur_a: 50000}]") + (
    '      - {code: COUT, libelle: "Coût", portee: national, regle: mesure, unite: "€"}\n'
    '      - {code: BOITES, libelle: "Boîtes", portee: national, regle: mesure, unite: "boîtes"}\n')


def test_targeting_motifs_name_each_condition_in_its_unit(tmp_path):
    """A cost in € reads « COUT 1 200 € ≥ 1 000 € » (code, value and limit in €); a count in
    boîtes « 9 000 boîtes ≥ 8 500 » (the unit names it, no code). F: cost not under, boxes under
    → complies (« non »); G: cost unknown first, boxes known and not under, expense unknown → à
    vérifier; H: nothing under → targeted, every condition said."""
    c = load_campaign(write_campaign(tmp_path, UNITS))
    es = [(f, f"Établissement {f[1]}", "R", "MCO", True) for f in (F, G, H)]
    data = make_dataset(es, [(F, 2023, "COUT", "1200"), (F, 2023, "BOITES", "8000"), (G, 2023, "BOITES", "9000"),
                             (H, 2023, "COUT", "1200"), (H, 2023, "BOITES", "9000")])
    spent = pd.DataFrame([(F, 2023, "perfadom", 60_000.0), (H, 2023, "perfadom", 60_000.0)],
                         columns=["finess", "annee", "poste", "montant"]).astype({"annee": "int64"})
    table = targeting_table(replace(data, expenses=spent), c, 2023)
    assert table["finess"].tolist() == [F, G, H] and table.index.tolist() == [0, 1, 2]
    assert table["cible"].tolist() == ["non", "a_verifier", "oui"]
    assert table["motif"].tolist() == [
        f"8{NB}000{NB}boîtes < 8{NB}500",
        f"COUT : donnée manquante ; 9{NB}000{NB}boîtes ≥ 8{NB}500 ; dépense perfadom : donnée manquante",
        f"COUT 1{NB}200{NB}€ ≥ 1{NB}000{NB}€ ; 9{NB}000{NB}boîtes ≥ 8{NB}500 ; "
        f"dépense perfadom 60{NB}000{NB}€ ≥ 50{NB}000{NB}€"]


def test_volets_and_targeting_workbooks(tmp_path):
    """The volets sheet is « volets », growth and achievement with 2 decimals (« 0.00 »); the
    targeting sheet is « ciblage », headers the column names themselves."""
    import openpyxl

    from caqes_toolkit.evaluation.money import write_volets
    from caqes_toolkit.evaluation.targeting import write_targeting

    c = campaign(tmp_path)
    data = dataset(OPEN, WORKED, ACHIEVED)
    write_volets([evaluate_volets(data, c, 2019)], tmp_path / "v.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "v.xlsx")["volets"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(VOLET_COLUMNS)
    assert sheet.cell(2, header.index("evolution") + 1).number_format == "0.00"
    assert sheet.cell(2, header.index("atteinte") + 1).number_format == "0.00"
    write_targeting(targeting_table(data, c, 2019), tmp_path / "c.xlsx")
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["ciblage"]
    assert [cell.value for cell in book["ciblage"][1]] == list(TARGETING_COLUMNS)


def test_growth_motifs_with_yearly_rates(tmp_path):
    """Rates {2018: 1.0, 2019: 0.5}: F's growth 100 × (1 250 000 / 1 230 000 − 1) = +1.626… %
    > 0.5 % (the rate of 2019) and 1 250 000 ≥ 500 000: both said, growth with 2 decimals."""
    c = campaign(tmp_path, taux="{2018: 1.0, 2019: 0.5}")
    table = targeting_table(dataset(OPEN, WORKED), c, 2019)
    assert table["motif"].tolist() == [f"dépense transports 1{NB}250{NB}000{NB}€ ≥ 500{NB}000{NB}€ ; "
                                       f"évolution +1,63{NB}% > 0,5{NB}%/an"]


def test_growth_equal_to_the_rate_is_not_a_motif(tmp_path):
    """1 600 000 → 1 700 000: growth 6.25 % = x; flagged by 1 700 000 ≥ 500 000 only."""
    spend = [(F, 2018, "transports", 1_600_000), (F, 2019, "transports", 1_700_000)]
    table = targeting_table(dataset(OPEN, spend), campaign(tmp_path, taux="6.25"), 2019)
    assert table["motif"].tolist() == [f"dépense transports 1{NB}700{NB}000{NB}€ ≥ 500{NB}000{NB}€"]


def test_referentiels_in_campaign_order(tmp_path):
    """PERFADOM's référentiel comes first in the file, BOITES's second: PERFADOM rows first
    although « BOITES » sorts before « PERFADOM »; within each, by FINESS."""
    text = UNITS.replace('unite: "boîtes"}', 'unite: "boîtes", referentiel: [{indicateur: COUT, inferieur_a: 1}]}')
    c = load_campaign(write_campaign(tmp_path, text))
    es = [(f, f"Établissement {f[1]}", "R", "MCO", True) for f in (G, F)]
    table = targeting_table(make_dataset(es, [(F, 2023, "COUT", "0,5")]), c, 2023)
    assert table[["referentiel", "finess"]].values.tolist() == [["PERFADOM", F], ["PERFADOM", G], ["BOITES", F], ["BOITES", G]]
    assert table["cible"].tolist() == ["non", "a_verifier", "non", "a_verifier"]


def test_volet_table_values_typed(tmp_path):
    """Growth rounded to 2 decimals in the typed table too (100 × (1 250 000 / 1 230 000 − 1) =
    1.626… → 1.63); annee_reference a Python int; rows numbered from 0 over every year given."""
    data = dataset(OPEN, WORKED, ACHIEVED)
    later = evaluate_volets(data, campaign(tmp_path), 2019)
    typed = volet_table([later, evaluate_volets(data, campaign(tmp_path), 2018)], text=False)
    assert typed["evolution"].iloc[0] == 1.63
    assert type(typed["annee_reference"].iloc[0]) is int
    assert typed.index.tolist() == [0, 1, 2, 3]


def test_money_targeting_sorted_and_numbered(tmp_path):
    """Spending listed G first: rows by FINESS (F, G), numbered 0, 1. Rates {2018: 1.0, 2019: 0.5}:
    G (450 000 < 500 000) is flagged by its growth 100 × (450 000 / 400 000 − 1) = 12.5 % > 0.5 %."""
    from caqes_toolkit.evaluation import money

    spend = [(G, 2018, "transports", 400_000), (G, 2019, "transports", 450_000), *WORKED]
    flagged = money.targeting(dataset([], spend), campaign(tmp_path, taux="{2018: 1.0, 2019: 0.5}"), 2019)
    assert flagged["finess"].tolist() == [F, G] and flagged.index.tolist() == [0, 1]
    assert flagged["evolution"].tolist() == pytest.approx([100 * (1_250_000 / 1_230_000 - 1), 12.5])


def test_money_targeting_without_the_rate_of_the_year(tmp_path):
    """Rates for 2018 only: in 2019 no growth can flag; F is flagged by its 1 250 000 ≥ 500 000,
    G (450 000, +12.5 %) is not."""
    from caqes_toolkit.evaluation import money

    spend = [(G, 2018, "transports", 400_000), (G, 2019, "transports", 450_000), *WORKED]
    flagged = money.targeting(dataset([], spend), campaign(tmp_path, taux="{2018: 1.0}"), 2019)
    assert flagged["finess"].tolist() == [F]


def test_money_targeting_divides_by_zero_quietly(tmp_path):
    """0 € then 0 € (0 / 0) or 0 € then 2 € (2 / 0): no growth, no numpy warning."""
    import warnings

    from caqes_toolkit.evaluation import money

    spend = [(F, 2018, "transports", 0.0), (F, 2019, "transports", 0.0),
             (G, 2018, "transports", 0.0), (G, 2019, "transports", 2.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert money.targeting(dataset([], spend), campaign(tmp_path), 2019).empty


SOCLE_REFERENTIEL = 'regle: binaire, sens: hausse, referentiel: [{indicateur: X1, inferieur_a: 1}, {indicateur: X2, inferieur_a: 50.6251}]}'


def test_socle_referentiel_motifs(tmp_path):
    """A référentiel on the socle's X1 (binaire, no unit) and X2 (%, limit 50.6251 → « 50,63 »).
    A: X1 non (0 < 1) holds → « non », « X1 0 < 1 »; B: X1 oui (1 ≥ 1), X2 unknown, C: X2 known
    last (60 ≥ 50.63) but X1 unknown first → both à vérifier; D: 1 ≥ 1 and 60 % ≥ 50,63 % → oui."""
    from caqes_toolkit.rules.campaign import load_campaign

    from .conftest import TINY_CAMPAIGN

    text = TINY_CAMPAIGN.format(sans_sanction="false").replace(
        '{code: Y2, libelle: "Binaire 2", chapitre: 2, portee: national, regle: binaire, sens: hausse}',
        '{code: Y2, libelle: "Binaire 2", chapitre: 2, portee: national, ' + SOCLE_REFERENTIEL)
    c = load_campaign(write_campaign(tmp_path, text))
    a, b, c_, d = "010000001", "020000002", "030000003", "040000004"
    es = [(f, f"CH {f[1]}", "R", "MCO", True) for f in (a, b, c_, d)]
    data = make_dataset(es, [(a, 2018, "X1", "non"), (b, 2018, "X1", "oui"), (c_, 2018, "X2", "60"),
                             (d, 2018, "X1", "oui"), (d, 2018, "X2", "60")])
    table = targeting_table(data, c, 2018)
    assert table["cible"].tolist() == ["non", "a_verifier", "a_verifier", "oui"]
    assert table["motif"].tolist() == [
        "X1 0 < 1", "X1 1 ≥ 1 ; X2 : donnée manquante", f"X1 : donnée manquante ; X2 60{NB}% ≥ 50,63{NB}%",
        f"X1 1 ≥ 1 ; X2 60{NB}% ≥ 50,63{NB}%"]


def test_objective_path_without_any_spending(tmp_path):
    """No expense at all: the path of 2017–2019 has no objective and no spending, as numbers (NaN)."""
    c = campaign(tmp_path)
    data = dataset(OPEN, [])
    path = objective_path(evaluate_volets(data, c, 2019).rows, data.expenses, c, 2019)
    assert path["annee"].tolist() == [2017, 2018, 2019]
    assert path["montant"].dtype == "float64" and path["montant"].isna().all()
    assert path["objectif"].isna().all()


def test_interessement_total_unknown_when_one_contract_is(tmp_path):
    """F holds transports (1 014.24 €) and a second volet like it on « pharmacie », whose spending
    is missing: its intéressement is unknown, so is the total (never 1 014.24 alone)."""
    contracts = [*OPEN, (F, "pharmacie", "2018-01-01", None)]
    totals = volet_totals([evaluate_volets(dataset(contracts, WORKED, ACHIEVED), _with_pharmacie(tmp_path), 2019)])
    assert totals["finess"].tolist() == [F] and np.isnan(totals["interessement_total"].iloc[0])


def test_objectives_of_the_worked_example(tmp_path):
    """F's transports objectives in 2019: T01 oui (score 1, atteint, nothing to gain), T02 non
    (score 0, non atteint, gain 1), T03 a measure (value 12, no score); in the campaign's order."""
    results = [(F, 2019, "T01", "oui"), (F, 2019, "T02", "non"), (F, 2019, "T03", "12")]
    objectives = evaluate_volets(dataset(OPEN, WORKED, results), campaign(tmp_path), 2019).objectives
    assert objectives["indicateur"].tolist() == ["T01", "T02", "T03"]
    assert set(objectives["finess"]) == {F} and set(objectives["volet"]) == {"transports"}
    assert objectives["libelle"].tolist() == ["Plan transports", "Sensibilisation", "Part ambulance"]
    assert objectives["regle"].tolist() == ["binaire", "binaire", "mesure"]
    assert objectives["valeur"].tolist()[:3] == [1.0, 0.0, 12.0]
    assert objectives["score"].tolist()[:2] == [1.0, 0.0] and np.isnan(objectives["score"].iloc[2])
    assert objectives["statut"].tolist() == ["atteint", "non atteint", "mesure"]
    assert objectives["gain"].tolist()[:2] == [0.0, 1.0]
    assert objectives["applicable"].tolist() == [True, True, False]


def _with_pharmacie(tmp_path):
    """The test campaign plus a volet « pharmacie » with one expense line and no scored objective."""
    c = campaign(tmp_path)
    transports = c.volets[0]
    line = transports.indicators[0].model_copy(update={"code": "PH1", "expense": "pharmacie"})
    pharmacie = transports.model_copy(update={"code": "pharmacie", "indicators": (line,)})
    return c.model_copy(update={"volets": (*c.volets, pharmacie)})


def test_a_volet_without_scored_objective_among_others_counts_100_percent(tmp_path):
    """pharmacie (no scored objective) next to transports (T01 non, T02 non: A = 0): pharmacie's
    A = 100 %, its intéressement 30 % × (1 200 000 × 1.022² − 1 250 000 = 3 380.80) = 1 014.24 €."""
    spend = [*WORKED, *((F, y, "pharmacie", m) for y, m in ((2017, 1_200_000), (2018, 1_230_000), (2019, 1_250_000)))]
    contracts = [*OPEN, (F, "pharmacie", "2018-01-01", None)]
    result = evaluate_volets(dataset(contracts, spend, [(F, 2019, "T01", "non"), (F, 2019, "T02", "non")]),
                             _with_pharmacie(tmp_path), 2019)
    by_line = result.rows[result.rows["indicateur"] != ""].set_index("indicateur")
    assert by_line.loc["TR1", "atteinte"] == 0 and by_line.loc["TR1", "interessement"] == 0
    assert by_line.loc["PH1", "atteinte"] == 100
    assert by_line.loc["PH1", "interessement"] == pytest.approx(1_014.24, abs=0.005)


def test_achievement_of_an_establishment_without_liste_en_sus(tmp_path):
    """F without liste en sus: its objectives count all the same (T01 oui, T02 non: A = 50 %)."""
    data = dataset(OPEN, WORKED, [(F, 2019, "T01", "oui"), (F, 2019, "T02", "non")])
    es = data.establishments.assign(liste_en_sus=False)
    line = evaluate_volets(replace(data, establishments=es), campaign(tmp_path), 2019).rows.iloc[0]
    assert line["atteinte"] == 50
