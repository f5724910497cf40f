"""Benchmark: report generation for the 20 sample establishments, five ways, in one run.

    .venv/bin/python benchmarks/bench_reports.py            # what ``make bench`` runs

1. naive loop — what users do by hand today, one establishment after another:
   ``papermill`` (fresh kernel), then ``jupyter nbconvert --to html --no-input``, then
   ``chromium --headless --print-to-pdf`` on that HTML;
2. ``caqes reports … --jobs 2 --formats html,pdf --force`` (one whole process);
3. floor — the same cell code (build the report, draw the same charts, build the same HTML
   sections) in 2 plain Python processes, no notebook, no kernel, no HTML export, no PDF;
4. the same ``caqes reports`` sent to a local Dask cluster of 2 single-thread workers
   (``--scheduler``; the cluster is started before and not timed), alternated with 2;
5. the same ``caqes reports`` with its workers spawned (``CAQES_START_METHOD=spawn``: Windows'
   only way, each worker importing its modules itself, once) rather than forked from the
   forkserver (2, forced to ``forkserver``), alternated with 2.

Each is timed from the outside as whole processes. Prints the throughputs in reports per
minute and the ratios: caqes / naive (goal ≥ 10), caqes / floor time (goal ≤ 2,5), Dask /
local pool throughput per core (both on 2 cores; goal ≥ 80 %), spawn / forkserver throughput
(goal ≥ 0,8).

Then the resume of 300 up-to-date reports: a synthetic region of 300 establishments
(``caqes_toolkit.data.synthetic``) is made once with a stub report notebook (``--notebook``: a
parameters cell and the figures output, so that 300 reports take seconds, not minutes), then
the same ``caqes reports`` is timed again, every report being up to date (goal < 1 s).
"""

from __future__ import annotations

import argparse
import logging
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
START = "CAQES_START_METHOD"  # how the local workers start: forkserver (Linux's default) or spawn
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


STUB = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": 'finess = ""\nannee = 0\ndonnees = ""\ncampagne = ""\ncampagne_precedente = ""\n'
                   "autre_annee = False\nphase = 2"},
        {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["remove-cell"]}, "outputs": [],
         "source": "from IPython.display import display\n"
                   'display({"application/vnd.caqes.scores+json": {"finess": finess, "raison_sociale": finess}}, '
                   "raw=True)"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def resume_300(tmp: Path, year: int, repeat: int) -> list[float]:
    """Seconds of ``caqes reports`` on 300 establishments whose reports are all up to date."""
    import json

    from caqes_toolkit import load_campaign
    from caqes_toolkit.data.synthetic import make_region, write_region

    campaign_path = ROOT / "params" / f"caqes-{year}.yml"
    campaign = load_campaign(campaign_path)
    write_region(make_region(campaign, 300, sorted({campaign.t0_year, year - 1, year}), seed=1), tmp / "region")
    (tmp / "stub.ipynb").write_text(json.dumps(STUB), encoding="utf-8")
    cmd = [str(BIN / "caqes"), "reports", str(tmp / "region"), "--campaign", str(campaign_path), "--year", str(year),
           "--out", str(tmp / "lot-300"), "--jobs", "2", "--formats", "html", "--notebook", str(tmp / "stub.ipynb")]
    made = _timed(cmd, cwd=ROOT)
    print(f"  300 rapports (notebook minimal) faits en {made:.1f} s", flush=True)
    return [_timed(cmd, cwd=ROOT) for _ in range(max(3, repeat))]


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
        spawn_cmd = [*caqes_cmd[:caqes_cmd.index("--out")], "--out", str(tmp / "spawn"), "--formats", "html,pdf",
                     "--force"]
        floor, ours, dask, spawned = [], [], [], []
        from distributed import LocalCluster

        # silence_logs: the workers' heartbeat racing the scheduler's shutdown logs a harmless traceback
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.CRITICAL) as cluster:
            dask_cmd = [*caqes_cmd[:caqes_cmd.index("--out")], "--out", str(tmp / "dask"), "--formats", "html,pdf",
                        "--force", "--scheduler", cluster.scheduler_address]
            for _ in range(args.repeat):  # alternate, so that machine noise hits all alike
                floor.append(_timed([sys.executable, str(floor_script), *finess], cwd=ROOT))
                ours.append(_timed(caqes_cmd, cwd=ROOT, env={**os.environ, START: "forkserver"}))
                dask.append(_timed(dask_cmd, cwd=ROOT))
                spawned.append(_timed(spawn_cmd, cwd=ROOT, env={**os.environ, START: "spawn"}))
                print(f"  plancher {floor[-1]:.1f} s, caqes {ours[-1]:.1f} s, caqes sur Dask {dask[-1]:.1f} s, "
                      f"caqes en spawn {spawned[-1]:.1f} s", flush=True)
        resume = resume_300(tmp, args.year, args.repeat)
        (tmp / "naive").mkdir()
        naive = naive_loop(finess, data, campaign, args.year, tmp / "naive")
    t_naive, t_ours, t_floor = naive, statistics.median(ours), statistics.median(floor)
    t_dask, t_resume, t_spawn = statistics.median(dask), statistics.median(resume), statistics.median(spawned)
    rate = {name: 60 * n / t for name, t in (("naive", t_naive), ("caqes", t_ours), ("floor", t_floor))}
    print(f"boucle naïve (papermill → nbconvert → chromium) : {t_naive:7.1f} s  {rate['naive']:6.1f} rapports/min")
    print(f"caqes reports --jobs 2 (HTML + PDF)            : {t_ours:7.1f} s  {rate['caqes']:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in ours)})")
    print(f"plancher (mêmes cellules, 2 processus Python)   : {t_floor:7.1f} s  {rate['floor']:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in floor)})")
    print(f"caqes reports sur Dask (2 travailleurs)        : {t_dask:7.1f} s  {60 * n / t_dask:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in dask)})")
    print(f"caqes reports, travailleurs en spawn           : {t_spawn:7.1f} s  {60 * n / t_spawn:6.1f} rapports/min"
          f"  (essais : {', '.join(f'{t:.1f}' for t in spawned)})")
    print(f"reprise de 300 rapports à jour                 : {t_resume:7.2f} s"
          f"  (essais : {', '.join(f'{t:.2f}' for t in resume)})")
    speedup, overhead = t_naive / t_ours, t_ours / t_floor
    print(f"caqes / boucle naïve : ×{speedup:.1f} (objectif ≥ 10)")
    print(f"caqes / plancher     : ×{overhead:.2f} du temps du plancher (objectif ≤ 2,5)")
    print(f"Dask / pool local    : {100 * t_ours / t_dask:.0f} % du débit par cœur (2 cœurs chacun ; objectif ≥ 80 %)")
    print(f"spawn / forkserver   : ×{t_ours / t_spawn:.2f} du débit (objectif ≥ 0,8)")
    print(f"reprise (300 à jour) : {t_resume:.2f} s (objectif < 1 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
