"""IRV speed-and-memory benchmark: selectorate against the Python peers, side by side.

Usage (see bench/README.md for the venv set-up)::

    python bench/run_bench.py --python /work/peers-venv/bin/python          # full run
    python bench/run_bench.py --python /work/peers-venv/bin/python --quick  # smoke run
    python bench/run_bench.py --python ... --tools selectorate --out bench/results/latest.json
    python bench/run_bench.py --render bench/results/latest.json             # table only

Method
------
* Profiles: ``bench/profiles.py`` (seeded mixture of 4 Plackett–Luce blocs, seed 17),
  C = 10 candidates, N = 10k / 100k / 1M. Written once into ``--data-dir`` and reused.
* Each (tool, config) run is a **fresh child process** (this file with ``--worker``). The
  child imports the tool (not timed), prints ``READY``, then times ``prep`` (read the
  file and build the tool's input) and ``count`` (the counting call), and reports the
  winner and its peak RSS (``VmHWM`` from ``/proc/self/status``, or
  ``resource.getrusage`` where there is no /proc). Peak RSS is the whole process:
  interpreter, imports, profile and count.
* Each cell is the **median of k runs** (``-k``, default 3) for prep, count and total
  separately; a cell whose first run takes longer than ``--single-above`` seconds is run
  once. Peak memory is the largest of the runs.
* A run has ``--limit`` seconds (default 120) after ``READY``; a tool that times out (or
  fails) is not run at larger N.
* Every tool's winner is compared; tools that report an elimination order
  (selectorate, the numpy floor, pyrcv) are also compared round by round.
* Nothing here asserts a time: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

#: name -> (ballots, candidates); run in this order (increasing N).
CONFIGS: dict[str, tuple[int, int]] = {
    "irv-10k": (10_000, 10),
    "irv-100k": (100_000, 10),
    "irv-1M": (1_000_000, 10),
}

#: Distribution whose version each tool reports.
DISTS = {
    "selectorate": "selectorate",
    "selectorate-csv": "selectorate",
    "numpy-floor": "numpy",
    "pyrankvote": "pyrankvote",
    "votekit-fast": "votekit",
    "votekit": "votekit",
    "pref_voting": "pref_voting",
    "pyrcv": "pyrcv",
    "py-vote-core": "py-vote-core",
}

#: Targets from the benchmark issue (IRV, 1M ballots x 10 candidates).
TARGET_SPEEDUP = 10.0
TARGET_COUNT_S = 0.35
TARGET_PEAK_MB = 400.0


# --------------------------------------------------------------------------- child side


def _peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (VmHWM, else getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def _rss_mb() -> float:
    """Current resident set size in MB (VmRSS), or the peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def worker(tool_name: str, config: str, data_dir: Path) -> int:
    """Child process: import the tool, signal READY, time prep and count, print JSON."""
    import gc
    import traceback
    from importlib import metadata

    sys.path.insert(0, str(BENCH))
    from peers import TOOLS
    from profiles import profile_files

    tool = TOOLS[tool_name]
    files = profile_files(data_dir, config)
    out: dict[str, object] = {"tool": tool_name, "config": config}
    try:
        mods = tool.setup()
    except Exception as exc:  # report "not installed / not written yet" cleanly
        out["error"] = f"setup: {type(exc).__name__}: {exc}"
        print("READY", flush=True)
        print(json.dumps(out), flush=True)
        return 0
    try:
        out["version"] = metadata.version(DISTS[tool_name])
    except metadata.PackageNotFoundError:
        out["version"] = "?"
    gc.collect()
    out["base_mb"] = round(_rss_mb(), 1)
    print("READY", flush=True)
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        state = tool.prep(mods, files)
        c1, t1 = time.process_time(), time.perf_counter()
        res = tool.count(mods, state)
        c2, t2 = time.process_time(), time.perf_counter()
    except Exception as exc:
        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(out), flush=True)
        return 0
    winner, eliminated = (res, None) if isinstance(res, str) else res
    out.update(
        prep=t1 - t0,
        count=t2 - t1,
        total=t2 - t0,
        cpu_prep=c1 - c0,
        cpu_count=c2 - c1,
        cpu_total=c2 - c0,
        peak_mb=round(_peak_rss_mb(), 1),
        winner=winner,
        eliminated=eliminated,
        python=platform.python_version(),
    )
    print(json.dumps(out), flush=True)
    return 0


