"""Benchmark: the package's ``caqes score`` against the naive pure-Python scorer, end to end.

    .venv/bin/python benchmarks/bench_scoring.py            # what ``make bench`` runs
    .venv/bin/python benchmarks/bench_scoring.py --n 2000 --repeat 1   # quick look

1. Generates a fictitious region with ``caqes_toolkit.data.synthetic`` into a temporary folder:
   by default 30 000 establishments × the years 2018 and 2019, **plus the T0 year of the
   campaign** (2017 for caqes-2019) so that the progress part of the ``cible`` rule is
   exercised (``--sans-t0`` to generate only the two years). The exact count of rows is printed.
2. Runs, in ``--repeat`` rounds (default 3) of the same session, whole processes timed from
   the outside (interpreter start-up, reading, scoring, writing): each round runs (b) once and
   (a) and (c) three times each, alternating (the order turns from round to round):
   (a) ``.venv/bin/caqes score DIR --campaign … --year … --out pkg.csv``;
   (b) ``python benchmarks/naive_scoring.py DIR --campaign … --year … --out naive.csv``;
   (c) the floor: ``python -c "import pandas; pandas.read_csv(…)"`` on each CSV of DIR.
   The package's bytecode is compiled first, as ``pip install`` does.
3. Prints median and min of each, the ratios naive / package and package / pandas read, the
   machine (nproc), and checks that both outputs agree: same establishments, same class, global
   and chapter scores within 1e-6, same proposed sanction.

Exit status: 0 when both ran and agree; 1 when they disagree; 2 when the package command failed
(the naive timings are printed anyway).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from naive_scoring import read_table

from caqes_toolkit.data.synthetic import make_region, write_region
from caqes_toolkit.rules.campaign import load_campaign

TOLERANCE = 1e-6


#: The package and the floor take seconds, the naive scorer tens of seconds: each round runs the
#: naive scorer once and the two others this many times each, alternating, for steadier medians.
CHEAP_RUNS = 3

#: The floor: a plain pandas read of the CSV files given as arguments.
PANDAS_READ = "import sys, pandas; [pandas.read_csv(f) for f in sys.argv[1:]]"


def _run(cmd: list[str], out: Path | None) -> tuple[float, int, str]:
    """Wall time, exit code and stderr tail of one whole process (which must write ``out``)."""
    if out is not None and out.exists():
        out.unlink()
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    except OSError as exc:
        return time.perf_counter() - start, 127, str(exc)
    elapsed = time.perf_counter() - start
    code = proc.returncode
    tail = (proc.stderr or proc.stdout or "").strip()[-1500:]
    if code == 0 and out is not None and not out.exists():
        code, tail = 1, f"aucun fichier écrit ({out.name}) ; sortie : {tail or '(vide)'}"
    return elapsed, code, tail


def _number(text: str) -> float | None:
    t = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".").rstrip("%")
    if t == "" or t.lower() == "nan":
        return None
    return float(t)


def _yes(text: str) -> bool | None:
    t = (text or "").strip().lower()
    if t in ("oui", "true", "1", "vrai"):
        return True
    if t in ("non", "false", "0", "faux"):
        return False
    return None


def compare(naive_csv: Path, package_csv: Path) -> list[str]:
    """Differences between the two outputs (empty list when they agree)."""
    naive = {r["finess"].strip(): r for r in read_table(naive_csv)}
    package = {r["finess"].strip(): r for r in read_table(package_csv)}
    problems: list[str] = []
    if set(naive) != set(package):
        only_n, only_p = set(naive) - set(package), set(package) - set(naive)
        problems.append(f"établissements différents : {len(only_n)} seulement chez le naïf, "
                        f"{len(only_p)} seulement dans le paquet")
    columns = [c for c in next(iter(naive.values()), {}) if c.startswith("chapitre_")]
    missing = [c for c in ("score_global", "classe", *columns)
               if package and c not in next(iter(package.values()))]
    if missing:
        problems.append(f"colonnes absentes de la sortie du paquet : {', '.join(missing)}")
    for finess in sorted(set(naive) & set(package)):
        a, b = naive[finess], package[finess]
        if a["classe"].strip() != b.get("classe", "").strip():
            problems.append(f"{finess} : classe {a['classe']} (naïf) ≠ {b.get('classe')} (paquet)")
        for col in ("score_global", *columns):
            if col not in b:
                continue
            x, y = _number(a[col]), _number(b[col])
            if (x is None) != (y is None) or (x is not None and abs(x - y) > TOLERANCE):
                problems.append(f"{finess} : {col} {a[col]!r} (naïf) ≠ {b[col]!r} (paquet)")
        if "sanction_proposee" in b and _yes(a["sanction_proposee"]) != _yes(b["sanction_proposee"]):
            problems.append(f"{finess} : sanction {a['sanction_proposee']} (naïf) ≠ "
                            f"{b['sanction_proposee']} (paquet)")
    return problems


def _n(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")


def _summary(name: str, times: list[float]) -> str:
    if not times:
        return f"  {name:<14} —"
    return (f"  {name:<14} médiane {statistics.median(times):8.2f} s   min {min(times):8.2f} s   "
            f"({', '.join(f'{t:.2f}' for t in times)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark caqes score vs scorer naïf.")
    parser.add_argument("--n", type=int, default=30_000, help="établissements (30 000)")
    parser.add_argument("--years", type=int, nargs="+", default=[2018, 2019])
    parser.add_argument("--sans-t0", action="store_true", help="ne pas ajouter l'année T0")
    parser.add_argument("--campaign", type=Path, default=ROOT / "params" / "caqes-2019.yml")
    parser.add_argument("--year", type=int, default=2019, help="année évaluée")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--caqes", default=str(ROOT / ".venv" / "bin" / "caqes"),
                        help="commande du paquet (défaut .venv/bin/caqes)")
    parser.add_argument("--keep", type=Path, help="garder les données et sorties dans ce dossier")
    args = parser.parse_args(argv)

    campaign = load_campaign(args.campaign)
    years = sorted(set(args.years) | (set() if args.sans_t0 else {campaign.t0_year}))
    print(f"machine : nproc={os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")

    with tempfile.TemporaryDirectory(prefix="caqes-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / "region"
        start = time.perf_counter()
        tables = make_region(campaign, args.n, years, seed=args.seed)
        generated = time.perf_counter() - start
        start = time.perf_counter()
        write_region(tables, data)
        written = time.perf_counter() - start
        t0_note = "" if args.sans_t0 else f" (dont T0 = {campaign.t0_year}, pour la progression)"
        print(f"données : {_n(args.n)} établissements × années {', '.join(map(str, years))}{t0_note} ; "
              f"{_n(len(tables['resultats']))} lignes de résultats, {_n(len(tables['maturite']))} "
              f"grilles de maturité, {_n(len(tables['ajustements']))} ajustements, "
              f"{len(campaign.indicators)} indicateurs au catalogue")
        print(f"génération {generated:.2f} s, écriture CSV {written:.2f} s → {data}")

        # bytecode as an installed package has it (pip compiles it; pandas, the floor, has
        # its own): under PYTHONDONTWRITEBYTECODE an editable checkout recompiles every module
        # at each start
        compileall.compile_dir(ROOT / "caqes_toolkit", quiet=1)
        pkg_out, naive_out = work / "paquet.csv", work / "naif.csv"
        common = ["--campaign", str(args.campaign), "--year", str(args.year)]
        commands = {
            "paquet": [args.caqes, "score", str(data), *common, "--out", str(pkg_out)],
            "naïf": [sys.executable, str(ROOT / "benchmarks" / "naive_scoring.py"), str(data), *common,
                     "--out", str(naive_out)],
            "lecture pandas": [sys.executable, "-c", PANDAS_READ, *map(str, sorted(data.glob("*.csv")))],
        }
        outputs: dict[str, Path | None] = {"paquet": pkg_out, "naïf": naive_out, "lecture pandas": None}
        times: dict[str, list[float]] = {name: [] for name in commands}
        failure: dict[str, str] = {}
        for rep in range(args.repeat):
            cheap = [("paquet", "lecture pandas")[::1 if (rep + k) % 2 else -1] for k in range(CHEAP_RUNS)]
            order = ["naïf", *(name for pair in cheap for name in pair)][::1 if rep % 2 else -1]
            for name in order:
                if name in failure:
                    continue
                elapsed, code, tail = _run(commands[name], outputs[name])
                if code != 0:
                    failure[name] = f"code {code} : {tail}"
                    print(f"  [{rep + 1}] {name:<14} ÉCHEC après {elapsed:.2f} s")
                    continue
                times[name].append(elapsed)
                print(f"  [{rep + 1}] {name:<14} {elapsed:8.2f} s")

        print("\nrésultats (processus complets, démarrage de l'interpréteur compris) :")
        for name in commands:
            print(_summary(name, times[name]))
        for name, why in failure.items():
            print(f"  {name} : {why}")
        if times["paquet"] and times["naïf"]:
            ratio = statistics.median(times["naïf"]) / statistics.median(times["paquet"])
            print(f"  rapport naïf / paquet (médianes) : {ratio:.1f}×")
        if times["paquet"] and times["lecture pandas"]:
            ratio = statistics.median(times["paquet"]) / statistics.median(times["lecture pandas"])
            print(f"  rapport caqes score / lecture pandas (médianes) : {ratio:.2f}× (objectif ≤ 2×)")
        if "naïf" in failure or "lecture pandas" in failure:
            return 1
        if "paquet" in failure:
            print("\naccord des sorties : non vérifié (le paquet n'a pas produit de sortie)")
            return 2
        problems = compare(naive_out, pkg_out)
        if problems:
            print(f"\naccord des sorties : NON — {len(problems)} différence(s), dont :")
            for line in problems[:20]:
                print(f"  {line}")
            return 1
        print(f"\naccord des sorties : oui ({len(read_table(naive_out))} établissements, mêmes classes, "
              f"scores à {TOLERANCE:g} près)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
