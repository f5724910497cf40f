"""Campaign rules read from the file: class of a score, differences between campaigns, the
second generation's refusals, the campaign of a year, each against values written by hand."""

from __future__ import annotations

import pytest

from caqes_toolkit.errors import CampaignError
from caqes_toolkit.rules.campaign import RuleChange, campaign_for_year, compare_campaigns, load_campaign

from .conftest import TINY_CAMPAIGN, write_campaign
from .test_gen2 import GEN2
from .test_hostile_campaign import _refused

SECOND = GEN2.format(part="25", taux="-5")
WHY = ("une campagne de deuxième génération (generation: 2) est évaluée par ses seuls volets incitatifs : "
       "ni socle, ni classe, ni sanction, ni reversement ; retirez cette clé")


@pytest.mark.parametrize(("g", "grade"), [
    (80, "A"), (79.9999996, "A"),  # rounded to 6 decimals: 80.0
    (79.999, "B"), (30, "D"), (29.9999996, "D"), (29.999998, "E"), (0, "E"),
    (-1, "E"),  # below every bound: the last class
])
def test_grade_rounds_the_score_to_6_decimals(tiny_campaign, g, grade):
    """Classes A 80, B 70, C 50, D 30, E 0; 29.9999996 rounds to 30.000000 (D), 29.999998 does not."""
    assert tiny_campaign.grade(g) == grade


def test_compare_names_every_campaign_wide_rule(tmp_path):
    """seuil_sanction 80 → 75, an indicator removed (P1, « Psy seulement »: present before,
    absent after), X2's target 45.5 → 49 (named by its new label « Cible 2 »); then a
    second-generation campaign: every socle rule and indicator differs."""
    old = load_campaign(write_campaign(tmp_path, TINY_CAMPAIGN.format(sans_sanction="false"), "a.yml"))
    new_text = (TINY_CAMPAIGN.format(sans_sanction="false").replace("seuil_sanction: 80", "seuil_sanction: 75")
                .replace('  - {code: P1, libelle: "Psy seulement", chapitre: 1, portee: regional, regle: binaire, '
                         'sens: hausse, activites: [PSY]}\n', "")
                .replace('libelle: "Cible", chapitre: 1, portee: national, regle: cible, sens: hausse, cible: 45.5',
                         'libelle: "Cible 2", chapitre: 1, portee: national, regle: cible, sens: hausse, cible: 49'))
    new = load_campaign(write_campaign(tmp_path, new_text, "b.yml"))
    assert compare_campaigns(old, new) == [
        RuleChange("", "", "seuil_sanction", 80.0, 75.0),
        RuleChange("P1", "Psy seulement", "indicateur", True, False),
        RuleChange("X2", "Cible 2", "cible", 45.5, 49.0),
    ]
    second = load_campaign(write_campaign(tmp_path, SECOND, "c.yml"))
    changes = compare_campaigns(old, second)
    assert changes[0] == RuleChange("", "", "generation", 1, 2)
    assert [c.field for c in changes[:6]] == ["generation", "ponderations.avec_liste_en_sus",
                                             "ponderations.sans_liste_en_sus", "classes", "seuil_sanction",
                                             "sans_sanction"]
    assert {c.code for c in changes[6:]} == {i.code for i in old.indicators}
    assert all(c.field == "indicateur" and c.before is True and c.after is False for c in changes[6:])


@pytest.mark.parametrize(("old", "new", "line"), [
    ("generation: 2\n", "generation: 2\nseuil_sanction: 80\n", f"(racine) : seuil_sanction : {WHY}"),
    ("generation: 2\n", "generation: 2\nsans_sanction: false\n", f"(racine) : sans_sanction : false refusé ; {WHY}"),
    ('    source: "test"\n', '    source: "test"\n    plafond: 1\n',
     f"volets[0] (code produits_sante).plafond : {WHY}"),
    ("reference: annee_precedente", "reference: debut_contrat",
     "volets[0] (code produits_sante).indicateurs[0] (code IPP).reference : 'debut_contrat' refusé ; une "
     "campagne de deuxième génération mesure les économies sur l'année précédente (reference: annee_precedente)"),
    ("{code: IPP, libelle", "{libelle",
     "volets[0] (code produits_sante).indicateurs[0] (code ?).reference : 'annee_courante' refusé ; une "
     "campagne de deuxième génération mesure les économies sur l'année précédente (reference: annee_precedente)"),
    ("  - code: produits_sante\n", "  - plafond: 1\n", f"volets[0] (code ?).plafond : {WHY}"),
])
def test_second_generation_refusals_read_whole(tmp_path, old, new, line):
    text = SECOND.replace(old, new, 1)
    if "{libelle" in new:
        text = text.replace("reference: annee_precedente", "reference: annee_courante")
    assert _refused(tmp_path, text).split("\n  ")[1:] == [line]


def test_second_generation_refusals_skip_what_is_not_a_volet(tmp_path):
    """A volet written as a number is not a mapping: skipped, the next volet's key still named."""
    text = SECOND.replace("volets:\n", "volets:\n  - 3\n").replace('    source: "test"\n',
                                                                    '    source: "test"\n    plafond: 1\n')
    assert _refused(tmp_path, text).split("\n  ")[1:] == [f"volets[1] (code produits_sante).plafond : {WHY}"]


