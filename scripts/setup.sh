#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine, and nothing that is
# already present: Debian packages (apt), the prebuilt DuckDB 1.4.4 library and header (npm registry,
# pinned checksums), and the node packages the tests use as oracles (npm ci with a lockfile).
# Idempotent and quick once everything is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config g++ clang clang-format ccache libclang-rt-14-dev libfuzzer-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libjemalloc-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libcpp-httplib-dev libpq-dev postgresql-15 postgresql-15-postgis-3
  python3-sqlglot
  chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# node and npm may come from elsewhere than Debian (they do on our machines); install Debian's only if absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# DuckDB 1.4.4 (LTS): libduckdb.so from @duckdb/node-bindings-linux-x64, duckdb.h from the duckdb package.
DUCK_DIR="$ROOT/third_party/duckdb"
DUCK_LIB_TGZ="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
DUCK_LIB_SHA="732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b"
DUCK_SRC_TGZ="duckdb-1.4.4.tgz"
DUCK_SRC_SHA="5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed"
if [ ! -f "$DUCK_DIR/lib/libduckdb.so" ] || [ ! -f "$DUCK_DIR/include/duckdb.h" ]; then
  echo "setup: fetching DuckDB 1.4.4 from the npm registry"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @duckdb/node-bindings-linux-x64@1.4.4-r.4 duckdb@1.4.4 >/dev/null)
  echo "$DUCK_LIB_SHA  $tmp/$DUCK_LIB_TGZ" | sha256sum -c --quiet
  echo "$DUCK_SRC_SHA  $tmp/$DUCK_SRC_TGZ" | sha256sum -c --quiet
  mkdir -p "$DUCK_DIR/lib" "$DUCK_DIR/include"
  tar -xzf "$tmp/$DUCK_LIB_TGZ" -C "$tmp" package/libduckdb.so
  tar -xzf "$tmp/$DUCK_SRC_TGZ" -C "$tmp" package/src/duckdb/src/include/duckdb.h
  install -m 0644 "$tmp/package/libduckdb.so" "$DUCK_DIR/lib/libduckdb.so"
  install -m 0644 "$tmp/package/src/duckdb/src/include/duckdb.h" "$DUCK_DIR/include/duckdb.h"
fi

# Node packages the tests run as independent oracles (DHIS2's own period and expression libraries).
if [ -f "$ROOT/tests/oracle/package-lock.json" ]; then
  if [ ! -d "$ROOT/tests/oracle/node_modules" ] || \
     [ "$ROOT/tests/oracle/package-lock.json" -nt "$ROOT/tests/oracle/node_modules/.package-lock.json" ]; then
    echo "setup: installing the test oracles (npm ci)"
    (cd "$ROOT/tests/oracle" && npm ci --silent --no-audit --no-fund)
  fi
fi
# The dashboard (web/): npm packages from the lockfile, then the production build that `serve` embeds.
if [ -f "$ROOT/web/package-lock.json" ]; then
  if [ ! -d "$ROOT/web/node_modules" ] || \
     [ "$ROOT/web/package-lock.json" -nt "$ROOT/web/node_modules/.package-lock.json" ]; then
    echo "setup: installing the dashboard's packages (npm ci)"
    (cd "$ROOT/web" && npm ci --silent --no-audit --no-fund)
  fi
  if [ ! -f "$ROOT/web/dist/index.html" ] || \
     [ -n "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/package.json" -newer "$ROOT/web/dist/index.html" 2>/dev/null | head -1)" ]; then
    echo "setup: building the dashboard (npm run build)"
    (cd "$ROOT/web" && npm run --silent build >/dev/null)
  fi
fi
echo "setup: ok"