# --------------------------------------------------------------------------- parent side


def run_once(
    python: str, tool: str, config: str, data_dir: Path, limit: float, import_limit: float = 300
) -> dict:
    """One fresh child process; returns its JSON, or ``{"timeout": ...}`` / ``{"error": ...}``."""
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, "--config", config]
    cmd += ["--data-dir", str(data_dir)]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, cwd=REPO)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()

        def next_line(timeout: float) -> str | None:
            deadline = time.monotonic() + timeout
            while True:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                if line is None or line.strip():
                    return line

        try:
            if (line := next_line(import_limit)) is None or line.strip() != "READY":
                proc.wait()
                err.seek(0)
                return {"error": f"child failed before READY: {err.read()[-400:]}"}
            line = next_line(limit)
        except queue.Empty:
            proc.kill()
            proc.wait()
            return {"timeout": limit}
        proc.wait()
        if line is None:
            err.seek(0)
            return {"error": f"child died (exit {proc.returncode}): {err.read()[-400:]}"}
        return json.loads(line)


def measure(
    python: str, tool: str, config: str, data_dir: Path, k: int, limit: float, single_above: float
) -> dict:
    """Median of up to ``k`` fresh-process runs of one (tool, config)."""
    runs = []
    for i in range(k):
        r = run_once(python, tool, config, data_dir, limit)
        if "timeout" in r or "error" in r:
            return r
        runs.append(r)
        if i == 0 and r["total"] > single_above:
            break
    keys = ("prep", "count", "total", "cpu_prep", "cpu_count", "cpu_total")
    cell = {key: statistics.median(r[key] for r in runs) for key in keys}
    cell.update(
        runs=len(runs),
        totals=[round(r["total"], 4) for r in runs],
        peak_mb=max(r["peak_mb"] for r in runs),
        base_mb=runs[0]["base_mb"],
        winner=runs[0]["winner"],
        eliminated=runs[0]["eliminated"],
        version=runs[0]["version"],
        python=runs[0]["python"],
        consistent=len({r["winner"] for r in runs}) == 1,
    )
    return cell


