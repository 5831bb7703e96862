#!/usr/bin/env bash
# hourglass side by side with PyTorch and scikit-learn, one run, same machine, same data (MNIST):
#   - the `small` (784-256-64-32-64-256-784) and `hinton` (784-1000-500-250-30-...-784)
#     autoencoders: ReLU hidden, sigmoid output, MSE, Adam 1e-3, float32, 2 threads, batch 256
#     and 64, the same number of epochs; seconds per epoch, samples/s, ratio, test error;
#   - inference: the `small` encoder on the 60,000 training images (PyTorch under no_grad);
#   - PCA with k = 32: hourglass against scikit-learn's svd_solver="full" and "randomized";
#   - (--tasks vae) the VAE of PyTorch's own example: seconds per epoch, test loss, IWAE estimate;
#   - (--tasks latency) single-sample encode and reconstruct of `small` and `hinton`, µs per call
#     (hourglass's Predictor against PyTorch under no_grad and inference_mode, 1 and --threads
#     intra-op threads), and calls/s from 1, 2, 4, 8 application threads sharing one model.
# Every figure is the median over --repeats fresh processes (default 3) of each process's median.
# The peers first run once in several environments (as is; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
# unset; that plus OMP_WAIT_POLICY=PASSIVE; AVX-512 kernels named), with OpenBLAS when Debian's
# libopenblas0-pthread is installed; the fastest environment is then used for the repeats and
# the other batch sizes. Usage:
#   benchmarks/compare/run.sh [--epochs N] [--threads N] [--repeats N] [--batches "256 64"] [--tasks LIST] [--data DIR] [--out FILE]
#                             [--iwae-images N] [--iwae-samples K]   (the vae task's log-likelihood estimate)
#                             [--environment NAME]   (run the peers in this environment only, e.g. the fastest of an
#                                                     earlier run, "OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE")
# (--threads 2 is the default and the comparison asked for; on a machine whose cores are busy with
# other work, 2 spinning OpenMP threads per process lose whole time slices, so --threads 1 gives
# steadier numbers there.) The raw results stay in benchmarks/compare/last-run.jsonl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
epochs=3
threads=2
repeats=3
batches="256 64"
tasks=""
only_environment=""
iwae_images=1000
iwae_samples=5000
data=data/mnist
out=benchmarks/compare/last-run.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --environment) only_environment=$2; shift 2 ;;
    --iwae-images) iwae_images=$2; shift 2 ;;
    --iwae-samples) iwae_samples=$2; shift 2 ;;
    *) echo "usage: $0 [--epochs N] [--threads N] [--repeats N] [--batches \"256 64\"] [--tasks LIST] [--data DIR] [--out FILE] [--environment NAME] [--iwae-images N] [--iwae-samples K]" >&2; exit 2 ;;
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

# hourglass's products go through OpenBLAS too (-DHOURGLASS_BLAS=ON) when its development files
# are installed (scripts/install-deps.sh bench): 11-23% faster training steps than Eigen's kernel
# on the machine of benchmarks/RESULTS.md. HOURGLASS_BLAS=OFF in the environment keeps Eigen's.
blas=${HOURGLASS_BLAS:-}
if [[ -z $blas ]]; then
  blas=OFF
  [[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ]] && blas=ON
