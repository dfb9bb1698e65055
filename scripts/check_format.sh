#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what the committed .clang-format makes of it, naming the files.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if ! command -v clang-format >/dev/null; then
  echo "check_format: clang-format is not installed" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find src tests bench fuzz -name '*.cc' -o -name '*.h')
if ! out="$(clang-format --dry-run --Werror "${files[@]}" 2>&1)"; then
  echo "check_format: not formatted with .clang-format (run: clang-format -i FILE):" >&2
  echo "$out" | grep -oE '^[^:]+\.(cc|h)' | sort -u | sed 's/^/  /' >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
