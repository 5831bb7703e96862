#!/usr/bin/env python3
"""The README's results table, regenerated rather than edited by hand (issue #17, kind 7).

Every row of the table is declared below: what it measures, the commands that measure it, how
their output is read, and the sentence the numbers go into. `run` executes a row's commands, keeps
their output in benchmarks/results/logs/<row>.log and the numbers, the commit, the date and the
machine in benchmarks/results/results.json; `render` writes the table into README.md between the
`<!-- results:begin -->` and `<!-- results:end -->` markers; `check` (a CI test) fails when the
README's table is not what `render` would write, so a figure edited by hand is caught.

  scripts/results.py list                    # the rows, when each was measured, and how long it took
  scripts/results.py run small hinton        # rerun these rows (then render)
  scripts/results.py run --all               # every row (hours: the conv-keras and PyTorch rows are long)
  scripts/results.py render | check

Rows that were measured by hand before this script existed keep their text and say so in the
"measured" column until they are rerun. `run` refuses a work tree whose code differs from its
commit (the stamp would not say what was measured) unless --allow-dirty is given, and then the
stamp says "uncommitted changes".
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "benchmarks" / "results" / "results.json"
LOGS = ROOT / "benchmarks" / "results" / "logs"
README = ROOT / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
# The code whose changes make a stamp's commit not describe the run.
CODE_PATHS = ["include", "examples", "scripts", "CMakeLists.txt", "cmake"] + [
    f":(glob)benchmarks/**/{p}" for p in ("*.cpp", "*.hpp", "*.py", "*.sh", "CMakeLists.txt")]


class ParseError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# Readers of the programs' outputs
# ---------------------------------------------------------------------------------------------

def find(pattern: str, text: str, what: str, group: int = 1, flags: int = 0) -> str:
    m = re.search(pattern, text, flags)
    if not m:
        raise ParseError(f"{what}: no match for /{pattern}/ in the output")
    return m.group(group)


def number(s: str) -> float:
    return float(s.replace(",", ""))


def example_table(out: str) -> dict:
    """The MNIST example's plain/variant table: the autoencoder's and PCA's test errors."""
    v: dict = {}
    row = r"^{name}\s+([\d.]+)\s+([\d.]+|nan)\s+([\d.]+)\s*([\d.]+ s|loaded)?\s*$"
    m = re.search(row.format(name="autoencoder"), out, re.M)
    if not m:
        raise ParseError("example: no 'autoencoder' row in the table")
    v["ae_mse"], v["ae_bce"], v["ae_sse"] = float(m.group(1)), float(m.group(2)), float(m.group(3))
    if m.group(4) and m.group(4).endswith(" s"):
        v["train_s"] = float(m.group(4)[:-2])
    m = re.search(r"^PCA \(k=(\d+)\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out, re.M)
    if not m:
        raise ParseError("example: no 'PCA (k=...)' row in the table")
    v["pca_k"], v["pca_mse"], v["pca_bce"], v["pca_sse"] = int(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4))
    m = re.search(r"^Validation \(the last (\d+) training images, held out\): SSE/image ([\d.]+)", out, re.M)
    if m:
        v["validation_images"], v["validation_sse"] = int(m.group(1)), float(m.group(2))
    m = re.search(r"^training: (.*)$", out, re.M)
    if m:
        v["training"] = m.group(1)
    m = re.search(r"early stopping kept epoch (\d+) of (\d+) run", out)
    if m:
        v["best_epoch"], v["epochs_run"] = int(m.group(1)), int(m.group(2))
    return v


def vae_summary(out: str) -> dict:
    """The example's --variant vae summary."""
    v = {"neg_elbo": float(find(r"-ELBO \(test loss\)\s+([\d.]+)", out, "vae"))}
    m = re.search(r"-log p\(x\), IWAE k=(\d+)\s+([\d.]+) nats/image\s+\((\d+) images", out)
    if m:
        v["iwae_k"], v["iwae"], v["iwae_images"] = int(m.group(1)), float(m.group(2)), int(m.group(3))
    m = re.search(r"active units\s+(\d+) of (\d+)", out)
    if m:
        v["active"], v["units"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"training\s+[\d.]+ s\s+\(([\d.]+) s/epoch\)", out)
    if m:
        v["s_per_epoch"] = float(m.group(1))
    return v


def markdown_rows(out: str) -> list[list[str]]:
    """Every row of every Markdown table in the output, as stripped cells."""
    rows = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|") and not re.match(r"^\|[-:| ]+\|$", line):
            rows.append([c.strip().strip("*") for c in line[1:-1].split("|")])
    return rows


def markdown_row(out: str, *lead: str) -> list[str]:
    for r in markdown_rows(out):
        if len(r) >= len(lead) and all(r[i] == lead[i] or (lead[i].endswith("*") and r[i].startswith(lead[i][:-1]))
                                       for i in range(len(lead))):
            return r
    raise ParseError(f"no table row starting {lead}")


