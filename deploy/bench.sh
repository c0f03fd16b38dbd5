#!/usr/bin/env bash
# Builds and runs the benchmarks; their figures are quoted in README.md (Performance).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
cmake --build build --target ingest_bench
build/tests/bench/ingest_bench "$@"
