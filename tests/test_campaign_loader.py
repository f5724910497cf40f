"""The campaign reader gives the same campaigns and the same refusals with libyaml's loader as with
PyYAML's pure-Python one (used when PyYAML lacks libyaml, and to word the refusals libyaml makes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from caqes_toolkit.errors import CampaignError
from caqes_toolkit.rules import campaign_yaml as campaign_module
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import TINY, write_campaign

PARAMS = sorted((Path(__file__).resolve().parents[1] / "params").glob("*.yml"))
LOADERS = [pytest.param(None, id="python"),
           pytest.param(getattr(yaml, "CSafeLoader", None), id="libyaml",
                        marks=pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML sans libyaml"))]


@pytest.fixture(params=LOADERS)
def loader(request, monkeypatch):
    monkeypatch.setattr(campaign_module, "_C_LOADER", request.param)
    return request.param


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(CampaignError) as caught:
        load_campaign(write_campaign(tmp_path, text))
    return str(caught.value)


def test_libyaml_is_used_when_pyyaml_has_it():
    assert campaign_module._C_LOADER is getattr(yaml, "CSafeLoader", None)


@pytest.mark.parametrize("path", PARAMS, ids=lambda p: p.name)
def test_both_loaders_read_the_same_campaign(path, monkeypatch):
    fast = load_campaign(path)
    monkeypatch.setattr(campaign_module, "_C_LOADER", None)
    assert load_campaign(path).model_dump() == fast.model_dump()


def test_duplicated_key_names_both_lines(tmp_path, loader):
    text = TINY.replace("seuil_sanction: 80", "seuil_sanction: 80\nseuil_sanction: 0")
    assert "\n  seuil_sanction (ligne 5) : clé en double (déjà donnée ligne 4)" in _refused(tmp_path, text)
    # 1 and 1.0 are one key once resolved, in a flow mapping on one line
    text = TINY.replace("1: 60, 2: 20, 3: 8", "1: 60, 2: 20, 1.0: 8")
    assert "sans_liste_en_sus.1.0 (ligne 8) : clé en double (déjà donnée ligne 8)" in _refused(tmp_path, text)


@pytest.mark.parametrize("depth", [25, 999, 1_500, 10_000])
def test_deep_nesting_is_refused_at_any_depth(tmp_path, loader, depth):
    """libyaml stops at 1,000 levels with its own message: the refusal is worded as below it."""
    assert "trop profond" in _refused(tmp_path, "a: " + "[" * depth + "]" * depth)


def test_raw_control_character_and_bad_byte_name_the_line(tmp_path, loader):
    path = tmp_path / "campagne.yml"
    path.write_bytes(TINY.encode().replace(b"campagne: test-tiny", b"campagne: test\x1b-tiny"))
    with pytest.raises(CampaignError, match=r"ligne 1 : caractère de contrôle U\+001B"):
        load_campaign(path)
    path.write_bytes(TINY.encode().replace(b"campagne: test-tiny", b"campagne: test-\xe9"))
    with pytest.raises(CampaignError, match="ligne 1 : octet 0xE9 illisible"):
        load_campaign(path)
