"""The exploration notebook and its content: text generated for the chosen establishment (French
agreement), the widgets, and the notebook running top to bottom without a browser."""

from __future__ import annotations

import nbformat
import pytest

from caqes_toolkit import load_campaign, load_dataset, score
from caqes_toolkit.documents.exploration import (
    agree,
    establishment_choices,
    establishment_figures,
    establishment_text,
    target_choices,
    what_if_text,
)
from caqes_toolkit.evaluation.analysis import simulate

from .campaigns import socle
from .conftest import CAMPAIGN_2019, ROOT, SAMPLE, make_dataset, write_campaign

NOTEBOOK = ROOT / "notebooks" / "exploration.ipynb"

# Two chapters weighing 50 each; six binary indicators of weight 1 (four in chapter 1, two in chapter 2).
CAMPAIGN = socle(
    '{code: B1, libelle: "Premier", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: B2, libelle: "Deuxième", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: B3, libelle: "Troisième", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: B4, libelle: "Quatrième", chapitre: 1, portee: regional, regle: binaire, sens: hausse}',
    '{code: C1, libelle: "Cinquième", chapitre: 2, portee: regional, regle: binaire, sens: hausse}',
    '{code: C2, libelle: "Sixième", chapitre: 2, portee: regional, regle: binaire, sens: hausse}',
    name="test-exploration", weights={1: 50, 2: 50}, chapters={1: "Un", 2: "Deux"})
CODES = ("B1", "B2", "B3", "B4", "C1", "C2")
#: Values of each establishment ("" = not reported, counted 0).
VALUES = {
    "000000001": ("Alpha", dict.fromkeys(CODES, "oui")),                          # 100 %: all reached
    "000000002": ("Bêta", {**dict.fromkeys(CODES, "oui"), "B1": "non"}),         # 87.5 %: one below
    "000000003": ("Gamma", {**dict.fromkeys(CODES, "oui"), "B1": "non", "B2": "non", "C1": ""}),  # 50 %
    "000000004": ("Delta", {**dict.fromkeys(CODES, "oui"), "B1": "non", "B2": "non", "C1": "", "C2": ""}),  # 25 %
}


@pytest.fixture
def region(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, CAMPAIGN))
    dataset = make_dataset(
        [(f, name, "Région test", "MCO", True) for f, (name, _) in VALUES.items()],
        [(f, 2019, code, text) for f, (_, values) in VALUES.items() for code, text in values.items()])
    return dataset, campaign, score(dataset, campaign)


def test_agree_french_plural():
    assert [agree(n, "objectif") for n in (0, 1, 2, 12)] == ["0 objectif", "1 objectif", "2 objectifs", "12 objectifs"]
    assert agree(1, "indicateur applicable", "indicateurs applicables") == "1 indicateur applicable"
    assert agree(3, "indicateur applicable", "indicateurs applicables") == "3 indicateurs applicables"


def test_text_all_reached(region):
    _, _, scores = region
    text = establishment_text(scores, "000000001", 2019)
    assert "score global 100,0\u202f%, classe A, 1er sur 4 établissements" in text
    assert "Les 6 indicateurs applicables ont tous atteint leur cible." in text
    assert "sous" not in text and "objectif" not in text and "sanction" not in text


def test_text_one_below_is_singular(region):
    _, _, scores = region
    text = establishment_text(scores, "000000002", 2019)
    # chapter 1: 3/4 = 75 %, chapter 2: 100 %: global 87.5 %; B1 at target: +12.5 points
    assert "score global 87,5\u202f%, classe A, 2e sur 4" in text
    assert "Sur 6 indicateurs applicables, 5 ont atteint leur cible et 1 est sous sa cible." in text
    assert "Atteindre cet objectif (B1) porterait le score global de 87,5\u202f% à 100,0\u202f% (+12,5\u202fpoints)" in text
    assert "ces 1" not in text and "sanction" not in text


