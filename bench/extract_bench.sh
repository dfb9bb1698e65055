#!/usr/bin/env bash
# Extraction throughput: the simulator over loopback into bronze (issue 4's figures).
#
#   bench/extract_bench.sh [small|medium|large] [BINARY]
#
# The simulator is pinned to core 0 and the extractor to core 1 (taskset), so the two do not share a
# core. Prints, for the full extraction (`sync --only extract --full` into an empty lake): seconds,
# records and records/s (every resource), data values and data values/s, MB received and MB/s, the
# extractor's CPU seconds (user + sys) and peak memory (GNU time's maximum resident set size), the
# simulator's CPU seconds over the extraction, and the per-resource lines of the summary (chunks,
# records, seconds); then the simulator's own serving rate, measured by downloading the whole
# of /api/dataValueSets.csv once with curl on core 1 (no parsing, no writing), so that it is clear
# which side limits. Figures only: nothing is asserted.
set -euo pipefail
SCALE="${1:-medium}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${2:-$ROOT/build/src/cli/dhis2lake}"
WORK="$(mktemp -d)"
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v taskset >/dev/null || [ ! -x /usr/bin/time ]; then
  echo "extract_bench: needs taskset (util-linux) and GNU time (package time)" >&2
  exit 1
fi
CORES="$(nproc)"
SIM_CORE=0
EXTRACT_CORE=$((CORES > 1 ? 1 : 0))

STATS="$("$BIN" sim --scale "$SCALE" --stats)"
echo "simulator ($SCALE): $STATS"

taskset -c "$SIM_CORE" "$BIN" sim --scale "$SCALE" --port 0 >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 1 600); do
  if grep -q '^listening on ' "$WORK/sim.out" 2>/dev/null; then break; fi
  sleep 0.5
done
URL="$(sed -n 's/^listening on //p' "$WORK/sim.out" | head -1)"
if [ -z "$URL" ]; then
  echo "extract_bench: the simulator did not start" >&2
  cat "$WORK/sim.err" >&2
  exit 1
fi

export DHIS2_URL="$URL" DHIS2_USERNAME=admin DHIS2_PASSWORD=district
unset DHIS2LAKE_SECRETS  # a fresh secrets file (hashing key) under XDG_CONFIG_HOME
export XDG_CONFIG_HOME="$WORK/config"
sim_ticks() { awk '{print $14 + $15}' "/proc/$SIM_PID/stat"; }
sim_before=$(sim_ticks)
start=$(date +%s.%N)
taskset -c "$EXTRACT_CORE" /usr/bin/time -f '%M %U %S' -o "$WORK/rss" \
  "$BIN" --lake "$WORK/lake" --log-level warn sync --only extract --full >"$WORK/sync.out" 2>"$WORK/sync.err" || {
  echo "extract_bench: sync failed:" >&2
  tail -5 "$WORK/sync.err" >&2
  exit 1
}
end=$(date +%s.%N)
sim_cpu=$(echo "($(sim_ticks) - $sim_before) / $(getconf CLK_TCK)" | bc -l)
seconds=$(echo "$end - $start" | bc -l)
read -r rss_kb user_s sys_s < <(tail -1 "$WORK/rss")
records=$(sed -n 's/^extract: \([0-9]*\) records.*/\1/p' "$WORK/sync.out" | tail -1)
values=$("$BIN" --lake "$WORK/lake" sql "SELECT count(*) AS n FROM bronze.data_value" --format csv | tail -1)
landed_bytes=$(du -sb "$WORK/lake/_landing" | cut -f1)
bronze_bytes=$(du -sb "$WORK/lake/bronze" | cut -f1)
sed "s/^/extract summary: /" "$WORK/sync.out"
printf 'extract: %.1f s, %s data values in bronze, %.0f values/s, %.1f MB landed, %.1f MB/s, bronze %.1f MB, peak RSS %.0f MB\n' \
  "$seconds" "$values" "$(echo "$values / $seconds" | bc -l)" "$(echo "$landed_bytes / 1000000" | bc -l)" \
  "$(echo "$landed_bytes / 1000000 / $seconds" | bc -l)" "$(echo "$bronze_bytes / 1000000" | bc -l)" \
  "$(echo "$rss_kb / 1024" | bc -l)"
printf 'extract: %s records, %.0f records/s; extractor CPU %.1f s (user %.1f + sys %.1f); simulator CPU %.1f s\n' \
  "$records" "$(echo "$records / $seconds" | bc -l)" "$(echo "$user_s + $sys_s" | bc -l)" "$user_s" \
  "$sys_s" "$sim_cpu"

# The simulator alone: every data set's values as CSV in one request, discarded.
query="orgUnit=$(curl -s -u admin:district "$URL/api/organisationUnits.json?level=1&fields=id&paging=false" |
  grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)"
for data_set in $(curl -s -u admin:district "$URL/api/dataSets.json?fields=id&paging=false" |
  grep -o '"id":"[^"]*"' | cut -d'"' -f4); do
  query="$query&dataSet=$data_set"
done
start=$(date +%s.%N)
bytes=$(taskset -c "$EXTRACT_CORE" curl -s -u admin:district -o /dev/null -w '%{size_download}' \
  "$URL/api/dataValueSets.csv?$query&children=true&startDate=1900-01-01&endDate=2100-12-31&includeDeleted=true")
end=$(date +%s.%N)
seconds=$(echo "$end - $start" | bc -l)
printf 'simulator serving alone: %.1f s for %.1f MB of CSV (%.1f MB/s)\n' "$seconds" \
  "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$bytes / 1000000 / $seconds" | bc -l)"
