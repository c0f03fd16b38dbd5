#!/usr/bin/env bash
# Installs what the tests need, builds everything, and runs every test (GoogleTest via
# CTest). Each test binary starts its own PostgreSQL in /tmp; nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --tests
npm ci --prefix tests/graphql --no-audit --no-fund --loglevel=error
# playwright-core drives Debian's chromium; with no install script it downloads no browser.
npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
cmake --build build
ctest --test-dir build --output-on-failure --parallel 2
# What strangers write, fuzzed for 20 s a target (tests/fuzz/README.md).
tests/fuzz/run.sh --seconds 20 page_parser orion config page_token text media
