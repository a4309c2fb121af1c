#!/usr/bin/env bash
# Run the atheris harness (fuzz/fuzz_readers.py) over every reader, one target at a time.
# Not part of CI. Needs `pip install atheris` (CPython 3.11 x86_64 wheel) and ../shared.
#
#   fuzz/run_atheris.sh [OUT] [RUNS] [SECONDS] [TARGET...]
#
# OUT      folder for logs, corpora, dictionaries and crash inputs (default fuzz-out/)
# RUNS     executions per target (-atheris_runs; default 100000)
# SECONDS  time limit per target (-max_total_time; default 240)
# TARGET   targets to run (default: all; `python fuzz/fuzz_readers.py --list`)
#
# One process at a time under `nice -n 10` (shared machine). Per target: the seeds
# (tests/fuzz_targets.py) are the starting corpus, a dictionary holds awkward values
# and the seeds' words; -timeout=10 turns a hang into a crash report, -rss_limit_mb=2048
# a memory blow-up. The summary (OUT/summary.tsv) lists executions, coverage (cov),
# features (ft), corpus size and crashes per target.
set -u
cd "$(dirname "$0")/.."
OUT=${1:-fuzz-out}
RUNS=${2:-100000}
SECONDS_PER_TARGET=${3:-240}
shift $(( $# < 3 ? $# : 3 ))
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  read -r -a TARGETS <<< "$(python fuzz/fuzz_readers.py --list 2>/dev/null | sed 's/^targets: //')"
fi
mkdir -p "$OUT"
# Each target's working folder (inputs are written there): RAM-backed, removed at the end.
FUZZ_SCRATCH=$(mktemp -d "${TMPDIR_FUZZ:-/dev/shm}/selectorate-fuzz.XXXXXX" 2>/dev/null || mktemp -d)
export FUZZ_SCRATCH
trap 'rm -rf "$FUZZ_SCRATCH"' EXIT
SUMMARY="$OUT/summary.tsv"
printf "target\texecutions\tseconds\tcov\tft\tcorpus\tcrashes\n" > "$SUMMARY"
for t in "${TARGETS[@]}"; do
  corpus="$OUT/corpus/$t"
  crashes="$OUT/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  python fuzz/fuzz_readers.py --write-corpus "$t" "$corpus" >/dev/null 2>&1
  python fuzz/fuzz_readers.py --write-dict "$t" "$OUT/$t.dict" >/dev/null 2>&1
  log="$OUT/$t.log"
  start=$(date +%s)
  nice -n 10 python fuzz/fuzz_readers.py "$t" \
    -atheris_runs="$RUNS" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -dict="$OUT/$t.dict" -artifact_prefix="$crashes/" "$corpus" > "$log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  done_line=$(grep -oE 'Done [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  stat_line=$(grep -oE 'number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  execs=${done_line:-${stat_line:-${execs:-0}}}
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  ncorpus=$(find "$corpus" -type f | wc -l)
  ncrash=$(find "$crashes" -type f | wc -l)
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$t" "$execs" "$seconds" "${cov:-?}" "${ft:-?}" \
    "$ncorpus" "$ncrash" >> "$SUMMARY"
  echo "$t: exit $status, $execs executions in ${seconds}s, cov ${cov:-?} ft ${ft:-?}, $ncrash crash(es)"
done
awk -F'\t' 'NR > 1 { n += $2; c += $7 } END { printf "total: %d executions, %d crash file(s)\n", n, c }' "$SUMMARY"