def vs_pca(out: str) -> dict:
    v: dict = {"linear_ratio": {}, "small_ratio": {}, "small_sse": {}, "pca_sse": {}}
    for r in markdown_rows(out):
        if len(r) == 6 and r[0].isdigit():
            k = r[0]
            if r[1] == "linear AE":
                v["linear_ratio"][k] = float(r[5])
            elif r[1] == "small AE":
                v["small_ratio"][k], v["small_sse"][k] = float(r[5]), float(r[3])
            elif r[1] == "PCA":
                v["pca_sse"][k] = float(r[3])
    if not v["small_ratio"]:
        raise ParseError("vs_pca: no table")
    return v


def pca_mnist(out: str) -> dict:
    m = re.search(r"k=30 test SSE/image ([\d.]+) .*?variance kept\s+([\d.]+)", out, re.S)  # Catch2 wraps lines
    if not m:
        raise ParseError("test_pca_mnist: no 'k=30 test SSE/image' line (is MNIST in data/mnist?)")
    return {"sse": float(m.group(1)), "kept": float(m.group(2))}


def google_benchmark(out: str) -> dict:
    """Google Benchmark's JSON (--benchmark_format=json), every document in the output (a script
    may run several executables): name -> its counters."""
    found, decoder, i = {}, json.JSONDecoder(), 0
    while (start := out.find("{", i)) >= 0:
        try:
            data, end = decoder.raw_decode(out, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        if isinstance(data, dict):
            found.update({b["name"]: b for b in data.get("benchmarks", [])})
        i = end
    if not found:
        raise ParseError("no Google Benchmark JSON in the output")
    return found


def pick(benchmarks: dict, *parts: str) -> dict:
    """The one benchmark whose name contains every part (Google Benchmark adds min_time:… etc.)."""
    found = [b for n, b in benchmarks.items() if all(p in n.split("/") or p in n for p in parts)]
    if len(found) != 1:
        raise ParseError(f"{len(found)} benchmarks match {parts}")
    return found[0]


# ---------------------------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------------------------

def anomaly(out: str) -> dict:
    """examples/anomaly: the mean AUROC row of the one-class table, the Fashion-MNIST rows, the time."""
    m = re.search(r"^\s*mean \| ([\d.]+) \|\s+([\d.]+) \|\s+([\d.]+) \|\s+([\d.]+)\s+\|\s+([\d.]+)", out, re.M)
    if not m:
        raise ParseError("anomaly: no 'mean' row in the one-class table")
    v = {"pca": float(m.group(1)), "dense": float(m.group(2)), "conv": float(m.group(3)),
         "paper_dcae": float(m.group(4)), "paper_svdd": float(m.group(5))}
    for name, key in (("PCA", "f_pca"), ("dense AE", "f_dense"), ("conv AE", "f_conv")):
        v[key] = float(find(rf"^{re.escape(name)}\s*\| ([\d.]+) \|", out, f"anomaly: Fashion row {name}", flags=re.M))
    v["seconds"] = float(find(r"wall time ([\d.]+) s", out, "anomaly: wall time"))
    return v


def r_anomaly(v):
    a = v[0]
    return (f"mean AUROC over the 10 digits: PCA (k=16) {a['pca']:.3f}, dense AE **{a['dense']:.3f}**, conv AE "
            f"{a['conv']:.3f} (Ruff et al. 2018: DCAE {a['paper_dcae'] / 100:.3f}, Deep SVDD {a['paper_svdd'] / 100:.3f}; "
            f"not the same preprocessing, [`docs/applications.md`](docs/applications.md)); Fashion-MNIST as out of "
            f"distribution: AUROC PCA {a['f_pca']:.3f}, dense {a['f_dense']:.3f}, conv {a['f_conv']:.3f}; "
            f"{a['seconds'] / 60:.1f} min")


def imputation(out: str) -> dict:
    """test_imputation_mnist's report (Catch2 wraps it: whitespace is folded first)."""
    text = re.sub(r"\s+", " ", out)
    m = re.search(r"mean ([\d.]+), PCA k=32 \(10 passes\) ([\d.]+), autoencoder .*?\) ([\d.]+), 3 passes ([\d.]+)", text)
    if not m:
        raise ParseError("imputation: no RMSE report in the output")
    return {"mean": float(m.group(1)), "pca": float(m.group(2)), "ae": float(m.group(3)), "ae3": float(m.group(4))}


def r_imputation(v):
    a = v[0]
    return (f"RMSE on the hidden test pixels: mean {a['mean']:.4f}, PCA k=32 {a['pca']:.4f}, autoencoder "
            f"**{a['ae']:.4f}** ({a['ae3']:.4f} with 3 passes)")


def latency(out: str) -> dict:
    """compare/run.sh --tasks latency: the Predictor's and PyTorch's µs per call (no_grad, 1 thread)."""
    v = {}
    for model in ("small", "hinton"):
        for call in ("encode", "reconstruct"):
            row = markdown_row(out, model, call)
            v[f"{model}_{call}"] = {"h": number(row[2]), "p": number(row[5]), "pool": number(row[-2])}
    return v


def r_latency(v):
    parts = [f"`{k.replace('_', '` ')} {x['h']:.1f} vs {x['p']:.1f} µs (**{x['p'] / x['h']:.1f}×**; a lone caller on "
             f"the thread pool {x['pool']:.1f} µs, {x['p'] / x['pool']:.1f}×)" for k, x in v[0].items()]
    return ("serial `Predictor` vs PyTorch: " + "; ".join(parts) + ". The issue's 10× is not reached (weights read per "
            "call bound both; [`docs/applications.md`](docs/applications.md))")


@dataclass
class Row:
    id: str
    what: str
    shown: str                       # the command column (Markdown)
    commands: list[str]              # what `run` executes (bash), in order
    parse: list[Callable[[str], dict]]
    result: Callable[[list[dict]], str]
    note: str = ""                   # how long a run takes, for `list`
    env: dict = field(default_factory=dict)
    # Text for the README's <!-- block:ID:begin --> ... <!-- block:ID:end --> from the commands'
    # outputs (e.g. the default run's printed table), or None.
    block: Callable[[list[str], list[dict]], str] | None = None


def fmt_range(values, digits=2):
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}–{hi:.{digits}f}"


