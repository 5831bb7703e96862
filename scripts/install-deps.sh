#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build needs and the machine lacks.
# Usage: scripts/install-deps.sh [group...]   groups: build (default), examples, blas, bench, python, sanitize, fuzz, mpi
set -euo pipefail

declare -A groups=(
  [build]="cmake g++ make libeigen3-dev catch2 libbenchmark-dev"
  [examples]="libcli11-dev libstb-dev nlohmann-json3-dev zlib1g-dev"
  # python: numpy reads model files (check_safetensors.py); PyTorch writes the conv fixture.
  [python]="python3-numpy python3-torch"
  # fuzz: clang with its libFuzzer and sanitizer runtimes (libclang_rt.fuzzer), for scripts/fuzz.sh.
  [fuzz]="clang libclang-rt-14-dev"
  # blas: OpenBLAS's development files, for -DHOURGLASS_BLAS=ON and the test_gemm_blas test.
  [blas]="libopenblas-dev"
  # sanitize: the sanitizer build of the tests (CMakePresets.json: asan) is clang's, with OpenMP.
  [sanitize]="clang libclang-rt-14-dev libomp-dev"
  # bench: the peers of benchmarks/compare/run.sh; OpenBLAS so numpy/PyTorch do not fall back to
  # the reference BLAS (and its headers and link library for -DHOURGLASS_BLAS=ON); matplotlib for the
  # plot of scripts/vs-pca.sh.
  # mpi: Debian's OpenMPI (mpiexec and the C/C++ bindings), for -DHOURGLASS_MPI=ON: the distributed
  # training of hourglass/distributed.hpp, its tests and the example under mpirun.
  [mpi]="openmpi-bin libopenmpi-dev"
  [bench]="python3-torch python3-sklearn python3-numpy python3-matplotlib libopenblas0-pthread libopenblas-dev"
)
wanted=()
for group in "${@:-build}"; do
  [[ -n "${groups[$group]:-}" ]] || { echo "install-deps: unknown group '$group'" >&2; exit 2; }
  wanted+=(${groups[$group]})
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
