"""Where selectorate's time goes: cProfile of reading a profile file and counting it by IRV.

Usage::

    python bench/profile_selectorate.py /tmp/selectorate-bench/irv-1M.blt
    python bench/profile_selectorate.py /tmp/selectorate-bench/irv-1M.csv --top 25 --sort tottime

Prints the wall time of each phase (without the profiler, then with it) and the top
entries of each phase's profile. For a sampling view with native frames use py-spy
(in the peers venv)::

    /work/peers-venv/bin/py-spy record -r 200 -o /tmp/irv.svg -- \\
        python bench/profile_selectorate.py /tmp/selectorate-bench/irv-1M.blt --no-cprofile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from pathlib import Path


def main() -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path, help="a ballot file selectorate reads (.blt, .csv, ...)")
    ap.add_argument("--method", default="irv")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    ap.add_argument("--no-cprofile", action="store_true", help="only time (for py-spy)")
    args = ap.parse_args()

    from selectorate.counting import registry
    from selectorate.formats.detect import read_ballots

    registry.get(args.method)

    t0 = time.perf_counter()
    election = read_ballots(args.path)
    t1 = time.perf_counter()
    result = registry.count(args.method, election)
    t2 = time.perf_counter()
    print(
        f"{args.path.name}: {len(election.ballots)} ballot lines, winner {result.elected}, "
        f"{len(result.rounds)} rounds; read {t1 - t0:.3f} s, count {t2 - t1:.3f} s"
    )
    if args.no_cprofile:
        return 0
    for phase, call in (
        ("read", lambda: read_ballots(args.path)),
        ("count", lambda: registry.count(args.method, election)),
    ):
        prof = cProfile.Profile()
        prof.enable()
        call()
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(args.sort)
        stats.print_stats(args.top)
        text = buf.getvalue()
        start = text.find("   ncalls")
        print(f"\n--- {phase} (cProfile, sorted by {args.sort}) ---")
        print(text[start:].rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