def r_linear(v):
    ratios = v[0]["linear_ratio"]
    if all(abs(x - 1.0) < 5e-4 for x in ratios.values()):
        return "linear AE / PCA test error = 1.000 at every k"
    return "linear AE / PCA test error: " + ", ".join(f"k={k} {x:.3f}" for k, x in ratios.items())


def r_small_vs_pca(v):
    s = v[0]
    return (f"{fmt_range(s['small_ratio'].values())} × PCA's error (k=32: {s['small_sse']['32']:.2f} vs "
            f"{s['pca_sse']['32']:.2f} SSE/image)")


def r_small(v):
    seeds = [x["ae_sse"] for x in v]
    return (f"{v[0]['ae_sse']:.3f} SSE/image (PCA {v[0]['pca_sse']:.3f}), {v[0]['train_s']:.0f} s of training; "
            f"seeds 42, 1–4: {min(seeds):.2f}–{max(seeds):.2f}")


def small_block(outputs, v):
    """The default run's table as it printed it, and the seeds' spread."""
    lines = [l for l in outputs[0].splitlines() if re.match(r"^(\s+MSE/pixel|autoencoder |PCA \(k=)", l)]
    seeds = [x["ae_sse"] for x in v]
    return ("```\n" + "\n".join(lines) + "\n```\n"
            f"Over seeds 42, 1, 2, 3, 4 the default run gives {min(seeds):.2f}–{max(seeds):.2f} SSE/image "
            f"(mean {sum(seeds) / len(seeds):.2f}), so differences below about {max(seeds) - min(seeds):.1f} are the seed's.")


def distributed(out: str) -> dict:
    v = {}
    for r in markdown_rows(out):
        if len(r) == 8 and r[0] in ("small", "hinton", "conv") and r[1].isdigit():
            v[f"{r[0]}/{r[1]}"] = {"rate": number(r[4]), "ms": float(r[5]), "reduce_ms": float(r[6]),
                                   "share": float(r[7].rstrip("%"))}
        elif len(r) == 5 and r[0] in ("small", "hinton", "conv") and r[3].isdigit():
            v[f"{r[0]}/allreduce"] = {"ms": float(r[4]), "mb": float(r[2])}
    if "hinton/2" not in v or "hinton/1" not in v:
        raise ParseError("distributed-bench: no hinton rows for 1 and 2 processes")
    return v


def r_distributed(v):
    d = v[0]
    parts = [f"`{m}` {d[m + '/1']['rate']:,.0f} vs {d[m + '/2']['rate']:,.0f} samples/s "
             f"(all-reduce {d[m + '/2']['reduce_ms']:.2f} ms of {d[m + '/2']['ms']:.1f} ms per step, "
             f"{d[m + '/2']['share']:.0f}%)" for m in ("small", "hinton", "conv")]
    return "1 process × 2 threads vs 2 processes × 1 thread, global batch 128: " + "; ".join(parts) + \
        " ([`docs/distributed.md`](docs/distributed.md))"


def r_hinton(v):
    m, f = v[0], v[1]
    text = (f"MNIST **{m['ae_sse']:.3f}** SSE/image (paper: 3.00; PCA k=30 {m['pca_sse']:.3f}); "
            f"validation {m['validation_sse']:.3f} on the last {m['validation_images']:,} training images")
    if "best_epoch" in m:
        text += f", early stopping kept epoch {m['best_epoch']} of {m['epochs_run']}"
    text += (f"; {m['train_s'] / 60:.1f} min of training ({m['training']}). Fashion-MNIST {f['ae_sse']:.3f} (PCA {f['pca_sse']:.3f}) "
             "([`benchmarks/RESULTS.md`](benchmarks/RESULTS.md): the levers tried)")
    return text


