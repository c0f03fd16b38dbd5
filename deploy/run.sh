#!/usr/bin/env bash
# Installs, builds and runs the whole pipeline on this machine. Without a database URL,
# curationd keeps its own PostgreSQL in ./var/pg. Extra arguments go to curationd, e.g.
#   deploy/run.sh --query-node-url http://localhost:8081/graphql
# Configuration: deploy/curation.example.yaml, or the file in $CURATION_CONFIG.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --target curationd curatorctl curation-probe-worker
exec build/services/curationd/curationd --config "${CURATION_CONFIG:-deploy/curation.example.yaml}" "$@"
