#!/usr/bin/env bash
# The browser test of `dhis2lake demo`: starts the demo (simulator, full sync, dashboard) on free
# loopback ports in a temporary folder, then opens every page in Debian's chromium through
# playwright-core (tests/web/dashboard.mjs). Screenshots: <build>/test-artifacts/dashboard/.
#   tests/web/dashboard_test.sh <dhis2lake binary> <source dir> <artifacts dir>
set -euo pipefail
BIN="$1"; SRC="$2"; OUT="$3"
WORK="$(mktemp -d)"
DEMO_PID=""
cleanup() {
  if [ -n "$DEMO_PID" ]; then kill "$DEMO_PID" 2>/dev/null || true; wait "$DEMO_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
# No DHIS2LAKE_SECRETS: the sync creates the secrets file under XDG_CONFIG_HOME (a named file must exist).
unset DHIS2LAKE_SECRETS
export XDG_CONFIG_HOME="$WORK/config"
"$BIN" --lake "$WORK/lake" demo --port 0 --scale small >"$WORK/demo.out" 2>"$WORK/demo.err" &
DEMO_PID=$!
URL=""
for _ in $(seq 1 600); do
  URL="$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/demo.out" 2>/dev/null || true)"
  if [ -n "$URL" ] && grep -q "dashboard" "$WORK/demo.out" 2>/dev/null; then break; fi
  if ! kill -0 "$DEMO_PID" 2>/dev/null; then
    echo "dhis2lake demo exited early:"; cat "$WORK/demo.out" "$WORK/demo.err"; exit 1
  fi
  sleep 0.5
done
if [ -z "$URL" ]; then echo "no dashboard URL from dhis2lake demo"; cat "$WORK/demo.out" "$WORK/demo.err"; exit 1; fi
echo "demo serving at $URL"
node "$SRC/tests/web/dashboard.mjs" --url "$URL/" --web "$SRC/web" --out "$OUT"
