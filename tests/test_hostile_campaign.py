"""Hostile and broken campaign files, and a year scored under another year's rules.

Every campaign is written in ``tmp_path`` from the small test campaign (or the real 2019 one)
with one fault; each must be refused with a :class:`CampaignError` naming the key.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.documents import sections, synthesis
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.errors import CampaignError
from caqes_toolkit.evaluation.analysis import simulate, summary
from caqes_toolkit.evaluation.scoring import score_by_year
from caqes_toolkit.rules.campaign import campaign_for_year, load_campaign
from caqes_toolkit.run.batch import make_jobs

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE, TINY, make_dataset, tiny_yaml, write_campaign
from .test_scoring import ES_A, G_A, MATURITY, REFERENCES, RESULTS

runner = CliRunner()
WITH_LIST = "avec_liste_en_sus: {1: 60, 2: 20, 3: 5, 4: 7, 5: 8}"
WITHOUT_LIST = "sans_liste_en_sus: {1: 60, 2: 20, 3: 8, 4: 12}"
X2 = 'cible: 45.5, unite: "%"}'
X3 = "seuils: [[50, 0.5], [80, 1.0]]"


def _refused(tmp_path, text: str) -> str:
    path = write_campaign(tmp_path, text)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    message = str(caught.value)
    assert str(path) in message and "Traceback" not in message
    return message


def _tiny(old: str, new: str, count: int = 1) -> str:
    assert old in TINY, old
    return TINY.replace(old, new, count)


# --- numbers: infinite, NaN, zero or negative -----------------------------------------------

@pytest.mark.parametrize(("old", "new", "key"), [
    (WITH_LIST, WITH_LIST.replace("3: 5", "3: .inf"), "ponderations.avec_liste_en_sus.3"),
    (WITH_LIST, WITH_LIST.replace("3: 5", "3: .nan"), "ponderations.avec_liste_en_sus.3"),
    (WITH_LIST, WITH_LIST.replace("3: 5", "3: -.inf"), "ponderations.avec_liste_en_sus.3"),
    (WITHOUT_LIST, WITHOUT_LIST.replace("3: 8", "3: 0"), "ponderations.sans_liste_en_sus.3"),
    (WITHOUT_LIST, WITHOUT_LIST.replace("4: 12", "4: -12"), "ponderations.sans_liste_en_sus.4"),
    (WITHOUT_LIST, "sans_liste_en_sus: {}", "ponderations.sans_liste_en_sus"),
    ("regle: binaire, sens: hausse}", "regle: binaire, sens: hausse, poids: .inf}", "indicateurs[0] (code X1).poids"),
    ("regle: binaire, sens: hausse}", "regle: binaire, sens: hausse, poids: .nan}", "indicateurs[0] (code X1).poids"),
    ("regle: binaire, sens: hausse}", "regle: binaire, sens: hausse, poids: 0}", "indicateurs[0] (code X1).poids"),
    (X2, 'cible: .nan, unite: "%"}', "indicateurs[1] (code X2).cible"),
    (X2, 'cible: .inf, unite: "%"}', "indicateurs[1] (code X2).cible"),
    (X2, 'cible: "nan", unite: "%"}', "indicateurs[1] (code X2).cible"),
    (X3, "seuils: [[.nan, 0.5], [80, 1.0]]", "indicateurs[2] (code X3).seuils.0.0"),
    (X3, "seuils: [[50, 0.5], [80, .inf]]", "indicateurs[2] (code X3).seuils.1.1"),
    ("seuil_sanction: 80", "seuil_sanction: .nan", "seuil_sanction"),
    ("{A: 80, B: 70", "{A: .nan, B: 70", "classes.A"),
    ("plafond_pct_produits_am: 1}", "plafond_pct_produits_am: .inf}", "sanction.plafond_pct_produits_am"),
    ("annee_t0: 2017", "annee_t0: .inf", "annee_t0"),
])
def test_non_finite_or_non_positive_numbers_are_refused(tmp_path, old, new, key):
    message = _refused(tmp_path, _tiny(old, new))
    assert f"\n  {key} : " in message


def test_an_infinite_weight_no_longer_lifts_a_class(tmp_path):
    """The attack of the issue: chapter 1 weighed .inf made every other chapter vanish."""
    message = _refused(tmp_path, _tiny(WITH_LIST, WITH_LIST.replace("1: 60", "1: .inf")))
    assert "ponderations.avec_liste_en_sus.1 : un nombre fini est attendu" in message


# --- classes and years -----------------------------------------------------------------------

@pytest.mark.parametrize("classes", [
    "{A: 180, B: 70, C: 50, D: 30, E: 0}",      # above 100
    "{A: 80, B: 70, C: 50, D: 30, E: -10}",     # below 0
    "{A: 80, B: 70, C: 70, D: 30, E: 0}",       # not strictly decreasing
    "{A: 70, B: 80, C: 50, D: 30, E: 0}",       # out of order
    "{A: 80, B: 70, C: 50, D: 30, E: 10}",      # no class down to 0
])
def test_bad_class_bounds_are_refused(tmp_path, classes):
    message = _refused(tmp_path, _tiny("{A: 80, B: 70, C: 50, D: 30, E: 0}", classes))
    assert "\n  classes : " in message


@pytest.mark.parametrize("year", [2016, 2017])
def test_t0_must_precede_the_evaluated_year(tmp_path, year):
    message = _refused(tmp_path, _tiny("annee_t0: 2017", f"annee: {year}\nannee_t0: 2017"))
    assert "\n  annee_t0 : le T0 doit précéder l'année évaluée" in message
    assert load_campaign(write_campaign(tmp_path, _tiny("annee_t0: 2017", "annee: 2018\nannee_t0: 2017"),
                                        "ok.yml")).t0_year == 2017


def test_weights_not_summing_to_100_are_a_warning(tmp_path, campaign_2018, campaign_2019):
    campaign = load_campaign(write_campaign(tmp_path, _tiny(WITH_LIST, WITH_LIST.replace("1: 60", "1: 50"))))
    [warning] = campaign.warnings
    assert "ponderations.avec_liste_en_sus" in warning and "totalisent 90" in warning
    assert campaign.chapter_weights(True)[1] == 50  # used as given: only proportions count
    assert campaign_2018.warnings == campaign_2019.warnings == ()
    assert "warnings" not in campaign.model_dump()  # computed, not a key of the file


def test_warnings_is_not_a_campaign_key(tmp_path):
    message = _refused(tmp_path, TINY + "warnings: []\n")
    assert "\n  warnings : clé inconnue" in message


# --- YAML structure ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key", "line", "first"), [
    (_tiny("seuil_sanction: 80", "seuil_sanction: 80\nseuil_sanction: 0"), "seuil_sanction", 5, 4),
    (_tiny("1: 60, 2: 20, 3: 5", "1: 60, 2: 20, 1: 5"), "ponderations.avec_liste_en_sus.1", 7, 7),
    (_tiny("1: 60, 2: 20, 3: 8", "1: 60, 2: 20, 1.0: 8"), "ponderations.sans_liste_en_sus.1.0", 8, 8),
    (_tiny("regle: binaire, sens: hausse}", "regle: binaire, sens: hausse, regle: cible}"),
     "indicateurs[0].regle", 12, 12),
    (TINY + "classes: {A: 90, E: 0}\n", "classes", 23, 5),
])
def test_duplicated_keys_are_refused_with_their_line(tmp_path, text, key, line, first):
    message = _refused(tmp_path, text)
    assert f"\n  {key} (ligne {line}) : clé en double (déjà donnée ligne {first})" in message


@pytest.mark.parametrize("text", ["[" * 10_000, "a: " + "[" * 10_000 + "]" * 10_000, "{a: " * 5_000])
def test_deeply_nested_yaml_is_a_campaign_error(tmp_path, text):
    message = _refused(tmp_path, text)
    assert "trop profond" in message


def test_nesting_deeper_than_the_schema_is_refused_with_its_key(tmp_path):
    nested = "[" * 25 + "1" + "]" * 25
    message = _refused(tmp_path, _tiny("sanction: {plafond_pct_produits_am: 1}", f"sanction: {nested}"))
    assert "\n  sanction" in message and "imbrication trop profonde" in message


@pytest.mark.parametrize(("old", "new", "key", "char"), [
    ("campagne: test-tiny", 'campagne: "test\\e[31m-tiny"', "campagne", "U+001B"),
    ('libelle: "Binaire"', 'libelle: "Bin\\0aire"', "indicateurs[0].libelle", "U+0000"),
    ('1: "Un"', '1: "U\\x9bn"', "chapitres.1", "U+009B"),
    ("regle: binaire, sens: hausse}", 'regle: binaire, sens: hausse, action: "a\\x07"}', "indicateurs[0].action",
     "U+0007"),
    ("{A: 80,", '{"A\\x1b": 80,', "classes.A\x1b", "U+001B"),
])
def test_control_characters_in_texts_are_refused(tmp_path, old, new, key, char):
    message = _refused(tmp_path, _tiny(old, new))
    assert f"\n  {key} (ligne" in message and f"caractère de contrôle {char}" in message


def test_raw_control_character_or_bad_byte_names_the_line(tmp_path):
    path = tmp_path / "campagne.yml"
    path.write_bytes(TINY.encode().replace(b"campagne: test-tiny", b"campagne: test\x1b-tiny"))
    with pytest.raises(CampaignError, match=r"ligne 1 : caractère de contrôle U\+001B"):
        load_campaign(path)
    path.write_bytes(TINY.encode().replace(b"campagne: test-tiny", b"campagne: test-\xe9"))
    with pytest.raises(CampaignError, match="ligne 1 : octet 0xE9 illisible"):
        load_campaign(path)


def test_tabs_and_line_breaks_stay_allowed(tmp_path):
    text = _tiny("sanction: {plafond_pct_produits_am: 1}",
                 'sanction: {plafond_pct_produits_am: 1, formule: "Plafond :\\t1 %\\nde AM"}')
    assert load_campaign(write_campaign(tmp_path, text)).sanction.formula == "Plafond :\t1 %\nde AM"


# --- a year under another year's rules ------------------------------------------------------

@pytest.fixture
def dated(tmp_path):
    """The test campaign for 2018 (without sanction) and for 2019 (with), each in its own file."""
    c18 = load_campaign(write_campaign(tmp_path, tiny_yaml("true").replace(
        "campagne: test-tiny", "campagne: tiny-2018\nannee: 2018"), "tiny-2018.yml"))
    c19 = load_campaign(write_campaign(tmp_path, TINY.replace(
        "campagne: test-tiny", "campagne: tiny-2019\nannee: 2019"), "tiny-2019.yml"))
    return c18, c19


def test_a_year_needs_its_own_campaign(dated, tmp_path):
    c18, c19 = dated
    with pytest.raises(CampaignError) as caught:
        campaign_for_year([c19], 2018)
    message = str(caught.value)
    assert "aucune campagne pour 2018" in message
    assert f"--campaign {tmp_path / 'tiny-2018.yml'} (fichier dont annee: 2018)" in message
    assert "--allow-other-year" in message
    assert campaign_for_year([c19, c18], 2018) is c18
    assert campaign_for_year([c19, c18], 2019) is c19
    assert campaign_for_year([c19], 2018, allow_other_year=True) is c19
    with pytest.raises(CampaignError, match="plusieurs campagnes pour 2019"):
        campaign_for_year([c19, c19], 2019)
    with pytest.raises(CampaignError, match="aucune campagne pour 2020"):
        campaign_for_year([c18, c19], 2020, allow_other_year=True)  # which one? not guessed


def test_a_campaign_without_year_fits_any_year_after_its_t0_when_alone(dated, tiny_campaign):
    c18, _ = dated
    assert tiny_campaign.year is None
    assert campaign_for_year([tiny_campaign], 2018) is tiny_campaign
    assert campaign_for_year([tiny_campaign], 2030) is tiny_campaign
    assert tiny_campaign.label_for(2030) == "test-tiny"
    with pytest.raises(CampaignError, match=r"n'est pas postérieure au T0 \(2017\)"):
        campaign_for_year([tiny_campaign], 2017)
    with pytest.raises(CampaignError, match="aucune campagne pour 2019"):
        campaign_for_year([tiny_campaign, c18], 2019)


def test_scores_of_a_year_follow_its_own_campaign_or_say_otherwise(dated):
    c18, c19 = dated
    data = make_dataset([ES_A], RESULTS, REFERENCES, MATURITY)
    with pytest.raises(CampaignError, match="aucune campagne pour 2018"):
        score_by_year(data, [c19], [2018])
    own = summary(score_by_year(data, [c18, c19], [2018])[2018], 2018).iloc[0]
    # G_A ≈ 66.9 (class C): 2018 is evaluated without sanction
    assert own.score_global == pytest.approx(G_A) and own.classe == "C"
    assert not own.sanction_proposee and own.campagne == "tiny-2018"
    other = summary(score_by_year(data, [c19], [2018], allow_other_year=True)[2018], 2018).iloc[0]
    assert other.score_global == pytest.approx(G_A)
    assert other.sanction_proposee  # 2019's rules: below 80 → sanction
    assert other.campagne == "tiny-2019 (règles appliquées à 2018)"


def test_simulation_follows_the_year_rule(dated):
    _, c19 = dated
    data = make_dataset([ES_A], RESULTS, REFERENCES, MATURITY)
    with pytest.raises(CampaignError, match="aucune campagne pour 2018"):
        simulate(data, c19, 2018, "010000001", {"Y2": "oui"})
    sim = simulate(data, c19, 2018, "010000001", {"Y2": "oui"}, allow_other_year=True)
    assert sim.score_after == pytest.approx(G_A + 100 * 20 / 92 / 2)


def test_report_and_synthesis_refuse_or_announce_other_rules():
    FINESS = "094869773"
    with pytest.raises(CampaignError, match="aucune campagne pour 2018"):
        build_report(FINESS, 2018, SAMPLE, CAMPAIGN_2019)
    with pytest.raises(CampaignError, match="aucune campagne pour 2018"):
        synthesis.build_synthesis(2018, SAMPLE, CAMPAIGN_2019)
    report = build_report(FINESS, 2018, SAMPLE, CAMPAIGN_2019, autre_annee=True)
    assert "règles de la campagne caqes-2019 (année 2019)" in report.other_year_notice
    header = str(sections.header(report))
    assert "caqes-2019 (règles appliquées à 2018)" in header and 'role="alert"' in header
    assert report.scores_json()["campagne"] == "caqes-2019 (règles appliquées à 2018)"
    own = build_report(FINESS, 2019, SAMPLE, CAMPAIGN_2019)
    assert own.other_year_notice is None and 'role="alert"' not in str(sections.header(own))
    synth = synthesis.build_synthesis(2018, SAMPLE, CAMPAIGN_2019, autre_annee=True)
    assert 'role="alert"' in str(synthesis.header(synth))
    assert set(synth.table["campagne"]) == {"caqes-2019 (règles appliquées à 2018)"}


def test_batch_passes_the_option_to_the_notebook_only_when_asked(tmp_path):
    plain, = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path, ["094869773"], ("html",))
    asked, = make_jobs(SAMPLE, CAMPAIGN_2019, 2018, tmp_path, ["094869773"], ("html",), autre_annee=True)
    assert "autre_annee" not in plain.parameters  # a custom notebook without the parameter still runs
    assert asked.parameters["autre_annee"] is True


def test_cli_refuses_a_year_without_its_campaign(tmp_path):
    out = tmp_path / "scores.csv"
    for command in (["score", "--out", str(out)], ["plan", "--out", str(tmp_path / "plans")],
                    ["synthese", "--out", str(tmp_path / "synthese")]):
        result = runner.invoke(app, [command[0], str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2018",
                                     *command[1:]])
        assert result.exit_code == 1, result.output
        assert "aucune campagne pour 2018" in result.output and "caqes-2018.yml" in result.output
        assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "plans").exists()


def test_cli_scores_a_year_under_its_own_or_explicitly_other_rules(tmp_path):
    own, other = tmp_path / "own.csv", tmp_path / "other.csv"
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-c", str(CAMPAIGN_2018),
                                 "-y", "2018", "--out", str(own)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2018",
                                 "--allow-other-year", "--out", str(other)])
    assert result.exit_code == 0, result.output
    own_t = pd.read_csv(own, dtype={"finess": str}).set_index("finess")
    other_t = pd.read_csv(other, dtype={"finess": str}).set_index("finess")
    assert set(own_t.campagne) == {"caqes-2018"} and set(own_t.sanction_proposee) == {"non"}
    assert set(other_t.campagne) == {"caqes-2019 (règles appliquées à 2018)"}
    below = other_t.score_global < 80
    assert below.any() and (other_t.sanction_proposee[below] == "oui").all()


def test_cli_prints_campaign_warnings(tmp_path):
    text = CAMPAIGN_2019.read_text(encoding="utf-8").replace(WITH_LIST, WITH_LIST.replace("1: 60", "1: 50"))
    path = write_campaign(tmp_path, text, "caqes-2019.yml")
    result = runner.invoke(app, ["score", str(SAMPLE), "-c", str(path), "-y", "2019",
                                 "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    assert "avertissement" in result.output and "totalisent 90" in result.output


def test_thousands_of_faults_give_a_short_message(tmp_path):
    text = "campagne: x\n" + "".join(f'a{i}: "\\e"\n' for i in range(5_000))
    message = _refused(tmp_path, text)
    assert message.count("caractère de contrôle") == 20 and "… et 4980 autres" in message


def test_an_unreadable_campaign_file_is_said_in_french(tmp_path) -> None:
    with pytest.raises(CampaignError) as caught:
        load_campaign(tmp_path / "absente.yml")
    assert str(caught.value) == f"{tmp_path / 'absente.yml'} : fichier de campagne illisible (fichier ou dossier introuvable)"


@pytest.mark.parametrize(("text", "said"), [
    ("campagne: x\n\tannee: 2019\n", "ligne 2, colonne 1 : tabulation : un fichier YAML s'indente avec des espaces"),
    ("campagne: x\nannee\n", "ligne 3, colonne 1 : « : » attendu après une clé (ou guillemet manquant)"),
    ("campagne: CAQES : 2019\n", "ligne 1, colonne 17 : « : » inattendu ici (une valeur qui contient « : » "
                                  "s'écrit entre guillemets)"),
    ("chapitres:\n  1: a\n 2: b\n", "ligne 3, colonne 2 : indentation qui ne suit pas celle des lignes au-dessus"),
    ("campagne: [x, y\n", "ligne 2, colonne 1 : « ] » manquant : liste entre crochets non fermée"),
    ("campagne: \"x\n", "ligne 2, colonne 1 : fin du fichier avant le guillemet qui ferme le texte"),
])
def test_yaml_syntax_errors_are_located_and_said_in_french(tmp_path, text: str, said: str) -> None:
    path = tmp_path / "campagne.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert str(caught.value) == f"{path} : YAML invalide, {said}"
