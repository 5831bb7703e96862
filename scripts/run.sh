#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
build=${BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF \
      -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target demo
"$build/examples/demo/demo" "$@"
