"""Benchmark: report generation for the 20 sample establishments, three ways, in one run.

    .venv/bin/python benchmarks/bench_reports.py            # what ``make bench`` runs

1. naive loop — what users do by hand today, one establishment after another:
   ``papermill`` (fresh kernel), then ``jupyter nbconvert --to html --no-input``, then
   ``chromium --headless --print-to-pdf`` on that HTML;
2. ``caqes reports … --jobs 2 --formats html,pdf --force`` (one whole process);
3. floor — the same cell code (build the report, draw the same charts, build the same HTML
   sections) in 2 plain Python processes, no notebook, no kernel, no HTML export, no PDF.

Each is timed from the outside as whole processes. Prints the three throughputs in reports
per minute and the two ratios: caqes / naive (goal ≥ 10) and caqes / floor time (goal ≤ 2,5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "rapport_etablissement.ipynb"
CHROMIUM = os.environ.get("CAQES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer"]

FLOOR = """
import sys
from multiprocessing import Pool

def one(finess):
    from caqes_toolkit.documents import sections
    from caqes_toolkit.documents.report import build_report
    r = build_report(finess, {year}, {data!r}, {campaign!r})
    parts = [sections.header, sections.synthesis, sections.chapters, sections.chart_chapters,
             sections.chart_history, sections.chart_maturity, sections.chart_status,
             sections.indicators, sections.priorities, sections.adjustments,
             sections.method_annex, sections.provenance]
    return sum(len(str(f(r))) for f in parts)

if __name__ == "__main__":
    with Pool(2) as pool:
        sizes = pool.map(one, sys.argv[1:], chunksize=1)
        pool.close()
        pool.join()
    print(len(sizes))
"""


def _finess(data: Path, year: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from caqes_toolkit import load_campaign, load_dataset

    dataset = load_dataset(data, load_campaign(ROOT / "params" / f"caqes-{year}.yml"))
    return sorted(set(dataset.results.loc[dataset.results["annee"] == year, "finess"]))


def _timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def naive_loop(finess: list[str], data: Path, campaign: Path, year: int, out: Path) -> float:
    start = time.perf_counter()
    for code in finess:
        nb, html, pdf = out / f"{code}.ipynb", out / f"{code}.html", out / f"{code}.pdf"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-r", "finess", code,
                        "-p", "annee", str(year), "-p", "donnees", str(data), "-p", "campagne", str(campaign),
                        "--cwd", str(NOTEBOOK.parent)], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
                       check=True, capture_output=True)
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                            f"--print-to-pdf={pdf}", html.resolve().as_uri()], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "exemple")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--repeat", type=int, default=1, help="repetitions of caqes and of the floor")
    args = parser.parse_args()
    data, campaign = args.data.resolve(), (ROOT / "params" / f"caqes-{args.year}.yml").resolve()
    finess = _finess(data, args.year)
    n = len(finess)
    print(f"machine : nproc={os.cpu_count()} ; {n} établissements, année {args.year}")
    with tempfile.TemporaryDirectory(prefix="caqes-bench-reports-") as tmp:
        tmp = Path(tmp)
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR.format(year=args.year, data=str(data), campaign=str(campaign)))
        caqes_cmd = [str(BIN / "caqes"), "reports", str(data), "--campaign", str(campaign), "--year",
                     str(args.year), "--out", str(tmp / "caqes"), "--jobs", "2", "--formats", "html,pdf", "--force"]
        floor, ours = [], []
        for _ in range(args.repeat):  # alternate, so that machine noise hits both alike
            floor.append(_timed([sys.executable, str(floor_script), *finess], cwd=ROOT))
            ours.append(_timed(caqes_cmd, cwd=ROOT))
            print(f"  plancher {floor[-1]:.1f} s, caqes {ours[-1]:.1f} s", flush=True)
        (tmp / "naive").mkdir()
        naive = naive_loop(finess, data, campaign, args.year, tmp / "naive")
    t_naive, t_ours, t_floor = naive, statistics.median(ours), statistics.median(floor)
    rate = {name: 60 * n / t for name, t in (("naive", t_naive), ("caqes", t_ours), ("floor", t_floor))}
    print(f"boucle naïve (papermill → nbconvert → chromium) : {t_naive:7.1f} s  {rate['naive']:6.1f} rapports/min")
    print(f"caqes reports --jobs 2 (HTML + PDF)            : {t_ours:7.1f} s  {rate['caqes']:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in ours)})")
    print(f"plancher (mêmes cellules, 2 processus Python)   : {t_floor:7.1f} s  {rate['floor']:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in floor)})")
    speedup, overhead = t_naive / t_ours, t_ours / t_floor
    print(f"caqes / boucle naïve : ×{speedup:.1f} (objectif ≥ 10)")
    print(f"caqes / plancher     : ×{overhead:.2f} du temps du plancher (objectif ≤ 2,5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
