"""Second-generation regional synthesis and method document."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

from caqes_toolkit.documents import contracts as cs
from caqes_toolkit.documents.contracts import method_html
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import ROOT

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN = SAMPLE_2022 / "caqes-2022-region-fictive.yml"


def text_of(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).replace("\u202f", " ")


def test_synthesis_totals_by_volet_and_indicator():
    """Sample, 2023: IPP savings 15 000 € (Songe-sur-Mer, A = 100 %: 3 750 €) + 15 000 € (Utopia,
    A = 50 %: 1 875 €) = 30 000 € and 5 625 €."""
    s = cs.build_contract_synthesis(2023, SAMPLE_2022, CAMPAIGN, today=dt.date(2024, 5, 2))
    ipp = s.lines[s.lines["indicateur"] == "IPP"]
    assert ipp["economies"].sum() == 30_000 and ipp["interessement"].sum() == 5_625
    table = text_of(cs.by_indicator(s))
    assert "IPP 2 720 000 € 690 000 € 30 000 € 5 625 €" in table
    assert "Produits de santé prescrits en établissement et remboursés en ville total du volet 2 69 000 € 10 500 €" in table
    assert "produits_sante" not in table  # the volet's label, never its code
    targeted = text_of(cs.targeted(s))
    assert "12 000 boîtes ≥ 8 500" in targeted and "Clinique du Lac fictif" in targeted
    assert "Clinique des Chimères" not in targeted.split("EZETIMIBE")[0]  # complies with IPP: not listed
    whole = text_of("".join([cs.synthesis_header(s), cs.key_figures(s), table, cs.contracts(s), targeted]))
    assert "sanction" not in whole.lower() and not re.search(r"\bclasses?\b", whole.lower())  # « classeur » is


def test_method_of_the_shipped_second_generation_campaign():
    html = text_of(method_html(load_campaign(ROOT / "params" / "caqes-2022.yml")))
    for shown in ("200 000,00 €", "185 000,00 €", "190 000,00 €", "15 000,00 €", "−7,50 %", "3 750,00 €"):
        assert shown in html, shown
    assert "IPP_BOITES < 8 500 boîtes" in html and "dépense perfadom < 100 000 €" in html
    assert "volets[produits_sante].indicateurs[EZETIMIBE].taux_cible" in html
    assert "volets[produits_sante].part_interessement" in html
    assert "un mois" in html and "sanction" not in html.lower()
