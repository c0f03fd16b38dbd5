#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (tests/fuzz/CMakeLists.txt, a project of its own) and
# runs each on a copy of its corpus in tests/fuzz/corpus/<name>/ for a while. Exits 1 when any
# target crashes, leaks, hangs or breaks an invariant, naming the input that did it.
#
#   tests/fuzz/run.sh [--seconds N] [--build-dir DIR] [TARGET...]
#
# TARGET is page_parser, orion, config, page_token, text or media (default: all). The copies
# and anything found are kept under DIR/runs/<target>/ (DIR defaults to build/fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=20
build_dir=build/fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
build_dir=$(realpath -m "$build_dir")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(page_parser orion config page_token text media)
fi

CC=clang CXX=clang++ cmake -S tests/fuzz -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build_dir" --target "${targets[@]/%/_fuzz}"

failed=()
for target in "${targets[@]}"; do
  run="$build_dir/runs/$target"
  rm -rf "$run"
  mkdir -p "$run/found"
  cp -r "tests/fuzz/corpus/$target" "$run/corpus"
  log="$run/fuzz.log"
  # The first directory gets what the run finds; tests/fuzz/corpus is never written to.
  if (cd "$run" && "$build_dir/$target"_fuzz -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix=found/ corpus) > "$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz $target: ok, ${execs:-?} inputs in ${seconds} s (${rate:-?}/s)"
  else
    failed+=("$target")
    echo "fuzz $target: FAILED; the last lines of $log:" >&2
    tail -n 60 "$log" >&2
    for input in "$run"/found/*; do
      [ -e "$input" ] || continue
      echo "fuzz $target: crashing input: $input (replay: $build_dir/${target}_fuzz $input)" >&2
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; add each input to tests/fuzz/corpus/<target>/ once fixed" >&2
  exit 1
fi
