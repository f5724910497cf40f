"""Time scoring alone (no reading, no writing) and check that its outputs do not change.

    .venv/bin/python benchmarks/profile_scoring.py DIR                 # median of 5 runs
    .venv/bin/python benchmarks/profile_scoring.py DIR --save OUT      # also pickle the frames
    .venv/bin/python benchmarks/profile_scoring.py DIR --compare OUT   # compare with a saved run
    .venv/bin/python benchmarks/profile_scoring.py DIR --profile       # cProfile of one run

DIR is a region folder (e.g. the one ``bench_scoring.py --keep`` leaves). The data are read
once; then ``score_by_year`` and ``score_table`` are timed separately. ``--save`` / ``--compare``
cover the three frames of every year's :class:`Scores` (indicators included) and the scores
table: same columns, dtypes and index; non-float columns identical; float columns said identical
bit for bit, or equal within ``--rtol`` (with the count of values that differ), or different.
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.documents.present import score_table
from caqes_toolkit.evaluation.scoring import score_by_year
from caqes_toolkit.rules.campaign import load_campaign


def _timed(func, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _frames(by_year: dict, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {"score_table": table}
    for year, scores in by_year.items():
        for name in ("establishments", "chapters", "indicators"):
            out[f"{year}.{name}"] = getattr(scores, name)
    return out


def _compare(saved: dict[str, pd.DataFrame], now: dict[str, pd.DataFrame], rtol: float) -> int:
    """Print each difference; return how many frames differ."""
    bad = 0
    for name in sorted(saved.keys() | now.keys()):
        if name not in saved or name not in now:
            print(f"{name}: présent d'un seul côté")
            bad += 1
            continue
        a, b = saved[name], now[name]
        try:
            pd.testing.assert_index_equal(a.columns, b.columns)
            assert list(a.dtypes) == list(b.dtypes), f"dtypes {list(a.dtypes)} != {list(b.dtypes)}"
            pd.testing.assert_index_equal(a.index, b.index)
            inexact = []
            for col in a.columns:
                try:
                    pd.testing.assert_series_equal(a[col], b[col], check_exact=True)
                except AssertionError:
                    if not pd.api.types.is_float_dtype(a[col]):
                        raise
                    pd.testing.assert_series_equal(a[col], b[col], check_exact=False, rtol=rtol, atol=0)
                    x, y = a[col].to_numpy(), b[col].to_numpy()
                    diff = x != y
                    diff &= ~(np.isnan(x) & np.isnan(y))
                    inexact.append(f"{col} ({diff.sum()} valeurs, écart max {np.nanmax(np.abs(x - y)):.3g})")
        except AssertionError as exc:
            print(f"{name}: DIFFÈRE\n{exc}")
            bad += 1
            continue
        same = "identique au bit près" if not inexact else f"égal à rtol près, sauf au bit près : {', '.join(inexact)}"
        print(f"{name}: {same} ({len(a)} lignes × {a.shape[1]} colonnes)")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("region", type=Path)
    parser.add_argument("--campaign", action="append", help="défaut : params/caqes-2019.yml")
    parser.add_argument("--year", type=int, action="append")
    parser.add_argument("--phase", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--rtol", type=float, default=1e-12)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    campaigns = [load_campaign(c) for c in args.campaign or [ROOT / "params" / "caqes-2019.yml"]]
    dataset = load_dataset(args.region, campaigns[-1])
    years = args.year or [max(dataset.years)]

    def scoring() -> dict:
        return score_by_year(dataset, campaigns, years, phase=args.phase)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(scoring)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0
    t_score, by_year = _timed(scoring, args.repeat)
    t_table, table = _timed(lambda: score_table(by_year), args.repeat)
    rows = sum(len(s.establishments) for s in by_year.values())
    print(f"score_by_year : {t_score:.3f} s (médiane de {args.repeat}), {rows} lignes établissement-année")
    print(f"score_table   : {t_table:.3f} s")
    if args.save or args.compare:
        frames = _frames(by_year, table)
        if args.save:
            args.save.write_bytes(pickle.dumps(frames, protocol=pickle.HIGHEST_PROTOCOL))
        if args.compare:
            return 1 if _compare(pickle.loads(args.compare.read_bytes()), frames, args.rtol) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
