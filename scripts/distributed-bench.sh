#!/usr/bin/env bash
# Data-parallel training on this machine (docs/distributed.md): builds the MPI step benchmark and
# runs the small, hinton and conv models as 1 process x 2 threads and as 2 processes x 1 thread
# (same global batch), then the gradient's all-reduce alone. Extra arguments go to every run
# (--batch B, --samples N, --epochs E).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build mpi
build=${BUILD_DIR:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
      -DHOURGLASS_BUILD_BENCHMARKS=ON -DHOURGLASS_MPI=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target hourglass_distributed_step >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
program=$build/benchmarks/hourglass_distributed_step
echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; commit $(git rev-parse --short HEAD)"
echo
# --bind-to none: mpiexec binds each process to one core by default (at 2 processes or fewer),
# which would put the single process's 2 threads on one core.
OMP_NUM_THREADS=2 mpiexec --bind-to none -n 1 "$program" "$@"
OMP_NUM_THREADS=1 mpiexec -n 2 "$program" "$@" | tail -n +3
echo
OMP_NUM_THREADS=1 mpiexec -n 2 "$program" --allreduce-only
