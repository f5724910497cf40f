"""Regional synthesis: content computed by hand from the scores, and the rendered document."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from caqes_toolkit import load_campaign, load_dataset, score_by_year, summary
from caqes_toolkit.cli import app
from caqes_toolkit.documents import synthesis as sy
from caqes_toolkit.run.render import chromium_available

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE, plain_spaces

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def synthese():
    return sy.build_synthesis(2019, SAMPLE, CAMPAIGN_2019, campagne_precedente=CAMPAIGN_2018, today=TODAY)


@pytest.fixture(scope="module")
def table():
    c = load_campaign(CAMPAIGN_2019)
    return summary(score_by_year(load_dataset(SAMPLE, c), [c], [2019])[2019], 2019)


def test_class_counts_and_sanctions(synthese, table):
    html = str(sy.classes(synthese))
    counts = table["classe"].value_counts()
    assert synthese.table["classe"].value_counts().to_dict() == counts.to_dict()
    proposed = table[table.sanction_proposee].sort_values(["score_global", "finess"])
    html = str(sy.sanctions(synthese))
    assert len(proposed) == 16  # the lowest 15 listed, the 16th in the workbook
    for name in proposed.raison_sociale.head(sy.N_LISTED):
        assert name.replace("'", "&#39;") in html
    assert proposed.raison_sociale.iloc[-1].replace("'", "&#39;") not in html
    assert "… et 1 autre (liste complète de 16\u202f: voir le classeur synthese_regionale_2019.xlsx" in html
    # the cap is 1 % of produits_am
    row = proposed.iloc[0]
    assert row.plafond_sanction == pytest.approx(row.produits_am / 100)


def test_achievement_rates(synthese):
    ach = synthese.achievement.set_index("indicateur")
    row = ach.iloc[0]
    assert row.taux_atteinte == pytest.approx(100 * row.atteint / row.applicable)
    assert ach["points_perdus"].is_monotonic_decreasing


def test_key_figures_and_incomplete(synthese, table):
    figures = sy.key_figures(synthese)
    assert figures[0].startswith(f"{len(table)} établissements évalués en 2019")
    html = str(sy.incomplete(synthese))
    partial = table[table.nb_non_renseignes > 0]
    for finess in partial.finess:
        assert finess in html


def test_rule_changes_in_the_synthesis(synthese):
    html = str(sy.rule_changes(synthese))
    assert "G01" in html and "45,5\u202f%" in html and "49,0\u202f%" in html
    assert "selon la campagne caqes-2018" in html


@pytest.mark.slow
@pytest.mark.skipif(not chromium_available(), reason="Chromium absent")
def test_synthese_command(tmp_path):
    result = CliRunner().invoke(app, ["synthese", str(SAMPLE), "-c", str(CAMPAIGN_2018), "-c", str(CAMPAIGN_2019),
                                      "-y", "2019", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "synthese_regionale_2019.pdf").pages)
    assert "Région fictive : synthèse de l'évaluation 2019" in plain_spaces(text)
    assert "Centre hospitalier de Fictiville" in text  # internal document: names establishments
    assert (tmp_path / "synthese_regionale_2019.html").exists()


def test_the_synthesis_says_when_n_minus_1_follows_the_rules_of_n():
    """Without the campaign of 2018, the 2018 column (N−1) of the 2019 synthesis is scored under the
    rules of caqes-2019: the section on rule changes says so; a synthesis of 2018, whose N−1 is the
    T0 (2017, measured under the rules of each year), says nothing."""
    alone = str(sy.rule_changes(sy.build_synthesis(2019, SAMPLE, CAMPAIGN_2019, today=TODAY)))
    assert "Changements de règles entre campagnes" in alone
    assert ("Les scores de 2018 (N−1) sont calculés ici selon les règles de la campagne caqes-2019, faute de "
            "campagne 2018 fournie") in alone
    assert str(sy.rule_changes(sy.build_synthesis(2018, SAMPLE, CAMPAIGN_2018, today=TODAY))) == ""
