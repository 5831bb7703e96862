#!/usr/bin/env bash
# The autoencoder against PCA on MNIST, k in {2, 8, 16, 32, 64}: builds and runs
# hourglass_vs_pca, writes the table to benchmarks/vs_pca.md, the numbers to benchmarks/vs_pca.csv
# and the plot to benchmarks/vs_pca.png (when Debian's python3-matplotlib is installed).
# Usage: scripts/vs-pca.sh [--data DIR] [--epochs N] [--linear-epochs N] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
      -DHOURGLASS_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j 2 --target hourglass_vs_pca >/dev/null
"$build/benchmarks/hourglass_vs_pca" --csv benchmarks/vs_pca.csv "$@" | tee benchmarks/vs_pca.md
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  /usr/bin/python3 benchmarks/plot_vs_pca.py benchmarks/vs_pca.csv benchmarks/vs_pca.png
  echo "plot: benchmarks/vs_pca.png" >&2
else
  echo "no plot: install python3-matplotlib (apt) for benchmarks/vs_pca.png" >&2
fi
