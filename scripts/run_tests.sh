#!/usr/bin/env bash
# Runs every test suite of `make test`: the full build's tests (ctest -j JOBS) and, at the same time,
# the check build's sanitizer unit tests and short fuzzing runs (ctest -j 1: many of the full build's
# tests wait on servers and subprocesses, so the two suites share the cores well). The oracle tests
# (DHIS2's JavaScript libraries run with node, most of their time) run in the full build only; the
# fuzzers exercise the same parsers under the sanitizers. Prints each suite's output in turn, then one
# closing line with the totals.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JOBS="${JOBS:-$(nproc)}"
declare -A parallel=([build]="$JOBS" [build/check]=1)
declare -A exclude=([build]="" [build/check]="oracle")
logs=()
pids=()
for dir in build build/check; do
  [ -f "$ROOT/$dir/CTestTestfile.cmake" ] || continue
  log="$(mktemp)"
  logs+=("$dir:$log")
  labels=()
  if [ -n "${exclude[$dir]}" ]; then labels=(-LE "${exclude[$dir]}"); fi
  (cd "$ROOT/$dir" && ctest --output-on-failure -j "${parallel[$dir]}" "${labels[@]}") >"$log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
total_failed=0
total_passed=0
for entry in "${logs[@]}"; do
  dir="${entry%%:*}"
  log="${entry#*:}"
  echo "== ctest in $dir"
  cat "$log"
  summary="$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)"
  rm -f "$log"
  if [ -z "$summary" ]; then
    total_failed=$((total_failed + 1))
    continue
  fi
  failed="$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')"
  out_of="$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')"
  total_failed=$((total_failed + failed))
  total_passed=$((total_passed + out_of - failed))
done
echo "${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ]
