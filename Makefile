# The README's two commands: `make demo` and `make test`. Both do all set-up from scratch.
JOBS ?= $(shell nproc)
# -O2 without debug info: debug info more than doubles the compile time of the template-heavy test
# files (BUILD_TYPE=RelWithDebInfo for a debugger).
BUILD_TYPE ?= Release
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
# ccache when present (a developer's rebuilds; CI's clean clone compiles everything once either way).
CMAKE_LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
# NO_PCH=ON builds without the shared precompiled header: ccache cannot share a header compiled in one
# tree with another (its hash differs per build), so worktrees of one clone hit the cache only without it.
NO_PCH ?= OFF
CMAKE_FLAGS := $(CMAKE_GEN) $(CMAKE_LAUNCHER) -DCMAKE_DISABLE_PRECOMPILE_HEADERS=$(NO_PCH)
# Without these ccache refuses every file built with the shared precompiled header ("could not use
# precompiled header"); the base directory makes hits portable between clones and worktrees.
export CCACHE_SLOPPINESS ?= pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all setup build build-check test demo clean

all: build

setup:
	@./scripts/setup.sh

build: setup
	@cmake -S . -B build $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
	@cmake --build build -j $(JOBS)

# One clang build of the core libraries (base, sql, dhis2, engine, lake) under AddressSanitizer and
# UndefinedBehaviorSanitizer with libFuzzer's coverage: their unit tests, and the parsers' fuzz targets.
build-check: setup
	@CXX=clang++ cmake -S . -B build/check $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" -DDHL_CORE_ONLY=ON -DDHL_SANITIZE=ON -DDHL_FUZZ=ON >/dev/null
	@cmake --build build/check -j $(JOBS)

test: build build-check
	@./scripts/run_tests.sh

demo: build
	@./build/src/cli/dhis2lake demo

clean:
	rm -rf build
