#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the test suite (and the examples,
# whose end-to-end runs are tests; the benchmarks are built by scripts/bench.sh) and runs it; runs it
# again under AddressSanitizer + UndefinedBehaviorSanitizer (CMakePresets.json: asan); runs the
# concurrent-inference test under ThreadSanitizer (scripts/tsan.sh); fuzzes each file reader for 30 s
# (scripts/fuzz.sh). docs/reliability.md says what each stage guards.
# Arguments go to the first ctest run. HOURGLASS_TEST_STAGES picks stages (default
# "release asan tsan fuzz"); HOURGLASS_FUZZ_SECONDS sets the time per fuzz harness.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build examples blas python sanitize fuzz mpi
stages=" ${HOURGLASS_TEST_STAGES:-release asan tsan fuzz} "
jobs=$(nproc)
stage() { echo "== test.sh: $1 ($(date +%T), ${SECONDS}s so far)"; }

if [[ $stages == *" release "* ]]; then
  stage "release build and tests"
  build=${BUILD_DIR:-build/test}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=ON -DHOURGLASS_MPI=ON \
        -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build" -j "$jobs"
  ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@"
fi

if [[ $stages == *" asan "* ]]; then
  # The test programs only (tests/CMakeLists.txt leaves the compile and packaging checks to the
  # release stage), built by clang.
  stage "ASan + UBSan build and tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs"
fi

if [[ $stages == *" tsan "* ]]; then
  stage "ThreadSanitizer: Predictors on one model from 8 threads"
  scripts/tsan.sh
fi

if [[ $stages == *" fuzz "* ]]; then
  stage "fuzzing the file readers"
  scripts/fuzz.sh "${HOURGLASS_FUZZ_SECONDS:-30}"
fi
stage "done"
