#!/usr/bin/env bash
# Builds and runs the benchmarks; their figures are quoted in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
# deploy/bench.sh [ingest|probe|review|alert|report|list|verify|connect] [arguments of that benchmark]
bench="${1:-ingest}"
shift || true
cmake --build build --target "${bench}_bench"
build/tests/bench/"${bench}_bench" "$@"
