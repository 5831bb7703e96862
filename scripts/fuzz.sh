#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) into build/fuzz and runs each
# over its committed seed corpus for SECONDS seconds (default 30), one after the other.
# Usage: scripts/fuzz.sh [seconds] [harness...]      harnesses: idx safetensors_model pca writers
# New inputs go to build/fuzz/corpus/<harness>/ (never into the repository). A crash, a sanitizer
# report, an uncaught exception, a huge allocation or a slow input fails the script and leaves the
# input in build/fuzz/artifacts/; turn it into a regression test (tests/test_bad_input_files.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
[[ $# -gt 0 ]] && shift
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(idx safetensors_model pca writers)

scripts/install-deps.sh build examples fuzz
build=${FUZZ_BUILD_DIR:-build/fuzz}
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHOURGLASS_BUILD_FUZZERS=ON -DHOURGLASS_OPENMP=OFF -DHOURGLASS_NATIVE=OFF -DHOURGLASS_BUILD_TESTS=OFF \
      -DHOURGLASS_BUILD_EXAMPLES=OFF -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

mkdir -p "$build/artifacts"
for h in "${harnesses[@]}"; do
  [[ -d tests/fuzz/corpus/$h ]] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$h" >&2; exit 2; }
  mkdir -p "$build/corpus/$h"
  log="$build/$h.log"
  echo "fuzz: $h for ${seconds}s (log: $log)"
  dict=()
  case $h in safetensors_model|pca) dict=(-dict=tests/fuzz/safetensors.dict) ;; esac
  status=0
  "$build/fuzz_$h" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$build/artifacts/$h-" "$build/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1 || status=$?
  grep -E "^Done [0-9]+ runs|^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" "$log" | sed "s/^/  $h: /" || true
  if [[ $status -ne 0 ]]; then
    echo "fuzz: $h FAILED (exit $status); the end of its log:" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
done
echo "fuzz: all harnesses ran without a finding"
