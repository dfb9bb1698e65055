#!/usr/bin/env bash
# Country scale, part 1 (issue 17): silver (and gold) at a scale, each step the whole `dhis2lake`
# process under /usr/bin/time -v (wall seconds, CPU seconds user+sys, peak resident memory), with the
# rows read and the bytes, files and version written per model from ops.model_run, and, in the same
# run, one hand-written DuckDB query over the same silver copied once to plain Parquet (SUM per
# element x levels 1-4 x month, quarter, year) with our ratio to it. Prints figures; asserts nothing.
#
#   bench/scale_bench.sh TARGET [small|medium|large] [BUILD_DIR]
#
# TARGET, one command each:
#   full      silver --full over a fresh extraction
#   mutate    full, then POST /admin/mutate?share=0.01 (empty body), extract, incremental silver;
#             then silver + gold in full, the same mutation again, and incremental silver + gold
#   month     the simulator holds back the latest month (--hold-back-months 1); silver + gold in
#             full, then POST /admin/release (the month arrives), extract, incremental silver + gold
#             (mutate and month end with the copy-on-write floor: the tables the incremental run
#             rewrote files of, copied once in one process, as a share of the full step)
#   nochange  full, then a whole sync (extract + silver + gold) in which nothing changed
#   all       the three in a row on one simulator and lake
#   syncs     a first whole sync into an empty lake, a second straight after it (nothing changed),
#             then POST /admin/mutate?share=0.00001 (about one data value at small scale) and a
#             third; each model's run_reason says why it ran
# Set-up: none beyond the build (build/src/cli/dhis2lake). Work folder /tmp/dhl_scale_bench.*,
# removed at the end. The memory limit is the default (half the machine) unless
# DHIS2LAKE_MEMORY_LIMIT is set.
set -euo pipefail
target="${1:-full}"
scale="${2:-medium}"
build="${3:-build}"
cli="$(cd "$build" && pwd)/src/cli/dhis2lake"
work="$(mktemp -d /tmp/dhl_scale_bench.XXXXXX)"
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
case "$target" in full | mutate | month | nochange | all | syncs) ;; *)
  echo "usage: $0 full|mutate|month|nochange|all|syncs [small|medium|large] [BUILD_DIR]" >&2
  exit 2
  ;;
esac

lake="$work/lake"
printf 'hash_key = "%s"\n' "$(printf 'c%.0s' $(seq 64))" >"$work/secrets.toml"
chmod 600 "$work/secrets.toml"  # as dhis2lake wants a secrets file (else a warning each run)
printf '[source]\nfirst_year = %d\n' "$(($(date -u +%Y) - 3))" >"$work/dhis2lake.toml"
export DHIS2_USERNAME=admin DHIS2_PASSWORD=district DHIS2LAKE_SECRETS="$work/secrets.toml"

hold_back=0
[ "$target" = month ] && hold_back=1
"$cli" sim --port 0 --scale "$scale" --seed 1 --hold-back-months "$hold_back" \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 600); do
  grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break
  sleep 0.2
done
url="$(sed -n 's/^listening on //p' "$work/sim.out" | head -1)"
[ -n "$url" ] || { echo "the simulator did not start:" >&2; cat "$work/sim.err" >&2; exit 1; }

dl() { "$cli" --lake "$lake" --config "$work/dhis2lake.toml" "$@"; }