def machine_info() -> dict:
    """CPU, cores, memory and load, for the record."""
    info: dict[str, object] = {"cores": os.cpu_count(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        info["mem_gib"] = round(int(mem) / 2**20, 1)
    except OSError:
        pass
    return info


def ensure_profiles(python: str, data_dir: Path, configs: list[str]) -> None:
    """Write the seeded profiles (once; reused while their spec matches)."""
    for name in configs:
        n, c = CONFIGS[name]
        cmd = [python, str(BENCH / "profiles.py"), "--n", str(n), "--c", str(c)]
        cmd += ["--out", str(data_dir), "--name", name]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def start_run(
    args: argparse.Namespace, known_tools: dict, known_configs: dict, ensure: Callable[..., object]
) -> tuple[list[str], list[str], dict, dict]:
    """Check the selected tools and configs, make the profiles, and open the results document.

    Shared by this harness and ``stv_bench.py``: returns the tools, the configs, the results
    document (merged from ``--out`` when it exists) and this run's record.
    """
    tools = args.tools.split(",") if args.tools else list(known_tools)
    configs = args.configs.split(",") if args.configs else list(known_configs)
    for t in tools:
        if t not in known_tools:
            raise SystemExit(f"unknown tool {t!r}; known: {', '.join(known_tools)}")
    for c in configs:
        if c not in known_configs:
            raise SystemExit(f"unknown config {c!r}; known: {', '.join(known_configs)}")
    ensure(args.python, args.data_dir, configs)
    doc: dict = {"cells": {}, "runs": []}
    if args.out and args.out.exists():
        doc = json.loads(args.out.read_text())
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "k": args.k,
        "limit": args.limit,
        "tools": tools,
        "configs": configs,
    }
    return tools, configs, doc, record


def run(args: argparse.Namespace) -> dict:
    """Run every selected (tool, config); return the results document."""
    sys.path.insert(0, str(BENCH))
    from peers import TOOLS

    tools, configs, doc, record = start_run(args, TOOLS, CONFIGS, ensure_profiles)
    dead: dict[str, str] = {}
    for tool in tools:  # a tool that timed out at a smaller N in an earlier run stays out
        for config in CONFIGS:
            if config in configs:
                break
            if "timeout" in doc["cells"].get(f"{tool}|{config}", {}):
                dead[tool] = f"timed out (> {args.limit:g} s) at {config}"
    for config in configs:
        for tool in tools:
            key = f"{tool}|{config}"
            if tool in dead:
                doc["cells"][key] = {"skipped": dead[tool]}
                continue
            python = args.selectorate_python if TOOLS[tool].kind == "selectorate" else args.python
            load = os.getloadavg()[0]
            cell = measure(
                python, tool, config, args.data_dir, args.k, args.limit, args.single_above
            )
            cell["load1"] = round(load, 2)
            cell["date"] = record["date"]
            doc["cells"][key] = cell
            print(f"  {tool:16s} {config:9s} {_short(cell)}", file=sys.stderr, flush=True)
            if "timeout" in cell:
                dead[tool] = f"timed out (> {args.limit:g} s) at {config}"
            elif "error" in cell and "ModuleNotFoundError" in cell["error"]:
                dead[tool] = "not available yet"
            elif "error" in cell:
                dead[tool] = f"failed at {config}"
    record["load_after"] = [round(x, 2) for x in os.getloadavg()]
    doc["runs"].append(record)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return doc


def _short(cell: dict) -> str:
    if "timeout" in cell:
        return f"TIMEOUT > {cell['timeout']:g} s"
    if "error" in cell:
        return "ERROR " + cell["error"].splitlines()[0][:150]
    return (
        f"total {cell['total']:.3f} s (prep {cell['prep']:.3f} + count {cell['count']:.3f}), "
        f"peak {cell['peak_mb']:.0f} MB, winner {cell['winner']}, runs {cell['runs']}"
    )


# --------------------------------------------------------------------------- report


def _fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def render(doc: dict) -> str:
    """Markdown tables (end-to-end, count only, peak memory), agreement, and targets."""
    sys.path.insert(0, str(BENCH))
    from peers import TOOLS

    cells = doc["cells"]
    configs = [c for c in CONFIGS if any(k.endswith("|" + c) for k in cells)]
    tools = [t for t in TOOLS if any(k.startswith(t + "|") for k in cells)]

    def cell(t: str, c: str) -> dict | None:
        return cells.get(f"{t}|{c}")

    def fastest_peer(c: str, key: str) -> tuple[str, float] | None:
        best = None
        for t in tools:
            x = cell(t, c)
            if TOOLS[t].kind == "peer" and x and key in x:
                if best is None or x[key] < best[1]:
                    best = (t, x[key])
        return best

    def show(t: str, c: str, fmt) -> str:
        x = cell(t, c)
        if x is None:
            return "not run"
        if "timeout" in x:
            return f"> {x['timeout']:g} s"
        if "skipped" in x:
            why = x["skipped"]
            return why if why == "not available yet" else f"not run: {why}"
        if "error" in x:
            err = x["error"]
            return "not available yet" if "ModuleNotFoundError" in err else "error"
        return fmt(x)

    out = []
    head = "| tool | arithmetic | " + " | ".join(configs) + " |"
    sep = "|---|---|" + "---|" * len(configs)

    out.append("**End to end** (file → winner): median total, `(read/prep + count)`\n")
    out += [head, sep]
    for t in tools:
        row = [TOOLS[t].label, TOOLS[t].arithmetic]
        for c in configs:
            fp = fastest_peer(c, "total")

            def fmt(x, t=t, fp=fp):
                s = f"{_fmt_s(x['total'])} ({x['prep']:.3f} + {x['count']:.3f})"
                return f"**{s}**" if fp and fp[0] == t else s

            row.append(show(t, c, fmt))
        out.append("| " + " | ".join(row) + " |")

    out.append("\n**Count only**: median seconds of the counting call\n")
    out += [head, sep]
    for t in tools:
        row = [TOOLS[t].label, TOOLS[t].arithmetic]
        row += [show(t, c, lambda x: _fmt_s(x["count"])) for c in configs]
        out.append("| " + " | ".join(row) + " |")

    out.append(
        "\n**CPU time** of the child during prep + count (median s; less sensitive to the"
        " machine's load than wall time)\n"
    )
    out += [head, sep]
    for t in tools:
        row = [TOOLS[t].label, TOOLS[t].arithmetic]
        row += [
            show(t, c, lambda x: _fmt_s(x["cpu_total"]) if "cpu_total" in x else "?")
            for c in configs
        ]
        out.append("| " + " | ".join(row) + " |")

    out.append(
        "\n**Peak memory**: VmHWM of the child process, MB (in brackets: RSS after imports)\n"
    )
    out += [head, sep]
    for t in tools:
        row = [TOOLS[t].label, TOOLS[t].arithmetic]
        row += [show(t, c, lambda x: f"{x['peak_mb']:.0f} ({x['base_mb']:.0f})") for c in configs]
        out.append("| " + " | ".join(row) + " |")

    out.append("\n**Agreement**\n")
    for c in configs:
        winners = {}
        orders = {}
        for t in tools:
            x = cell(t, c)
            if x and "winner" in x:
                winners[t] = x["winner"]
                if x.get("eliminated"):
                    orders[t] = x["eliminated"]
        distinct = sorted(set(winners.values()))
        if len(distinct) == 1:
            line = f"- {c}: all {len(winners)} tools elect {distinct[0]}"
        else:
            by = {w: [t for t in winners if winners[t] == w] for w in distinct}
            line = f"- {c}: **DISAGREEMENT**: " + "; ".join(
                f"{w}: {', '.join(ts)}" for w, ts in by.items()
            )
        if len(orders) > 1:
            seqs = list(orders.values())
            shortest = min(len(s) for s in seqs)
            same = all(s[:shortest] == seqs[0][:shortest] for s in seqs)
            verdict = "same" if same else "**DIFFERENT**"
            line += f"; elimination order {verdict} in {', '.join(orders)}"
            if not same:
                line += " (" + "; ".join(f"{t}: {' '.join(o)}" for t, o in orders.items()) + ")"
        out.append(line)

    last = cell("selectorate", "irv-1M")
    fp = fastest_peer("irv-1M", "total")
    if last and "total" in last and fp:
        speedup = fp[1] / last["total"]
        fp_cpu = fastest_peer("irv-1M", "cpu_total")
        cpu_note = ""
        if fp_cpu and last.get("cpu_total"):
            cpu_note = (
                f" (CPU time: {last['cpu_total']:.3f} s vs {TOOLS[fp_cpu[0]].label}"
                f" {fp_cpu[1]:.3f} s: {fp_cpu[1] / last['cpu_total']:.1f}×)"
            )
        rows = [
            (
                f"end to end ≥ {TARGET_SPEEDUP:g}× faster than the fastest peer",
                f"{_fmt_s(last['total'])} vs {TOOLS[fp[0]].label} {_fmt_s(fp[1])}: "
                f"{speedup:.1f}×{cpu_note}",
                speedup >= TARGET_SPEEDUP,
            ),
            (
                f"count only ≤ {TARGET_COUNT_S} s",
                _fmt_s(last["count"]),
                last["count"] <= TARGET_COUNT_S,
            ),
            (
                f"peak memory ≤ {TARGET_PEAK_MB:g} MB",
                f"{last['peak_mb']:.0f} MB",
                last["peak_mb"] <= TARGET_PEAK_MB,
            ),
        ]
        out.append("\n**selectorate against the targets (IRV, 1M ballots, BLT)**\n")
        out += ["| target | measured | met |", "|---|---|---|"]
        out += [f"| {a} | {b} | {'yes' if ok else '**no**'} |" for a, b, ok in rows]
    sc = doc.get("scale_case")
    if sc:
        out.append("\n**RCTab scale case** (`bench/scale_case.py`; target < 30 s)\n")
        out += [
            "| case | read | count | total | peak memory | matches RCTab | load1 |",
            "|---|---|---|---|---|---|---|",
            f"| 2013 Minneapolis mayor ×13 ({sc['ballots']:,} ballots, 13 ES&S xlsx) "
            f"| {_fmt_s(sc['read'])} | {_fmt_s(sc['count'])} | {_fmt_s(sc['total'])} "
            f"| {sc['peak_mb']:.0f} MB | {'yes' if sc['matches_rctab'] else '**NO**'}"
            f" ({sc['rounds']} rounds, {', '.join(sc['winner'])}) | {sc['load1']} |",
        ]
    runs = doc.get("runs", [])
    if runs:
        m = runs[-1]["machine"]
        out.append(
            f"\nMachine: {m.get('cpu', '?')}, {m.get('cores')} cores, {m.get('mem_gib', '?')} GiB."
            " Runs merged into this file (1-, 5-, 15-minute load averages before → after):\n"
        )
        for r in runs:
            out.append(
                f"- {r['date']}: {','.join(r['tools'])} × {','.join(r['configs'])};"
                f" k = {r['k']}, limit {r['limit']:g} s; load {r['load_before']}"
                f" → {r['load_after']}"
            )
    return "\n".join(out)


BEGIN_MARK = "<!-- bench:begin (generated by bench/run_bench.py --render ... --doc ...) -->"
END_MARK = "<!-- bench:end -->"


def update_doc(doc_path: Path, tables: str) -> int:
    """Put ``tables`` between the bench markers of ``doc_path`` (which must have them)."""
    text = doc_path.read_text()
    start, end = text.find(BEGIN_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        print(f"{doc_path}: bench markers not found", file=sys.stderr)
        return 1
    new = text[: start + len(BEGIN_MARK)] + "\n\n" + tables + "\n\n" + text[end:]
    doc_path.write_text(new)
    return 0


# --------------------------------------------------------------------------- CLI


def main() -> int:
    """Command line entry point (parent, worker or render-only)."""
    ap = argparse.ArgumentParser(description="IRV benchmark: selectorate vs Python peers")
    ap.add_argument("--python", default=sys.executable, help="interpreter with the peers installed")
    ap.add_argument(
        "--selectorate-python", default=None, help="interpreter for selectorate (default --python)"
    )
    ap.add_argument("--tools", help="comma-separated subset (default: all)")
    ap.add_argument("--configs", help="comma-separated subset of " + ", ".join(CONFIGS))
    ap.add_argument("-k", type=int, default=3, help="runs per cell; the median is reported")
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per run after imports")
    ap.add_argument(
        "--single-above",
        type=float,
        default=15.0,
        help="run a cell once when its first run takes longer than this (s)",
    )
    ap.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "selectorate-bench"
    )
    ap.add_argument("--out", type=Path, help="results JSON (merged with an existing file)")
    ap.add_argument("--quick", action="store_true", help="smoke run: irv-10k, k=1, limit 30 s")
    ap.add_argument("--render", type=Path, help="only print the tables of a results JSON")
    ap.add_argument(
        "--doc",
        type=Path,
        help="with --render: replace the text between the bench markers in this markdown file",
    )
    ap.add_argument(
        "--selftest", action="store_true", help="check the numpy floor against plain Python"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        return worker(args.worker, args.config, args.data_dir)
    if args.selftest:
        sys.path.insert(0, str(BENCH))
        from peers import selftest

        compared, mismatches, skipped = selftest()
        print(
            f"numpy floor self-test: {compared} compared, {mismatches} mismatches, {skipped} ties"
        )
        return 1 if mismatches else 0
    if args.render:
        tables = render(json.loads(args.render.read_text()))
        if args.doc:
            return update_doc(args.doc, tables)
        print(tables)
        return 0
    if args.quick:
        args.configs = args.configs or "irv-10k"
        args.k, args.limit = 1, 30.0
    args.selectorate_python = args.selectorate_python or args.python
    doc = run(args)
    print(render(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
