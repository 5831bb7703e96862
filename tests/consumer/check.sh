#!/usr/bin/env bash
# Usage: check.sh install|subdirectory SOURCE_DIR BINARY_DIR [io]
# Builds tests/consumer against hourglass the way a user would (with "io": the io component too),
# and runs it.
set -euo pipefail
mode=$1 source=$2 work=$3/consumer-$1 io=OFF
[[ ${4:-} == io ]] && io=ON
rm -rf "$work"
if [[ $mode == install ]]; then
  cmake -S "$source" -B "$work/hourglass" -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
        -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --install "$work/hourglass" --prefix "$work/prefix" >/dev/null
  cmake -S "$source/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCONSUMER_IO=$io >/dev/null
else
  cmake -S "$source/tests/consumer" -B "$work/build" -DHOURGLASS_SOURCE_DIR="$source" -DCONSUMER_IO=$io >/dev/null
fi
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
echo "consumer ($mode, io $io) built and ran"
