#!/usr/bin/env bash
# silver -> gold at a scale, ours (gold_bench: gold.analytics + gold.aggregate, DuckDB) beside a
# PostgreSQL 15 baseline built the way DHIS2 builds analytics (bench/pg_analytics.sql), full and
# incremental (one month changed), in one run: seconds and peak memory.
#
#   bench/gold_bench.sh [small|medium|large] [BUILD_DIR]      (as root: PostgreSQL runs as postgres)
#
# Set-up: installs postgresql-15 with apt when /usr/lib/postgresql/15 is missing; starts its own
# cluster in a temporary folder on a free loopback port and stops it at the end.
set -euo pipefail
scale="${1:-small}"
build="${2:-build}"
here="$(cd "$(dirname "$0")" && pwd)"
bench="$build/bench/gold_bench"
work="$(mktemp -d /tmp/dhl_gold_bench.XXXXXX)"
chmod 755 "$work"
pg_bin=/usr/lib/postgresql/15/bin
if [ ! -x "$pg_bin/postgres" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
cleanup() {
  if [ -f "$work/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== gold_bench $scale ($(nproc) cores, $(date -u +%FT%TZ))"
"$bench" all --scale "$scale" --dir "$work/ours" --csv "$work/csv" --threads "$(nproc)"
chmod -R a+rX "$work/csv"

# PostgreSQL 15, DHIS2's own engine: a private cluster on a free port.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/pg" "$work/sock" "$work/log" && chown postgres "$work/pg" "$work/sock" "$work/log"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/log/pg.log" -w \
  -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=512MB -c max_parallel_workers_per_gather=2 -c fsync=off -c synchronous_commit=off" start >/dev/null
psql_run() {  # step year -> seconds, CPU seconds and peak RSS (MB) of the postgres processes
  local step="$1" year="$2" peak=0 start end rss pid
  declare -A cpu_before=() cpu_last=()
  while read -r p t; do cpu_before[$p]=$t; done < <(ps -u postgres -o pid=,times=)
  start=$(date +%s.%N)
  runuser -u postgres -- psql -h "$work/sock" -p "$port" -d postgres -q -v csv="$work/csv" \
    -v step="$step" -v year="$year" -f "$here/pg_analytics.sql" >"$work/pg_$step.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(ps -u postgres -o rss= | awk '{s+=$1} END {print int(s/1024)}')
    [ "$rss" -gt "$peak" ] && peak=$rss
    while read -r p t; do cpu_last[$p]=$t; done < <(ps -u postgres -o pid=,times=)
    sleep 0.2
  done
  wait "$pid" || { cat "$work/pg_$step.out"; exit 1; }
  end=$(date +%s.%N)
  local cpu=0
  for p in "${!cpu_last[@]}"; do cpu=$((cpu + cpu_last[$p] - ${cpu_before[$p]:-0})); done
  printf "postgres %s: seconds=%.2f cpu_seconds~%d peak_rss_mb=%d (summed over processes, sampled every 0.2 s) %s\n" \
    "$step" "$(echo "$end - $start" | bc)" "$cpu" "$peak" "$(grep -o 'aggregate_rows=[0-9]*' "$work/pg_$step.out" | head -1)"
  grep -E '^(load|analytics_table|indexes|aggregate|incremental_analytics_year)$|^Time:' "$work/pg_$step.out" \
    | sed 's/^Time: //; s/ ms.*/ms/' | paste -sd' ' | cut -c1-600
}
year="$(date -u +%Y)"
psql_run full "$year"
psql_run incremental "$year"