def test_second_generation_volets_that_are_not_lists(tmp_path):
    """A number where the volets, or a volet's objectives, are expected: said, not a crash."""
    assert _refused(tmp_path, "campagne: x\ngeneration: 2\nvolets: 3\n").split("\n  ")[1:] == [
        "volets : une liste est attendue (reçu : 3)"]
    text = SECOND[:SECOND.index("    indicateurs:\n")] + "    indicateurs: 3\n"
    assert _refused(tmp_path, text).split("\n  ")[1:] == [
        "volets[0] (code produits_sante).indicateurs : une liste est attendue (reçu : 3)"]


def test_a_missing_year_names_the_file_to_add(tmp_path):
    """Two campaigns of 2018 and 2019 named after their year: 2020 asks for caqes-2020.yml."""
    texts = [TINY_CAMPAIGN.format(sans_sanction="false").replace("annee_t0: 2017", f"annee: {y}\nannee_t0: 2017")
             for y in (2018, 2019)]
    campaigns = [load_campaign(write_campaign(tmp_path, t, f"caqes-{y}.yml")) for t, y in zip(texts, (2018, 2019))]
    with pytest.raises(CampaignError) as caught:
        campaign_for_year(campaigns, 2020)
    assert str(caught.value).startswith(f"aucune campagne pour 2020 : ajoutez --campaign {tmp_path / 'caqes-2020.yml'} ")
    unnamed = [c.model_copy(update={"path": None}) for c in campaigns]
    with pytest.raises(CampaignError, match=r"ajoutez --campaign params/caqes-2020\.yml "):
        campaign_for_year(unnamed, 2020)


def test_the_file_to_add_follows_a_campaign_named_after_its_year(tmp_path):
    """A generic campaign (no annee, generique.yml) given first is skipped: the name comes from
    caqes-2018.yml."""
    generic = load_campaign(write_campaign(tmp_path, TINY_CAMPAIGN.format(sans_sanction="false"), "generique.yml"))
    dated = load_campaign(write_campaign(tmp_path, TINY_CAMPAIGN.format(sans_sanction="false").replace(
        "annee_t0: 2017", "annee: 2018\nannee_t0: 2017"), "caqes-2018.yml"))
    with pytest.raises(CampaignError) as caught:
        campaign_for_year([generic, dated], 2020)
    assert f"ajoutez --campaign {tmp_path / 'caqes-2020.yml'} " in str(caught.value)


def test_short_chapter_label_falls_back_on_the_name(tmp_path):
    text = TINY_CAMPAIGN.format(sans_sanction="false").replace("chapitres: {1:", "chapitres_courts: {2: \"Deux (court)\"}\nchapitres: {1:")
    c = load_campaign(write_campaign(tmp_path, text))
    assert (c.short_label(1), c.short_label(2)) == ("Un", "Deux (court)")


def _dated(tmp_path, year: int, name: str | None = None):
    text = TINY_CAMPAIGN.format(sans_sanction="false").replace("annee_t0: 2017", f"annee: {year}\nannee_t0: 2017")
    return load_campaign(write_campaign(tmp_path, text.replace("test-tiny", f"caqes-{year}"), name or f"caqes-{year}.yml"))


def test_campaign_for_year_messages(tmp_path):
    """Two campaigns for one year; two campaigns and --allow-other-year for a year of neither;
    a year of none (the campaigns named with their year, « sans annee » for a generic one)."""
    one, other = _dated(tmp_path, 2019), _dated(tmp_path, 2019, "copie.yml")
    with pytest.raises(CampaignError) as caught:
        campaign_for_year([one, other], 2019)
    assert str(caught.value) == (f"plusieurs campagnes pour 2019 ({tmp_path / 'caqes-2019.yml'}, {tmp_path / 'copie.yml'})"
                                 " : n'en passez qu'une par année")
    both = [_dated(tmp_path, 2018), one]
    with pytest.raises(CampaignError) as caught:
        campaign_for_year(both, 2020, allow_other_year=True)
    assert str(caught.value) == ("aucune campagne pour 2020 parmi caqes-2018 (annee: 2018), caqes-2019 (annee: 2019) : "
                                 "pour appliquer à 2020 les règles d'une autre année, ne passez que cette campagne")
    generic = load_campaign(write_campaign(tmp_path, TINY_CAMPAIGN.format(sans_sanction="false"), "generique.yml"))
    with pytest.raises(CampaignError) as caught:
        campaign_for_year([generic, one], 2020)
    assert str(caught.value) == (
        f"aucune campagne pour 2020 : ajoutez --campaign {tmp_path / 'caqes-2020.yml'} (fichier dont annee: 2020) ; "
        "campagnes reçues : test-tiny (sans annee), caqes-2019 (annee: 2019). Pour appliquer malgré tout à 2020 "
        "les règles d'une autre année : option --allow-other-year (paramètre autre_annee=True des notebooks) ; les "
        "sorties le signalent.")
    with pytest.raises(CampaignError, match=r" ; campagne reçue : caqes-2019 \(annee: 2019\)\. Pour appliquer "):
        campaign_for_year([one], 2020)
