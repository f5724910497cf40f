"""Regenerate the bundled sample region ``data/exemple/`` (entirely fictitious data).

    .venv/bin/python scripts/make_sample_data.py [--out data/exemple]

Deterministic (fixed seed): running it twice gives the same bytes. The establishments are
chosen so the demo shows every case: every activity, with and without liste en sus, one
clearly excellent establishment (class A), several in B/C, at least one in D or E, a Corsican
FINESS (2A), a name with an apostrophe and accents, some "NC", some missing values, a few
adjustments (contradictory phase), references and maturity grids. Do not edit the CSV files by
hand: change this script and run it again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from caqes_toolkit.campaign import load_campaign
from caqes_toolkit.synthetic import make_region, write_region

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

#: Department prefixes drawn from; "2A" gives the Corsican FINESS of the set.
DEPARTEMENTS = ("01", "07", "09", "2A", "26", "38", "69", "73")


def build(out: Path) -> list[Path]:
    campaign = load_campaign(ROOT / "params" / "caqes-2019.yml")
    names, activities, with_list, levels = zip(*ESTABLISHMENTS, strict=True)
    tables = make_region(
        campaign, len(ESTABLISHMENTS), YEARS, seed=SEED, region=REGION,
        activites=activities, liste_en_sus=with_list, niveaux=levels, noms=names,
        departements=DEPARTEMENTS, n_ajustements=5,
    )
    finess = tables["etablissements"]["finess"]
    if not finess.str.startswith("2A").any():
        raise SystemExit("aucun FINESS corse (2A) tiré : changer SEED ou DEPARTEMENTS")
    return write_region(tables, out, sep=",", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "exemple")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
