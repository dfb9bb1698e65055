#!/usr/bin/env bash
# Runs every test suite of `make test`: the full build's tests, the sanitizer build's unit tests and the
# short fuzzing runs, then prints one closing line with the totals.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JOBS="${JOBS:-$(nproc)}"
total_failed=0
total_passed=0
for dir in build build/asan build/fuzz; do
  [ -f "$ROOT/$dir/CTestTestfile.cmake" ] || continue
  echo "== ctest in $dir"
  log="$(mktemp)"
  (cd "$ROOT/$dir" && ctest --output-on-failure -j "$JOBS") 2>&1 | tee "$log"
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
