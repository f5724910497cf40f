"""Regenerate the bundled sample region ``data/exemple/`` (entirely fictitious data).

    .venv/bin/python scripts/make_sample_data.py [--out data/exemple]

Deterministic (fixed seed): running it twice gives the same bytes. The establishments are
chosen so the demo shows every case: every activity, with and without liste en sus, one
clearly excellent establishment (class A), several in B/C, at least one in D or E, a Corsican
FINESS (2A), a name with an apostrophe and accents, some "NC", some missing values, a few
adjustments (contradictory phase), references and maturity grids, a few contracts of the
additional volets with their expenses (savings, an overrun, an establishment not under contract
flagged for a next contract), and the avenants of three establishments (their own yearly targets
from 2019, drafted by caqes trajectoires: one on its trajectory, two not). Do not edit the CSV
files by hand: change this script and run it again.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

import pandas as pd

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.synthetic import make_region, write_region
from caqes_toolkit.evaluation.trajectories import trajectories
from caqes_toolkit.rules.campaign import load_campaign

ROOT = Path(__file__).resolve().parents[1]
SEED = 2019
YEARS = (2017, 2018, 2019)
REGION = "Région fictive"

#: (raison sociale, activités, liste en sus, niveau latent ≈ 0 faible … 1 excellent)
ESTABLISHMENTS: tuple[tuple[str, str, bool, float], ...] = (
    ("Centre hospitalier de Fictiville", "MCO;SSR;PSY", True, 1.05),
    ("Centre hospitalier universitaire de Chimère-sur-Loire", "MCO;SSR;HAD", True, 0.95),
    ("Clinique du Val fictif", "MCO", True, 0.85),
    ("Clinique de l'Étang-Imaginaire", "MCO", True, 0.65),
    ("HAD Fictive Santé", "HAD", False, 0.75),
    ("Centre de dialyse des Fictifs", "DIA", False, 0.70),
    ("Centre de soins de suite du Mont-Inventé", "SSR", False, 0.85),
    ("Centre psychiatrique de Nullepart", "PSY", False, 0.60),
    ("Polyclinique de la Baie fictive", "MCO", True, 0.70),
    ("Hôpital local de Songeville", "MCO;SSR", False, 0.55),
    ("Clinique psychiatrique des Tilleuls fictifs", "PSY", False, 0.95),
    ("Centre de rééducation de Pseudoville", "SSR", False, 0.30),
    ("Association fictive de dialyse à domicile", "DIA,HAD", False, 0.80),
    ("Centre hospitalier de Mirage-les-Bains", "MCO;SSR;PSY;HAD", True, 0.70),
    ("Clinique chirurgicale du Fictif", "MCO", True, 0.45),
    ("Établissement de santé mentale de Chimérie", "PSY;SSR", False, 0.75),
    ("Maison de convalescence des Fictilles", "SSR", False, 0.65),
    ("HAD du Pays imaginaire", "HAD", True, 0.70),
    ("Centre hospitalier de Fauxbourg", "MCO;SSR", True, 0.25),
    ("Clinique de l'Orée fictive", "MCO;DIA", True, 0.85),
)

#: The establishment that gives no e-mail address (its pack is listed without recipient).
WITHOUT_EMAIL = "Centre de rééducation de Pseudoville"

#: Department prefixes drawn from; "2A" gives the Corsican FINESS of the set.
DEPARTEMENTS = ("01", "07", "09", "2A", "26", "38", "69", "73")


#: Contracts of the additional volets: (establishment, volet, start, end) — both date formats.
CONTRACTS: tuple[tuple[str, str, str, str], ...] = (
    ("Centre hospitalier de Fictiville", "transports", "2018-01-01", "2022-12-31"),
    ("Centre hospitalier de Fictiville", "qualite", "01/01/2018", ""),
    ("Centre hospitalier universitaire de Chimère-sur-Loire", "transports", "01/01/2018", "31/12/2022"),
    ("Centre hospitalier universitaire de Chimère-sur-Loire", "pertinence", "2019-01-01", ""),
    ("Clinique de l'Étang-Imaginaire", "qualite", "2018-01-01", "2022-12-31"),
    ("Centre hospitalier de Mirage-les-Bains", "transports", "2019-01-01", "2023-12-31"),
    ("Clinique du Val fictif", "transports", "2015-01-01", "2017-12-31"),  # ended before 2018
)
#: Transport spending per year (2017, 2018, 2019), as typed: spaces as thousands separators,
#: decimal comma; "" = not sent (a missing expense that a contract needs).
EXPENSES: dict[str, tuple[str, str, str]] = {
    "Centre hospitalier de Fictiville": ("1 200 000,00", "1 230 000,00", "1 250 000,00"),
    "Centre hospitalier universitaire de Chimère-sur-Loire": ("2 450 000", "2 580 000", "2 660 000"),
    "Centre hospitalier de Mirage-les-Bains": ("", "812 400,50", "799 100,00"),
    "Clinique du Val fictif": ("402 000", "455 000", "472 500"),
    "Polyclinique de la Baie fictive": ("610 000", "598 000", "585 300"),
}
#: Values of the volets' objectives, (establishment, year) → {code: value}.
OBJECTIVES: dict[tuple[str, int], dict[str, str]] = {
    ("Centre hospitalier de Fictiville", 2018): {"T01": "oui", "T02": "non", "T03": "18,2", "Q01": "oui", "Q02": "75"},
    ("Centre hospitalier de Fictiville", 2019): {"T01": "oui", "T02": "oui", "T03": "16,9", "Q01": "oui", "Q02": "85"},
    ("Centre hospitalier universitaire de Chimère-sur-Loire", 2018): {"T01": "non", "T02": "non", "T03": "27,5"},
    ("Centre hospitalier universitaire de Chimère-sur-Loire", 2019): {
        "T01": "oui", "T02": "non", "T03": "26,1", "PE1": "oui", "PE2": "35", "PE3": "120"},
    ("Clinique de l'Étang-Imaginaire", 2018): {"Q01": "non", "Q02": "40"},
    ("Clinique de l'Étang-Imaginaire", 2019): {"Q01": "non", "Q02": "45"},
    ("Centre hospitalier de Mirage-les-Bains", 2019): {"T01": "oui", "T02": "oui", "T03": "21,0"},
}


#: Avenants (table cibles): establishment → the indicators its avenant covers (None: every one that
#: caqes trajectoires proposes), with the proposed targets of the years from AVENANT_START.
AVENANTS: dict[str, tuple[str, ...] | None] = {
    "Clinique de l'Étang-Imaginaire": None,
    "Polyclinique de la Baie fictive": ("A04", "B03", "C01", "E01", "F02", "G01", "G02"),
    "Centre hospitalier de Fauxbourg": None,
}
#: The avenants take effect on 1 January 2019.
AVENANT_START = 2019


def avenant_table(folder: Path, campaign_path: Path) -> pd.DataFrame:
    """The cibles table of :data:`AVENANTS`: the trajectories proposed from the region in ``folder``."""
    campaign = load_campaign(campaign_path)
    dataset = load_dataset(folder, campaign)
    names = dict(zip(dataset.establishments["raison_sociale"], dataset.establishments["finess"]))
    proposed = trajectories(dataset, campaign)
    chosen = pd.Series(False, index=proposed.index)
    for name, codes in AVENANTS.items():
        mine = proposed["finess"] == names[name]
        chosen |= mine if codes is None else mine & proposed["indicateur"].isin(codes)
    table = proposed.loc[chosen & (proposed["annee"] >= AVENANT_START), ["finess", "annee", "indicateur", "cible"]]
    return table.astype({"annee": str, "cible": str}).reset_index(drop=True)


def volet_tables(finess_of: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The contrats and depenses tables and the volet objectives' results (text, as typed)."""
    contrats = pd.DataFrame([(finess_of[n], v, a, b) for n, v, a, b in CONTRACTS], dtype=object,
                            columns=["finess", "volet", "date_debut", "date_fin"])
    depenses = pd.DataFrame([(finess_of[n], str(y), "transports", amount)
                             for n, amounts in EXPENSES.items() for y, amount in zip(YEARS, amounts)
                             if amount], dtype=object, columns=["finess", "annee", "poste", "montant"])
    results = pd.DataFrame([(finess_of[n], str(y), code, value) for (n, y), values in OBJECTIVES.items()
                            for code, value in values.items()], dtype=object,
                           columns=["finess", "annee", "indicateur", "valeur"])
    return {"contrats": contrats, "depenses": depenses, "resultats": results}