def r_conv(v):
    m, f, short, sm, sf = v
    return (f"MNIST **{m['ae_sse']:.3f}** SSE/image, {m['ae_bce']:.5f} BCE/pixel, {m['train_s']:.0f} s "
            f"(`small`: {sm['ae_sse']:.3f} / {sm['ae_bce']:.5f}, {sm['train_s']:.0f} s; PCA k=32: {m['pca_sse']:.3f} / "
            f"{m['pca_bce']:.5f}); Fashion-MNIST {f['ae_sse']:.3f} / {f['ae_bce']:.5f} (`small` {sf['ae_sse']:.3f} / "
            f"{sf['ae_bce']:.5f}; PCA {f['pca_sse']:.3f} / {f['pca_bce']:.5f}). At `small`'s training time "
            f"(`--epochs 3`, {short['train_s']:.0f} s) {short['ae_sse']:.3f}: "
            + ("worse than `small`" if short["ae_sse"] > sm["ae_sse"] else "better than `small`"))


def r_vae(v):
    m, two, conv, f = v
    return (f"MNIST test −ELBO **{m['neg_elbo']:.3f}**, −log p(x) by IWAE (k = {m['iwae_k']}, all test images) "
            f"{m['iwae']:.3f}, {m['active']}/{m['units']} units active, {m['s_per_epoch']:.2f} s/epoch; "
            f"2 units {two['neg_elbo']:.3f} / {two['iwae']:.3f} (`manifold.png`); conv {conv['neg_elbo']:.3f} / "
            f"{conv['iwae']:.3f} ({conv['iwae_images']:,} images); Fashion-MNIST {f['neg_elbo']:.3f} / {f['iwae']:.3f} "
            "([`docs/vae.md`](docs/vae.md))")


def r_peak(v):
    b = v[0]
    one = pick(b, "fma_peak", "float", "threads:1")["GFLOP/s"]
    two = pick(b, "fma_peak", "float", "threads:2")["GFLOP/s"]
    return f"{two:.1f} GFLOP/s on 2 threads ({one:.1f} on 1)"


def r_training_step(v):
    eigen, blas = (pick(x, "train_step", "hinton", "batch:256") for x in v[:2])
    peak = pick(v[2], "fma_peak", "float", "threads:2")["GFLOP/s"]
    return (f"{eigen['samples/s']:,.0f} / {blas['samples/s']:,.0f} samples/s = {eigen['GFLOP/s'] / peak:.0%} / "
            f"{blas['GFLOP/s'] / peak:.0%} of the 2-thread FMA peak")


def big_conv_rates(benchmarks: dict) -> list[float]:
    """GFLOP/s of the forward and backward 3x3 convolutions with >= 32 channels in and out."""
    rates = []
    for name, b in benchmarks.items():
        m = re.match(r"(forward|backward)/conv(_transpose)?2d/(\d+)x\d+x\d+->(\d+)", name)
        if m and int(m.group(3)) >= 32 and int(m.group(4)) >= 32:
            rates.append(b["GFLOP/s"])
    if not rates:
        raise ParseError("bench_conv: no 3x3 layer with >= 32 channels in the output")
    return rates


def r_bench_conv(v):
    rates, peak = big_conv_rates(v[0]), pick(v[1], "fma_peak", "float", "threads:2")["GFLOP/s"]
    reached = "is reached" if max(rates) / peak >= 0.5 else "is not reached"
    return (f"{min(rates):.0f}–{max(rates):.0f} GFLOP/s = {min(rates) / peak:.0%}–{max(rates) / peak:.0%} of this "
            f"host's {peak:.0f} GFLOP/s 2-thread peak (the conv issue's goal of 50% {reached})")


def compare_dense(out: str) -> dict:
    v: dict = {}
    for model in ("small", "hinton"):
        for batch in ("256", "64"):
            h = markdown_row(out, model, batch, "hourglass")
            p = markdown_row(out, model, batch, "PyTorch*")
            v[f"{model}/{batch}"] = {"h": number(h[3]), "p": number(p[3])}
    h, p = markdown_row(out, "hourglass"), markdown_row(out, "PyTorch*")
    v["encode"] = {"h": number(h[1]), "p": number(p[1])}
    v["pca"] = {}
    for r in markdown_rows(out):
        if len(r) == 9 and r[0] == "hourglass":
            v["pca"]["h"] = number(r[1])
        for solver in ("full", "randomized"):
            if len(r) == 9 and r[0].startswith("scikit-learn") and f'"{solver}"' in r[0]:
                v["pca"][solver] = number(r[1])
                v["pca"][solver + "_rel"] = number(r[7])
    if "h" not in v["pca"] or "full" not in v["pca"]:
        raise ParseError("compare: no scikit-learn PCA rows")
    return v


