"""A deliberately naive CAQES scorer: row by row, pure Python (csv, dicts, loops).

It implements the scoring rules of params/README.md independently of the ``caqes_toolkit`` package,
for two uses: the baseline of ``benchmarks/bench_scoring.py`` and an oracle that tests
compare the package against. No pandas, no numpy; the campaign file is read with PyYAML.

    python benchmarks/naive_scoring.py DATA_DIR --campaign params/caqes-2019.yml --year 2019 \
        --out scores.csv

DATA_DIR holds the CSV files of the data contract (README.md, « Données »; comma or semicolon, UTF-8 or cp1252):
etablissements.csv, resultats.csv and, optionally, references.csv, maturite.csv,
ajustements.csv, cibles.csv. The output has one row per establishment of etablissements.csv:
finess, raison_sociale, annee, score_global, classe, sanction_proposee (oui/non),
chapitre_1 … chapitre_N (empty when the chapter is NC). Scores are written unrounded.

Rules where the method is silent (kept identical to the package's documented choices):
- a ``maturite`` indicator takes its value from the maturite table (sum of the 7 steps / 35);
  a maturite row with an empty step is ignored; without a row, a number given in resultats is
  read as the percentage score (v / 100); "NC" in resultats makes it not applicable;
- a ``cible`` indicator whose reference target is missing is not applicable (warning on stderr);
- a regional reference: the row of the establishment's region, else a row with empty region;
- ``seuils``: the most points among the thresholds met;
- ``binaire``: oui → 1, non → 0 (whatever ``sens``);
- adjustments replace values of every year, T0 included (a new row if there was none);
- a row of cibles.csv (the avenant) is the establishment's own target of that indicator and year: it
  replaces the campaign's target, a missing reference included.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import yaml

ACTIVITIES = ("MCO", "HAD", "DIA", "SSR", "PSY")
STEPS = [f"etape_{i}" for i in range(1, 8)]
NC = "NC"            # parsed value of "NC"
MISSING = None       # parsed value of an empty cell


class NaiveError(Exception):
    pass


# --- reading ------------------------------------------------------------------------------

def read_table(path):
    """Rows of a CSV file as dicts with lower-case, stripped column names."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first_line = text.split("\n", 1)[0]
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = None
    rows = []
    for cells in reader:
        if header is None:
            header = [h.strip().lower() for h in cells]
            continue
        if not any(c.strip() for c in cells):
            continue
        row = {}
        for i in range(len(header)):
            row[header[i]] = cells[i] if i < len(cells) else ""
        rows.append(row)
    return rows


def parse_value(text):
    """"45,5 %" → 45.5; "oui"/"non" → 1.0/0.0 (any case); "NC" → NC; "" → None."""
    t = text.strip()
    if t == "":
        return MISSING
    low = t.lower()
    if low == "nc":
        return NC
    if low == "oui":
        return 1.0
    if low == "non":
        return 0.0
    t = t.removesuffix("%")
    t = t.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        raise NaiveError(f"valeur illisible : {text!r}") from None


def parse_number(text):
    value = parse_value(text)
    if value is NC or value is MISSING:
        return None
    return value


def parse_activities(text):
    found = set()
    for part in text.replace(",", ";").split(";"):
        part = part.strip().upper()
        if part:
            if part not in ACTIVITIES:
                raise NaiveError(f"activité inconnue : {part!r}")
            found.add(part)
    return found


def parse_yes_no(text):
    low = text.strip().lower()
    if low == "oui":
        return True
    if low == "non":
        return False
    raise NaiveError(f"oui/non attendu : {text!r}")


# --- campaign -----------------------------------------------------------------------------

