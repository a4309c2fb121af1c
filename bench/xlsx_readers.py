"""Benchmark: reading ES&S xlsx cast vote records with python-calamine vs openpyxl.

Measures, for each reader and each data set, the median wall time over a few
runs and the peak resident memory of the process doing the reading. Every run
happens in a fresh child process, so peak RSS belongs to that run alone.

Readers:

* ``calamine``  — ``CalamineWorkbook.from_path(f).get_sheet_by_index(0).to_python()``;
* ``openpyxl``  — ``load_workbook(f, read_only=True, data_only=True)`` and
  ``list(ws.iter_rows(values_only=True))``;
* ``selectorate`` — the whole ES&S path, ``selectorate.formats.rctab.load_contest``
  on the case's RCTab config (calamine + interpretation + ballot objects).

Data sets (RCTab conformance data in ``../shared/conformance/rctab``):

* ``park``  — ``_shared/2013_minneapolis_park_cvr.xlsx`` (80 101 rows);
* ``scale`` — the 13 files of ``2013_minneapolis_mayor_scale`` (1 041 313 rows).

Run from the repository root::

    python bench/xlsx_readers.py            # 5 runs for park, 3 for scale
    python bench/xlsx_readers.py --runs 3 --scale-runs 1
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RCTAB = ROOT.parent / "shared" / "conformance" / "rctab"

DATASETS = {
    "park": {
        "files": ["_shared/2013_minneapolis_park_cvr.xlsx"],
        "config": "2013_minneapolis_park/2013_minneapolis_park_config.json",
    },
    "scale": {
        "files": [
            f"2013_minneapolis_mayor_scale/2013_minneapolis_mayor_cvr_{n}.xlsx"
            for n in range(1, 14)
        ],
        "config": "2013_minneapolis_mayor_scale/2013_minneapolis_mayor_scale_config.json",
    },
}

CHILD = r"""
import json, resource, sys, time
reader, config, files = sys.argv[1], sys.argv[2], sys.argv[3:]
start = time.perf_counter()
rows = 0
if reader == "calamine":
    from python_calamine import CalamineWorkbook
    for f in files:
        sheet = CalamineWorkbook.from_path(f).get_sheet_by_index(0)
        rows += len(sheet.to_python(skip_empty_area=False))
elif reader == "openpyxl":
    from openpyxl import load_workbook
    for f in files:
        wb = load_workbook(f, read_only=True, data_only=True)
        rows += len(list(wb.worksheets[0].iter_rows(values_only=True)))
        wb.close()
else:
    from selectorate.formats.rctab import load_contest
    rows = len(load_contest(config).election.ballots)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "rows": rows}))
"""


def run_once(reader: str, dataset: str) -> dict[str, float]:
    """One child process reading ``dataset`` with ``reader``; its time, peak RSS and rows."""
    spec = DATASETS[dataset]
    files = [str(RCTAB / f) for f in spec["files"]]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, reader, str(RCTAB / spec["config"]), *files],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def main() -> None:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per reader for 'park'")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per reader for 'scale'")
    parser.add_argument("--readers", default="calamine,openpyxl,selectorate")
    parser.add_argument("--datasets", default="park,scale")
    args = parser.parse_args()
    if not RCTAB.exists():
        sys.exit(f"conformance data not found at {RCTAB}")

    from importlib.metadata import version

    load = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "?"
    )
    print(
        f"Python {platform.python_version()}, python-calamine {version('python-calamine')}, "
        f"openpyxl {version('openpyxl')}, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load average at start {load}"
    )
    print()
    print("| data set | reader | rows | runs | median wall s | min wall s | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for dataset in args.datasets.split(","):
        runs = args.scale_runs if dataset == "scale" else args.runs
        for reader in args.readers.split(","):
            results = [run_once(reader, dataset) for _ in range(runs)]
            seconds = [r["seconds"] for r in results]
            peak = max(r["peak_mib"] for r in results)
            print(
                f"| {dataset} | {reader} | {int(results[0]['rows']):,} | {runs} | "
                f"{statistics.median(seconds):.2f} | {min(seconds):.2f} | {peak:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