def test_text_several_below_and_not_reported(region):
    _, _, scores = region
    text = establishment_text(scores, "000000003", 2019)
    # chapters 2/4 and 1/2: 50 %; gains C1 25, B1 12.5, B2 12.5 (ties by code)
    assert "score global 50,0\u202f%, classe C, 3e sur 4" in text
    assert "Une sanction est proposée pour cette année (score global sous le seuil de 80\u202f%)." in text
    assert ("Sur 6 indicateurs applicables, 3 ont atteint leur cible et 3 sont sous leur cible, "
            "dont 1 non renseigné (compté 0).") in text
    assert "Atteindre ces 3 objectifs (C1, B1, B2) porterait le score global de 50,0\u202f% à 100,0\u202f% (+50,0\u202fpoints)" in text
    text = establishment_text(scores, "000000004", 2019)
    assert "2 ont atteint leur cible et 4 sont sous leur cible, dont 2 non renseignés (comptés 0)." in text
    assert "Atteindre ces 4 objectifs (C1, C2, B1, B2)" in text and "4e sur 4" in text
    assert establishment_text(scores, "000000004", 2019, n=1).count("cet objectif (C1)") == 1


def test_choices_targets_and_what_if(region):
    dataset, campaign, scores = region
    assert establishment_choices(scores, 2019) == [
        ("Alpha — 000000001", "000000001"), ("Bêta — 000000002", "000000002"),
        ("Delta — 000000004", "000000004"), ("Gamma — 000000003", "000000003")]
    assert [code for _, code in target_choices(scores, "000000003", 2019)] == ["C1", "B1", "B2"]
    assert target_choices(scores, "000000001", 2019) == []
    sim = simulate(dataset, campaign, 2019, "000000004", {"C1": "cible"})
    assert what_if_text(sim) == ("1 indicateur à la cible (C1) — score global : 25,0\u202f% (classe E) → "
                                 "50,0\u202f% (classe C), soit +25,00\u202fpoints.")
    assert what_if_text(simulate(dataset, campaign, 2019, "000000004", {"C1": "cible", "C2": "cible"})).startswith(
        "2 indicateurs à la cible (C1, C2)")
    assert len(establishment_figures(scores, "000000003", 2019)) == 2


def test_widgets_follow_the_chosen_establishment(region):
    pytest.importorskip("ipywidgets")
    from caqes_toolkit.documents.exploration import explorer

    dataset, campaign, scores = region
    app = explorer(dataset, campaign, scores, 2019, "000000003")
    assert len(app.establishment.options) == 4 and app.establishment.value == "000000003"
    assert [box.code for box in app.targets] == ["C1", "B1", "B2"]
    assert "3 sont sous leur cible" in app.text and app.simulation is None
    app.establishment.value = "000000004"  # as the pharmacist does in the list
    assert [box.code for box in app.targets] == ["C1", "C2", "B1", "B2"] and "Delta" in app.text
    app.targets[0].value = True  # « atteindre la cible » for C1
    assert app.simulation is not None and app.simulation.score_after == pytest.approx(50.0)
    assert app.simulation.class_after == "C"
    app.establishment.value = "000000001"
    assert app.targets == [] and app.simulation is None
    assert explorer(dataset, campaign, scores, 2019, "999999999").establishment.value == "000000001"  # first by name


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert any("parameters" in c.metadata.get("tags", []) for c in code)
    assert "094869773" not in "".join(c.source for c in nb.cells[2:])  # nothing written for one establishment


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path):
    import papermill

    out = tmp_path / "exploration.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent),
                               kernel_name="python3", progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert "20 établissements" in printed
    assert "score global :" in printed and "(classe" in printed
    # the fallback without a browser: the text generated for the establishment of the parameters
    campaign = load_campaign(CAMPAIGN_2019)
    expected = establishment_text(score(load_dataset(SAMPLE, campaign), campaign), "094869773", 2019)
    shown = [o.data["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert expected in shown
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