def email(name: str) -> str:
    """A fictitious address of the establishment ``name`` (domain .example, reserved for examples)."""
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", bare) if w not in ("", "a", "de", "d", "des", "du", "l", "la", "les", "sur")]
    return "" if name == WITHOUT_EMAIL else f"qualite@{'-'.join(words[-2:])}.example"


def build(out: Path) -> list[Path]:
    campaign = load_campaign(ROOT / "params" / "caqes-2019.yml")
    names, activities, with_list, levels = zip(*ESTABLISHMENTS, strict=True)
    tables = make_region(
        campaign, len(ESTABLISHMENTS), YEARS, seed=SEED, region=REGION,
        activites=activities, liste_en_sus=with_list, niveaux=levels, noms=names,
        departements=DEPARTEMENTS, n_ajustements=5,
    )
    tables["etablissements"]["courriel"] = [email(n) for n in tables["etablissements"]["raison_sociale"]]
    finess = tables["etablissements"]["finess"]
    if not finess.str.startswith("2A").any():
        raise SystemExit("aucun FINESS corse (2A) tiré : changer SEED ou DEPARTEMENTS")
    volets = volet_tables(dict(zip(tables["etablissements"]["raison_sociale"], finess)))
    tables["resultats"] = pd.concat([tables["resultats"], volets.pop("resultats")], ignore_index=True)
    (out / "cibles.csv").unlink(missing_ok=True)  # drafted from the region written below
    written = write_region({**tables, **volets}, out, sep=",", encoding="utf-8")
    cibles = avenant_table(out, ROOT / "params" / "caqes-2019.yml")
    return written + write_region({"cibles": cibles}, out, sep=",", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "exemple")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