fi
build=${BUILD_DIR:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_EXAMPLES=OFF \
      -DHOURGLASS_BUILD_BENCHMARKS=ON -DHOURGLASS_BLAS="$blas" >/dev/null
cmake --build "$build" -j 2 --target hourglass_compare >/dev/null

results=benchmarks/compare/last-run.jsonl
: >"$results"
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread
peer_blas=""
[[ -f $openblas/libblas.so.3 ]] && peer_blas=$openblas

first_batch=${batches%% *}
# --tasks (a comma-separated subset of small,hinton,conv,conv-keras,vae,encode,latency,pca; e.g. --tasks pca)
# replaces the defaults. The conv presets are not among the defaults (PyTorch takes about a minute
# per conv-keras epoch here): --tasks conv,conv-keras --batches 128 measures them. The VAE of
# PyTorch's example: --tasks vae --epochs 10 --batches 128 (its recipe), with the IWAE estimate on
# --iwae-images test images (default 1000) with --iwae-samples draws (default 5000).
tasks_for() {
  if [[ -n $tasks ]]; then echo "$tasks"; elif [[ $1 == "$first_batch" ]]; then echo small,hinton,encode,pca; else echo small,hinton; fi
}

for r in $(seq "$repeats"); do
  for b in $batches; do
    echo "compare: hourglass, batch $b, process $r of $repeats ($epochs epochs each)" >&2
    "$build/benchmarks/hourglass_compare" --data "$data" --epochs "$epochs" --threads "$threads" --batch "$b" \
        --tasks "$(tasks_for "$b")" --iwae-images "$iwae_images" --iwae-samples "$iwae_samples" >>"$results"
  done
done

run_peer() {  # $1: config name, $2: batch, $3: tasks, then env assignments
  local name=$1 batch=$2 tasks=$3; shift 3
  echo "compare: peers, batch $batch, environment: $name" >&2
  env "$@" ${peer_blas:+LD_LIBRARY_PATH=$peer_blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} \
      OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
      $py benchmarks/compare/peer.py --data "$data" --epochs "$epochs" --threads "$threads" --batch "$batch" \
      --tasks "$tasks" --config "$name" --iwae-images "$iwae_images" --iwae-samples "$iwae_samples" >>"$results"
}
declare -A environments=(
  ["as is"]=""
  ["OPENBLAS_CORETYPE/L2_SIZE unset"]="-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"
  ["unset + OMP_WAIT_POLICY=PASSIVE"]="-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE"
)
# Debian's OpenBLAS 0.3.21 does not recognise every newer CPU and then falls back to a slow
# generic kernel (measured here on a recent Xeon: PyTorch `small` 5.6 s/epoch autodetected, 1.58 s
# with SkylakeX kernels). Name the AVX-512 kernels explicitly where the CPU has AVX-512.
if grep -q -w avx512f /proc/cpuinfo; then
  environments["OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE"]="-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE"
fi
if [[ -n $only_environment ]]; then
  if [[ -z ${environments[$only_environment]+set} ]]; then
    echo "compare: no environment '$only_environment'; there are: $(printf "'%s' " "${!environments[@]}")" >&2
    exit 2
  fi
  for name in "${!environments[@]}"; do [[ $name == "$only_environment" ]] || unset "environments[$name]"; done
fi
for name in "${!environments[@]}"; do
  # shellcheck disable=SC2086
  run_peer "$name" "$first_batch" "$(tasks_for "$first_batch")" ${environments[$name]}
done
# The fastest environment (PyTorch's `small` epoch) runs the repeats and the other batch sizes.
best=$($py -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
small = [r for r in rows if r["tool"] == "pytorch" and r["task"] == "small"]
key = "median_epoch_s"
if not small:  # no small task (--tasks): the environment of the fastest peer row of any kind
    key = None
def seconds(r): return r[key] if key else r.get("median_epoch_s", r.get("median_fit_s", r.get("median_s")))
if key is None:  # latency: the whole `small` model, no_grad, 1 thread (not the overhead rows, nor calls/s)
    small = [r for r in rows if r["tool"] != "hourglass" and seconds(r) is not None and r.get("api") != "overhead"]
    latency = [r for r in small if r["task"] == "latency" and r["model"] == "small" and r["call"] == "reconstruct"
               and r["api"] == "no_grad" and r["intra_threads"] == 1]
    small = latency or small
print(min(small, key=seconds)["config"])' "$results")
echo "compare: the peers' fastest environment: $best" >&2
for b in $batches; do
  start=1
  [[ $b == "$first_batch" ]] && start=2
  for r in $(seq "$start" "$repeats"); do
    # shellcheck disable=SC2086
    run_peer "$best" "$b" "$(tasks_for "$b")" ${environments[$best]}
  done
done

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores visible, $(free -g | awk '/Mem:/{print $2}') GiB"
flags=$(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
$py - "$results" "$epochs" "$machine" "$flags" "${peer_blas:-system default (reference BLAS?)}" \
    "${OPENBLAS_CORETYPE:-unset}" "$threads" "$(cut -d' ' -f1-3 /proc/loadavg)" "$blas" >"$out" <<'PY'
import datetime, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
epochs, machine, flags, blas, coretype, threads, load, own_blas = sys.argv[2:10]
import statistics
def med(xs): return statistics.median(xs) if xs else None
def runs(tool, task, batch=None, config=None):
    return [r for r in rows if r["tool"] == tool and r["task"] == task and (batch is None or r.get("batch") == batch)
            and (config is None or r.get("config") == config)]
def best_config(tool, task, batch, key):
    """The peer environment with the lowest median for this task (each environment's own runs)."""
    configs = {r.get("config") for r in runs(tool, task, batch)}
    return min(configs, key=lambda c: med([r[key] for r in runs(tool, task, batch, c)]), default=None)
p = print
p(f"Run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {machine} ({flags.strip()}); "
  f"OPENBLAS_CORETYPE in the environment: {coretype}; peers' BLAS: {blas}; hourglass's products: "
  f"{'OpenBLAS sgemm/dgemm (-DHOURGLASS_BLAS=ON)' if own_blas == 'ON' else 'Eigen kernel'}; load average at the end: {load}.\n")
trained = ("small", "hinton", "conv", "conv-keras")
if any(r["task"] in trained for r in rows):
    p(f"Autoencoders on MNIST: MSE, Adam 1e-3, float32, {threads} thread(s), {epochs} epochs per process. "
      "s/epoch: the median over fresh processes of each process's median epoch (n: processes); "
      "test error of the first process, after its last epoch.\n")
    p("| model | batch | tool | s/epoch | n | samples/s | PyTorch/hourglass time | test MSE/pixel | test SSE/image | peer environment |")
    p("|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
batches = sorted({r["batch"] for r in rows if r["task"] in trained}, reverse=True)
for task in trained:
    for b in batches:
        h = runs("hourglass", task, b)
        c = best_config("pytorch", task, b, "median_epoch_s")
        t = runs("pytorch", task, b, c)
        if not h or not t: continue
        hs, ts = med([r["median_epoch_s"] for r in h]), med([r["median_epoch_s"] for r in t])
        n = 60000
        p(f"| {task} | {b} | hourglass | {hs:.3f} | {len(h)} | {n/hs:,.0f} | **{ts/hs:.2f}** | {h[0]['test_mse']:.5f} | {h[0]['test_sse']:.2f} | |")
        p(f"| {task} | {b} | PyTorch {t[0]['torch']} | {ts:.3f} | {len(t)} | {n/ts:,.0f} | 1.00 | {t[0]['test_mse']:.5f} | {t[0]['test_sse']:.2f} | {c} |")
for b in sorted({r["batch"] for r in rows if r["task"] == "vae"}, reverse=True):
    h = runs("hourglass", "vae", b)
    c = best_config("pytorch", "vae", b, "median_epoch_s")
    t = runs("pytorch", "vae", b, c)
    if not h or not t: continue
    hs, ts = med([r["median_epoch_s"] for r in h]), med([r["median_epoch_s"] for r in t])
    p(f"\nThe VAE of PyTorch's own example (784-400-20, Bernoulli likelihood on grey levels, Adam 1e-3, batch {b}, "
      f"{h[0]['epochs']} epochs). Test loss: -ELBO with one z per image, nats per image, after the last epoch "
      f"(median over processes; the first process's per-epoch values below); -log p(x): the IWAE estimate with "
      f"k = {h[0]['iwae_samples']} on the first {h[0]['iwae_images']} test images (first process):\n")
    p("| tool | s/epoch | n | samples/s | PyTorch/hourglass time | test loss | -log p(x), IWAE | IWAE s | peer environment |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    hl, tl = med([r["test_loss"] for r in h]), med([r["test_loss"] for r in t])
    p(f"| hourglass | {hs:.3f} | {len(h)} | {60000/hs:,.0f} | **{ts/hs:.2f}** | {hl:.2f} | {h[0]['iwae_nll']:.2f} | {h[0]['iwae_seconds']:.1f} | |")
    p(f"| PyTorch {t[0]['torch']} | {ts:.3f} | {len(t)} | {60000/ts:,.0f} | 1.00 | {tl:.2f} | {t[0]['iwae_nll']:.2f} | {t[0]['iwae_seconds']:.1f} | {c} |")
    p("\nTest loss per epoch: hourglass " + ", ".join(f"{v:.2f}" for v in h[0]["test_losses"]) +
      "; PyTorch " + ", ".join(f"{v:.2f}" for v in t[0]["test_losses"]))
h = runs("hourglass", "encode")
c = best_config("pytorch", "encode", None, "median_s")
t = runs("pytorch", "encode", None, c)
if h and t:
    hs, ts = med([r["median_s"] for r in h]), med([r["median_s"] for r in t])
    p("\nInference: the `small` encoder (784-256-64-32) on the 60,000 training images, one call "
      "(PyTorch under torch.no_grad()); median over processes of the median of 5 calls:\n")
    p("| tool | seconds | n | samples/s | PyTorch/hourglass time | peer environment |")
    p("|---|---:|---:|---:|---:|---|")
    p(f"| hourglass | {hs:.4f} | {len(h)} | {60000/hs:,.0f} | **{ts/hs:.2f}** | |")
    p(f"| PyTorch {t[0]['torch']} | {ts:.4f} | {len(t)} | {60000/ts:,.0f} | 1.00 | {c} |")
h = runs("hourglass", "pca32")
if h:
    p("\nPCA, k = 32, fit on the 60,000 training images (median over processes of the median of 3 fits), "
      "scored on the 10,000 test images:\n")
    p("| tool | fit s | n | tool/hourglass time | test MSE/pixel | test SSE/image | variance kept | rel. diff. of test error vs hourglass | peer environment |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    hs = med([r["median_fit_s"] for r in h])
    p(f"| hourglass | {hs:.3f} | {len(h)} | 1.00 | {h[0]['test_mse']:.6f} | {h[0]['test_sse']:.4f} | {h[0]['variance_kept']:.5f} | 0 | |")
    for solver in ("full", "randomized"):
        c = best_config(f"sklearn-{solver}", "pca32", None, "median_fit_s")
        s = runs(f"sklearn-{solver}", "pca32", None, c)
        if s:
            ss = med([r["median_fit_s"] for r in s])
            rel = abs(s[0]["test_mse"] - h[0]["test_mse"]) / h[0]["test_mse"]
            p(f"| scikit-learn {s[0]['sklearn']} svd_solver=\"{solver}\" | {ss:.3f} | {len(s)} | **{ss/hs:.2f}** | {s[0]['test_mse']:.6f} | {s[0]['test_sse']:.4f} | {s[0]['variance_kept']:.5f} | {rel:.1e} | {c} |")
lat = [r for r in rows if r["task"] == "latency"]
if lat:
    def us(tool, model, call, api, intra=None, config=None):
        v = [r["median_us"] for r in lat if r["tool"] == tool and r["model"] == model and r["call"] == call
             and r["api"] == api and (intra is None or r["intra_threads"] == intra) and (config is None or r.get("config") == config)]
        return med(v), len(v)
    def best_latency_config(model, call, api, intra):
        configs = {r.get("config") for r in lat if r["tool"] == "pytorch"}
        return min(configs, key=lambda c: us("pytorch", model, call, api, intra, c)[0] or float("inf"), default=None)
    intras = sorted({r["intra_threads"] for r in lat if r["tool"] == "pytorch"})
    p("\nSingle-sample inference: one MNIST test image per call (cycling through 1,000), each call timed on its own; "
      "µs = the median over processes (n) of each process's median over up to 2,000 calls (100 warm-up calls first). "
      "hourglass: a Predictor (serial, no allocation), the model's own encode(x.col(j)) / reconstruct (allocates), and "
      "a Predictor with Parallelism::thread_pool (a lone caller's products split across the 2 threads; last columns); "
      "PyTorch: the model in eval mode on a 1x784 tensor, under torch.no_grad() or torch.inference_mode(), with "
      + " or ".join(f"torch.set_num_threads({i})" for i in intras) + ". Ratio: PyTorch's time / the Predictor's.\n")
    head = "| model | call | hourglass Predictor µs | n | hourglass model.* µs |"
    line = "|---|---|---:|---:|---:|"
    for i in intras:
        head += f" PyTorch no_grad, {i} thr. µs | ratio | PyTorch inference_mode, {i} thr. µs | ratio |"
        line += "---:|---:|---:|---:|"
    p(head + " PyTorch overhead µs | peer environment | hourglass Predictor, thread pool µs | ratio |")
    p(line + "---:|---|---:|---:|")
    for model in ("small", "hinton"):
        for call in ("encode", "reconstruct"):
            hp, n = us("hourglass", model, call, "Predictor")
            hm, _ = us("hourglass", model, call, "model")
            if hp is None: continue
            c = best_latency_config(model, call, "no_grad", 1)
            cells = ""
            for i in intras:
                for api in ("no_grad", "inference_mode"):
                    t, _ = us("pytorch", model, call, api, i, c)
                    cells += f" {t:.1f} | **{t / hp:.1f}** |" if t else " | |"
            o, _ = us("pytorch", model, call, "overhead", 1, c)
            pool, _ = us("hourglass", model, call, "Predictor-pool")
            t1, _ = us("pytorch", model, call, "no_grad", 1, c)
            pooled = f" {pool:.1f} | **{t1 / pool:.1f}** |" if pool and t1 else " | |"
            p(f"| {model} | {call} | {hp:.1f} | {n} | {hm:.1f} |{cells} {f'{o:.1f}' if o else ''} | {c or ''} |{pooled}")
    p("\nPyTorch overhead: the same layers with 1-unit sizes (next to no arithmetic), inference_mode, 1 thread: "
      "the framework's own cost per call, which a single sample cannot amortise.")
thr = [r for r in rows if r["task"] == "latency-threads"]
if thr:
    def cps(tool, model, n, blas=None, config=None, key="calls_per_s"):
        v = [r[key] for r in thr if r["tool"] == tool and r["model"] == model and r["threads"] == n
             and (blas is None or r.get("blas_threads") == blas) and (config is None or r.get("config") == config)]
        return med(v)
    c = best_latency_config("small", "reconstruct", "no_grad", 1) if lat else None
    p("\nThroughput: N application threads share one model, each calling reconstruct on one sample at a time "
      "for about a second (hourglass: std::thread, a Predictor each; PyTorch: Python threads under "
      "torch.inference_mode(), torch.set_num_threads(1); PyTorch releases the GIL inside its operators, and its "
      "BLAS (OpenBLAS) keeps its own thread count: as the environment sets it (OPENBLAS_NUM_THREADS = --threads), "
      "and set to 1); calls/s in total, the CPU time per call (all threads) and the cores the process was given "
      "(CPU time / wall time: on a machine shared with other work, what the scheduler let the threads have), "
      "median over processes:\n")
    p("| model | threads | hourglass calls/s | CPU µs/call | cores | PyTorch calls/s (OpenBLAS threads as set) | ratio "
      "| PyTorch calls/s (OpenBLAS 1 thread) | ratio | CPU µs/call | cores |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in ("small", "hinton"):
        for n in sorted({r["threads"] for r in thr}):
            h = cps("hourglass", model, n)
            if h is None: continue
            a, b = cps("pytorch", model, n, "environment", c), cps("pytorch", model, n, 1, c)
            cell = lambda t: f" {t:,.0f} | **{h / t:.1f}** |" if t else " | |"
            def cpu(tool, blas=None):
                u, k = (cps(tool, model, n, blas, c if tool == "pytorch" else None, key) for key in ("cpu_us_per_call", "cores_used"))
                return f" {u:.1f} | {k:.2f} |" if u else " | |"
            p(f"| {model} | {n} | {h:,.0f} |{cpu('hourglass')}{cell(a)}{cell(b)}{cpu('pytorch', 1)}")
if lat or thr:
    p("\nEvery latency process (peers in each environment): µs per call, median (p10-p90), or calls/s "
      "(threads 1, 2, 4, 8; PyTorch: OpenBLAS threads as set, then 1):\n")
    p("| tool | environment | model | call | µs, or calls/s at 1, 2, 4, 8 threads (process after process) |")
    p("|---|---|---|---|---|")
    for r in lat:
        spread = f" ({r['p10_us']:.1f}-{r['p90_us']:.1f})" if "p10_us" in r else ""
        p(f"| {r['tool']} | {r.get('config', '')} | {r['model']} | {r['call']}, {r['api']}, {r['intra_threads']} thr. | "
          f"{r['median_us']:.1f}{spread} |")
    groups = {}
    for r in thr:
        groups.setdefault((r["tool"], r.get("config", ""), r["model"], r.get("blas_threads", "")), []).append(r)
    for (tool, config, model, blas), g in groups.items():
        p(f"| {tool} | {config} | {model} | threads{f', OpenBLAS {blas}' if blas else ''} | "
          + ", ".join(f"{r['calls_per_s']:,.0f}" for r in g) + " |")
others = [r for r in rows if not r["task"].startswith("latency")]  # the latency rows have their tables
if others:
    p("\nEvery run (peers in each environment):\n")
    p("| tool | task | batch | environment | median s | all times (s) |")
    p("|---|---|---:|---|---:|---|")
for r in others:
    m = r.get("median_epoch_s", r.get("median_fit_s", r.get("median_s")))
    times = r.get("epoch_seconds", r.get("fit_seconds", r.get("seconds")))
    p(f"| {r['tool']} | {r['task']} | {r.get('batch', '')} | {r.get('config', '')} | {m:.3f} | {', '.join(f'{t:.3f}' for t in times)} |")
PY
cat "$out"
echo "compare: written to $out" >&2
