"""The French line a refused campaign key gets, whole: key path, message, value received.

Each fault of the small test campaign must read exactly as the translation table of
``rules/campaign.py`` says (a test that only looks for a word lets a garbled message through).
"""

from __future__ import annotations

import pytest

from caqes_toolkit.errors import CampaignError
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import write_campaign
from .test_hostile_campaign import TINY, _refused

BINARY = "regle: binaire, sens: hausse}"
X2 = 'X2, libelle: "Cible", chapitre: 1, portee: national, regle: cible, sens: hausse, cible: 45.5'


@pytest.mark.parametrize(("old", "new", "line"), [
    ("seuil_sanction: 80", "seuil_sanction: 80\ncouleur: bleu", "couleur : clé inconnue (faute de frappe ?) (reçu : 'bleu')"),
    ("annee_t0: 2017", "annee_t0: deux-mille", "annee_t0 : un entier est attendu (reçu : 'deux-mille')"),
    ("seuil_sanction: 80", "seuil_sanction: quatre-vingts",
     "seuil_sanction : un nombre est attendu (reçu : 'quatre-vingts')"),
    ("seuil_sanction: 80", "seuil_sanction: .inf",
     "seuil_sanction : un nombre fini est attendu (ni .inf ni .nan) (reçu : inf)"),
    ("sans_sanction: false", "sans_sanction: peut-être",
     "sans_sanction : true ou false est attendu (reçu : 'peut-être')"),
    ("seuil_sanction: 80", "seuil_sanction: 120", "seuil_sanction : valeur attendue ≤ 100.0 (reçu : 120)"),
    ("seuil_sanction: 80", "seuil_sanction: -1", "seuil_sanction : valeur attendue ≥ 0.0 (reçu : -1)"),
    (BINARY, "regle: binaire, sens: hausse, poids: 0}", "indicateurs[0] (code X1).poids : valeur attendue > 0.0 (reçu : 0)"),
    (BINARY, "regle: binaire, sens: monte}",
     "indicateurs[0] (code X1).sens : valeur attendue parmi 'hausse' ou 'baisse' (reçu : 'monte')"),
    ('{code: X1, libelle: "Binaire", ', "{code: X1, ", "indicateurs[0] (code X1).libelle : clé obligatoire absente"),
    ('{code: X1, libelle: "Binaire", ', '{libelle: "Binaire", ', "indicateurs[0] (code ?).code : clé obligatoire absente"),
    ("chapitres: {1:", "chapitres_courts: {9: x}\nchapitres: {1:",
     "(racine) : chapitres_courts cite des chapitres absents de « chapitres »"),
    (X2, X2.replace("45.5", "autre"), "indicateurs[1] (code X2).cible : un nombre est attendu ; ou valeur attendue "
     "parmi 'reference_nationale' ou 'reference_regionale' (reçu : 'autre')"),
    ("indicateurs:", "volets: [{code: v, libelle: V, indicateurs: []}]\nindicateurs:",
     "volets[0] (code v).indicateurs : au moins un élément est attendu"),
    ("indicateurs:", "volets: [{libelle: V, indicateurs: [{code: Z, libelle: Z, portee: national, regle: mesure}]}]"
     "\nindicateurs:", "volets[0] (code ?).code : clé obligatoire absente"),
    # a value of the wrong type: said in French, the received value unless it is a list or a mapping
    ("annee_t0: 2017", "annee_t0: 2017\ndate_limite_grille: [1]",
     "date_limite_grille : une date est attendue (AAAA-MM-JJ) ; ou un texte est attendu"),
    ("annee_t0: 2017", "annee_t0: 2017\ncontact_ars: [1]", "contact_ars : un texte est attendu"),
    ("sans_sanction: false", "sans_sanction: [1]", "sans_sanction : true ou false est attendu"),
    ("seuil_sanction: 80", "seuil_sanction: [1]", "seuil_sanction : un nombre est attendu"),
    ("indicateurs:\n", "indicateurs:\n  - 3\n",
     "indicateurs[0] : un dictionnaire YAML (des clés et leurs valeurs) est attendu (reçu : 3)"),
    ("annee_t0: 2017", "annee_t0: 2017\nchapitres_courts: 3",
     "chapitres_courts : un dictionnaire YAML (des clés et leurs valeurs) est attendu (reçu : 3)"),
])
def test_each_fault_reads_as_the_table_says(tmp_path, old, new, line):
    assert old in TINY, old
    message = _refused(tmp_path, TINY.replace(old, new, 1))
    assert message.split("\n  ")[1:] == [line]


def test_every_faulty_key_gets_its_own_line_in_file_order(tmp_path):
    """Two faults: one line each, « campagne invalide : » first, then each key as the file gives it."""
    text = TINY.replace("annee_t0: 2017", "annee_t0: deux-mille").replace("seuil_sanction: 80", "seuil_sanction: 120")
    path = write_campaign(tmp_path, text)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert str(caught.value) == (f"{path} : campagne invalide :\n  annee_t0 : un entier est attendu (reçu : "
                                 "'deux-mille')\n  seuil_sanction : valeur attendue ≤ 100.0 (reçu : 120)")


def test_a_yaml_problem_without_french_words_is_quoted(tmp_path):
    """An alias to nothing: PyYAML's words, quoted, with the line and the column."""
    path = write_campaign(tmp_path, "campagne: *nope\n")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert str(caught.value) == f"{path} : YAML invalide, ligne 1, colonne 11 : « found undefined alias 'nope' » (message de PyYAML)"
