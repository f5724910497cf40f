"""Project scaffolding: conda environment consistent with pyproject, campaign files valid."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from caqes_toolkit.errors import CampaignError
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2018, ROOT, TINY_CAMPAIGN, write_campaign

SPEC = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$")


def _parse(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        name, bounds = SPEC.match(req.strip()).groups()
        out[name.lower().replace("_", "-")] = bounds.replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _parse(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_parse(extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = _parse([d for d in env["dependencies"] if isinstance(d, str)])
    assert "conda-forge" in env["channels"]
    assert {"-e ."} <= set(next(d for d in env["dependencies"] if isinstance(d, dict))["pip"])
    mismatched = {name: (bounds, conda.get(name)) for name, bounds in wanted.items()
                  if conda.get(name) != bounds}
    assert not mismatched, f"environment.yml differs from pyproject.toml: {mismatched}"
    assert conda["python"] == project["requires-python"]


@pytest.mark.parametrize("path", sorted((ROOT / "params").glob("*.yml")))
def test_bundled_campaigns_load(path):
    campaign = load_campaign(path)
    if campaign.second_generation:  # caqes-2022.yml: volets incitatifs only, no socle
        assert not campaign.chapters and not campaign.indicators
        assert all(i.action and i.label for v in campaign.volets for i in v.indicators)
        return
    assert set(campaign.chapters) == {1, 2, 3, 4, 5}
    assert sum(campaign.chapter_weights(True).values()) == 100
    assert sum(campaign.chapter_weights(False).values()) == 100
    assert all(ind.action and ind.label for ind in campaign.indicators)


def test_campaigns_carry_the_seed_and_decree_values():
    c18 = load_campaign(CAMPAIGN_2018)
    c19 = load_campaign(ROOT / "params" / "caqes-2019.yml")
    assert c18.without_sanction and not c19.without_sanction
    assert c18.chapter_weights(True) == {1: 60, 2: 20, 3: 5, 4: 7, 5: 8}
    assert c18.chapter_weights(False) == {1: 60, 2: 20, 3: 8, 4: 12}
    assert (c18.by_code["G01"].target, c19.by_code["G01"].target) == (45.5, 49)
    assert (c18.by_code["H01"].target, c19.by_code["H01"].target) == (4.0, 3.3)
    assert (c18.by_code["L01"].target, c19.by_code["L01"].target) == (3.5, 3.0)
    assert (c18.by_code["L02"].target, c19.by_code["L02"].target) == (5.7, 3.0)
    assert c18.by_code["H02"].target == 3.6 and c18.by_code["G02"].target == 70


@pytest.mark.parametrize(("edit", "message"), [
    (("regle: binaire, sens: hausse}}", "regle: binair, sens: hausse}}"), "indicateurs[0] (code X1).regle"),
    (("cible: 45.5, ", ""), "X2 (regle: cible) demande la clé « cible »"),
    (("seuil_sanction: 80", "seuil_sanction: 180"), "seuil_sanction"),
    (("annee_t0: 2017", "annee_t0: deux-mille"), "annee_t0"),
    (("{{A: 80, B: 70", "{{A: 70, B: 80"), "classes"),
    (("chapitre: 5, portee", "chapitre: 6, portee"), "chapitre 6 absent"),
    (("campagne: test-tiny", "campagne: test-tiny\nannee_t1: 2017"), "annee_t1"),
    (("code: Y2", "code: X1"), "codes d'indicateurs en double : X1"),
    (("activites: [PSY]", "activites: [PSYCH]"), "indicateurs[4] (code P1).activites"),
])
def test_malformed_campaign_names_the_key(tmp_path, edit, message):
    text = TINY_CAMPAIGN.replace(*edit).format(sans_sanction="false")
    with pytest.raises(CampaignError) as info:
        load_campaign(write_campaign(tmp_path, text))
    assert message in str(info.value)
    assert "campagne.yml" in str(info.value)


def test_unreadable_campaign(tmp_path):
    with pytest.raises(CampaignError, match="illisible"):
        load_campaign(tmp_path / "absent.yml")
    with pytest.raises(CampaignError, match="YAML invalide"):
        load_campaign(write_campaign(tmp_path, "campagne: [unclosed"))
