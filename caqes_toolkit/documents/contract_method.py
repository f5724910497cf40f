"""The method document of a second-generation campaign (``caqes methode`` with ``generation: 2``):
the référentiels, the savings and intéressement rules with every parameter and its source, the
values the region must fill, and a worked example computed by the engine
(:func:`caqes_toolkit.evaluation.money.evaluate_volets`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import __version__
from ..data.dataset import COLUMNS, MATURITY_STEPS, Dataset
from ..formats import fmt_euros, fmt_num, fmt_pct
from ..rules.campaign import Campaign, Condition, Volet, VoletIndicator
from .fragments import french_date
from .volet_sections import rate_text

__all__ = ["contract_method_content"]

#: The worked example: spending of N − 1 and N, rate and share when the campaign leaves them empty.
EXAMPLE_SPENDING = (200_000.0, 185_000.0)
EXAMPLE_SHARE = 25.0
EXAMPLE_RATE = -5.0


def _condition_text(campaign: Campaign, c: Condition) -> str:
    found = campaign.volet_indicators.get(c.indicator) if c.indicator else None
    unit = "€" if c.expense else found[1].unit if found else None
    limit = "à compléter" if c.below is None else fmt_num(c.below, 2, trim=True, unit=unit)
    return f"dépense {c.expense} < {limit}" if c.expense else f"{c.indicator} < {limit}"


def _example_campaign(campaign: Campaign, line: VoletIndicator, volet: Volet) -> tuple[Campaign, float, float]:
    """A one-line campaign for the example: the line's rate and the volet's share, or the method's
    example values where the campaign leaves them empty."""
    rate = line.target_rate if isinstance(line.target_rate, int | float) else EXAMPLE_RATE
    share = volet.share_savings if volet.share_savings is not None else EXAMPLE_SHARE
    example = Campaign.model_validate({
        "campagne": campaign.name, "generation": 2,
        "volets": [{"code": volet.code, "libelle": volet.label, "part_interessement": share, "indicateurs": [
            {"code": line.code, "libelle": line.label, "portee": line.scope, "regle": "depense",
             "poste": line.expense, "taux_cible": rate, "reference": "annee_precedente"}]}]})
    return example, rate, share


def _worked_example(campaign: Campaign, year: int = 2023) -> dict:
    """Spending 200 000 € in N − 1 and 185 000 € in N, every objective met (A = 1): the objective,
    savings, growth and intéressement as :func:`evaluate_volets` computes them."""
    from ..evaluation.money import evaluate_volets

    volet, line = next((v, i) for v in campaign.volets for i in v.expenses)
    example, rate, share = _example_campaign(campaign, line, volet)
    fid = "EX0000001"
    es = pd.DataFrame({"finess": [fid], "raison_sociale": "Exemple", "region": "Exemple", "activites": "MCO",
                       "liste_en_sus": True, "produits_am": float("nan")})
    empty = {name: pd.DataFrame(columns=COLUMNS[name]).astype({"annee": "int64", "valeur": float})
             for name in ("results", "references", "adjustments")}
    data = Dataset(es, empty["results"], empty["references"],
                   pd.DataFrame(columns=["finess", "annee", *MATURITY_STEPS]).astype({"annee": "int64"}),
                   empty["adjustments"],
                   contracts=pd.DataFrame({"finess": [fid], "volet": volet.code,
                                           "date_debut": [pd.Timestamp(year - 1, 7, 1)], "date_fin": [pd.NaT]}),
                   expenses=pd.DataFrame({"finess": fid, "annee": [year - 1, year], "poste": line.expense,
                                          "montant": list(EXAMPLE_SPENDING)}).astype({"annee": "int64"}))
    row = evaluate_volets(data, example, year).rows.iloc[0]
    given = []
    if line.target_rate is None:
        given.append(f"taux de {fmt_num(rate, 2, trim=True, unit='%')} pris pour l'exemple")
    if volet.share_savings is None:
        given.append(f"part de {fmt_num(share, 2, trim=True, unit='%')} prise pour l'exemple "
                     "(la campagne la laisse à compléter)")
    n1, n = (fmt_euros(x) for x in EXAMPLE_SPENDING)
    return {
        "intro": (f"Indicateur {line.code} ({line.label}), contrat signé le 01/07/{year - 1}, évaluation {year} ; "
                  "objectifs du volet tous atteints (A = 100 %)" + (f" ; {', '.join(given)}" if given else "") + "."),
        "rows": [
            (f"Dépenses {year - 1} (référence : année précédente)", n1),
            (f"Dépenses {year}", n),
            (f"Objectif {year} = {fmt_num(EXAMPLE_SPENDING[0], 2, trim=True)} × (1 {'−' if rate < 0 else '+'} "
             f"{fmt_num(abs(rate), 2, trim=True, unit='%')})", fmt_euros(row["objectif"])),
            (f"Évolution {year - 1} → {year}", fmt_pct(row["evolution"], 2, sign=True)),
            (f"Économies = dépenses {year - 1} − dépenses {year}", fmt_euros(row["economies"])),
            ("Degré de réalisation des objectifs A", fmt_pct(row["atteinte"], 0)),
            (f"Intéressement estimé = {fmt_num(share, 2, trim=True, unit='%')} × {fmt_euros(row['economies'])} × "
             f"{fmt_pct(row['atteinte'], 0)}", fmt_euros(row["interessement"])),
        ]}


def _todo(campaign: Campaign) -> list[str]:
    """Every key the campaign leaves empty."""
    out = []
    for v in campaign.volets:
        if v.share_savings is None:
            out.append(f"volets[{v.code}].part_interessement")
        for i in v.indicators:
            if i.rule == "depense" and i.target_rate is None:
                out.append(f"volets[{v.code}].indicateurs[{i.code}].taux_cible")
            out += [f"volets[{v.code}].indicateurs[{i.code}].referentiel[{k}].inferieur_a"
                    for k, c in enumerate(i.referentiel or ()) if c.below is None]
    return out


def contract_method_content(campaign: Campaign) -> dict:
    """The content of ``methode_contrat.html.j2``."""
    expenses = [(v, i) for v in campaign.volets for i in v.expenses]
    return {
        "title": f"Méthode d'évaluation de la campagne {campaign.name}",
        "facts": [("Campagne", campaign.name), ("Génération", "2 (contrats signés à partir du 1er juillet 2022)"),
                  ("Volets incitatifs", str(len(campaign.volets))),
                  ("Référentiels de ciblage", str(len(campaign.with_referentiel)))],
        "principle": [
            "Seuls les établissements ciblés par un référentiel signent un contrat, pour 5 ans au plus, sur des "
            "volets incitatifs (produits de santé, organisation des soins, pertinence) et des objectifs régionaux.",
            "L'évaluation annuelle, conduite conjointement par l'ARS et l'Assurance Maladie, conduit à un "
            "intéressement versé par le fonds d'intervention régional (FIR), en fonction des économies "
            "constatées et du degré de réalisation des objectifs. Elle n'entraîne aucune pénalité : il n'y a "
            "ni score global ni reversement.",
            "Le rapport d'évaluation est adressé à l'établissement, qui dispose d'un mois pour présenter ses "
            "observations.",
        ],
        "targeting_rule": ("Un établissement respecte un référentiel dès qu'une de ses conditions est remplie "
                           "(valeur de l'année N strictement inférieure au seuil) ; il est ciblé quand aucune ne "
                           "l'est ; « à vérifier » quand aucune ne l'est avec certitude mais qu'une donnée manque."),
        "referentiels": [{"code": i.code, "libelle": i.label,
                          "conditions": " ou ".join(_condition_text(campaign, c) for c in i.referentiel or ()),
                          "sources": " ; ".join(c.source for c in i.referentiel or () if c.source) or "—"}
                         for _, i in campaign.with_referentiel],
        "formulas": ["objectif N = dépenses N−1 × (1 + taux cible / 100)",
                     "évolution = 100 × (dépenses N / dépenses N−1 − 1)",
                     "économies = max(0 ; dépenses N−1 − dépenses N)  (année civile, contre l'année précédente)",
                     "A = Σ poids × score / Σ poids des objectifs notés du volet (100 % sans objectif noté)",
                     "intéressement estimé = part d'intéressement × Σ économies du volet × A"],
        "lines": [{"volet": v.code, "code": i.code, "libelle": i.label, "poste": i.expense,
                   "taux": rate_text(i) if i.target_rate is not None else "à compléter"} for v, i in expenses],
        "volets": [{"libelle": v.label, "part": fmt_pct(v.share_savings, 0) if v.share_savings is not None
                    else "à compléter", "source": v.source or "—"} for v in campaign.volets],
        "objectives": [f"{i.code} — {i.label} ({v.code}, règle {i.rule})" for v in campaign.volets for i in v.scored],
        "example": _worked_example(campaign) if expenses else {"intro": "Aucun indicateur de dépense.", "rows": []},
        "todo": _todo(campaign),
        "source_file": Path(campaign.path).name if campaign.path else None,
        "sha256": campaign.sha256, "version": __version__, "date": french_date(dt.date.today()),
    }
