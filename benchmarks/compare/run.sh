#!/usr/bin/env bash
# hourglass side by side with PyTorch and scikit-learn, one run, same machine, same data (MNIST):
#   - the `small` (784-256-64-32-64-256-784) and `hinton` (784-1000-500-250-30-...-784)
#     autoencoders: ReLU hidden, sigmoid output, MSE, Adam 1e-3, batch 256, float32, 2 threads,
#     the same number of epochs; median seconds per epoch, samples/s, ratio, test error;
#   - PCA with k = 32: hourglass against scikit-learn's svd_solver="full" and "randomized".
# The peers run in several environments (as is; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset; that
# plus OMP_WAIT_POLICY=PASSIVE), with OpenBLAS when Debian's libopenblas0-pthread is installed,
# and the fastest run of each peer is reported. Usage:
#   benchmarks/compare/run.sh [--epochs N] [--threads N] [--data DIR] [--out FILE] [--tasks LIST]
# (--tasks: a comma-separated subset of small,hinton,pca, e.g. --tasks pca for the PCA rows only)
# (--threads 2 is the default and the comparison asked for; on a machine whose cores are busy with
# other work, 2 spinning OpenMP threads per process lose whole time slices, so --threads 1 gives
# steadier numbers there.) The raw results stay in benchmarks/compare/last-run.jsonl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
epochs=3
threads=2
data=data/mnist
out=benchmarks/compare/last-run.md
tasks=small,hinton,pca
while [[ $# -gt 0 ]]; do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    *) echo "usage: $0 [--epochs N] [--threads N] [--data DIR] [--out FILE] [--tasks small,hinton,pca]" >&2; exit 2 ;;
  esac
done
if [[ ! -f $data/train-images-idx3-ubyte || ! -f $data/t10k-images-idx3-ubyte ]]; then
  echo "error: MNIST not found in $data (need train-images-idx3-ubyte and t10k-images-idx3-ubyte)." >&2
  echo "       Run scripts/get-data.sh first to download it." >&2
  exit 2
fi
py=/usr/bin/python3  # Debian's Python, where python3-torch and python3-sklearn live
if ! $py -c "import torch, sklearn" 2>/dev/null; then
  echo "compare: installing the peers (python3-torch, python3-sklearn)" >&2
  scripts/install-deps.sh bench
fi

build=${BUILD_DIR:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
      -DHOURGLASS_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j 2 --target hourglass_compare >/dev/null

results=benchmarks/compare/last-run.jsonl
: >"$results"
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread
peer_blas=""
[[ -f $openblas/libblas.so.3 ]] && peer_blas=$openblas

echo "compare: hourglass ($epochs epochs each)" >&2
"$build/benchmarks/hourglass_compare" --data "$data" --epochs "$epochs" --threads "$threads" --tasks "$tasks" >>"$results"

run_peer() {  # $1: config name, then env assignments
  local name=$1; shift
  echo "compare: peers, environment: $name" >&2
  env "$@" ${peer_blas:+LD_LIBRARY_PATH=$peer_blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} \
      OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
      $py benchmarks/compare/peer.py --data "$data" --epochs "$epochs" --threads "$threads" --tasks "$tasks" \
      --config "$name" >>"$results"
}
run_peer "as is"
run_peer "OPENBLAS_CORETYPE/L2_SIZE unset" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
run_peer "unset + OMP_WAIT_POLICY=PASSIVE" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE
# Debian's OpenBLAS 0.3.21 does not recognise every newer CPU and then falls back to a slow
# generic kernel (measured here on a recent Xeon: PyTorch `small` 5.6 s/epoch autodetected, 1.58 s
# with SkylakeX kernels). Name the AVX-512 kernels explicitly where the CPU has AVX-512.
if grep -q -w avx512f /proc/cpuinfo; then
  run_peer "OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE" -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX \
           OMP_WAIT_POLICY=PASSIVE
fi

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores visible, $(free -g | awk '/Mem:/{print $2}') GiB"
flags=$(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
$py - "$results" "$epochs" "$machine" "$flags" "${peer_blas:-system default (reference BLAS?)}" \
    "${OPENBLAS_CORETYPE:-unset}" "$threads" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$out" <<'PY'
import datetime, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
epochs, machine, flags, blas, coretype, threads, load = sys.argv[2:9]
hg = {r["task"]: r for r in rows if r["tool"] == "hourglass"}
def best(tool, task, key):
    c = [r for r in rows if r["tool"] == tool and r["task"] == task]
    return min(c, key=lambda r: r[key]) if c else None
p = print
p(f"Run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {machine} ({flags.strip()}); "
  f"OPENBLAS_CORETYPE in the environment: {coretype}; peers' BLAS: {blas}; load average at the end: {load}.\n")
if any(r["task"] in ("small", "hinton") for r in rows):
    p(f"Autoencoders on MNIST: MSE, Adam 1e-3, batch 256, float32, {threads} thread(s), {epochs} epochs each; "
      "seconds per epoch are the median over the epochs; test error after the last epoch.\n")
    p("| model | tool | s/epoch (median) | samples/s | hourglass/PyTorch time | test MSE/pixel | test SSE/image | peer environment |")
    p("|---|---|---:|---:|---:|---:|---:|---|")
for task in ("small", "hinton"):
    h, t = hg.get(task), best("pytorch", task, "median_epoch_s")
    if not h or not t: continue
    p(f"| {task} | hourglass | {h['median_epoch_s']:.2f} | {h['samples_per_s']:,.0f} | {h['median_epoch_s']/t['median_epoch_s']:.2f} | {h['test_mse']:.5f} | {h['test_sse']:.2f} | |")
    p(f"| {task} | PyTorch {t['torch']} | {t['median_epoch_s']:.2f} | {t['samples_per_s']:,.0f} | 1.00 | {t['test_mse']:.5f} | {t['test_sse']:.2f} | {t['config']} |")
p("\nPCA, k = 32, fit on the 60,000 training images (median of 3 fits), scored on the 10,000 test images:\n")
p("| tool | fit s (median) | hourglass/tool time | test MSE/pixel | test SSE/image | variance kept | rel. diff. of test error vs hourglass | peer environment |")
p("|---|---:|---:|---:|---:|---:|---:|---|")
h = hg.get("pca32")
if h:
    p(f"| hourglass | {h['median_fit_s']:.3f} | 1.00 | {h['test_mse']:.6f} | {h['test_sse']:.4f} | {h['variance_kept']:.5f} | 0 | |")
    for solver in ("full", "randomized"):
        s = best(f"sklearn-{solver}", "pca32", "median_fit_s")
        if s:
            rel = abs(s["test_mse"] - h["test_mse"]) / h["test_mse"]
            p(f"| scikit-learn {s['sklearn']} svd_solver=\"{solver}\" | {s['median_fit_s']:.3f} | {h['median_fit_s']/s['median_fit_s']:.2f} | {s['test_mse']:.6f} | {s['test_sse']:.4f} | {s['variance_kept']:.5f} | {rel:.1e} | {s['config']} |")
p("\nEvery run (peers in each environment):\n")
p("| tool | task | environment | median s | all times (s) | test MSE |")
p("|---|---|---|---:|---|---:|")
for r in rows:
    med = r.get("median_epoch_s", r.get("median_fit_s"))
    times = r.get("epoch_seconds", r.get("fit_seconds"))
    p(f"| {r['tool']} | {r['task']} | {r.get('config', '')} | {med:.3f} | {', '.join(f'{t:.2f}' for t in times)} | {r['test_mse']:.6f} |")
PY
cat "$out"
echo "compare: written to $out" >&2
