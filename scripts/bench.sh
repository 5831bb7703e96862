#!/usr/bin/env bash
# The Google Benchmark suite: builds the benchmark executables (-O3, -march=native unless
# -DHOURGLASS_NATIVE=OFF) and runs each. Extra arguments go to every executable, e.g.
#   scripts/bench.sh --benchmark_filter=small      OMP_NUM_THREADS=1 scripts/bench.sh
# HOURGLASS_BLAS=ON in the environment builds them with the products through OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."
blas=${HOURGLASS_BLAS:-OFF}
if [[ $blas == ON ]]; then scripts/install-deps.sh build blas; else scripts/install-deps.sh build; fi
build=${BUILD_DIR:-build/bench}
benches=(bench_peak bench_dense bench_training bench_encode bench_pca)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
      -DHOURGLASS_BUILD_BENCHMARKS=ON -DHOURGLASS_BLAS="$blas" >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${benches[@]}"
for b in "${benches[@]}"; do "$build/benchmarks/$b" "$@"; done