def r_dense_vs_pytorch(v):
    d = v[0]
    part = lambda k: f"{d[k]['p'] / d[k]['h']:.2f}× ({d[k]['h']:.2f} vs {d[k]['p']:.2f} s)"
    return (f"`small` b256 {part('small/256')}, b64 {part('small/64')}; `hinton` b256 {part('hinton/256')}, "
            f"b64 {part('hinton/64')}")


def r_encode(v):
    e = v[0]["encode"]
    return f"{e['h']:.3f} vs {e['p']:.3f} s ({e['p'] / e['h']:.2f}×)"


def r_pca_vs_sklearn(v):
    p = v[0]["pca"]
    return (f"{p['h']:.3f} s vs {p['full']:.3f} s (`full`, {p['full'] / p['h']:.1f}×), {p['randomized']:.3f} s "
            f"(`randomized`, {p['randomized'] / p['h']:.1f}×); test errors agree to {max(p['full_rel'], 1e-16):.0e} "
            f"(`full`), {p['randomized_rel']:.0e} (`randomized`) relative")


COMPARE = "benchmarks/compare/run.sh --out /tmp/results-dense-vs-pytorch.md"
PEAK = "build/bench/benchmarks/bench_peak --benchmark_format=json"
BENCH_BUILD = ("cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=OFF "
               "-DHOURGLASS_BUILD_EXAMPLES=OFF -DHOURGLASS_BUILD_BENCHMARKS=ON >/dev/null && "
               "cmake --build build/bench -j 2 --target {targets} >/dev/null && ")

