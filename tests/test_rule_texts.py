"""One source of the rule texts (caqes_toolkit.documents.rule_texts): the report's annex, the
method document and params/README.md say the same thing; rule changes carry typed values."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from caqes_toolkit.documents import sections
from caqes_toolkit.documents.method import method_html
from caqes_toolkit.documents.report import build_report
from caqes_toolkit.documents.rule_texts import (
    RULES,
    ClassRange,
    class_ranges,
    readme_section,
    rule_value,
    update_readme,
)
from caqes_toolkit.formats import french_spacing
from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.rules.changes import RuleChange, compare_campaigns

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE, TINY, tiny_yaml, write_campaign

NB = "\u202f"
README = ROOT / "params" / "README.md"


def _campaigns() -> list:
    return [load_campaign(p) for p in sorted((ROOT / "params").glob("caqes-*.yml"))]


def test_params_readme_holds_the_generated_section():
    text = README.read_text(encoding="utf-8")
    assert update_readme(text, _campaigns()) == text, (
        "params/README.md n'est plus à jour : régénérez sa section avec "
        "caqes_toolkit.documents.rule_texts.update_readme")


def test_the_readme_check_can_fail(tmp_path: Path):
    text = README.read_text(encoding="utf-8").replace("rapportée à 35", "rapportée à 36")
    assert update_readme(text, _campaigns()) != text


def test_class_ranges_by_hand(tmp_path: Path):
    text = TINY.replace("{A: 80, B: 70, C: 50, D: 30, E: 0}",
                                                               "{A: 85.5, B: 60, E: 0}")
    ranges = class_ranges(load_campaign(write_campaign(tmp_path, text)))
    assert ranges == [ClassRange("A", 85.5, None), ClassRange("B", 60, 85.5), ClassRange("E", 0, 60)]
    assert [r.text() for r in ranges] == [f"G ≥ 85,5{NB}%", f"60{NB}% ≤ G < 85,5{NB}%", f"G < 60{NB}%"]


@pytest.fixture(scope="module")
def report_2019():
    return build_report("094869773", 2019, SAMPLE, CAMPAIGN_2019)


def test_annex_method_and_readme_say_the_same_thing(report_2019):
    campaign = report_2019.campaign
    annex = BeautifulSoup(str(sections.method_annex(report_2019)), "html.parser").get_text(" ")
    soup = BeautifulSoup(method_html(campaign), "html.parser")
    method = soup.get_text(" ")
    method_classes = [[td.get_text(strip=True) for td in tr.find_all("td")]
                      for tr in soup.select_one("table.caqes-classes").tbody.find_all("tr")]
    readme = readme_section(_campaigns())
    used = {i.rule for i in campaign.indicators}
    assert used == set(RULES)
    for rule in used:
        summary = RULES[rule].summary
        assert french_spacing(summary) in annex and french_spacing(summary) in method and summary in readme, rule
    ranges = class_ranges(campaign)
    assert method_classes == [[r.name, r.text()] for r in ranges]
    for r in ranges:
        assert f"{r.name}\u202f: {r.text()}" in annex and f"{r.name} : {r.text()}" in readme


def test_rule_changes_carry_typed_values(tmp_path: Path):
    base = tiny_yaml("true")
    new = (TINY
           .replace("cible: 45.5", "cible: 49").replace("seuils: [[50, 0.5], [80, 1.0]]", "seuils: [[60, 1.0]]")
           .replace("{A: 80, B: 70, C: 50, D: 30, E: 0}", "{A: 85, B: 70, C: 50, D: 30, E: 0}")
           .replace("  - {code: P1", "  - {code: Z9, libelle: \"Nouveau\", chapitre: 1, portee: regional, "
                    "regle: binaire, sens: hausse}\n  - {code: P1")
           .replace("activites: [PSY]", "activites: [PSY, MCO]"))
    old_c = load_campaign(write_campaign(tmp_path, base, "a.yml"))
    new_c = load_campaign(write_campaign(tmp_path, new, "b.yml"))
    changes = {(c.code, c.field): c for c in compare_campaigns(old_c, new_c)}
    assert set(changes) == {("", "classes"), ("", "sans_sanction"), ("X2", "cible"), ("X3", "seuils"),
                            ("Z9", "indicateur"), ("P1", "activites")}
    assert changes[("X2", "cible")] == RuleChange("X2", "Cible", "cible", 45.5, 49.0)
    assert changes[("", "sans_sanction")].before is True and changes[("", "sans_sanction")].after is False
    assert changes[("", "classes")].after == {"A": 85.0, "B": 70.0, "C": 50.0, "D": 30.0, "E": 0.0}
    assert changes[("X3", "seuils")].after == ((60.0, 1.0),)
    assert (changes[("Z9", "indicateur")].before, changes[("Z9", "indicateur")].after) == (False, True)
    shown = {key: (rule_value(new_c, c, c.before), rule_value(new_c, c, c.after))
             for key, c in changes.items()}
    assert shown[("X2", "cible")] == (f"45,5{NB}%", f"49,0{NB}%")
    assert shown[("", "classes")][1] == "A : 85 ; B : 70 ; C : 50 ; D : 30 ; E : 0"
    assert shown[("", "sans_sanction")] == ("oui", "non")
    assert shown[("X3", "seuils")] == (f"50,0{NB}% : 0,5 ; 80,0{NB}% : 1,0", f"60,0{NB}% : 1,0")
    assert shown[("Z9", "indicateur")] == ("absent", "présent")
    assert shown[("P1", "activites")] == ("PSY", "PSY, MCO")
