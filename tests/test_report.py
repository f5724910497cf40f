"""Content of an establishment report, computed by the package (no kernel needed)."""

from __future__ import annotations

import datetime as dt
import json

import nbformat
import pandas as pd
import papermill
import pytest

from caqes_toolkit import load_campaign, load_dataset, score_by_year, summary
from caqes_toolkit.documents import sections
from caqes_toolkit.documents.report import build_report

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE

NOTEBOOK = ROOT / "notebooks" / "rapport_etablissement.ipynb"
FINESS = "094869773"  # sample establishment with an adjustment in 2019
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def report():
    return build_report(FINESS, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY)


@pytest.fixture(scope="module")
def sample_scores():
    campaign = load_campaign(CAMPAIGN_2019)
    return score_by_year(load_dataset(SAMPLE, campaign), [campaign], [2019])[2019]


def all_sections(r) -> str:
    return "".join(str(f(r)) for f in (
        sections.header, sections.synthesis, sections.chapters, sections.chart_chapters,
        sections.chart_history, sections.chart_maturity, sections.chart_status, sections.indicators,
        sections.priorities, sections.adjustments, sections.method_annex, sections.provenance))


def test_notebook_is_reviewable_and_parameterised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs before committing"
    assert "parameters" in code[0].metadata.get("tags", [])
    params = {name: p["inferred_type_name"] for name, p in papermill.inspect_notebook(str(NOTEBOOK)).items()}
    assert params == {"finess": "str", "annee": "int", "donnees": "str", "campagne": "str",
                      "campagne_precedente": "str", "autre_annee": "bool", "phase": "int"}
    # thin: no scoring logic in cells, only calls into the package
    assert all(len(c.source.splitlines()) <= 5 for c in code[1:])


def test_numbers_agree_with_the_scores_table(report, sample_scores):
    row = summary(sample_scores, 2019).set_index("finess").loc[FINESS]
    assert report.summary["score_global"] == pytest.approx(row["score_global"])
    assert report.summary["classe"] == row["classe"]
    data = report.scores_json()
    assert data["score_global"] == pytest.approx(row["score_global"], abs=1e-6)
    assert data["chapitres"]["1"] == pytest.approx(row["chapitre_1"], abs=1e-6)
    json.dumps(data)  # JSON-ready
    html = str(sections.synthesis(report))
    assert f"{row['score_global']:.1f}".replace(".", ",") + "\u202f%" in html


def test_chapter_contributions_add_up_to_the_change(report):
    s = report.summary
    assert report.chapters["contribution_t0"].sum() == pytest.approx(s["evolution_t0"])
    assert report.chapters["contribution_n1"].sum() == pytest.approx(s["evolution_n1"])


def test_adjustments_before_and_after(report):
    assert list(report.adjustments["indicateur"]) == ["C06"]
    html = str(sections.adjustments(report))
    assert "70,2\u202f%" in html and "97,1\u202f%" in html
    assert report.score_before_adjustments < report.summary["score_global"]


def test_report_never_names_another_establishment(report):
    html = all_sections(report)
    others = load_dataset(SAMPLE, load_campaign(CAMPAIGN_2019)).establishments
    for name, code in zip(others["raison_sociale"], others["finess"]):
        if code != FINESS:
            assert name not in html and code not in html
    assert report.name in html


def test_priorities_are_the_top_five_by_gain(report):
    html = str(sections.priorities(report))
    top = report.priorities.head(5)
    assert top["gain"].is_monotonic_decreasing
    for code in top["indicateur"]:
        assert f'<span class="code">{code}</span>' in html


def test_narrative_is_generated_from_the_results(report):
    html = str(sections.synthesis(report))
    weakest = report.chapters.dropna(subset=["score"]).sort_values("score").iloc[0]
    assert f"chapitre {int(weakest.chapitre)} ({weakest.libelle_court})" in html
    assert "une sanction est encourue\u202f; elle peut être proposée" in html  # 2019, class C, phase 2
    delta = report.summary["evolution_t0"]
    assert f"Depuis le T0 (2017), le score global progresse de {abs(delta):.1f}".replace(".", ",") in html
    n = min(5, len(report.priorities))
    assert f"Les {n} priorités proposées pour l&#39;an prochain représentent" in html


def test_names_are_escaped(tmp_path):
    folder = tmp_path / "region"
    folder.mkdir()
    for path in SAMPLE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    es = pd.read_csv(folder / "etablissements.csv", dtype=str, keep_default_na=False)
    es.loc[es.finess == FINESS, "raison_sociale"] = '<script>alert("x")</script> & "Clinique" $x$'
    es.to_csv(folder / "etablissements.csv", index=False)
    r = build_report(FINESS, 2019, folder, CAMPAIGN_2019, today=TODAY)
    html = all_sections(r)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Clinique&#34; $x$" in html


def test_unknown_establishment_is_a_clear_error():
    from caqes_toolkit.errors import CaqesError

    with pytest.raises(CaqesError, match="999999999"):
        build_report("999999999", 2019, SAMPLE, CAMPAIGN_2019)


def test_comparison_with_the_previous_campaign():
    from .conftest import CAMPAIGN_2018

    r = build_report(FINESS, 2019, SAMPLE, CAMPAIGN_2019, CAMPAIGN_2018, today=TODAY)
    changed = {(c.code, c.field): (c.before, c.after) for c in r.rule_changes}
    assert changed[("G01", "cible")] == (45.5, 49.0)
    assert changed[("L02", "cible")] == (5.7, 3.0)
    assert changed[("", "sans_sanction")] == (True, False)
    c18 = load_campaign(CAMPAIGN_2018)
    own = score_by_year(load_dataset(SAMPLE, c18), [c18], [2018])[2018].year(2018).establishments.set_index("finess")
    assert r.score_n1_own_rules == pytest.approx(own.loc[FINESS, "score_global"])
    html = str(sections.rule_changes(r)) + str(sections.indicators(r))
    assert "45,5\u202f%" in html and "49,0\u202f%" in html
    assert "(cible caqes-2018\u202f: 45,5\u202f%)" in html
    # without the campaign of 2018, the report says its 2018 scores follow the rules of 2019…
    notice = str(sections.rule_changes(build_report(FINESS, 2019, SAMPLE, CAMPAIGN_2019)))
    assert "Les scores de 2018 (N−1) sont calculés ici selon les règles de la campagne caqes-2019" in notice
    assert "faute de campagne 2018" in notice
    # …but a report of 2018, whose N−1 is the T0 (2017, no campaign of its own), says nothing
    assert str(sections.rule_changes(build_report(FINESS, 2018, SAMPLE, CAMPAIGN_2018))) == ""


def test_finess_given_as_a_number_gets_its_zero_back():
    """``papermill -p finess 094869773`` injects an int; the report still finds the establishment."""
    assert build_report(94869773, 2019, SAMPLE, CAMPAIGN_2019, today=TODAY).finess == FINESS
