"""Regenerate the second-generation sample region ``data/exemple-2022/`` (entirely fictitious).

    .venv/bin/python scripts/make_sample_data_2022.py [--out data/exemple-2022]

Deterministic (no randomness): running it twice gives the same bytes. Six establishments,
2021–2023: contracts of the volets incitatifs from 1 July 2022 with the expenses and the
measures the référentiels need, and establishments without a contract that the référentiels
target, clear or leave « à vérifier ». Also writes ``caqes-2022-region-fictive.yml``: the national
campaign ``params/caqes-2022.yml`` completed with FICTITIOUS regional values (every value the
national file leaves empty, and two regional objectives), so that the demo can compute. Do not
edit these files by hand: change this script and run it again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import yaml

from caqes_toolkit.rules.campaign import load_campaign
from caqes_toolkit.data.synthetic import finess_check_digit, write_region
from make_sample_data import email  # the same fictitious addresses as the first sample region (scripts/ is on the path)

ROOT = Path(__file__).resolve().parents[1]
REGION = "Région fictive"
YEARS = (2021, 2022, 2023)
CAMPAIGN = "caqes-2022-region-fictive.yml"

#: (first 8 FINESS digits, raison sociale, activités, liste en sus, produits Assurance Maladie)
ESTABLISHMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("38000101", "Centre hospitalier de Songe-sur-Mer", "MCO;SSR", "oui", "48200000"),
    ("69000202", "Centre hospitalier universitaire d'Utopia", "MCO;SSR;HAD", "oui", "212500000"),
    ("26000303", "Clinique des Chimères", "MCO", "oui", "18400000"),
    ("73000404", "Clinique du Lac fictif", "MCO", "oui", "22900000"),
    ("07000505", "Centre de soins de suite de Fictilande", "SSR", "non", "9800000"),
    ("01000606", "HAD de la Vallée imaginaire", "HAD", "non", "4100000"),
)
#: Contracts: (raison sociale, volet, début, fin) — signed from 1 July 2022, for 5 years.
CONTRACTS: tuple[tuple[str, str, str, str], ...] = (
    ("Centre hospitalier de Songe-sur-Mer", "produits_sante", "2022-07-01", "2027-06-30"),
    ("Centre hospitalier universitaire d'Utopia", "produits_sante", "2022-07-01", "2027-06-30"),
    ("Centre hospitalier universitaire d'Utopia", "transports", "01/07/2022", "30/06/2027"),
    ("Centre de soins de suite de Fictilande", "transports", "2022-07-01", "2027-06-30"),
)
#: Expenses (€) of 2021, 2022, 2023 by establishment and poste; "" = not sent.
EXPENSES: dict[tuple[str, str], tuple[str, str, str]] = {
    # Songe-sur-Mer: the worked example of the method (IPP 200 000 € → 185 000 €, −5 %/an)
    ("Centre hospitalier de Songe-sur-Mer", "ipp"): ("208 000", "200 000", "185 000"),
    ("Centre hospitalier de Songe-sur-Mer", "perfadom"): ("148 000", "150 000", "160 000"),
    ("Centre hospitalier de Songe-sur-Mer", "ezetimibe"): ("29 500", "30 000", "31 000"),
    ("Centre hospitalier de Songe-sur-Mer", "pansements"): ("91 000", "90 000", "90 000"),
    ("Centre hospitalier universitaire d'Utopia", "ipp"): ("531 000", "520 000", "505 000"),
    ("Centre hospitalier universitaire d'Utopia", "perfadom"): ("305 000", "310 000", "280 000"),
    ("Centre hospitalier universitaire d'Utopia", "ezetimibe"): ("88 000", "86 500", "84 100"),
    ("Centre hospitalier universitaire d'Utopia", "pansements"): ("240 000", "236 000", "229 400"),
    ("Centre hospitalier universitaire d'Utopia", "ambulance"): ("1 180 000", "1 200 000", "1 150 000"),
    ("Clinique des Chimères", "perfadom"): ("76 000", "78 500", "80 000"),
    ("Clinique des Chimères", "ambulance"): ("340 000", "345 000", "350 000"),
    ("Clinique du Lac fictif", "perfadom"): ("110 000", "115 000", "120 000"),
    ("Clinique du Lac fictif", "ambulance"): ("480 000", "505 000", "520 000"),
    ("Centre de soins de suite de Fictilande", "ambulance"): ("440 000", "450 000", "430 000"),
}
#: Measures and regional objectives of 2023 (and some of 2022), (establishment, year) → {code: value}.
RESULTS: dict[tuple[str, int], dict[str, str]] = {
    ("Centre hospitalier de Songe-sur-Mer", 2022): {"IPP_BOITES": "12 400", "PERFADOM_PART": "84,0", "PS_R1": "non"},
    ("Centre hospitalier de Songe-sur-Mer", 2023): {
        "IPP_BOITES": "12 000", "PERFADOM_PART": "85,0", "AMBULANCE_PART": "12,5", "PS_R1": "oui", "PS_R2": "72"},
    ("Centre hospitalier universitaire d'Utopia", 2022): {"IPP_BOITES": "26 100", "PERFADOM_PART": "92,0",
                                                          "AMBULANCE_PART": "28,0", "PS_R1": "oui"},
    ("Centre hospitalier universitaire d'Utopia", 2023): {
        "IPP_BOITES": "25 400", "PERFADOM_PART": "91,5", "AMBULANCE_PART": "27,5", "PS_R1": "oui", "PS_R2": "45",
        "TR_R1": "oui"},
    ("Clinique des Chimères", 2023): {"IPP_BOITES": "7 900", "PERFADOM_PART": "90,0", "AMBULANCE_PART": "18,0"},
    ("Clinique du Lac fictif", 2023): {"IPP_BOITES": "9 200", "PERFADOM_PART": "70,0"},
    ("Centre de soins de suite de Fictilande", 2022): {"AMBULANCE_PART": "23,0"},
    ("Centre de soins de suite de Fictilande", 2023): {"AMBULANCE_PART": "22,0", "TR_R1": "non"},
    ("HAD de la Vallée imaginaire", 2023): {"PERFADOM_PART": "95,0"},
}
#: Fictitious regional values for every parameter the national file leaves empty.
RATES = {"EZETIMIBE": -3.0, "PANSEMENTS": -3.0, "AMBULANCE": -2.0, "EPA": -5.0}
THRESHOLDS = {"EZETIMIBE": 40000, "PANSEMENTS": 150000, "EPA": 60000, "RH_IC": 20}
SHARE = 25
REGIONAL = {
    "produits_sante": [
        {"code": "PS_R1", "libelle": "Plan d'actions sur les prescriptions de sortie présenté en CME",
         "portee": "regional", "regle": "binaire", "sens": "hausse", "source": "défaut",
         "action": "Présenter en CME le plan d'actions sur les prescriptions de sortie (IPP, perfusion)."},
        {"code": "PS_R2", "libelle": "Part des prescriptions d'IPP de sortie réévaluées", "portee": "regional",
         "regle": "cible", "sens": "hausse", "cible": 60, "unite": "%", "source": "défaut",
         "action": "Réévaluer à la sortie chaque prescription d'IPP (indication, durée)."},
    ],
    "transports": [
        {"code": "TR_R1", "libelle": "Référent transports désigné et formé", "portee": "regional",
         "regle": "binaire", "sens": "hausse", "source": "défaut",
         "action": "Désigner un référent transports et le former au référentiel de prescription."},
    ],
}


def finess(first8: str) -> str:
    return f"{first8}{finess_check_digit(first8)}"


def regional_campaign() -> dict:
    """``params/caqes-2022.yml`` completed with the fictitious regional values."""
    raw = yaml.safe_load((ROOT / "params" / "caqes-2022.yml").read_text(encoding="utf-8"))
    raw["campagne"] = "caqes-2022-region-fictive"
    for volet in raw["volets"]:
        volet["part_interessement"] = SHARE
        volet["source"] += f" ; valeurs régionales FICTIVES (exemple) : part {SHARE} %, taux et seuils complétés"
        for ind in volet["indicateurs"]:
            if ind.get("regle") == "depense" and ind.get("taux_cible") is None:
                ind["taux_cible"] = RATES[ind["code"]]
            for condition in ind.get("referentiel") or ():
                if condition["inferieur_a"] is None:
                    condition["inferieur_a"] = THRESHOLDS[ind["code"]]
                    condition["source"] = "valeur régionale FICTIVE (exemple)"
        volet["indicateurs"] += REGIONAL.get(volet["code"], [])
    return raw


def tables() -> dict[str, pd.DataFrame]:
    code = {name: finess(f8) for f8, name, *_ in ESTABLISHMENTS}
    etablissements = pd.DataFrame([(finess(f8), name, REGION, act, lst, am)
                                   for f8, name, act, lst, am in ESTABLISHMENTS],
                                  columns=["finess", "raison_sociale", "region", "activites", "liste_en_sus",
                                           "produits_am"])
    etablissements["courriel"] = [email(n) for n in etablissements["raison_sociale"]]  # the recipients of caqes envoi
    resultats = pd.DataFrame([(code[n], str(y), c, v) for (n, y), values in RESULTS.items() for c, v in values.items()],
                             columns=["finess", "annee", "indicateur", "valeur"])
    contrats = pd.DataFrame([(code[n], v, a, b) for n, v, a, b in CONTRACTS],
                            columns=["finess", "volet", "date_debut", "date_fin"])
    depenses = pd.DataFrame([(code[n], str(y), poste, amount) for (n, poste), amounts in EXPENSES.items()
                             for y, amount in zip(YEARS, amounts) if amount],
                            columns=["finess", "annee", "poste", "montant"])
    return {"etablissements": etablissements, "resultats": resultats, "contrats": contrats, "depenses": depenses}


def build(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    campaign = out / CAMPAIGN
    header = ("# Campagne de deuxième génération de la région FICTIVE d'exemple : params/caqes-2022.yml complété\n"
              "# avec des valeurs régionales INVENTÉES (part d'intéressement, taux et seuils non retrouvés,\n"
              "# deux objectifs régionaux). Écrit par scripts/make_sample_data_2022.py : ne pas modifier à la main.\n")
    campaign.write_text(header + yaml.safe_dump(regional_campaign(), allow_unicode=True, sort_keys=False, width=110),
                        encoding="utf-8")
    load_campaign(campaign)  # the written campaign must load
    return [campaign, *write_region(tables(), out, sep=",", encoding="utf-8")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "exemple-2022")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