ROWS: list[Row] = [
    Row("pca-mnist", "PCA, MNIST, k=30 (train 60k, test 10k)",
        "`ctest -R pca_mnist` in the test build (`scripts/test.sh`; `scripts/get-data.sh`)",
        ["cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=ON >/dev/null && "
         "cmake --build build/test -j 2 --target test_pca_mnist >/dev/null && build/test/tests/test_pca_mnist -s"],
        [pca_mnist],
        lambda v: f"{v[0]['sse']:.3f} SSE/image, {v[0]['kept']:.2%} variance kept (Hinton & Salakhutdinov: 13.87)",
        "1 min"),
    Row("vs-pca-linear", "linear AE vs PCA, k ∈ {2,8,16,32,64}", "`scripts/vs-pca.sh`",
        ["scripts/vs-pca.sh"], [vs_pca], r_linear, "8 min"),
    Row("vs-pca-small", "`small` AE vs PCA, same k", "`scripts/vs-pca.sh`",
        ["scripts/vs-pca.sh"], [vs_pca], r_small_vs_pca, "(the run above)"),
    Row("small", "`small` AE, default run", "`scripts/run.sh` (`--seed 1` … `4`)",
        ["scripts/run.sh --out out/results/small"] + [f"scripts/run.sh --seed {s} --out out/results/small-seed{s}"
                                                       for s in (1, 2, 3, 4)],
        [example_table] * 5, r_small, "3 min", block=small_block),
    Row("hinton", "`hinton` AE (784-1000-500-250-30), from random initialisation, test set scored once",
        "`scripts/run.sh --preset hinton` (`--dataset fashion`)",
        ["scripts/run.sh --preset hinton --out out/results/hinton",
         "scripts/run.sh --preset hinton --dataset fashion --out out/results/hinton-fashion"],
        [example_table] * 2, r_hinton, "1 h"),
    Row("conv", "`conv` AE (Conv 1→32→64 stride 2, Dense 3136→32, mirrored with ConvTranspose), 10 epochs",
        "`scripts/run.sh --preset conv` (`--dataset fashion`)",
        ["scripts/run.sh --preset conv --out out/results/conv",
         "scripts/run.sh --preset conv --dataset fashion --out out/results/conv-fashion",
         "scripts/run.sh --preset conv --epochs 3 --out out/results/conv-3",
         "scripts/run.sh --out out/results/small",
         "scripts/run.sh --dataset fashion --out out/results/small-fashion"],
        [example_table] * 5, r_conv, "5 min"),
    Row("conv-keras", "`conv-keras` (keras.io's conv denoising AE, 28,353 parameters, 32x7x7 code), 50 epochs",
        "`scripts/run.sh --preset conv-keras` (`--dataset fashion`)",
        ["scripts/run.sh --preset conv-keras --out out/results/conv-keras",
         "scripts/run.sh --preset conv-keras --dataset fashion --out out/results/conv-keras-fashion"],
        [example_table] * 2,
        lambda v: (f"MNIST **{v[0]['ae_bce']:.5f}** BCE/pixel (keras.io publishes 0.0622), {v[0]['ae_sse']:.3f} "
                   f"SSE/image, {v[0]['train_s']:.0f} s of training; Fashion-MNIST {v[1]['ae_bce']:.5f} BCE/pixel, "
                   f"{v[1]['ae_sse']:.3f} SSE/image"),
        "25 min"),
    Row("conv-vs-pytorch", "conv presets vs PyTorch 1.13 (its fastest environment), MNIST, batch 128, 2 threads, s/epoch",
        "`HOURGLASS_BLAS=OFF benchmarks/compare/run.sh --tasks conv,conv-keras --epochs 2 --repeats 1 --batches 128 "
        "--environment \"OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE\"`",
        ["HOURGLASS_BLAS=OFF benchmarks/compare/run.sh --tasks conv,conv-keras --epochs 2 --repeats 1 --batches 128 "
         "--environment \"OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE\" --out /tmp/results-conv-vs-pytorch.md"],
        [lambda out: {t: {"h": number(markdown_row(out, t, "128", "hourglass")[3]),
                          "p": number(markdown_row(out, t, "128", "PyTorch*")[3])} for t in ("conv", "conv-keras")}],
        lambda v: (f"`conv` {v[0]['conv']['h']:.2f} vs {v[0]['conv']['p']:.2f} s "
                   f"(**{v[0]['conv']['p'] / v[0]['conv']['h']:.2f}×**), `conv-keras` {v[0]['conv-keras']['h']:.2f} vs "
                   f"{v[0]['conv-keras']['p']:.2f} s (**{v[0]['conv-keras']['p'] / v[0]['conv-keras']['h']:.2f}×**) "
                   "(`benchmarks/RESULTS.md`)"),
        "10 min"),
    Row("vae", "VAE, PyTorch's example's recipe (784-400-20, Bernoulli, Adam 1e-3, batch 128), 10 epochs, nats/image",
        "`scripts/run.sh --variant vae` (`--code-size 2`, `--preset conv --iwae-images 1000`, `--dataset fashion`)",
        ["scripts/run.sh --variant vae --out out/results/vae",
         "scripts/run.sh --variant vae --code-size 2 --out out/results/vae-2",
         "scripts/run.sh --variant vae --preset conv --iwae-images 1000 --out out/results/vae-conv",
         "scripts/run.sh --variant vae --dataset fashion --out out/results/vae-fashion"],
        [vae_summary] * 4, r_vae, "20 min"),
    Row("vae-vs-pytorch", "VAE vs PyTorch's own example, same recipe, same machine",
        "`benchmarks/compare/run.sh --tasks vae --epochs 10 --batches 128 --repeats 3 --environment "
        "\"OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE\"`",
        ["benchmarks/compare/run.sh --tasks vae --epochs 10 --batches 128 --repeats 3 --environment "
         "\"OPENBLAS_CORETYPE=SkylakeX + OMP_WAIT_POLICY=PASSIVE\" --out /tmp/results-vae-vs-pytorch.md"],
        [lambda out: {"h": markdown_row(out, "hourglass"), "p": markdown_row(out, "PyTorch*")}],
        lambda v: (f"{number(v[0]['h'][1]):.3f} vs {number(v[0]['p'][1]):.3f} s/epoch "
                   f"(**{number(v[0]['p'][1]) / number(v[0]['h'][1]):.2f}×**); test loss {v[0]['h'][5]} vs {v[0]['p'][5]}, "
                   f"IWAE {v[0]['h'][6]} vs {v[0]['p'][6]}"
                   + (": **not lower** (`benchmarks/RESULTS.md`: the initialisation)"
                      if number(v[0]['h'][5]) > number(v[0]['p'][5]) else "")),
        "15 min"),
    Row("bench-conv", "3x3 conv layers, ≥ 32 channels, batch 128, forward / backward",
        "`build/bench/benchmarks/bench_conv`",
        [BENCH_BUILD.format(targets="bench_conv bench_peak") +
         "build/bench/benchmarks/bench_conv --benchmark_filter='(forward|backward)/' --benchmark_format=json", PEAK],
        [google_benchmark, google_benchmark],
        r_bench_conv,
        "3 min"),
    Row("peak", "FMA peak, float (the machine in the next column)", "`build/bench/benchmarks/bench_peak`",
        [BENCH_BUILD.format(targets="bench_peak") + PEAK], [google_benchmark], r_peak, "10 s"),
    Row("training-step", "training step, `hinton`, batch 256, 2 threads: Eigen kernel / products through OpenBLAS",
        "`OMP_NUM_THREADS=2 scripts/bench.sh` / with `HOURGLASS_BLAS=ON`",
        ["OMP_NUM_THREADS=2 scripts/bench.sh --benchmark_filter='train_step/hinton/batch:256' --benchmark_format=json",
         "HOURGLASS_BLAS=ON BUILD_DIR=build/bench-blas OMP_NUM_THREADS=2 scripts/bench.sh "
         "--benchmark_filter='train_step/hinton/batch:256' --benchmark_format=json", PEAK],
        [google_benchmark] * 3, r_training_step, "10 min (two builds)"),
    Row("distributed", "data-parallel training over MPI on this machine", "`scripts/distributed-bench.sh`",
        ["scripts/distributed-bench.sh"], [distributed], r_distributed, "3 min"),
    Row("dense-vs-pytorch", "vs PyTorch 1.13 (its best of 4 settings), MNIST, 2 threads, s/epoch, OpenBLAS products",
        "`benchmarks/compare/run.sh`", [COMPARE], [compare_dense], r_dense_vs_pytorch, "40 min"),
    Row("encode-vs-pytorch", "encoding 60,000 images with `small`'s encoder vs PyTorch `no_grad`",
        "`benchmarks/compare/run.sh`", [COMPARE], [compare_dense], r_encode, "(the run above)"),
    Row("pca-vs-sklearn", "PCA k=32 vs scikit-learn", "`benchmarks/compare/run.sh`", [COMPARE], [compare_dense],
        r_pca_vs_sklearn, "(the run above)"),
    Row("anomaly", "one-class MNIST (Ruff et al. 2018's protocol: train on one digit, score the 10,000 test images)",
        "`scripts/run.sh --example anomaly`",
        ["cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_EXAMPLES=ON >/dev/null && "
         "cmake --build build/release -j 2 --target anomaly >/dev/null && "
         "build/release/examples/anomaly/anomaly --threads 2 --out out/results/anomaly"],
        [anomaly], r_anomaly, "5 min"),
    Row("imputation", "missing values: 20% of MNIST pixels hidden at random (train and test)",
        "`ctest -R imputation_mnist` in the test build",
        ["cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release -DHOURGLASS_BUILD_TESTS=ON >/dev/null && "
         "cmake --build build/test -j 2 --target test_imputation_mnist >/dev/null && "
         "build/test/tests/test_imputation_mnist -s"],
        [imputation], r_imputation, "1 min"),
    Row("latency", "single-sample inference (`Predictor`) vs PyTorch `no_grad`, 1 thread, µs per call",
        "`benchmarks/compare/run.sh --tasks latency --repeats 3 --batches 256`",
        ["benchmarks/compare/run.sh --tasks latency --repeats 3 --batches 256 --out /tmp/results-latency.md"],
        [latency], r_latency, "5 min"),
]
ROW_BY_ID = {r.id: r for r in ROWS}


