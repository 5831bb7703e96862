#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the test suite, runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build examples python
build=${BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=ON \
      -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure "$@"
