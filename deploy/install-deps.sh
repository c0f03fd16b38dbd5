#!/usr/bin/env bash
# Installs every Debian 12 package curation needs to build and run, and with --tests what its
# tests need too. Safe to repeat.
set -euo pipefail
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -o DPkg::Lock::Timeout=600)  # wait for another apt (e.g. unattended upgrades) to finish
$sudo "${apt[@]}" update -qq
$sudo "${apt[@]}" install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config ccache git ca-certificates \
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev \
  libpqxx-dev libpq-dev postgresql-15 \
  libspdlog-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev \
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev zlib1g-dev \
  libavformat-dev libavcodec-dev libavutil-dev \
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev \
  ffmpeg \
  libgtest-dev libgmock-dev prometheus \
  clang libclang-rt-14-dev llvm-14
# The console's browser tests drive Debian's Chromium: only the test command needs it.
if [ "${1:-}" = "--tests" ]; then
  $sudo "${apt[@]}" install -y -qq --no-install-recommends chromium
fi
# Node.js builds the console (services/console/web, Node.js 20 or later) and runs the GraphQL
# and browser checks of the tests. Machines that already have Node.js (e.g. from NodeSource,
# which bundles npm) keep theirs.
if ! command -v npm > /dev/null; then
  $sudo "${apt[@]}" install -y -qq --no-install-recommends nodejs npm
fi