# measure NAME ARGS...: one dhis2lake process under /usr/bin/time -v.
measure() {
  local name="$1"
  shift
  if ! /usr/bin/time -v -o "$work/$name.time" "$cli" --lake "$lake" --config "$work/dhis2lake.toml" \
    "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    echo "$name failed:" >&2
    tail -20 "$work/$name.err" "$work/$name.out" >&2
  fi
  local wall rss user sys
  wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/$name.time")"
  rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$name.time")"
  user="$(sed -n 's/.*User time (seconds): //p' "$work/$name.time")"
  sys="$(sed -n 's/.*System time (seconds): //p' "$work/$name.time")"
  echo "$user + $sys" | bc -l >"$work/$name.cpu"
  printf '%-28s wall %s  CPU %.1f s  peak %.0f MiB\n' "$name" "$wall" "$(cat "$work/$name.cpu")" \
    "$(echo "$rss / 1024" | bc -l)"
  seconds_of "$wall" >"$work/$name.seconds"
}
seconds_of() {  # h:mm:ss or m:ss.ss -> seconds
  echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f\n", s }'
}
# The models of the latest pipeline run: rows read, rows written, bytes and version committed.
model_runs() {
  dl sql --format csv "SELECT model, status, rows_in, rows_out, rows_rejected, bytes, version,
      files_added, files_removed, round(epoch(ended_at) - epoch(started_at), 2) AS seconds,
      replace(left(run_reason, 60), ',', ';') AS run_reason
    FROM ops.model_run WHERE run_id = (SELECT run_id FROM ops.pipeline_run
      ORDER BY ended_at DESC LIMIT 1) ORDER BY model" | column -s, -t | sed 's/^/    /'
}
# The copy-on-write floor of the latest run: one process copying, once, the partitions of every
# table whose files that run replaced (files_removed > 0: the partitions of its commit's removes),
# to Parquet with the table's partition column. Our tables keep Delta deletion vectors off
# (docs/delta.md), so a run that changes rows in every file of a table rewrites all of it: no
# incremental algorithm beats reading and writing those partitions once.
copy_floor() {
  local copies="" model version folder column log values where
  while IFS=, read -r model version; do
    folder="$lake/${model%%.*}/${model#*.}"
    column="$(grep -ho '"partitionColumns":\[[^]]*\]' "$folder"/_delta_log/*.json | tail -1 |
      sed 's/.*\[//; s/\]//; s/"//g')"
    where=""
    log="$folder/_delta_log/$(printf '%020d' "$version").json"
    if [ -n "$column" ] && [ "${column#*,}" = "$column" ] && [ -f "$log" ]; then
      values="$(grep -o '"remove":{[^}]*"partitionValues":{[^}]*}' "$log" |
        sed -n "s/.*\"$column\":\"\([^\"]*\)\".*/'\1'/p" | sort -u | paste -sd, - || true)"
      [ -n "$values" ] && where=" WHERE CAST($column AS VARCHAR) IN ($values)"
    fi
    copies="$copies COPY (SELECT * FROM $model$where) TO '$work/floor/$model'"
    copies="$copies (FORMAT parquet${column:+, PARTITION_BY ($column)});"
  done < <(dl sql --format csv "SELECT model, version FROM ops.model_run WHERE files_removed > 0
      AND run_id = (SELECT run_id FROM ops.pipeline_run ORDER BY ended_at DESC LIMIT 1)
      ORDER BY model" | tail -n +2)
  [ -n "$copies" ] || return 0
  rm -rf "$work/floor" && mkdir -p "$work/floor"
  measure copy_floor sql "$copies"
  echo "    copy-on-write floor (the replaced partitions copied once) / full: wall $(ratio copy_floor full), CPU $(cpu_ratio copy_floor full)"
}
ratio() { echo "scale=2; $(cat "$work/$1.seconds") / $(cat "$work/$2.seconds")" | bc -l; }
cpu_ratio() { echo "scale=2; $(cat "$work/$1.cpu") / $(cat "$work/$2.cpu")" | bc -l; }

echo "== scale_bench $target $scale ($(nproc) cores, $(date -u +%FT%TZ)); load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$target" = syncs ]; then
  measure sync_first sync --source "$url"
  grep -E "^models:" "$work/sync_first.out" | sed 's/^/    /'
  measure sync_no_change sync --source "$url"
  grep -E "^models:" "$work/sync_no_change.out" | sed 's/^/    /'
  model_runs
  echo "    no change / first: $(ratio sync_no_change sync_first) (target: under 2 s, committing nothing)"
  curl -sf -u admin:district -X POST -d '' "$url/admin/mutate?share=0.00001" >"$work/mutate.out"
  echo "mutate: $(head -c 300 "$work/mutate.out")"
  measure sync_one_value sync --source "$url"
  grep -E "^models:" "$work/sync_one_value.out" | sed 's/^/    /'
  model_runs
  exit 0
