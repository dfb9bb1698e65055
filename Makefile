# The README's two commands: `make demo` and `make test`. Both do all set-up from scratch.
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all setup build build-asan build-fuzz test test-unit demo clean

all: build

setup:
	@./scripts/setup.sh

build: setup
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build build -j $(JOBS)

# The core libraries and their unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
build-asan: setup
	@cmake -S . -B build/asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DDHL_CORE_ONLY=ON -DDHL_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)

# The parsers' libFuzzer targets, built with clang.
build-fuzz: setup
	@CXX=clang++ cmake -S . -B build/fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDHL_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)

test: build build-asan build-fuzz
	@./scripts/run_tests.sh

demo: build
	@./build/src/cli/dhis2lake demo

clean:
	rm -rf build