# ---------------------------------------------------------------------------------------------
# Stamps, the store, the table
# ---------------------------------------------------------------------------------------------

def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def machine() -> str:
    model, flags = "unknown CPU", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1]
    except OSError:
        pass
    simd = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
    return f"{model}, {os.cpu_count()} cores, {simd}"


def load_store() -> dict:
    return json.loads(STORE.read_text()) if STORE.exists() else {}


def save_store(store: dict) -> None:
    STORE.parent.mkdir(parents=True, exist_ok=True)
    tmp = STORE.with_suffix(".tmp")
    tmp.write_text(json.dumps(store, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(STORE)


def stamp_of(rec: dict) -> str:
    if rec.get("by_hand"):
        return "by hand, before `scripts/results.py`; not rerun since"
    dirty = " + uncommitted changes" if rec.get("dirty") else ""
    took = f"{rec['seconds']:.0f} s" if rec["seconds"] < 90 else f"{rec['seconds'] / 60:.0f} min"
    return f"{rec['date']}, `{rec['commit']}`{dirty}, {rec['machine']}, {took}"


def render_table(store: dict) -> str:
    lines = ["| what | command | result | measured |", "| --- | --- | --- | --- |"]
    for row in ROWS:
        rec = store.get(row.id)
        if rec is None:
            continue
        lines.append(f"| {row.what} | {row.shown} | {rec['result']} | {stamp_of(rec)} |")
    return "\n".join(lines)


def render_blocks(text: str, store: dict) -> str:
    for row in ROWS:
        begin, end = f"<!-- block:{row.id}:begin -->", f"<!-- block:{row.id}:end -->"
        rec = store.get(row.id)
        if row.block is None or begin not in text or rec is None or "block" not in rec:
            continue
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{rec['block']}\n({stamp_of(rec)})\n{end}{tail}"
    return text


def render_readme(store: dict) -> str:
    text = render_blocks(README.read_text(), store)
    if BEGIN not in text or END not in text:
        raise SystemExit(f"results.py: README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    note = ("<!-- generated by scripts/results.py from benchmarks/results/results.json: rerun a row with "
            "`scripts/results.py run ROW`, do not edit by hand -->")
    return f"{head}{BEGIN}\n{note}\n{render_table(store)}\n{END}{tail}"


def split_log(row: Row, rec: dict) -> list[str]:
    """The outputs of a row's commands, from its log ("$ command" lines, then the output)."""
    text = (LOGS / f"{row.id}.log").read_text()
    outputs, current, cmd = {}, [], None
    for line in text.split("\n"):
        if line.startswith("$ ") and line[2:] in rec["commands"]:
            if cmd is not None:
                outputs[cmd] = "\n".join(current)
            cmd, current = line[2:], []
        else:
            current.append(line)
    if cmd is not None:
        outputs[cmd] = "\n".join(current)
    missing = [c for c in rec["commands"] if c not in outputs]
    if missing:
        raise ParseError(f"the log has no output of {missing}")
    return [outputs[c] for c in rec["commands"]]


def run_rows(ids: list[str], allow_dirty: bool) -> int:
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS))
    if dirty and not allow_dirty:
        print("results.py: the code has uncommitted changes (git status -- " + " ".join(CODE_PATHS) +
              "): commit first, or pass --allow-dirty", file=sys.stderr)
        return 2
    store = load_store()
    LOGS.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {}  # a command shared by two rows runs once
    failed = 0
    for rid in ids:
        row = ROW_BY_ID[rid]
        start = time.monotonic()
        texts = []
        try:
            for cmd in row.commands:
                if cmd not in outputs:
                    print(f"== {rid}: {cmd}", file=sys.stderr, flush=True)
                    proc = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True,
                                          env={**os.environ, **row.env})
                    if proc.returncode != 0:
                        raise ParseError(f"`{cmd}` exited with {proc.returncode}:\n{proc.stderr[-3000:]}")
                    outputs[cmd] = proc.stdout
                texts.append(outputs[cmd])
            values = [parse(t) for parse, t in zip(row.parse, texts)]
            result = row.result(values)
        except ParseError as e:
            print(f"results.py: {rid}: {e}", file=sys.stderr)
            failed += 1
            continue
        log = "".join(f"$ {c}\n{t}\n" for c, t in zip(row.commands, texts))
        (LOGS / f"{rid}.log").write_text(log)
        store[rid] = {"result": result, "values": values, "commands": row.commands,
                      **({"block": row.block(texts, values)} if row.block else {}),
                      "commit": git("rev-parse", "--short=10", "HEAD"), "dirty": dirty,
                      "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
                      "seconds": round(time.monotonic() - start, 1)}
        save_store(store)
        print(f"== {rid}: {result}", file=sys.stderr, flush=True)
    README.write_text(render_readme(store))
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="rerun rows and render the README's table")
    r.add_argument("rows", nargs="*")
    r.add_argument("--all", action="store_true")
    r.add_argument("--allow-dirty", action="store_true")
    sub.add_parser("render", help="write the README's table from the stored results")
    sub.add_parser("check", help="fail if the README's table is not the rendered one")
    sub.add_parser("list", help="the rows and their stamps")
    a = ap.parse_args()
    store = load_store()
    if a.what == "list":
        for row in ROWS:
            rec = store.get(row.id)
            print(f"{row.id:18} {row.note:22} {stamp_of(rec) if rec else 'never run'}")
        return 0
    if a.what == "render":
        README.write_text(render_readme(store))
        return 0
    if a.what == "check":
        unknown = set(store) - set(ROW_BY_ID)
        missing = [row.id for row in ROWS if row.id not in store]
        if unknown or missing:
            print(f"results.py: stored results without a row: {sorted(unknown)}; rows never measured: {missing}",
                  file=sys.stderr)
            return 1
        for row in ROWS:
            rec = store[row.id]
            if rec.get("by_hand"):
                continue
            try:
                texts = split_log(row, rec)
                values = [parse(t) for parse, t in zip(row.parse, texts)]
                again = row.result(values)
                if row.block and row.block(texts, values) != rec.get("block"):
                    print(f"results.py: {row.id}: the stored README block is not what its log says", file=sys.stderr)
                    return 1
            except (ParseError, OSError) as e:
                print(f"results.py: {row.id}: its log does not parse: {e}", file=sys.stderr)
                return 1
            if again != rec["result"]:
                print(f"results.py: {row.id}: the stored result is not what its log says\n  stored: {rec['result']}\n"
                      f"  log:    {again}", file=sys.stderr)
                return 1
        if README.read_text() != render_readme(store):
            print("results.py: README.md's results table differs from what benchmarks/results/results.json renders: "
                  "a figure was edited by hand, or the store changed without `scripts/results.py render`",
                  file=sys.stderr)
            return 1
        print(f"results.py: README.md's table is the rendered one ({len(ROWS)} rows)")
        return 0
    ids = [row.id for row in ROWS] if a.all else a.rows
    bad = [i for i in ids if i not in ROW_BY_ID]
    if bad or not ids:
        print(f"results.py: unknown rows {bad}; rows: {', '.join(ROW_BY_ID)}", file=sys.stderr)
        return 2
    return run_rows(ids, a.allow_dirty)


if __name__ == "__main__":
    sys.exit(main())