fi
dl sync --source "$url" --only extract >"$work/extract.out" 2>&1 || { cat "$work/extract.out"; exit 1; }
measure silver_full sync --source "$url" --only silver --full
model_runs

# The baseline: the same silver copied once to plain Parquet, one hand-written query.
dl sql "COPY (SELECT * FROM silver.data_value) TO '$work/dv.parquet' (FORMAT parquet);
  COPY (SELECT * FROM silver.org_unit) TO '$work/ou.parquet' (FORMAT parquet);
  COPY (SELECT * FROM silver.period) TO '$work/pe.parquet' (FORMAT parquet)" >/dev/null
cat >"$work/baseline.sql" <<SQL
WITH v AS (
  SELECT d.de, d.value, o.level1_uid AS l1, o.level2_uid AS l2, o.level3_uid AS l3,
    o.level4_uid AS l4, d.pe AS m, p.quarterly AS q, p.yearly AS y
  FROM read_parquet('$work/dv.parquet') AS d
  JOIN (SELECT * FROM read_parquet('$work/ou.parquet') WHERE valid_to IS NULL) AS o ON o.uid = d.ou
  JOIN read_parquet('$work/pe.parquet') AS p ON p.pe = d.pe
  WHERE d.period_type = 'Monthly' AND d.value IS NOT NULL)
SELECT count(*) AS cells, sum(total) AS checksum FROM (
  SELECT sum(value) AS total FROM v GROUP BY GROUPING SETS (
    (de, l1, m), (de, l1, q), (de, l1, y), (de, l2, m), (de, l2, q), (de, l2, y),
    (de, l3, m), (de, l3, q), (de, l3, y), (de, l4, m), (de, l4, q), (de, l4, y)))
SQL
measure baseline_query sql "$(cat "$work/baseline.sql")"
sed 's/^/    /' "$work/baseline_query.out"
echo "    silver full / hand-written query: $(ratio silver_full baseline_query)x"

if [ "$target" = mutate ] || [ "$target" = all ]; then
  curl -sf -u admin:district -X POST -d '' "$url/admin/mutate?share=0.01" >"$work/mutate.out"
  echo "mutate: $(head -c 300 "$work/mutate.out")"
  dl sync --source "$url" --only extract >"$work/extract2.out" 2>&1 || { cat "$work/extract2.out"; exit 1; }
  measure silver_incremental sync --source "$url" --only silver
  model_runs
  echo "    incremental / full: $(ratio silver_incremental silver_full) (target <= 0.30)"
fi
if [ "$target" = mutate ] || [ "$target" = month ] || [ "$target" = all ]; then
  measure full sync --source "$url" --only silver,gold --full
  model_runs
  if [ "$target" = month ]; then
    curl -sf -u admin:district -X POST -d '' "$url/admin/release" >"$work/change.out"
  else
    curl -sf -u admin:district -X POST -d '' "$url/admin/mutate?share=0.01" >"$work/change.out"
  fi
  echo "change: $(head -c 300 "$work/change.out")"
  dl sync --source "$url" --only extract >"$work/extract3.out" 2>&1 || { cat "$work/extract3.out"; exit 1; }
  measure incremental sync --source "$url" --only silver,gold
  model_runs
  target_share=0.30
  [ "$target" = month ] && target_share=0.10
  echo "    incremental / full: wall $(ratio incremental full), CPU $(cpu_ratio incremental full) (target <= $target_share)"
  copy_floor
fi
if [ "$target" = nochange ] || [ "$target" = all ]; then
  dl sync --source "$url" >"$work/settle.out" 2>&1 || true  # gold built once, not measured
  commits() { find "$lake" -path '*/_delta_log/*.json' | sed "s|^$lake/||; s|/_delta_log/.*||" | sort; }
  commits >"$work/commits.before"
  measure sync_no_change sync --source "$url"
  grep -E "models run|unchanged|rows written" "$work/sync_no_change.out" | sed 's/^/    /' | tail -3
  # the tables the sync committed to (ops only, when nothing changed): count, table
  commits | comm -13 "$work/commits.before" - | uniq -c | sed 's/^ */    commits: /'
  model_runs
  echo "    (target < 2 s, committing nothing)"
fi
