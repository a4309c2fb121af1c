"""Time RCTab's 1.04M-ballot scale case: read 13 ES&S xlsx files and count them.

The case is ``../shared/conformance/rctab/2013_minneapolis_mayor_scale`` (13 copies of
the 2013 Minneapolis mayor CVR, 36 candidates, IRV with batch elimination; RCTab's
expected result: 33 rounds, BETSY HODGES). Target: read + count in under 30 s.

Each run is a fresh child process (imports not timed). It times
``selectorate.formats.rctab.load_contest(config)`` (read) and
``selectorate.counting.registry.count(contest.method, contest.election, **contest.options)``
(count), reports peak RSS (VmHWM), and checks the result against the expected
detailed report: winner, number of rounds, and every round's tally.

Usage::

    python bench/scale_case.py            # one run
    python bench/scale_case.py -k 3       # median of 3 fresh-process runs
    python bench/scale_case.py --profile /tmp/scale.prof   # also write a cProfile dump
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CASE = REPO.parent / "shared" / "conformance" / "rctab" / "2013_minneapolis_mayor_scale"
STEM = "2013_minneapolis_mayor_scale"
TARGET_S = 30.0


def check(result: object, expected_path: Path) -> list[str]:
    """Differences between a CountResult and RCTab's expected detailed report (empty: none)."""
    expected = json.loads(expected_path.read_text())
    problems = []
    want_winners = [
        w["elected"] for r in expected["results"] for w in r["tallyResults"] if "elected" in w
    ]
    if list(result.elected) != want_winners:
        problems.append(f"winners {result.elected} != expected {want_winners}")
    if len(result.rounds) != len(expected["results"]):
        problems.append(f"{len(result.rounds)} rounds != expected {len(expected['results'])}")
    for ours, theirs in zip(result.rounds, expected["results"], strict=False):
        want = {k: Fraction(v) for k, v in theirs["tally"].items()}
        got = {k: v for k, v in ours.tally.items() if k in want or v != 0}
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            problems.append(f"round {theirs['round']}: tally differs for {diff[:5]}")
            break
    return problems


def worker(case: Path, profile_out: Path | None) -> int:
    """Child: import, then time load_contest and the count; print one JSON line."""
    from run_bench import _peak_rss_mb, _rss_mb

    from selectorate.counting import registry
    from selectorate.formats.rctab import load_contest

    registry.names()  # import every method module before timing
    base = _rss_mb()
    config = case / f"{STEM}_config.json"
    prof = None
    if profile_out:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    contest = load_contest(config)
    t1 = time.perf_counter()
    result = registry.count(contest.method, contest.election, **contest.options)
    t2 = time.perf_counter()
    if prof:
        prof.disable()
        prof.dump_stats(profile_out)
    problems = check(result, case / f"{STEM}_expected_detailed_report.json")
    out = {
        "read": t1 - t0,
        "count": t2 - t1,
        "total": t2 - t0,
        "ballots": len(contest.election.ballots),
        "method": contest.method,
        "winner": list(result.elected),
        "rounds": len(result.rounds),
        "matches_rctab": not problems,
        "problems": problems,
        "base_mb": round(base, 1),
        "peak_mb": round(_peak_rss_mb(), 1),
    }
    print(json.dumps(out), flush=True)
    return 0


def main() -> int:
    """Command line: run k fresh-process timings and print a summary."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", type=Path, default=CASE)
    ap.add_argument("-k", type=int, default=1, help="fresh-process runs; the median is reported")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--limit", type=float, default=300.0, help="seconds per run (incl. imports)")
    ap.add_argument("--profile", type=Path, help="write a cProfile dump of one run here")
    ap.add_argument("--out", type=Path, help="merge the summary into this results JSON")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        sys.path.insert(0, str(BENCH))
        return worker(args.case, args.profile)
    if not args.case.is_dir():
        print(f"scale case not found: {args.case}", file=sys.stderr)
        return 2
    runs = []
    for _ in range(args.k):
        cmd = [args.python, str(Path(__file__).resolve()), "--worker", "--case", str(args.case)]
        if args.profile:
            cmd += ["--profile", str(args.profile)]
        try:
            p = subprocess.run(
                cmd, capture_output=True, text=True, timeout=args.limit, cwd=REPO, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"timed out after {args.limit:g} s", file=sys.stderr)
            return 1
        if p.returncode != 0 or not p.stdout.strip():
            print(p.stderr[-2000:], file=sys.stderr)
            return 1
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), file=sys.stderr)
    summary = {k: statistics.median(r[k] for r in runs) for k in ("read", "count", "total")}
    summary.update(
        runs=len(runs),
        peak_mb=max(r["peak_mb"] for r in runs),
        base_mb=runs[0]["base_mb"],
        ballots=runs[0]["ballots"],
        winner=runs[0]["winner"],
        rounds=runs[0]["rounds"],
        matches_rctab=all(r["matches_rctab"] for r in runs),
        problems=runs[0]["problems"],
        date=time.strftime("%Y-%m-%d %H:%M:%S"),
        load1=round(__import__("os").getloadavg()[0], 2),
    )
    met = "yes" if summary["total"] < TARGET_S else "**no**"
    print(
        f"| RCTab scale case ({summary['ballots']:,} ballots, 13 xlsx) | "
        f"{summary['read']:.1f} s | {summary['count']:.1f} s | {summary['total']:.1f} s | "
        f"{summary['peak_mb']:.0f} MB | {'yes' if summary['matches_rctab'] else 'NO'} | "
        f"< {TARGET_S:g} s: {met} |"
    )
    if args.out:
        doc = json.loads(args.out.read_text()) if args.out.exists() else {"cells": {}, "runs": []}
        doc["scale_case"] = summary
        args.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