def load_campaign(path):
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    campaign = {
        "t0": int(raw["annee_t0"]),
        "sans_sanction": bool(raw.get("sans_sanction", False)),
        "seuil_sanction": float(raw["seuil_sanction"]),
        "classes": [(str(k), float(v)) for k, v in raw["classes"].items()],
        "avec": {int(k): float(v) for k, v in raw["ponderations"]["avec_liste_en_sus"].items()},
        "sans": {int(k): float(v) for k, v in raw["ponderations"]["sans_liste_en_sus"].items()},
        "chapters": sorted(int(k) for k in raw["chapitres"]),
        "indicators": [],
    }
    for item in raw["indicateurs"]:
        campaign["indicators"].append({
            "code": str(item["code"]),
            "chapter": int(item["chapitre"]),
            "rule": item["regle"],
            "up": item["sens"] == "hausse",
            "target": item.get("cible"),
            "thresholds": item.get("seuils"),
            "weight": float(item.get("poids", 1)),
            "activities": item.get("activites"),
        })
    return campaign


# --- scoring ------------------------------------------------------------------------------

def indicator_target(ind, year, region, references):
    target = ind["target"]
    if target == "reference_nationale":
        for ref in references:
            if ref["indicateur"] == ind["code"] and ref["annee"] == year and ref["niveau"] == "national":
                return ref["valeur"]
        return None
    if target == "reference_regionale":
        fallback = None
        for ref in references:
            if ref["indicateur"] == ind["code"] and ref["annee"] == year and ref["niveau"] == "regional":
                if ref["region"] == region:
                    return ref["valeur"]
                if ref["region"] == "" and fallback is None:
                    fallback = ref["valeur"]
        return fallback
    return float(target)


def score_cible(value, t0, target, up):
    if up:
        level = 1.0 if value >= target else 0.0
        progress = 0.0
        if t0 is not None and t0 < target:
            progress = (value - t0) / (target - t0)
    else:
        level = 1.0 if value <= target else 0.0
        progress = 0.0
        if t0 is not None and t0 > target:
            progress = (t0 - value) / (t0 - target)
    if progress < 0:
        progress = 0.0
    if progress > 1:
        progress = 1.0
    return max(level, progress)


def score_seuils(value, thresholds, up):
    points = 0.0
    for threshold, pts in thresholds:
        met = value >= threshold if up else value <= threshold
        if met and pts > points:
            points = pts
    return points


def maturity_score(row):
    total = 0.0
    for step in STEPS:
        number = parse_number(row.get(step, ""))
        if number is None:
            return None
        total += number
    return total / 35.0


def score_establishment(es, year, campaign, values, maturity, references, warnings, own=None):
    """Chapter scores (dict chapter → score or None) and global score of one establishment
    (``own``: the avenants' targets by (finess, year, indicator))."""
    own = own or {}

    def target_of(ind):
        mine = own.get((es["finess"], year, ind["code"]))
        return mine if mine is not None else indicator_target(ind, year, es["region"], references)

    sums = {}
    for ind in campaign["indicators"]:
        if ind["activities"] is not None and not (es["activities"] & set(ind["activities"])):
            continue
        if ind["chapter"] == 5 and not es["liste"]:
            continue
        key = (es["finess"], year, ind["code"])
        value = values.get(key, MISSING)
        if value is NC:
            continue
        if ind["rule"] == "maturite":
            s = None
            row = maturity.get((es["finess"], year))
            if row is not None:
                s = maturity_score(row)
            if s is None and value is not MISSING:
                s = value / 100.0
            if s is None:
                s = 0.0
        elif value is MISSING:
            if ind["rule"] == "cible" and target_of(ind) is None:
                continue
            s = 0.0
        elif ind["rule"] == "binaire":
            s = 1.0 if value == 1.0 else 0.0
        elif ind["rule"] == "seuils":
            s = score_seuils(value, ind["thresholds"], ind["up"])
        elif ind["rule"] == "cible":
            target = target_of(ind)
            if target is None:
                warnings.append(f"{es['finess']} {year} {ind['code']} : référence absente, "
                                "indicateur non applicable")
                continue
            t0 = values.get((es["finess"], campaign["t0"], ind["code"]), MISSING)
            if t0 is NC:
                t0 = None
            s = score_cible(value, t0, target, ind["up"])
        else:
            raise NaiveError(f"règle inconnue : {ind['rule']!r}")
        w_sum, ws_sum = sums.get(ind["chapter"], (0.0, 0.0))
        sums[ind["chapter"]] = (w_sum + ind["weight"], ws_sum + ind["weight"] * s)

    weights = campaign["avec"] if es["liste"] else campaign["sans"]
    chapters = {}
    numerator = 0.0
    denominator = 0.0
    for chapter in campaign["chapters"]:
        if chapter in sums and sums[chapter][0] > 0:
            score = 100.0 * sums[chapter][1] / sums[chapter][0]
            chapters[chapter] = score
            weight = weights.get(chapter, 0.0)
            if weight > 0:
                numerator += weight * score
                denominator += weight
        else:
            chapters[chapter] = None
    global_score = numerator / denominator if denominator > 0 else None
    return chapters, global_score


