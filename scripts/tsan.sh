#!/usr/bin/env bash
# ThreadSanitizer over the concurrent-inference test (tests/test_predictor.cpp: 8 application
# threads x 1,000 calls sharing one model through Predictors). Built without OpenMP: libgomp is
# not instrumented (its barriers would be reported), and a Predictor's calls never use the pool.
# scripts/test.sh runs it as its "tsan" stage; any report fails it (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOURGLASS_BUILD_TESTS=ON -DHOURGLASS_OPENMP=OFF \
      -DHOURGLASS_BUILD_EXAMPLES=OFF -DHOURGLASS_BUILD_BENCHMARKS=OFF \
      -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$build" --target test_predictor -j "$(nproc)"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$build/tests/test_predictor"
