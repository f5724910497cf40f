"""The French words a reader sees for the codes of the data, the campaign and the results: one place.

Codes stay codes where programs read them (the machine CSV, ``scores.json``, the tables of the
notebooks); every document, workbook for people and message of the command line shows these words
instead. The codes a campaign defines (a volet's, an indicator's) have their label in the campaign
itself (``libelle``: :func:`volet_label`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..formats import agree, plural
from ..rules.campaign import Campaign

__all__ = ["DATA_SOURCES", "EXPENSE_REFERENCES", "PROVIDERS", "RETURN_STATUSES", "SCOPES", "TARGETING", "TIE_BREAK",
           "TO_OBTAIN", "YES_NO", "missing_data", "missing_value", "return_status", "to_obtain", "volet_label"]

#: A yes/no value (a boolean, a flag of the results).
YES_NO = {True: "oui", False: "non"}
#: The outcome of a targeting référentiel (``cible`` of ``caqes ciblage``).
TARGETING = {"oui": "ciblé", "non": "non ciblé", "a_verifier": "à vérifier"}
#: Who provides an indicator's value (``source_donnees``), as a column shows it.
DATA_SOURCES = {"etablissement": "Établissement", "assurance_maladie": "Assurance Maladie", "has": "HAS"}
#: The same, inside a sentence (« fournie par l'Assurance Maladie »).
PROVIDERS = {"etablissement": "l'établissement", "assurance_maladie": "l'Assurance Maladie", "has": "la HAS"}
#: Where an indicator's target comes from (``portee``, a reference's level).
SCOPES = {"national": "nationale", "regional": "régionale"}
#: The reference year of an expense objective (``reference``).
EXPENSE_REFERENCES = {"debut_contrat": "année qui précède le début du contrat", "annee_precedente": "année précédente"}
#: The status of a returned grid (``caqes collecte``), in the singular (feminine: « une grille »).
RETURN_STATUSES = {"recue": "reçue", "incomplete": "incomplète", "invalide": "invalide", "manquante": "manquante"}
#: How priorities of equal gain are ordered (:func:`caqes_toolkit.evaluation.analysis.priorities`).
TIE_BREAK = ("À points égaux, un indicateur national passe avant un indicateur régional, puis un indicateur "
             "dégradé depuis l'an dernier avant les autres, puis l'ordre des codes.")


#: A value the establishment does not declare and the ARS does not have yet (a grid's locked cell).
TO_OBTAIN = "à obtenir par l'ARS"


def to_obtain(source: str) -> str:
    """Who gets a value the establishment does not declare: « à obtenir par l'ARS auprès de
    l'Assurance Maladie »."""
    return f"{TO_OBTAIN} auprès de {PROVIDERS.get(source, source)}"


def missing_value(source: str) -> str:
    """A missing value (counted 0) as a table cell shows it, saying who provides it: « non renseigné
    (compté 0) » when the establishment declares it, else « donnée manquante (comptée 0) : à obtenir
    par l'ARS auprès de l'Assurance Maladie »."""
    if source == "etablissement":
        return "non renseigné (compté 0)"
    return f"donnée manquante (comptée 0) : {to_obtain(source)}"


def return_status(status: str, n: int = 1) -> str:
    """A grid's status agreeing with ``n``: « reçue », « 18 manquantes » (without the number)."""
    return agree(n, RETURN_STATUSES.get(status, status))


def volet_label(campaign: Campaign, code: str) -> str:
    """The campaign's label of a volet code (the code itself when the campaign has no such volet)."""
    volet = campaign.volet_by_code.get(code)
    return volet.label if volet is not None else code


def missing_data(codes_by_source: Iterable[tuple[str, str]]) -> list[str]:
    """What the missing values of an establishment are and who provides them, one clause per provider:
    its own (« 1 indicateur non renseigné (F01) compte pour zéro : le renseigner est le gain le plus
    simple »), then the Assurance Maladie's and the HAS's, which are the ARS's to obtain (« 1 donnée de
    l'Assurance Maladie manque (G05) : elle compte pour zéro jusqu'à ce que l'ARS l'obtienne »).
    ``codes_by_source``: (indicator code, ``source_donnees``) pairs."""
    grouped: dict[str, list[str]] = {}
    for code, source in codes_by_source:
        grouped.setdefault(source, []).append(code)
    out = []
    own = grouped.pop("etablissement", [])
    if own:
        n = len(own)
        out.append(f"{plural(n, 'indicateur non renseigné')} ({', '.join(own)}) "
                   f"{agree(n, 'compte', 'comptent')} pour zéro : {agree(n, 'le', 'les')} renseigner est le gain "
                   "le plus simple")
    for source in ("assurance_maladie", "has", *sorted(set(grouped) - {"assurance_maladie", "has"})):
        codes = grouped.get(source, [])
        if codes:
            n, obtains = len(codes), agree(len(codes), "l'obtienne", "les obtienne")
            out.append(f"{plural(n, 'donnée')} de {PROVIDERS.get(source, source)} ({', '.join(codes)}) "
                       f"{agree(n, 'manque', 'manquent')} : {agree(n, 'elle compte', 'elles comptent')} pour zéro "
                       f"jusqu'à ce que l'ARS {obtains}")
    return out
