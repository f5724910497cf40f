"""The second-generation report: volets incitatifs, intéressement only, the month for observations."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.documents import contracts as contrat
from caqes_toolkit.errors import CaqesError

from .conftest import ROOT

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
SONGE, FICTILANDE = "380001016", "070005053"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")


def report(finess: str = SONGE):
    return contrat.build_contract_report(finess, 2023, SAMPLE_2022, CAMPAIGN, today=dt.date(2024, 5, 2))


def whole(r) -> str:
    return text_of("".join([contrat.header(r), contrat.synthesis(r), contrat.volets(r), contrat.targeting(r),
                            contrat.method_annex(r), contrat.report_provenance(r)]))


def test_report_shows_the_incentive_and_no_class_nor_sanction():
    r = report()
    text = whole(r)
    assert "sanction" not in text.lower() and "classe" not in text.lower() and "score global" not in text.lower()
    assert "un mois" in text and "observations" in text
    # IPP, the worked example: spending N−1 and N, rate and objective, savings, intéressement
    for shown in ("200 000,00 €", "185 000,00 €", "−5,0 %/an", "190 000,00 €", "15 000,00 €", "3 750,00 €"):
        assert shown in text, shown
    assert "repose sur" in text and "25 %" in text
    assert r.scores_json()["interessement_total"] == 3750
    json.dumps(r.scores_json())


def test_report_lists_the_targeting_of_the_establishment():
    r = report()
    outcomes = dict(zip(r.targeting["referentiel"], r.targeting["cible"]))
    assert outcomes["IPP"] == "oui" and outcomes["EZETIMIBE"] == "non" and outcomes["EPA"] == "a_verifier"
    assert "12 000 boîtes ≥ 8 500" in text_of(contrat.targeting(r))


def test_report_of_an_establishment_with_an_unknown_share(tmp_path):
    """A volet whose money cannot be computed is refused by name, never reported as 0 €."""
    text = CAMPAIGN.read_text(encoding="utf-8").replace("part_interessement: 25", "part_interessement: null", 1)
    path = tmp_path / "c.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaqesError, match="part_interessement"):
        contrat.build_contract_report(SONGE, 2023, SAMPLE_2022, path)


@pytest.mark.slow
def test_cli_reports_second_generation(tmp_path):
    out = tmp_path / "rapports"
    res = CliRunner().invoke(app, ["reports", str(SAMPLE_2022), "-c", str(CAMPAIGN), "-y", "2023", "--out", str(out),
                                   "--formats", "html", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted([FICTILANDE, SONGE, "690002027"])
    html = text_of((out / SONGE / "rapport.html").read_text(encoding="utf-8"))
    assert "Volets incitatifs" in html and "un mois" in html and "sanction" not in html.lower()
    assert json.loads((out / SONGE / "scores.json").read_text(encoding="utf-8"))["interessement_total"] == 3750
