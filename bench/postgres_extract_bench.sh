#!/usr/bin/env bash
# Extraction throughput from DHIS2's database (issue 19): the simulator's country written into a
# throwaway PostgreSQL 15 (`sim --write-postgres`), then `sync --only extract --full --source
# postgresql://...` into an empty lake.
#
#   bench/postgres_extract_bench.sh [SCALE...] [-- BINARY]      (default scales: small medium)
#
# For each scale prints: seconds, data values in bronze and values/s, the extractor's CPU seconds
# (user + system) and peak memory (GNU time's maximum resident set size), so that memory can be read
# against table size. The simulator stores confidential attribute values encrypted with DHIS2's
# built-in encryption.password, which the secrets file gives as [postgres] encryption_key (so the
# extract decrypts them, as it would a real server's).
# The Web API source's figures for the same scale come from bench/extract_bench.sh. PostgreSQL runs
# as the `postgres` user when this runs as root. Figures only: nothing is asserted.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCALES=()
BIN="$ROOT/build/src/cli/dhis2lake"
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then BIN="$2"; shift 2; continue; fi
  SCALES+=("$1"); shift
done
[ ${#SCALES[@]} -gt 0 ] || SCALES=(small medium)
PG=/usr/lib/postgresql/15/bin
WORK="$(mktemp -d)"
chmod 755 "$WORK"
AS=""
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; chown postgres "$WORK"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  $AS "$PG/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "bench-pw" >"$WORK/pw"
$AS "$PG/initdb" -D "$WORK/data" -U postgres -A scram-sha-256 --pwfile="$WORK/pw" -E UTF8 >/dev/null
$AS "$PG/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o "-p $PORT -c listen_addresses=127.0.0.1 -k $WORK -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=256MB" start >/dev/null
export PGPASSWORD=bench-pw XDG_CONFIG_HOME="$WORK/config" DHIS2LAKE_SECRETS="$WORK/secrets.toml"
printf 'hash_key = "%s"\n[postgres]\nencryption_key = "J7GhAs287hsSQlKd9g5"\n' \
  "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$DHIS2LAKE_SECRETS"
chmod 600 "$DHIS2LAKE_SECRETS"
for SCALE in "${SCALES[@]}"; do
  "$PG/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE dhis2_$SCALE" >/dev/null
  URI="postgresql://postgres@127.0.0.1:$PORT/dhis2_$SCALE"
  start=$(date +%s.%N)
  "$BIN" sim --scale "$SCALE" --write-postgres "$URI" | sed "s/^/$SCALE: /"
  end=$(date +%s.%N)
  printf '%s: sim --write-postgres %.1f s\n' "$SCALE" "$(echo "$end - $start" | bc -l)"
  "$PG/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d "dhis2_$SCALE" -c "VACUUM ANALYZE" >/dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "$BIN" --lake "$WORK/lake_$SCALE" --log-level warn sync \
    --only extract --full --source "$URI" >"$WORK/sync.out" 2>"$WORK/sync.err" || {
    echo "postgres_extract_bench: sync failed:" >&2; tail -5 "$WORK/sync.err" >&2; exit 1; }
  end=$(date +%s.%N)
  seconds=$(echo "$end - $start" | bc -l)
  values=$("$BIN" --lake "$WORK/lake_$SCALE" sql "SELECT count(*) AS n FROM bronze.data_value" --format csv | tail -1)
  sed "s/^/$SCALE extract summary: /" "$WORK/sync.out"
  read -r rss user sys < <(tail -1 "$WORK/rss")
  printf '%s: database extract %.1f s, %s data values, %.0f values/s, CPU %.1f s (user %.1f + sys %.1f), peak RSS %.0f MB\n' \
    "$SCALE" "$seconds" "$values" "$(echo "$values / $seconds" | bc -l)" "$(echo "$user + $sys" | bc -l)" \
    "$user" "$sys" "$(echo "$rss / 1024" | bc -l)"
  rm -rf "$WORK/lake_$SCALE"
done