def grade(score, campaign):
    rounded = round(score, 6)
    for name, bound in campaign["classes"]:
        if rounded >= bound:
            return name
    return campaign["classes"][-1][0]


def score_folder(folder, campaign, year):
    """One output row (dict) per establishment for ``year``; also the warnings."""
    folder = Path(folder)
    wanted_years = {year, campaign["t0"]}

    establishments = []
    for row in read_table(folder / "etablissements.csv"):
        establishments.append({
            "finess": row["finess"].strip(),
            "name": row["raison_sociale"].strip(),
            "region": row["region"].strip(),
            "activities": parse_activities(row["activites"]),
            "liste": parse_yes_no(row["liste_en_sus"]),
        })

    values = {}
    for row in read_table(folder / "resultats.csv"):
        y = int(row["annee"].strip())
        if y not in wanted_years:
            continue
        key = (row["finess"].strip(), y, row["indicateur"].strip())
        if key in values:
            raise NaiveError("résultat en double : {} {} {}".format(*key))
        values[key] = parse_value(row["valeur"])

    path = folder / "ajustements.csv"
    if path.exists():
        for row in read_table(path):
            y = int(row["annee"].strip())
            if y in wanted_years:
                values[(row["finess"].strip(), y, row["indicateur"].strip())] = parse_value(row["valeur"])

    maturity = {}
    path = folder / "maturite.csv"
    if path.exists():
        for row in read_table(path):
            y = int(row["annee"].strip())
            if y == year:
                maturity[(row["finess"].strip(), y)] = row

    references = []
    path = folder / "references.csv"
    if path.exists():
        for row in read_table(path):
            references.append({
                "indicateur": row["indicateur"].strip(),
                "annee": int(row["annee"].strip()),
                "niveau": row["niveau"].strip().lower(),
                "valeur": parse_number(row["valeur"]),
                "region": row.get("region", "").strip(),
            })

    own = {}
    path = folder / "cibles.csv"
    if path.exists():
        for row in read_table(path):
            if int(row["annee"].strip()) == year:
                own[(row["finess"].strip(), year, row["indicateur"].strip())] = parse_number(row["cible"])

    warnings = []
    out = []
    for es in establishments:
        chapters, g = score_establishment(es, year, campaign, values, maturity, references, warnings, own)
        row = {
            "finess": es["finess"],
            "raison_sociale": es["name"],
            "annee": str(year),
            "score_global": "" if g is None else repr(g),
            "classe": "" if g is None else grade(g, campaign),
            "sanction_proposee": "non",
        }
        if g is not None and not campaign["sans_sanction"] and round(g, 6) < campaign["seuil_sanction"]:
            row["sanction_proposee"] = "oui"
        for chapter in campaign["chapters"]:
            score = chapters[chapter]
            row[f"chapitre_{chapter}"] = "" if score is None else repr(score)
        out.append(row)
    return out, warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description="Score CAQES naïf (Python pur, ligne à ligne).")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--campaign", required=True, type=Path)
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    campaign = load_campaign(args.campaign)
    try:
        rows, warnings = score_folder(args.data_dir, campaign, args.year)
    except NaiveError as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 2
    for line in warnings[:20]:
        print("avertissement : " + line, file=sys.stderr)
    if len(warnings) > 20:
        print(f"avertissement : … et {len(warnings) - 20} autres", file=sys.stderr)
    columns = ["finess", "raison_sociale", "annee", "score_global", "classe", "sanction_proposee"]
    columns += [f"chapitre_{c}" for c in campaign["chapters"]]
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
